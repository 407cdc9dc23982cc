//! PostgreSQL access: plain, compile-checked SQL (`sqlx::query!` with the committed `.sqlx/`
//! cache). Functions take a connection or transaction from the caller, who owns the transaction
//! boundary: one HTTP write is one transaction.

pub mod idempotency;
pub mod pool;
pub mod products;
pub mod tables;
pub mod versions;
