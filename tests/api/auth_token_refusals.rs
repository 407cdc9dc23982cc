//! Bearer tokens (`daap::auth`) that are refused, and why: malformed, the wrong algorithm, a bad
//! signature, a missing or wrong claim, another issuer or audience, outside their validity.
//! Tokens are checked against the fake identity provider of `support`; no database is involved.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use daap::auth::AuthError;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::identity_provider::{
    API_CLIENT_ID, FakeIdp, TENANT, USER_OID, WEB_CLIENT_ID, forge, key_a, key_b, now, user_claims,
    v1_issuer, v2_issuer, with,
};

#[tokio::test]
async fn a_user_token_without_oid_is_refused_naming_the_claim() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let claims = with(user_claims(), json!({"oid": null}));

    let error = validator.validate(&key.sign(&claims)).await.unwrap_err();

    assert_eq!(error, AuthError::MissingClaim("oid"));
    assert!(!error.to_string().contains(USER_OID));
}

#[tokio::test]
async fn a_token_without_a_numeric_exp_or_with_a_non_numeric_nbf_is_refused() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for exp in [json!(null), json!("tomorrow")] {
        let claims = with(user_claims(), json!({ "exp": exp }));
        assert_eq!(
            validator.validate(&key.sign(&claims)).await,
            Err(AuthError::MissingClaim("exp")),
            "{exp}"
        );
    }
    let text_nbf = with(user_claims(), json!({"nbf": "now"}));
    assert_eq!(
        validator.validate(&key.sign(&text_nbf)).await,
        Err(AuthError::InvalidClaim("nbf"))
    );
}

