//! Chains: segment k+1 starts from segment k's last frame. Downloads of
//! segment k run while segment k+1 generates, so the wall time is the sum of
//! generation times plus little more.

use std::path::{Path, PathBuf};

use seedance_core::MediaUrl;
use seedance_core::digest::DigestAlgorithm;
use seedance_transport::Client;
use tokio::sync::mpsc;

use crate::error::WorkflowError;
use crate::events::{Event, EventSink, ignore};
use crate::job::JobRunner;
use crate::layout::RunLayout;
use crate::manifest::ManifestStore;
use crate::plan::Plan;
use crate::records::{JobState, Manifest, ManifestKind};
use crate::stop::StopSignal;

/// How a chain runs.
#[derive(Clone)]
pub struct ChainOptions {
    /// Send again a segment whose earlier submit may have created a task
    /// (it may pay twice).
    pub resubmit_uncertain: bool,
    /// Segments to generate again (a new take; the current one is kept),
    /// with the generated segments after them unless `keep_downstream`.
    pub regenerate: Vec<usize>,
    /// With `regenerate`: keep the segments after a regenerated one (their
    /// links become stale).
    pub keep_downstream: bool,
    /// Accept a plan edited under segments already generated: the changed
    /// segments, and those after them, get new takes. Without it such a run
    /// stops with [`WorkflowError::ChangesNeedConfirmation`] before paying.
    pub apply_changes: bool,
    /// Live URLs standing in for segments' last frames (segment index to
    /// URL): after result URLs expire, upload the last-frame PNG kept on disk
    /// and continue the chain from it without regenerating anything.
    pub frame_urls: std::collections::BTreeMap<usize, MediaUrl>,
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

impl Default for ChainOptions {
    fn default() -> Self {
        ChainOptions {
            resubmit_uncertain: false,
            regenerate: Vec::new(),
            keep_downstream: false,
            apply_changes: false,
            frame_urls: std::collections::BTreeMap::new(),
            events: ignore(),
            stop: StopSignal::new(),
            local_files: crate::local_media::LocalFiles::default(),
            media: crate::local_media::Destinations::default(),
        }
    }
}

impl std::fmt::Debug for ChainOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainOptions")
            .field("resubmit_uncertain", &self.resubmit_uncertain)
            .field("regenerate", &self.regenerate)
            .finish_non_exhaustive()
    }
}

/// A finished chain.
#[derive(Debug, Clone)]
pub struct ChainOutcome {
    /// The manifest at the end.
    pub manifest: Manifest,
    /// The segment videos, in order.
    pub videos: Vec<PathBuf>,
}

pub use crate::layout::segment_stem;

/// What a run of `plan` asks of the manifest.
fn reconcile(plan: &Plan, options: &ChainOptions) -> crate::changes::Reconcile {
    let placeholder = MediaUrl::parse(crate::plan::PLACEHOLDER_FRAME).ok();
    let n = plan.len();
    crate::changes::Reconcile {
        fingerprints: (0..n).map(|k| plan.fingerprint(k)).collect(),
        specs: (0..n)
            .map(|k| {
                plan.segment_request(k, if k == 0 { None } else { placeholder.as_ref() })
                    .map(|r| r.to_json())
                    .unwrap_or_default()
            })
            .collect(),
        regenerate: options.regenerate.clone(),
        keep_downstream: options.keep_downstream,
        apply_changes: options.apply_changes,
        linked: true,
        what: "segment",
    }
}

/// What running `plan` into `out_dir` with `options` would change and
/// generate, read from the manifest there without touching anything.
pub fn preview_chain(
    plan: &Plan,
    out_dir: &Path,
    options: &ChainOptions,
) -> Result<crate::changes::PlanChanges, WorkflowError> {
    crate::reconcile::preview(out_dir, ManifestKind::Chain, &reconcile(plan, options))
}

