//! One job's lifecycle against the manifest: submit (recording `submitting`
//! first), wait, download, verify. Shared by chains and batches.

use std::path::Path;

use seedance_core::{GenerationRequest, IdempotencyKey};
use seedance_transport::{Client, ClientError, Download};

use crate::error::WorkflowError;
use crate::events::{Event, EventSink};
use crate::layout::{RunLayout, last_frame_file_name, video_file_name};
use crate::manifest::ManifestStore;
use crate::records::{FileRecord, JobRecord, JobState, JsonText};
use crate::stop::StopSignal;

/// A new run's id: unique per process and moment, part of the idempotency
/// keys the run derives (each is recorded before use, so a rerun resends
/// with the recorded key, never a new one).
pub(crate) fn new_run_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    );
    crate::records::sha256_hex(seed.as_bytes())[..16].to_owned()
}

/// Runs job steps for one run.
pub(crate) struct JobRunner<'a> {
    pub(crate) client: &'a Client,
    pub(crate) store: &'a ManifestStore,
    /// The run's directory, its kind and every name it writes.
    pub(crate) layout: RunLayout,
    pub(crate) resubmit_uncertain: bool,
    pub(crate) events: EventSink,
    /// Raised to stop at the next safe point.
    pub(crate) stop: StopSignal,
    /// Local files that placeholders in requests stand for.
    pub(crate) local_files: &'a crate::local_media::LocalFiles,
    pub(crate) media: &'a crate::local_media::Destinations,
    /// This run's id, part of every idempotency key it derives.
    pub(crate) run_id: String,
}

fn file_record(out_dir: &Path, d: &Download) -> FileRecord {
    let rel = d.path.strip_prefix(out_dir).unwrap_or(&d.path);
    FileRecord {
        path: rel.to_string_lossy().into_owned(),
        bytes: d.bytes,
        digest: d.digest,
    }
}

/// Whether the file a record points at is there with the recorded content
/// and is the media its name says (a file an older version, or someone
/// else, saved there is checked by its bytes, not trusted). Reads the file
/// on a blocking thread.
pub(crate) async fn verify(out_dir: &Path, record: &FileRecord) -> bool {
    let path = out_dir.join(&record.path);
    let record = record.clone();
    tokio::task::spawn_blocking(move || verify_blocking(&path, &record))
        .await
        .unwrap_or(false)
}

fn verify_blocking(path: &Path, record: &FileRecord) -> bool {
    use seedance_core::media_check::{Expected, MediaCheck};
    use seedance_transport::DigestStream;
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut hasher = DigestStream::new(record.digest.algorithm());
    let mut check = MediaCheck::new(Expected::for_file_name(&record.path));
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                check.feed(&buf[..n]);
            }
            Err(_) => return false,
        }
    }
    check.len() == record.bytes && hasher.finish() == record.digest && check.finish().is_ok()
}

