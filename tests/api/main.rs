//! The one integration-test binary: every test goes through the real router against a real
//! PostgreSQL database of its own.

mod auth_tokens;
mod authorization;
mod column_types;
mod concurrency;
mod conditional;
mod domain_parsing;
mod errors;
mod fake_gms;
mod health;
mod idempotency;
mod openapi;
mod product_head;
mod products_delete;
mod products_get;
mod products_list;
mod products_register;
mod products_update;
mod products_versions;
mod request_log;
mod schemas;
mod serve;
mod storage;
mod support;
mod support_moto;
mod sync_datahub_errors;
mod sync_datahub_fake;
mod sync_datahub_fixtures;
mod sync_datahub_merge;
mod sync_datahub_publish;
mod sync_datahub_remove;
mod sync_datahub_types;
mod sync_datahub_urns;
mod sync_glue;
mod sync_outbox;
mod sync_processes;
