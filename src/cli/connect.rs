//! Where a client command sends its requests and with which token: `--server` and `--token`
//! (or `DAAP_SERVER` and `DAAP_TOKEN`, for CI) win; without a token, the one `daap login`
//! cached for that server is used (renewed first if it has expired).

use clap::Args;

use super::ApiClient;
use super::login;

#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// The daap server.
    #[arg(long, env = "DAAP_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,

    /// Bearer token for daap; without it, the token `daap login` cached for the server (none
    /// is needed when the server runs without authentication).
    #[arg(long, env = "DAAP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

impl ConnectArgs {
    /// A client for the server, with the token to use.
    pub async fn client(&self) -> anyhow::Result<ApiClient> {
        let token = match self.token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => Some(token.to_owned()),
            None => login::cached_token(&self.server).await?,
        };
        ApiClient::new(&self.server, token)
    }
}
