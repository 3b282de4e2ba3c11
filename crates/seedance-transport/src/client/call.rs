//! One API call with retries.
//!
//! Reads (status, uploads' answers) are idempotent: 408, 429, 5xx, network
//! failures and unusable answers (over the size cap, cut, not the API's
//! JSON, the wrong shape) are retried with backoff, within one budget. A submit is decided by **phase**, not by error variant:
//! before its bytes may have left the machine (a refused connection, a
//! connect timeout) it can be retried; after that, only an answer that
//! proves no task exists allows sending it again: the documented error
//! bodies that reject the request (400, 401, 402, and 429 after which the
//! pacer waits). Everything else (any 5xx, which a gateway can send after
//! the upstream created the task; a body that cannot be read or parsed; a
//! timeout; a cut) means "a task may exist": reported as
//! [`ClientError::SubmitUncertain`] with the time it was sent, never resent
//! unless `ClientConfig::resubmit_when_uncertain` opts in to paying twice.

use std::time::{Duration, SystemTime};

use seedance_core::parse_retry_after;

use super::retry::{Failed, Verdict};
use super::{Client, ClientError, SubmitPhase};
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

/// Statuses worth retrying: request timeout, rate limited, or a
/// server-side failure (apimart's own client retries 408, 429, 502, 503 and
/// 504; a gateway's 500 can pass too).
fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

impl Client {
    fn now_system_time(&self) -> SystemTime {
        let secs = u64::try_from(self.unix_now()).unwrap_or(0);
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// The error for a non-2xx answer, with server text redacted.
    fn api_error(&self, response: &ApiResponse) -> ClientError {
        let retry_after = response
            .headers
            .get("retry-after")
            .and_then(|v| parse_retry_after(v, self.now_system_time()));
        match self.parse_error_answer(&response.body) {
            Some(e) => ClientError::Api {
                status: response.status,
                kind: e.kind,
                code: e.code,
                message: self.transport.redact(&e.message).into(),
                retry_after,
                request_id: self.request_id_of(response),
                param: e.param.map(Into::into),
            },
            None => ClientError::Api {
                status: response.status,
                kind: None,
                code: None,
                message: self.transport.redact(&describe_body(&response.body)).into(),
                retry_after,
                request_id: None,
                param: None,
            },
        }
    }

    fn uncertain(&self, phase: SubmitPhase, reason: String, sent_at: i64) -> ClientError {
        ClientError::SubmitUncertain {
            phase,
            reason: self.transport.redact(&reason).into_owned(),
            sent_at,
            source: None,
        }
    }

    /// One API call, retried within `ClientConfig::retry` as its phase
    /// allows (see the module docs), with the answer parsed inside the retry
    /// loop: for a read, an answer that does not parse is one unusable answer, repeated
    /// within the same budget as a 5xx. (A submit's unparsable 2xx stays a
    /// [`ClientError::SubmitUncertain`], decided by the caller.)
    pub(crate) async fn call_parsed<T>(
        &self,
        request: ApiRequest,
        idempotency: Idempotency,
        parse: impl Fn(&ApiResponse) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let path = request.path.clone();
        self.retrying(&path, &self.config.retry, || async {
            let response = self.exchange(&request, idempotency).await?;
            parse(&response).map_err(|error| {
                let verdict = match idempotency {
                    Idempotency::Idempotent => Verdict::Unusable,
                    Idempotency::Submit => Verdict::Stop,
                };
                Failed::new(error, verdict)
            })
        })
        .await
    }

    /// One exchange, no retry: a 2xx answer within the size cap, or the
    /// error with what it allows.
    pub(crate) async fn exchange(
        &self,
        request: &ApiRequest,
        idempotency: Idempotency,
    ) -> Result<ApiResponse, Failed> {
        let submit = idempotency == Idempotency::Submit;
        let mut slot = None;
        if submit {
            // A slot planned before a 429 arrived is planned on a wrong
            // rate: take a new one rather than send into a full window.
            loop {
                let s = self.pacer().reserve_slot(self.since_origin());
                if !s.wait.is_zero() {
                    tokio::time::sleep(s.wait).await;
                }
                if self.pacer().is_current(s) {
                    slot = Some(s);
                    break;
                }
            }
        }
        let sent_at = self.unix_now();
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
        let response = match outcome {
            Ok(response) => response,
            Err(source) => return Err(self.transport_failure(request, source, submit, sent_at)),
        };
        self.learn_idempotency(&response, submit);
        if (200..300).contains(&response.status) {
            if submit {
                let now = self.since_origin();
                self.pacer().on_accepted(now);
            }
            if response.body.len() > self.config.max_response_bytes {
                let limit = self.config.max_response_bytes as u64;
                if submit {
                    let error = self.uncertain(
                        SubmitPhase::Answered,
                        format!(
                            "HTTP {} with a body over the {limit}-byte limit",
                            response.status
                        ),
                        sent_at,
                    );
                    return Err(self.uncertain_failure(request, error));
                }
                return Err(Failed::new(
                    ClientError::TooLarge { limit },
                    Verdict::Unusable,
                ));
            }
            return Ok(response);
        }
        let err = self.api_error(&response);
        let documented = self.parse_error_answer(&response.body).is_some();
        if !submit {
            let verdict = if retryable_status(response.status) {
                Verdict::Backoff
            } else if !documented {
                // A proxy's HTML page or an empty body, not the API's
                // answer: the read tells nothing yet.
                Verdict::Unusable
            } else {
                Verdict::Stop
            };
            return Err(Failed::new(err, verdict));
        }
        if !(documented && self.submit_refused(response.status)) {
            // An answer, but not one that proves no task exists.
            if self.config.resubmit_when_uncertain && retryable_status(response.status) {
                return Err(Failed::new(err, Verdict::Backoff));
            }
            let error = self.uncertain(SubmitPhase::Answered, err.to_string(), sent_at);
            if !retryable_status(response.status) {
                // A 403 or 409 will not change by asking again, key or not.
                return Err(Failed::stop(error));
            }
            return Err(self.uncertain_failure(request, error));
        }
        if response.status == 429 {
            // Slow every submitter down to the accepted rate; the pacer
            // places this submit when the window frees (the next
            // `reserve`). Rate-limited submits are bounded by total time,
            // not by count.
            let now = self.since_origin();
            self.pacer().on_rate_limited_after(
                now,
                err.retry_after()
                    .map(|d| d.min(self.config.retry.max_retry_after)),
                slot,
            );
            return Err(Failed::new(err, Verdict::Paced));
        }
        // A documented refusal (apimart 400, 401, 402; Ark also 403 and
        // 404): no task, and repeating
        // would be refused again.
        Err(Failed::stop(err))
    }

    /// What a transport failure allows, by the phase it reached.
    fn transport_failure(
        &self,
        request: &ApiRequest,
        source: TransportError,
        submit: bool,
        sent_at: i64,
    ) -> Failed {
        let kind = source.kind();
        if submit && source.may_have_reached_server() && !self.config.resubmit_when_uncertain {
            let mut e = self.uncertain(SubmitPhase::SentNoAnswer, source.to_string(), sent_at);
            if let ClientError::SubmitUncertain { source: s, .. } = &mut e {
                *s = Some(source);
            }
            return self.uncertain_failure(request, e);
        }
        let verdict = match kind {
            // An answer came but could not be used: for a read, ask again.
            TransportErrorKind::TooLarge | TransportErrorKind::BodyInterrupted if !submit => {
                Verdict::Unusable
            }
            k if k.is_transient() => Verdict::Backoff,
            _ => Verdict::Stop,
        };
        Failed::new(ClientError::Transport { source }, verdict)
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
