//! Local images in requests, plans and job lines.
//!
//! Wherever an image URL goes, a path to a local file may stand instead
//! (relative to the file it is written in). Before anything is validated,
//! [`localize`] replaces each path with a placeholder URL naming the file's
//! SHA-256 (`https://local.seedance.invalid/<sha256>/<name>`): requests
//! validate as they will be sent, plan fingerprints stay the same when an
//! upload is renewed, and a dry run uploads nothing. Just before a submit,
//! [`publish`] swaps each placeholder for a live URL from apimart's upload
//! endpoint, reusing an earlier upload while its URL has comfortably more
//! life left ([`MIN_LIFE_SECS`]); chains and batches keep those uploads in
//! their manifest. Videos and audio have no upload endpoint: a local path
//! there is an error that says what to do.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use seedance_core::{Code, Violation};
use seedance_transport::client::{UploadedImage, check_uploadable};
use seedance_transport::{Client, ClientError};
use serde::Serialize;
use serde_json::Value;

use crate::manifest::{ManifestError, ManifestStore};
pub use crate::records::UploadRecord;

/// The host of placeholder URLs standing for local files.
pub const LOCAL_HOST: &str = "local.seedance.invalid";

/// An upload is reused only while its URL lives at least this much longer
/// (the service fetches inputs when the task starts, which can be after a
/// queue).
pub const MIN_LIFE_SECS: i64 = 2 * 3600;

/// A local file found in a request, plan or job line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalFile {
    /// Where it was written (`image_urls[0]`, `segments[2].image_with_roles[0].url`).
    pub field: String,
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256 (lower-case hex).
    pub sha256: String,
    /// The URL that stands for it until it is uploaded.
    pub placeholder: String,
    /// Its pixel size, read from its header.
    pub dimensions: Option<(u32, u32)>,
    /// Its format (`png`, `jpg`...), by its bytes.
    pub format: String,
}

/// What the local files' own bytes say, keyed by placeholder, for
/// [`seedance_core::validate_media`]: size, format and pixel size are
/// checked before anything is uploaded or paid for.
pub fn media_facts(found: &[LocalFile]) -> seedance_core::MediaFacts {
    found
        .iter()
        .map(|f| {
            (
                f.placeholder.clone(),
                seedance_core::MediaInfo {
                    format: Some(f.format.clone()),
                    width: f.dimensions.map(|d| d.0),
                    height: f.dimensions.map(|d| d.1),
                    size_bytes: Some(f.bytes),
                    ..Default::default()
                },
            )
        })
        .collect()
}

/// The local files of a run, by SHA-256.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalFiles(pub BTreeMap<String, PathBuf>);

impl LocalFiles {
    /// The files found by [`localize`].
    pub fn from_found(found: &[LocalFile]) -> Self {
        LocalFiles(
            found
                .iter()
                .map(|f| (f.sha256.clone(), f.path.clone()))
                .collect(),
        )
    }
}

/// Whether `s` names a local file rather than a URL.
fn local_path(s: &str) -> Option<&str> {
    if let Some(p) = s.strip_prefix("file://") {
        return Some(p);
    }
    (!s.contains("://") && !s.trim().is_empty()).then_some(s)
}

fn placeholder(sha: &str, path: &Path) -> String {
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("https://{LOCAL_HOST}/{sha}/{name}")
}

/// The SHA-256 of a placeholder URL, if it is one.
pub fn placeholder_sha(url: &str) -> Option<&str> {
    url.strip_prefix("https://")?
        .strip_prefix(LOCAL_HOST)?
        .strip_prefix('/')?
        .split('/')
        .next()
}

/// Which JSON fields hold media URLs, and what kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Image,
    Video,
    Audio,
}

/// Which local clips a request may name: videos and audio where a media
/// store will publish them, audio also where the provider takes it inline
/// (Ark). `true` converts to "both" (a store is configured).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalMediaPolicy {
    /// Local videos are accepted.
    pub video: bool,
    /// Local audio clips are accepted.
    pub audio: bool,
}

