//! The OAuth 2.0 grants `daap login` uses against Entra ID (or any provider with the same
//! endpoints): client credentials (RFC 6749 §4.4) for pipelines, the device authorization
//! grant (RFC 8628) for people at a terminal, and refresh tokens to renew the latter.

use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

/// A token endpoint's successful answer.
#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default = "default_lifetime")]
    pub expires_in: i64,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

fn default_lifetime() -> i64 {
    3600
}

/// A token endpoint's refusal (RFC 6749 §5.2).
#[derive(Debug, Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The device authorization endpoint's answer (RFC 8628 §3.2).
#[derive(Debug, Deserialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    message: Option<String>,
    expires_in: u64,
    #[serde(default = "default_interval")]
    interval: u64,
}

fn default_interval() -> u64 {
    5
}

/// What an endpoint answered: a token, or the provider's error code and description.
enum Outcome {
    Token(TokenAnswer),
    Refused(TokenError),
}

async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(u16, String)> {
    let body = serde_urlencoded::to_string(form)?;
    let response = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .with_context(|| format!("could not reach the identity provider at {url}"))?;
    let status = response.status().as_u16();
    Ok((status, response.text().await.unwrap_or_default()))
}

async fn token_request(
    http: &reqwest::Client,
    token_endpoint: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<Outcome> {
    let (status, text) = post_form(http, token_endpoint, form).await?;
    if (200..300).contains(&status) {
        let answer = serde_json::from_str(&text).with_context(|| {
            format!("the identity provider answered {token_endpoint} without a token")
        })?;
        return Ok(Outcome::Token(answer));
    }
    match serde_json::from_str::<TokenError>(&text) {
        Ok(error) => Ok(Outcome::Refused(error)),
        Err(_) => bail!("the identity provider answered {status} at {token_endpoint}"),
    }
}

fn refused(error: TokenError) -> anyhow::Error {
    anyhow::anyhow!(
        "the identity provider refused: {}{}",
        error.error,
        error
            .error_description
            .map(|d| format!(" ({})", d.lines().next().unwrap_or_default()))
            .unwrap_or_default()
    )
}

/// A token for the application itself, with its client secret.
pub async fn client_credentials(
    http: &reqwest::Client,
    token_endpoint: &str,
    client_id: &str,
    client_secret: &str,
    scope: &str,
) -> anyhow::Result<TokenAnswer> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("scope", scope),
    ];
    match token_request(http, token_endpoint, &form).await? {
        Outcome::Token(token) => Ok(token),
        Outcome::Refused(error) => Err(refused(error)),
    }
}

/// A new access token from a refresh token.
pub async fn refresh(
    http: &reqwest::Client,
    token_endpoint: &str,
    client_id: &str,
    refresh_token: &str,
    scope: &str,
) -> anyhow::Result<TokenAnswer> {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", refresh_token),
        ("scope", scope),
    ];
    match token_request(http, token_endpoint, &form).await? {
        Outcome::Token(token) => Ok(token),
        Outcome::Refused(error) => Err(refused(error)),
    }
}

/// Sign a person in: show the code and where to enter it (on stderr), then poll the token
/// endpoint at the interval the provider asks for until they have, or the code expires.
pub async fn device_code(
    http: &reqwest::Client,
    device_endpoint: &str,
    token_endpoint: &str,
    client_id: &str,
    scope: &str,
) -> anyhow::Result<TokenAnswer> {
    let (status, text) = post_form(
        http,
        device_endpoint,
        &[("client_id", client_id), ("scope", scope)],
    )
    .await?;
    if !(200..300).contains(&status) {
        return Err(match serde_json::from_str::<TokenError>(&text) {
            Ok(error) => refused(error),
            Err(_) => {
                anyhow::anyhow!("the identity provider answered {status} at {device_endpoint}")
            }
        });
    }
    let device: DeviceAuthorization = serde_json::from_str(&text)
        .with_context(|| format!("{device_endpoint} did not answer a device code"))?;
    eprintln!(
        "{}",
        device.message.clone().unwrap_or_else(|| format!(
            "To sign in, open {} and enter the code {}",
            device.verification_uri, device.user_code
        ))
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(device.expires_in);
    let mut interval = Duration::from_secs(device.interval.max(1));
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", client_id),
        ("device_code", device.device_code.as_str()),
    ];
    loop {
        tokio::time::sleep(interval).await;
        match token_request(http, token_endpoint, &form).await? {
            Outcome::Token(token) => return Ok(token),
            Outcome::Refused(error) if error.error == "authorization_pending" => {}
            Outcome::Refused(error) if error.error == "slow_down" => {
                interval += Duration::from_secs(5);
            }
            Outcome::Refused(error) => return Err(refused(error)),
        }
        if std::time::Instant::now() >= deadline {
            bail!("the sign-in code expired before it was used; run `daap login` again");
        }
    }
}
