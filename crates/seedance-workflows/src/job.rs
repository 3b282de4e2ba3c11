//! One job's lifecycle against the manifest: submit (recording `submitting`
//! first), wait, download, verify. Shared by chains and batches.

use std::path::Path;

use seedance_core::GenerationRequest;
use seedance_transport::{Client, ClientError, Download};

use crate::error::WorkflowError;
use crate::events::{Event, EventSink};
use crate::manifest::{FileRecord, JobState, ManifestStore, sha256_hex};
use crate::stop::StopSignal;

/// Runs job steps for one run.
pub(crate) struct JobRunner<'a> {
    pub(crate) client: &'a Client,
    pub(crate) store: &'a ManifestStore,
    pub(crate) out_dir: &'a Path,
    pub(crate) resubmit_uncertain: bool,
    pub(crate) events: EventSink,
    /// "segment" or "job", for messages.
    pub(crate) what: &'static str,
    /// File stem of job `index`.
    pub(crate) stem: fn(usize) -> String,
    /// Raised to stop at the next safe point.
    pub(crate) stop: StopSignal,
}

fn file_record(out_dir: &Path, d: &Download) -> FileRecord {
    let rel = d.path.strip_prefix(out_dir).unwrap_or(&d.path);
    FileRecord {
        path: rel.to_string_lossy().into_owned(),
        bytes: d.bytes,
        sha256: d.sha256.clone(),
    }
}

/// Whether the file a record points at is there with the recorded content.
pub(crate) fn verify(out_dir: &Path, record: &FileRecord) -> bool {
    let path = out_dir.join(&record.path);
    match std::fs::read(&path) {
        Ok(bytes) => bytes.len() as u64 == record.bytes && sha256_hex(&bytes) == record.sha256,
        Err(_) => false,
    }
}

