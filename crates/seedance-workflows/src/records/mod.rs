//! The run's records: what a manifest holds, as pure data. Nothing here
//! reads or writes a file; the store ([`crate::manifest`]) makes these
//! records durable, and reconciliation (plan changes and
//! [`crate::takes`]) changes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod file;
mod fingerprint;
mod job;

pub use file::FileRecord;
pub use fingerprint::{Fingerprint, sha256_hex};
pub use job::{JobRecord, JobState, JsonText, Take};

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

impl ManifestKind {
    /// What one job of such a run is called in messages: "segment" or
    /// "job".
    pub fn noun(self) -> &'static str {
        match self {
            ManifestKind::Chain => "segment",
            ManifestKind::Batch => "job",
        }
    }
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uploads: BTreeMap<String, UploadRecord>,
}

impl Manifest {
    /// Segments whose selected take did not start from the previous
    /// segment's selected take (chains only): their first frame does not
    /// continue the film.
    pub fn stale_links(&self) -> Vec<usize> {
        self.jobs
            .windows(2)
            .filter(|w| {
                let (prev, next) = (&w[0], &w[1]);
                next.state != JobState::Planned
                    && next.linked_from.is_some()
                    && next.linked_from != Some(prev.take.max(1))
            })
            .map(|w| w[1].index)
            .collect()
    }

    /// An empty manifest of `kind` (format version 1).
    pub fn new(kind: ManifestKind) -> Self {
        Manifest {
            version: 1,
            kind,
            jobs: Vec::new(),
            stitched: None,
            uploads: BTreeMap::new(),
        }
    }

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

    /// The currencies the recorded costs are in (jobs and kept takes):
    /// empty where none was recorded (the service reported money, or the
    /// run predates the record); two where a run was resumed on another
    /// platform, and its totals mix them.
    pub fn cost_currencies(&self) -> std::collections::BTreeSet<&str> {
        self.jobs
            .iter()
            .flat_map(|j| {
                std::iter::once(j.currency.as_deref())
                    .chain(j.takes.iter().map(|t| t.currency.as_deref()))
            })
            .flatten()
            .collect()
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

/// An upload a manifest remembers, keyed by the file's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// The file uploaded (as given).
    pub file: String,
    /// The public URL.
    pub url: String,
    /// When the URL stops working (unix seconds).
    pub expires_at: i64,
    /// Its size.
    pub bytes: u64,
    /// The media store it was published to (`s3://bucket/prefix`); `None`
    /// for apimart's upload endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
