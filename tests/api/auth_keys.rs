//! The signing keys bearer tokens are checked with (`daap::auth`): fetched through discovery,
//! refreshed for unknown key ids (once, however many ask) and in the background, rotated, and
//! what happens while the provider fails. Against the fake identity provider of `support`.

use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use daap::auth::AuthError;
use serde_json::json;
use tokio::task::JoinSet;

use crate::support::identity_provider::{
    FakeIdp, USER_OID, eventually, key_a, key_c, machine_claims, user_claims, with_unknown_kid,
};

#[tokio::test]
async fn fifty_concurrent_tokens_with_unknown_kids_cause_one_refresh_and_the_min_interval_blocks_more()
 {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);
    // Slow key fetches make sure every token arrives while the refresh is under way.
    idp.delay_jwks(Duration::from_millis(300));

    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let validator = validator.clone();
        let token = with_unknown_kid(&format!("unknown-{i}"));
        tasks.spawn(async move { validator.validate(&token).await });
    }
    let results = tasks.join_all().await;

    assert_eq!(results.len(), 50);
    assert!(results.iter().all(|r| *r == Err(AuthError::UnknownKey)));
    assert_eq!(idp.jwks_fetches(), 2, "exactly one refresh for all fifty");

    for i in 50..60 {
        let token = with_unknown_kid(&format!("unknown-{i}"));
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnknownKey);
    }
    assert_eq!(
        idp.jwks_fetches(),
        2,
        "no refresh within the minimum interval"
    );
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    assert_eq!(idp.discovery_fetches(), 1, "discovery is cached");
}

#[tokio::test]
async fn an_unknown_kid_after_the_min_interval_causes_one_more_refresh() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.min_unknown_kid_refresh_interval = Duration::from_secs(1);
    let validator = idp.validator(config);
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    let unknown = key.sign_as("unknown", &user_claims());

    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(idp.jwks_fetches(), 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
    assert_eq!(idp.jwks_fetches(), 3);
}

#[tokio::test]
async fn after_key_rotation_a_token_with_the_new_kid_validates_and_the_retired_key_is_dropped() {
    let (old, new) = (key_a(), key_c());
    let idp = FakeIdp::start(&[&old]).await;
    let validator = idp.validator(idp.config());
    validator.validate(&old.sign(&user_claims())).await.unwrap();

    idp.publish(&[&new]);
    let principal = validator.validate(&new.sign(&user_claims())).await.unwrap();

    assert_eq!(principal.id, USER_OID);
    assert_eq!(idp.jwks_fetches(), 2, "the new kid caused one refresh");
    assert_eq!(
        validator.validate(&old.sign(&user_claims())).await,
        Err(AuthError::UnknownKey),
        "a key the provider no longer publishes is no longer trusted"
    );
    assert_eq!(idp.jwks_fetches(), 2);
}

#[tokio::test]
async fn both_keys_validate_while_the_provider_publishes_both_during_a_rollover() {
    let (old, new) = (key_a(), key_c());
    let idp = FakeIdp::start(&[&old, &new]).await;
    let validator = idp.validator(idp.config());

    validator.validate(&old.sign(&user_claims())).await.unwrap();
    validator
        .validate(&new.sign(&machine_claims()))
        .await
        .unwrap();

    assert_eq!(idp.jwks_fetches(), 1);
}

#[tokio::test]
async fn keys_are_unavailable_while_the_provider_fails_and_fetches_back_off() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    idp.fail_jwks_with(StatusCode::INTERNAL_SERVER_ERROR);
    let mut config = idp.config();
    config.failed_fetch_backoff = Duration::from_secs(1);
    let validator = idp.validator(config);
    let token = key.sign(&user_claims());

    let error = validator.validate(&token).await.unwrap_err();
    assert_eq!(error, AuthError::KeysUnavailable);
    assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
    for _ in 0..10 {
        assert_eq!(
            validator.validate(&token).await,
            Err(AuthError::KeysUnavailable)
        );
    }
    assert_eq!(idp.jwks_fetches(), 1, "no fetch during the back-off");

    idp.fail_jwks_with(StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    validator.validate(&token).await.unwrap();
    assert_eq!(idp.jwks_fetches(), 2);
}

#[tokio::test]
async fn keys_already_fetched_keep_working_while_the_provider_fails() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.jwks_refresh_interval = Duration::from_millis(100);
    let validator = idp.validator(config);
    validator.validate(&key.sign(&user_claims())).await.unwrap();

    idp.fail_jwks_with(StatusCode::SERVICE_UNAVAILABLE);
    tokio::time::sleep(Duration::from_millis(150)).await;
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    eventually("the background refresh was tried", || {
        idp.jwks_fetches() == 2
    })
    .await;
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    let unknown = key.sign_as("unknown", &user_claims());
    assert_eq!(
        validator.validate(&unknown).await,
        Err(AuthError::UnknownKey)
    );
}

#[tokio::test]
async fn stale_keys_are_refreshed_in_the_background_while_requests_go_on() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.jwks_refresh_interval = Duration::from_millis(100);
    let validator = idp.validator(config);
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    idp.delay_jwks(Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(150)).await;

    let started = std::time::Instant::now();
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the request did not wait for the slow refresh"
    );
    eventually("the background refresh ran", || idp.jwks_fetches() == 2).await;
}

#[tokio::test]
async fn the_refresh_task_fetches_at_once_then_on_every_interval_and_stops_with_the_validator() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.jwks_refresh_interval = Duration::from_millis(100);
    let validator = idp.validator(config);

    let task = validator.spawn_key_refresh();
    eventually("the keys were fetched at start", || idp.jwks_fetches() >= 1).await;
    validator.validate(&key.sign(&user_claims())).await.unwrap();
    eventually("the keys were fetched three times", || {
        idp.jwks_fetches() >= 3
    })
    .await;

    drop(validator);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the task ends once the validator is gone")
        .unwrap();
}

#[tokio::test]
async fn refresh_keys_fetches_now_and_the_jwks_url_override_skips_discovery() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let mut config = idp.config();
    config.authority = "http://127.0.0.1:9/nowhere".to_owned();
    config.jwks_url = Some(idp.jwks_url());
    let validator = idp.validator(config);

    validator.refresh_keys().await.unwrap();
    assert_eq!(idp.jwks_fetches(), 1);
    validator.validate(&key.sign(&user_claims())).await.unwrap();

    assert_eq!(idp.jwks_fetches(), 1);
    assert_eq!(idp.discovery_fetches(), 0);
}

#[tokio::test]
async fn a_key_set_without_a_usable_rs256_key_of_2048_bits_makes_keys_unavailable() {
    let key = key_a();
    let idp = FakeIdp::start(&[]).await;
    let validator = idp.validator(idp.config());
    let token = key.sign(&user_claims());
    let mut short = key.jwk.clone();
    short["n"] = json!(URL_SAFE_NO_PAD.encode([0xc5; 128]));
    let mut encryption = key.jwk.clone();
    encryption["use"] = json!("enc");
    let mut other_alg = key.jwk.clone();
    other_alg["alg"] = json!("RS512");
    let odd = json!({"kty": "EC", "kid": key.kid, "crv": "P-256", "x": "AA", "y": "AA"});
    *idp.state.jwks.lock().unwrap() = json!({"keys": [short, encryption, other_alg, odd]});

    assert_eq!(
        validator.validate(&token).await,
        Err(AuthError::KeysUnavailable)
    );
    assert_eq!(idp.jwks_fetches(), 1);
}
