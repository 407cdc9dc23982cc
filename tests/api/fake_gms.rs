//! A fake DataHub GMS for the DataHub target's tests: an in-process axum server on a random
//! loopback port that validates proposals strictly, keeps the latest value of every aspect and
//! records every request.
//!
//! - `POST /aspects?action=ingestProposal`: `200 {"value": urn}` for a valid proposal, else
//!   **422** `{"status":422,"message":<reason>}`. Checked: the entity type is known and is the
//!   URN's; the URN's syntax (`urn:li:<type>:<id>`, a dataset's
//!   `(urn:li:dataPlatform:<p>,<name>,<ENV>)`); the aspect is allowed on the entity (DataHub's
//!   entity registry); `changeType` `UPSERT` (the only one modelled); `contentType`
//!   `application/json`; `aspect.value` is JSON; the aspect matches its Pegasus schema
//!   (required fields present, every field of the right JSON type, enums and URN entity types
//!   right, no unknown fields at any level, no `null`s, unions as one-member objects).
//! - `GET /aspects/{urn}?aspect=<name>&version=0`: the Rest.li `VersionedAspect`
//!   `{"urn":…,"version":0,"aspect":{"<pegasus class>":{…}}}`, or 404.
//!
//! The schemas are those of DataHub's `.pdl` files (`metadata-models/src/main/pegasus`) for the
//! aspects daap writes; the allowed aspects per entity come from `entity-registry.yml`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// Path and query, as sent (still percent-encoded).
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Option<Value>,
}

#[derive(Default)]
struct State {
    recorded: Vec<Recorded>,
    aspects: BTreeMap<(String, String), Value>,
    /// Answer every request with this instead (after recording it).
    forced: Option<(StatusCode, String)>,
    delay: Option<Duration>,
}

/// A running fake GMS; it stops with the test's runtime.
#[derive(Clone)]
pub struct FakeGms {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGms {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = Router::new().fallback(move |method, uri, headers, body| {
            handle(shared.clone(), method, uri, headers, body)
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Every request so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.state().recorded.clone()
    }

    pub fn clear_recorded(&self) {
        self.state().recorded.clear();
    }

    /// The proposals received so far (valid or not), each with its `aspect.value` parsed, in
    /// the order they came.
    pub fn proposals(&self) -> Vec<Value> {
        self.recorded()
            .into_iter()
            .filter(|r| r.method == Method::POST)
            .filter_map(|r| r.body)
            .map(|mut body| {
                let mut proposal = body["proposal"].take();
                if let Some(raw) = proposal.pointer("/aspect/value").and_then(Value::as_str)
                    && let Ok(parsed) = serde_json::from_str::<Value>(raw)
                {
                    proposal["aspect"]["value"] = parsed;
                }
                proposal
            })
            .collect()
    }

    /// The latest value of an aspect.
    pub fn aspect(&self, urn: &str, aspect: &str) -> Option<Value> {
        self.state()
            .aspects
            .get(&(urn.to_owned(), aspect.to_owned()))
            .cloned()
    }

    /// Every (urn, aspect) held, with its value.
    pub fn aspects(&self) -> BTreeMap<(String, String), Value> {
        self.state().aspects.clone()
    }

    /// Answer every later request with `status` and a Rest.li error carrying `message`.
    pub fn force(&self, status: StatusCode, message: &str) {
        self.state().forced = Some((status, message.to_owned()));
    }

    /// Answer normally again after [`FakeGms::force`].
    pub fn recover(&self) {
        self.state().forced = None;
    }

    /// Wait this long before answering each later request.
    pub fn delay(&self, delay: Duration) {
        self.state().delay = Some(delay);
    }
}

fn rest_li_error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "exceptionClass": "com.linkedin.restli.server.RestLiServiceException",
        "message": message,
        "status": status.as_u16(),
    });
    (status, axum::Json(body)).into_response()
}

