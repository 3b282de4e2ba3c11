//! The manifest: every job's state, written atomically (temp file, fsync,
//! rename) before the next step, so a run killed at any moment can resume
//! without paying twice or losing a paid result.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use seedance_core::digest::{DigestAlgorithm, FileDigest};

use crate::error::WorkflowError;

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    seedance_core::hex::encode(&Sha256::digest(bytes))
}

/// The SHA-256 of a job as planned: a rerun compares it with the job's
/// record to notice that the plan changed. Kept as 32 bytes (a batch holds
/// one per job, twice while it reconciles); written as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `bytes` (a job's canonical JSON).
    pub fn of(bytes: &[u8]) -> Self {
        Fingerprint(Sha256::digest(bytes).into())
    }

    /// The fingerprint of a job's request: its canonical JSON without the
    /// fields that say how to deliver the result rather than what to make
    /// (`webhook`), so adding `--webhook` to a rerun changes no job.
    pub fn of_request(request: &seedance_core::GenerationRequest) -> Self {
        if request.extra.contains_key("webhook") {
            let mut content = request.clone();
            content.extra.remove("webhook");
            return Fingerprint::of(
                serde_json::to_string(&content)
                    .unwrap_or_default()
                    .as_bytes(),
            );
        }
        Fingerprint::of(
            serde_json::to_string(request)
                .unwrap_or_default()
                .as_bytes(),
        )
    }

    /// Lower-case hex.
    pub fn hex(&self) -> String {
        seedance_core::hex::encode(&self.0)
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({})", self.hex())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        // Anything but 64 hex digits (a hand-edited manifest) stands for a
        // job that matches no plan: the rerun reports it as changed.
        Ok(
            FileDigest::parse(DigestAlgorithm::Sha256, &text).map_or_else(
                |_| Fingerprint::of(text.as_bytes()),
                |d| Fingerprint(*d.as_bytes()),
            ),
        )
    }
}

/// Where a job is. Each state is recorded before the step that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobState {
    /// Not sent yet.
    Planned,
    /// About to be (or being) sent: recorded *before* the POST. A job left
    /// here without a task id may have been created and billed.
    Submitting,
    /// Accepted; `task_id` is known.
    Submitted,
    /// Finished on the server; result URLs and expiry recorded.
    Completed,
    /// Files downloaded and their digests recorded.
    Downloaded,
    /// The task failed on the server (a rerun submits it again).
    Failed,
}

/// A downloaded file, relative to the output directory.
///
/// In JSON the digest is a field named after its algorithm:
/// `{"path": "...", "bytes": 123, "blake3": "<hex>"}`, or `"sha256"` in
/// records from earlier versions (or with `--digest sha256`); either is
/// checked with its own algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "FileRecordWire")]
pub struct FileRecord {
    /// Path relative to the output directory.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// The file's digest.
    pub digest: FileDigest,
}

impl Serialize for FileRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("FileRecord", 3)?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("bytes", &self.bytes)?;
        let hex = self.digest.hex();
        match self.digest.algorithm() {
            DigestAlgorithm::Blake3 => s.serialize_field("blake3", &hex)?,
            DigestAlgorithm::Sha256 => s.serialize_field("sha256", &hex)?,
        }
        s.end()
    }
}

/// [`FileRecord`] as written in JSON.
#[derive(Deserialize)]
struct FileRecordWire {
    path: String,
    bytes: u64,
    #[serde(default)]
    blake3: Option<String>,
    #[serde(default)]
    sha256: Option<String>,
}

impl TryFrom<FileRecordWire> for FileRecord {
    type Error = String;

