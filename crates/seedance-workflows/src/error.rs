//! The workflows' error: what went wrong and on which job, as data. The
//! messages say what happened; a front end (the CLI) adds how to recover
//! in its own terms (flags, commands) from the variant.

use seedance_transport::ClientError;

use crate::manifest::ManifestError;
use crate::plan::PlanError;
use crate::stitch::StitchError;

/// A chain or batch that could not finish. Every variant that concerns one
/// job names its index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The plan or jobs file is invalid; nothing was sent.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Another run holds the output directory.
    #[error(transparent)]
    Locked(#[from] crate::lock::LockError),
    /// A local file could not be published.
    #[error(transparent)]
    Publish(#[from] crate::local_media::PublishError),
    /// The manifest could not be read or written.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A submit may have created a billed task whose id was lost.
    #[error(
        "{what} {index}: a task may exist and may have been billed{}, but no usable answer came back; it was not sent again. Cause: {reason}",
        sent_at.map(|t| format!(" (submit sent at unix time {t})")).unwrap_or_default()
    )]
    Uncertain {
        /// "segment" or "job".
        what: &'static str,
        /// The job.
        index: usize,
        /// What happened.
        reason: String,
        /// When the submit was sent (unix seconds), when known.
        sent_at: Option<i64>,
    },
    /// The task failed on the server.
    #[error("{what} {index} (task {task_id}) failed: {message}")]
    TaskFailed {
        /// "segment" or "job".
        what: &'static str,
        /// The job.
        index: usize,
        /// The task.
        task_id: String,
        /// The server's reason.
        message: String,
        /// What the user can change, when the reason is a moderation
        /// failure this client recognises.
        cause: Option<seedance_core::FailureCause>,
    },
    /// A result expired before it was downloaded: it is lost.
    #[error(
        "{what} {index} (task {task_id}) is lost: its {file} URL expired at unix time {expires_at} before it was downloaded"
    )]
    Expired {
        /// "segment" or "job".
        what: &'static str,
        /// The job.
        index: usize,
        /// The task.
        task_id: String,
        /// "video" or "last frame".
        file: &'static str,
        /// When it expired.
        expires_at: i64,
    },
    /// The previous segment's last-frame URL expired and its last frame is
    /// not on disk to upload instead.
    #[error(
        "segment {index} cannot start: the last frame of segment {previous} expired at unix time {expires_at} and segment_{previous:03}_last_frame.png is not in the output directory to upload instead"
    )]
    LinkExpired {
        /// The segment that cannot start.
        index: usize,
        /// The segment whose last frame expired.
        previous: usize,
        /// When it expired.
        expires_at: i64,
    },
    /// The previous segment completed without a last frame.
    #[error(
        "segment {index} cannot start: segment {previous} has no last frame (was return_last_frame false?)"
    )]
    NoLastFrame {
        /// The segment that cannot start.
        index: usize,
        /// The segment without a last frame.
        previous: usize,
    },
    /// A client error on one job.
    #[error("{what} {index}: {source}")]
    Client {
        /// "segment" or "job".
        what: &'static str,
        /// The job.
        index: usize,
        /// The error.
        #[source]
        source: Box<ClientError>,
    },
    /// The run was asked to stop (Ctrl-C) and stopped at a safe point:
    /// every submit on the wire finished and was recorded.
    #[error("stopped on request; every step so far is recorded in the manifest")]
    Stopped,
    /// Stitching failed.
    #[error(transparent)]
    Stitch(#[from] StitchError),
    /// The plan changed under jobs already generated (or jobs are to be
    /// generated again): nothing is paid until the changes are accepted.
    #[error("{}", .0.summary())]
    ChangesNeedConfirmation(Box<crate::changes::PlanChanges>),
    /// No job with that index in the run.
    #[error("there is no job {index}: the run has {count}")]
    NoSuchJob {
        /// The index asked for.
        index: usize,
        /// How many jobs the run has.
        count: usize,
    },
    /// No take with that number for the job.
    #[error("segment {index} has no take {take} (takes: {takes:?})")]
    NoSuchTake {
        /// The job.
        index: usize,
        /// The take asked for.
        take: u32,
        /// The takes it has.
        takes: Vec<u32>,
    },
    /// Stitching would join segments whose first frame does not continue
    /// the previous segment's selected take.
    #[error(
        "stale links: segments {segments:?} did not start from the selected take of the segment before them"
    )]
    StaleLinks {
        /// The segments with a stale first frame.
        segments: Vec<usize>,
    },
}

impl WorkflowError {
    /// Whether a paid task may exist that this run has no id for: a submit
    /// whose answer was lost. Such a job is never resubmitted on its own.
    pub fn may_have_created_task(&self) -> bool {
        match self {
            WorkflowError::Uncertain { .. } => true,
            WorkflowError::Client { source, .. } => source.may_have_created_task(),
            _ => false,
        }
    }
}
