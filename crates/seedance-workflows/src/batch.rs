//! Batches: independent jobs with bounded concurrency. Submits are paced by
//! the client, which slows down on 429 and speeds up again; the manifest
//! (here a journal of jobs) makes a rerun resume like a chain.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use seedance_core::rng::SplitMix64;
use seedance_core::{GenerationRequest, RetryConfig, Violation, validate_json};
use seedance_transport::Client;

use crate::error::WorkflowError;
use crate::events::{Event, EventSink, ignore};
use crate::job::JobRunner;
use crate::layout::RunLayout;
use crate::plan::PlanError;
use crate::records::{Fingerprint, JobState, ManifestKind};
use crate::stop::StopSignal;

/// How a batch runs.
#[derive(Clone)]
pub struct BatchOptions {
    /// Jobs in flight at once.
    pub concurrency: usize,
    /// Send again jobs whose earlier submit may have created a task.
    pub resubmit_uncertain: bool,
    /// Jobs to generate again from scratch.
    pub regenerate: Vec<usize>,
    /// Accept a jobs file edited under jobs already generated (they get new
    /// takes); without it such a run stops before paying.
    pub apply_changes: bool,
    /// Where events go.
    pub events: EventSink,
    /// Raised to stop at the next safe point (see [`StopSignal`]).
    pub stop: StopSignal,
    /// The local files placeholders in the requests stand for (see
    /// [`crate::local_media`]); uploaded just before the submit that needs them.
    pub local_files: crate::local_media::LocalFiles,
    /// Where local files are published (the media store for videos and
    /// audio, see [`crate::media_store`]).
    pub media: crate::local_media::Destinations,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: 4,
            resubmit_uncertain: false,
            regenerate: Vec::new(),
            apply_changes: false,
            events: ignore(),
            stop: StopSignal::new(),
            local_files: crate::local_media::LocalFiles::default(),
            media: crate::local_media::Destinations::default(),
        }
    }
}

impl std::fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchOptions")
            .field("concurrency", &self.concurrency)
            .field("resubmit_uncertain", &self.resubmit_uncertain)
            .finish_non_exhaustive()
    }
}

