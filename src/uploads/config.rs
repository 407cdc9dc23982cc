//! Upload settings of `daap serve`. With no bucket, uploads land in the local store under the
//! data directory; with one, in S3, signed with credentials from the AWS default chain.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use clap::{ArgAction, Args};

use super::local::LocalStore;
use super::policy::Encryption;
use super::s3::{S3Settings, S3Store};
use super::{MAX_EXPIRY, MAX_SINGLE_BYTES, MIN_PART_BYTES, Store, UploadSettings, Uploads};

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// S3 bucket uploads land in (under `landing/`). Unset: files land in the local store,
    /// `<data dir>/uploads`, received by daap itself.
    #[arg(long, env = "DAAP_UPLOAD_BUCKET")]
    pub upload_bucket: Option<String>,

    /// AWS region of the bucket (default: the SDK's, from `AWS_REGION` or the profile).
    #[arg(long, env = "DAAP_UPLOAD_REGION")]
    pub upload_region: Option<String>,

    /// S3 endpoint override, for S3-compatible stores or a VPC endpoint, e.g.
    /// `http://127.0.0.1:9000`.
    #[arg(long, env = "DAAP_UPLOAD_ENDPOINT_URL")]
    pub upload_endpoint_url: Option<String>,

    /// Address the bucket in the URL path instead of the host name (most S3-compatible stores).
    #[arg(long, env = "DAAP_UPLOAD_PATH_STYLE", default_value_t = false, action = ArgAction::Set)]
    pub upload_path_style: bool,

    /// How long a presigned form or part URL is valid, in seconds (at most 3600).
    #[arg(long, env = "DAAP_UPLOAD_EXPIRY_SECS", default_value_t = 300)]
    pub upload_expiry_secs: u64,

    /// KMS key (id, alias or ARN) to encrypt uploads with (SSE-KMS); unset: SSE-S3 (AES256).
    #[arg(long, env = "DAAP_UPLOAD_KMS_KEY_ID")]
    pub upload_kms_key_id: Option<String>,

    /// Part size of multipart uploads in bytes (at least 5 MiB, S3's smallest part); raised
    /// automatically for files that would need more than 10,000 parts.
    #[arg(long, env = "DAAP_UPLOAD_PART_SIZE_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub upload_part_size_bytes: u64,
}

impl UploadArgs {
    /// The settings, checked: an expiry of 1 s to 1 h, a part size of 5 MiB to 5 GiB.
    pub fn settings(&self) -> anyhow::Result<UploadSettings> {
        let expiry = Duration::from_secs(self.upload_expiry_secs);
        anyhow::ensure!(
            !expiry.is_zero() && expiry <= MAX_EXPIRY,
            "DAAP_UPLOAD_EXPIRY_SECS must be between 1 and {}",
            MAX_EXPIRY.as_secs()
        );
        anyhow::ensure!(
            (MIN_PART_BYTES..=MAX_SINGLE_BYTES).contains(&self.upload_part_size_bytes),
            "DAAP_UPLOAD_PART_SIZE_BYTES must be between {MIN_PART_BYTES} (5 MiB) and \
             {MAX_SINGLE_BYTES} (5 GiB)"
        );
        Ok(UploadSettings {
            expiry,
            part_size: self.upload_part_size_bytes,
        })
    }

    /// The configured store: S3 when a bucket is set, otherwise the local store of `data_dir`.
    pub async fn uploads(&self, data_dir: &Path) -> anyhow::Result<Uploads> {
        let settings = self.settings()?;
        let store = match &self.upload_bucket {
            None => {
                let local = LocalStore::open(data_dir)?;
                tracing::info!(directory = %local.root().display(), "uploads: local store (no DAAP_UPLOAD_BUCKET)");
                Store::Local(local)
            }
            Some(bucket) => Store::S3(self.s3_store(bucket).await?),
        };
        Ok(Uploads { settings, store })
    }

    /// The bucket, with the region and credentials of the AWS default chain (environment,
    /// profile, web identity as with Kubernetes service-account roles, ECS, instance metadata).
    async fn s3_store(&self, bucket: &str) -> anyhow::Result<S3Store> {
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut loader =
            aws_config::defaults(BehaviorVersion::v2026_01_12()).http_client(http_client);
        if let Some(region) = &self.upload_region {
            loader = loader.region(Region::new(region.clone()));
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.as_ref().to_owned())
            .context("no AWS region for the upload bucket: set DAAP_UPLOAD_REGION or AWS_REGION")?;
        let provider = config
            .credentials_provider()
            .context("the AWS SDK found no credentials provider for uploads")?;
        let encryption = match &self.upload_kms_key_id {
            Some(key_id) if !key_id.is_empty() => Encryption::Kms {
                key_id: key_id.clone(),
            },
            _ => Encryption::Aes256,
        };
        let settings = S3Settings {
            bucket: bucket.to_owned(),
            region,
            endpoint_url: self.upload_endpoint_url.clone(),
            path_style: self.upload_path_style,
            encryption,
        };
        tracing::info!(bucket, region = %settings.region, encryption = settings.encryption.algorithm(), "uploads: S3 landing bucket");
        S3Store::new(settings, provider)
    }
}
