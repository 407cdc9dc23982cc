//! The upload API itself (on the local store, which needs no stand-in): what an issued upload
//! says, what is refused and why, idempotent retries, the record and its list, and who may
//! issue one.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use daap::http::app;
use daap::uploads::local::LocalStore;
use daap::uploads::{Store, Uploads};
use serde_json::{Value, json};

use super::{Backend, Scratch, Served, TABLE, csv, md5_base64, settings};
use crate::support::identity_provider::{FakeIdp, key_a, user_claims, with};
use crate::support::{TestApp, product};

async fn served() -> Served {
    Served::start(Backend::Local, settings(Duration::from_secs(300), 5 << 20))
        .await
        .expect("the local store needs no stand-in")
}

fn path() -> String {
    format!("/v1/schemas/dp:prisons:{TABLE}/uploads")
}

fn request(bytes: &[u8]) -> Value {
    json!({"filename": "incidents.csv", "contentMD5": md5_base64(bytes)})
}

#[tokio::test]
async fn an_issued_upload_names_its_key_schema_version_form_and_location() {
    let served = served().await;
    let response = served.app.post(&path(), &request(b"id,what\n1,x\n")).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let issued = &response.body;
    let id = issued["uploadId"].as_str().unwrap();
    let key = issued["key"].as_str().unwrap();
    let prefix = format!("landing/prisons/v1/{TABLE}/load_timestamp=");
    let stamp = &key[prefix.len()..prefix.len() + 16];
    assert!(key.starts_with(&prefix), "{key}");
    assert!(
        stamp.len() == 16 && stamp.as_bytes()[8] == b'T' && stamp.ends_with('Z'),
        "{stamp}"
    );
    assert!(key.ends_with(&format!("/{id}.csv")), "{key}");
    assert_eq!(
        issued["schemaVersion"], "v1.1",
        "the table was added in v1.1"
    );
    assert_eq!(
        issued["versionedSchemaId"],
        format!("dp:prisons:v1.1:{TABLE}")
    );
    assert_eq!(issued["status"], "issued");
    assert_eq!(issued["store"], "local");
    assert!(
        issued["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/local-uploads/{id}"))
    );
    assert!(issued["fields"]["x-daap-signature"].is_string());
    let location = response.header("location").unwrap().to_owned();
    assert_eq!(location, format!("{}/{id}", path()));
    let read = served.app.get(&location).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["key"], key);
    assert_eq!(read.body["createdBy"], "anonymous");
    let product = served.app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(
        product.body["version"], "v1.1",
        "issuing an upload makes no version"
    );
}

#[tokio::test]
async fn invalid_requests_are_422s_pointing_at_the_field() {
    let served = served().await;
    let cases = [
        (
            json!({"filename": "incidents.xlsx", "contentMD5": md5_base64(b"x")}),
            "/filename",
        ),
        (
            json!({"filename": "../x.csv", "contentMD5": md5_base64(b"x")}),
            "/filename",
        ),
        (
            json!({"filename": "x.csv", "contentMD5": "not base64!"}),
            "/contentMD5",
        ),
        (
            json!({"filename": "x.csv", "contentMD5": "AAAA"}),
            "/contentMD5",
        ),
        (
            json!({"filename": "x.csv", "contentMD5": md5_base64(b"x"), "multipart": true}),
            "/contentLength",
        ),
        (
            json!({"filename": "x.csv", "contentMD5": md5_base64(b"x"), "contentLength": 0}),
            "/contentLength",
        ),
        (
            json!({"filename": "x.csv", "contentMD5": md5_base64(b"x"), "colour": "red"}),
            "/colour",
        ),
    ];
    for (body, pointer) in cases {
        let response = served.app.post(&path(), &body).await;
        response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.error_pointers(), vec![pointer], "{body}");
    }
}

