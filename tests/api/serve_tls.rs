//! HTTPS from the real `daap serve`: the configured certificate, a renewed one picked up
//! without a restart, a broken renewal ignored, and a half-configured pair refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use crate::support::TestApp;
use crate::support::served::{Served, command};

/// A test certificate authority that issues `localhost` certificates.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    der: Vec<u8>,
}

impl TestCa {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        Self {
            der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A new leaf for `localhost` and 127.0.0.1: (certificate PEM, key PEM, certificate DER).
    fn leaf(&self) -> (String, String, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

/// Replace a file the way renewal tools do: write aside, then rename over it.
fn replace(path: &Path, contents: &str) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, contents).unwrap();
    std::fs::rename(&aside, path).unwrap();
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "daap-tls-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The leaf certificate the server presents on a new connection (`None`: no answer).
async fn served_certificate(ca: &TestCa, port: u16) -> Option<Vec<u8>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der.clone().into()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    // A new client per call: a new connection, so a new handshake.
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .tls_info(true)
        .build()
        .unwrap();
    let response = client
        .get(format!("https://localhost:{port}/health/ready"))
        .send()
        .await
        .ok()?;
    assert_eq!(response.status(), 200);
    response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .map(<[u8]>::to_vec)
}

#[tokio::test]
async fn https_serves_the_certificate_and_a_renewed_one_without_a_restart_ignoring_a_broken_renewal()
 {
    let app = TestApp::new().await;
    let ca = TestCa::new();
    let dir = scratch_dir();
    let (cert_file, key_file) = (dir.join("tls.crt"), dir.join("tls.key"));
    let (first_pem, first_key, first_der) = ca.leaf();
    std::fs::write(&cert_file, &first_pem).unwrap();
    std::fs::write(&key_file, &first_key).unwrap();
    let (mut serve, port) = command(&app);
    serve
        .env("DAAP_TLS_CERT_FILE", &cert_file)
        .env("DAAP_TLS_KEY_FILE", &key_file)
        .env("DAAP_TLS_RELOAD_SECS", "1");
    let mut served = Served::spawn(serve, port);
    served
        .wait_until(|| async { served_certificate(&ca, port).await.is_some() })
        .await;
    assert_eq!(
        served_certificate(&ca, port).await.unwrap(),
        first_der,
        "the configured certificate"
    );

    let (second_pem, second_key, second_der) = ca.leaf();
    replace(&key_file, &second_key);
    replace(&cert_file, &second_pem);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = served_certificate(&ca, port).await.expect("still serving");
        if now == second_der {
            break;
        }
        assert_eq!(now, first_der, "only ever one of the two");
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A renewal whose certificate does not belong to its key is refused: the current pair stays.
    let (third_pem, _, _) = ca.leaf();
    replace(&cert_file, &third_pem);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        served_certificate(&ca, port).await.unwrap(),
        second_der,
        "a pair that does not load is not served"
    );

    served.terminate();
    let status = served.exited_within(Duration::from_secs(15)).await;
    let stderr = served.stderr();
    assert!(status.success(), "exit status {status}: {stderr}");
    assert!(
        stderr.contains("do not load; still serving the current certificate"),
        "the broken renewal is reported: {stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn tls_needs_both_the_certificate_and_the_key() {
    let app = TestApp::new().await;
    let (mut serve, _) = command(&app);
    let output = serve
        .env("DAAP_TLS_CERT_FILE", "/etc/daap/tls.crt")
        .env_remove("DAAP_TLS_KEY_FILE")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DAAP_TLS_CERT_FILE is set but DAAP_TLS_KEY_FILE is not"),
        "{stderr}"
    );
}