impl From<bool> for LocalMediaPolicy {
    fn from(av: bool) -> Self {
        LocalMediaPolicy {
            video: av,
            audio: av,
        }
    }
}

/// Replaces local paths in `value` (a request body, a plan, or one job
/// line) with placeholders. `base` is the directory relative paths are read
/// from. Every problem is a violation naming its field.
pub fn localize(value: &mut Value, base: &Path) -> Result<Vec<LocalFile>, Vec<Violation>> {
    localize_media(value, base, false)
}

/// [`localize`], with local videos and audio allowed too when `av` (a media
/// store is configured to publish them, see [`crate::media_store`]; or, for
/// audio, the provider takes it inline: [`LocalMediaPolicy`]).
pub fn localize_media(
    value: &mut Value,
    base: &Path,
    av: impl Into<LocalMediaPolicy>,
) -> Result<Vec<LocalFile>, Vec<Violation>> {
    let mut walk = Walk {
        base,
        av_allowed: av.into(),
        found: Vec::new(),
        errors: Vec::new(),
    };
    visit(value, "", &mut walk);
    if walk.errors.is_empty() {
        Ok(walk.found)
    } else {
        Err(walk.errors)
    }
}

/// One walk over a request or plan: where relative paths start, whether
/// local videos and audio are accepted (a store will publish them), and
/// what was found.
struct Walk<'a> {
    base: &'a Path,
    av_allowed: LocalMediaPolicy,
    found: Vec<LocalFile>,
    errors: Vec<Violation>,
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Walks the fields that hold media URLs in requests (`image_urls`,
/// `image_with_roles[].url`, `video_urls`, `audio_urls`) and plans
/// (`start_image`, `end_image`, `defaults`, `segments[]`).
fn visit(value: &mut Value, prefix: &str, walk: &mut Walk<'_>) {
    let Value::Object(obj) = value else {
        return;
    };
    for (key, v) in obj.iter_mut() {
        let path = join(prefix, key);
        match key.as_str() {
            "start_image" | "end_image" if prefix.is_empty() => one(v, &path, Slot::Image, walk),
            "image_urls" => each(v, &path, Slot::Image, walk),
            "video_urls" => each(v, &path, Slot::Video, walk),
            "audio_urls" => each(v, &path, Slot::Audio, walk),
            "image_with_roles" => {
                if let Value::Array(items) = v {
                    for (i, item) in items.iter_mut().enumerate() {
                        if let Some(url) = item.get_mut("url") {
                            one(url, &format!("{path}[{i}].url"), Slot::Image, walk);
                        }
                    }
                }
            }
            "defaults" if prefix.is_empty() => visit(v, &path, walk),
            "segments" if prefix.is_empty() => {
                if let Value::Array(items) = v {
                    for (i, item) in items.iter_mut().enumerate() {
                        visit(item, &format!("segments[{i}]"), walk);
                    }
                }
            }
            _ => {}
        }
    }
}

fn each(v: &mut Value, path: &str, slot: Slot, walk: &mut Walk<'_>) {
    if let Value::Array(items) = v {
        for (i, item) in items.iter_mut().enumerate() {
            one(item, &format!("{path}[{i}]"), slot, walk);
        }
    }
}

fn one(v: &mut Value, field: &str, slot: Slot, walk: &mut Walk<'_>) {
    let Walk {
        base,
        av_allowed,
        found,
        errors,
    } = walk;
    let Some(text) = v.as_str() else {
        return;
    };
    let Some(rel) = local_path(text) else {
        return;
    };
    let path = base.join(rel);
    if slot != Slot::Image {
        let allowed = match slot {
            Slot::Audio => av_allowed.audio,
            _ => av_allowed.video,
        };
        if !allowed {
            errors.push(Violation::new(
                Code::InvalidUrl,
                field,
                format!(
                    "`{text}` is a local file, and there is no upload endpoint for video or audio (apimart uploads images; Ark takes images and WAV/MP3 audio inline, never {}): publish it through a media store (seedance_workflows::media_store), or give a URL the service can fetch",
                    if slot == Slot::Audio { "other audio" } else { "video" }
                ),
            ));
            return;
        }
        let text = text.to_owned();
        local_clip(v, &text, field, path, found, errors);
        return;
    }
    let Some(bytes) = read_local(text, field, &path, errors) else {
        return;
    };
    let name = path.display().to_string();
    let kind = match check_uploadable(&name, &bytes) {
        Ok(kind) => kind,
        Err(refusal) => {
            errors.push(Violation::new(
                Code::UnsupportedFormat,
                field,
                refusal.to_string(),
            ));
            return;
        }
    };
    let dimensions =
        seedance_core::media_check::image_dimensions(&bytes[..bytes.len().min(1 << 16)]);
    let format = kind.extension().to_owned();
    stand_in(v, field, path, &bytes, dimensions, format, found);
}

/// Replaces the local path in `v` with the placeholder naming `bytes`,
/// and records the file.
fn stand_in(
    v: &mut Value,
    field: &str,
    path: PathBuf,
    bytes: &[u8],
    dimensions: Option<(u32, u32)>,
    format: String,
    found: &mut Vec<LocalFile>,
) {
    let sha256 = crate::records::sha256_hex(bytes);
    let url = placeholder(&sha256, &path);
    *v = Value::String(url.clone());
    found.push(LocalFile {
        field: field.to_owned(),
        path,
        bytes: bytes.len() as u64,
        sha256,
        placeholder: url,
        dimensions,
        format,
    });
}

/// The bytes of a local file named in `field`, or a violation saying it is
/// neither a URL nor a readable file.
fn read_local(
    text: &str,
    field: &str,
    path: &Path,
    errors: &mut Vec<Violation>,
) -> Option<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| {
            errors.push(Violation::new(
                Code::InvalidUrl,
                field,
                format!("`{text}` is neither an http(s)/asset:// URL nor a readable file ({e})"),
            ));
        })
        .ok()
}

