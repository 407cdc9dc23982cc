//! How `daap serve` runs its HTTP server, apart from what it serves: TLS, the slow-client
//! guard, and the shutdown sequence. Flattened into `ServeArgs` (`config.rs`), kept here so
//! that the serve loop (`server.rs`) and its settings change together.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct ServingArgs {
    /// Longest a client may take to send a request's headers before its connection is closed
    /// (seconds; 0: no limit): a client that trickles headers, or holds an idle keep-alive
    /// connection, must not hold it forever.
    #[arg(long, env = "DAAP_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,

    /// PEM certificate chain to serve HTTPS with (leaf first); needs DAAP_TLS_KEY_FILE.
    /// Unset: plain HTTP (TLS ends at the load balancer).
    #[arg(long, env = "DAAP_TLS_CERT_FILE")]
    pub tls_cert_file: Option<PathBuf>,

    /// PEM private key of the certificate (PKCS#8, PKCS#1 or SEC1); needs DAAP_TLS_CERT_FILE.
    #[arg(long, env = "DAAP_TLS_KEY_FILE")]
    pub tls_key_file: Option<PathBuf>,

    /// How often the certificate and key files are checked for a renewed pair (seconds).
    #[arg(long, env = "DAAP_TLS_RELOAD_SECS", default_value_t = 30)]
    pub tls_reload_secs: u64,

    /// After SIGTERM, how long to keep serving (with /health/ready answering 503) so that load
    /// balancers stop routing here before the listener closes (seconds).
    #[arg(long, env = "DAAP_SHUTDOWN_DELAY_SECS", default_value_t = 0)]
    pub shutdown_delay_secs: u64,

    /// Then, how long requests in flight may take to finish before their connections are
    /// closed anyway (seconds). Keep delay + timeout under the orchestrator's grace period
    /// (Kubernetes: 30 s).
    #[arg(long, env = "DAAP_SHUTDOWN_TIMEOUT_SECS", default_value_t = 25)]
    pub shutdown_timeout_secs: u64,
}

/// Where the certificate and key are, when TLS is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub reload_every: Duration,
}

impl ServingArgs {
    /// The TLS files, `None` for plain HTTP; an error when only one of the two is given,
    /// which is always a mistake (serving plain HTTP instead would be a silent downgrade).
    pub fn tls(&self) -> anyhow::Result<Option<TlsFiles>> {
        let cert = self
            .tls_cert_file
            .clone()
            .filter(|p| !p.as_os_str().is_empty());
        let key = self
            .tls_key_file
            .clone()
            .filter(|p| !p.as_os_str().is_empty());
        match (cert, key) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert,
                key,
                reload_every: Duration::from_secs(self.tls_reload_secs.max(1)),
            })),
            (Some(_), None) => anyhow::bail!(
                "DAAP_TLS_CERT_FILE is set but DAAP_TLS_KEY_FILE is not: set both to serve HTTPS, \
                 or neither for plain HTTP"
            ),
            (None, Some(_)) => anyhow::bail!(
                "DAAP_TLS_KEY_FILE is set but DAAP_TLS_CERT_FILE is not: set both to serve HTTPS, \
                 or neither for plain HTTP"
            ),
        }
    }

    pub fn header_read_timeout(&self) -> Option<Duration> {
        (self.header_read_timeout_secs > 0)
            .then(|| Duration::from_secs(self.header_read_timeout_secs))
    }

    pub fn shutdown_delay(&self) -> Duration {
        Duration::from_secs(self.shutdown_delay_secs)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}
