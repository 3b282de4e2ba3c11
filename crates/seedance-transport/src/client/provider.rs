//! The provider layer: every decision that depends on which service the
//! client speaks to is taken here, from `ClientConfig::provider`, by asking
//! `seedance_core::provider::ProviderKind`: the paths, the create body,
//! which parser reads an answer, which answers prove a submit made no task,
//! whether apimart's idempotency headers are sent, token pricing, inline
//! media, and the operations only one dialect has (list, cancel).
//!
//! The rest of the client (`call.rs`, `idempotent.rs`, `wait.rs`) calls
//! these methods and never names a provider; the [`Transport`] sees plain
//! [`ApiRequest`]s either way, so custom transports work unchanged.
//!
//! [`Transport`]: crate::Transport

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use seedance_core::provider::ark::{self, ListQuery, TokenPriceTable};
use seedance_core::provider::{Capabilities, ProviderKind};
use seedance_core::response::{ApiError, ResponseError, SubmitResponse};
use seedance_core::{GenerationRequest, Model, Task, TaskStatus, ValidationReport};

use super::call::Idempotency;
use super::upload::{UPLOAD_URL_TTL_SECS, UploadedImage, check_uploadable};
use super::{Client, ClientError, SUBMIT_PATH, TASK_PATH};
use crate::wire::{self, ApiRequest, ApiResponse};

/// The host of the stand-in URL an inlined image gets
/// ([`Client::inline_image`]): it never leaves the machine; the client puts
/// the image's `data:` URL in its place when it builds the create body.
pub const INLINE_HOST: &str = "inline.seedance.invalid";

/// Images registered for inlining: stand-in URL → `data:` URL.
#[derive(Default)]
pub(crate) struct InlineImages(Mutex<HashMap<String, String>>);

impl fmt::Debug for InlineImages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("InlineImages").field("images", &n).finish()
    }
}

/// One page of recent tasks ([`Client::list_tasks`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TaskPage {
    /// The tasks on this page, newest first, priced like [`Client::task`]'s.
    pub tasks: Vec<Task>,
    /// How many tasks match the filters over all pages.
    pub total: u64,
}

/// Why a task cannot be cancelled ([`ClientError::CannotCancel`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CancelRefusal {
    /// Running: it will finish and be billed.
    #[error("it is running, and a running task cannot be cancelled: it will finish and be billed")]
    Running,
    /// Already cancelled.
    #[error("it is already cancelled")]
    AlreadyCancelled,
    /// It already ended (succeeded, failed, expired): nothing to cancel.
    #[error("it already ended ({0})")]
    Ended(TaskStatus),
    /// A status the provider does not document for cancelling.
    #[error("its status `{0}` is not one that can be cancelled")]
    UnknownStatus(String),
}

impl Client {
    /// The service this client speaks to (`ClientConfig::provider`).
    pub fn provider(&self) -> ProviderKind {
        self.config.provider
    }

    /// What the provider offers beyond submit and status.
    pub fn capabilities(&self) -> Capabilities {
        self.config.provider.capabilities()
    }

    /// Whether local images are sent inside the request
    /// ([`Client::inline_image`]) rather than uploaded first
    /// ([`Client::upload_image`]).
    pub fn inlines_images(&self) -> bool {
        let c = self.capabilities();
        c.inline_media && !c.upload
    }

    /// The token prices tasks are priced with on a provider that bills
    /// tokens (`ClientConfig::token_prices`, else the built-in table);
    /// `None` on apimart, whose tasks report money.
    pub fn token_prices(&self) -> Option<TokenPriceTable> {
        if self.capabilities().cost_in_money {
            return None;
        }
        self.config
            .token_prices
            .clone()
            .or_else(|| TokenPriceTable::builtin(self.config.provider))
    }

    /// The currency of the costs this client reports ([`Task::billed`]):
    /// the token price table's on a provider that bills tokens; `None` on
    /// apimart, whose tasks report the amount in the account's own units.
    pub fn cost_currency(&self) -> Option<String> {
        self.token_prices().map(|t| t.currency)
    }

    /// Every rule of the provider for `request`.
    pub fn validate(&self, request: &GenerationRequest) -> ValidationReport {
        match self.config.provider {
            ProviderKind::Apimart => request.validate(),
            p => p.validate(request),
        }
    }

