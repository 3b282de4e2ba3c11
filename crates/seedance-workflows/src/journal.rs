//! The batch journal: every change of a job is one line appended to
//! `journal.jsonl`, made durable before the step it records (as the manifest
//! was), at O(1) cost however many jobs the batch has.
//!
//! A writer thread owns the file. Changes arrive over a channel; the thread
//! writes every change that is waiting, fsyncs once for all of them (group
//! commit), then acknowledges each: with 128 jobs in flight, one fsync
//! serves dozens of changes, and no async worker thread ever blocks on the
//! disk (async callers await their acknowledgement). When the journal holds
//! far more lines than jobs it is compacted: rewritten as one line per job
//! under a fresh name and renamed into place, with a `manifest.json`
//! snapshot for people and tools. A line cut short by a crash is ignored on
//! replay: the change it carried had not been acknowledged, so its step had
//! not started.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};

use crate::layout::RunLayout;
use crate::records::{JobRecord, Manifest, UploadRecord};

/// One line of the journal.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    /// The manifest without its jobs (first line after a compaction).
    Manifest(Manifest),
    /// A job's whole record, replacing the previous one.
    Job(Box<JobRecord>),
    /// An upload recorded.
    Upload {
        sha256: String,
        record: UploadRecord,
    },
}

/// How a writer acknowledges a durable write.
pub(crate) enum Ack {
    Sync(mpsc::SyncSender<std::io::Result<()>>),
    Async(tokio::sync::oneshot::Sender<std::io::Result<()>>),
}

impl Ack {
    fn send(self, r: std::io::Result<()>) {
        match self {
            Ack::Sync(tx) => {
                let _ = tx.send(r);
            }
            Ack::Async(tx) => {
                let _ = tx.send(r);
            }
        }
    }
}

enum Op {
    Append(Vec<u8>, Ack),
    /// Make every append before it durable, then acknowledge.
    Barrier(Ack),
    /// The journal file was replaced: append to the new one.
    Reopen(Ack),
}

/// The open journal of one run.
pub(crate) struct Journal {
    tx: Option<mpsc::Sender<Op>>,
    worker: Option<JoinHandle<()>>,
    path: PathBuf,
    snapshot: PathBuf,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

/// Opens a file for appending, never through a symlink.
fn open_append(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

fn writer(path: PathBuf, rx: mpsc::Receiver<Op>) {
    let mut file = open_append(&path);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut acks = Vec::new();
        let mut result: std::io::Result<()> = Ok(());
        let sync = |file: &std::io::Result<File>, result: &mut std::io::Result<()>| {
            if result.is_ok()
                && let Ok(f) = file
            {
                *result = f.sync_data();
            }
        };
        for op in batch {
            match op {
                Op::Append(line, ack) => {
                    if result.is_ok() {
                        result = match &mut file {
                            Ok(f) => f.write_all(&line),
                            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                        };
                    }
                    acks.push(ack);
                }
                Op::Barrier(ack) => {
                    sync(&file, &mut result);
                    for a in acks.drain(..) {
                        a.send(clone_result(&result));
                    }
                    ack.send(clone_result(&result));
                }
                Op::Reopen(ack) => {
                    sync(&file, &mut result);
                    for a in acks.drain(..) {
                        a.send(clone_result(&result));
                    }
                    file = open_append(&path);
                    ack.send(
                        file.as_ref()
                            .map(|_| ())
                            .map_err(|e| std::io::Error::new(e.kind(), e.to_string())),
                    );
                }
            }
        }
        sync(&file, &mut result);
        for a in acks {
            a.send(clone_result(&result));
        }
    }
}

fn clone_result(r: &std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Ok(()) => Ok(()),
        Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
    }
}