#[tokio::test]
async fn a_token_that_is_not_a_signed_jwt_is_malformed_and_fetches_no_keys() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let valid = key.sign(&user_claims());
    let (header, _) = valid.split_once('.').unwrap();
    let too_long = format!("{}.{}.x", header, "A".repeat(20_000));

    for token in [
        "",
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        "!!!.###.$$$",
        "e30.e30.e30",
        ".e30.",
        &format!("{valid}.extra"),
        &too_long,
    ] {
        assert_eq!(
            validator.validate(token).await.unwrap_err(),
            AuthError::Malformed,
            "{token:.40}"
        );
    }
    assert_eq!(idp.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_token_with_alg_none_is_refused_before_any_key_is_fetched() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": key.kid});
        let token = forge(&header, &user_claims(), b"");
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let no_alg = forge(
        &json!({"typ": "JWT", "kid": key.kid}),
        &user_claims(),
        b"sig",
    );
    assert_eq!(
        validator.validate(&no_alg).await.unwrap_err(),
        AuthError::Malformed
    );
    assert_eq!(idp.jwks_fetches(), 0);
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_public_key_is_refused_before_any_key_is_fetched() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.kid.clone());
    let hmac_with_public_key = EncodingKey::from_secret(&key.public_modulus());
    let hmac_with_jwk_text = EncodingKey::from_secret(key.jwk.to_string().as_bytes());

    for secret in [&hmac_with_public_key, &hmac_with_jwk_text] {
        let token = jsonwebtoken::encode(&header, &user_claims(), secret).unwrap();
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnsupportedAlgorithm("HS256".to_owned()));
    }
    for alg in ["RS384", "PS256", "ES256", "EdDSA"] {
        let header = json!({"alg": alg, "kid": key.kid});
        let token = forge(&header, &user_claims(), &[7; 256]);
        let error = validator.validate(&token).await.unwrap_err();
        assert_eq!(error, AuthError::UnsupportedAlgorithm(alg.to_owned()));
    }
    let odd = forge(
        &json!({"alg": "RS256\"; x", "kid": key.kid}),
        &user_claims(),
        b"s",
    );
    assert_eq!(
        validator.validate(&odd).await.unwrap_err(),
        AuthError::UnsupportedAlgorithm("unrecognised".to_owned()),
        "an implausible alg is not kept"
    );
    assert_eq!(idp.jwks_fetches(), 0);
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_published_kid_has_a_bad_signature() {
    let (published, impostor) = (key_a(), key_b());
    let idp = FakeIdp::start(&[&published]).await;
    let validator = idp.validator(idp.config());

    let token = impostor.sign_as(&published.kid, &user_claims());

    assert_eq!(
        validator.validate(&token).await.unwrap_err(),
        AuthError::BadSignature
    );
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_has_a_bad_signature() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let token = key.sign(&user_claims());
    let (header, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let promoted = with(user_claims(), json!({"roles": ["DataSteward"]}));
    let tampered = format!(
        "{header}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(promoted.to_string())
    );

    assert_eq!(
        validator.validate(&tampered).await.unwrap_err(),
        AuthError::BadSignature
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for issuer in [
        json!("https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"),
        json!(format!("{}/", v2_issuer())),
        json!("https://evil.example/"),
    ] {
        let claims = with(user_claims(), json!({ "iss": issuer }));
        let error = validator.validate(&key.sign(&claims)).await.unwrap_err();
        assert_eq!(error, AuthError::WrongIssuer, "{issuer}");
    }
    let no_issuer = with(user_claims(), json!({"iss": null}));
    assert_eq!(
        validator.validate(&key.sign(&no_issuer)).await.unwrap_err(),
        AuthError::MissingClaim("iss")
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused_and_either_form_of_the_api_id_is_accepted() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    for audience in [
        json!(API_CLIENT_ID),
        json!(format!("api://{API_CLIENT_ID}")),
        json!(["https://graph.microsoft.com", API_CLIENT_ID]),
    ] {
        let claims = with(user_claims(), json!({ "aud": audience }));
        assert!(
            validator.validate(&key.sign(&claims)).await.is_ok(),
            "{audience}"
        );
    }
    for audience in [
        json!("https://graph.microsoft.com"),
        json!(WEB_CLIENT_ID),
        json!([]),
    ] {
        let claims = with(user_claims(), json!({ "aud": audience }));
        let error = validator.validate(&key.sign(&claims)).await.unwrap_err();
        assert_eq!(error, AuthError::WrongAudience, "{audience}");
    }
    let no_audience = with(user_claims(), json!({"aud": null}));
    assert_eq!(
        validator
            .validate(&key.sign(&no_audience))
            .await
            .unwrap_err(),
        AuthError::MissingClaim("aud")
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_unless_it_expired_within_the_leeway() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let just_expired = with(user_claims(), json!({"exp": now() - 30}));
    let expired = with(user_claims(), json!({"exp": now() - 120}));

    assert!(validator.validate(&key.sign(&just_expired)).await.is_ok());
    let error = validator.validate(&key.sign(&expired)).await.unwrap_err();
    assert_eq!(error, AuthError::Expired);
    assert_eq!(
        error.www_authenticate(),
        "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
    );

    let mut strict = idp.config();
    strict.leeway = Duration::ZERO;
    let strict = idp.validator(strict);
    assert_eq!(
        strict.validate(&key.sign(&just_expired)).await,
        Err(AuthError::Expired)
    );
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused_unless_it_starts_within_the_leeway() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let starts_soon = with(user_claims(), json!({"nbf": now() + 30}));
    let starts_later = with(user_claims(), json!({"nbf": now() + 120}));

    assert!(validator.validate(&key.sign(&starts_soon)).await.is_ok());
    assert_eq!(
        validator.validate(&key.sign(&starts_later)).await,
        Err(AuthError::NotYetValid)
    );
}

#[tokio::test]
async fn a_v1_issuer_is_accepted_only_when_configured() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let v1_token = key.sign(&with(
        user_claims(),
        json!({"iss": v1_issuer(), "ver": "1.0", "azp": null, "appid": WEB_CLIENT_ID,
               "preferred_username": null, "upn": "ada@contoso.example",
               "unique_name": "ada@contoso.example"}),
    ));

    let v2_only = idp.validator(idp.config());
    assert_eq!(
        v2_only.validate(&v1_token).await,
        Err(AuthError::WrongIssuer)
    );

    let with_v1 = idp.validator(idp.config().with_entra_v1_issuer(TENANT));
    let principal = with_v1.validate(&v1_token).await.unwrap();
    assert_eq!(principal.id, USER_OID);
    assert_eq!(principal.client_id.as_deref(), Some(WEB_CLIENT_ID));
    assert_eq!(principal.email.as_deref(), Some("ada@contoso.example"));
    assert!(with_v1.validate(&key.sign(&user_claims())).await.is_ok());
}
