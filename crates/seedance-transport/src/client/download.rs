//! Streaming a result URL to a file.
//!
//! The network read runs on the async task. Each megabyte read goes to two
//! blocking tasks at once: one writes it (decoding a `Content-Encoding` and
//! checking the media structure on the way), the other hashes it, while the
//! next megabyte is read. So neither the disk nor the hash slows the socket
//! down, the two share the machine's cores, and no blocking I/O touches a
//! worker thread. (A compressed body is hashed after decoding, in the writer.) The file is written under a fresh temporary name (`create_new`:
//! never through an existing path or symlink), checked against
//! `Content-Length`, checked to be the media its name says by its bytes
//! (an HTML page or a truncated MP4 is refused), fsynced, then renamed into
//! place, so a file at the target path is always complete and real.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use seedance_core::media_check::{Expected, MediaCheck, MediaKind};

use seedance_core::digest::{DigestAlgorithm, FileDigest};

use super::digest::DigestStream;
use super::naming::temp_file_name;
use super::retry::{Failed, Verdict};
use super::{Client, ClientError};
use crate::error::{TransportError, TransportErrorKind};

/// A completed download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes (decoded, as on disk).
    pub bytes: u64,
    /// Its digest, with the algorithm of [`ClientConfig::download_digest`]
    /// (BLAKE3 unless asked otherwise), computed as the bytes streamed.
    ///
    /// [`ClientConfig::download_digest`]: super::ClientConfig::download_digest
    pub digest: FileDigest,
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

/// How a body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Deflate,
}

fn encoding(header: Option<&str>) -> Result<Encoding, ClientError> {
    match header.map(|h| h.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "identity") => Ok(Encoding::Identity),
        Some("gzip" | "x-gzip") => Ok(Encoding::Gzip),
        Some("deflate") => Ok(Encoding::Deflate),
        Some(other) => Err(ClientError::UnsupportedEncoding {
            encoding: other.chars().filter(|c| !c.is_control()).take(40).collect(),
        }),
    }
}

/// Decoded bytes go to the file and the media check at once, and to the
/// hash when the body was compressed (otherwise it is hashed alongside).
struct Tee {
    file: std::io::BufWriter<std::fs::File>,
    hasher: Option<DigestStream>,
    check: MediaCheck,
    bytes: u64,
    limit: u64,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        if self.bytes > self.limit {
            return Err(std::io::Error::other(TooLargeMarker));
        }
        if let Some(h) = &mut self.hasher {
            h.update(buf);
        }
        self.check.feed(buf);
        self.file.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[derive(Debug)]
struct TooLargeMarker;

impl std::fmt::Display for TooLargeMarker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("over the download size limit")
    }
}

impl std::error::Error for TooLargeMarker {}

enum Sink {
    Identity(Tee),
    Gzip(flate2::write::GzDecoder<Tee>),
    Deflate(flate2::write::ZlibDecoder<Tee>),
}

impl Sink {
    fn write_all(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Identity(t) => t.write_all(chunk),
            Sink::Gzip(d) => d.write_all(chunk),
            Sink::Deflate(d) => d.write_all(chunk),
        }
    }

    fn finish(self) -> std::io::Result<Tee> {
        match self {
            Sink::Identity(t) => Ok(t),
            Sink::Gzip(d) => d.finish(),
            Sink::Deflate(d) => d.finish(),
        }
    }
}

/// What the writer thread made of the body.
struct Written {
    bytes: u64,
    /// Set when the writer hashed (a compressed body).
    digest: Option<FileDigest>,
    kind: Result<MediaKind, seedance_core::media_check::MediaError>,
}

fn new_sink(
    file: std::fs::File,
    encoding: Encoding,
    expected: Expected,
    limit: u64,
    algorithm: DigestAlgorithm,
) -> Sink {
    let tee = Tee {
        file: std::io::BufWriter::with_capacity(1 << 20, file),
        hasher: (encoding != Encoding::Identity).then(|| DigestStream::new(algorithm)),
        check: MediaCheck::new(expected),
        bytes: 0,
        limit,
    };
    match encoding {
        Encoding::Identity => Sink::Identity(tee),
        Encoding::Gzip => Sink::Gzip(flate2::write::GzDecoder::new(tee)),
        Encoding::Deflate => Sink::Deflate(flate2::write::ZlibDecoder::new(tee)),
    }
}

/// The blocking part of the last step: decoder flushed, file fsynced.
fn finish_sink(sink: Sink) -> std::io::Result<Written> {
    let mut tee = sink.finish()?;
    tee.file.flush()?;
    let file = tee.file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(Written {
        bytes: tee.bytes,
        digest: tee.hasher.map(DigestStream::finish),
        kind: tee.check.finish(),
    })
}