/// A local video or audio clip: content-addressed like an image, its
/// format from its extension (the probe checks its streams later).
fn local_clip(
    v: &mut Value,
    text: &str,
    field: &str,
    path: PathBuf,
    found: &mut Vec<LocalFile>,
    errors: &mut Vec<Violation>,
) {
    let Some(bytes) = read_local(text, field, &path, errors) else {
        return;
    };
    let format = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    stand_in(v, field, path, &bytes, None, format, found);
}

/// Where uploads are remembered between calls (a manifest, or nothing).
pub trait UploadCache: Send + Sync {
    /// The upload of the file with this SHA-256, if one was recorded.
    fn get(&self, sha256: &str) -> Option<UploadRecord>;
    /// Records an upload.
    fn put(&self, sha256: &str, record: UploadRecord) -> Result<(), PublishError>;
}

/// A run's manifest remembers its uploads: a rerun reuses the live ones.
impl UploadCache for ManifestStore {
    fn get(&self, sha256: &str) -> Option<UploadRecord> {
        self.read(|m| m.uploads.get(sha256).cloned())
    }

    fn put(&self, sha256: &str, record: UploadRecord) -> Result<(), PublishError> {
        Ok(self.record_upload(sha256, record)?)
    }
}

/// A cache that remembers nothing (single requests).
#[derive(Debug, Default)]
pub struct NoCache;

impl UploadCache for NoCache {
    fn get(&self, _: &str) -> Option<UploadRecord> {
        None
    }
    fn put(&self, _: &str, _: UploadRecord) -> Result<(), PublishError> {
        Ok(())
    }
}

/// Why a local file could not be published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// A placeholder names a file this run does not know.
    #[error("no local file for {0}")]
    Unknown(String),
    /// The file changed since the request was validated.
    #[error("{}: the file changed since the run started; rerun to pick up the new version", .0.display())]
    Changed(PathBuf),
    /// Reading the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A video or audio clip, and no media store to publish it to.
    #[error("{}: there is no upload endpoint for video or audio (apimart uploads images only; Ark takes video only as a URL), and no media store is configured", .0.display())]
    NoStore(PathBuf),
    /// Publishing to the media store failed.
    #[error(transparent)]
    Store(Box<crate::media_store::StoreError>),
    /// The upload could not be recorded in the run's manifest: the run
    /// stops rather than go on with records it cannot keep.
    #[error(transparent)]
    Record(#[from] ManifestError),
    /// The upload failed.
    #[error("uploading {}: {source}", path.display())]
    Upload {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: Box<ClientError>,
    },
}

