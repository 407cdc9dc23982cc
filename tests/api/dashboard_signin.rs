//! Sign-in to the dashboard with authentication on: without a token a page answers 401 with a
//! sign-in page (no figure) whose script, served by daap under the CSP, runs the authorization
//! code flow with PKCE against the configured identity provider; with a valid token the pages
//! are served like any read, and a token not signed by the identity provider is refused.
//!
//! What the script does in a browser against the fake identity provider is in
//! dashboard_browser.rs.

use axum::http::{Method, StatusCode};
use daap::authz::Policy;
use daap::openapi::{DocsSettings, DocsSignIn};

use crate::support::TestApp;
use crate::support::callers::{Who, app_with_auth, token};
use crate::support::identity_provider::{FakeIdp, TENANT, key_a, key_b};

const SCOPE: &str = "api://3f2a9c1e/user_impersonation";

fn docs(idp: &FakeIdp) -> DocsSettings {
    DocsSettings {
        sign_in: Some(DocsSignIn {
            client_id: "a61d5f0e-2c3b-4e8f-9a7d-1b2c3d4e5f60".to_owned(),
            scopes: vec![SCOPE.to_owned()],
            authority: Some(format!("{}/{TENANT}/v2.0/", idp.state.base)),
        }),
    }
}

async fn app_with_sign_in() -> (TestApp, FakeIdp) {
    let idp = FakeIdp::start(&[&key_a()]).await;
    let app = TestApp::with_auth_and_docs(idp.validator(idp.config()), docs(&idp)).await;
    (app, idp)
}

async fn get_as(app: &TestApp, path: &str, bearer: Option<&str>) -> crate::support::TestResponse {
    let header = bearer.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = header
        .iter()
        .map(|h| ("authorization", h.as_str()))
        .collect();
    app.call(Method::GET, path, None, &headers).await
}

#[tokio::test]
async fn without_a_token_a_page_is_a_sign_in_page_with_no_figures() {
    let (app, idp) = app_with_sign_in().await;
    let authority = format!("{}/{TENANT}/v2.0", idp.state.base);

    for path in [
        "/dashboard",
        "/dashboard/products?domain=HMPPS",
        "/dashboard/products/prisons",
        "/dashboard/products/prisons/diff?from=v1.0&to=v1.1",
    ] {
        let page = get_as(&app, path, None).await;

        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(page.header("www-authenticate"), Some("Bearer"));
        assert!(
            page.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        let csp = page.header("content-security-policy").expect("a CSP");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!page.text.contains("data-stat"), "no figure: {}", page.text);
        assert!(
            page.text
                .contains(r#"<script src="/dashboard/signin.js" defer></script>"#)
        );
        assert!(
            page.text
                .contains(&format!(r#"data-authority="{authority}""#))
        );
        assert!(
            page.text
                .contains(r#"data-client-id="a61d5f0e-2c3b-4e8f-9a7d-1b2c3d4e5f60""#)
        );
        assert!(page.text.contains(&format!(r#"data-scopes="{SCOPE}""#)));
        assert!(!page.text.contains("<script>"), "no inline script");
    }
    let landing = get_as(&app, "/dashboard/signin?code=c&state=s", None).await;
    assert_eq!(landing.status, StatusCode::OK);
    assert!(landing.text.contains("/dashboard/signin.js"));
}

#[tokio::test]
async fn the_sign_in_script_uses_pkce_and_keeps_the_token_in_memory() {
    let (app, _idp) = app_with_sign_in().await;

    let script = app.get("/dashboard/signin.js").await;
    let css = app.get("/dashboard/dashboard.css").await;

    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        css.status,
        StatusCode::OK,
        "the sign-in page's stylesheet is public"
    );
    for needed in [
        r#"code_challenge_method: "S256""#,
        "crypto.subtle.digest(\"SHA-256\"",
        "grant_type: \"authorization_code\"",
        "code_verifier: saved.verifier",
        "params.get(\"state\") !== saved.state",
        "Authorization: `Bearer ${token}`",
    ] {
        assert!(script.text.contains(needed), "{needed}");
    }
    assert!(!script.text.contains("localStorage") && !script.text.contains("document.cookie"));
    assert!(
        !script.text.contains("sessionStorage.setItem(KEY, token"),
        "only the verifier crosses the redirect"
    );
}

#[tokio::test]
async fn with_a_valid_token_the_pages_are_served_and_with_a_forged_one_refused() {
    let (app, _idp) = app_with_sign_in().await;
    let reader = token(Who::Reader).unwrap();

    let page = get_as(&app, "/dashboard", Some(&reader)).await;
    let forged = get_as(
        &app,
        "/dashboard",
        Some(&key_b().sign(&crate::support::identity_provider::user_claims())),
    )
    .await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains(r#"data-stat="products.total">0<"#));
    assert!(
        !page.text.contains("<script"),
        "a signed-in page has no script of its own"
    );
    forged.assert_problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_configured_sign_in_the_page_says_how_to_get_the_figures() {
    let (app, _idp) = app_with_auth(Policy::default()).await;

    let page = get_as(&app, "/dashboard", None).await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(!page.text.contains("<script"));
    assert!(page.text.contains("DAAP_DOCS_CLIENT_ID"));
    assert!(!page.text.contains("data-stat"));
}
