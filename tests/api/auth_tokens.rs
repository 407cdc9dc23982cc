//! Bearer tokens (`daap::auth`): who a valid token speaks for, how the token is taken from the
//! `Authorization` header, what errors say (and never repeat), and the Entra configuration.
//! Tokens are checked against the fake identity provider of `support`; no database is involved.

use std::time::Duration;

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use daap::auth::{AuthConfig, AuthError, bearer_token};
use serde_json::json;

use crate::support::identity_provider::{
    API_CLIENT_ID, FakeIdp, PIPELINE_CLIENT_ID, TENANT, USER_OID, WEB_CLIENT_ID, headers, key_a,
    machine_claims, now, user_claims, v1_issuer, v2_issuer, with,
};

#[tokio::test]
async fn a_valid_user_token_yields_the_user_from_oid_name_preferred_username_roles_and_scp() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    let principal = validator.validate(&key.sign(&user_claims())).await.unwrap();

    assert_eq!(principal.id, USER_OID, "the identity is oid, not sub");
    assert_eq!(principal.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(principal.email.as_deref(), Some("ada@contoso.example"));
    assert_eq!(principal.client_id.as_deref(), Some(WEB_CLIENT_ID));
    assert!(!principal.is_application);
    assert_eq!(principal.roles, ["DataProducer", "DataReader"]);
    assert_eq!(principal.scopes, ["Products.Read", "Products.Write"]);
    assert!(principal.has_role(&validator.role_names().producer));
    assert!(principal.has_role("DataReader"));
    assert!(!principal.has_role(&validator.role_names().steward));
    assert!(
        !principal.has_role("dataproducer"),
        "roles are case-sensitive"
    );
    assert!(principal.has_scope("Products.Write"));
    assert_eq!(idp.discovery_fetches(), 1);
    assert_eq!(idp.jwks_fetches(), 1);
}

#[tokio::test]
async fn a_valid_machine_token_yields_the_application_by_its_client_id_with_roles_and_no_user() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());

    let principal = validator
        .validate(&key.sign(&machine_claims()))
        .await
        .unwrap();

    assert_eq!(
        principal.id, PIPELINE_CLIENT_ID,
        "an application is its client id"
    );
    assert_eq!(principal.client_id.as_deref(), Some(PIPELINE_CLIENT_ID));
    assert!(principal.is_application);
    assert_eq!(principal.display_name, None);
    assert_eq!(principal.email, None);
    assert_eq!(principal.roles, ["DataSteward"]);
    assert!(principal.scopes.is_empty());
    assert!(principal.has_role(&validator.role_names().steward));
}

#[tokio::test]
async fn a_v1_machine_token_without_idtyp_is_an_application_identified_by_appid() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config().with_entra_v1_issuer(TENANT));
    let claims = with(
        machine_claims(),
        json!({"iss": v1_issuer(), "ver": "1.0", "idtyp": null, "azp": null, "azpacr": null,
               "appid": PIPELINE_CLIENT_ID, "appidacr": "1"}),
    );

    let principal = validator.validate(&key.sign(&claims)).await.unwrap();

    assert!(principal.is_application);
    assert_eq!(principal.id, PIPELINE_CLIENT_ID);
    assert_eq!(principal.roles, ["DataSteward"]);
}

#[tokio::test]
async fn a_user_token_falls_back_to_email_then_upn_for_the_email() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let by_email = with(
        user_claims(),
        json!({"preferred_username": null, "email": "ada@mail.example", "upn": "ada@upn.example"}),
    );
    let by_upn = with(
        user_claims(),
        json!({"preferred_username": null, "upn": "ada@upn.example"}),
    );

    let principal = validator.validate(&key.sign(&by_email)).await.unwrap();
    assert_eq!(principal.email.as_deref(), Some("ada@mail.example"));
    let principal = validator.validate(&key.sign(&by_upn)).await.unwrap();
    assert_eq!(principal.email.as_deref(), Some("ada@upn.example"));
    assert!(!principal.is_application, "scp makes it a user's token");
}

#[test]
fn the_bearer_token_is_taken_from_the_authorization_header_whatever_the_scheme_case() {
    for value in [
        "Bearer abc.def.ghi",
        "bearer abc.def.ghi",
        "BEARER   abc.def.ghi  ",
    ] {
        assert_eq!(
            bearer_token(&headers(&[value])),
            Ok("abc.def.ghi"),
            "{value}"
        );
    }
}

#[test]
fn a_request_without_a_bearer_authorization_header_is_missing_a_token() {
    assert_eq!(bearer_token(&HeaderMap::new()), Err(AuthError::Missing));
    assert_eq!(
        bearer_token(&headers(&["Basic YWRhOnNlY3JldA=="])),
        Err(AuthError::Missing)
    );
    assert_eq!(
        bearer_token(&headers(&["Bearerabc"])),
        Err(AuthError::Missing)
    );
    let error = AuthError::Missing;
    assert_eq!(error.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        error.www_authenticate(),
        "Bearer",
        "no error code without a token"
    );
}

