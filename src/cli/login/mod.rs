//! `daap login` and `daap logout`: get a token from Entra ID (or any provider laid out like
//! it) and keep it, per server, in the token cache (`cache`), so that later commands need no
//! `--token`. People sign in with a device code; pipelines use client credentials (a client
//! secret given through `DAAP_CLIENT_SECRET`). Expired tokens are renewed when next used.

mod cache;
mod flows;

use anyhow::{Context, bail};
use clap::Args;

pub use cache::{CachedToken, Grant, config_dir};

/// Renew a token this long before it expires, so it does not expire in flight.
const EXPIRY_MARGIN_SECS: i64 = 60;

#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The daap server the token is for (the cache keeps one token per server).
    #[arg(long, env = "DAAP_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,

    /// Entra ID tenant (directory) id; the authority is then
    /// `https://login.microsoftonline.com/<tenant>`.
    #[arg(long, env = "DAAP_TENANT_ID")]
    pub tenant: Option<String>,

    /// The identity provider's authority, when not Entra's public cloud for the tenant: the
    /// token endpoint is `<authority>/oauth2/v2.0/token`, the device code endpoint
    /// `<authority>/oauth2/v2.0/devicecode`.
    #[arg(long, env = "DAAP_AUTHORITY")]
    pub authority: Option<String>,

    /// Client id of the application signing in: the CLI's public client registration (device
    /// code), or the pipeline's own registration (client credentials).
    #[arg(long, env = "DAAP_CLIENT_ID")]
    pub client_id: String,

    /// Client secret of a pipeline's registration: with it, `daap login` uses the client
    /// credentials grant (no person involved). Prefer the environment variable.
    #[arg(long, env = "DAAP_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,

    /// The API: daap's client id or Application ID URI (`api://<client id>`), the same as the
    /// server's DAAP_AUTH_CLIENT_ID. The scope is `<api>/.default` for client credentials,
    /// `<api>/user_impersonation offline_access` for a device code.
    #[arg(long, env = "DAAP_API")]
    pub api: Option<String>,

    /// The scope to ask for, instead of the one derived from --api.
    #[arg(long, env = "DAAP_SCOPE")]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct LogoutArgs {
    /// The daap server whose token to forget.
    #[arg(long, env = "DAAP_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,

    /// Forget the tokens of every server.
    #[arg(long)]
    pub all: bool,
}

impl LoginArgs {
    fn authority(&self) -> anyhow::Result<String> {
        match (&self.authority, &self.tenant) {
            (Some(authority), _) => Ok(authority.trim_end_matches('/').to_owned()),
            (None, Some(tenant)) => Ok(format!("{}/{tenant}", crate::auth::ENTRA_LOGIN_HOST)),
            (None, None) => bail!("say which tenant to sign in to: --tenant (or DAAP_TENANT_ID)"),
        }
    }

    fn scope(&self) -> anyhow::Result<String> {
        if let Some(scope) = &self.scope {
            return Ok(scope.clone());
        }
        let Some(api) = &self.api else {
            bail!("say which API to get a token for: --api (or DAAP_API), daap's client id");
        };
        let api = if api.contains("://") {
            api.trim_end_matches('/').to_owned()
        } else {
            format!("api://{api}")
        };
        Ok(match self.client_secret {
            Some(_) => format!("{api}/.default"),
            None => format!("{api}/user_impersonation offline_access"),
        })
    }
}

pub async fn run_login(args: LoginArgs) -> anyhow::Result<u8> {
    let authority = args.authority()?;
    let scope = args.scope()?;
    let token_endpoint = format!("{authority}/oauth2/v2.0/token");
    let http = crate::auth::http_client()?;
    let (answer, grant) = match args.client_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(secret) => {
            let answer =
                flows::client_credentials(&http, &token_endpoint, &args.client_id, secret, &scope)
                    .await?;
            (answer, Grant::ClientCredentials)
        }
        None => {
            let device_endpoint = format!("{authority}/oauth2/v2.0/devicecode");
            let answer = flows::device_code(
                &http,
                &device_endpoint,
                &token_endpoint,
                &args.client_id,
                &scope,
            )
            .await?;
            (answer, Grant::DeviceCode)
        }
    };
    let entry = CachedToken {
        expires_at: now() + answer.expires_in,
        access_token: answer.access_token,
        refresh_token: answer.refresh_token,
        grant,
        token_endpoint,
        client_id: args.client_id.clone(),
        scope,
    };
    let mut file = cache::load()?;
    let server = cache::server_key(&args.server);
    file.servers.insert(server.clone(), entry);
    let path = cache::save(&file)?;
    println!(
        "Logged in to {server}; the token is kept in {}",
        path.display()
    );
    Ok(super::exit::OK)
}

pub fn run_logout(args: LogoutArgs) -> anyhow::Result<u8> {
    let mut file = cache::load()?;
    let server = cache::server_key(&args.server);
    let forgotten = if args.all {
        let count = file.servers.len();
        file.servers.clear();
        count
    } else {
        usize::from(file.servers.remove(&server).is_some())
    };
    cache::save(&file)?;
    match (args.all, forgotten) {
        (true, n) => println!("Logged out of {n} servers"),
        (false, 0) => println!("Not logged in to {server}"),
        _ => println!("Logged out of {server}"),
    }
    Ok(super::exit::OK)
}

/// The cached token for `server`, renewed first if it has expired; `None` when `daap login`
/// was never run for it.
pub async fn cached_token(server: &str) -> anyhow::Result<Option<String>> {
    if config_dir().is_err() {
        // No home to keep a cache in (some containers): nobody can have logged in here.
        return Ok(None);
    }
    let mut file = cache::load()?;
    let key = cache::server_key(server);
    let Some(entry) = file.servers.get(&key).cloned() else {
        return Ok(None);
    };
    if entry.expires_at - EXPIRY_MARGIN_SECS > now() {
        return Ok(Some(entry.access_token));
    }
    let renewed = renew(&entry)
        .await
        .with_context(|| format!("the token for {key} has expired and could not be renewed"))?;
    let token = renewed.access_token.clone();
    file.servers.insert(key, renewed);
    cache::save(&file)?;
    Ok(Some(token))
}

async fn renew(entry: &CachedToken) -> anyhow::Result<CachedToken> {
    let http = crate::auth::http_client()?;
    let answer = match (entry.grant, &entry.refresh_token) {
        (Grant::DeviceCode, Some(refresh_token)) => {
            flows::refresh(
                &http,
                &entry.token_endpoint,
                &entry.client_id,
                refresh_token,
                &entry.scope,
            )
            .await?
        }
        (Grant::ClientCredentials, _) => {
            let secret = std::env::var("DAAP_CLIENT_SECRET")
                .ok()
                .filter(|s| !s.is_empty())
                .context(
                    "set DAAP_CLIENT_SECRET (it is never cached), or run `daap login` again",
                )?;
            flows::client_credentials(
                &http,
                &entry.token_endpoint,
                &entry.client_id,
                &secret,
                &entry.scope,
            )
            .await?
        }
        (Grant::DeviceCode, None) => bail!("no refresh token was issued; run `daap login` again"),
    };
    Ok(CachedToken {
        access_token: answer.access_token,
        expires_at: now() + answer.expires_in,
        // A provider may rotate the refresh token; keep the old one if it did not.
        refresh_token: answer.refresh_token.or_else(|| entry.refresh_token.clone()),
        ..entry.clone()
    })
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
