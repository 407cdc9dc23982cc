//! Reading and writing data products and their versions.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::types::Json;
use sqlx::{Connection, PgConnection};
use time::OffsetDateTime;

use crate::domain::table::TableSchema;
use crate::domain::{Author, Bump, DataProductName, ProductFields, Status, Version};
use crate::error::{ApiError, is_unique_violation};

/// One version of one product, as stored: everything a product response needs.
#[derive(Debug, Clone)]
pub struct ProductVersionRow {
    pub product_id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub seq: i32,
    pub major: i32,
    pub minor: i32,
    pub bump: Bump,
    pub description: String,
    pub domain: String,
    pub data_product_owner: String,
    pub data_product_owner_display_name: String,
    pub data_product_maintainer: Option<String>,
    pub data_product_maintainer_display_name: Option<String>,
    pub email: String,
    pub status: Status,
    pub retention_period: i32,
    pub dpia_required: bool,
    pub tags: Json<BTreeMap<String, String>>,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    /// Names of the tables in this version, sorted by their bytes (read in the same query:
    /// no second round trip).
    pub tables: Vec<String>,
}

impl ProductVersionRow {
    pub fn version(&self) -> Version {
        Version {
            major: self.major,
            minor: self.minor,
        }
    }

    /// The version that `new` makes after this one, made at `created_at`.
    pub fn successor(&self, new: &NewVersion<'_>, created_at: OffsetDateTime) -> ProductVersionRow {
        let version = self.version().bumped(new.bump);
        ProductVersionRow {
            seq: self.seq + 1,
            major: version.major,
            minor: version.minor,
            bump: new.bump,
            tables: match &new.table {
                Some(change) => change.tables_after(&self.tables),
                None => self.tables.clone(),
            },
            updated_at: created_at,
            updated_by: new.author.id.clone(),
            ..self.clone()
        }
        .with_fields(new.fields)
    }

    /// This row with the editable metadata replaced by `fields`.
    fn with_fields(self, fields: &ProductFields) -> ProductVersionRow {
        ProductVersionRow {
            description: fields.description.clone(),
            domain: fields.domain.clone(),
            data_product_owner: fields.owner.clone(),
            data_product_owner_display_name: fields.owner_display_name.clone(),
            data_product_maintainer: fields.maintainer.clone(),
            data_product_maintainer_display_name: fields.maintainer_display_name.clone(),
            email: fields.email.clone(),
            status: fields.status,
            retention_period: fields.retention_period,
            dpia_required: fields.dpia_required,
            tags: Json(fields.tags.clone()),
            ..self
        }
    }

    /// The people this version names as responsible for the product.
    pub fn ownership(&self) -> crate::authz::Ownership<'_> {
        crate::authz::Ownership {
            owner: &self.data_product_owner,
            maintainer: self.data_product_maintainer.as_deref(),
        }
    }

    pub fn fields(&self) -> ProductFields {
        ProductFields {
            description: self.description.clone(),
            domain: self.domain.clone(),
            owner: self.data_product_owner.clone(),
            owner_display_name: self.data_product_owner_display_name.clone(),
            maintainer: self.data_product_maintainer.clone(),
            maintainer_display_name: self.data_product_maintainer_display_name.clone(),
            email: self.email.clone(),
            status: self.status,
            retention_period: self.retention_period,
            dpia_required: self.dpia_required,
            tags: self.tags.0.clone(),
        }
    }
}

/// Select the latest version of products from their rows alone (the head kept on
/// `data_products`, migration 0005); `$filter` completes the query. One index lookup per
/// product. `with_tables` includes the table names (an array that is TOASTed for products
/// with many tables, so `without_tables` leaves it unread).
macro_rules! select_head {
    (with_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_head!(@query "p.current_tables", $filter $(, $arg)*)
    };
    (without_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_head!(@query "ARRAY[]::text[]", $filter $(, $arg)*)
    };
    (@query $tables:literal, $filter:literal $(, $arg:expr)*) => {
        sqlx::query_as!(
            ProductVersionRow,
            r#"SELECT p.id AS product_id, p.name, p.created_at, p.current_seq AS seq, p.major,
                      p.minor, p.bump AS "bump: Bump", p.description, p.domain,
                      p.data_product_owner, p.data_product_owner_display_name,
                      p.data_product_maintainer, p.data_product_maintainer_display_name,
                      p.email, p.status AS "status: Status", p.retention_period,
                      p.dpia_required, p.tags AS "tags: Json<BTreeMap<String, String>>",
                      p.updated_at, p.updated_by, "# + $tables + r#" AS "tables!"
               FROM data_products p "# + $filter
            $(, $arg)*
        )
    };
}