impl JobRunner<'_> {
    pub(crate) fn client_error(&self, index: usize, source: ClientError) -> WorkflowError {
        WorkflowError::Client {
            what: self.layout.kind().noun(),
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
            (JobState::Submitting, _) if self.can_resend_with_key(&job) => {
                return self.resend_with_key(index, &job).await;
            }
            (JobState::Submitting, _) if !self.resubmit_uncertain => {
                return Err(WorkflowError::Uncertain {
                    what: self.layout.kind().noun(),
                    index,
                    reason: job
                        .error
                        .unwrap_or_else(|| "the previous run stopped while submitting".to_owned()),
                    sent_at: job.sent_at,
                });
            }
            _ => {}
        }
        if self.stop.is_requested() {
            return Err(WorkflowError::Stopped);
        }
        // Local images: uploaded (or an earlier live upload reused) before
        // anything is paid for; the manifest records the request as sent.
        let mut body = request.to_json();
        crate::local_media::publish_to(
            self.client,
            self.media,
            &mut body,
            self.local_files,
            self.store,
        )
        .await?;
        let published;
        let request = if body == request.to_json() {
            request
        } else {
            published = GenerationRequest::from_json(&body)
                .map(|(r, _)| r)
                .map_err(|e| self.client_error(index, ClientError::Invalid(e)))?;
            &published
        };
        let key = self.key_for(index, &request.to_json());
        // Recorded before the POST: if we die now, the next run knows a
        // task may exist, and with which key to ask again.
        self.store
            .update_job_async(index, |j| {
                j.state = JobState::Submitting;
                // The take this submit makes (chains number it before; a
                // batch job gets the next after its kept takes), so that
                // `seedance takes` lists it and a later edit archives it
                // under its own number.
                if j.take == 0 {
                    j.take = j.takes.iter().map(|t| t.number).max().unwrap_or(0) + 1;
                }
                j.request = Some(JsonText::new(&request.to_json()));
                j.task_id = None;
                j.error = None;
                j.video_url = None;
                j.video_urls.clear();
                j.last_frame_url = None;
                j.expires_at = None;
                j.video = None;
                j.last_frame = None;
                j.cost = None;
                j.credits_cost = None;
                j.currency = None;
                j.refunded = false;
                j.submissions += 1;
                j.sent_at = Some(self.client.unix_now());
                j.idempotency_key = Some(key.as_str().to_owned());
                j.keys_honoured = false;
                j.replayed = false;
                j.resent_unconfirmed = false;
            })
            .await?;
        let sent = self.client.submit_with_key(request, &key).await;
        self.record_submit(index, sent).await
    }

    /// The key of job `index`'s submit of `body`: this run, the job, the
    /// take it makes, and the body's digest.
    fn key_for(&self, index: usize, body: &serde_json::Value) -> IdempotencyKey {
        let take = self.store.read(|m| m.jobs[index].take);
        let digest = crate::records::sha256_hex(body.to_string().as_bytes());
        IdempotencyKey::for_job(&self.run_id, index, take, &digest[..32])
    }

    /// Whether a job left `submitting` (its outcome unknown) may be sent
    /// again with its recorded key: it has one and its request, and the
    /// service honours keys (as recorded, or as this client has seen).
    fn can_resend_with_key(&self, job: &JobRecord) -> bool {
        if job.idempotency_key.is_none() || job.request.is_none() {
            return false;
        }
        if job.keys_honoured {
            self.client
                .assume_idempotency_support(seedance_transport::IdempotencySupport::Shown);
        }
        self.client.resends_uncertain_submits()
    }

    /// Sends job `index`'s recorded request again with its recorded key:
    /// the service answers with the task the first send created (a
    /// replay), or creates it now if the first never arrived.
    async fn resend_with_key(
        &self,
        index: usize,
        job: &JobRecord,
    ) -> Result<String, WorkflowError> {
        let (Some(key), Some(body)) = (&job.idempotency_key, &job.request) else {
            return Err(WorkflowError::Uncertain {
                what: self.layout.kind().noun(),
                index,
                reason: "no key or request recorded".to_owned(),
                sent_at: job.sent_at,
            });
        };
        let key = IdempotencyKey::new(key.clone()).map_err(|e| WorkflowError::Uncertain {
            what: self.layout.kind().noun(),
            index,
            reason: format!("the recorded key is unusable ({e})"),
            sent_at: job.sent_at,
        })?;
        let request = GenerationRequest::from_json(&body.parse())
            .map(|(r, _)| r)
            .map_err(|e| self.client_error(index, ClientError::Invalid(e)))?;
        if self.stop.is_requested() {
            return Err(WorkflowError::Stopped);
        }
        tracing::info!(
            index,
            "resending an uncertain submit with its recorded Idempotency-Key"
        );
        let sent = self.client.submit_with_key(&request, &key).await;
        // Whatever the answer, the first send's outcome was uncertain.
        let sent = sent.map(|mut s| {
            s.resent_unconfirmed = !s.replayed;
            s
        });
        self.record_submit(index, sent).await
    }

    /// Records a submit's outcome in job `index`.
    async fn record_submit(
        &self,
        index: usize,
        sent: Result<seedance_transport::Submitted, ClientError>,
    ) -> Result<String, WorkflowError> {
        match sent {
            Ok(s) => {
                self.store
                    .update_job_async(index, |j| {
                        j.state = JobState::Submitted;
                        j.task_id = Some(s.task_id.clone());
                        j.replayed = s.replayed;
                        j.resent_unconfirmed = s.resent_unconfirmed;
                        j.request_id = s.request_id.clone();
                        j.error = None;
                    })
                    .await?;
                (self.events)(&Event::Submitted {
                    index,
                    task_id: s.task_id.clone(),
                });
                Ok(s.task_id)
            }
            Err(e) if e.may_have_created_task() => {
                // The cause alone: the workflow error says "may have been billed" once.
                let (reason, sent_at) = match &e {
                    ClientError::SubmitUncertain {
                        reason, sent_at, ..
                    } => (reason.clone(), Some(*sent_at)),
                    other => (other.to_string(), None),
                };
                let honoured = self.client.idempotency_support()
                    == seedance_transport::IdempotencySupport::Shown;
                self.store
                    .update_job_async(index, |j| {
                        j.state = JobState::Submitting;
                        j.error = Some(reason.clone());
                        j.sent_at = sent_at.or(j.sent_at);
                        j.keys_honoured = honoured;
                    })
                    .await?;
                Err(WorkflowError::Uncertain {
                    what: self.layout.kind().noun(),
                    index,
                    reason,
                    sent_at,
                })
            }
            Err(e) => {
                // A definite refusal (a documented 400/401/402/429 body) or
                // nothing sent: no task was created.
                self.store
                    .update_job_async(index, |j| {
                        j.state = JobState::Planned;
                        j.error = Some(e.to_string());
                        j.submissions = j.submissions.saturating_sub(1);
                    })
                    .await?;
                Err(self.client_error(index, e))
            }
        }
    }

    /// Waits for job `index`'s task and records its result.
    pub(crate) async fn complete(&self, index: usize) -> Result<(), WorkflowError> {
        let job = self.store.job(index);
        let has_result = !job.result_video_urls().is_empty();
        // A job recorded `completed` without its URLs (an older version took
        // a `completed` answer without a result at its word) is polled again.
        if matches!(job.state, JobState::Completed | JobState::Downloaded) && has_result {
            return Ok(());
        }
        // Files on disk, intact, are the result itself: a take selected
        // after its URLs expired (or kept by a version that did not record
        // them) is finished, whether or not the service still knows its task.
        if job.state == JobState::Downloaded && self.files_intact(&job).await {
            return Ok(());
        }
        let Some(task_id) = job.task_id else {
            return Err(WorkflowError::Uncertain {
                what: self.layout.kind().noun(),
                index,
                reason: "no task id recorded".to_owned(),
                sent_at: job.sent_at,
            });
        };
        // A task recorded by an earlier process: the client learns what it
        // was sent with, so its cost is priced at the right rate (on Ark, a
        // reference video lowers it).
        if let Some(sent) = job.request.as_ref().map(JsonText::parse) {
            let model = sent.get("model").and_then(serde_json::Value::as_str);
            let with_video = sent
                .get("video_urls")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|v| !v.is_empty());
            if let Some(model) = model {
                self.client.remember_task(&task_id, model, with_video);
            }
        }
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
                let currency = self.client.cost_currency();
                self.store
                    .update_job_async(index, |j| {
                        j.state = JobState::Completed;
                        j.video_url = None;
                        j.video_urls = result
                            .map(|r| r.video_urls().map(str::to_owned).collect())
                            .unwrap_or_default();
                        j.last_frame_url = result.and_then(|r| r.last_frame_url.clone());
                        j.expires_at = result.and_then(|r| r.expires_at());
                        j.cost = task.billed();
                        j.credits_cost = task.credits_cost;
                        j.currency = currency.clone();
                        j.error = None;
                    })
                    .await?;
                (self.events)(&Event::Completed { index });
                Ok(())
            }
            Err(
                e @ (ClientError::TaskFailed { .. }
                | ClientError::TaskCancelled { .. }
                | ClientError::TaskExpired { .. }),
            ) => {
                let message = e.to_string();
                let cause = match &e {
                    ClientError::TaskFailed {
                        error: Some(api), ..
                    } => seedance_core::FailureCause::of(api),
                    _ => None,
                };
                self.store
                    .update_job_async(index, |j| {
                        j.state = JobState::Failed;
                        j.error = Some(message.clone());
                        // A task that ends failed is refunded.
                        j.cost = Some(0.0);
                        j.refunded = true;
                    })
                    .await?;
                (self.events)(&Event::Failed {
                    index,
                    message: message.clone(),
                });
                Err(WorkflowError::TaskFailed {
                    what: self.layout.kind().noun(),
                    index,
                    task_id,
                    message,
                    cause,
                })
            }
            Err(e) => {
                let message = e.to_string();
                self.store
                    .update_job_async(index, |j| j.error = Some(message))
                    .await?;
                Err(self.client_error(index, e))
            }
        }
    }

    /// Whether the job's recorded files are all there, intact.
    async fn files_intact(&self, job: &JobRecord) -> bool {
        let video_ok = match &job.video {
            Some(v) => verify(self.layout.dir(), v).await,
            None => false,
        };
        video_ok
            && match &job.last_frame {
                Some(f) => verify(self.layout.dir(), f).await,
                None => true,
            }
    }

    /// Downloads job `index`'s files unless they are already there intact.
    pub(crate) async fn download(&self, index: usize) -> Result<(), WorkflowError> {
        let job = self.store.job(index);
        if job.state == JobState::Downloaded {
            if self.files_intact(&job).await {
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
        let stem = self.layout.stem(index);
        let fetch = |urls: Vec<String>, name: String, file: &'static str| {
            let task_id = task_id.clone();
            async move {
                let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
                match self
                    .client
                    .download_first_live(&urls, &self.layout.dir().join(name), job.expires_at)
                    .await
                {
                    Ok(d) => Ok(d),
                    Err(ClientError::Expired { expires_at }) => Err(WorkflowError::Expired {
                        what: self.layout.kind().noun(),
                        index,
                        task_id,
                        file,
                        expires_at,
                    }),
                    Err(e) => Err(self.client_error(index, e)),
                }
            }
        };
        let video_urls = job.result_video_urls();
        if video_urls.is_empty() {
            return Err(self.client_error(
                index,
                ClientError::UnexpectedResponse {
                    status: 200,
                    detail: "the task completed without a video URL".into(),
                },
            ));
        }
        let files = async {
            let video = fetch(video_urls, video_file_name(&stem), "video").await?;
            let last_frame = match job.last_frame_url.clone() {
                Some(url) => {
                    Some(fetch(vec![url], last_frame_file_name(&stem), "last frame").await?)
                }
                None => None,
            };
            Ok::<_, WorkflowError>((video, last_frame))
        };
        let (video, last_frame) = tokio::select! {
            files = files => files?,
            () = self.stop.requested() => return Err(WorkflowError::Stopped),
        };
        let video = file_record(self.layout.dir(), &video);
        let last_frame = last_frame.map(|d| file_record(self.layout.dir(), &d));
        self.store
            .update_job_async(index, |j| {
                j.state = JobState::Downloaded;
                j.video = Some(video.clone());
                j.last_frame = last_frame;
            })
            .await?;
        (self.events)(&Event::Downloaded {
            index,
            video,
            reused: false,
        });
        Ok(())
    }
}
