//! Multipart uploads end to end, against S3 (s3s-fs: presigned `UploadPart` URLs,
//! CreateMultipartUpload and CompleteMultipartUpload signed by daap) and the local store: a file
//! larger than the part size goes up in parts and comes out whole; more part URLs on request;
//! abort; the part size daap chooses.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Backend, Served, csv, md5_base64, settings};

/// A small part size, as tests may set (production refuses less than 5 MiB); s3s-fs, like S3,
/// refuses parts under 5 MiB but the last.
const PART: u64 = 64 * 1024;

fn part_size(backend: Backend) -> u64 {
    match backend {
        Backend::S3 => 5 << 20,
        Backend::Local => PART,
    }
}

macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod s3 { $(#[tokio::test] async fn $name() { super::$name(super::Backend::S3).await } )* }
        mod local { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Local).await } )* }
    };
}

both_stores!(
    a_file_larger_than_the_part_size_goes_up_in_parts_and_is_stored_whole,
    an_aborted_upload_is_recorded_and_gives_no_more_part_urls,
);

async fn served(backend: Backend) -> Option<Served> {
    Served::start(
        backend,
        settings(Duration::from_secs(300), part_size(backend)),
    )
    .await
}

fn uploads_path(issued: &Value) -> String {
    format!(
        "/v1/schemas/dp:prisons:incidents/uploads/{}",
        issued["uploadId"].as_str().unwrap()
    )
}

/// PUT `bytes` to a part URL with its Content-MD5; the ETag answered.
async fn put_part(served: &Served, url: &str, bytes: &[u8]) -> String {
    let response = served
        .http
        .put(url)
        .header("content-md5", md5_base64(bytes))
        .body(bytes.to_vec())
        .send()
        .await
        .expect("the store answers");
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        status.is_success(),
        "part stored: {status} {}",
        response.text().await.unwrap_or_default()
    );
    etag.expect("an ETag")
}

fn url_of(urls: &Value, number: u64) -> String {
    urls.as_array()
        .unwrap()
        .iter()
        .find(|u| u["partNumber"] == json!(number))
        .and_then(|u| u["url"].as_str())
        .unwrap_or_else(|| panic!("a URL for part {number}: {urls}"))
        .to_owned()
}