/// Bytes gathered before they are handed to a blocking write.
const WRITE_BATCH: usize = 1 << 20;

/// Writes `chunks` into `sink` on the blocking pool; returns the sink.
/// Short tasks, one batch each, so a paused test clock is never held up.
fn write_batch(
    mut sink: Sink,
    chunks: Vec<Bytes>,
) -> tokio::task::JoinHandle<std::io::Result<Sink>> {
    tokio::task::spawn_blocking(move || {
        for c in chunks {
            sink.write_all(&c)?;
        }
        Ok(sink)
    })
}

/// Hashes `chunks` on the blocking pool, alongside their write.
fn hash_batch(
    mut hasher: DigestStream,
    chunks: Vec<Bytes>,
) -> tokio::task::JoinHandle<std::io::Result<DigestStream>> {
    tokio::task::spawn_blocking(move || {
        for c in &chunks {
            hasher.update(c);
        }
        Ok(hasher)
    })
}

/// One batch being written and (for an uncompressed body) hashed.
struct InFlight {
    write: tokio::task::JoinHandle<std::io::Result<Sink>>,
    hash: Option<tokio::task::JoinHandle<std::io::Result<DigestStream>>>,
}

async fn joined<T>(h: tokio::task::JoinHandle<std::io::Result<T>>) -> std::io::Result<T> {
    h.await
        .map_err(|e| std::io::Error::other(format!("the download writer stopped: {e}")))?
}

impl Client {
    /// Whether the media host still serves `url` (a GET without the key;
    /// the body is not read).
    pub async fn url_is_live(&self, url: &str) -> bool {
        if self.holds_inline(url) {
            // An inlined image: sent inside the request, never fetched.
            return true;
        }
        let timeout = self.config.request_timeout;
        matches!(
            tokio::time::timeout(timeout, self.transport.fetch(url)).await,
            Ok(Ok(response)) if response.status == 200
        )
    }

    /// Streams `url` into `dest`. See [`Client::download_first_live`].
    pub async fn download(
        &self,
        url: &str,
        dest: &Path,
        expires_at: Option<i64>,
    ) -> Result<Download, ClientError> {
        self.download_first_live(&[url], dest, expires_at).await
    }

    /// Streams the first of `urls` (mirrors of one file, in the server's
    /// order) that delivers the real file into `dest`. Interrupted, short
    /// or wrong bodies are retried; a URL the media host refuses moves on to
    /// the next. `expires_at` is advisory: the URL is always tried (a local
    /// clock can be off by minutes), and only a refusal (403/404/410) once
    /// the local clock is past it becomes [`ClientError::Expired`]. Nothing
    /// partial is ever left at `dest`.
    pub async fn download_first_live(
        &self,
        urls: &[&str],
        dest: &Path,
        expires_at: Option<i64>,
    ) -> Result<Download, ClientError> {
        let mut last_error = ClientError::MediaUnavailable { status: 404 };
        for (i, url) in urls.iter().enumerate() {
            match self.download_with_retries(url, dest).await {
                Ok(d) => return Ok(d),
                Err(e) => {
                    if i + 1 < urls.len() {
                        tracing::warn!(error = %e, "result URL {} of {} failed; trying the next", i + 1, urls.len());
                    }
                    last_error = e;
                }
            }
        }
        match last_error {
            ClientError::MediaUnavailable {
                status: 403 | 404 | 410,
            } if expires_at.is_some_and(|e| self.unix_now() >= e) => Err(ClientError::Expired {
                expires_at: expires_at.unwrap_or_default(),
            }),
            other => Err(other),
        }
    }

