//! Glue across a product's life, against a real moto server: a minor version updates its
//! major's tables in place, a major version gets a database of its own and leaves the old one,
//! a removed table goes from its major only, and a removed product loses every major database.
//! Every delivery is applied twice.

use daap::domain::table::Column;

use crate::support_moto::unique_name;
use crate::sync_glue_catalogue::{Catalogue, catalogue, database, get_table};
use crate::sync_glue_conventions::assert_published;
use crate::sync_glue_fixtures::{apply_twice, incidents, publish, removal, setup, snapshot, staff};

#[tokio::test]
async fn glue_minor_version_updates_tables_in_place() {
    let Some((_, target)) = setup("glue_minor_version_updates_tables_in_place").await else {
        return;
    };
    let name = unique_name("glue_minor");
    let v1_0 = snapshot(
        &name,
        (1, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_0).await;

    let mut changed = incidents();
    changed.schema.table_description = "Incidents, one row each".to_owned();
    changed.schema.columns[1].description = "Cost in pounds, VAT included".to_owned();
    changed.schema.columns.push(Column {
        name: "location".to_owned(),
        data_type: "struct<wing:string,cell:int>".to_owned(),
        description: "Where it happened".to_owned(),
    });
    let v1_1 = snapshot(
        &name,
        (1, 1),
        "Use of force, v1.1",
        vec![changed, staff()],
        &[],
    );
    publish(&target, &v1_1).await;

    assert_published(target.client(), &v1_1).await;
    let found = catalogue(target.client(), &name).await;
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        [&format!("{name}_v1")],
        "a minor version shares its major's database"
    );
}

#[tokio::test]
async fn glue_major_version_gets_a_new_database_and_leaves_the_old_one() {
    let Some((_, target)) =
        setup("glue_major_version_gets_a_new_database_and_leaves_the_old_one").await
    else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_major");
    let v1_1 = snapshot(
        &name,
        (1, 1),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_1).await;
    let v1_db = format!("{name}_v1");
    let v1_before = catalogue(client, &name).await[&v1_db].clone();

    let mut retyped = staff();
    retyped.schema.columns[0].data_type = "bigint".to_owned();
    let v2_0 = snapshot(
        &name,
        (2, 0),
        "Use of force",
        vec![incidents(), retyped],
        &[],
    );
    publish(&target, &v2_0).await;

    assert_published(client, &v2_0).await;
    assert_published(client, &v1_1).await;
    let found = catalogue(client, &name).await;
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        [&v1_db, &format!("{name}_v2")]
    );
    assert_eq!(
        found[&v1_db], v1_before,
        "v1 untouched, table versions included"
    );
}

#[tokio::test]
async fn glue_removed_table_goes_from_this_major_only() {
    let Some((_, target)) = setup("glue_removed_table_goes_from_this_major_only").await else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_drop");
    let v1_0 = snapshot(
        &name,
        (1, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v1_0).await;
    let v2_0 = snapshot(
        &name,
        (2, 0),
        "Use of force",
        vec![incidents(), staff()],
        &[],
    );
    publish(&target, &v2_0).await;

    let v2_1 = snapshot(&name, (2, 1), "Use of force", vec![incidents()], &["staff"]);
    publish(&target, &v2_1).await;

    assert_published(client, &v2_1).await;
    assert_eq!(
        get_table(client, &format!("{name}_v2"), "staff").await,
        None
    );
    assert_published(client, &v1_0).await;

    // A table listed as removed that this major never had: nothing to do, and no error.
    let v2_2 = snapshot(
        &name,
        (2, 2),
        "Use of force",
        vec![incidents()],
        &["staff", "never"],
    );
    publish(&target, &v2_2).await;
    assert_published(client, &v2_2).await;
}

#[tokio::test]
async fn glue_removed_product_loses_every_major_database() {
    let Some((_, target)) = setup("glue_removed_product_loses_every_major_database").await else {
        return;
    };
    let client = target.client();
    let name = unique_name("glue_gone");
    // A product whose name starts with this one's must survive.
    let neighbour = format!("{name}_x");
    let kept = snapshot(&neighbour, (1, 0), "Another product", vec![staff()], &[]);
    publish(&target, &kept).await;
    publish(
        &target,
        &snapshot(
            &name,
            (1, 0),
            "Use of force",
            vec![incidents(), staff()],
            &[],
        ),
    )
    .await;
    publish(
        &target,
        &snapshot(&name, (2, 0), "Use of force", vec![incidents()], &[]),
    )
    .await;
    assert_eq!(catalogue(client, &name).await.len(), 2);

    // Majors that were never published (3) are fine too.
    apply_twice(&target, &name, &removal(&name, &[1, 2, 3])).await;

    assert_eq!(catalogue(client, &name).await, Catalogue::new());
    assert_eq!(database(client, &format!("{name}_v1")).await, None);
    assert_eq!(database(client, &format!("{name}_v2")).await, None);
    assert_published(client, &kept).await;

    // A product that never reached Glue.
    let never = unique_name("glue_never");
    apply_twice(&target, &never, &removal(&never, &[1])).await;
}
