//! The store: a run's records ([`crate::records`]) made durable before the
//! next step (a chain rewrites `manifest.json` atomically: temp file,
//! fsync, rename; a batch appends to its journal), so a run killed at any
//! moment can resume without paying twice or losing a paid result. Also
//! the one way a run is read: [`read_run`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;

// The records as this module published them before they had a module of
// their own: `seedance_workflows::manifest::JobState` keeps working.
pub use crate::records::{Billed, FileRecord, JobState, JsonText, ManifestKind, Take, sha256_hex};

use crate::journal::Journal;
use crate::layout::RunLayout;
pub use crate::records::{Fingerprint, JobRecord, Manifest, UploadRecord};

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
    journal: Option<Journal>,
    /// Lines appended since the last compaction.
    appended: std::sync::atomic::AtomicUsize,
    /// Held while `manifest.json` is written from async code, so the last
    /// snapshot taken is the last one written.
    writing: tokio::sync::Mutex<()>,
}

impl ManifestStore {
    /// Opens `dir/manifest.json`, or creates it for `kind` with `jobs`
    /// planned (fingerprints given). An existing manifest keeps its records;
    /// jobs beyond its end are added as planned.
    pub fn open(
        dir: &Path,
        kind: ManifestKind,
        fingerprints: &[Fingerprint],
    ) -> Result<ManifestStore, ManifestError> {
        let layout = RunLayout::new(dir, kind);
        std::fs::create_dir_all(dir).map_err(|source| ManifestError::Io {
            path: dir.to_owned(),
            source,
        })?;
        remove_temp_files(dir);
        let (mut manifest, from_journal) = match read_recorded(dir)? {
            Some((m, _)) if m.version != 1 || m.kind != kind => {
                return Err(ManifestError::Corrupt {
                    path: layout.manifest(),
                    reason: format!(
                        "version {} {:?}, expected version 1 {kind:?}",
                        m.version, m.kind
                    ),
                });
            }
            Some((m, source)) => (m, source == Recorded::Journal),
            None => (Manifest::new(kind), false),
        };
        let known = manifest.jobs.len();
        for (i, fp) in fingerprints.iter().enumerate().skip(known) {
            manifest.jobs.push(JobRecord::planned(i, *fp));
        }
        // Batches journal every change; chains, whose manifests are small,
        // rewrite `manifest.json`.
        let journaled = kind == ManifestKind::Batch;
        let store = ManifestStore {
            path: layout.manifest(),
            manifest: Mutex::new(manifest),
            journal: journaled.then(|| Journal::start(&layout)),
            appended: std::sync::atomic::AtomicUsize::new(0),
            writing: tokio::sync::Mutex::new(()),
        };
        if journaled && from_journal {
            // A journal that replayed: only the new jobs need lines.
            for index in known..fingerprints.len() {
                store.update_job(index, |_| ())?;
            }
        } else {
            store.update(|_| ())?;
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
        let kind = read_run(dir)?
            .ok_or_else(|| ManifestError::Io {
                path: dir.join(RunLayout::MANIFEST),
                source: std::io::ErrorKind::NotFound.into(),
            })?
            .kind;
        ManifestStore::open(dir, kind, &[])
    }

    /// The names of this run's files.
    pub fn layout(&self) -> RunLayout {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        RunLayout::new(dir, self.lock().kind)
    }

    /// Records an upload (a batch appends it to its journal; a chain
    /// rewrites its manifest) before returning.
    pub fn record_upload(&self, sha256: &str, record: UploadRecord) -> Result<(), ManifestError> {
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

/// Where a run's records were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recorded {
    /// A batch's journal, replayed.
    Journal,
    /// `manifest.json`.
    Snapshot,
}

/// The records in `dir`: a batch's journal replayed (it is newer than its
/// snapshot), else `manifest.json`; `None` when `dir` holds neither.
fn read_recorded(dir: &Path) -> Result<Option<(Manifest, Recorded)>, ManifestError> {
    let journal = dir.join(RunLayout::JOURNAL);
    if let Some(m) = crate::journal::replay(&journal).map_err(|source| ManifestError::Io {
        path: journal,
        source,
    })? {
        return Ok(Some((m, Recorded::Journal)));
    }
    let path = dir.join(RunLayout::MANIFEST);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(|m| Some((m, Recorded::Snapshot)))
            .map_err(|e| ManifestError::Corrupt {
                path,
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ManifestError::Io { path, source }),
    }
}

/// The run recorded in `dir`, read only (no lock taken, nothing written):
/// a batch's journal replayed, else `manifest.json`. `None` when `dir`
/// holds neither. The one way every reader (a rerun's preview, `seedance
/// status`, `takes`, the storyboard, the CLI after a batch) reads a run; a
/// [`ManifestStore`] opens through it too.
pub fn read_run(dir: &Path) -> Result<Option<Manifest>, ManifestError> {
    Ok(read_recorded(dir)?.map(|(m, _)| m))
}

/// Removes the temporary files a killed run left: the manifest's, the
/// journal's, and downloads' (`.{name}.{id}.part`). The caller holds the
/// directory's lock, so no other run is writing one now; once per run, so
/// a job's download never lists the directory.
fn remove_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if seedance_transport::client::is_temp_file_of(&entry.file_name().to_string_lossy(), "") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
