//! PostgreSQL access: plain, compile-checked SQL (`sqlx::query!` with the committed `.sqlx/`
//! cache). Functions take a connection or transaction from the caller, who owns the transaction
//! boundary (see `http::write`). Errors are `sqlx::Error`, or [`StoreError`] where the caller
//! must tell a client something specific.

pub mod error;
pub mod idempotency;
pub mod outbox;
pub mod pool;
pub mod products;
pub mod snapshots;
pub mod tables;
pub mod uploads;
pub mod versions;

pub use error::StoreError;
