//! Takes: every video generated for a job is kept. The selected take's
//! files are the job's own (`segment_003.mp4`, what stitching and the rest
//! of the chain use); every other take lives in the job's directory
//! (`segment_003/take_1.mp4`, with its last frame) and is listed in the
//! manifest with its task, request and cost. A new take archives the
//! current one first; selecting a take swaps it with the current one.
//!
//! In a chain, each take remembers which take of the previous segment it
//! started from (`linked_from`); when that is no longer the previous
//! segment's selected take, the link is stale: its first frame does not
//! continue the film.

use std::path::Path;

use crate::error::WorkflowError;
use crate::layout::{RunLayout, last_frame_file_name, video_file_name};
use crate::manifest::{ManifestError, ManifestStore};
use crate::records::{FileRecord, Fingerprint, JobRecord, JobState, Manifest, Take};

/// One past every take number the job has used, in the manifest or on disk.
pub(crate) fn next_take_number(job: &JobRecord, dir: &Path) -> u32 {
    let recorded = job
        .takes
        .iter()
        .map(|t| t.number)
        .chain([job.take])
        .max()
        .unwrap_or(0);
    let on_disk = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| RunLayout::take_number(&e.file_name().to_string_lossy()))
        .max()
        .unwrap_or(0);
    recorded.max(on_disk) + 1
}