/// Select exact versions from the history, joined with their product; `$filter` completes
/// the query. `with_tables` also reads the names of the version's tables (from the product
/// row for the latest version, otherwise with one index lookup in `table_revisions`, in the
/// same round trip); `without_tables` leaves them empty, for reads that do not need them.
macro_rules! select_product_version {
    (with_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_product_version!(@query
            "CASE WHEN v.seq = p.current_seq THEN p.current_tables
                  ELSE COALESCE((SELECT array_agg(r.table_name ORDER BY r.table_name COLLATE \"C\")
                                 FROM table_revisions r
                                 WHERE r.product_id = p.id
                                   AND int4range(r.first_seq, r.end_seq) @> v.seq), '{}')
             END",
            $filter $(, $arg)*)
    };
    (without_tables, $filter:literal $(, $arg:expr)* $(,)?) => {
        select_product_version!(@query "ARRAY[]::text[]", $filter $(, $arg)*)
    };
    (@query $tables:literal, $filter:literal $(, $arg:expr)*) => {
        sqlx::query_as!(
            ProductVersionRow,
            r#"SELECT p.id AS product_id, p.name, p.created_at, v.seq, v.major, v.minor,
                      v.bump AS "bump: Bump", v.description, v.domain,
                      v.data_product_owner, v.data_product_owner_display_name,
                      v.data_product_maintainer, v.data_product_maintainer_display_name,
                      v.email, v.status AS "status: Status", v.retention_period,
                      v.dpia_required, v.tags AS "tags: Json<BTreeMap<String, String>>",
                      v.created_at AS updated_at, v.created_by AS updated_by, "# + $tables + r#"
                          AS "tables!"
               FROM data_products p
               JOIN data_product_versions v ON v.product_id = p.id "# + $filter
            $(, $arg)*
        )
    };
}

/// The latest version of the live product called `name`, with its table names.
pub async fn find_current(
    conn: &mut PgConnection,
    name: &DataProductName,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_head!(
        with_tables,
        "WHERE p.name = $1 AND p.deleted_at IS NULL",
        name.as_str()
    )
    .fetch_optional(conn)
    .await
}

/// One exact version of the live product called `name`, with its table names.
pub async fn find_version(
    conn: &mut PgConnection,
    name: &DataProductName,
    version: Version,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_product_version!(
        with_tables,
        "WHERE p.name = $1 AND p.deleted_at IS NULL AND v.major = $2 AND v.minor = $3",
        name.as_str(),
        version.major,
        version.minor
    )
    .fetch_optional(conn)
    .await
}

/// The latest version or the exact `version` of the live product called `name`, without its
/// table names: for requests that compare versions.
pub async fn find_head(
    conn: &mut PgConnection,
    name: &DataProductName,
    version: Option<Version>,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    match version {
        None => {
            select_head!(
                without_tables,
                "WHERE p.name = $1 AND p.deleted_at IS NULL",
                name.as_str()
            )
            .fetch_optional(conn)
            .await
        }
        Some(version) => {
            select_product_version!(
                without_tables,
                "WHERE p.name = $1 AND p.deleted_at IS NULL AND v.major = $2 AND v.minor = $3",
                name.as_str(),
                version.major,
                version.minor
            )
            .fetch_optional(conn)
            .await
        }
    }
}

/// The version with sequence number `seq` of a product, without its table names.
pub async fn find_seq(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_product_version!(
        without_tables,
        "WHERE p.id = $1 AND v.seq = $2",
        product_id,
        seq
    )
    .fetch_optional(conn)
    .await
}

/// The latest version of the live product called `name`, with its table names, and the
/// product row locked until the transaction ends, so that every writer of one product goes
/// one after the other.
///
/// One statement does both because the latest version lives on the locked row: a writer that
/// waited for another gets the row as that writer left it (PostgreSQL re-reads a locked row
/// after the wait), never the version it saw before waiting. Its cost never depends on the
/// length of the history.
pub async fn lock_current(
    conn: &mut PgConnection,
    name: &DataProductName,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    select_head!(
        with_tables,
        "WHERE p.name = $1 AND p.deleted_at IS NULL FOR UPDATE",
        name.as_str()
    )
    .fetch_optional(conn)
    .await
}

/// Filters of the product list; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub domain: Option<String>,
    pub status: Option<Status>,
    pub owner: Option<String>,
    pub text: Option<String>,
}

