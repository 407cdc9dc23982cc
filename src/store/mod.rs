//! PostgreSQL access: plain, compile-checked SQL (`sqlx::query!` with the committed `.sqlx/`
//! cache). Functions take a connection or transaction from the caller, who owns the transaction
//! boundary (see `http::write`). Errors are `sqlx::Error`, or [`StoreError`] where the caller
//! must tell a client something specific.
//!
//! Each function a request calls is a `db.<module>.<function>` span (DEBUG: free when only
//! logging), so that an exported trace shows a request's database work (`telemetry.rs`).

pub mod error;
pub mod idempotency;
pub mod outbox;
pub mod pool;
pub mod products;
pub mod snapshots;
pub mod stats;
pub mod table_counts;
pub mod tables;
pub mod uploads;
pub mod versions;

pub use error::StoreError;
