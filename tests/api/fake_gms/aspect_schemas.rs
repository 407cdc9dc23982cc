//! The Pegasus schemas (DataHub's `.pdl` files) of the aspects the fake models, as far as
//! JSON can tell: required fields, field types, enums, URN entity types, unions.

use super::urn_syntax::FABRIC_TYPES;

/// A Pegasus type, as far as JSON can tell.
pub(super) enum Ty {
    Str,
    Long,
    Bool,
    /// A URN of one of these entity types (any when empty).
    Urn(&'static [&'static str]),
    Enum(&'static [&'static str]),
    Array(&'static Ty),
    Map(&'static Ty),
    Record(&'static [F]),
    /// One member, keyed by its fully qualified name.
    Union(&'static [(&'static str, Ty)]),
}

/// A record field: name, type, required (neither `optional` nor defaulted).
pub(super) struct F(pub(super) &'static str, pub(super) Ty, pub(super) bool);

use Ty::*;

const ANY_URN: Ty = Urn(&[]);
const STRING_MAP: Ty = Map(&Str);
const AUDIT_STAMP: Ty = Record(&[
    F("time", Long, true),
    F("actor", ANY_URN, true),
    F("impersonator", ANY_URN, false),
    F("message", Str, false),
]);
const TIME_STAMP: Ty = Record(&[F("time", Long, true), F("actor", ANY_URN, false)]);
const ATTRIBUTION: Ty = Record(&[
    F("time", Long, true),
    F("actor", ANY_URN, true),
    F("source", ANY_URN, false),
    F("sourceDetail", STRING_MAP, false),
]);
const OWNERSHIP_TYPES: &[&str] = &[
    "CUSTOM",
    "TECHNICAL_OWNER",
    "BUSINESS_OWNER",
    "DATA_STEWARD",
    "NONE",
    "DEVELOPER",
    "DATAOWNER",
    "DELEGATE",
    "PRODUCER",
    "CONSUMER",
    "STAKEHOLDER",
];
const OWNERSHIP_SOURCE_TYPES: &[&str] = &[
    "AUDIT",
    "DATABASE",
    "FILE_SYSTEM",
    "ISSUE_TRACKING_SYSTEM",
    "MANUAL",
    "SERVICE",
    "SOURCE_CONTROL",
    "OTHER",
];
const OWNER: Ty = Record(&[
    F("owner", Urn(&["corpuser", "corpGroup"]), true),
    F("type", Enum(OWNERSHIP_TYPES), true),
    F("typeUrn", Urn(&["ownershipType"]), false),
    F(
        "source",
        Record(&[
            F("type", Enum(OWNERSHIP_SOURCE_TYPES), true),
            F("url", Str, false),
        ]),
        false,
    ),
    F("attribution", ATTRIBUTION, false),
]);
const OWNERSHIP: Ty = Record(&[
    F("owners", Array(&OWNER), true),
    F("ownerTypes", Map(&Array(&ANY_URN)), false),
    F("lastModified", AUDIT_STAMP, false),
]);
const TAG_ASSOCIATION: Ty = Record(&[
    F("tag", Urn(&["tag"]), true),
    F("context", Str, false),
    F("attribution", ATTRIBUTION, false),
]);
const GLOBAL_TAGS: Ty = Record(&[F("tags", Array(&TAG_ASSOCIATION), true)]);
const DATA_PRODUCT_ASSOCIATION: Ty = Record(&[
    F("sourceUrn", ANY_URN, false),
    F("destinationUrn", ANY_URN, true),
    F("created", AUDIT_STAMP, false),
    F("lastModified", AUDIT_STAMP, false),
    F("properties", STRING_MAP, false),
    F("outputPort", Bool, false),
]);
const DATA_PRODUCT_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("externalUrl", Str, false),
    F("name", Str, false),
    F("description", Str, false),
    F("assets", Array(&DATA_PRODUCT_ASSOCIATION), false),
    F("parentDataProduct", Urn(&["dataProduct"]), false),
]);
const DOMAINS: Ty = Record(&[
    F("domains", Array(&Urn(&["domain"])), true),
    F(
        "domainAssociations",
        Array(&Record(&[
            F("domain", Urn(&["domain"]), true),
            F("context", Str, false),
            F("attribution", ATTRIBUTION, false),
        ])),
        false,
    ),
]);
const DOMAIN_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("name", Str, true),
    F("description", Str, false),
    F("created", AUDIT_STAMP, false),
    F("parentDomain", Urn(&["domain"]), false),
]);
const STATUS: Ty = Record(&[
    F("removed", Bool, false),
    F("lifecycleStage", ANY_URN, false),
    F("lifecycleLastUpdated", AUDIT_STAMP, false),
]);
const SUB_TYPES: Ty = Record(&[F("typeNames", Array(&Str), true)]);
const CONTAINER: Ty = Record(&[F("container", Urn(&["container"]), true)]);
const CONTAINER_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("externalUrl", Str, false),
    F("name", Str, true),
    F("qualifiedName", Str, false),
    F("description", Str, false),
    F("env", Enum(&FABRIC_TYPES), false),
    F("created", TIME_STAMP, false),
    F("lastModified", TIME_STAMP, false),
]);
const DATA_PLATFORM_INSTANCE: Ty = Record(&[
    F("platform", Urn(&["dataPlatform"]), true),
    F("instance", Urn(&["dataPlatformInstance"]), false),
]);
const DATASET_PROPERTIES: Ty = Record(&[
    F("customProperties", STRING_MAP, false),
    F("externalUrl", Str, false),
    F("name", Str, false),
    F("qualifiedName", Str, false),
    F("description", Str, false),
    F("uri", Str, false),
    F("created", TIME_STAMP, false),
    F("lastModified", TIME_STAMP, false),
    F("tags", Array(&Str), false),
]);
const EMPTY: Ty = Record(&[]);
const SCHEMA_FIELD_DATA_TYPE: Ty = Record(&[F(
    "type",
    Union(&[
        ("com.linkedin.schema.BooleanType", EMPTY),
        ("com.linkedin.schema.FixedType", EMPTY),
        ("com.linkedin.schema.StringType", EMPTY),
        ("com.linkedin.schema.BytesType", EMPTY),
        ("com.linkedin.schema.NumberType", EMPTY),
        ("com.linkedin.schema.DateType", EMPTY),
        ("com.linkedin.schema.TimeType", EMPTY),
        ("com.linkedin.schema.EnumType", EMPTY),
        ("com.linkedin.schema.NullType", EMPTY),
        (
            "com.linkedin.schema.MapType",
            Record(&[F("keyType", Str, false), F("valueType", Str, false)]),
        ),
        (
            "com.linkedin.schema.ArrayType",
            Record(&[F("nestedType", Array(&Str), false)]),
        ),
        (
            "com.linkedin.schema.UnionType",
            Record(&[F("nestedTypes", Array(&Str), false)]),
        ),
        ("com.linkedin.schema.RecordType", EMPTY),
    ]),
    true,
)]);
const SCHEMA_FIELD: Ty = Record(&[
    F("fieldPath", Str, true),
    F("jsonPath", Str, false),
    F("nullable", Bool, false),
    F("description", Str, false),
    F("label", Str, false),
    F("created", AUDIT_STAMP, false),
    F("lastModified", AUDIT_STAMP, false),
    F("type", SCHEMA_FIELD_DATA_TYPE, true),
    F("nativeDataType", Str, true),
    F("recursive", Bool, false),
    F("globalTags", GLOBAL_TAGS, false),
    F("isPartOfKey", Bool, false),
    F("isPartitioningKey", Bool, false),
    F("jsonProps", Str, false),
]);
const SCHEMA_METADATA: Ty = Record(&[
    F("schemaName", Str, true),
    F("platform", Urn(&["dataPlatform"]), true),
    F("version", Long, true),
    F("created", AUDIT_STAMP, false),
    F("lastModified", AUDIT_STAMP, false),
    F("deleted", AUDIT_STAMP, false),
    F("dataset", Urn(&["dataset"]), false),
    F("cluster", Str, false),
    F("hash", Str, true),
    F(
        "platformSchema",
        Union(&[
            (
                "com.linkedin.schema.OtherSchema",
                Record(&[F("rawSchema", Str, true)]),
            ),
            (
                "com.linkedin.schema.PrestoDDL",
                Record(&[F("rawSchema", Str, true)]),
            ),
            (
                "com.linkedin.schema.MySqlDDL",
                Record(&[F("tableSchema", Str, true)]),
            ),
            ("com.linkedin.schema.Schemaless", EMPTY),
        ]),
        true,
    ),
    F("fields", Array(&SCHEMA_FIELD), true),
    F("primaryKeys", Array(&Str), false),
]);

