//! The client's error: one enum, keeping the HTTP status, the API's error
//! type and message, `Retry-After`, and whether a task may have been created.

use std::path::PathBuf;
use std::time::Duration;

use seedance_core::{ApiError, ErrorCode, ErrorType, TaskStatus, ValidationError};

use crate::error::TransportError;

/// How far a submit got before it failed: what decides whether a task may
/// exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitPhase {
    /// Not built: the request was invalid; nothing was sent.
    NotBuilt,
    /// Nothing left the machine (connection refused, connect timeout).
    NotSent,
    /// The bytes may have left and no answer came (timeout, cut connection).
    SentNoAnswer,
    /// The server answered.
    Answered,
}

/// Everything that can go wrong between a request and a video on disk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request breaks the API's rules; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The API answered with an error status.
    #[error("the API answered HTTP {status}{}: {message}{}{}", kind.as_ref().map(|k| format!(" ({k})")).unwrap_or_default(), param.as_ref().map(|p| format!(" (field: {p})")).unwrap_or_default(), request_id.as_ref().map(|r| format!(" (request id {r})")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// The API's error type, when the body had one.
        kind: Option<ErrorType>,
        /// The API's error code, when the body had one.
        code: Option<ErrorCode>,
        /// The API's message, or a description of the body (boxed: the
        /// error stays under 128 bytes, which every `Result` carries).
        message: Box<str>,
        /// The server's `Retry-After`, when sent.
        retry_after: Option<Duration>,
        /// The envelope's `request_id`, when sent: quote it to support.
        request_id: Option<Box<str>>,
        /// The request field the error is about, when the body named one
        /// (Ark's `param`), in the project's own names where the client
        /// knows the request (`image_urls[0]`, `size`); otherwise as the
        /// service wrote it.
        param: Option<Box<str>>,
    },
    /// The network failed and retrying did not help (or was not safe).
    #[error("network error: {source}")]
    Transport {
        /// What happened on the wire.
        #[source]
        source: TransportError,
    },
    /// A submit's bytes may have reached the server, and no answer proved
    /// that no task exists (a 5xx from the gateway, an unreadable 2xx, a
    /// timeout, a cut connection): a task may exist and may have been
    /// billed. It was not sent again (see
    /// `ClientConfig::resubmit_when_uncertain`).
    #[error(
        "a task may exist and may have been billed: the submit sent at unix time {sent_at} got no usable answer ({reason})"
    )]
    SubmitUncertain {
        /// How far the submit got.
        phase: SubmitPhase,
        /// What happened (server text redacted).
        reason: String,
        /// When the submit was sent (unix seconds, by the client's clock),
        /// to find the task in the provider's task list.
        sent_at: i64,
        /// The transport error, if that was the cause.
        #[source]
        source: Option<TransportError>,
    },
    /// A response that does not have the documented shape.
    #[error("unexpected response (HTTP {status}): {detail}")]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// The task ended `failed`.
    #[error("task {task_id} failed: {}", error.as_ref().map(ToString::to_string).unwrap_or_else(|| "no reason given".into()))]
    TaskFailed {
        /// The task.
        task_id: String,
        /// The server's reason (boxed: it is the largest field of any
        /// variant, and every `Result` carries the error's size).
        error: Option<Box<ApiError>>,
    },
    /// The task ended `expired` (upstream's status for a task that ended
    /// without a result): there is nothing to download.
    #[error("task {task_id} expired on the server without a result")]
    TaskExpired {
        /// The task.
        task_id: String,
    },
    /// The task ended `cancelled`.
    #[error("task {task_id} was cancelled")]
    TaskCancelled {
        /// The task.
        task_id: String,
    },
    /// The task did not finish before the deadline. It may still finish:
    /// wait again with its id.
    #[error("task {task_id} did not finish within {waited:?} (last status: {})", last_status.as_ref().map(TaskStatus::as_str).unwrap_or("unknown"))]
    WaitTimeout {
        /// The task.
        task_id: String,
        /// The last status seen.
        last_status: Option<TaskStatus>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// A result URL is past its expiry: the file is gone from the server.
    #[error("the result URL expired at unix time {expires_at}; the video must be generated again")]
    Expired {
        /// When it expired (unix seconds).
        expires_at: i64,
    },
    /// The media server refused the download.
    #[error("the media server answered HTTP {status}")]
    MediaUnavailable {
        /// HTTP status.
        status: u16,
    },
    /// The media host sent something that is not the file: an HTML page, a
    /// truncated or padded container, an image where a video was due, a
    /// body that does not decode. Nothing was saved.
    #[error("the media host's answer is not the expected file: {detail}")]
    NotMedia {
        /// What was wrong.
        detail: String,
    },
    /// The media host used a `Content-Encoding` this client cannot decode.
    #[error(
        "the media host sent the file with Content-Encoding `{encoding}`, which this client cannot decode"
    )]
    UnsupportedEncoding {
        /// The encoding.
        encoding: String,
    },
    /// The download did not match its `Content-Length`.
    #[error("download was {received} bytes but the server announced {expected}")]
    LengthMismatch {
        /// Announced length.
        expected: u64,
        /// Bytes received.
        received: u64,
    },
    /// A body was larger than the configured cap.
    #[error("response larger than the {limit}-byte limit")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// An image the upload endpoint would refuse (format, size); nothing was sent.
    #[error(transparent)]
    UploadRefused(#[from] super::upload::UploadRefusal),
    /// An asset request that cannot be sent (no assets, more than 20, no
    /// group); nothing was sent.
    #[error(transparent)]
    AssetRequest(#[from] seedance_core::asset::AssetRequestError),
    /// A local file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The chosen provider does not offer this operation (apimart has no
    /// list or cancel; Ark has no upload endpoint or balance).
    #[error("{} does not offer {operation}", .provider.display_name())]
    NotOffered {
        /// The provider the client speaks to.
        provider: seedance_core::provider::ProviderKind,
        /// What was asked (`listing tasks`, `cancelling tasks`...).
        operation: &'static str,
    },
    /// The task cannot be cancelled in its status (Ark cancels only queued
    /// tasks; a running one finishes and is billed).
    #[error("cannot cancel task {task_id}: {reason}")]
    CannotCancel {
        /// The task.
        task_id: String,
        /// Why not.
        reason: super::provider::CancelRefusal,
    },
    /// The provider does not serve the request's model.
    #[error(transparent)]
    ModelNotServed(#[from] seedance_core::provider::ModelNotServed),
    /// A list query the service would refuse (a page outside 1-500).
    #[error(transparent)]
    InvalidListQuery(#[from] seedance_core::provider::ark::ListQueryError),
    /// Media that cannot be sent inline (a video, or over the body limit).
    #[error(transparent)]
    InlineRefused(#[from] seedance_core::provider::ark::InlineMediaError),
}

impl ClientError {
    /// The HTTP status, when the API or media server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. }
            | ClientError::UnexpectedResponse { status, .. }
            | ClientError::MediaUnavailable { status } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// How far a submit that returned this error got.
    pub fn submit_phase(&self) -> SubmitPhase {
        match self {
            // Refused while the body was built: nothing was sent.
            ClientError::Invalid(_)
            | ClientError::InlineRefused(_)
            | ClientError::ModelNotServed(_) => SubmitPhase::NotBuilt,
            ClientError::SubmitUncertain { phase, .. } => *phase,
            ClientError::Transport { source } if !source.may_have_reached_server() => {
                SubmitPhase::NotSent
            }
            ClientError::Transport { .. } => SubmitPhase::SentNoAnswer,
            _ => SubmitPhase::Answered,
        }
    }

    /// Whether a submit that returned this error may nevertheless have
    /// created (and billed) a task.
    pub fn may_have_created_task(&self) -> bool {
        matches!(self, ClientError::SubmitUncertain { .. })
    }

    /// Whether the same call might succeed later (rate limits, server errors,
    /// network failures, a wait that ran out of time).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Api { status, .. } => *status == 429 || *status >= 500,
            ClientError::Transport { source } => source.kind().is_transient(),
            ClientError::WaitTimeout { .. } | ClientError::LengthMismatch { .. } => true,
            _ => false,
        }
    }
}
