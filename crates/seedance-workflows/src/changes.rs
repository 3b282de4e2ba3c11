//! What a rerun would change: a plan edited under segments already
//! generated, segments to generate again (`--regenerate`), and the
//! segments downstream of them whose first frame would no longer continue
//! the film. Nothing is paid for such changes until they are accepted
//! (`ChainOptions::apply_changes`); appending segments needs no consent.

use std::fmt::Write as _;

use serde_json::Value;

use crate::records::{Fingerprint, JobState, JsonText, Manifest};

/// What a run is asked to do with the jobs already in its manifest.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reconcile {
    pub(crate) fingerprints: Vec<Fingerprint>,
    /// Each job as planned (what its fingerprint hashes).
    pub(crate) specs: Vec<Value>,
    pub(crate) regenerate: Vec<usize>,
    pub(crate) keep_downstream: bool,
    pub(crate) apply_changes: bool,
    /// Chains: job k+1 starts from job k's last frame.
    pub(crate) linked: bool,
    pub(crate) what: &'static str,
}

/// A job whose plan changed after it was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Changed {
    /// The job.
    pub index: usize,
    /// The request fields that differ (`prompt`, `duration`, `image_urls`...);
    /// empty when the manifest predates recording them.
    pub fields: Vec<String>,
}

/// What a rerun would change, and generate, before anything is paid.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PlanChanges {
    /// "segment" or "job".
    pub what: &'static str,
    /// Jobs never generated (appended, or not reached yet).
    pub new: Vec<usize>,
    /// Jobs whose plan changed after they were generated.
    pub changed: Vec<Changed>,
    /// Jobs asked to be generated again.
    pub regenerated: Vec<usize>,
    /// Generated jobs after a changed or regenerated segment, generated
    /// again because their first frame comes from it.
    pub downstream: Vec<usize>,
    /// Jobs in the manifest beyond the plan (their files are kept as takes).
    pub removed: Vec<usize>,
    /// Every job that would be generated, with its request as planned
    /// (for cost estimates).
    pub generate: Vec<(usize, Value)>,
}

impl PlanChanges {
    /// Whether the run changes something already paid for (an edit, a
    /// regeneration, a removal): appends alone need no consent.
    pub fn needs_consent(&self) -> bool {
        !(self.changed.is_empty()
            && self.regenerated.is_empty()
            && self.downstream.is_empty()
            && self.removed.is_empty())
    }

    /// Jobs already generated that get a new take: changed, regenerated and
    /// downstream ones.
    pub fn new_takes(&self) -> Vec<usize> {
        self.changed
            .iter()
            .map(|c| c.index)
            .chain(self.regenerated.iter().copied())
            .chain(self.downstream.iter().copied())
            .collect()
    }

    /// Seconds of video the jobs to generate ask for (5 when unset).
    pub fn seconds(&self) -> u64 {
        self.generate
            .iter()
            .map(|(_, r)| r["duration"].as_i64().filter(|d| *d > 0).unwrap_or(5) as u64)
            .sum()
    }

    /// Puts `requests[k]` (a batch's jobs) where the request of job `k` to
    /// generate is missing: a batch does not keep every request as JSON
    /// while it runs, so its changes name jobs by index only until filled,
    /// which the cost estimate and the seconds to generate need.
    pub fn fill_requests(&mut self, requests: &[seedance_core::GenerationRequest]) {
        for (k, value) in &mut self.generate {
            if value.is_null()
                && let Some(r) = requests.get(*k)
            {
                *value = serde_json::to_value(r).unwrap_or(Value::Null);
            }
        }
    }

    /// A human summary, one line per kind of change.
    pub fn summary(&self) -> String {
        let what = self.what;
        let list = |v: &[usize]| {
            v.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::new();
        for c in &self.changed {
            let fields = if c.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.fields.join(", "))
            };
            let _ = writeln!(out, "{what} {} changed{fields}", c.index);
        }
        if !self.regenerated.is_empty() {
            let _ = writeln!(
                out,
                "{what} {} to be generated again (a new take; the current one is kept)",
                list(&self.regenerated)
            );
        }
        if !self.downstream.is_empty() {
            let _ = writeln!(
                out,
                "{what} {} generated again: their first frame comes from a changed {what}",
                list(&self.downstream)
            );
        }
        if !self.removed.is_empty() {
            let _ = writeln!(
                out,
                "{what} {} removed from the plan (their files are kept as takes)",
                list(&self.removed)
            );
        }
        let new: Vec<usize> = self.new.clone();
        if !new.is_empty() {
            let _ = writeln!(out, "{what} {} new", list(&new));
        }
        let _ = write!(
            out,
            "to generate: {} {what}(s), {} s of video",
            self.generate.len(),
            self.seconds()
        );
        out
    }
}

/// The request fields where `old` and `new` differ.
fn differing_fields(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// What `recon` would change in `manifest`.
pub(crate) fn detect(manifest: &Manifest, recon: &Reconcile) -> PlanChanges {
    let n = recon.fingerprints.len();
    let mut changes = PlanChanges {
        what: recon.what,
        ..PlanChanges::default()
    };
    for job in manifest.jobs.iter().take(n) {
        let k = job.index;
        let sent = job.state != JobState::Planned;
        if !sent {
            continue;
        }
        if recon.regenerate.contains(&k) {
            changes.regenerated.push(k);
        } else if job.fingerprint != recon.fingerprints[k] {
            let old = job
                .spec
                .as_ref()
                .or(job.request.as_ref())
                .map(JsonText::parse);
            let fields = match (old, recon.specs.get(k)) {
                (Some(old), Some(new)) => differing_fields(&old, new),
                _ => Vec::new(),
            };
            changes.changed.push(Changed { index: k, fields });
        }
    }
    let first = changes
        .changed
        .iter()
        .map(|c| c.index)
        .chain(changes.regenerated.iter().copied())
        .min();
    if let Some(first) = first
        && recon.linked
        && !recon.keep_downstream
    {
        let named: Vec<usize> = changes
            .changed
            .iter()
            .map(|c| c.index)
            .chain(changes.regenerated.iter().copied())
            .collect();
        changes.downstream = manifest
            .jobs
            .iter()
            .take(n)
            .filter(|j| j.index > first && j.state != JobState::Planned)
            .map(|j| j.index)
            .filter(|k| !named.contains(k))
            .collect();
    }
    changes.removed = manifest.jobs.iter().skip(n).map(|j| j.index).collect();
    let again = changes.new_takes();
    for k in 0..n {
        let planned = manifest
            .jobs
            .get(k)
            .is_none_or(|j| j.state == JobState::Planned);
        if planned {
            changes.new.push(k);
        }
        if planned || again.contains(&k) {
            changes
                .generate
                .push((k, recon.specs.get(k).cloned().unwrap_or(Value::Null)));
        }
    }
    changes
}