/// Uploads `path` (whose content must hash to `sha256`), or reuses a live
/// upload from `cache`; returns the URL.
pub async fn publish_file(
    client: &Client,
    path: &Path,
    sha256: &str,
    cache: &dyn UploadCache,
) -> Result<String, PublishError> {
    // Where the service takes images inside the request, the client keeps
    // the bytes for this process only: read them again on every run.
    let inline = client.inlines_images();
    if let Some(r) = cache.get(sha256).filter(|_| !inline)
        && r.store.is_none()
        && r.expires_at - client.unix_now() >= MIN_LIFE_SECS
    {
        return Ok(r.url);
    }
    let bytes = read_unchanged(path, sha256).await?;
    let name = file_name_or(path, "image");
    let upload_error = |source| PublishError::Upload {
        path: path.to_owned(),
        source: Box::new(source),
    };
    if inline {
        let inlined = client.inline_image(&bytes, &name).map_err(upload_error)?;
        tracing::info!(file = %path.display(), "sent inline");
        return Ok(inlined.url);
    }
    let uploaded: UploadedImage = client
        .upload_image(&bytes, &name)
        .await
        .map_err(upload_error)?;
    tracing::info!(file = %path.display(), "uploaded");
    cache.put(
        sha256,
        UploadRecord {
            file: path.display().to_string(),
            url: uploaded.url.clone(),
            expires_at: uploaded.expires_at,
            bytes: uploaded.bytes,
            store: None,
        },
    )?;
    Ok(uploaded.url)
}

/// Replaces every placeholder in `body` (a request body) with a live URL,
/// uploading the files (or reusing live uploads from `cache`).
pub async fn publish(
    client: &Client,
    body: &mut Value,
    files: &LocalFiles,
    cache: &dyn UploadCache,
) -> Result<(), PublishError> {
    publish_to(client, &Destinations::default(), body, files, cache).await
}

/// Where local files go: images to the service (apimart's upload endpoint,
/// or inside the request where the client sends images inline) unless
/// `images_via_store`; videos and audio to `store`.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    /// The user's bucket, when one is configured.
    pub store: Option<std::sync::Arc<crate::media_store::MediaStore>>,
    /// Publish images to the store too (e.g. images over 20 MB).
    pub images_via_store: bool,
}

/// Whether the file at `path` is an image (by its first bytes).
fn is_image(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    matches!(
        seedance_core::media_check::MediaKind::sniff(&head[..n]),
        Some(
            seedance_core::media_check::MediaKind::Png
                | seedance_core::media_check::MediaKind::Jpeg
                | seedance_core::media_check::MediaKind::Webp
                | seedance_core::media_check::MediaKind::Gif
        )
    )
}

/// Whether the file at `path` is a video (MP4/MOV, by its first bytes).
fn is_video(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    matches!(
        seedance_core::media_check::MediaKind::sniff(&head[..n]),
        Some(seedance_core::media_check::MediaKind::Mp4)
    )
}

/// The bytes of the local file at `path`, read on the blocking pool,
/// refused if they no longer hash to the `sha256` recorded when the
/// request was read (the file changed since it was validated and priced).
async fn read_unchanged(path: &Path, sha256: &str) -> Result<Vec<u8>, PublishError> {
    let owned = path.to_owned();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(&owned))
        .await
        .map_err(|e| PublishError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })?
        .map_err(|source| PublishError::Io {
            path: path.to_owned(),
            source,
        })?;
    if crate::records::sha256_hex(&bytes) != sha256 {
        return Err(PublishError::Changed(path.to_owned()));
    }
    Ok(bytes)
}