/// Removes temporary files a killed earlier run left for this job's files
/// (`.{stem}*.part`, the names `Client::download` gives them).
fn remove_stale_parts(out_dir: &Path, stem: &str) {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return;
    };
    let prefix = format!(".{stem}");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".part") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl JobRunner<'_> {
    fn client_error(&self, index: usize, source: ClientError) -> WorkflowError {
        WorkflowError::Client {
            what: self.what,
            index,
            source: Box::new(source),
        }
    }

    /// Makes sure job `index` has a task: sends `request` unless the
    /// manifest shows it was sent. Returns the task id.
    pub(crate) async fn submit(
        &self,
        index: usize,
        request: &GenerationRequest,
    ) -> Result<String, WorkflowError> {
        let job = self.store.job(index);
        match (job.state, &job.task_id) {
            (JobState::Submitted | JobState::Completed | JobState::Downloaded, Some(id)) => {
                return Ok(id.clone());
            }
            (JobState::Submitting, _) if !self.resubmit_uncertain => {
                return Err(WorkflowError::Uncertain {
                    what: self.what,
                    index,
                    reason: job
                        .error
                        .unwrap_or_else(|| "the previous run stopped while submitting".to_owned()),
                });
            }
            _ => {}
        }
        if self.stop.is_requested() {
            return Err(WorkflowError::Stopped);
        }
        // Recorded before the POST: if we die now, the next run knows a
        // task may exist.
        self.store.update_job(index, |j| {
            j.state = JobState::Submitting;
            j.request = Some(request.to_json());
            j.task_id = None;
            j.error = None;
            j.video_url = None;
            j.last_frame_url = None;
            j.expires_at = None;
            j.video = None;
            j.last_frame = None;
            j.submissions += 1;
        })?;
        match self.client.submit(request).await {
            Ok(s) => {
                self.store.update_job(index, |j| {
                    j.state = JobState::Submitted;
                    j.task_id = Some(s.task_id.clone());
                })?;
                (self.events)(&Event::Submitted {
                    index,
                    task_id: s.task_id.clone(),
                });
                Ok(s.task_id)
            }
            Err(e) if e.may_have_created_task() => {
                let reason = e.to_string();
                self.store
                    .update_job(index, |j| j.error = Some(reason.clone()))?;
                Err(WorkflowError::Uncertain {
                    what: self.what,
                    index,
                    reason,
                })
            }
            Err(e) => {
                // Refused outright (4xx, or retries exhausted before the
                // server accepted): nothing was created.
                self.store.update_job(index, |j| {
                    j.state = JobState::Planned;
                    j.error = Some(e.to_string());
                    j.submissions -= 1;
                })?;
                Err(self.client_error(index, e))
            }
        }
    }

    /// Waits for job `index`'s task and records its result.
    pub(crate) async fn complete(&self, index: usize) -> Result<(), WorkflowError> {
        let job = self.store.job(index);
        if matches!(job.state, JobState::Completed | JobState::Downloaded) {
            return Ok(());
        }
        let Some(task_id) = job.task_id else {
            return Err(WorkflowError::Uncertain {
                what: self.what,
                index,
                reason: "no task id recorded".to_owned(),
            });
        };
        let events = self.events.clone();
        let wait = self.client.wait_with(&task_id, |e| {
            events(&Event::Progress {
                index,
                status: e.status.clone(),
                progress: e.progress,
                eta: e.eta,
            });
        });
        let waited = tokio::select! {
            w = wait => w,
            () = self.stop.requested() => return Err(WorkflowError::Stopped),
        };
        match waited {
            Ok(task) => {
                let result = task.result.as_ref();
                self.store.update_job(index, |j| {
                    j.state = JobState::Completed;
                    j.video_url = result.and_then(|r| r.video_url()).map(str::to_owned);
                    j.last_frame_url = result.and_then(|r| r.last_frame_url.clone());
                    j.expires_at = result.and_then(|r| r.expires_at());
                    j.error = None;
                })?;
                (self.events)(&Event::Completed { index });
                Ok(())
            }
            Err(e @ (ClientError::TaskFailed { .. } | ClientError::TaskCancelled { .. })) => {
                let message = e.to_string();
                self.store.update_job(index, |j| {
                    j.state = JobState::Failed;
                    j.error = Some(message.clone());
                })?;
                (self.events)(&Event::Failed {
                    index,
                    message: message.clone(),
                });
                Err(WorkflowError::TaskFailed {
                    what: self.what,
                    index,
                    task_id,
                    message,
                })
            }
            Err(e) => {
                let message = e.to_string();
                self.store.update_job(index, |j| j.error = Some(message))?;
                Err(self.client_error(index, e))
            }
        }
    }

    /// Downloads job `index`'s files unless they are already there intact.
    pub(crate) async fn download(&self, index: usize) -> Result<(), WorkflowError> {
        let job = self.store.job(index);
        if job.state == JobState::Downloaded {
            let intact = job.video.as_ref().is_some_and(|v| verify(self.out_dir, v))
                && job
                    .last_frame
                    .as_ref()
                    .is_none_or(|f| verify(self.out_dir, f));
            if intact {
                if let Some(video) = job.video.clone() {
                    (self.events)(&Event::Downloaded {
                        index,
                        video,
                        reused: true,
                    });
                }
                return Ok(());
            }
            tracing::warn!(
                index,
                "downloaded files are missing or changed; downloading again"
            );
        }
        let task_id = job.task_id.clone().unwrap_or_default();
        let stem = (self.stem)(index);
        remove_stale_parts(self.out_dir, &stem);
        let fetch = |url: String, name: String, file: &'static str| {
            let task_id = task_id.clone();
            async move {
                match self
                    .client
                    .download(&url, &self.out_dir.join(name), job.expires_at)
                    .await
                {
                    Ok(d) => Ok(d),
                    Err(ClientError::Expired { expires_at }) => Err(WorkflowError::Expired {
                        what: self.what,
                        index,
                        task_id,
                        file,
                        expires_at,
                    }),
                    Err(e) => Err(self.client_error(index, e)),
                }
            }
        };
        let Some(video_url) = job.video_url.clone() else {
            return Err(self.client_error(
                index,
                ClientError::UnexpectedResponse {
                    status: 200,
                    detail: "the task completed without a video URL".into(),
                },
            ));
        };
        let files = async {
            let video = fetch(video_url, format!("{stem}.mp4"), "video").await?;
            let last_frame = match job.last_frame_url.clone() {
                Some(url) => {
                    Some(fetch(url, format!("{stem}_last_frame.png"), "last frame").await?)
                }
                None => None,
            };
            Ok::<_, WorkflowError>((video, last_frame))
        };
        let (video, last_frame) = tokio::select! {
            files = files => files?,
            () = self.stop.requested() => return Err(WorkflowError::Stopped),
        };
        let video = file_record(self.out_dir, &video);
        let last_frame = last_frame.map(|d| file_record(self.out_dir, &d));
        self.store.update_job(index, |j| {
            j.state = JobState::Downloaded;
            j.video = Some(video.clone());
            j.last_frame = last_frame;
        })?;
        (self.events)(&Event::Downloaded {
            index,
            video,
            reused: false,
        });
        Ok(())
    }
}