/// Up to `limit` current product versions with a name after `after`, in name order.
pub async fn list_current(
    conn: &mut PgConnection,
    filter: &ListFilter,
    after: &str,
    limit: i64,
) -> Result<Vec<ProductVersionRow>, sqlx::Error> {
    // Plan this query with the actual values every time: a cached generic plan cannot know
    // how selective the filters are or how small the page is, and was seen to scan and sort
    // every product instead of walking the name index (100x slower).
    let mut tx = conn.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    let rows = select_head!(
        with_tables,
        "WHERE p.deleted_at IS NULL AND p.name > $1
           AND ($2::text IS NULL OR p.domain = $2)
           AND ($3::product_status IS NULL OR p.status = $3)
           AND ($4::text IS NULL OR lower(p.data_product_owner) = lower($4))
           AND ($5::text IS NULL OR strpos(lower(p.name), lower($5)) > 0
                OR strpos(lower(p.description), lower($5)) > 0)
         ORDER BY p.name
         LIMIT $6",
        after,
        filter.domain.as_deref(),
        filter.status as Option<Status>,
        filter.owner.as_deref(),
        filter.text.as_deref(),
        limit
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// Register a product at `v1.0` in one statement. A live product of that name -> 409.
pub async fn insert_product(
    conn: &mut PgConnection,
    name: &DataProductName,
    fields: &ProductFields,
    author: &Author,
) -> Result<ProductVersionRow, ApiError> {
    let inserted = sqlx::query!(
        r#"WITH product AS (
               INSERT INTO data_products (
                   name, current_seq, created_by, major, minor, bump, description, domain,
                   data_product_owner, data_product_owner_display_name, data_product_maintainer,
                   data_product_maintainer_display_name, email, status, retention_period,
                   dpia_required, tags, updated_at, updated_by)
               VALUES ($1, 1, $2, 1, 0, 'initial', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                       $13, now(), $2)
               RETURNING id, created_at
           )
           INSERT INTO data_product_versions (
               product_id, seq, major, minor, bump, changes, description, domain,
               data_product_owner, data_product_owner_display_name, data_product_maintainer,
               data_product_maintainer_display_name, email, status, retention_period,
               dpia_required, tags, created_at, created_by, created_by_name)
           SELECT id, 1, 1, 0, 'initial', '{}', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                  created_at, $2, $14
           FROM product
           RETURNING product_id, created_at"#,
        name.as_str(),
        author.id,
        fields.description,
        fields.domain,
        fields.owner,
        fields.owner_display_name,
        fields.maintainer.as_deref(),
        fields.maintainer_display_name.as_deref(),
        fields.email,
        fields.status as Status,
        fields.retention_period,
        fields.dpia_required,
        Json(&fields.tags) as _,
        author.display_name.as_deref(),
    )
    .fetch_one(conn)
    .await
    .map_err(|error| {
        if is_unique_violation(&error, "data_products_live_name_key") {
            ApiError::Conflict(format!(
                "a data product called `{name}` is already registered; \
                 update it with PUT /v1/data-products/dp:{name}"
            ))
        } else {
            error.into()
        }
    })?;
    Ok(ProductVersionRow {
        product_id: inserted.product_id,
        name: name.to_string(),
        created_at: inserted.created_at,
        seq: 1,
        major: Version::FIRST.major,
        minor: Version::FIRST.minor,
        bump: Bump::Initial,
        description: String::new(),
        domain: String::new(),
        data_product_owner: String::new(),
        data_product_owner_display_name: String::new(),
        data_product_maintainer: None,
        data_product_maintainer_display_name: None,
        email: String::new(),
        status: fields.status,
        retention_period: 0,
        dpia_required: false,
        tags: Json(Default::default()),
        updated_at: inserted.created_at,
        updated_by: author.id.clone(),
        tables: Vec::new(),
    }
    .with_fields(fields))
}

/// What a new version records about how it came to be.
pub struct NewVersion<'a> {
    pub bump: Bump,
    pub changes: Value,
    pub fields: &'a ProductFields,
    pub author: &'a Author,
    /// The table the version changes, for a version made by a table write.
    pub table: Option<TableRevisionChange<'a>>,
}

/// What a version does to one table: end its current revision, start a new one, or both.
pub struct TableRevisionChange<'a> {
    pub table: &'a str,
    /// `first_seq` of the table's current revision, which the version ends; `None` when the
    /// version creates the table.
    pub closes: Option<i32>,
    /// The table's schema from the version on; `None` when the version deletes the table.
    pub opens: Option<&'a TableSchema>,
}