    /// Whether apimart's idempotency contract (`Idempotency-Key`, replays)
    /// applies: Ark has no idempotency key, so nothing is sent for it and an
    /// uncertain submit is never resent with one.
    pub(crate) fn speaks_idempotency_keys(&self) -> bool {
        self.config.provider == ProviderKind::Apimart
    }

    /// The create call for `request`: apimart's body (the request as it
    /// serializes) to its path, or Ark's `content[]` body with inlined
    /// images put in place of their stand-in URLs.
    pub(crate) fn submit_call(
        &self,
        request: &GenerationRequest,
    ) -> Result<ApiRequest, ClientError> {
        let unserializable = |e: serde_json::Error| ClientError::UnexpectedResponse {
            status: 0,
            detail: format!("cannot serialize the request: {e}"),
        };
        let provider = self.config.provider;
        if provider == ProviderKind::Apimart {
            let body = serde_json::to_vec(request).map_err(unserializable)?;
            return Ok(ApiRequest::post_json(SUBMIT_PATH, body));
        }
        let mut body = ark::to_ark_request(provider, request, &ark::MapOptions::default())?;
        let inline = self.inline.0.lock().unwrap_or_else(|e| e.into_inner());
        for item in &mut body.content {
            let Some(url) = item.url() else { continue };
            if !is_inline_stand_in(url) {
                continue;
            }
            let data = inline
                .get(url)
                .cloned()
                .ok_or_else(|| ClientError::UnexpectedResponse {
                    status: 0,
                    detail: format!(
                        "{url} stands for an inlined image this client no longer holds; publish the file again"
                    ),
                })?;
            item.set_url(data);
        }
        drop(inline);
        let body = serde_json::to_vec(&body).map_err(unserializable)?;
        // Each inline item fits on its own; together they may not. Over
        // the limit the service answers 413 (or cuts the connection), which
        // proves nothing about a task: refused here, nothing is sent.
        if body.len() > ark::MAX_BODY_BYTES {
            return Err(ark::InlineMediaError::TooLarge {
                bytes: body.len(),
                max: ark::MAX_BODY_BYTES,
            }
            .into());
        }
        Ok(ApiRequest::post_json(provider.submit_path(), body))
    }

    /// The status call for `task_id` (`language` is apimart's only).
    pub(crate) fn task_call(&self, task_id: &str, language: Option<&str>) -> ApiRequest {
        let provider = self.config.provider;
        if provider != ProviderKind::Apimart {
            return ApiRequest::get(provider.task_path(task_id));
        }
        let path = format!("{TASK_PATH}{}", wire::percent_encode_path(task_id));
        let request = ApiRequest::get(path);
        match language {
            Some(lang) => request.with_query("language", lang),
            None => request,
        }
    }

    /// Reads a create answer.
    pub(crate) fn parse_submit_answer(&self, body: &[u8]) -> Result<SubmitResponse, ResponseError> {
        self.config.provider.parse_submit_body(body)
    }

    /// Reads a task body, priced in money where the provider bills tokens.
    pub(crate) fn parse_task_answer(&self, body: &[u8]) -> Result<Task, ResponseError> {
        let task = self.config.provider.parse_task_body(body)?;
        Ok(self.priced(task))
    }

    /// `task` with its `cost` filled from its token usage (Ark), so that
    /// [`Task::billed`] means money under every provider.
    fn priced(&self, task: Task) -> Task {
        let Some(table) = self.token_prices() else {
            return task;
        };
        let submission = self.submission(&task.id);
        let model = submission
            .as_ref()
            .map_or_else(|| Model::Seedance2, |s| Model::other(s.model.clone()));
        let with_video = submission.is_some_and(|s| s.with_video);
        ark::priced(task, &table, &model, with_video)
    }

    /// `error` with the field it names (Ark's `param`, a wire path such as
    /// `content[1].image_url.url` or `ratio`) put in the request's own
    /// terms (`image_urls[0]`, `size`), the wire name kept beside it.
    pub(crate) fn in_request_terms(
        &self,
        mut error: ClientError,
        request: &GenerationRequest,
    ) -> ClientError {
        if let ClientError::Api {
            param: Some(param), ..
        } = &mut error
        {
            let field = self.config.provider.request_field(request, param);
            if field != **param {
                *param = format!("{field}, sent as `{param}`").into();
            }
        }
        error
    }

