//! Error responses that operations share, declared once for the OpenAPI document.
//!
//! Fixed sets (`ServerErrors`, `BodyErrors`, `IfMatchRequired`) are listed as they are in an
//! operation's `#[utoipa::path(responses(...))]`. Everything else an operation can refuse is
//! listed as the reasons it refuses for, each declared once below:
//! `Problems<(MalformedId, NoSuchProduct, NoSuchTable, NotLatestVersion)>`. Reasons that share
//! a status become one response whose description names them all, in the order listed
//! ("No such product or table").

use std::collections::BTreeMap;
use std::marker::PhantomData;

use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::PROBLEM_JSON;

/// `500` and `503`: any operation that uses the database.
pub struct ServerErrors;

impl IntoResponses for ServerErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems([(500, "Server error"), (503, "Database unavailable")])
    }
}

/// `413` and `415`: any operation that takes a JSON body.
pub struct BodyErrors;

impl IntoResponses for BodyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems([(413, "Body over the size limit"), (415, "Body is not JSON")])
    }
}

/// `428`: an operation that a deployment can make require `If-Match`.
pub struct IfMatchRequired;

impl IntoResponses for IfMatchRequired {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems([(428, "This server requires If-Match and none was sent")])
    }
}

/// One reason an operation answers with an error status.
pub trait Reason {
    const STATUS: u16;
    /// How the description names it: what is malformed (`400`: "Malformed …"), what does not
    /// exist (`404`: "No such …"), or, for any other status, a clause saying what happened.
    const WORDS: &'static str;
}

macro_rules! reasons {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $words:literal;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl Reason for $name {
                const STATUS: u16 = $status;
                const WORDS: &'static str = $words;
            }
        )+
    };
}

reasons! {
    /// The `{id}` in the path does not parse.
    MalformedId = 400, "id";
    /// A query parameter is unknown or its value does not parse.
    MalformedQuery = 400, "query parameter";
    /// `cursor` is not one this server issued.
    MalformedCursor = 400, "cursor";
    /// `from` names a later version than `to`.
    FromAfterTo = 400, "version range (`from` after `to`)";
    /// The body is empty or not JSON.
    MalformedJson = 400, "JSON";
    /// `Idempotency-Key` (or `x-idempotent-key`) is not 1 to 255 printable ASCII characters.
    MalformedIdempotencyKey = 400, "`Idempotency-Key`";

    NoSuchProduct = 404, "product";
    /// The id names a version the product never had.
    NoSuchVersion = 404, "version";
    NoSuchTable = 404, "table";

    /// A registration of a name in use.
    NameTaken = 409, "a product of that name is already registered";
    /// A table creation for a name in use.
    TableExists = 409, "the table exists";
    /// A write through a versioned id that is not the latest version: old versions are
    /// immutable.
    NotLatestVersion = 409, "the id names a version that is not the latest";
    /// A repeat of a create that is still running.
    IdempotencyKeyInFlight = 409,
        "a request with this idempotency key is still running (see `Retry-After`)";

    IfMatchFailed = 412, "If-Match does not match the current version";
    IfNoneMatchNameTaken = 412, "`If-None-Match: *` and the name is taken";
    IfNoneMatchTableExists = 412, "`If-None-Match: *` and the table exists";

    InvalidFields = 422, "invalid fields (all of them listed in `errors`)";
    InvalidSchema = 422, "invalid schema (every problem listed in `errors`)";
    IdempotencyKeyReused = 422, "an idempotency key reused for a different request";
}

/// A list of [`Reason`]s: a tuple of them.
pub trait Reasons {
    /// Status and words of each reason, in the order listed.
    fn each() -> Vec<(u16, &'static str)>;
}

macro_rules! tuple_reasons {
    ($($reason:ident),+) => {
        impl<$($reason: Reason),+> Reasons for ($($reason,)+) {
            fn each() -> Vec<(u16, &'static str)> {
                vec![$(($reason::STATUS, $reason::WORDS)),+]
            }
        }
    };
}

tuple_reasons!(A);
tuple_reasons!(A, B);
tuple_reasons!(A, B, C);
tuple_reasons!(A, B, C, D);
tuple_reasons!(A, B, C, D, E);
tuple_reasons!(A, B, C, D, E, F);
tuple_reasons!(A, B, C, D, E, F, G);
tuple_reasons!(A, B, C, D, E, F, G, H);
tuple_reasons!(A, B, C, D, E, F, G, H, I);
tuple_reasons!(A, B, C, D, E, F, G, H, I, J);
tuple_reasons!(A, B, C, D, E, F, G, H, I, J, K);
tuple_reasons!(A, B, C, D, E, F, G, H, I, J, K, L);

/// The problem responses for a tuple of [`Reason`]s: one per status, naming every reason
/// listed with that status.
pub struct Problems<R>(PhantomData<R>);

impl<R: Reasons> IntoResponses for Problems<R> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut by_status: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        for (status, words) in R::each() {
            by_status.entry(status).or_default().push(words);
        }
        problems(
            by_status
                .into_iter()
                .map(|(status, words)| (status, describe(status, &words))),
        )
    }
}

/// "Malformed id or JSON", "No such product, version or table", "The table exists, or …".
fn describe(status: u16, words: &[&str]) -> String {
    match status {
        400 => format!("Malformed {}", one_of(words, " or ")),
        404 => format!("No such {}", one_of(words, " or ")),
        _ => {
            let clauses = one_of(words, ", or ");
            let mut chars = clauses.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// `a`, `a<last>b`, `a, b<last>c`, …
fn one_of(words: &[&str], last: &str) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., final_word] => format!("{}{last}{final_word}", init.join(", ")),
    }
}

/// Responses whose body is a `Problem` document (`application/problem+json`).
fn problems<D: Into<String>>(
    list: impl IntoIterator<Item = (u16, D)>,
) -> BTreeMap<String, RefOr<Response>> {
    list.into_iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, content)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}