    fn try_from(w: FileRecordWire) -> Result<Self, String> {
        let digest = match (&w.blake3, &w.sha256) {
            // BLAKE3 wins when both are there: it is what this version checks.
            (Some(hex), _) => FileDigest::parse(DigestAlgorithm::Blake3, hex),
            (None, Some(hex)) => FileDigest::parse(DigestAlgorithm::Sha256, hex),
            (None, None) => {
                return Err(format!(
                    "file record {:?}: needs a `blake3` or a `sha256` digest",
                    w.path
                ));
            }
        }
        .map_err(|e| format!("file record {:?}: {e}", w.path))?;
        Ok(FileRecord {
            path: w.path,
            bytes: w.bytes,
            digest,
        })
    }
}

/// One job (a chain segment or a batch line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Position in the plan or jobs file.
    pub index: usize,
    /// Fingerprint of the job as planned; a mismatch on resume means the
    /// plan changed.
    pub fingerprint: Fingerprint,
    /// Where the job is.
    pub state: JobState,
    /// The task id, once accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The exact request body sent (recorded when submitting), kept as
    /// compact JSON text: a parsed value costs several times the memory,
    /// which a 100,000-job batch feels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<JsonText>,
    /// The video URL as manifests before `video_urls` recorded it; read
    /// from old manifests, never written (`video_urls` holds it).
    #[serde(default, skip_serializing)]
    pub video_url: Option<String>,
    /// Every URL the server gave for the video, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_urls: Vec<String>,
    /// The last frame URL, once completed (when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_url: Option<String>,
    /// When the result URLs expire (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The downloaded video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<FileRecord>,
    /// The downloaded last frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<FileRecord>,
    /// When the last submit was sent (unix seconds): with an uncertain
    /// submit, the moment to look for in the provider's task list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    /// The `Idempotency-Key` of the current take's submit, recorded before
    /// its bytes left: an uncertain submit is resent with this key and the
    /// recorded `request`, never with another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The service had shown that it honours idempotency keys when this
    /// job's submit became uncertain: a rerun may resend it with its key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keys_honoured: bool,
    /// The service confirmed that the task is the one an earlier send of
    /// the same key created (`Idempotency-Replayed: true`): one task, paid
    /// once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    /// The submit was resent after an uncertain outcome and the service did
    /// not confirm a replay: if it ignored the key, an earlier send may have
    /// created another (billed) task.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resent_unconfirmed: bool,
    /// The service's `request_id` for the submit's answer, when it sent
    /// one: what its support asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The last error met, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the task cost, as the service reported it (0 once refunded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The credits it cost, as reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_cost: Option<f64>,
    /// The task ended `failed` (or cancelled/expired) and was refunded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refunded: bool,
    /// How many times this job was sent (more than one only after an
    /// explicit resubmission of an uncertain submit or of a failed task).
    #[serde(default)]
    pub submissions: u32,
    /// The job as planned, before linking (what `fingerprint` hashes), as
    /// compact JSON: what a changed plan is compared with, field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<JsonText>,
    /// The number of the take the fields above describe (1, 2, ...; 0 for
    /// a job never sent). It is the selected take.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub take: u32,
    /// Chains: the take of the previous segment whose last frame this take
    /// started from. When it is not the previous segment's selected take,
    /// the link is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_from: Option<u32>,
    /// Every other take of this job, kept with its files under the job's
    /// own directory (`segment_003/take_1.mp4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<Take>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A kept take of a job: a generated video that is not the selected one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Take {
    /// Its number (1, 2, ... in the order generated).
    pub number: u32,
    /// The task that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The request sent for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<JsonText>,
    /// The job as planned when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<JsonText>,
    /// Its video, under the job's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<FileRecord>,
    /// Its last frame, under the job's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<FileRecord>,
    /// Every URL the server gave for its video, while they live: with the
    /// files, what makes a selected take finished without asking the
    /// service again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_urls: Vec<String>,
    /// The last frame's URL while it lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_url: Option<String>,
    /// When its URLs expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// What it cost (0 once refunded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The credits it cost, as reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_cost: Option<f64>,
    /// Its task ended `failed` (or cancelled, expired) and was refunded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refunded: bool,
    /// The take of the previous segment it started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_from: Option<u32>,
}

