//! Uploads: the SigV4 code against AWS's published examples.

mod sigv4;
