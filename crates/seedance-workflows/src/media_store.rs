//! Publishing local media through the user's own object storage.
//!
//! apimart has an upload endpoint for images only, so a local reference
//! video or audio clip is published to a bucket the user names
//! (`s3://bucket/prefix` — S3 and compatibles such as R2 and MinIO —,
//! `gs://bucket/prefix`, `az://container/prefix`), with the credentials of
//! that provider's standard environment and files as `object_store` reads
//! them, and sent as a time-limited signed GET URL. Keys are content
//! addressed (`prefix/<sha256>.<ext>`): a file already there with the same
//! size is not uploaded again. The signed URL goes only into the request
//! body; the bucket never sees the apimart key and apimart never sees the
//! bucket's credentials. Nothing here logs or stores a credential.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use object_store::path::Path as Key;
use object_store::signer::Signer;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::records::UploadRecord;

/// The environment variable that names the media store.
pub const MEDIA_STORE_ENV: &str = "SEEDANCE_MEDIA_STORE";

/// How long a signed URL lives unless told otherwise: long enough for a
/// task that queues, and for a chain's later segments.
pub const DEFAULT_LINK_TTL: Duration = Duration::from_secs(24 * 3600);

/// Why publishing to the media store failed. Messages name the store (its
/// URL, never a credential).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL is not one this client can publish to.
    #[error("media store {url}: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bucket (or container) does not exist.
    #[error("{store}: the bucket does not exist ({detail})")]
    BucketMissing {
        /// The store.
        store: String,
        /// The provider's words.
        detail: String,
    },
    /// The credentials were refused for this bucket.
    #[error("{store}: access denied ({detail}); check the credentials' permissions on the bucket")]
    AccessDenied {
        /// The store.
        store: String,
        /// The provider's words.
        detail: String,
    },
    /// No usable credentials, or expired ones.
    #[error("{store}: the credentials are missing, invalid or expired ({detail})")]
    Credentials {
        /// The store.
        store: String,
        /// The provider's words.
        detail: String,
    },
    /// The store could not be reached, or failed.
    #[error("{store}: {detail}")]
    Network {
        /// The store.
        store: String,
        /// What happened.
        detail: String,
    },
    /// The local file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// A bucket (with a key prefix) that local media is published to.
