//! daap, the Data-as-a-Product API. See docs/architecture.md for how the pieces fit.

pub mod auth;
pub mod authz;
pub mod cli;
pub mod config;
pub mod contracts;
pub mod database;
pub mod domain;
pub mod error;
pub mod http;
pub mod localpg;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod openapi_rules;
pub mod readiness;
pub mod server;
pub mod serving;
pub mod shutdown;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod tls;
pub mod uploads;
pub mod validation;
pub mod web;