#[tokio::test]
async fn a_missing_product_or_table_is_404_and_an_older_version_409() {
    let served = served().await;
    let body = request(b"x");
    let missing_product = served
        .app
        .post("/v1/schemas/dp:nobody:t/uploads", &body)
        .await;
    missing_product.assert_problem(StatusCode::NOT_FOUND);
    let missing_table = served
        .app
        .post("/v1/schemas/dp:prisons:cells/uploads", &body)
        .await;
    missing_table.assert_problem(StatusCode::NOT_FOUND);
    let old = served
        .app
        .post(
            &format!("/v1/schemas/dp:prisons:v1.0:{TABLE}/uploads"),
            &body,
        )
        .await;
    old.assert_problem(StatusCode::CONFLICT);
    let latest = served
        .app
        .post(
            &format!("/v1/schemas/dp:prisons:v1.1:{TABLE}/uploads"),
            &body,
        )
        .await;
    assert_eq!(latest.status, StatusCode::CREATED, "{}", latest.text);
}

#[tokio::test]
async fn a_retry_gets_the_same_upload_while_it_is_valid_and_a_new_one_after() {
    let Some(served) =
        Served::start(Backend::Local, settings(Duration::from_secs(4), 5 << 20)).await
    else {
        return;
    };
    let body = request(b"id\n1\n");
    let first = served.app.post(&path(), &body).await;
    let again = served.app.post(&path(), &body).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.body["uploadId"], first.body["uploadId"],
        "no second upload"
    );
    let keyed = [("idempotency-key", "upload-1")];
    let one = served
        .app
        .call(Method::POST, &path(), Some(&body), &keyed)
        .await;
    let two = served
        .app
        .call(Method::POST, &path(), Some(&body), &keyed)
        .await;
    assert_eq!(one.body["uploadId"], two.body["uploadId"]);
    assert_ne!(
        one.body["uploadId"], first.body["uploadId"],
        "another key, another upload"
    );
    tokio::time::sleep(Duration::from_millis(4100)).await;
    let later = served.app.post(&path(), &body).await;
    assert_eq!(later.status, StatusCode::CREATED);
    assert_eq!(later.header("idempotent-replayed"), None);
    assert_ne!(
        later.body["uploadId"], first.body["uploadId"],
        "the first has expired"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM uploads")
        .fetch_one(&served.app.pool)
        .await
        .unwrap();
    assert_eq!(count, 3, "one row per upload issued");
}

