//! Catalogue sync: every version daap makes reaches the AWS Glue catalogue (for the ingestion
//! pipeline) and DataHub (for consumers).
//!
//! The write path queues work in the `sync_outbox` table in the transaction that makes the
//! version; workers deliver it at least once, in version order per product and target, and
//! each target applies *state*, never deltas, so a redelivery or a collapsed backlog converges
//! to the same catalogue. This module holds what the targets see ([`snapshot`]) and the
//! contract every target implements ([`target`]).

pub mod commands;
pub mod config;
pub mod datahub;
pub mod glue;
pub mod load;
pub mod setup;
pub mod snapshot;
pub mod target;
pub mod worker;
