//! One MetadataChangeProposal (an `UPSERT` of one aspect) and the Rest.li bodies GMS speaks:
//! the `ingestProposal` body it takes, and the Pegasus class it nests an aspect under when
//! it answers a read.

use serde_json::{Value, json};

/// One MetadataChangeProposal, always an `UPSERT` of one aspect.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub entity_type: &'static str,
    pub entity_urn: String,
    pub aspect_name: &'static str,
    /// The aspect itself (sent serialised to a string, as Rest.li wants it).
    pub aspect: Value,
}

impl Proposal {
    pub(super) fn new(
        entity_type: &'static str,
        entity_urn: &str,
        aspect_name: &'static str,
        aspect: Value,
    ) -> Self {
        Self {
            entity_type,
            entity_urn: entity_urn.to_owned(),
            aspect_name,
            aspect,
        }
    }

    /// The body of `POST /aspects?action=ingestProposal`.
    pub fn rest_li_body(&self) -> Value {
        json!({
            "proposal": {
                "entityType": self.entity_type,
                "entityUrn": self.entity_urn,
                "changeType": "UPSERT",
                "aspectName": self.aspect_name,
                "aspect": {
                    "value": self.aspect.to_string(),
                    "contentType": "application/json",
                },
            }
        })
    }
}

/// The fully qualified Pegasus name of an aspect daap reads back, the key GMS nests it under
/// in a `GET /aspects/{urn}` answer.
pub fn aspect_class(aspect_name: &str) -> Option<&'static str> {
    Some(match aspect_name {
        "dataProductProperties" => "com.linkedin.dataproduct.DataProductProperties",
        "domainProperties" => "com.linkedin.domain.DomainProperties",
        "ownership" => "com.linkedin.common.Ownership",
        "globalTags" => "com.linkedin.common.GlobalTags",
        _ => return None,
    })
}
