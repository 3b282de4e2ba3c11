//! What the simulator answers, before it reaches a socket or an in-process
//! transport: a response, or a connection-level fault, or a media body.

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use seedance_transport::error::{TransportError, TransportErrorKind};
use seedance_transport::wire::{ApiResponse, ByteStream, Headers};

use crate::media::CHUNK;

/// What the simulator does with an API request.
#[derive(Debug)]
#[non_exhaustive]
pub enum SimReply {
    /// Answer with `response` after `delay`.
    Respond {
        /// The response.
        response: ApiResponse,
        /// How long to wait before answering.
        delay: Duration,
    },
    /// Refuse the connection: nothing reached the service.
    Refuse,
    /// Cut the connection without answering.
    Drop,
    /// Never answer.
    Hang,
    /// Send the head (with the full `Content-Length`) and half the body,
    /// then cut the connection.
    CutBody {
        /// The response that is cut.
        response: ApiResponse,
    },
}

/// What the simulator does with a media request.
#[derive(Debug)]
#[non_exhaustive]
pub enum MediaReply {
    /// No body stream: an error response or a connection fault.
    Api(SimReply),
    /// A body.
    Body(MediaBody),
}

/// A media body to stream.
#[derive(Debug)]
pub struct MediaBody {
    /// Status (200).
    pub status: u16,
    /// Headers.
    pub headers: Headers,
    /// The `Content-Length` announced.
    pub content_length: u64,
    /// The bytes actually sent, first part.
    pub head: Bytes,
    /// Zero bytes following `head`.
    pub padding: u64,
    /// Stop after this many bytes (a short body), if set.
    pub truncate_at: Option<u64>,
    /// Throttle: bytes per second, if set.
    pub bytes_per_second: Option<u64>,
}

static ZEROS: [u8; CHUNK] = [0; CHUNK];

impl MediaBody {
    /// A complete 200 body of `bytes`.
    pub(crate) fn whole(headers: Headers, bytes: Bytes, bytes_per_second: Option<u64>) -> Self {
        MediaBody {
            status: 200,
            headers,
            content_length: bytes.len() as u64,
            head: bytes,
            padding: 0,
            truncate_at: None,
            bytes_per_second,
        }
    }

    /// The bytes actually sent.
    pub fn sent_len(&self) -> u64 {
        let full = self.head.len() as u64 + self.padding;
        self.truncate_at.map_or(full, |t| t.min(full))
    }

    /// The body as a chunk stream; a short body ends with an interruption error.
    pub fn into_stream(self) -> ByteStream {
        let total = self.sent_len();
        let truncated = self.truncate_at.is_some();
        let head = self.head;
        let head_len = head.len() as u64;
        let mut chunks: Vec<Bytes> = Vec::new();
        if head_len > 0 {
            chunks.push(head.slice(..head_len.min(total) as usize));
        }
        let state = (chunks.into_iter(), head_len.min(total), total, truncated);
        let rate = self.bytes_per_second.filter(|r| *r > 0);
        Box::pin(stream::unfold(
            state,
            move |(mut first, sent, total, truncated)| async move {
                let throttle = |n: usize| async move {
                    if let Some(rate) = rate {
                        tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
                    }
                };
                if let Some(c) = first.next() {
                    throttle(c.len()).await;
                    return Some((Ok(c), (first, sent, total, truncated)));
                }
                if sent < total {
                    let n = (total - sent).min(CHUNK as u64) as usize;
                    throttle(n).await;
                    return Some((
                        Ok(Bytes::from_static(&ZEROS[..n])),
                        (first, sent + n as u64, total, truncated),
                    ));
                }
                if truncated {
                    // Only once: mark done by clearing the flag.
                    return Some((
                        Err(TransportError::new(
                            TransportErrorKind::BodyInterrupted,
                            "connection closed mid-body",
                        )),
                        (first, sent, total, false),
                    ));
                }
                None
            },
        ))
    }
}
