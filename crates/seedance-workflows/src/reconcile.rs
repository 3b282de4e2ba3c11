//! Reconciliation: a run's records (opened from the store) brought in line
//! with the plan it is asked to run. What would change is detected first
//! ([`crate::changes`]); changes to jobs already paid for need consent;
//! accepted ones keep the current take ([`crate::takes`]) and start a new
//! one. The chain and the batch open their store here.

use std::path::Path;

use crate::changes::{PlanChanges, Reconcile, detect};
use crate::error::WorkflowError;
use crate::layout::RunLayout;
use crate::manifest::{ManifestError, ManifestStore, read_run};
use crate::records::{JobRecord, JobState, JsonText, Manifest, ManifestKind};
use crate::takes::{archive_files, reset_for_new_take};

/// What reconciling `recon` with the run in `out_dir` would change, read
/// only: the preview a caller shows before asking to pay.
pub(crate) fn preview(
    out_dir: &Path,
    kind: ManifestKind,
    recon: &Reconcile,
) -> Result<PlanChanges, WorkflowError> {
    let manifest = match read_run(out_dir)? {
        Some(m) if m.kind != kind => {
            return Err(ManifestError::Corrupt {
                path: out_dir.join(RunLayout::MANIFEST),
                reason: format!("a {:?} run, expected a {kind:?} run", m.kind),
            }
            .into());
        }
        Some(m) => m,
        None => Manifest::new(kind),
    };
    Ok(detect(&manifest, recon))
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
    recon: Reconcile,
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
    let changes = store.read(|m| detect(m, &recon));
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
    let layout = RunLayout::new(out_dir, kind);
    let archived = tokio::task::spawn_blocking(move || {
        moving
            .iter()
            .map(|job| Ok((job.index, archive_files(&layout, job)?)))
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
                    reset_for_new_take(job, archived.clone(), fingerprint);
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
