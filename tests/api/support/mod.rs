//! Test harness: one real PostgreSQL server per test process, one fresh database per test, and
//! requests sent through the real router in-process.
//!
//! With `DATABASE_URL` set, that server is used (the URL's user must be allowed to create
//! databases). Without it, a throwaway cluster is started from the PostgreSQL binaries on the
//! machine, exactly as `daap serve` would, and dies with the test process.
//!
//! - `database`: the PostgreSQL server and the databases of this process;
//! - `app`: [`TestApp`], one daap with its own database, and the [`TestResponse`]s it gives;
//! - `identity_provider`: a fake OpenID Connect provider, RSA test keys and token claims;
//! - `callers`: who calls a daap that checks tokens, with which token;
//! - `tables`: the product `prisons` with its table `incidents`, for schema tests;
//! - below: request bodies many tests start from.

mod app;
pub mod browser;
pub mod callers;
pub mod cli;
pub mod daap_process;
mod database;
pub mod every_type;
pub mod identity_provider;
mod identity_provider_flow;
pub mod identity_provider_grants;
pub mod recording_target;
pub mod served;
pub mod standards;
pub mod tables;

use serde_json::{Value, json};

pub use app::{TestApp, TestResponse};
pub use database::insert_next_version;

/// A valid registration body for a product called `name`.
pub fn product(name: &str) -> Value {
    json!({
        "name": name,
        "description": format!("All about {name}"),
        "domain": "HMPPS",
        "dataProductOwner": "jane.doe@justice.gov.uk",
        "dataProductOwnerDisplayName": "Jane Doe",
        "email": "data@justice.gov.uk",
        "status": "draft",
        "retentionPeriod": 3000,
        "dpiaRequired": false,
        "tags": {"sensitivity": "official"}
    })
}

/// The editable fields of [`product`] (a valid `PUT` body).
pub fn product_fields(name: &str) -> Value {
    let mut body = product(name);
    body.as_object_mut().expect("object").remove("name");
    body
}