#[derive(Clone)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    signer: Arc<dyn Signer>,
    prefix: Key,
    display: String,
    ttl: Duration,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStore")
            .field("store", &self.display)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl MediaStore {
    /// A store from its URL (`s3://bucket/prefix`, `gs://...`, `az://...`),
    /// configured from the provider's standard environment (for S3:
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL` for compatibles, `AWS_ALLOW_HTTP`).
    pub fn from_url(url: &str) -> Result<MediaStore, StoreError> {
        MediaStore::from_url_with(url, &[])
    }

    /// [`MediaStore::from_url`] with explicit settings over the
    /// environment's, by the provider's configuration key
    /// (`aws_endpoint`, `aws_access_key_id`, `aws_region`,
    /// `google_service_account`, `azure_storage_account_key`...). An
    /// unknown key is an error naming it; values are never shown.
    pub fn from_url_with(url: &str, settings: &[(&str, &str)]) -> Result<MediaStore, StoreError> {
        let bad = |reason: &str| StoreError::BadUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            bad("expected s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or az://CONTAINER/PREFIX")
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket named"));
        }
        let root = format!("{scheme}://{bucket}");
        let built = |e: object_store::Error| bad(&e.to_string());
        let (store, signer): (Arc<dyn ObjectStore>, Arc<dyn Signer>) = match scheme {
            "s3" | "s3a" => {
                let mut b = object_store::aws::AmazonS3Builder::from_env().with_url(&root);
                for (k, v) in settings {
                    let key = k
                        .parse()
                        .map_err(|_| bad(&format!("unknown S3 setting `{k}`")))?;
                    b = b.with_config(key, *v);
                }
                let s3 = b.build().map_err(built)?;
                let s3 = Arc::new(s3);
                (s3.clone(), s3)
            }
            "gs" => {
                let mut b =
                    object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(&root);
                for (k, v) in settings {
                    let key = k
                        .parse()
                        .map_err(|_| bad(&format!("unknown GCS setting `{k}`")))?;
                    b = b.with_config(key, *v);
                }
                let gcs = b.build().map_err(built)?;
                let gcs = Arc::new(gcs);
                (gcs.clone(), gcs)
            }
            "az" | "azure" | "abfs" | "abfss" => {
                let mut b = object_store::azure::MicrosoftAzureBuilder::from_env().with_url(&root);
                for (k, v) in settings {
                    let key = k
                        .parse()
                        .map_err(|_| bad(&format!("unknown Azure setting `{k}`")))?;
                    b = b.with_config(key, *v);
                }
                let az = b.build().map_err(built)?;
                let az = Arc::new(az);
                (az.clone(), az)
            }
            _ => {
                return Err(bad(
                    "only s3://, gs:// and az:// stores can sign URLs the service can fetch",
                ));
            }
        };
        Ok(MediaStore {
            store,
            signer,
            prefix: Key::from(prefix.trim_matches('/')),
            display: url.trim_end_matches('/').to_owned(),
            ttl: DEFAULT_LINK_TTL,
        })
    }

    /// The same store, signing URLs valid for `ttl`.
    pub fn with_ttl(mut self, ttl: Duration) -> MediaStore {
        self.ttl = ttl;
        self
    }

    /// How long signed URLs live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The store's URL, for messages (never a credential).
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Where a file with this digest and extension is kept.
    pub fn key_for(&self, sha256: &str, ext: &str) -> String {
        self.key(sha256, ext).to_string()
    }

    fn key(&self, sha256: &str, ext: &str) -> Key {
        let name = if ext.is_empty() {
            sha256.to_owned()
        } else {
            format!("{sha256}.{ext}")
        };
        self.prefix.clone().join(name)
    }

    fn error(&self, e: object_store::Error) -> StoreError {
        let store = self.display.clone();
        let text = e.to_string();
        // S3-style providers answer with an XML error document: its
        // `<Code>` says what happened, its `<Message>` why, in one line.
        // Decided by those fields and the error's kind, never by the
        // wording of our own messages.
        let code = xml_field(&text, "Code");
        let detail = match (&code, xml_field(&text, "Message")) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            _ => one_line(&text),
        };
        match (e, code.as_deref()) {
            (object_store::Error::PermissionDenied { .. }, _) | (_, Some("AccessDenied")) => {
                StoreError::AccessDenied { store, detail }
            }
            (object_store::Error::Unauthenticated { .. }, _)
            | (_, Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken")) => {
                StoreError::Credentials { store, detail }
            }
            // A write or a listing answered 404: the object cannot be
            // missing, so the bucket is.
            (object_store::Error::NotFound { .. }, _) | (_, Some("NoSuchBucket")) => {
                StoreError::BucketMissing { store, detail }
            }
            _ => StoreError::Network { store, detail },
        }
    }

    /// Publishes `path` (whose content hashes to `sha256`): uploaded unless
    /// the store already holds it with the same size, then signed for the
    /// store's TTL from `now` (unix seconds).
    pub async fn publish(
        &self,
        path: &Path,
        sha256: &str,
        ext: &str,
        now: i64,
    ) -> Result<UploadRecord, StoreError> {
        let key = self.key(sha256, ext);
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?
            .len();
        let present = match self.store.head(&key).await {
            Ok(meta) => meta.size == size,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(e) => return Err(self.error(e)),
        };
        if !present {
            let owned = path.to_owned();
            let bytes = tokio::task::spawn_blocking(move || std::fs::read(owned))
                .await
                .map_err(|e| StoreError::Io {
                    path: path.to_owned(),
                    source: std::io::Error::other(e),
                })?
                .map_err(|source| StoreError::Io {
                    path: path.to_owned(),
                    source,
                })?;
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| self.error(e))?;
            tracing::info!(file = %path.display(), store = %self.display, "published");
        }
        let url = self
            .signer
            .signed_url(object_store::signer::Method::GET, &key, self.ttl)
            .await
            .map_err(|e| self.error(e))?;
        Ok(UploadRecord {
            file: path.display().to_string(),
            url: url.to_string(),
            expires_at: now + self.ttl.as_secs() as i64,
            bytes: size,
            store: Some(self.display.clone()),
        })
    }

    /// Whether the store already holds `key` (for dry runs and tests).
    pub async fn contains(&self, sha256: &str, ext: &str) -> Result<Option<u64>, StoreError> {
        match self.store.head(&self.key(sha256, ext)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }
}

/// The text of the first `<name>...</name>` element of a provider's XML
/// error document, trimmed, when there is one.
fn xml_field(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    let value = text[start..end].trim();
    (!value.is_empty()).then(|| value.chars().take(200).collect())
}

/// A provider's message on one line, without anything that looks like a
/// URL with a query (signatures), at most 300 characters.
fn one_line(text: &str) -> String {
    let line: String = text
        .split_whitespace()
        .map(|w| {
            if w.contains('?') && w.contains("://") {
                "<url>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    line.chars().take(300).collect()
}

#[cfg(test)]
mod error_text_tests {
    use super::{one_line, xml_field};

    #[test]
    fn a_providers_xml_error_becomes_its_code_and_message() {
        let body = "Generic S3 error: Error performing PUT http://127.0.0.1:5555/b/k in 1ms - Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>";
        assert_eq!(xml_field(body, "Code").as_deref(), Some("NoSuchBucket"));
        assert_eq!(
            xml_field(body, "Message").as_deref(),
            Some("The specified bucket does not exist")
        );
        assert_eq!(xml_field("no xml here", "Code"), None);
        assert_eq!(one_line("a\n b https://x/y?sig=1 c"), "a b <url> c");
    }
}
