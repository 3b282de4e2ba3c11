//! Streaming a result URL to a file: a temporary file beside the target,
//! size checked against `Content-Length`, fsync, then an atomic rename, so a
//! file at the target path is always complete.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use super::{Client, ClientError};
use crate::error::{TransportError, TransportErrorKind};

/// A completed download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ClientError + '_ {
    move |source| ClientError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A temporary file that is removed unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Client {
    /// Streams `url` into `dest`. `expires_at` (unix seconds), when known,
    /// turns a download past expiry into [`ClientError::Expired`] without a
    /// request, and a refusal after expiry into the same error. Interrupted
    /// or short downloads are retried; nothing partial is left at `dest`.
    pub async fn download(
        &self,
        url: &str,
        dest: &Path,
        expires_at: Option<i64>,
    ) -> Result<Download, ClientError> {
        let started = Instant::now();
        let mut retry = 0u32;
        loop {
            if let Some(e) = expires_at.filter(|e| self.unix_now() >= *e) {
                return Err(ClientError::Expired { expires_at: e });
            }
            let error = match self.download_once(url, dest).await {
                Ok(d) => return Ok(d),
                Err(ClientError::MediaUnavailable { status })
                    if matches!(status, 403 | 404 | 410)
                        && expires_at.is_some_and(|e| self.unix_now() >= e) =>
                {
                    return Err(ClientError::Expired {
                        expires_at: expires_at.unwrap_or_default(),
                    });
                }
                Err(e @ (ClientError::Transport { .. } | ClientError::LengthMismatch { .. })) => e,
                Err(ClientError::MediaUnavailable { status }) if status == 429 || status >= 500 => {
                    ClientError::MediaUnavailable { status }
                }
                Err(e) => return Err(e),
            };
            let delay = self.config.retry.delay(retry, None, self.jitter());
            if !self.config.retry.allows(retry, started.elapsed(), delay) {
                return Err(error);
            }
            tracing::warn!(retry = retry + 1, error = %error, "retrying download");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn download_once(&self, url: &str, dest: &Path) -> Result<Download, ClientError> {
        let timeout = self.config.request_timeout;
        let response = match tokio::time::timeout(timeout, self.transport.fetch(url)).await {
            Ok(r) => r.map_err(|source| ClientError::Transport { source })?,
            Err(_) => {
                return Err(ClientError::Transport {
                    source: TransportError::new(
                        TransportErrorKind::TimeoutAfterSend,
                        "no media response in time",
                    ),
                });
            }
        };
        if response.status != 200 {
            return Err(ClientError::MediaUnavailable {
                status: response.status,
            });
        }
        let limit = self.config.max_download_bytes;
        if response.content_length.is_some_and(|l| l > limit) {
            return Err(ClientError::TooLarge { limit });
        }
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(io_error(dir))?;
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut temp = TempFile {
            path: dir.join(format!(
                ".{file_name}.{:08x}.part",
                (self.jitter() * f64::from(u32::MAX)) as u32
            )),
            keep: false,
        };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp.path)
            .await
            .map_err(io_error(&temp.path))?;
        let mut writer = tokio::io::BufWriter::with_capacity(1 << 20, file);
        let mut hasher = Sha256::new();
        let mut received = 0u64;
        let mut body = response.body;
        let idle = self.config.download_idle_timeout;
        loop {
            let chunk = match tokio::time::timeout(idle, body.next()).await {
                Err(_) => {
                    return Err(ClientError::Transport {
                        source: TransportError::new(
                            TransportErrorKind::BodyInterrupted,
                            format!("no data for {}", fmt_duration(idle)),
                        ),
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(source))) => return Err(ClientError::Transport { source }),
                Ok(Some(Ok(chunk))) => chunk,
            };
            received += chunk.len() as u64;
            if received > limit {
                return Err(ClientError::TooLarge { limit });
            }
            if let Some(expected) = response.content_length.filter(|e| received > *e) {
                return Err(ClientError::LengthMismatch { expected, received });
            }
            hasher.update(&chunk);
            writer
                .write_all(&chunk)
                .await
                .map_err(io_error(&temp.path))?;
        }
        if let Some(expected) = response.content_length.filter(|e| received != *e) {
            return Err(ClientError::LengthMismatch { expected, received });
        }
        writer.flush().await.map_err(io_error(&temp.path))?;
        let file = writer.into_inner();
        file.sync_all().await.map_err(io_error(&temp.path))?;
        drop(file);
        tokio::fs::rename(&temp.path, dest)
            .await
            .map_err(io_error(dest))?;
        temp.keep = true;
        // Make the rename itself durable (best effort: not every platform
        // can open a directory).
        if let Ok(d) = tokio::fs::File::open(dir).await {
            let _ = d.sync_all().await;
        }
        Ok(Download {
            path: dest.to_owned(),
            bytes: received,
            sha256: hex(&hasher.finalize()),
        })
    }
}

fn fmt_duration(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
