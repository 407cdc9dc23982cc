//! A product that uses every field daap has and tables with every column type family, nested
//! ones included, for the open-standard round trips (`contracts*.rs`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::TestApp;

/// A registration body with every optional field set, a published status, a DPIA and tags
/// that the standards' tag lists can and cannot carry (a name with a colon, an empty value).
pub fn product(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Use of force incidents in prisons, England and Wales",
        "domain": "HMPPS",
        "dataProductOwner": "jane.doe@justice.gov.uk",
        "dataProductOwnerDisplayName": "Jane Doe",
        "dataProductMaintainer": "sam.smith@justice.gov.uk",
        "dataProductMaintainerDisplayName": "Sam Smith",
        "email": "use-of-force@justice.gov.uk",
        "status": "published",
        "retentionPeriod": 3650,
        "dpiaRequired": true,
        "tags": {
            "sensitivity": "official",
            "dpiaLocation": "s3://dpia/use_of_force.pdf",
            "team:slack": "#use-of-force",
            "restricted": "",
            "url": "https://example.org/a:b"
        }
    })
}

/// The tables of the product, in their canonical spelling (as daap stores and returns them):
/// every primitive family, and `array`, `map` and `struct` nested in each other.
pub fn tables() -> Vec<(&'static str, Value)> {
    let column = |name: &str, ty: &str, description: &str| json!({"name": name, "type": ty, "description": description});
    vec![
        (
            "incidents",
            json!({
                "tableDescription": "Use of force incidents",
                "columns": [
                    column("is_planned", "boolean", "Planned use of force"),
                    column("tiny", "tinyint", "A tinyint"),
                    column("small", "smallint", "A smallint"),
                    column("staff_count", "int", "Staff involved"),
                    column("incident_id", "bigint", "Incident number"),
                    column("ratio", "float", "A float"),
                    column("score", "double", "A double"),
                    column("cost", "decimal(10,2)", "Cost in pounds"),
                    column("whole", "decimal(38,0)", "A decimal without scale"),
                    column("prison_code", "char(3)", "Prison code"),
                    column("location", "varchar(40)", "Where"),
                    column("notes", "varchar", "Unbounded varchar"),
                    column("summary", "string", ""),
                    column("photo", "binary", "A photo"),
                    column("incident_date", "date", "When"),
                    column("reported_at", "timestamp", "When it was reported"),
                    column("witnesses", "array<bigint>", "Witness ids"),
                    column("counts", "map<string,int>", "Counts by kind"),
                    column("reporter", "struct<name:string,age:int>", "Who reported it"),
                    column(
                        "people",
                        "array<struct<role:string,injuries:map<string,array<decimal(5,1)>>>>",
                        "Who was involved",
                    ),
                    column(
                        "nested",
                        "map<int,struct<a:array<map<varchar(10),boolean>>,b:char(2),c:array<array<date>>>>",
                        "Deeply nested",
                    ),
                ]
            }),
        ),
        (
            "staff",
            json!({
                "tableDescription": "",
                "columns": [column("staff_id", "bigint", "")]
            }),
        ),
    ]
}

/// Register [`product`] as `name` and add [`tables`]: the product is then at `v1.2`.
pub async fn register(app: &TestApp, name: &str) {
    app.register(&product(name)).await;
    for (table, body) in tables() {
        let created = app
            .post(&format!("/v1/schemas/dp:{name}:{table}"), &body)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
}