/// A JSON value kept as its compact text. Serialized as the JSON itself
/// (not as a string), so manifests read the same as with a parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(Box<str>);

impl JsonText {
    /// `value` as compact JSON text.
    pub fn new(value: &serde_json::Value) -> Self {
        JsonText(value.to_string().into_boxed_str())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, parsed.
    pub fn parse(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for JsonText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        // Re-serialized compactly: a pretty-printed manifest keeps its
        // indentation inside the raw text otherwise.
        let value: serde_json::Value =
            serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        Ok(JsonText::new(&value))
    }
}

impl JobRecord {
    /// The number of the take the job's fields describe, if it was sent:
    /// `take`, or for a job recorded without one (batch jobs of earlier
    /// versions) the number after its kept takes.
    pub fn current_take(&self) -> Option<u32> {
        if self.take > 0 {
            Some(self.take)
        } else if self.task_id.is_some() || self.video.is_some() {
            Some(self.takes.iter().map(|t| t.number).max().unwrap_or(0) + 1)
        } else {
            None
        }
    }

    /// The video URLs to try, in order (from `video_urls`, or an old
    /// manifest's single `video_url`).
    pub fn result_video_urls(&self) -> Vec<String> {
        if self.video_urls.is_empty() {
            self.video_url.clone().into_iter().collect()
        } else {
            self.video_urls.clone()
        }
    }

    /// A planned job.
    pub fn planned(index: usize, fingerprint: Fingerprint) -> Self {
        JobRecord {
            index,
            fingerprint,
            state: JobState::Planned,
            task_id: None,
            request: None,
            video_url: None,
            video_urls: Vec::new(),
            last_frame_url: None,
            expires_at: None,
            video: None,
            last_frame: None,
            sent_at: None,
            idempotency_key: None,
            keys_honoured: false,
            replayed: false,
            resent_unconfirmed: false,
            request_id: None,
            error: None,
            cost: None,
            credits_cost: None,
            refunded: false,
            submissions: 0,
            spec: None,
            take: 0,
            linked_from: None,
            takes: Vec::new(),
        }
    }
}

/// What kind of run a manifest belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ManifestKind {
    /// A chain of segments.
    Chain,
    /// A batch of independent jobs.
    Batch,
}

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version (1).
    pub version: u32,
    /// Chain or batch.
    pub kind: ManifestKind,
    /// Every job, by index.
    pub jobs: Vec<JobRecord>,
    /// The stitched film, when made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stitched: Option<FileRecord>,
    /// Local images uploaded for this run, by SHA-256: reused while their
    /// URLs live (72 h), renewed after.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub uploads: std::collections::BTreeMap<String, crate::local_media::UploadRecord>,
}

/// Why the manifest could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a manifest this version understands.
    #[error("{} is not a readable manifest: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// The manifest on disk, shared by concurrent steps of a run.
#[derive(Debug)]
pub struct ManifestStore {
    path: PathBuf,
    manifest: Mutex<Manifest>,
    /// Batches: the journal every job change is appended to (chains, whose
    /// manifests are small, rewrite `manifest.json` instead).
    journal: Option<crate::journal::Journal>,
    /// Lines appended since the last compaction.
    appended: std::sync::atomic::AtomicUsize,
    /// Held while `manifest.json` is written from async code, so the last
    /// snapshot taken is the last one written.
    writing: tokio::sync::Mutex<()>,
}

impl ManifestStore {
    /// The manifest's file name in an output directory.
    pub const FILE_NAME: &'static str = "manifest.json";