    /// Reads an error body in the provider's envelope.
    pub(crate) fn parse_error_answer(&self, body: &[u8]) -> Option<ApiError> {
        self.config.provider.parse_error_body(body)
    }

    /// The request id of an error answer: apimart puts it in the body, Ark
    /// in the `X-Request-Id` header.
    pub(crate) fn request_id_of(&self, response: &ApiResponse) -> Option<Box<str>> {
        match self.config.provider {
            ProviderKind::Apimart => seedance_core::request_id_of(&response.body).map(Into::into),
            _ => response.headers.get("x-request-id").map(Into::into),
        }
    }

    /// Whether `status`, with the provider's documented error body,
    /// proves a submit created no task.
    pub(crate) fn submit_refused(&self, status: u16) -> bool {
        self.config.provider.submit_refused(status)
    }

    /// Registers a local image to be sent inline and returns the stand-in
    /// URL to put in the request (on a provider that takes images inline;
    /// see [`Client::inlines_images`]). The image is checked as an upload
    /// would be (JPEG, PNG, WebP or GIF); nothing is sent.
    pub fn inline_image(
        &self,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<UploadedImage, ClientError> {
        if !self.inlines_images() {
            return Err(ClientError::NotOffered {
                provider: self.config.provider,
                operation: "inline images",
            });
        }
        let kind = check_uploadable(file_name, bytes)?;
        let mime = super::upload::content_type(kind);
        let data = ark::inline_data_url(mime, bytes)?;
        let url = self.hold_inline(bytes, file_name, "image", data);
        let now = self.unix_now();
        Ok(UploadedImage {
            url,
            filename: file_name.to_owned(),
            content_type: mime.to_owned(),
            bytes: bytes.len() as u64,
            created_at: now,
            expires_at: now + UPLOAD_URL_TTL_SECS,
        })
    }

    /// Registers a local audio clip (WAV or MP3, by its bytes) to be sent
    /// inline as `data:audio/<format>;base64,...` (Ark takes audio so; see
    /// docs/providers.md "Inline media") and returns the stand-in URL to put
    /// in `audio_urls`. [`ClientError::NotOffered`] where the provider does
    /// not take media inline (apimart). Nothing is sent.
    pub fn inline_audio(&self, bytes: &[u8], file_name: &str) -> Result<String, ClientError> {
        if !self.capabilities().inline_media {
            return Err(ClientError::NotOffered {
                provider: self.config.provider,
                operation: "inline audio",
            });
        }
        let format = audio_format(bytes).ok_or_else(|| {
            ark::InlineMediaError::NotInlinable(format!(
                "{file_name} (neither WAV nor MP3 by its bytes)"
            ))
        })?;
        let data = ark::inline_data_url(&format!("audio/{format}"), bytes)?;
        Ok(self.hold_inline(bytes, file_name, "audio", data))
    }

    /// Keeps `data` for the body and returns the stand-in URL naming it.
    fn hold_inline(&self, bytes: &[u8], file_name: &str, fallback: &str, data: String) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(bytes);
        let safe: String = file_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let url = format!(
            "https://{INLINE_HOST}/{}/{}",
            seedance_core::hex::encode(&digest[..16]),
            if safe.is_empty() { fallback } else { &safe }
        );
        self.inline
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(url.clone(), data);
        url
    }

    /// Whether `url` is an inlined image this client holds.
    pub(crate) fn holds_inline(&self, url: &str) -> bool {
        is_inline_stand_in(url)
            && self
                .inline
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(url)
    }

    /// Recent tasks (Ark: the last 7 days), one page, with `query`'s
    /// filters. [`ClientError::NotOffered`] where the provider has no list.
    pub async fn list_tasks(&self, query: &ListQuery) -> Result<TaskPage, ClientError> {
        let provider = self.config.provider;
        let Some(path) = provider.list_path().filter(|_| self.capabilities().list) else {
            return Err(ClientError::NotOffered {
                provider,
                operation: "listing tasks",
            });
        };
        let mut request = ApiRequest::get(path);
        request.query = query.to_query()?;
        let page = self
            .call_parsed(request, Idempotency::Idempotent, |r| {
                ark::parse_list_body(&r.body).map_err(|e| ClientError::UnexpectedResponse {
                    status: r.status,
                    detail: self.transport.redact(&e.to_string()).into_owned(),
                })
            })
            .await?;
        let tasks = page
            .items
            .into_iter()
            .map(|t| self.redacted(self.priced(t)))
            .collect();
        Ok(TaskPage {
            tasks,
            total: page.total,
        })
    }

