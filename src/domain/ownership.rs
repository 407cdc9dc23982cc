//! Who a product names as responsible for it: what authorisation checks a producer against.

/// The people a product names as responsible for it.
#[derive(Debug, Clone, Copy)]
pub struct Ownership<'a> {
    pub owner: &'a str,
    pub maintainer: Option<&'a str>,
}
