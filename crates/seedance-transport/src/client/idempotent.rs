//! Idempotent submits: every submit carries an `Idempotency-Key`, and a
//! submit whose outcome is uncertain (a gateway 5xx, a cut connection, a
//! timeout, an unreadable 2xx) is resent with the same key and the same
//! body, but only where the service has shown that it honours keys.
//!
//! What counts as shown: an answer that carries `Idempotency-Replayed` (any
//! value) or echoes `X-APIMart-Response-Version`, the contract under which
//! apimart reports replays. A 2xx submit answer that carries neither shows
//! that the service does not speak that contract: from then on an uncertain
//! submit is reported as before (a task may exist; never resent unless the
//! caller opts in to paying twice). Until either is seen, the policy decides
//! ([`KeyedResend`]). A resent submit whose answer confirms a replay
//! (`Idempotency-Replayed: true`) is one task, paid once; one that does not
//! is reported as such ([`Submitted::resent_unconfirmed`]).
//!
//! All of this is apimart's contract: on a provider without idempotency
//! keys (Ark) no key or version header is sent, and an uncertain submit is
//! never resent (`Client::resends_uncertain_submits` is false).

use std::sync::atomic::{AtomicU8, Ordering};

use seedance_core::idempotency::{
    IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_REPLAYED_HEADER, RESPONSE_VERSION, RESPONSE_VERSION_HEADER,
    is_replay,
};
use seedance_core::{GenerationRequest, IdempotencyKey};

use super::call::Idempotency;
use super::retry::{Failed, Verdict};
use super::{Client, ClientError, Submission, SubmitPhase, Submitted};
use crate::wire::{ApiRequest, ApiResponse};

/// When an uncertain submit is resent with its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyedResend {
    /// Once the service has shown that it honours keys (the default).
    #[default]
    WhenShown,
    /// Always: the caller knows the service honours keys.
    Always,
    /// Never: every uncertain submit is reported, as without keys.
    Never,
}

/// What this client has learned of the service's idempotency support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencySupport {
    /// No answer has said yet.
    Unknown,
    /// An answer carried `Idempotency-Replayed` or the response version.
    Shown,
    /// A submit's 2xx answer carried neither.
    NotShown,
}

impl IdempotencySupport {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => IdempotencySupport::Shown,
            2 => IdempotencySupport::NotShown,
            _ => IdempotencySupport::Unknown,
        }
    }

    fn as_u8(self) -> u8 {
        match self {
            IdempotencySupport::Unknown => 0,
            IdempotencySupport::Shown => 1,
            IdempotencySupport::NotShown => 2,
        }
    }
}

/// The learned support, shared by concurrent submits.
#[derive(Debug, Default)]
pub(crate) struct SupportCell(AtomicU8);

impl SupportCell {
    pub(crate) fn get(&self) -> IdempotencySupport {
        IdempotencySupport::from_u8(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, support: IdempotencySupport) {
        self.0.store(support.as_u8(), Ordering::Relaxed);
    }
}

/// Whether an answer shows the idempotency contract.
fn shows_support(response: &ApiResponse) -> bool {
    response.headers.get(IDEMPOTENCY_REPLAYED_HEADER).is_some()
        || response.headers.get(RESPONSE_VERSION_HEADER).is_some()
}

impl Client {
    /// What this client has learned of the service's idempotency support.
    pub fn idempotency_support(&self) -> IdempotencySupport {
        self.idempotency.get()
    }

    /// Starts from support learned earlier (a run's manifest records it), so
    /// a rerun can resend an uncertain submit with its recorded key.
    pub fn assume_idempotency_support(&self, support: IdempotencySupport) {
        if self.idempotency.get() == IdempotencySupport::Unknown {
            self.idempotency.set(support);
        }
    }

    /// Learns from an answer to an API call. Support once shown stays
    /// shown: a later answer without the headers (a proxy's error page) says
    /// nothing about the service.
    pub(crate) fn learn_idempotency(&self, response: &ApiResponse, submit: bool) {
        if shows_support(response) {
            self.idempotency.set(IdempotencySupport::Shown);
        } else if submit
            && (200..300).contains(&response.status)
            && self.idempotency.get() == IdempotencySupport::Unknown
        {
            self.idempotency.set(IdempotencySupport::NotShown);
        }
    }

