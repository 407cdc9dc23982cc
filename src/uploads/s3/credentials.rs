//! Credentials from the provider (the AWS default chain), kept between signatures.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use time::OffsetDateTime;

use crate::uploads::UploadError;
use crate::uploads::sigv4::Keys;

/// Credentials are renewed when they would expire within the validity asked for plus this.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// The credentials of the provider, kept until shortly before they expire: the default chain
/// may fetch them over the network (web identity, ECS, instance metadata).
pub(super) struct CredentialCache {
    pub(super) provider: SharedCredentialsProvider,
    pub(super) current: tokio::sync::Mutex<Option<Credentials>>,
}

impl CredentialCache {
    /// Keys valid for at least `needed` if the provider can give such, and when they expire.
    pub(super) async fn keys(
        &self,
        needed: Duration,
    ) -> Result<(Keys, Option<OffsetDateTime>), UploadError> {
        let mut current = self.current.lock().await;
        let deadline = SystemTime::now() + needed + RENEW_MARGIN;
        let fresh = current
            .as_ref()
            .is_some_and(|c| c.expiry().is_none_or(|expiry| expiry > deadline));
        if !fresh {
            let credentials = self.provider.provide_credentials().await.map_err(|error| {
                // The error names the provider that failed, never a secret.
                tracing::warn!(error = %error_chain(&error), "no AWS credentials for uploads");
                UploadError::Unavailable(
                    "daap has no AWS credentials to sign uploads with right now".to_owned(),
                )
            })?;
            *current = Some(credentials);
        }
        let credentials = current.as_ref().expect("just set");
        Ok((
            Keys {
                access_key_id: credentials.access_key_id().to_owned(),
                secret_access_key: credentials.secret_access_key().to_owned(),
                session_token: credentials.session_token().map(str::to_owned),
            },
            credentials.expiry().map(OffsetDateTime::from),
        ))
    }
}

/// A credentials error with its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