/// One job of a batch that did not finish.
#[derive(Debug)]
pub struct JobFailure {
    /// The job's index in the jobs file.
    pub index: usize,
    /// Why, typed: [`WorkflowError::may_have_created_task`] says whether a
    /// paid task may exist for it.
    pub error: WorkflowError,
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct BatchSummary {
    /// Jobs whose files are on disk.
    pub done: Vec<usize>,
    /// Jobs that did not finish, in index order.
    pub failed: Vec<JobFailure>,
}

impl BatchSummary {
    /// Whether every job finished.
    pub fn all_done(&self) -> bool {
        self.failed.is_empty()
    }
}

pub use crate::layout::job_stem;

/// Parses a JSON Lines jobs file (one request per line; blank lines and
/// lines starting with `#` skipped). Every invalid line is reported, with
/// paths like `line 3: duration`.
pub fn parse_jobs(text: &str) -> Result<Vec<GenerationRequest>, PlanError> {
    parse_jobs_with_local_files(text, None).map(|(jobs, _)| jobs)
}

/// [`parse_jobs`], where image fields may also name local files (relative
/// to `base`): they are replaced with placeholders (see
/// [`crate::local_media`]) and returned, to be uploaded before each submit.
/// With `base` `None`, local paths are invalid URLs.
pub fn parse_jobs_with_local_files(
    text: &str,
    base: Option<&Path>,
) -> Result<(Vec<GenerationRequest>, Vec<crate::local_media::LocalFile>), PlanError> {
    parse_jobs_with_local_media(text, base, false)
}

/// [`parse_jobs_with_local_files`], with local videos and audio accepted
/// when `av` (a media store will publish them).
pub fn parse_jobs_with_local_media(
    text: &str,
    base: Option<&Path>,
    av: impl Into<crate::local_media::LocalMediaPolicy>,
) -> Result<(Vec<GenerationRequest>, Vec<crate::local_media::LocalFile>), PlanError> {
    let av = av.into();
    let mut local = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut jobs = Vec::new();
    let at = |line: usize, v: Violation| Violation {
        path: if v.path.is_empty() {
            format!("line {line}")
        } else {
            format!("line {line}: {}", v.path)
        },
        ..v
    };
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut value: serde_json::Value = match serde_json::from_str(trimmed) {
            Ok(v) => v,
            Err(e) => {
                errors.push(Violation::new(
                    seedance_core::Code::NotAnObject,
                    format!("line {}", i + 1),
                    format!("not valid JSON: {e}"),
                ));
                continue;
            }
        };
        if let Some(base) = base {
            match crate::local_media::localize_media(&mut value, base, av) {
                Ok(found) => local.extend(found.into_iter().map(|mut f| {
                    f.field = format!("line {}: {}", i + 1, f.field);
                    f
                })),
                Err(v) => {
                    errors.extend(v.into_iter().map(|v| at(i + 1, v)));
                    continue;
                }
            }
        }
        let report = validate_json(&value);
        warnings.extend(report.warnings.iter().cloned().map(|v| at(i + 1, v)));
        if !report.is_valid() {
            errors.extend(report.errors.into_iter().map(|v| at(i + 1, v)));
            continue;
        }
        match GenerationRequest::from_json(&value) {
            Ok((r, _)) => jobs.push(r),
            Err(e) => errors.extend(e.report.errors.into_iter().map(|v| at(i + 1, v))),
        }
    }
    if jobs.is_empty() && errors.is_empty() {
        errors.push(Violation::new(
            seedance_core::Code::Required,
            "",
            "the jobs file has no jobs",
        ));
    }
    if errors.is_empty() {
        Ok((jobs, local))
    } else {
        Err(PlanError { errors, warnings })
    }
}

/// How a batch rerun reconciles `jobs` with the jobs already recorded.
fn reconcile(jobs: &[GenerationRequest], options: &BatchOptions) -> crate::changes::Reconcile {
    let fingerprints: Vec<Fingerprint> = jobs.iter().map(Fingerprint::of_request).collect();
    crate::changes::Reconcile {
        fingerprints,
        specs: Vec::new(),
        regenerate: options.regenerate.clone(),
        keep_downstream: true,
        apply_changes: options.apply_changes,
        linked: false,
        what: "job",
    }
}

/// What running `jobs` into `out_dir` would change and generate, without
/// paying or writing anything: for asking before a rerun pays for edited
/// jobs (see [`crate::changes::PlanChanges::needs_consent`]). Reads the
/// whole journal, so a caller that will not ask can skip it and let
/// [`run_batch`] refuse with [`WorkflowError::ChangesNeedConfirmation`].
pub fn preview_batch(
    jobs: &[GenerationRequest],
    out_dir: &Path,
    options: &BatchOptions,
) -> Result<crate::changes::PlanChanges, WorkflowError> {
    crate::reconcile::preview(out_dir, ManifestKind::Batch, &reconcile(jobs, options))
}