fn io(path: &Path, source: std::io::Error) -> WorkflowError {
    WorkflowError::Manifest(ManifestError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Moves `file` to the path of `stem`'s file with the same role.
fn move_file(out_dir: &Path, file: &FileRecord, to: String) -> Result<FileRecord, WorkflowError> {
    let from = out_dir.join(&file.path);
    let target = out_dir.join(&to);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    }
    std::fs::rename(&from, &target).map_err(|e| io(&from, e))?;
    Ok(FileRecord {
        path: to,
        ..file.clone()
    })
}

/// The job's current take as a kept take, its files moved into the job's
/// directory (blocking: file renames). `None` when nothing was generated.
pub(crate) fn archive_files(
    layout: &RunLayout,
    job: &JobRecord,
) -> Result<Option<Take>, WorkflowError> {
    let out_dir = layout.dir();
    if job.task_id.is_none() && job.video.is_none() {
        return Ok(None);
    }
    // The job's own take number, unless it has none (batch jobs recorded by
    // earlier versions) or its files would land on a kept take's: then the
    // next free one. A rename onto an existing take would lose a paid video.
    let dir = layout.takes_dir(job.index);
    let taken = |n: u32| {
        let t = layout.take_stem(job.index, n);
        out_dir.join(video_file_name(&t)).exists()
            || out_dir.join(last_frame_file_name(&t)).exists()
    };
    let number = if job.take > 0 && !taken(job.take) {
        job.take
    } else {
        next_take_number(job, &dir)
    };
    let take = layout.take_stem(job.index, number);
    let exists = |f: &&FileRecord| out_dir.join(&f.path).exists();
    let video = job
        .video
        .as_ref()
        .filter(exists)
        .map(|v| move_file(out_dir, v, video_file_name(&take)))
        .transpose()?;
    let last_frame = job
        .last_frame
        .as_ref()
        .filter(exists)
        .map(|f| move_file(out_dir, f, last_frame_file_name(&take)))
        .transpose()?;
    Ok(Some(Take {
        number,
        task_id: job.task_id.clone(),
        request: job.request.clone(),
        spec: job.spec.clone(),
        video,
        last_frame,
        video_urls: job.result_video_urls(),
        last_frame_url: job.last_frame_url.clone(),
        expires_at: job.expires_at,
        cost: job.cost,
        credits_cost: job.credits_cost,
        currency: job.currency.clone(),
        refunded: job.refunded,
        linked_from: job.linked_from,
    }))
}

/// Resets `job` for a new take, keeping its takes and history.
pub(crate) fn reset_for_new_take(
    job: &mut JobRecord,
    archived: Option<Take>,
    fingerprint: Fingerprint,
) {
    let mut fresh = JobRecord::planned(job.index, fingerprint);
    fresh.submissions = job.submissions;
    fresh.takes = std::mem::take(&mut job.takes);
    fresh.takes.extend(archived);
    fresh.takes.sort_by_key(|t| t.number);
    *job = fresh;
}

/// Makes take `number` of `job` the selected one (blocking: file renames):
/// the current take is archived into the job's directory and the chosen
/// one's files take the job's own names.
pub(crate) fn swap_in(
    layout: &RunLayout,
    job: &mut JobRecord,
    number: u32,
) -> Result<(), WorkflowError> {
    let (out_dir, stem) = (layout.dir(), &layout.stem(job.index));
    let Some(pos) = job.takes.iter().position(|t| t.number == number) else {
        return Err(WorkflowError::NoSuchTake {
            index: job.index,
            take: number,
            takes: job
                .takes
                .iter()
                .map(|t| t.number)
                .chain(job.current_take())
                .collect(),
        });
    };
    let chosen = job.takes.remove(pos);
    let archived = archive_files(layout, job)?;
    let video = chosen
        .video
        .as_ref()
        .map(|v| move_file(out_dir, v, video_file_name(stem)))
        .transpose()?;
    let last_frame = chosen
        .last_frame
        .as_ref()
        .map(|f| move_file(out_dir, f, last_frame_file_name(stem)))
        .transpose()?;
    let fingerprint = job.fingerprint;
    reset_for_new_take(job, archived, fingerprint);
    job.state = if video.is_some() {
        JobState::Downloaded
    } else {
        JobState::Completed
    };
    job.take = chosen.number;
    job.task_id = chosen.task_id;
    job.request = chosen.request;
    job.spec = chosen.spec;
    job.video = video;
    job.last_frame = last_frame;
    job.video_urls = chosen.video_urls;
    job.last_frame_url = chosen.last_frame_url;
    job.expires_at = chosen.expires_at;
    job.cost = chosen.cost;
    job.credits_cost = chosen.credits_cost;
    job.currency = chosen.currency;
    job.refunded = chosen.refunded;
    job.linked_from = chosen.linked_from;
    Ok(())
}

/// Job `index` of the run in `store`, or an error naming how many jobs
/// there are.
pub fn job_checked(store: &ManifestStore, index: usize) -> Result<JobRecord, WorkflowError> {
    store.read(|m| {
        m.jobs.get(index).cloned().ok_or(WorkflowError::NoSuchJob {
            index,
            count: m.jobs.len(),
        })
    })
}

/// What selecting a take changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selected {
    /// Segments whose first frame no longer continues the film.
    pub stale: Vec<usize>,
}

/// Selects take `number` of job `index` in the run in `out_dir` (holding
/// the directory's lock): its files become the job's own, the previous
/// selection is kept as a take. Returns the links that are now stale.
pub async fn select_take(
    out_dir: &Path,
    index: usize,
    number: u32,
) -> Result<Selected, WorkflowError> {
    let _lock = crate::lock::OutputLock::acquire(out_dir)?;
    let dir = out_dir.to_owned();
    let store = tokio::task::spawn_blocking(move || ManifestStore::open_existing(&dir))
        .await
        .map_err(|e| io(out_dir, std::io::Error::other(e)))??;
    let layout = store.layout();
    let mut job = job_checked(&store, index)?;
    if job.current_take() == Some(number) {
        return Ok(Selected {
            stale: store.read(Manifest::stale_links),
        });
    }
    let job = tokio::task::spawn_blocking(move || swap_in(&layout, &mut job, number).map(|()| job))
        .await
        .map_err(|e| io(out_dir, std::io::Error::other(e)))??;
    store.update_async(|m| m.jobs[index] = job).await?;
    Ok(Selected {
        stale: store.read(Manifest::stale_links),
    })
}