fn job_line(record: &JobRecord) -> Vec<u8> {
    let mut line = serde_json::to_vec(&Line::Job(Box::new(record.clone()))).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Writes `manifest` to `out` as a compacted journal: a header line, then
/// one line per job, streamed (a 100,000-job batch is never held twice).
fn write_compacted(manifest: &Manifest, out: &mut impl Write) -> std::io::Result<()> {
    // Field by field: `..manifest.clone()` would copy every job first.
    let header = Manifest {
        version: manifest.version,
        kind: manifest.kind,
        jobs: Vec::new(),
        stitched: manifest.stitched.clone(),
        uploads: manifest.uploads.clone(),
    };
    serde_json::to_writer(&mut *out, &Line::Manifest(header)).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    for job in &manifest.jobs {
        serde_json::to_writer(&mut *out, &LineRef::Job(job)).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// [`Line::Job`] without a clone.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum LineRef<'a> {
    Job(&'a JobRecord),
}

/// Replays a journal into a manifest; `None` when it has no manifest line.
/// Stops at the first line that does not parse (a write a crash cut short).
pub(crate) fn replay(path: &Path) -> std::io::Result<Option<Manifest>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut manifest: Option<Manifest> = None;
    for line in BufReader::new(file).split(b'\n') {
        let line = line?;
        let Ok(parsed) = serde_json::from_slice::<Line>(&line) else {
            break;
        };
        match (parsed, manifest.as_mut()) {
            (Line::Manifest(m), _) => manifest = Some(m),
            (Line::Job(j), Some(m)) => {
                let j = *j;
                let index = j.index;
                if index < m.jobs.len() {
                    m.jobs[index] = j;
                } else if index == m.jobs.len() {
                    m.jobs.push(j);
                } else {
                    break;
                }
            }
            (Line::Upload { sha256, record }, Some(m)) => {
                m.uploads.insert(sha256, record);
            }
            _ => break,
        }
    }
    Ok(manifest)
}

impl Journal {
    /// Starts the writer for `dir`'s journal.
    pub(crate) fn start(layout: &RunLayout) -> Journal {
        let (tx, rx) = mpsc::channel();
        let path = layout.journal();
        let worker_path = path.clone();
        let worker = std::thread::Builder::new()
            .name("seedance-journal".into())
            .spawn(move || writer(worker_path, rx))
            .ok();
        Journal {
            tx: Some(tx),
            worker,
            path,
            snapshot: layout.manifest(),
        }
    }

    fn wait(&self, op: impl FnOnce(Ack) -> Op) -> std::io::Result<()> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(op(Ack::Sync(tx)))?;
        rx.recv()
            .map_err(|_| std::io::Error::other("the journal writer stopped"))?
    }

    fn send(&self, op: Op) -> std::io::Result<()> {
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(op).ok())
            .ok_or_else(|| std::io::Error::other("the journal writer stopped"))
    }

    /// Queues a job's record; the receiver says when it is durable. Called
    /// under the manifest's lock, so lines keep the order of the changes.
    pub(crate) fn queue_job(
        &self,
        record: &JobRecord,
    ) -> std::io::Result<mpsc::Receiver<std::io::Result<()>>> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Op::Append(job_line(record), Ack::Sync(tx)))?;
        Ok(rx)
    }

    /// [`Journal::queue_job`] for async callers.
    pub(crate) fn queue_job_async(
        &self,
        record: &JobRecord,
    ) -> std::io::Result<tokio::sync::oneshot::Receiver<std::io::Result<()>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Op::Append(job_line(record), Ack::Async(tx)))?;
        Ok(rx)
    }

    /// Appends an upload and waits until it is durable.
    pub(crate) fn append_upload(&self, sha256: &str, record: &UploadRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(&Line::Upload {
            sha256: sha256.to_owned(),
            record: record.clone(),
        })
        .unwrap_or_default();
        line.push(b'\n');
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Op::Append(line, Ack::Sync(tx)))?;
        rx.recv()
            .map_err(|_| std::io::Error::other("the journal writer stopped"))?
    }

    /// Rewrites the journal as one line per job, and the snapshot; waits.
    /// The caller holds the manifest's lock, so nothing is appended meanwhile.
    pub(crate) fn compact(&self, manifest: &Manifest) -> std::io::Result<()> {
        self.wait(Op::Barrier)?;
        crate::fresh_file::write_fresh(&self.path, |w| write_compacted(manifest, w))?;
        crate::fresh_file::write_fresh(&self.snapshot, |w| {
            serde_json::to_writer_pretty(&mut *w, manifest).map_err(std::io::Error::other)
        })?;
        self.wait(Op::Reopen)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