/// The Pegasus class and schema of each aspect the fake models.
pub(super) fn schema(aspect_name: &str) -> Option<(&'static str, &'static Ty)> {
    Some(match aspect_name {
        "dataProductProperties" => (
            "com.linkedin.dataproduct.DataProductProperties",
            &DATA_PRODUCT_PROPERTIES,
        ),
        "ownership" => ("com.linkedin.common.Ownership", &OWNERSHIP),
        "globalTags" => ("com.linkedin.common.GlobalTags", &GLOBAL_TAGS),
        "domains" => ("com.linkedin.domain.Domains", &DOMAINS),
        "domainProperties" => ("com.linkedin.domain.DomainProperties", &DOMAIN_PROPERTIES),
        "status" => ("com.linkedin.common.Status", &STATUS),
        "subTypes" => ("com.linkedin.common.SubTypes", &SUB_TYPES),
        "container" => ("com.linkedin.container.Container", &CONTAINER),
        "containerProperties" => (
            "com.linkedin.container.ContainerProperties",
            &CONTAINER_PROPERTIES,
        ),
        "dataPlatformInstance" => (
            "com.linkedin.common.DataPlatformInstance",
            &DATA_PLATFORM_INSTANCE,
        ),
        "datasetProperties" => (
            "com.linkedin.dataset.DatasetProperties",
            &DATASET_PROPERTIES,
        ),
        "schemaMetadata" => ("com.linkedin.schema.SchemaMetadata", &SCHEMA_METADATA),
        _ => return None,
    })
}
