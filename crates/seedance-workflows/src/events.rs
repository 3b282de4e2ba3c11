//! A typed stream of what a run does, for progress bars and logs.

use std::sync::Arc;
use std::time::Duration;

use seedance_core::TaskStatus;

use crate::records::FileRecord;

/// Something that happened to a job (a chain segment or a batch line).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The job was accepted.
    Submitted {
        /// The job.
        index: usize,
        /// Its task.
        task_id: String,
    },
    /// A status poll.
    Progress {
        /// The job.
        index: usize,
        /// The status.
        status: TaskStatus,
        /// Progress 0-100.
        progress: Option<u8>,
        /// Predicted time left.
        eta: Option<Duration>,
    },
    /// The task finished on the server.
    Completed {
        /// The job.
        index: usize,
    },
    /// The files are on disk (`reused`: found already downloaded and intact).
    Downloaded {
        /// The job.
        index: usize,
        /// The video.
        video: FileRecord,
        /// Whether a previous run had already downloaded it.
        reused: bool,
    },
    /// The job failed; the run may go on (batches) or stop (chains).
    Failed {
        /// The job.
        index: usize,
        /// Why.
        message: String,
    },
    /// Everything finished.
    Done,
}

/// Receives events; called from concurrent steps, so it must be cheap.
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// A sink that ignores everything.
pub fn ignore() -> EventSink {
    Arc::new(|_| {})
}
