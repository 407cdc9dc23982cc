//! `daap login` and `daap logout` against the fake identity provider, with a daap that
//! checks tokens: client credentials for pipelines and a device code for people, the token
//! cached in a 0600 file and used by later commands, renewed once expired, forgotten on
//! logout.

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::Ordering;

use daap::authz::Policy;

use crate::support::TestApp;
use crate::support::cli::{ServedApp, Workspace};
use crate::support::identity_provider::{API_CLIENT_ID, FakeIdp, PIPELINE_CLIENT_ID, key_a};
use crate::support::identity_provider_grants::{CLI_CLIENT_ID, PIPELINE_SECRET};

async fn served_with_auth() -> (ServedApp, FakeIdp) {
    let idp = FakeIdp::start(&[&key_a()]).await;
    let app = TestApp::with_auth(idp.validator(idp.config()), Policy::default()).await;
    (ServedApp::start(app).await, idp)
}

const PRODUCT: &str = r#"{"product": {"name": "prisons", "description": "Prisons", "domain": "HMPPS",
  "dataProductOwner": "jane.doe@justice.gov.uk", "dataProductOwnerDisplayName": "Jane Doe",
  "email": "data@justice.gov.uk", "status": "draft", "retentionPeriod": 3000,
  "dpiaRequired": false},
 "tables": {"incidents": {"tableDescription": "Incidents",
  "columns": [{"name": "id", "type": "bigint", "description": "Id"}]}}}"#;

async fn login_as_pipeline(workspace: &Workspace, idp: &FakeIdp) -> crate::support::cli::Run {
    workspace
        .daap_with(
            &[
                "login",
                "--authority",
                &idp.login_authority(),
                "--client-id",
                PIPELINE_CLIENT_ID,
                "--api",
                API_CLIENT_ID,
            ],
            &[("DAAP_CLIENT_SECRET", PIPELINE_SECRET)],
        )
        .await
}

#[tokio::test]
async fn login_with_client_credentials_caches_a_0600_token_that_plan_and_apply_then_use() {
    let (served, idp) = served_with_auth().await;
    let workspace = Workspace::new(&served.base);
    let file = workspace.write("product.json", PRODUCT);
    let file = file.to_str().unwrap();

    let anonymous = workspace.daap(&["plan", "-f", file]).await;
    anonymous.assert_code(1);
    assert!(
        anonymous.stderr.contains("(401)") && anonymous.stderr.contains("daap login"),
        "{}",
        anonymous.stderr
    );

    let login = login_as_pipeline(&workspace, &idp).await;
    login.assert_code(0);
    assert!(
        login
            .stdout
            .contains(&format!("Logged in to {}", served.base)),
        "{}",
        login.stdout
    );
    assert_eq!(idp.grants(), ["client_credentials"]);
    let mode = std::fs::metadata(workspace.token_file())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "only the owner may read the token");
    let cached = std::fs::read_to_string(workspace.token_file()).unwrap();
    assert!(
        !cached.contains(PIPELINE_SECRET),
        "the secret is never cached"
    );

    workspace.daap(&["plan", "-f", file]).await.assert_code(2);
    workspace
        .daap(&["apply", "-f", file, "--auto-approve"])
        .await
        .assert_code(0);
    let list = workspace
        .daap(&["product", "versions", "dp:prisons", "-o", "json"])
        .await;
    let history = list.assert_code(0).json();
    assert_eq!(history[0]["version"], "v1.1");
    assert_eq!(
        history[0]["createdBy"], PIPELINE_CLIENT_ID,
        "made as the pipeline"
    );
    assert_eq!(
        idp.grants().len(),
        1,
        "the cached token was used, not a new one"
    );
}

#[tokio::test]
async fn an_expired_client_credentials_token_is_renewed_with_the_secret_from_the_environment() {
    let (served, idp) = served_with_auth().await;
    let workspace = Workspace::new(&served.base);
    // Issued for 30 s: within the minute before expiry, so the next command renews it.
    idp.state.token_lifetime.store(30, Ordering::SeqCst);
    login_as_pipeline(&workspace, &idp).await.assert_code(0);

    let without_secret = workspace.daap(&["product", "list"]).await;
    without_secret.assert_code(1);
    assert!(
        without_secret.stderr.contains("DAAP_CLIENT_SECRET"),
        "{}",
        without_secret.stderr
    );

    let renewed = workspace
        .daap_with(
            &["product", "list"],
            &[("DAAP_CLIENT_SECRET", PIPELINE_SECRET)],
        )
        .await;
    renewed.assert_code(0);
    assert_eq!(idp.grants(), ["client_credentials", "client_credentials"]);
}

#[tokio::test]
async fn login_with_a_device_code_waits_for_the_person_and_refreshes_the_token_later() {
    let (served, idp) = served_with_auth().await;
    let workspace = Workspace::new(&served.base);
    idp.state.token_lifetime.store(30, Ordering::SeqCst);

    let login = workspace
        .daap(&[
            "login",
            "--authority",
            &idp.login_authority(),
            "--client-id",
            CLI_CLIENT_ID,
            "--api",
            &format!("api://{API_CLIENT_ID}"),
        ])
        .await;
    login.assert_code(0);
    assert!(
        login.stderr.contains("enter the code ABCD-EFGH"),
        "{}",
        login.stderr
    );
    assert_eq!(idp.grants(), ["device_code"]);

    workspace.daap(&["product", "list"]).await.assert_code(0);
    assert_eq!(idp.grants(), ["device_code", "refresh_token"]);
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_with_the_providers_error_and_nothing_cached() {
    let (served, idp) = served_with_auth().await;
    let workspace = Workspace::new(&served.base);

    let login = workspace
        .daap_with(
            &[
                "login",
                "--authority",
                &idp.login_authority(),
                "--client-id",
                PIPELINE_CLIENT_ID,
                "--api",
                API_CLIENT_ID,
            ],
            &[("DAAP_CLIENT_SECRET", "wrong")],
        )
        .await;
    login.assert_code(1);
    assert!(login.stderr.contains("invalid_client"), "{}", login.stderr);
    assert!(!workspace.token_file().exists());
}

#[tokio::test]
async fn logout_forgets_the_token_and_token_options_override_the_cache() {
    let (served, idp) = served_with_auth().await;
    let workspace = Workspace::new(&served.base);
    login_as_pipeline(&workspace, &idp).await.assert_code(0);
    workspace.daap(&["product", "list"]).await.assert_code(0);

    let bad_token = workspace
        .daap_with(&["product", "list"], &[("DAAP_TOKEN", "not-a-token")])
        .await;
    bad_token.assert_code(1);
    assert!(
        bad_token.stderr.contains("(401)"),
        "DAAP_TOKEN wins: {}",
        bad_token.stderr
    );

    let logout = workspace.daap(&["logout"]).await;
    logout.assert_code(0);
    assert!(logout.stdout.contains("Logged out of"), "{}", logout.stdout);
    let after = workspace.daap(&["product", "list"]).await;
    after.assert_code(1);
    assert!(after.stderr.contains("(401)"), "{}", after.stderr);
}