async fn handle(
    state: Arc<Mutex<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (forced, delay) = {
        let mut state = state.lock().unwrap();
        state.recorded.push(Recorded {
            method: method.clone(),
            uri: uri.to_string(),
            headers: headers.clone(),
            body: serde_json::from_slice(&body).ok(),
        });
        (state.forced.clone(), state.delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some((status, message)) = forced {
        return rest_li_error(status, &message);
    }
    if headers
        .get("x-restli-protocol-version")
        .and_then(|v| v.to_str().ok())
        != Some("2.0.0")
    {
        return rest_li_error(
            StatusCode::BAD_REQUEST,
            "missing X-RestLi-Protocol-Version: 2.0.0",
        );
    }
    let query: BTreeMap<String, String> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    let path = uri.path();
    if method == Method::POST && path == "/aspects" {
        if query.get("action").map(String::as_str) != Some("ingestProposal") {
            return rest_li_error(StatusCode::BAD_REQUEST, "unsupported action");
        }
        return match check_proposal(&body) {
            Ok((urn, aspect_name, value)) => {
                state
                    .lock()
                    .unwrap()
                    .aspects
                    .insert((urn.clone(), aspect_name), value);
                (StatusCode::OK, axum::Json(json!({ "value": urn }))).into_response()
            }
            Err(reason) => rest_li_error(StatusCode::UNPROCESSABLE_ENTITY, &reason),
        };
    }
    if method == Method::GET
        && let Some(encoded) = path.strip_prefix("/aspects/")
    {
        let Some(urn) = percent_decode(encoded) else {
            return rest_li_error(StatusCode::BAD_REQUEST, "bad percent-encoding");
        };
        let Some(aspect_name) = query.get("aspect") else {
            return rest_li_error(StatusCode::BAD_REQUEST, "missing ?aspect=");
        };
        if query.get("version").map(String::as_str) != Some("0") {
            return rest_li_error(StatusCode::BAD_REQUEST, "only version=0 is served");
        }
        let Some(class) = schema(aspect_name).map(|(class, _)| class) else {
            return rest_li_error(StatusCode::BAD_REQUEST, "unknown aspect");
        };
        let value = state
            .lock()
            .unwrap()
            .aspects
            .get(&(urn.clone(), aspect_name.clone()))
            .cloned();
        return match value {
            Some(value) => {
                let answer = json!({ "urn": urn, "version": 0, "aspect": { class: value } });
                (StatusCode::OK, axum::Json(answer)).into_response()
            }
            None => rest_li_error(StatusCode::NOT_FOUND, "aspect not found"),
        };
    }
    rest_li_error(StatusCode::NOT_FOUND, "no such resource")
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

// ---------------------------------------------------------------------------------------------
// Proposal validation

const PROPOSAL_FIELDS: [&str; 8] = [
    "entityType",
    "entityUrn",
    "entityKeyAspect",
    "changeType",
    "aspectName",
    "aspect",
    "systemMetadata",
    "headers",
];

const CHANGE_TYPES: [&str; 7] = [
    "UPSERT",
    "CREATE",
    "CREATE_ENTITY",
    "UPDATE",
    "DELETE",
    "PATCH",
    "RESTATE",
];

/// A valid proposal's URN, aspect name and aspect; or why it is not valid.
fn check_proposal(body: &[u8]) -> Result<(String, String, Value), String> {
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let proposal = body
        .get("proposal")
        .and_then(Value::as_object)
        .ok_or("body has no `proposal` object")?;
    if let Some(unknown) = proposal
        .keys()
        .find(|k| !PROPOSAL_FIELDS.contains(&k.as_str()))
    {
        return Err(format!("unknown proposal field `{unknown}`"));
    }
    let text = |key: &str| -> Result<&str, String> {
        proposal
            .get(key)
            .and_then(Value::as_str)
            .ok_or(format!("proposal.{key} is missing or not a string"))
    };
    let entity_type = text("entityType")?;
    let urn = text("entityUrn")?;
    let change_type = text("changeType")?;
    let aspect_name = text("aspectName")?;

    let Some(allowed) = entity_aspects(entity_type) else {
        return Err(format!("unknown entity type `{entity_type}`"));
    };
    let urn_type = check_urn(urn)?;
    if urn_type != entity_type {
        return Err(format!(
            "entityType `{entity_type}` does not match the URN's entity type `{urn_type}`"
        ));
    }
    if !CHANGE_TYPES.contains(&change_type) {
        return Err(format!("unknown changeType `{change_type}`"));
    }
    if change_type != "UPSERT" {
        return Err(format!(
            "changeType `{change_type}` is not modelled by the fake"
        ));
    }
    if !allowed.contains(&aspect_name) {
        return Err(format!(
            "aspect `{aspect_name}` is not allowed on entity `{entity_type}`"
        ));
    }
    let aspect = proposal
        .get("aspect")
        .and_then(Value::as_object)
        .ok_or("proposal.aspect is missing or not an object")?;
    if let Some(unknown) = aspect
        .keys()
        .find(|k| !["value", "contentType"].contains(&k.as_str()))
    {
        return Err(format!("unknown field `aspect.{unknown}`"));
    }
    if aspect.get("contentType").and_then(Value::as_str) != Some("application/json") {
        return Err("aspect.contentType must be `application/json`".into());
    }
    let raw = aspect
        .get("value")
        .and_then(Value::as_str)
        .ok_or("aspect.value is missing or not a string")?;
    let value: Value =
        serde_json::from_str(raw).map_err(|e| format!("aspect.value is not JSON: {e}"))?;
    let Some((_, ty)) = schema(aspect_name) else {
        return Err(format!(
            "aspect `{aspect_name}` is not modelled by the fake"
        ));
    };
    check(&value, ty, aspect_name)?;
    Ok((urn.to_owned(), aspect_name.to_owned(), value))
}

const FABRIC_TYPES: [&str; 17] = [
    "DEV", "TEST", "QA", "UAT", "EI", "PRE", "STG", "NON_PROD", "PROD", "CORP", "RVW", "PRD",
    "TST", "SIT", "SBX", "SANDBOX", "CERT",
];

/// The entity type of a syntactically valid URN.
fn check_urn(urn: &str) -> Result<&str, String> {
    let rest = urn
        .strip_prefix("urn:li:")
        .ok_or(format!("URN `{urn}` does not start with `urn:li:`"))?;
    let (entity_type, id) = rest
        .split_once(':')
        .ok_or(format!("URN `{urn}` has no entity id"))?;
    if entity_type.is_empty() || !entity_type.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("URN `{urn}` has an invalid entity type"));
    }
    if id.is_empty() {
        return Err(format!("URN `{urn}` has an empty id"));
    }
    if entity_type == "dataset" {
        let parts = tuple_parts(id).ok_or(format!(
            "dataset URN `{urn}` is not a `(platform,name,env)` tuple"
        ))?;
        let [platform, name, env] = parts[..] else {
            return Err(format!("dataset URN `{urn}` does not have 3 parts"));
        };
        let platform_ok = platform
            .strip_prefix("urn:li:dataPlatform:")
            .is_some_and(|p| !p.is_empty());
        if !platform_ok {
            return Err(format!(
                "dataset URN `{urn}`: `{platform}` is not a dataPlatform URN"
            ));
        }
        if name.is_empty() || name.contains(['(', ')']) {
            return Err(format!("dataset URN `{urn}` has an invalid name"));
        }
        if !FABRIC_TYPES.contains(&env) {
            return Err(format!(
                "dataset URN `{urn}`: `{env}` is not an environment"
            ));
        }
    } else if id.starts_with('(') {
        tuple_parts(id).ok_or(format!("URN `{urn}` has an unbalanced tuple"))?;
    } else if id.contains(['(', ')', ',']) {
        return Err(format!("URN `{urn}` has unencoded reserved characters"));
    }
    Ok(entity_type)
}

/// The top-level parts of a tuple id `(a,b,…)`; parts may be URNs with tuples of their own.
fn tuple_parts(id: &str) -> Option<Vec<&str>> {
    let inner = id.strip_prefix('(')?.strip_suffix(')')?;
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then_some(())?;
    parts.push(&inner[start..]);
    Some(parts)
}

/// Aspects allowed per entity (DataHub's entity registry, for the entities daap writes to).
fn entity_aspects(entity_type: &str) -> Option<&'static [&'static str]> {
    Some(match entity_type {
        "dataset" => &[
            "viewProperties",
            "subTypes",
            "datasetProfile",
            "datasetUsageStatistics",
            "operation",
            "domains",
            "dataProducts",
            "applications",
            "schemaMetadata",
            "status",
            "container",
            "deprecation",
            "testResults",
            "siblings",
            "embed",
            "incidentsSummary",
            "datasetProperties",
            "editableDatasetProperties",
            "datasetDeprecation",
            "datasetUpstreamLineage",
            "upstreamLineage",
            "institutionalMemory",
            "ownership",
            "editableSchemaMetadata",
            "globalTags",
            "glossaryTerms",
            "browsePaths",
            "dataPlatformInstance",
            "browsePathsV2",
            "access",
            "structuredProperties",
            "forms",
            "partitionsSummary",
            "versionProperties",
            "documentation",
            "aliases",
        ],
        "dataProduct" => &[
            "ownership",
            "glossaryTerms",
            "globalTags",
            "domains",
            "applications",
            "dataProductProperties",
            "institutionalMemory",
            "deprecation",
            "status",
            "structuredProperties",
            "forms",
            "testResults",
            "subTypes",
            "assetSettings",
        ],
        "domain" => &[
            "domainProperties",
            "institutionalMemory",
            "ownership",
            "deprecation",
            "structuredProperties",
            "forms",
            "testResults",
            "displayProperties",
            "assetSettings",
        ],
        "container" => &[
            "containerProperties",
            "editableContainerProperties",
            "dataPlatformInstance",
            "subTypes",
            "ownership",
            "deprecation",
            "container",
            "globalTags",
            "glossaryTerms",
            "institutionalMemory",
            "browsePaths",
            "status",
            "domains",
            "dataProducts",
            "applications",
            "browsePathsV2",
            "structuredProperties",
            "forms",
            "testResults",
            "access",
            "documentation",
        ],
        "tag" => &[
            "tagProperties",
            "ownership",
            "deprecation",
            "status",
            "testResults",
        ],
        "corpuser" => &[
            "corpUserInfo",
            "corpUserEditableInfo",
            "globalTags",
            "status",
        ],
        _ => return None,
    })
}