async fn a_file_larger_than_the_part_size_goes_up_in_parts_and_is_stored_whole(backend: Backend) {
    let Some(served) = served(backend).await else {
        return;
    };
    let part = part_size(backend);
    let file = csv((part * 3 + part / 2) as usize);
    let issued = served
        .issue(
            &file,
            json!({"multipart": true, "contentLength": file.len()}),
        )
        .await;
    assert_eq!(
        issued["multipart"],
        json!({"partSize": part, "partCount": 4})
    );
    assert!(
        issued.get("fields").is_none(),
        "no form for a multipart upload"
    );
    let first = &issued["parts"]["urls"];
    assert_eq!(
        first.as_array().unwrap().len(),
        4,
        "URLs for every part (up to 100)"
    );
    // Fresh URLs for parts 3 and 4, as a client sending a long file asks for them.
    let (status, more) = served
        .call(
            reqwest::Method::POST,
            &format!("{}/parts", uploads_path(&issued)),
            Some(&json!({"from": 3, "to": 4})),
        )
        .await;
    assert_eq!(status, 200, "{more}");
    let mut parts = Vec::new();
    for (index, chunk) in file.chunks(part as usize).enumerate() {
        let number = index as u64 + 1;
        let url = if number >= 3 {
            url_of(&more["urls"], number)
        } else {
            url_of(first, number)
        };
        parts.push(json!({"partNumber": number, "etag": put_part(&served, &url, chunk).await}));
    }
    let (status, done) = served
        .call(
            reqwest::Method::POST,
            &format!("{}/complete", uploads_path(&issued)),
            Some(&json!({"parts": parts})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "received");
    assert_eq!(done["receivedLength"], json!(file.len()));
    let key = issued["key"].as_str().unwrap();
    assert_eq!(
        served.stored(key).as_deref(),
        Some(&file[..]),
        "the parts, joined in order"
    );
    // Completing again is safe: the same answer.
    let (status, again) = served
        .call(
            reqwest::Method::POST,
            &format!("{}/complete", uploads_path(&issued)),
            Some(&json!({"parts": parts})),
        )
        .await;
    assert_eq!((status, &again["status"]), (200, &json!("received")));
}

async fn an_aborted_upload_is_recorded_and_gives_no_more_part_urls(backend: Backend) {
    let Some(served) = served(backend).await else {
        return;
    };
    let part = part_size(backend);
    let file = csv((part * 2) as usize);
    let issued = served
        .issue(
            &file,
            json!({"multipart": true, "contentLength": file.len()}),
        )
        .await;
    let url = url_of(&issued["parts"]["urls"], 1);
    put_part(&served, &url, &file[..part as usize]).await;
    let path = uploads_path(&issued);
    let (status, body) = served.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "{body}");
    let upload = served.upload(issued["uploadId"].as_str().unwrap()).await;
    assert_eq!(upload["status"], "aborted");
    let (status, body) = served
        .call(
            reqwest::Method::POST,
            &format!("{path}/parts"),
            Some(&json!({"from": 1, "to": 2})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = served.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204, "aborting again answers the same");
    assert!(served.stored(issued["key"].as_str().unwrap()).is_none());
}

#[tokio::test]
async fn the_local_store_refuses_to_complete_with_a_wrong_etag_and_stores_nothing() {
    let Some(served) = served(Backend::Local).await else {
        return;
    };
    let file = csv((PART + 10) as usize);
    let issued = served
        .issue(
            &file,
            json!({"multipart": true, "contentLength": file.len()}),
        )
        .await;
    let urls = &issued["parts"]["urls"];
    let first = put_part(&served, &url_of(urls, 1), &file[..PART as usize]).await;
    put_part(&served, &url_of(urls, 2), &file[PART as usize..]).await;
    let wrong = json!({"parts": [
        {"partNumber": 1, "etag": first},
        {"partNumber": 2, "etag": "\"00000000000000000000000000000000\""}]});
    let (status, body) = served
        .call(
            reqwest::Method::POST,
            &format!("{}/complete", uploads_path(&issued)),
            Some(&wrong),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(served.stored(issued["key"].as_str().unwrap()).is_none());
}

#[tokio::test]
async fn a_part_with_another_content_md5_is_refused_by_the_local_store() {
    let Some(served) = served(Backend::Local).await else {
        return;
    };
    let file = csv(PART as usize * 2);
    let issued = served
        .issue(
            &file,
            json!({"multipart": true, "contentLength": file.len()}),
        )
        .await;
    let response = served
        .http
        .put(url_of(&issued["parts"]["urls"], 1))
        .header("content-md5", md5_base64(b"something else"))
        .body(file[..PART as usize].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // Tampering with the signed URL (a larger size) is refused.
    let url =
        url_of(&issued["parts"]["urls"], 1).replace(&format!("size={PART}"), "size=999999999");
    let response = served
        .http
        .put(url)
        .body(file[..10].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn a_file_over_5_gib_is_multipart_with_parts_sized_to_stay_within_10000() {
    let Some(served) =
        Served::start(Backend::Local, settings(Duration::from_secs(300), 64 << 20)).await
    else {
        return;
    };
    let six_gib = 6u64 << 30;
    let issued = served
        .issue(b"any", json!({"contentLength": six_gib}))
        .await;
    assert_eq!(
        issued["multipart"],
        json!({"partSize": 64u64 << 20, "partCount": 96})
    );
    assert_eq!(issued["parts"]["urls"].as_array().unwrap().len(), 96);
    let five_tib = 5u64 << 40;
    let issued = served
        .issue(b"any", json!({"contentLength": five_tib}))
        .await;
    assert_eq!(
        issued["multipart"],
        json!({"partSize": 525u64 << 20, "partCount": 9987})
    );
    assert_eq!(
        issued["parts"]["urls"].as_array().unwrap().len(),
        100,
        "the first 100 URLs"
    );
    let (status, body) = served
        .call(
            reqwest::Method::POST,
            &format!("{}/parts", uploads_path(&issued)),
            Some(&json!({"from": 9900, "to": 9987})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["urls"].as_array().unwrap().len(), 88);
    let (status, body) = served
        .call(
            reqwest::Method::POST,
            &format!("{}/parts", uploads_path(&issued)),
            Some(&json!({"from": 1, "to": 101})),
        )
        .await;
    assert_eq!(status, 422, "at most 100 at a time: {body}");
}