#[test]
fn an_empty_spaced_or_repeated_bearer_header_is_malformed() {
    for value in ["Bearer", "Bearer   ", "Bearer abc def"] {
        assert_eq!(
            bearer_token(&headers(&[value])),
            Err(AuthError::Malformed),
            "{value}"
        );
    }
    assert_eq!(
        bearer_token(&headers(&["Bearer a.b.c", "Bearer d.e.f"])),
        Err(AuthError::Malformed)
    );
    let mut opaque = HeaderMap::new();
    opaque.insert(
        AUTHORIZATION,
        HeaderValue::from_bytes(b"Bearer caf\xc3\xa9").unwrap(),
    );
    assert_eq!(bearer_token(&opaque), Err(AuthError::Malformed));
}

#[test]
fn descriptions_are_fixed_text_fit_for_a_www_authenticate_quoted_string() {
    let errors = [
        AuthError::Missing,
        AuthError::Malformed,
        AuthError::UnsupportedAlgorithm("HS256".to_owned()),
        AuthError::UnknownKey,
        AuthError::BadSignature,
        AuthError::Expired,
        AuthError::NotYetValid,
        AuthError::WrongIssuer,
        AuthError::WrongAudience,
        AuthError::MissingClaim("oid"),
        AuthError::InvalidClaim("exp"),
        AuthError::KeysUnavailable,
    ];
    for error in &errors {
        let description = error.description();
        assert!(
            !description.is_empty() && description.len() < 80,
            "{error:?}"
        );
        assert!(
            description
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' '),
            "{error:?}"
        );
        assert!(
            error
                .www_authenticate()
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    assert_eq!(
        AuthError::BadSignature.www_authenticate(),
        "Bearer error=\"invalid_token\", error_description=\"the token signature is invalid\""
    );
    assert_eq!(
        AuthError::UnsupportedAlgorithm("HS256".to_owned()).to_string(),
        "the token's signing algorithm is not accepted (only RS256 is)",
        "the header's value is not displayed"
    );
}

#[tokio::test]
async fn no_error_or_debug_output_repeats_the_token_or_its_claims() {
    let key = key_a();
    let idp = FakeIdp::start(&[&key]).await;
    let validator = idp.validator(idp.config());
    let token = key.sign(&user_claims());
    let principal = validator.validate(&token).await.unwrap();
    let mut outputs = vec![format!("{principal:?}")];
    let expired = key.sign(&with(user_claims(), json!({"exp": now() - 3600})));
    let wrong_issuer = key.sign(&with(
        user_claims(),
        json!({"iss": "https://evil.example/"}),
    ));
    for bad in [&expired, &wrong_issuer, &format!("{token}x")] {
        let error = validator.validate(bad).await.unwrap_err();
        outputs.push(format!("{error} {error:?} {}", error.description()));
    }

    let secrets = [
        token.split('.').nth(1).unwrap().get(..12).unwrap(),
        USER_OID,
        "Ada Lovelace",
        "ada@contoso.example",
        WEB_CLIENT_ID,
        "evil.example",
    ];
    for output in &outputs {
        for secret in secrets {
            assert!(!output.contains(secret), "{output} shows {secret}");
        }
    }
    assert!(
        outputs[0].contains("DataProducer"),
        "roles are not personal data"
    );
}

#[test]
fn entra_configuration_accepts_the_api_client_id_in_both_forms_and_checks_itself() {
    let config = AuthConfig::entra(TENANT, API_CLIENT_ID);
    assert_eq!(config.authority, v2_issuer());
    assert_eq!(config.issuers, [v2_issuer()]);
    assert_eq!(
        config.audiences,
        [API_CLIENT_ID.to_owned(), format!("api://{API_CLIENT_ID}")]
    );
    assert_eq!(
        config.discovery_url(),
        format!("{}/.well-known/openid-configuration", v2_issuer())
    );
    assert_eq!(config.leeway, Duration::from_secs(60));
    assert_eq!(config.roles.producer, "DataProducer");
    assert_eq!(config.roles.steward, "DataSteward");
    assert_eq!(config.roles.reader, "DataReader");
    assert_eq!(config.check(), Ok(()));

    let both = config.clone().with_entra_v1_issuer(TENANT);
    assert_eq!(both.issuers, [v2_issuer(), v1_issuer()]);

    let mut none = config.clone();
    none.audiences.clear();
    assert!(none.check().is_err());
    let mut nowhere = config;
    nowhere.authority = "login.microsoftonline.com".to_owned();
    assert!(nowhere.check().is_err());
}
