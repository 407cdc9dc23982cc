//! Build the [`Delivery`] for a claimed backlog from the database: the state of the wanted
//! version (state, not deltas: whatever was missed in between is included), or the removal
//! of a deleted product.

use sqlx::PgConnection;

use crate::store::{products, snapshots, tables};

use super::snapshot::{Delivery, MajorTables, ProductSnapshot, RemovedProduct, TableSnapshot};

/// The delivery that makes a target show version `seq` of product `product_id`, or removes the
/// product. `None`: the product or version does not exist (cannot happen for a row written by
/// the write path; the caller parks it).
pub async fn delivery(
    conn: &mut PgConnection,
    product_id: i64,
    seq: i32,
    remove: bool,
) -> Result<Option<Delivery>, sqlx::Error> {
    if remove {
        // `seq` is one past the last version; describe the product as it was then.
        let Some(last) = products::find_seq(conn, product_id, seq - 1).await? else {
            return Ok(None);
        };
        let majors = majors(conn, product_id, last.seq).await?;
        return Ok(Some(Delivery::Remove(RemovedProduct {
            name: last.name,
            domain: last.domain,
            majors,
        })));
    }
    let Some(version) = products::find_seq(conn, product_id, seq).await? else {
        return Ok(None);
    };
    let tables = tables::tables_at(conn, product_id, seq)
        .await?
        .into_iter()
        .map(|row| TableSnapshot {
            schema: row.schema(),
            name: row.table_name,
        })
        .collect();
    let removed_tables = snapshots::removed_in_major(conn, product_id, seq, version.major).await?;
    let majors = majors(conn, product_id, seq).await?;
    Ok(Some(Delivery::Publish(ProductSnapshot {
        name: version.name.clone(),
        version: version.version(),
        fields: version.fields(),
        tables,
        removed_tables,
        majors,
    })))
}

async fn majors(
    conn: &mut PgConnection,
    product_id: i64,
    up_to_seq: i32,
) -> Result<Vec<MajorTables>, sqlx::Error> {
    Ok(snapshots::majors(conn, product_id, up_to_seq)
        .await?
        .into_iter()
        .map(|row| MajorTables {
            major: row.major,
            tables: row.tables,
        })
        .collect())
}
