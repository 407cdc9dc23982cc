//! daap's SigV4 code against the examples AWS publishes for S3 (the example credentials,
//! requests and signatures of the S3 API reference), and the pieces of a POST policy.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use daap::uploads::policy::{Encryption, PostPolicy, iso8601_millis};
use daap::uploads::sigv4::{Keys, Scope, authorization_headers, presigned_query, uri_encode};
use serde_json::{Value, json};
use time::{Date, Month, OffsetDateTime, Time};

fn utc(
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    milli: u16,
) -> OffsetDateTime {
    let date = Date::from_calendar_date(year, Month::try_from(month).unwrap(), day).unwrap();
    let time = Time::from_hms_milli(hour, minute, second, milli).unwrap();
    date.with_time(time).assume_utc()
}

fn example_keys() -> Keys {
    Keys {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
        session_token: None,
    }
}

#[test]
fn a_post_policy_is_signed_as_in_the_aws_browser_upload_example() {
    // "Example: Browser-Based Upload using HTTP POST (Using AWS Signature Version 4)".
    let policy = concat!(
        "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgIC",
        "B7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNl",
        "ci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaX",
        "JlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2Fk",
        "Lmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LW",
        "Ftei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRp",
        "b24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgIC",
        "B7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3",
        "czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7In",
        "gtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9",
    );
    let scope = Scope {
        time: utc(2015, 12, 29, 0, 0, 0, 0),
        region: "us-east-1",
    };
    assert_eq!(
        scope.credential(&example_keys()),
        "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"
    );
    assert_eq!(
        scope.sign(&example_keys(), policy),
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
    );
}

#[test]
fn a_presigned_url_is_signed_as_in_the_aws_query_string_example() {
    // "Authenticating Requests: Using Query Parameters": GET /test.txt for 86400 s.
    let scope = Scope {
        time: utc(2013, 5, 24, 0, 0, 0, 0),
        region: "us-east-1",
    };
    let query = presigned_query(
        &example_keys(),
        &scope,
        "GET",
        "examplebucket.s3.amazonaws.com",
        "/test.txt",
        &[],
        Duration::from_secs(86400),
    );
    assert_eq!(
        query,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
         &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    );
}

#[test]
fn a_header_signed_request_is_signed_as_in_the_aws_get_object_example() {
    // "Authenticating Requests: Using the Authorization Header": GET /test.txt, Range 0-9.
    let scope = Scope {
        time: utc(2013, 5, 24, 0, 0, 0, 0),
        region: "us-east-1",
    };
    let headers = authorization_headers(
        &example_keys(),
        &scope,
        "GET",
        "/test.txt",
        &[],
        vec![
            (
                "host".to_owned(),
                "examplebucket.s3.amazonaws.com".to_owned(),
            ),
            ("range".to_owned(), "bytes=0-9".to_owned()),
        ],
        b"",
    );
    let authorization = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        authorization,
        Some(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    );
}

#[test]
fn temporary_credentials_add_the_security_token_to_signed_headers_and_urls() {
    let mut keys = example_keys();
    keys.session_token = Some("token/with+chars=".to_owned());
    let scope = Scope {
        time: utc(2013, 5, 24, 0, 0, 0, 0),
        region: "us-east-1",
    };
    let headers = authorization_headers(
        &keys,
        &scope,
        "HEAD",
        "/k",
        &[],
        vec![("host".to_owned(), "h".to_owned())],
        b"",
    );
    assert!(headers.contains(&(
        "x-amz-security-token".to_owned(),
        "token/with+chars=".to_owned()
    )));
    let authorization = &headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1;
    assert!(
        authorization
            .contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
    );
    let query = presigned_query(
        &keys,
        &scope,
        "PUT",
        "h",
        "/k",
        &[],
        Duration::from_secs(60),
    );
    assert!(
        query.contains("X-Amz-Security-Token=token%2Fwith%2Bchars%3D"),
        "{query}"
    );
}

#[test]
fn keys_are_encoded_once_with_slashes_kept_and_everything_else_but_unreserved_escaped() {
    assert_eq!(
        uri_encode(
            "landing/p/v1/t/load_timestamp=20260101T000000Z/a b.csv",
            false
        ),
        "landing/p/v1/t/load_timestamp%3D20260101T000000Z/a%20b.csv"
    );
    assert_eq!(uri_encode("a/b~c_d-e.f", true), "a%2Fb~c_d-e.f");
}

#[test]
fn a_post_policy_pins_every_field_exactly_and_signs_the_document_it_sends() {
    let keys = Keys {
        session_token: Some("tok".to_owned()),
        ..example_keys()
    };
    let scope = Scope {
        time: utc(2026, 1, 31, 12, 0, 0, 0),
        region: "eu-west-2",
    };
    let encryption = Encryption::Kms {
        key_id: "alias/landing".to_owned(),
    };
    let policy = PostPolicy {
        bucket: "landing-bucket",
        key: "landing/p/v1/t/load_timestamp=20260131T120000Z/x.csv",
        length_range: (1, 42),
        content_md5: "1B2M2Y8AsgTpgAmY7PhCfg==",
        encryption: &encryption,
        expires_at: utc(2026, 1, 31, 12, 5, 0, 0),
    };
    let fields = policy.sign(&keys, &scope);
    let document: Value =
        serde_json::from_slice(&STANDARD.decode(&fields["policy"]).unwrap()).unwrap();
    assert_eq!(document["expiration"], "2026-01-31T12:05:00.000Z");
    let conditions = document["conditions"].as_array().unwrap();
    assert!(conditions.contains(&json!({"bucket": "landing-bucket"})));
    assert!(conditions.contains(&json!(["content-length-range", 1, 42])));
    for (name, value) in &fields {
        if name != "policy" && name != "x-amz-signature" {
            assert!(
                conditions.contains(&json!({ name.as_str(): value })),
                "`{name}` is pinned: {document}"
            );
        }
    }
    assert_eq!(fields["x-amz-server-side-encryption"], "aws:kms");
    assert_eq!(
        fields["x-amz-server-side-encryption-aws-kms-key-id"],
        "alias/landing"
    );
    assert_eq!(fields["x-amz-security-token"], "tok");
    assert_eq!(
        fields["x-amz-signature"],
        scope.sign(&keys, &fields["policy"])
    );
    assert_eq!(
        iso8601_millis(utc(2026, 1, 31, 12, 5, 0, 250)),
        "2026-01-31T12:05:00.250Z"
    );
}
