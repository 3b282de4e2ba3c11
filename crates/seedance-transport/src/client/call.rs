//! One API call with retries. Whether to retry is decided by what failed and
//! whether the call is idempotent; how long to wait comes from
//! `seedance_core::RetryConfig`.

use std::time::SystemTime;

use seedance_core::{parse_error_body, parse_retry_after};
use tokio::time::Instant;

use super::{Client, ClientError};
use crate::error::{TransportError, TransportErrorKind};
use crate::wire::{ApiRequest, ApiResponse};

/// Whether a call may be repeated after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Reads: repeat freely.
    Idempotent,
    /// A submit: repeating after it may have arrived can pay twice.
    Submit,
}

/// Statuses worth retrying: rate limited, or a server-side failure.
fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

fn api_error(response: &ApiResponse) -> ClientError {
    let retry_after = response
        .headers
        .get("retry-after")
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    match parse_error_body(&response.body) {
        Some(e) => ClientError::Api {
            status: response.status,
            kind: e.kind,
            code: e.code,
            message: e.message,
            retry_after,
        },
        None => ClientError::Api {
            status: response.status,
            kind: None,
            code: None,
            message: describe_body(&response.body),
            retry_after,
        },
    }
}

/// A short, printable description of a body that is not the API's JSON
/// (an HTML error page from a proxy, say).
fn describe_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    if text.trim().is_empty() {
        "empty body".to_owned()
    } else {
        format!("non-API body: {}", text.trim())
    }
}

impl Client {
    pub(crate) async fn call(
        &self,
        request: ApiRequest,
        idempotency: Idempotency,
    ) -> Result<ApiResponse, ClientError> {
        let started = Instant::now();
        let mut retry = 0u32;
        let mut rate_limited = 0u32;
        loop {
            if idempotency == Idempotency::Submit {
                let wait = self.pacer().reserve(self.since_origin());
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
            }
            let outcome = match tokio::time::timeout(
                self.config.request_timeout,
                self.transport.send(request.clone()),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(TransportError::new(
                    TransportErrorKind::TimeoutAfterSend,
                    format!("no response within {:?}", self.config.request_timeout),
                )),
            };
            let (error, retry_after) = match outcome {
                Ok(response) if (200..300).contains(&response.status) => {
                    if idempotency == Idempotency::Submit {
                        let now = self.since_origin();
                        self.pacer().on_accepted(now);
                    }
                    if response.body.len() > self.config.max_response_bytes {
                        return Err(ClientError::TooLarge {
                            limit: self.config.max_response_bytes as u64,
                        });
                    }
                    return Ok(response);
                }
                Ok(response) => {
                    let err = api_error(&response);
                    if !retryable_status(response.status) {
                        return Err(err);
                    }
                    let retry_after = match &err {
                        ClientError::Api { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    if response.status == 429 && idempotency == Idempotency::Submit {
                        // Slow every submitter down to the accepted rate; this
                        // one waits for the server's Retry-After. Rate-limited
                        // submits are bounded by total time, not by count.
                        let now = self.since_origin();
                        self.pacer().on_rate_limited(now);
                        let delay = retry_after
                            .map(|d| d.min(self.config.retry.max_retry_after))
                            .unwrap_or_else(|| {
                                self.config
                                    .retry
                                    .backoff(rate_limited.min(8), self.jitter())
                            });
                        rate_limited += 1;
                        if started.elapsed() + delay > self.config.retry.max_elapsed {
                            return Err(err);
                        }
                        tracing::warn!(
                            delay_ms = delay.as_millis() as u64,
                            "rate limited; slowing submits down"
                        );
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    (err, retry_after)
                }
                Err(source) => {
                    let reached = source.may_have_reached_server();
                    if reached
                        && idempotency == Idempotency::Submit
                        && !self.config.resubmit_when_uncertain
                    {
                        return Err(ClientError::SubmitUncertain {
                            reason: source.to_string(),
                            source: Some(source),
                        });
                    }
                    if !source.kind().is_transient() {
                        return Err(ClientError::Transport { source });
                    }
                    (ClientError::Transport { source }, None)
                }
            };
            let delay = self.config.retry.delay(retry, retry_after, self.jitter());
            if !self.config.retry.allows(retry, started.elapsed(), delay) {
                return Err(error);
            }
            tracing::warn!(
                path = %request.path,
                retry = retry + 1,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }
}