/// Runs (or resumes) `jobs` into `out_dir`. Individual failures do not stop
/// the batch; they are listed in the summary.
pub async fn run_batch(
    client: &Client,
    jobs: &[GenerationRequest],
    out_dir: &Path,
    options: &BatchOptions,
) -> Result<BatchSummary, WorkflowError> {
    // The service's own rules (the client knows which apply), for every
    // job before anything is paid.
    for (index, job) in jobs.iter().enumerate() {
        if let Err(e) = client.validate(job).into_result() {
            return Err(WorkflowError::Client {
                what: "job",
                index,
                source: Box::new(seedance_transport::ClientError::Invalid(e)),
            });
        }
    }
    let recon = reconcile(jobs, options);
    // Held until the run ends: a second run on this directory would pay twice.
    let _lock = crate::lock::OutputLock::acquire(out_dir)?;
    let store = crate::reconcile::open_store(out_dir, ManifestKind::Batch, recon).await?;
    let runner = JobRunner {
        client,
        store: &store,
        layout: RunLayout::new(out_dir, ManifestKind::Batch),
        resubmit_uncertain: options.resubmit_uncertain,
        events: options.events.clone(),
        stop: options.stop.clone(),
        local_files: &options.local_files,
        media: &options.media,
        run_id: crate::job::new_run_id(),
    };
    let runner = &runner;
    // Jobs with work to do first; finished ones (whose files are only
    // re-verified) after: a rerun of a large batch reaches its new jobs at once.
    let (done, todo): (Vec<usize>, Vec<usize>) = store.read(|m| {
        (0..jobs.len()).partition(|k| {
            m.jobs
                .get(*k)
                .is_some_and(|j| j.state == JobState::Downloaded)
        })
    });
    // Outcomes are folded into the summary as they come: a list of 100,000
    // results (each with room for an error) would be held at the end.
    let mut summary = BatchSummary::default();
    let mut fatal = None;
    let mut outcomes = futures_util::stream::iter(todo.into_iter().chain(done))
        .map(|k| async move { (k, run_one(runner, k, &jobs[k]).await) })
        .buffer_unordered(options.concurrency.max(1));
    while let Some((k, r)) = outcomes.next().await {
        match r {
            Ok(()) => summary.done.push(k),
            Err(e @ WorkflowError::Manifest(_)) => {
                fatal.get_or_insert(e);
            }
            Err(error) => {
                (options.events)(&Event::Failed {
                    index: k,
                    message: error.to_string(),
                });
                summary.failed.push(JobFailure { index: k, error });
            }
        }
    }
    if options.stop.is_requested() {
        return Err(WorkflowError::Stopped);
    }
    if let Some(e) = fatal {
        return Err(e);
    }
    summary.done.sort_unstable();
    summary.failed.sort_by_key(|f| f.index);
    // First frames (one ffmpeg run per job) only for batches one reviews by eye.
    let small = store.read(|m| m.jobs.len() <= 100);
    crate::storyboard::update(out_dir, &store, small).await;
    (options.events)(&Event::Done);
    Ok(summary)
}

/// Rate limits and server errors that outlast the client's own retries are
/// waited out with the same retry policy (`seedance_core::retry`) on a
/// longer scale, before the job counts as failed: a batch of thousands
/// meets a busy service for minutes, not seconds.
fn outlasting() -> RetryConfig {
    RetryConfig {
        max_retries: 4,
        base_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(30),
        max_elapsed: Duration::from_secs(300),
        max_retry_after: Duration::from_secs(120),
    }
}

async fn run_one(
    runner: &JobRunner<'_>,
    k: usize,
    request: &GenerationRequest,
) -> Result<(), WorkflowError> {
    let job = runner.store.job(k);
    if matches!(
        job.state,
        JobState::Planned | JobState::Failed | JobState::Submitting
    ) {
        let policy = outlasting();
        // Jitter per job, so jobs refused together do not return together.
        let mut jitter = SplitMix64::new(k as u64);
        let started = tokio::time::Instant::now();
        let mut round = 0;
        loop {
            match runner.submit(k, request).await {
                Ok(_) => break,
                Err(WorkflowError::Client { source, .. }) if source.is_transient() => {
                    // At least half the backoff: "wait it out" must wait.
                    let unit = 0.5 + 0.5 * jitter.next_unit();
                    let delay = policy.delay(round, source.retry_after(), unit);
                    if !policy.allows(round, started.elapsed(), delay) {
                        return Err(runner.client_error(k, *source));
                    }
                    round += 1;
                    tracing::warn!(job = k, error = %source, "submit not accepted yet; waiting");
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = runner.stop.requested() => return Err(WorkflowError::Stopped),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
    runner.complete(k).await?;
    runner.download(k).await
}