/// A Pegasus type, as far as JSON can tell.
enum Ty {
    Str,
    Long,
    Bool,
    /// A URN of one of these entity types (any when empty).
    Urn(&'static [&'static str]),
    Enum(&'static [&'static str]),
    Array(&'static Ty),
    Map(&'static Ty),
    Record(&'static [F]),
    /// One member, keyed by its fully qualified name.
    Union(&'static [(&'static str, Ty)]),
}

/// A record field: name, type, required (neither `optional` nor defaulted).
struct F(&'static str, Ty, bool);

use Ty::*;

const ANY_URN: Ty = Urn(&[]);
const STRING_MAP: Ty = Map(&Str);
const AUDIT_STAMP: Ty = Record(&[
    F("time", Long, true),
    F("actor", ANY_URN, true),
    F("impersonator", ANY_URN, false),
    F("message", Str, false),
]);
const TIME_STAMP: Ty = Record(&[F("time", Long, true), F("actor", ANY_URN, false)]);
const ATTRIBUTION: Ty = Record(&[
    F("time", Long, true),
    F("actor", ANY_URN, true),
    F("source", ANY_URN, false),
    F("sourceDetail", STRING_MAP, false),
]);
const OWNERSHIP_TYPES: &[&str] = &[
    "CUSTOM",
    "TECHNICAL_OWNER",
    "BUSINESS_OWNER",
    "DATA_STEWARD",
    "NONE",
    "DEVELOPER",
    "DATAOWNER",
    "DELEGATE",
    "PRODUCER",
    "CONSUMER",
    "STAKEHOLDER",
];
const OWNERSHIP_SOURCE_TYPES: &[&str] = &[
    "AUDIT",
    "DATABASE",
    "FILE_SYSTEM",
    "ISSUE_TRACKING_SYSTEM",
    "MANUAL",
    "SERVICE",
    "SOURCE_CONTROL",
    "OTHER",
];
const OWNER: Ty = Record(&[
    F("owner", Urn(&["corpuser", "corpGroup"]), true),
    F("type", Enum(OWNERSHIP_TYPES), true),
    F("typeUrn", Urn(&["ownershipType"]), false),
    F(
        "source",
        Record(&[
            F("type", Enum(OWNERSHIP_SOURCE_TYPES), true),
            F("url", Str, false),
        ]),
        false,
    ),
    F("attribution", ATTRIBUTION, false),
]);
const OWNERSHIP: Ty = Record(&[
    F("owners", Array(&OWNER), true),
    F("ownerTypes", Map(&Array(&ANY_URN)), false),
    F("lastModified", AUDIT_STAMP, false),
]);
const TAG_ASSOCIATION: Ty = Record(&[
    F("tag", Urn(&["tag"]), true),
    F("context", Str, false),
    F("attribution", ATTRIBUTION, false),
]);
const GLOBAL_TAGS: Ty = Record(&[F("tags", Array(&TAG_ASSOCIATION), true)]);
const DATA_PRODUCT_ASSOCIATION: Ty = Record(&[
    F("sourceUrn", ANY_URN, false),
    F("destinationUrn", ANY_URN, true),
    F("created", AUDIT_STAMP, false),
    F("lastModified", AUDIT_STAMP, false),
    F("properties", STRING_MAP, false),
    F("outputPort", Bool, false),
]);
const DATA_PRODUCT_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("externalUrl", Str, false),
    F("name", Str, false),
    F("description", Str, false),
    F("assets", Array(&DATA_PRODUCT_ASSOCIATION), false),
    F("parentDataProduct", Urn(&["dataProduct"]), false),
]);
const DOMAINS: Ty = Record(&[
    F("domains", Array(&Urn(&["domain"])), true),
    F(
        "domainAssociations",
        Array(&Record(&[
            F("domain", Urn(&["domain"]), true),
            F("context", Str, false),
            F("attribution", ATTRIBUTION, false),
        ])),
        false,
    ),
]);
const DOMAIN_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("name", Str, true),
    F("description", Str, false),
    F("created", AUDIT_STAMP, false),
    F("parentDomain", Urn(&["domain"]), false),
]);
const STATUS: Ty = Record(&[
    F("removed", Bool, false),
    F("lifecycleStage", ANY_URN, false),
    F("lifecycleLastUpdated", AUDIT_STAMP, false),
]);
const SUB_TYPES: Ty = Record(&[F("typeNames", Array(&Str), true)]);
const CONTAINER: Ty = Record(&[F("container", Urn(&["container"]), true)]);
const CONTAINER_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("externalUrl", Str, false),
    F("name", Str, true),
    F("qualifiedName", Str, false),
    F("description", Str, false),
    F("env", Enum(&FABRIC_TYPES), false),
    F("created", TIME_STAMP, false),
    F("lastModified", TIME_STAMP, false),
]);
const DATA_PLATFORM_INSTANCE: Ty = Record(&[
    F("platform", Urn(&["dataPlatform"]), true),
    F("instance", Urn(&["dataPlatformInstance"]), false),
]);
const DATASET_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("externalUrl", Str, false),
    F("name", Str, false),
    F("qualifiedName", Str, false),
    F("description", Str, false),
    F("uri", Str, false),
    F("created", TIME_STAMP, false),
    F("lastModified", TIME_STAMP, false),
    F("tags", Array(&Str), false),
]);
const EMPTY: Ty = Record(&[]);
const SCHEMA_FIELD_DATA_TYPE: Ty = Record(&[F(
    "type",
    Union(&[
        ("com.linkedin.schema.BooleanType", EMPTY),
        ("com.linkedin.schema.FixedType", EMPTY),
        ("com.linkedin.schema.StringType", EMPTY),
        ("com.linkedin.schema.BytesType", EMPTY),
        ("com.linkedin.schema.NumberType", EMPTY),
        ("com.linkedin.schema.DateType", EMPTY),
        ("com.linkedin.schema.TimeType", EMPTY),
        ("com.linkedin.schema.EnumType", EMPTY),
        ("com.linkedin.schema.NullType", EMPTY),
        (
            "com.linkedin.schema.MapType",
            Record(&[F("keyType", Str, false), F("valueType", Str, false)]),
        ),
        (
            "com.linkedin.schema.ArrayType",
            Record(&[F("nestedType", Array(&Str), false)]),
        ),
        (
            "com.linkedin.schema.UnionType",
            Record(&[F("nestedTypes", Array(&Str), false)]),
        ),
        ("com.linkedin.schema.RecordType", EMPTY),
    ]),
    true,
)]);
const SCHEMA_FIELD: Ty = Record(&[
    F("fieldPath", Str, true),
    F("jsonPath", Str, false),
    F("nullable", Bool, false),
    F("description", Str, false),
    F("label", Str, false),
    F("created", AUDIT_STAMP, false),
    F("lastModified", AUDIT_STAMP, false),
    F("type", SCHEMA_FIELD_DATA_TYPE, true),
    F("nativeDataType", Str, true),
    F("recursive", Bool, false),
    F("globalTags", GLOBAL_TAGS, false),
    F("isPartOfKey", Bool, false),
    F("isPartitioningKey", Bool, false),
    F("jsonProps", Str, false),
]);
const SCHEMA_METADATA: Ty = Record(&[
    F("schemaName", Str, true),
    F("platform", Urn(&["dataPlatform"]), true),
    F("version", Long, true),
    F("created", AUDIT_STAMP, false),
    F("lastModified", AUDIT_STAMP, false),
    F("deleted", AUDIT_STAMP, false),
    F("dataset", Urn(&["dataset"]), false),
    F("cluster", Str, false),
    F("hash", Str, true),
    F(
        "platformSchema",
        Union(&[
            (
                "com.linkedin.schema.OtherSchema",
                Record(&[F("rawSchema", Str, true)]),
            ),
            (
                "com.linkedin.schema.PrestoDDL",
                Record(&[F("rawSchema", Str, true)]),
            ),
            (
                "com.linkedin.schema.MySqlDDL",
                Record(&[F("tableSchema", Str, true)]),
            ),
            ("com.linkedin.schema.Schemaless", EMPTY),
        ]),
        true,
    ),
    F("fields", Array(&SCHEMA_FIELD), true),
    F("primaryKeys", Array(&Str), false),
]);