/// Runs (or resumes) `plan` into `out_dir`.
pub async fn run_chain(
    client: &Client,
    plan: &Plan,
    out_dir: &Path,
    options: &ChainOptions,
) -> Result<ChainOutcome, WorkflowError> {
    let n = plan.len();
    // The service's own rules (the client knows which apply), for every
    // segment before anything is paid.
    let placeholder = MediaUrl::parse(crate::plan::PLACEHOLDER_FRAME).ok();
    for k in 0..n {
        let request = plan.segment_request(k, if k == 0 { None } else { placeholder.as_ref() })?;
        if let Err(e) = client.validate(&request).into_result() {
            return Err(WorkflowError::Client {
                what: "segment",
                index: k,
                source: Box::new(seedance_transport::ClientError::Invalid(e)),
            });
        }
    }
    // Held until the run ends: a second run on this directory would pay twice.
    let _lock = crate::lock::OutputLock::acquire(out_dir)?;
    let store =
        crate::reconcile::open_store(out_dir, ManifestKind::Chain, reconcile(plan, options))
            .await?;
    let runner = JobRunner {
        client,
        store: &store,
        layout: RunLayout::new(out_dir, ManifestKind::Chain),
        resubmit_uncertain: options.resubmit_uncertain,
        events: options.events.clone(),
        stop: options.stop.clone(),
        local_files: &options.local_files,
        media: &options.media,
        run_id: crate::job::new_run_id(),
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
    let generate = async {
        let tx = tx; // dropped when generation ends, which ends the download loop
        for k in 0..n {
            let job = store.job(k);
            let needs_submit = matches!(
                job.state,
                JobState::Planned | JobState::Failed | JobState::Submitting
            );
            if needs_submit {
                let previous = if k == 0 {
                    None
                } else {
                    Some(link_from(client, &store, out_dir, k, &options.frame_urls).await?)
                };
                let request = plan.segment_request(k, previous.as_ref())?;
                // A new take: its number, and which take of the previous
                // segment it starts from (for stale-link detection).
                let linked_from = (k > 0).then(|| store.job(k - 1).take.max(1));
                let job = store.job(k);
                let number = if job.take == 0 {
                    // Reads the segment's directory: off the async workers.
                    let dir = out_dir.join(segment_stem(k));
                    tokio::task::spawn_blocking(move || crate::takes::next_take_number(&job, &dir))
                        .await
                        .unwrap_or(1)
                } else {
                    job.take
                };
                store
                    .update_job_async(k, |j| {
                        j.take = number;
                        j.linked_from = linked_from;
                    })
                    .await?;
                runner.submit(k, &request).await?;
            }
            runner.complete(k).await?;
            let _ = tx.send(k);
        }
        Ok::<(), WorkflowError>(())
    };
    let download = async {
        let mut first_error = None;
        while let Some(k) = rx.recv().await {
            if let Err(e) = runner.download(k).await {
                tracing::error!(segment = k, error = %e, "download failed");
                first_error.get_or_insert(e);
            }
            crate::storyboard::update(out_dir, &store, false).await;
        }
        first_error
    };
    let (generated, download_error) = tokio::join!(generate, download);
    generated?;
    if let Some(e) = download_error {
        return Err(e);
    }
    crate::storyboard::update(out_dir, &store, true).await;
    (options.events)(&Event::Done);
    let manifest = store.snapshot();
    let videos = manifest
        .jobs
        .iter()
        .filter_map(|j| j.video.as_ref().map(|v| out_dir.join(&v.path)))
        .collect();
    Ok(ChainOutcome { manifest, videos })
}

/// A link URL must live at least this much longer to be used as is.
const LINK_MIN_LIFE_SECS: i64 = 10 * 60;

/// The last frame of segment `k - 1`, as a URL the service can fetch now.
/// While the result URL lives, it is used. Once it has expired, or is about
/// to, the last frame kept on disk is uploaded and the chain continues from
/// that, with no regeneration and no flag. Expiry is advisory (the local
/// clock may be off): without a kept frame, the URL is asked once, without
/// the key, before it counts as expired.
async fn link_from(
    client: &Client,
    store: &ManifestStore,
    out_dir: &Path,
    k: usize,
    overrides: &std::collections::BTreeMap<usize, MediaUrl>,
) -> Result<MediaUrl, WorkflowError> {
    if let Some(url) = overrides.get(&(k - 1)) {
        return Ok(url.clone());
    }
    let prev = store.job(k - 1);
    let url = prev
        .last_frame_url
        .as_deref()
        .and_then(|u| MediaUrl::parse(u).ok())
        .ok_or(WorkflowError::NoLastFrame {
            index: k,
            previous: k - 1,
        })?;
    let Some(expires_at) = prev
        .expires_at
        .filter(|e| e - client.unix_now() < LINK_MIN_LIFE_SECS)
    else {
        return Ok(url);
    };
    if let Some(frame) = &prev.last_frame
        && crate::job::verify(out_dir, frame).await
    {
        tracing::info!(
            segment = k - 1,
            "last-frame URL expiring; uploading the kept frame"
        );
        let path = out_dir.join(&frame.path);
        // Uploads are keyed by SHA-256 (as local files are); a frame recorded
        // with another digest is hashed again (a small PNG).
        let sha256 = match frame.digest.algorithm() {
            DigestAlgorithm::Sha256 => frame.digest.hex(),
            _ => {
                let read = path.clone();
                tokio::task::spawn_blocking(move || std::fs::read(&read))
                    .await
                    .map_err(std::io::Error::other)
                    .and_then(|r| r)
                    .map(|bytes| crate::records::sha256_hex(&bytes))
                    .map_err(|source| {
                        WorkflowError::Publish(crate::local_media::PublishError::Io {
                            path: path.clone(),
                            source,
                        })
                    })?
            }
        };
        let live = crate::local_media::publish_file(client, &path, &sha256, store).await?;
        return MediaUrl::parse(&live).map_err(|e| {
            WorkflowError::Publish(crate::local_media::PublishError::Io {
                path: out_dir.join(&frame.path),
                source: std::io::Error::other(e.to_string()),
            })
        });
    }
    if client.url_is_live(url.as_str()).await {
        return Ok(url);
    }
    Err(WorkflowError::LinkExpired {
        index: k,
        previous: k - 1,
        expires_at,
    })
}