    async fn download_with_retries(&self, url: &str, dest: &Path) -> Result<Download, ClientError> {
        self.retrying("download", &self.config.retry, || async {
            self.download_once(url, dest).await.map_err(|e| {
                let verdict = match &e {
                    // A cut, a padded or short body, a proxy's HTML page:
                    // the file may come whole next time.
                    ClientError::Transport { source } if source.kind().is_transient() => {
                        Verdict::Unusable
                    }
                    ClientError::LengthMismatch { .. } | ClientError::NotMedia { .. } => {
                        Verdict::Unusable
                    }
                    ClientError::MediaUnavailable { status }
                        if *status == 408 || *status == 429 || *status >= 500 =>
                    {
                        Verdict::Backoff
                    }
                    _ => Verdict::Stop,
                };
                Failed::new(e, verdict)
            })
        })
        .await
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
        let encoding = encoding(response.headers.get("content-encoding"))?;
        let limit = self.config.max_download_bytes;
        if response.content_length.is_some_and(|l| l > limit) {
            return Err(ClientError::TooLarge { limit });
        }
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(io_error(&dir))?;
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut temp = TempFile {
            path: dir.join(temp_file_name(&file_name)),
            keep: false,
        };
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp.path)
            .await
            .map_err(io_error(&temp.path))?
            .into_std()
            .await;
        let expected = Expected::for_file_name(&file_name);
        let mut received = 0u64;
        let mut body = response.body;
        let idle = self.config.download_idle_timeout;
        // Writing, decoding, hashing and the media check of one batch run
        // on the blocking pool while the next batch is read.
        let algorithm = self.config.download_digest;
        let mut sink = Some(new_sink(file, encoding, expected, limit, algorithm));
        let mut hasher = (encoding == Encoding::Identity).then(|| DigestStream::new(algorithm));
        let mut in_flight: Option<InFlight> = None;
        let mut batch: Vec<Bytes> = Vec::new();
        let mut batched = 0usize;
        let mut write_error: Option<std::io::Error> = None;
        let read_result = loop {
            let chunk = match tokio::time::timeout(idle, body.next()).await {
                Err(_) => {
                    break Err(ClientError::Transport {
                        source: TransportError::new(
                            TransportErrorKind::BodyInterrupted,
                            format!("no data for {:.1} s", idle.as_secs_f64()),
                        ),
                    });
                }
                Ok(None) => break Ok(()),
                Ok(Some(Err(source))) => break Err(ClientError::Transport { source }),
                Ok(Some(Ok(chunk))) => chunk,
            };
            received += chunk.len() as u64;
            if received > limit {
                break Err(ClientError::TooLarge { limit });
            }
            if let Some(expected) = response.content_length.filter(|e| received > *e) {
                break Err(ClientError::LengthMismatch { expected, received });
            }
            batched += chunk.len();
            batch.push(chunk);
            if batched >= WRITE_BATCH {
                if let Some(f) = in_flight.take() {
                    let done = async {
                        sink = Some(joined(f.write).await?);
                        if let Some(h) = f.hash {
                            hasher = Some(joined(h).await?);
                        }
                        Ok::<(), std::io::Error>(())
                    };
                    if let Err(e) = done.await {
                        // Reported below, as the write's error.
                        write_error = Some(e);
                        break Ok(());
                    }
                }
                if let Some(s) = sink.take() {
                    let chunks = std::mem::take(&mut batch);
                    let hash = hasher.take().map(|h| hash_batch(h, chunks.clone()));
                    in_flight = Some(InFlight {
                        write: write_batch(s, chunks),
                        hash,
                    });
                }
                batched = 0;
            }
        };
        // The rest of the body, then the end of the file.
        let written: std::io::Result<Written> = async {
            if let Some(e) = write_error {
                return Err(e);
            }
            if let Some(f) = in_flight.take() {
                sink = Some(joined(f.write).await?);
                if let Some(h) = f.hash {
                    hasher = Some(joined(h).await?);
                }
            }
            let s = sink
                .take()
                .ok_or_else(|| std::io::Error::other("a write failed"))?;
            let rest = std::mem::take(&mut batch);
            let hash = hasher.take().map(|h| hash_batch(h, rest.clone()));
            let s = joined(write_batch(s, rest)).await?;
            let mut written = joined(tokio::task::spawn_blocking(move || finish_sink(s))).await?;
            if let Some(h) = hash {
                written.digest = Some(joined(h).await?.finish());
            }
            Ok(written)
        }
        .await;
        read_result?;
        let written = written.map_err(|source| {
            if source
                .get_ref()
                .is_some_and(|inner| inner.is::<TooLargeMarker>())
            {
                ClientError::TooLarge { limit }
            } else if encoding != Encoding::Identity
                && matches!(
                    source.kind(),
                    std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
                )
            {
                ClientError::NotMedia {
                    detail: format!("the {encoding:?}-encoded body does not decode: {source}"),
                }
            } else {
                ClientError::Io {
                    path: temp.path.clone(),
                    source,
                }
            }
        })?;
        if let Some(expected) = response.content_length.filter(|e| received != *e) {
            return Err(ClientError::LengthMismatch { expected, received });
        }
        if let Err(e) = written.kind {
            return Err(ClientError::NotMedia {
                detail: e.to_string(),
            });
        }
        // Every path above hashes (beside the write, or in the decoder's
        // writer); a file without its digest is never put in place.
        let Some(digest) = written.digest else {
            return Err(ClientError::Io {
                path: temp.path.clone(),
                source: std::io::Error::other("the download was not hashed"),
            });
        };
        tokio::fs::rename(&temp.path, dest)
            .await
            .map_err(io_error(dest))?;
        temp.keep = true;
        // Make the rename itself durable (best effort: not every platform
        // can open a directory).
        if let Ok(d) = tokio::fs::File::open(&dir).await {
            let _ = d.sync_all().await;
        }
        Ok(Download {
            path: dest.to_owned(),
            bytes: written.bytes,
            digest,
        })
    }
}