/// The file name of `path`, as the upload or inline item names it.
fn file_name_or(path: &Path, fallback: &str) -> String {
    path.file_name()
        .map_or_else(|| fallback.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Reads the audio clip at `path` (whose content must hash to `sha256`)
/// into the request, as the client sends it inline: read again on every
/// run, like inlined images.
async fn inline_audio(client: &Client, path: &Path, sha256: &str) -> Result<String, PublishError> {
    let bytes = read_unchanged(path, sha256).await?;
    let name = file_name_or(path, "audio");
    let url = client
        .inline_audio(&bytes, &name)
        .map_err(|source| PublishError::Upload {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
    tracing::info!(file = %path.display(), "sent inline");
    Ok(url)
}

/// Publishes `path` to the store (reusing a live record from `cache`).
async fn publish_to_store(
    client: &Client,
    store: &crate::media_store::MediaStore,
    path: &Path,
    sha256: &str,
    cache: &dyn UploadCache,
) -> Result<String, PublishError> {
    // A signed URL is renewed (re-signed, not re-uploaded) once it has
    // less than MIN_LIFE_SECS left.
    if let Some(r) = cache.get(sha256)
        && r.store.as_deref() == Some(store.display())
        && r.expires_at - client.unix_now() >= MIN_LIFE_SECS
    {
        return Ok(r.url);
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let record = store
        .publish(path, sha256, &ext, client.unix_now())
        .await
        .map_err(|e| PublishError::Store(Box::new(e)))?;
    cache.put(sha256, record.clone())?;
    Ok(record.url)
}

/// [`publish`] with explicit destinations.
pub async fn publish_to(
    client: &Client,
    to: &Destinations,
    body: &mut Value,
    files: &LocalFiles,
    cache: &dyn UploadCache,
) -> Result<(), PublishError> {
    let mut slots = Vec::new();
    collect_placeholders(body, &mut slots);
    let mut urls: BTreeMap<String, String> = BTreeMap::new();
    for sha in slots {
        if urls.contains_key(&sha) {
            continue;
        }
        let path = files
            .0
            .get(&sha)
            .ok_or_else(|| PublishError::Unknown(sha.clone()))?;
        let image = {
            let p = path.clone();
            tokio::task::spawn_blocking(move || is_image(&p))
                .await
                .unwrap_or(false)
        };
        let url = match (&to.store, image && !to.images_via_store) {
            (_, true) => publish_file(client, path, &sha, cache).await?,
            (Some(store), false) => publish_to_store(client, store, path, &sha, cache).await?,
            // Ark takes audio inside the request (videos only as URLs).
            (None, false) if !image && client.capabilities().inline_media && !is_video(path) => {
                inline_audio(client, path, &sha).await?
            }
            (None, false) => return Err(PublishError::NoStore(path.clone())),
        };
        urls.insert(sha, url);
    }
    replace_placeholders(body, &urls);
    Ok(())
}

fn collect_placeholders(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(sha) = placeholder_sha(s) {
                out.push(sha.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_placeholders(i, out)),
        Value::Object(o) => o.values().for_each(|i| collect_placeholders(i, out)),
        _ => {}
    }
}

fn replace_placeholders(v: &mut Value, urls: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(url) = placeholder_sha(s).and_then(|sha| urls.get(sha)) {
                *s = url.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace_placeholders(i, urls)),
        Value::Object(o) => o.values_mut().for_each(|i| replace_placeholders(i, urls)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_become_placeholders_and_urls_stay() {
        let dir = std::env::temp_dir().join(format!("seedance-local-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.png"), seedance_sim::SAMPLE_PNG).unwrap();
        let mut v = serde_json::json!({
            "image_urls": ["a.png", "https://example.com/b.png"],
            "video_urls": ["https://example.com/v.mp4"],
        });
        let found = localize(&mut v, &dir).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "image_urls[0]");
        assert_eq!(
            placeholder_sha(v["image_urls"][0].as_str().unwrap()),
            Some(found[0].sha256.as_str())
        );
        assert_eq!(v["image_urls"][1], "https://example.com/b.png");
        let mut bad =
            serde_json::json!({"video_urls": ["clip.mp4"], "image_urls": ["missing.png"]});
        let errors = localize(&mut bad, &dir).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("no upload endpoint for video"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