impl TableRevisionChange<'_> {
    /// The product's table names after this change, given those before it (sorted by bytes).
    pub fn tables_after(&self, before: &[String]) -> Vec<String> {
        let mut names = before.to_vec();
        match (
            names.binary_search_by(|n| n.as_str().cmp(self.table)),
            self.opens,
        ) {
            (Err(at), Some(_)) => names.insert(at, self.table.to_owned()),
            (Ok(at), None) => {
                names.remove(at);
            }
            _ => {}
        }
        names
    }

    /// Whether the set of tables changes (a table is created or deleted).
    fn changes_names(&self) -> bool {
        self.closes.is_none() || self.opens.is_none()
    }
}

/// Append the version after `current` and make it the product's latest, in one statement:
/// the product row's head, the version row, and for a table write the end of the table's
/// current revision and the start of its new one.
///
/// The statement only writes if the product is still at `current` (its head has not moved
/// since it was read): it returns `None` otherwise and changes nothing. Under the product's row
/// lock ([`lock_current`]) that cannot happen; without it, this is a compare-and-set that
/// lets a write skip the explicit transaction when nobody else is writing the product.
pub async fn append_version(
    conn: &mut PgConnection,
    current: &ProductVersionRow,
    new: NewVersion<'_>,
) -> Result<Option<ProductVersionRow>, sqlx::Error> {
    let seq = current.seq + 1;
    let version = current.version().bumped(new.bump);
    let fields = new.fields;
    let table = new.table.as_ref();
    // Only pass the table names when they change: an unchanged (possibly large, TOASTed)
    // array is then kept as it is instead of being written again.
    let new_tables = table
        .filter(|change| change.changes_names())
        .map(|change| change.tables_after(&current.tables));
    let opens = table.and_then(|change| change.opens);
    // Every other part reads `head`, so nothing is written unless the head moved; the new
    // revision is inserted only after the old one is ended (`closed` feeds it), so the
    // no-overlap constraint never sees both open at once.
    let created_at = sqlx::query_scalar!(
        r#"WITH head AS (
               UPDATE data_products
               SET current_seq = $2, major = $3, minor = $4, bump = $5, description = $7,
                   domain = $8, data_product_owner = $9, data_product_owner_display_name = $10,
                   data_product_maintainer = $11, data_product_maintainer_display_name = $12,
                   email = $13, status = $14, retention_period = $15, dpia_required = $16,
                   tags = $17, updated_at = now(), updated_by = $18,
                   current_tables = COALESCE($20, current_tables)
               WHERE id = $1 AND current_seq = $2 - 1
               RETURNING id
           ), version AS (
               INSERT INTO data_product_versions (
                   product_id, seq, major, minor, bump, changes, description, domain,
                   data_product_owner, data_product_owner_display_name, data_product_maintainer,
                   data_product_maintainer_display_name, email, status, retention_period,
                   dpia_required, tags, created_by, created_by_name)
               SELECT head.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                      $16, $17, $18, $19
               FROM head
               RETURNING created_at
           ), closed AS (
               UPDATE table_revisions r SET end_seq = $2
               FROM head
               WHERE r.product_id = head.id AND r.table_name = $21 AND r.first_seq = $22
               RETURNING 1
           ), opened AS (
               INSERT INTO table_revisions (product_id, table_name, first_seq, table_description,
                                            columns)
               SELECT head.id, $21::text, $2, $23::text, $24::jsonb
               FROM head, (SELECT count(*) FROM closed) AS after_close
               WHERE $23::text IS NOT NULL
           )
           SELECT created_at FROM version"#,
        current.product_id,
        seq,
        version.major,
        version.minor,
        new.bump as Bump,
        new.changes,
        fields.description,
        fields.domain,
        fields.owner,
        fields.owner_display_name,
        fields.maintainer.as_deref(),
        fields.maintainer_display_name.as_deref(),
        fields.email,
        fields.status as Status,
        fields.retention_period,
        fields.dpia_required,
        Json(&fields.tags) as _,
        new.author.id,
        new.author.display_name.as_deref(),
        new_tables.as_deref(),
        table.map(|change| change.table),
        table.and_then(|change| change.closes),
        opens.map(|schema| schema.table_description.as_str()),
        opens.map(|schema| Json(&schema.columns)) as _,
    )
    .fetch_optional(conn)
    .await?;
    Ok(created_at.map(|created_at| current.successor(&new, created_at)))
}

/// Mark a product deleted (recording who and when), which frees its name. The caller must hold
/// the product's row lock.
pub async fn mark_deleted(
    conn: &mut PgConnection,
    product_id: i64,
    author: &Author,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE data_products SET deleted_at = now(), deleted_by = $2 WHERE id = $1",
        product_id,
        author.id
    )
    .execute(conn)
    .await?;
    Ok(())
}
