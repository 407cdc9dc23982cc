//! The Glue client: settings, construction from the AWS default credential chain, and how SDK
//! errors become [`DeliveryError`]s.

use std::fmt;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_glue::config::Credentials;
use aws_sdk_glue::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

use super::mapping::CuratedLocation;
use crate::sync::target::DeliveryError;

/// How daap reaches the Glue catalogue.
#[derive(Debug, Clone)]
pub struct GlueSettings {
    /// AWS region of the catalogue; `None` takes it from the environment (`AWS_REGION`, the
    /// profile), as the SDK's default chain does.
    pub region: Option<String>,
    /// Send requests here instead of the regional Glue endpoint (tests, VPC endpoints).
    pub endpoint_url: Option<String>,
    /// Base of the curated data, `s3://bucket` or `s3://bucket/prefix`; a table's data is
    /// under `<base>/<product>/v<major>/<table>/`.
    pub curated_location: String,
    /// Fixed credentials instead of the default chain (environment, profile, web identity
    /// (Kubernetes IRSA), ECS, instance metadata). For tests against a local stand-in.
    pub static_credentials: Option<StaticCredentials>,
}

impl GlueSettings {
    /// Settings that use the default credential chain and the regional endpoint.
    pub fn new(region: Option<String>, curated_location: impl Into<String>) -> Self {
        Self {
            region,
            endpoint_url: None,
            curated_location: curated_location.into(),
            static_credentials: None,
        }
    }
}

/// An access key pair. `Debug` does not show the secret.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .finish()
    }
}

/// Why the Glue target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GlueSetupError {
    #[error("{0}")]
    CuratedLocation(String),
    #[error("no AWS region for Glue: set one in the settings or in the environment (AWS_REGION)")]
    NoRegion,
}

pub(super) fn parse_location(settings: &GlueSettings) -> Result<CuratedLocation, GlueSetupError> {
    CuratedLocation::parse(&settings.curated_location).map_err(GlueSetupError::CuratedLocation)
}

/// A Glue client for `settings`. The HTTPS client is rustls on *ring* (the provider the rest of
/// daap uses) trusting the system's root certificates, as the SDK's own default does.
pub(super) async fn build(settings: &GlueSettings) -> Result<aws_sdk_glue::Client, GlueSetupError> {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    // Pinned rather than `latest()`, so that upgrading the SDK cannot silently change retry
    // and timeout defaults.
    let mut loader = aws_config::defaults(BehaviorVersion::v2026_01_12()).http_client(http_client);
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(keys) = &settings.static_credentials {
        loader = loader.credentials_provider(Credentials::new(
            &keys.access_key_id,
            &keys.secret_access_key,
            None,
            None,
            "daap-static",
        ));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(GlueSetupError::NoRegion);
    }
    Ok(aws_sdk_glue::Client::new(&config))
}

/// The service's error code (`EntityNotFoundException`, ...) if Glue answered with one.
pub(super) fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(ProvideErrorMetadata::code)
}

/// Codes Glue (or the AWS front end) answers with when a later attempt may pass.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ConcurrentModificationException",
    "InternalServiceException",
    "InternalFailure",
    "ServiceUnavailable",
    "OperationTimeoutException",
    "ResourceNotReadyException",
    "FederationSourceRetryableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

pub(super) fn is_transient_code(code: &str) -> bool {
    TRANSIENT_CODES.contains(&code)
}

/// `err` (from `action`, e.g. `CreateTable hmpps_v1.incidents`) as a delivery error: network
/// failures, timeouts, throttling and 5xx are transient; a request Glue refused (invalid
/// input, access denied, a quota) is permanent.
pub(super) fn delivery_error<E>(action: &str, err: SdkError<E>) -> DeliveryError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let transient = match &err {
        SdkError::ConstructionFailure(_) => false,
        SdkError::DispatchFailure(failure) => !failure.is_user(),
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            status >= 500 || status == 429 || error_code(&err).is_some_and(is_transient_code)
        }
        _ => true,
    };
    let message = format!("Glue {action}: {}", DisplayErrorContext(&err));
    if transient {
        DeliveryError::Transient(message)
    } else {
        DeliveryError::Permanent(message)
    }
}