    /// Opens `dir/manifest.json`, or creates it for `kind` with `jobs`
    /// planned (fingerprints given). An existing manifest keeps its records;
    /// jobs beyond its end are added as planned.
    pub fn open(
        dir: &Path,
        kind: ManifestKind,
        fingerprints: &[Fingerprint],
    ) -> Result<ManifestStore, ManifestError> {
        std::fs::create_dir_all(dir).map_err(|source| ManifestError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(Self::FILE_NAME);
        // Temporary files a killed run left (the caller holds the directory's
        // lock, so no other run is writing one now).
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                // Every temporary file here is a killed run's: the manifest's,
                // the journal's, and downloads' (`.{name}.{id}.part`). Once per
                // run, so a job's download never lists the directory.
                let name = name.to_string_lossy();
                if seedance_transport::client::is_temp_file_of(&name, "") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let journaled = kind == ManifestKind::Batch;
        let replayed = if journaled {
            let journal = dir.join(crate::journal::JOURNAL_FILE_NAME);
            crate::journal::replay(&journal).map_err(|source| ManifestError::Io {
                path: journal.clone(),
                source,
            })?
        } else {
            None
        };
        let replayed_ok = replayed.is_some();
        let read = match replayed {
            Some(m) => Ok(serde_json::to_vec(&m).unwrap_or_default()),
            None => std::fs::read(&path),
        };
        let mut manifest = match read {
            Ok(bytes) => {
                let m: Manifest =
                    serde_json::from_slice(&bytes).map_err(|e| ManifestError::Corrupt {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                if m.version != 1 || m.kind != kind {
                    return Err(ManifestError::Corrupt {
                        path: path.clone(),
                        reason: format!(
                            "version {} {:?}, expected version 1 {kind:?}",
                            m.version, m.kind
                        ),
                    });
                }
                m
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest {
                version: 1,
                kind,
                jobs: Vec::new(),
                stitched: None,
                uploads: std::collections::BTreeMap::new(),
            },
            Err(source) => return Err(ManifestError::Io { path, source }),
        };
        let known = manifest.jobs.len();
        for (i, fp) in fingerprints.iter().enumerate().skip(known) {
            manifest.jobs.push(JobRecord::planned(i, *fp));
        }
        let store = ManifestStore {
            path,
            manifest: Mutex::new(manifest),
            journal: journaled.then(|| crate::journal::Journal::start(dir)),
            appended: std::sync::atomic::AtomicUsize::new(0),
            writing: tokio::sync::Mutex::new(()),
        };
        match (&store.journal, replayed_ok) {
            // A journal that replayed: only the new jobs need lines.
            (Some(_), true) => {
                for index in known..fingerprints.len() {
                    store.update_job(index, |_| ())?;
                }
            }
            _ => store.update(|_| ())?,
        }
        Ok(store)
    }

    /// The manifest's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Manifest> {
        self.manifest.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the manifest.
    pub fn snapshot(&self) -> Manifest {
        self.lock().clone()
    }

    /// Reads the manifest without copying it.
    pub fn read<R>(&self, f: impl FnOnce(&Manifest) -> R) -> R {
        f(&self.lock())
    }

    /// A copy of job `index`.
    pub fn job(&self, index: usize) -> JobRecord {
        self.lock().jobs[index].clone()
    }

    fn io(&self, source: std::io::Error) -> ManifestError {
        ManifestError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Opens the run already in `dir`, whatever its kind (for commands that
    /// work on a finished or interrupted run: takes, select).
    pub fn open_existing(dir: &Path) -> Result<ManifestStore, ManifestError> {
        let path = dir.join(Self::FILE_NAME);
        let bytes = std::fs::read(&path).map_err(|source| ManifestError::Io {
            path: path.clone(),
            source,
        })?;
        #[derive(Deserialize)]
        struct Kind {
            kind: ManifestKind,
        }
        let kind: Kind = serde_json::from_slice(&bytes).map_err(|e| ManifestError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        ManifestStore::open(dir, kind.kind, &[])
    }

    /// The file stem of job `index` (`segment_003`, `job_0003`).
    pub fn stem(&self, index: usize) -> String {
        match self.lock().kind {
            ManifestKind::Chain => seedance_transport::client::segment_stem(index),
            _ => seedance_transport::client::job_stem(index),
        }
    }

    /// Job `index`, or an error naming how many jobs there are.
    pub fn job_checked(&self, index: usize) -> Result<JobRecord, WorkflowError> {
        let m = self.lock();
        m.jobs.get(index).cloned().ok_or(WorkflowError::NoSuchJob {
            index,
            count: m.jobs.len(),
        })
    }

    /// Applies `change` and makes the whole manifest durable before
    /// returning (a batch: compacts its journal and writes the snapshot).
    pub fn update<R>(&self, change: impl FnOnce(&mut Manifest) -> R) -> Result<R, ManifestError> {
        let mut m = self.lock();
        let r = change(&mut m);
        match &self.journal {
            Some(j) => {
                j.compact(&m).map_err(|e| self.io(e))?;
                self.appended.store(0, std::sync::atomic::Ordering::Relaxed);
            }
            None => write_atomically(&self.path, &m)?,
        }
        Ok(r)
    }

    /// Whether the journal has grown enough to be rewritten.
    fn needs_compaction(&self, jobs: usize) -> bool {
        let n = self
            .appended
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        n > 2 * jobs + 1000
    }

    /// Applies `change` to job `index` and makes it durable before returning.
    pub fn update_job<R>(
        &self,
        index: usize,
        change: impl FnOnce(&mut JobRecord) -> R,
    ) -> Result<R, ManifestError> {
        let Some(journal) = &self.journal else {
            return self.update(|m| change(&mut m.jobs[index]));
        };
        let mut m = self.lock();
        let r = change(&mut m.jobs[index]);
        if self.needs_compaction(m.jobs.len()) {
            journal.compact(&m).map_err(|e| self.io(e))?;
            self.appended.store(0, std::sync::atomic::Ordering::Relaxed);
            return Ok(r);
        }
        let durable = journal.queue_job(&m.jobs[index]).map_err(|e| self.io(e))?;
        drop(m);
        durable
            .recv()
            .map_err(|_| self.io(std::io::Error::other("the journal writer stopped")))?
            .map_err(|e| self.io(e))?;
        Ok(r)
    }

    /// [`ManifestStore::update`] for async code: the file is written and
    /// synced on the blocking pool, never on an async worker thread.
    pub async fn update_async<R>(
        &self,
        change: impl FnOnce(&mut Manifest) -> R,
    ) -> Result<R, ManifestError> {
        if self.journal.is_some() {
            // A batch: compaction writes the journal and the snapshot; it is
            // rare enough (and a single change at open or close) to stay here.
            return self.update(change);
        }
        let _writing = self.writing.lock().await;
        let (r, snapshot) = {
            let mut m = self.lock();
            let r = change(&mut m);
            (r, m.clone())
        };
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &snapshot))
            .await
            .map_err(|e| self.io(std::io::Error::other(e)))??;
        Ok(r)
    }

    /// [`ManifestStore::update_job`] for async code: a batch's change is
    /// written by the journal's thread while this task waits without
    /// blocking its worker thread.
    pub async fn update_job_async<R>(
        &self,
        index: usize,
        change: impl FnOnce(&mut JobRecord) -> R,
    ) -> Result<R, ManifestError> {
        let Some(journal) = &self.journal else {
            return self.update_async(|m| change(&mut m.jobs[index])).await;
        };
        let (r, durable) = {
            let mut m = self.lock();
            let r = change(&mut m.jobs[index]);
            if self.needs_compaction(m.jobs.len()) {
                // Rare (amortised O(1)): the journal is rewritten in full.
                journal.compact(&m).map_err(|e| self.io(e))?;
                self.appended.store(0, std::sync::atomic::Ordering::Relaxed);
                return Ok(r);
            }
            (
                r,
                journal
                    .queue_job_async(&m.jobs[index])
                    .map_err(|e| self.io(e))?,
            )
        };
        durable
            .await
            .map_err(|_| self.io(std::io::Error::other("the journal writer stopped")))?
            .map_err(|e| self.io(e))?;
        Ok(r)
    }
}

impl Drop for ManifestStore {
    /// A batch leaves its `manifest.json` snapshot current when the run ends
    /// (however it ends short of a kill; after a kill the journal replays).
    fn drop(&mut self) {
        if let Some(j) = &self.journal {
            // Under the lock, not from a copy: nothing else runs any more,
            // and a copy of 100,000 records would double the peak memory.
            let m = self.lock();
            let _ = j.compact(&m);
        }
    }
}

fn write_atomically(path: &Path, manifest: &Manifest) -> Result<(), ManifestError> {
    crate::fresh_file::write_fresh(path, |w| {
        serde_json::to_writer_pretty(&mut *w, manifest).map_err(std::io::Error::other)
    })
    .map_err(|source| ManifestError::Io {
        path: path.to_owned(),
        source,
    })
}

impl Manifest {
    /// What the run was billed so far, as the service reported it: every
    /// paid task of the run, the kept takes (regenerations, edits) as well
    /// as each job's selected one; refunded tasks count 0. `None` where no
    /// task reported a cost. Rounded to millionths: prices have at most
    /// four decimals, and 10,000 jobs at 0.2 should sum to 2000, not
    /// 2000.0000000003.
    pub fn billed(&self) -> Billed {
        let takes = || self.jobs.iter().flat_map(|j| j.takes.iter());
        Billed {
            total: round_sum(
                self.jobs
                    .iter()
                    .map(|j| j.cost)
                    .chain(takes().map(|t| t.cost)),
            ),
            credits: round_sum(
                self.jobs
                    .iter()
                    .map(|j| j.credits_cost)
                    .chain(takes().map(|t| t.credits_cost)),
            ),
            selected: round_sum(self.jobs.iter().map(|j| j.cost)),
        }
    }
}

/// What a run was billed, as the service reported it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct Billed {
    /// Every paid task of the run: selected and kept takes alike.
    pub total: Option<f64>,
    /// The credits of every paid task, where reported.
    pub credits: Option<f64>,
    /// The selected takes alone: what the film (or the batch's current
    /// outputs) cost.
    pub selected: Option<f64>,
}

fn round_sum(costs: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    costs
        .flatten()
        .fold(None, |acc: Option<f64>, c| Some(acc.unwrap_or(0.0) + c))
        .map(|total| (total * 1e6).round() / 1e6)
}

/// The run recorded in `dir`, read only (no lock taken, nothing written):
/// a batch's journal replayed, else `manifest.json`. `None` when `dir`
/// holds neither. What `seedance status DIR` and `seedance takes DIR` show.
pub fn read_run(dir: &Path) -> std::io::Result<Option<Manifest>> {
    if let Some(m) = crate::journal::replay(&dir.join(crate::journal::JOURNAL_FILE_NAME))? {
        return Ok(Some(m));
    }
    match std::fs::read(dir.join(ManifestStore::FILE_NAME)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl crate::local_media::UploadCache for ManifestStore {
    fn get(&self, sha256: &str) -> Option<crate::local_media::UploadRecord> {
        self.lock().uploads.get(sha256).cloned()
    }

    fn put(
        &self,
        sha256: &str,
        record: crate::local_media::UploadRecord,
    ) -> Result<(), crate::WorkflowError> {
        match &self.journal {
            Some(j) => {
                let m = self.lock();
                j.append_upload(sha256, &record).map_err(|e| self.io(e))?;
                drop(m);
                self.lock().uploads.insert(sha256.to_owned(), record);
            }
            None => {
                self.update(|m| {
                    m.uploads.insert(sha256.to_owned(), record);
                })?;
            }
        }
        Ok(())
    }
}

/// Opens the manifest and reconciles it with the plan (see
/// [`crate::changes`]): changes to jobs already generated need
/// `apply_changes`; accepted ones archive the current take and start a new
/// one; appended jobs are added; jobs beyond the plan are archived and
/// dropped.
///
/// Reading (a batch replays its journal), file moves and any rewrite run on
/// the blocking pool, never on an async worker thread.
pub(crate) async fn open_store(
    out_dir: &Path,
    kind: ManifestKind,
    recon: crate::changes::Reconcile,
) -> Result<ManifestStore, WorkflowError> {
    let dir = out_dir.to_owned();
    // The plan goes to the blocking pool and back rather than being copied.
    let (store, recon) = tokio::task::spawn_blocking(move || {
        let store = ManifestStore::open(&dir, kind, &recon.fingerprints);
        (store, recon)
    })
    .await
    .map_err(|e| ManifestError::Io {
        path: out_dir.to_owned(),
        source: std::io::Error::other(e),
    })?;
    let store = store?;
    let changes = store.read(|m| crate::changes::detect(m, &recon));
    // A regeneration asked for is consent to it (and to what it carries
    // downstream); an edited plan or a removal needs `apply_changes`.
    let edited = !(changes.changed.is_empty() && changes.removed.is_empty());
    if edited && !recon.apply_changes {
        return Err(WorkflowError::ChangesNeedConfirmation(Box::new(changes)));
    }
    let n = recon.fingerprints.len();
    // Nothing to reconcile (the usual rerun): no rewrite, which for a
    // 100,000-job batch is most of a rerun's start.
    let untouched = !changes.needs_consent()
        && store.read(|m| {
            m.jobs.len() == n
                && m.jobs.iter().zip(&recon.fingerprints).all(|(j, fp)| {
                    j.fingerprint == *fp
                        && (j.state != JobState::Planned
                            || j.spec.is_some()
                            || recon.specs.is_empty())
                })
        });
    if untouched {
        return Ok(store);
    }
    let again = changes.new_takes();
    // Only jobs that get a new take (or leave the plan) have files to move:
    // copy those out and move their files off the workers, then apply every
    // change in place. A copy of all records would double a 100,000-job
    // rerun's memory.
    let moving: Vec<JobRecord> = store.read(|m| {
        m.jobs
            .iter()
            .filter(|j| j.index >= n || again.contains(&j.index))
            .cloned()
            .collect()
    });
    let dir = out_dir.to_owned();
    let stem = move |k: usize| match kind {
        ManifestKind::Chain => seedance_transport::client::segment_stem(k),
        _ => seedance_transport::client::job_stem(k),
    };
    let archived = tokio::task::spawn_blocking(move || {
        moving
            .iter()
            .map(|job| {
                Ok((
                    job.index,
                    crate::takes::archive_files(&dir, &stem(job.index), job)?,
                ))
            })
            .collect::<Result<std::collections::HashMap<_, _>, WorkflowError>>()
    })
    .await
    .map_err(|e| ManifestError::Io {
        path: out_dir.to_owned(),
        source: std::io::Error::other(e),
    })??;
    store
        .update_async(|m| {
            for job in &mut m.jobs {
                let k = job.index;
                let spec = recon.specs.get(k).map(JsonText::new);
                if let Some(archived) = archived.get(&k) {
                    let fingerprint = recon.fingerprints.get(k).copied().unwrap_or_default();
                    crate::takes::reset_for_new_take(job, archived.clone(), fingerprint);
                    job.spec = spec;
                } else if job.state == JobState::Planned {
                    job.fingerprint = recon.fingerprints[k];
                    job.spec = spec;
                }
            }
            m.jobs.truncate(n);
        })
        .await?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_written_as_hex_and_anything_else_matches_no_plan() {
        let fp = Fingerprint::of(b"{\"prompt\":\"a\"}");
        let text = serde_json::to_string(&fp).unwrap();
        assert_eq!(text, format!("\"{}\"", sha256_hex(b"{\"prompt\":\"a\"}")));
        assert_eq!(serde_json::from_str::<Fingerprint>(&text).unwrap(), fp);
        let edited: Fingerprint = serde_json::from_str("\"edited by hand\"").unwrap();
        assert_ne!(edited, fp);
        assert_ne!(edited, Fingerprint::default());
    }

    #[test]
    fn billed_sums_are_free_of_float_noise() {
        let mut m = Manifest {
            version: 1,
            kind: ManifestKind::Batch,
            jobs: Vec::new(),
            stitched: None,
            uploads: Default::default(),
        };
        assert_eq!((m.billed().total, m.billed().credits), (None, None));
        for k in 0..10_000 {
            let mut j = JobRecord::planned(k, Fingerprint::default());
            j.cost = Some(0.2);
            m.jobs.push(j);
        }
        assert_eq!((m.billed().total, m.billed().credits), (Some(2000.0), None));
    }

    #[test]
    fn the_current_take_of_a_job_recorded_without_a_number_follows_its_kept_takes() {
        let mut job = JobRecord::planned(0, Fingerprint::of(b"f"));
        assert_eq!(job.current_take(), None, "never sent");
        job.task_id = Some("task_1".into());
        assert_eq!(job.current_take(), Some(1));
        let kept: Take = serde_json::from_str(r#"{"number": 1}"#).unwrap();
        job.takes.push(kept);
        assert_eq!(job.current_take(), Some(2));
        job.take = 5;
        assert_eq!(job.current_take(), Some(5), "a recorded number wins");
    }

    #[test]
    fn file_records_name_their_digest_and_read_either_kind() {
        let hex = "0123456789abcdef".repeat(4);
        let record = FileRecord {
            path: "segment_000.mp4".into(),
            bytes: 7,
            digest: FileDigest::parse(DigestAlgorithm::Blake3, &hex).unwrap(),
        };
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(
            text,
            format!(r#"{{"path":"segment_000.mp4","bytes":7,"blake3":"{hex}"}}"#)
        );
        assert_eq!(serde_json::from_str::<FileRecord>(&text).unwrap(), record);
        // As earlier versions wrote it.
        let old: FileRecord =
            serde_json::from_str(&format!(r#"{{"path":"a.mp4","bytes":1,"sha256":"{hex}"}}"#))
                .unwrap();
        assert_eq!(old.digest.algorithm(), DigestAlgorithm::Sha256);
        assert_eq!(old.digest.hex(), hex);
        assert!(
            serde_json::to_string(&old)
                .unwrap()
                .contains(r#""sha256":"#)
        );
        // Neither, or text that is not a digest: an error naming the file.
        for bad in [
            r#"{"path":"b.mp4","bytes":1}"#.to_owned(),
            r#"{"path":"b.mp4","bytes":1,"blake3":"xyz"}"#.to_owned(),
        ] {
            let e = serde_json::from_str::<FileRecord>(&bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("b.mp4"), "{e}");
        }
    }

    #[test]
    fn records_survive_a_reopen_and_new_jobs_are_appended() {
        let dir = std::env::temp_dir().join(format!("seedance-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = ManifestStore::open(
            &dir,
            ManifestKind::Chain,
            &[Fingerprint::of(b"a"), Fingerprint::of(b"b")],
        )
        .unwrap();
        store
            .update_job(0, |j| {
                j.state = JobState::Submitted;
                j.task_id = Some("task_1".into());
            })
            .unwrap();
        drop(store);
        let store = ManifestStore::open(
            &dir,
            ManifestKind::Chain,
            &[
                Fingerprint::of(b"a"),
                Fingerprint::of(b"b"),
                Fingerprint::of(b"c"),
            ],
        )
        .unwrap();
        let m = store.snapshot();
        assert_eq!(m.jobs.len(), 3);
        assert_eq!(m.jobs[0].state, JobState::Submitted);
        assert_eq!(m.jobs[0].task_id.as_deref(), Some("task_1"));
        assert_eq!(m.jobs[2].state, JobState::Planned);
        assert!(
            ManifestStore::open(&dir, ManifestKind::Batch, &[]).is_err(),
            "kind mismatch"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