/// The Pegasus class and schema of each aspect the fake models.
fn schema(aspect_name: &str) -> Option<(&'static str, &'static Ty)> {
    Some(match aspect_name {
        "dataProductProperties" => (
            "com.linkedin.dataproduct.DataProductProperties",
            &DATA_PRODUCT_PROPERTIES,
        ),
        "ownership" => ("com.linkedin.common.Ownership", &OWNERSHIP),
        "globalTags" => ("com.linkedin.common.GlobalTags", &GLOBAL_TAGS),
        "domains" => ("com.linkedin.domain.Domains", &DOMAINS),
        "domainProperties" => ("com.linkedin.domain.DomainProperties", &DOMAIN_PROPERTIES),
        "status" => ("com.linkedin.common.Status", &STATUS),
        "subTypes" => ("com.linkedin.common.SubTypes", &SUB_TYPES),
        "container" => ("com.linkedin.container.Container", &CONTAINER),
        "containerProperties" => (
            "com.linkedin.container.ContainerProperties",
            &CONTAINER_PROPERTIES,
        ),
        "dataPlatformInstance" => (
            "com.linkedin.common.DataPlatformInstance",
            &DATA_PLATFORM_INSTANCE,
        ),
        "datasetProperties" => (
            "com.linkedin.dataset.DatasetProperties",
            &DATASET_PROPERTIES,
        ),
        "schemaMetadata" => ("com.linkedin.schema.SchemaMetadata", &SCHEMA_METADATA),
        _ => return None,
    })
}