    /// Cancels a queued task. A running task cannot be cancelled (it
    /// finishes and is billed), nor one that ended: both are
    /// [`ClientError::CannotCancel`], found by reading the task first.
    /// [`ClientError::NotOffered`] where the provider cannot cancel.
    pub async fn cancel(&self, task_id: &str) -> Result<(), ClientError> {
        let provider = self.config.provider;
        if !self.capabilities().cancel {
            return Err(ClientError::NotOffered {
                provider,
                operation: "cancelling tasks",
            });
        }
        let refused = |reason| ClientError::CannotCancel {
            task_id: task_id.to_owned(),
            reason,
        };
        let task = self.task(task_id).await?;
        match ark::delete_effect(&task.status) {
            Ok(ark::DeleteEffect::Cancels) => {}
            Ok(_) => return Err(refused(CancelRefusal::Ended(task.status))),
            Err(ark::CannotDelete::Running) => return Err(refused(CancelRefusal::Running)),
            Err(ark::CannotDelete::AlreadyCancelled) => {
                return Err(refused(CancelRefusal::AlreadyCancelled));
            }
            Err(_) => {
                return Err(refused(CancelRefusal::UnknownStatus(
                    task.status.as_str().to_owned(),
                )));
            }
        }
        // Sent once, never retried: on Ark the same DELETE that cancels a
        // queued task deletes the record of a finished one, so a retry that
        // lands after the task succeeded would delete a paid result.
        let deleted = self
            .exchange(
                &ApiRequest::delete(provider.task_path(task_id)),
                Idempotency::Idempotent,
            )
            .await
            .map_err(|failed| failed.error);
        if let Err(e) = deleted {
            // It may have started between the read and the DELETE, or an
            // earlier attempt may have cancelled it: the task says which.
            return match self.task(task_id).await.map(|t| t.status) {
                Ok(TaskStatus::Cancelled) => Ok(()),
                Ok(TaskStatus::Processing) => Err(refused(CancelRefusal::Running)),
                _ => Err(e),
            };
        }
        Ok(())
    }

    /// `task` with server text redacted.
    pub(crate) fn redacted(&self, mut task: Task) -> Task {
        if let Some(error) = &mut task.error {
            error.message = self.transport.redact(&error.message).into_owned();
        }
        task
    }
}

/// An audio clip's format by its first bytes, as Ark's data URLs name it:
/// `wav` (RIFF/WAVE) or `mp3` (an ID3 tag, or an MPEG audio frame sync
/// with a layer set: AAC's ADTS header shares the sync but its layer bits
/// are 00, and it is not MP3).
fn audio_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return Some("wav");
    }
    if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0 && bytes[1] & 0x06 != 0)
    {
        return Some("mp3");
    }
    None
}

/// Whether `url` is a stand-in made by [`Client::inline_image`] or
/// [`Client::inline_audio`].
pub(crate) fn is_inline_stand_in(url: &str) -> bool {
    url.strip_prefix("https://")
        .and_then(|rest| rest.strip_prefix(INLINE_HOST))
        .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::audio_format;

    #[test]
    fn audio_formats_by_their_first_bytes() {
        assert_eq!(audio_format(b"RIFF\x24\0\0\0WAVEfmt "), Some("wav"));
        assert_eq!(audio_format(b"ID3\x04\0\0\0\0\0\0"), Some("mp3"));
        assert_eq!(audio_format(&[0xFF, 0xFB, 0x90, 0x64]), Some("mp3"));
        assert_eq!(audio_format(b"OggS\0\x02"), None);
        assert_eq!(audio_format(b"\0\0\0\x18ftypmp42"), None);
        assert_eq!(audio_format(b""), None);
        // AAC's ADTS header shares the frame sync, with layer bits 00.
        assert_eq!(audio_format(&[0xFF, 0xF1, 0x50, 0x80]), None);
        assert_eq!(audio_format(&[0xFF, 0xF9, 0x50, 0x80]), None);
    }
}
