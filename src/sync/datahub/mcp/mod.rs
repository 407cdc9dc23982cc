//! The MetadataChangeProposals daap sends to DataHub, built from a delivery and (for the
//! aspects people also edit in DataHub) the aspect's current value.
//!
//! Everything here is pure: the same delivery and the same current aspects always give the
//! same proposals, in the same order. [`super::DataHubTarget`] does the reading and sending.
//!
//! - [`proposal`]: one proposal and its Rest.li form.
//! - [`urns`]: the entities daap writes and their URNs.
//! - [`reads`]: the aspects a publish reads before it writes.
//! - [`plan`]: the proposals of a publish and of a removal, in order.
//! - [`merge`]: how daap's aspects merge with what people edit in DataHub.
//! - [`mod@schema_metadata`]: a table's `schemaMetadata`.

pub mod merge;
pub mod plan;
pub mod proposal;
pub mod reads;
pub mod schema_metadata;
pub mod urns;

pub use merge::{
    DAAP_MARKER, DAAP_PROPERTY_KEYS, data_product_properties, domain_properties, global_tags,
    ownership, product_assets, product_custom_properties,
};
pub use plan::{publish_proposals, remove_proposals};
pub use proposal::{Proposal, aspect_class};
pub use reads::{Current, Read, publish_reads};
pub use schema_metadata::{BadColumnType, schema_metadata};
pub use urns::{
    ENVIRONMENTS, PLATFORM_URN, container_urn, corpuser_urn, data_product_urn, dataset_urn,
    domain_urn, encode_urn_part, is_product_dataset, tag_urn,
};
