//! HTTPS: the rustls configuration (ring, like every other TLS client in daap) built from a
//! PEM certificate chain and key, and a watcher that swaps in a renewed pair while serving.
//!
//! Certificates are renewed on disk by something else (cert-manager, a Kubernetes secret
//! mount, certbot); daap notices by polling the two files, because file-change notifications
//! are unreliable across the symlink swaps those tools make. A pair that does not load (a
//! half-written file, a key that does not match) is logged and the current one kept: a bad
//! renewal must never take the service down.

use std::sync::Arc;

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::serving::TlsFiles;

/// The serving configuration from the files, and a fingerprint of what was read.
pub async fn load(files: &TlsFiles) -> anyhow::Result<(RustlsConfig, [u8; 32])> {
    let (cert, key) = read(files).await?;
    let config = server_config(&cert, &key).with_context(|| {
        format!(
            "could not use the TLS certificate {} with the key {}",
            files.cert.display(),
            files.key.display()
        )
    })?;
    Ok((
        RustlsConfig::from_config(Arc::new(config)),
        fingerprint(&cert, &key),
    ))
}

/// Poll the files every `files.reload_every` and serve a changed pair from the next handshake
/// on (connections already open keep the certificate they started with).
pub fn spawn_reloader(
    config: RustlsConfig,
    files: TlsFiles,
    loaded: [u8; 32],
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen = loaded;
        let mut every = tokio::time::interval(files.reload_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            every.tick().await;
            let (cert, key) = match read(&files).await {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(error = %format!("{error:#}"), "could not read the TLS files; still serving the current certificate");
                    continue;
                }
            };
            let now = fingerprint(&cert, &key);
            if now == seen {
                continue;
            }
            // Remember even a bad pair, so it is reported once rather than at every poll.
            seen = now;
            match server_config(&cert, &key) {
                Ok(new) => {
                    config.reload_from_config(Arc::new(new));
                    tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
                }
                Err(error) => tracing::warn!(
                    error = %format!("{error:#}"),
                    cert = %files.cert.display(),
                    key = %files.key.display(),
                    "the changed TLS files do not load; still serving the current certificate"
                ),
            }
        }
    })
}

async fn read(files: &TlsFiles) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let cert = tokio::fs::read(&files.cert)
        .await
        .with_context(|| format!("could not read {}", files.cert.display()))?;
    let key = tokio::fs::read(&files.key)
        .await
        .with_context(|| format!("could not read {}", files.key.display()))?;
    Ok((cert, key))
}

/// What was read, without keeping the key itself around between polls.
fn fingerprint(cert: &[u8], key: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update((cert.len() as u64).to_be_bytes());
    hash.update(cert);
    hash.update(key);
    hash.finalize().into()
}

/// A rustls server configuration for one certificate chain and its key. HTTP/1.1 only, like
/// the plain listener, so the same request limits apply however a client connects.
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> anyhow::Result<ServerConfig> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| anyhow::anyhow!("the certificate file is not valid PEM: {error}"))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the certificate file holds no CERTIFICATE block"
    );
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|error| anyhow::anyhow!("the key file holds no usable private key: {error}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // `with_single_cert` also checks that the key belongs to the first certificate.
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
