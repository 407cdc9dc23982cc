//! The token cache: one JSON file, readable by its owner only (0600, in a 0700 directory), at
//! `$XDG_CONFIG_HOME/daap/tokens.json` (or `~/.config/daap/tokens.json`), with one entry per
//! server. A file rather than the OS keyring: a keyring crate would bring D-Bus libraries into
//! a server binary, and CI runners have no keyring anyway.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// How a token was obtained, and so how it is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// A person signed in with a device code; renewed with the refresh token.
    DeviceCode,
    /// A pipeline with a client secret; renewed when the secret is in `DAAP_CLIENT_SECRET`.
    ClientCredentials,
}

/// A cached token for one server and what renewing it needs (never a client secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    pub access_token: String,
    /// Unix time (seconds) when the access token expires.
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub grant: Grant,
    pub token_endpoint: String,
    pub client_id: String,
    pub scope: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TokenFile {
    #[serde(default)]
    pub servers: BTreeMap<String, CachedToken>,
}

/// `$XDG_CONFIG_HOME/daap`, or `$HOME/.config/daap`.
pub fn config_dir() -> anyhow::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|home| PathBuf::from(home).join(".config"))
            .context("neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep the token")?,
    };
    Ok(base.join("daap"))
}

pub fn path() -> anyhow::Result<PathBuf> {
    Ok(config_dir()?.join("tokens.json"))
}

/// The cache as it is on disk (empty when there is no file yet).
pub fn load() -> anyhow::Result<TokenFile> {
    let path = path()?;
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a daap token cache; delete it and run `daap login`",
                path.display()
            )
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
        Err(error) => Err(error).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Write the cache: a new 0600 file renamed over the old one, so a reader never sees half a
/// file and the token is never readable by others, not even for a moment.
pub fn save(file: &TokenFile) -> anyhow::Result<PathBuf> {
    let dir = config_dir()?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("could not create {}", dir.display()))?;
    let path = dir.join("tokens.json");
    let temporary = dir.join(format!(".tokens.json.{}", std::process::id()));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("could not write {}", temporary.display()))?;
    out.write_all(&serde_json::to_vec_pretty(file)?)?;
    out.sync_all()?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("could not write {}", path.display()))?;
    Ok(path)
}

/// The key of a server in the cache: its URL without a trailing slash.
pub fn server_key(server: &str) -> String {
    server.trim_end_matches('/').to_owned()
}