#[tokio::test]
async fn re_sending_an_upload_request_after_its_table_was_deleted_is_404() {
    let served = served().await;
    let body = request(b"x");
    assert_eq!(
        served.app.post(&path(), &body).await.status,
        StatusCode::CREATED
    );
    let deleted = served
        .app
        .delete(&format!("/v1/schemas/dp:prisons:{TABLE}"))
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    served
        .app
        .post(&path(), &body)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn uploads_are_listed_newest_first_a_page_at_a_time_with_their_status() {
    let served = served().await;
    let file = csv(100);
    let mut ids = Vec::new();
    for n in 0..3 {
        let body = json!({"filename": format!("f{n}.csv"), "contentMD5": md5_base64(&file)});
        ids.push(served.app.post(&path(), &body).await.body["uploadId"].clone());
    }
    // The second one arrives.
    let second = served
        .app
        .get(&format!("{}/{}", path(), ids[1].as_str().unwrap()))
        .await;
    let form = served
        .app
        .post(
            &path(),
            &json!({"filename": "f1.csv", "contentMD5": md5_base64(&file)}),
        )
        .await;
    assert_eq!(form.body["uploadId"], ids[1], "a replay of the second");
    let url = form.body["url"]
        .as_str()
        .unwrap()
        .replace("http://localhost", &served.base);
    let (status, text) = served.post_form(&url, &form.body["fields"], &file).await;
    assert_eq!(status, 204, "{text}");
    assert_eq!(second.body["status"], "issued");

    let page = served.app.get(&format!("{}?limit=2", path())).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let listed: Vec<&Value> = page.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["uploadId"])
        .collect();
    assert_eq!(listed, vec![&ids[2], &ids[1]], "newest first");
    assert_eq!(page.body["value"][1]["status"], "received");
    let next = page.body["nextLink"].as_str().unwrap();
    let rest = served.app.get(next).await;
    assert_eq!(rest.body["value"][0]["uploadId"], ids[0]);
    assert!(rest.body.get("nextLink").is_none(), "the last page");
    let other_version = served
        .app
        .get(&format!("/v1/schemas/dp:prisons:v1.0:{TABLE}/uploads"))
        .await;
    assert_eq!(
        other_version.body["value"],
        json!([]),
        "none were checked against v1.0"
    );
    served
        .app
        .get("/v1/schemas/dp:prisons:cells/uploads")
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_callers_who_may_change_the_product_may_issue_uploads() {
    let idp = FakeIdp::start(&[&key_a()]).await;
    let base = TestApp::with_auth(idp.validator(idp.config()), Policy::default()).await;
    let dir = Scratch::new("auth-uploads");
    let store = LocalStore::open(&dir).unwrap();
    let state = base.state.with(|parts| {
        parts.uploads = Some(Arc::new(Uploads {
            settings: settings(Duration::from_secs(60), 5 << 20),
            store: Store::Local(store),
        }))
    });
    let app = TestApp {
        router: app(state.clone()),
        pool: base.pool.clone(),
        state,
    };
    let bearer = |roles: &[&str], name: &str| {
        let claims = with(
            user_claims(),
            json!({"roles": roles, "preferred_username": name}),
        );
        format!("Bearer {}", key_a().sign(&claims))
    };
    let steward = bearer(&["DataSteward"], "steward@justice.gov.uk");
    let headers = [("authorization", steward.as_str())];
    let created = app
        .call(
            Method::POST,
            "/v1/data-products",
            Some(&product("prisons")),
            &headers,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let table = json!({"tableDescription": "t", "columns": [{"name": "id", "type": "int", "description": ""}]});
    let created = app
        .call(
            Method::POST,
            &format!("/v1/schemas/dp:prisons:{TABLE}"),
            Some(&table),
            &headers,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    let body = request(b"x");
    let stranger = bearer(&["DataProducer"], "stranger@justice.gov.uk");
    let refused = app
        .call(
            Method::POST,
            &path(),
            Some(&body),
            &[("authorization", &stranger)],
        )
        .await;
    refused.assert_problem(StatusCode::FORBIDDEN);
    let anonymous = app.call(Method::POST, &path(), Some(&body), &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let owner = bearer(&["DataProducer"], "Jane.Doe@Justice.gov.uk");
    let issued = app
        .call(
            Method::POST,
            &path(),
            Some(&body),
            &[("authorization", &owner)],
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
    assert_ne!(
        issued.body["createdBy"], "anonymous",
        "the uploader is recorded"
    );
}

#[tokio::test]
async fn the_dashboards_product_page_shows_each_tables_latest_uploads() {
    let served = served().await;
    let file = csv(100);
    let mut forms = Vec::new();
    for n in 0..6 {
        let body = json!({"filename": format!("f{n}.csv"), "contentMD5": md5_base64(&file)});
        forms.push(served.app.post(&path(), &body).await.body);
    }
    let url = forms[5]["url"]
        .as_str()
        .unwrap()
        .replace("http://localhost", &served.base);
    let (status, text) = served.post_form(&url, &forms[5]["fields"], &file).await;
    assert_eq!(status, 204, "{text}");

    let page = served.app.get("/dashboard/products/prisons").await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let caption = format!("<caption>Latest uploads to <code>{TABLE}</code></caption>");
    assert!(page.text.contains(&caption), "{}", page.text);
    let newest = page
        .text
        .find("<th scope=\"row\">f5.csv</th>")
        .expect("the newest");
    let older = page
        .text
        .find("<th scope=\"row\">f4.csv</th>")
        .expect("an older one");
    assert!(newest < older, "newest first");
    assert!(!page.text.contains(">f0.csv<"), "five at most");
    assert!(
        page.text
            .contains(r#"data-upload-status="received">received<"#)
    );
    assert_eq!(
        page.text.matches(r#"data-upload-status="issued""#).count(),
        4
    );
    assert!(
        page.text.contains(&format!(r#"href="{}""#, path())),
        "the rest via the API"
    );
}
