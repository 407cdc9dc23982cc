//! The Bitol standards' published JSON Schemas, vendored in `tests/schemas/` (see its README
//! for the packages they come from), to validate every exported document against.

use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::Value;

static ODCS: LazyLock<Validator> =
    LazyLock::new(|| compile(include_str!("../../schemas/odcs-v3.2.0.schema.json")));
static ODPS: LazyLock<Validator> =
    LazyLock::new(|| compile(include_str!("../../schemas/odps-v1.0.0.schema.json")));

/// Both schemas declare draft 2019-09. Formats (`uri`, `date-time`, …) are checked too: the
/// crate only annotates them unless told to.
fn compile(text: &str) -> Validator {
    let schema: Value = serde_json::from_str(text).expect("a vendored schema is JSON");
    jsonschema::draft201909::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("a vendored schema compiles")
}

fn assert_valid(validator: &Validator, standard: &str, document: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not a valid {standard} document: {errors:#?}\n{document:#}"
    );
}

/// Fails the test, listing every violation, unless `document` is valid ODCS v3.2.0.
pub fn assert_valid_odcs(document: &Value) {
    assert_valid(&ODCS, "ODCS v3.2.0", document);
}

/// Fails the test, listing every violation, unless `document` is valid ODPS v1.0.0.
pub fn assert_valid_odps(document: &Value) {
    assert_valid(&ODPS, "ODPS v1.0.0", document);
}

/// Sanity check of the validators themselves: a document each schema must refuse.
pub fn refuses(document: &Value) -> (bool, bool) {
    (!ODCS.is_valid(document), !ODPS.is_valid(document))
}