    /// Whether a submit whose outcome is uncertain is resent with its key
    /// (by the policy and what answers have shown so far).
    pub fn resends_uncertain_submits(&self) -> bool {
        if !self.speaks_idempotency_keys() {
            // No idempotency key on this provider: a resend may pay twice.
            return false;
        }
        match self.config.keyed_resend {
            KeyedResend::Always => true,
            KeyedResend::Never => false,
            KeyedResend::WhenShown => self.idempotency.get() == IdempotencySupport::Shown,
        }
    }

    /// Whether `request`, a submit whose outcome is uncertain, may be sent
    /// again: it carries a key and the policy and what was learned allow it.
    pub(crate) fn may_resend_with_key(&self, request: &ApiRequest) -> bool {
        request.headers.get(IDEMPOTENCY_KEY_HEADER).is_some() && self.resends_uncertain_submits()
    }

    /// An uncertain submit's failure: resent with its key when allowed,
    /// otherwise reported.
    pub(crate) fn uncertain_failure(&self, request: &ApiRequest, error: ClientError) -> Failed {
        if self.may_resend_with_key(request) {
            tracing::warn!(
                "the submit's outcome is uncertain; resending it with the same Idempotency-Key"
            );
            Failed::new(error, Verdict::Backoff)
        } else {
            Failed::stop(error)
        }
    }

    /// Validates `request` and submits it with a fresh `Idempotency-Key`.
    /// See [`Client::submit_with_key`].
    pub async fn submit(&self, request: &GenerationRequest) -> Result<Submitted, ClientError> {
        let key = IdempotencyKey::from_random(self.random_u64(), self.random_u64());
        self.submit_with_key(request, &key).await
    }

    /// Validates `request` and submits it with `key`. Invalid requests are
    /// refused without sending. 429 and documented refusals are decided as
    /// [`Client::submit`] always did; an uncertain outcome is resent with
    /// the same key and body where the service honours keys (see the module
    /// docs), otherwise reported as [`ClientError::SubmitUncertain`].
    ///
    /// Send the same key again only with the same request: a workflow that
    /// resumes an uncertain submit passes the key it recorded.
    pub async fn submit_with_key(
        &self,
        request: &GenerationRequest,
        key: &IdempotencyKey,
    ) -> Result<Submitted, ClientError> {
        let warnings = self.validate(request).into_result()?;
        let mut api_request = self.submit_call(request)?;
        if self.speaks_idempotency_keys() {
            api_request
                .headers
                .insert(IDEMPOTENCY_KEY_HEADER, key.as_str());
            api_request
                .headers
                .insert(RESPONSE_VERSION_HEADER, RESPONSE_VERSION);
        }
        let resent = std::sync::atomic::AtomicBool::new(false);
        let (response, parsed) = self
            .retrying("submit", &self.config.retry, || async {
                let attempt = self.exchange(&api_request, Idempotency::Submit).await;
                let response = attempt.inspect_err(|f| {
                    if f.verdict == Verdict::Backoff && f.error.may_have_created_task() {
                        resent.store(true, Ordering::Relaxed);
                    }
                })?;
                match self.parse_submit_answer(&response.body) {
                    Ok(parsed) => Ok((response, parsed)),
                    // A 2xx means the server accepted the job: a task
                    // exists, but we cannot tell its id.
                    Err(e) => {
                        let error = ClientError::SubmitUncertain {
                            phase: SubmitPhase::Answered,
                            reason: self
                                .transport
                                .redact(&format!(
                                    "HTTP {} with an unreadable body: {e}",
                                    response.status
                                ))
                                .into_owned(),
                            sent_at: self.unix_now(),
                            source: None,
                        };
                        let failed = self.uncertain_failure(&api_request, error);
                        if failed.verdict == Verdict::Backoff {
                            resent.store(true, Ordering::Relaxed);
                        }
                        Err(failed)
                    }
                }
            })
            .await
            .map_err(|e| self.in_request_terms(e, request))?;
        let replayed = is_replay(response.headers.get(IDEMPOTENCY_REPLAYED_HEADER));
        let resent = resent.load(Ordering::Relaxed);
        tracing::info!(task_id = %parsed.task_id, replayed, resent, "submitted");
        self.submissions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                parsed.task_id.clone(),
                Submission {
                    model: request.model.as_str().to_owned(),
                    at: Some(tokio::time::Instant::now()),
                    with_video: !request.video_urls.is_empty(),
                },
            );
        Ok(Submitted {
            task_id: parsed.task_id,
            warnings,
            idempotency_key: key.clone(),
            replayed,
            resent_unconfirmed: resent && !replayed,
            request_id: parsed.request_id,
        })
    }
}