/// Check `value` against `ty`; `at` is where it is, for the reason.
fn check(value: &Value, ty: &Ty, at: &str) -> Result<(), String> {
    let wrong = |expected: &str| Err(format!("{at}: expected {expected}, found {value}"));
    match ty {
        Str => value
            .is_string()
            .then_some(())
            .map_or(wrong("a string"), Ok),
        Long => value.as_i64().map_or(wrong("a long"), |_| Ok(())),
        Bool => value
            .is_boolean()
            .then_some(())
            .map_or(wrong("a boolean"), Ok),
        Urn(types) => {
            let Some(urn) = value.as_str() else {
                return wrong("a URN string");
            };
            let entity_type = check_urn(urn).map_err(|e| format!("{at}: {e}"))?;
            if !types.is_empty() && !types.contains(&entity_type) {
                return wrong(&format!("a URN of {}", types.join(" or ")));
            }
            Ok(())
        }
        Enum(symbols) => match value.as_str() {
            Some(symbol) if symbols.contains(&symbol) => Ok(()),
            _ => wrong(&format!("one of {}", symbols.join(", "))),
        },
        Array(item) => {
            let Some(items) = value.as_array() else {
                return wrong("an array");
            };
            items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| check(v, item, &format!("{at}[{i}]")))
        }
        Map(item) => {
            let Some(entries) = value.as_object() else {
                return wrong("a map (object)");
            };
            entries
                .iter()
                .try_for_each(|(k, v)| check(v, item, &format!("{at}[{k}]")))
        }
        Record(fields) => {
            let Some(object) = value.as_object() else {
                return wrong("a record (object)");
            };
            if let Some(unknown) = object
                .keys()
                .find(|k| !fields.iter().any(|F(name, _, _)| name == k))
            {
                return Err(format!("{at}: unknown field `{unknown}`"));
            }
            for F(name, field_ty, required) in *fields {
                match object.get(*name) {
                    None if *required => {
                        return Err(format!("{at}: required field `{name}` is missing"));
                    }
                    None => {}
                    Some(Value::Null) => {
                        return Err(format!(
                            "{at}.{name}: null is not allowed (leave optional fields out)"
                        ));
                    }
                    Some(v) => check(v, field_ty, &format!("{at}.{name}"))?,
                }
            }
            Ok(())
        }
        Union(members) => {
            let Some(object) = value.as_object().filter(|o| o.len() == 1) else {
                return wrong("a union (an object with one member)");
            };
            let (member, inner) = object.iter().next().unwrap();
            match members.iter().find(|(name, _)| name == member) {
                Some((_, member_ty)) => check(inner, member_ty, &format!("{at}.{member}")),
                None => Err(format!("{at}: `{member}` is not a member of the union")),
            }
        }
    }
}
