//! Transport errors: what went wrong on the wire, and whether the server may
//! have acted on the request. No URL, header or key ever appears in them.

use std::fmt;

/// What kind of failure, each documented with whether a retry is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect (refused, DNS, TLS handshake). Nothing was sent:
    /// **safe to retry**, even a submit.
    Connect,
    /// Timed out before the request was sent (connecting). Nothing was sent:
    /// **safe to retry**.
    TimeoutBeforeSend,
    /// Sent, but no response in time. The server may have acted: a submit may
    /// have created a billed task. Retry only idempotent calls (status,
    /// download); never blindly resubmit.
    TimeoutAfterSend,
    /// The connection was cut after the request was (at least partly) sent.
    /// The server may have acted; same rule as `TimeoutAfterSend`.
    ConnectionClosed,
    /// The response body was interrupted. The server has acted; retry only
    /// idempotent calls.
    BodyInterrupted,
    /// The response was larger than the configured cap. Not retryable.
    TooLarge,
    /// Anything else (a bug, an invalid URL). Not retryable.
    Other,
}

impl TransportErrorKind {
    /// Whether the request may have reached the server (and so a submit may
    /// have created a task).
    pub fn may_have_reached_server(self) -> bool {
        !matches!(
            self,
            TransportErrorKind::Connect | TransportErrorKind::TimeoutBeforeSend
        )
    }

    /// Whether retrying an idempotent call (status, download) may help.
    pub fn is_transient(self) -> bool {
        !matches!(
            self,
            TransportErrorKind::TooLarge | TransportErrorKind::Other
        )
    }
}

/// A failure below HTTP semantics: no status code was received (or the body
/// could not be read).
#[derive(Debug, thiserror::Error)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl TransportError {
    /// An error of `kind`. `message` must not contain URLs or secrets.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error (which must not print secrets either).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the server may have acted on the request.
    pub fn may_have_reached_server(&self) -> bool {
        self.kind.may_have_reached_server()
    }
}
