//! Uploads of data files into the landing area the pipeline reads, without the bytes passing
//! through daap: daap decides where a file goes and what it must be, and hands the client a
//! signed form for the store itself. This first part is the signing: SigV4 ([`sigv4`]) and the
//! presigned POST policy ([`policy`]), which the AWS SDK for Rust cannot produce.

pub mod policy;
pub mod sigv4;
