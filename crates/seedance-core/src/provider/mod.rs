//! Which service speaks to the models: the apimart gateway (the default) or
//! ByteDance's own platforms, Volcengine Ark (China) and BytePlus ModelArk
//! (international), which share one wire dialect.
//!
//! The project's own types ([`GenerationRequest`], [`Task`], [`ApiError`])
//! stay the same under every provider; each provider module maps them to and
//! from its wire format. apimart's dialect is the one the rest of this crate
//! already speaks ([`crate::response`], [`crate::request`]); Ark's lives in
//! [`ark`]. Nothing here does I/O: a transport sends what these functions
//! build and hands back the bytes they parse.
//!
//! ```
//! use seedance_core::provider::ProviderKind;
//!
//! let p: ProviderKind = "byteplus".parse()?;
//! assert_eq!(p.default_base_url(), "https://ark.ap-southeast.bytepluses.com/api/v3");
//! assert_eq!(p.submit_path(), "/contents/generations/tasks");
//! assert!(p.capabilities().cancel && !p.capabilities().upload);
//! assert_eq!(ProviderKind::default(), ProviderKind::Apimart);
//! # Ok::<(), seedance_core::UnknownValue>(())
//! ```
//!
//! `docs/providers.md` compares the two dialects field by field, with a
//! source for each fact.
//!
//! [`GenerationRequest`]: crate::GenerationRequest
//! [`Task`]: crate::Task
//! [`ApiError`]: crate::ApiError

pub mod ark;

use std::fmt;

use serde_json::Value;

use crate::model::Model;
use crate::request::GenerationRequest;
use crate::response::{ApiError, ResponseError, SubmitResponse, Task};
use crate::validate::ValidationReport;
use crate::wire_enum::UnknownValue;

/// The environment variable that picks the provider (`apimart`, `ark`,
/// `byteplus`), as `--provider` does on the command line.
pub const PROVIDER_ENV: &str = "SEEDANCE_PROVIDER";

/// A service that runs Seedance 2.0 tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum ProviderKind {
    /// The apimart gateway (`api.apimart.ai`), billed per generated second.
    #[default]
    Apimart,
    /// Volcengine Ark, ByteDance's platform in mainland China
    /// (`ark.cn-beijing.volces.com`), billed in tokens, prices in CNY.
    Ark,
    /// BytePlus ModelArk, ByteDance's international platform
    /// (`ark.ap-southeast.bytepluses.com`): Ark's dialect with its own
    /// model ids, billed in tokens, prices in USD.
    BytePlus,
}

/// What a provider offers beyond submit and status. The CLI refuses a
/// command the chosen provider lacks, naming the provider, instead of
/// sending a request that cannot work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Listing recent tasks (Ark: `GET /contents/generations/tasks`, last 7 days).
    pub list: bool,
    /// Cancelling a queued task (Ark: `DELETE .../tasks/{id}`; a running
    /// task cannot be cancelled).
    pub cancel: bool,
    /// Deleting the record of a finished task (Ark: the same `DELETE`).
    pub delete: bool,
    /// Uploading a local image to get a URL (apimart: `POST /v1/uploads/images`).
    pub upload: bool,
    /// Reading the account balance (apimart: `GET /v1/balance`).
    pub balance: bool,
    /// A callback URL pushed on status changes (apimart `webhook`, Ark `callback_url`).
    pub callback: bool,
    /// Images and audio sent inline as `data:` URLs (Ark only; videos
    /// must be URLs everywhere).
    pub inline_media: bool,
    /// The task reports what it cost in money (apimart `cost`); Ark reports
    /// tokens (`usage.completion_tokens`) to multiply by a price.
    pub cost_in_money: bool,
    /// apimart's discovery endpoints: the model list (`GET /v1/models`),
    /// a model's input schema and its public price. Ark's data-plane API
    /// (`/api/v3`) has none of them.
    pub discovery: bool,
}

impl ProviderKind {
    /// Every provider, default first.
    pub const ALL: &'static [ProviderKind] = &[
        ProviderKind::Apimart,
        ProviderKind::Ark,
        ProviderKind::BytePlus,
    ];
    /// Every accepted name, in the order of [`ProviderKind::ALL`].
    pub const WIRE_VALUES: &'static [&'static str] = &["apimart", "ark", "byteplus"];

    /// The name used by `--provider` and [`PROVIDER_ENV`].
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Apimart => "apimart",
            ProviderKind::Ark => "ark",
            ProviderKind::BytePlus => "byteplus",
        }
    }

    /// The name people know the service by, for messages
    /// ("refused by Volcengine Ark").
    pub const fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Apimart => "apimart",
            ProviderKind::Ark => "Volcengine Ark",
            ProviderKind::BytePlus => "BytePlus ModelArk",
        }
    }

    /// Whether the provider speaks Ark's dialect (Volcengine and BytePlus).
    pub const fn is_ark_dialect(self) -> bool {
        matches!(self, ProviderKind::Ark | ProviderKind::BytePlus)
    }

    /// The base URL requests go to when none is configured. Paths such as
    /// [`ProviderKind::submit_path`] are appended to it.
    ///
    /// Ark: the Volcengine SDK's `BASE_URL` (`cn-beijing`). BytePlus: the
    /// `ap-southeast-1` base URL of the ModelArk pricing page, which also
    /// names `https://ark.eu-west.bytepluses.com/api/v3` for models served
    /// in `eu-west-1` (not Seedance at the time of writing).
    pub const fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::Apimart => "https://api.apimart.ai",
            ProviderKind::Ark => "https://ark.cn-beijing.volces.com/api/v3",
            ProviderKind::BytePlus => "https://ark.ap-southeast.bytepluses.com/api/v3",
        }
    }

    /// The provider whose official API host `base_url` names (by domain:
    /// `apimart.ai`, `volces.com`, `bytepluses.com`), or `None` for any
    /// other host (a proxy, a simulator, a gateway).
    pub fn official_for(base_url: &str) -> Option<ProviderKind> {
        let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, h)| h)
            .split(':')
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
        if under("apimart.ai") {
            Some(ProviderKind::Apimart)
        } else if under("volces.com") {
            Some(ProviderKind::Ark)
        } else if under("bytepluses.com") {
            Some(ProviderKind::BytePlus)
        } else {
            None
        }
    }

    /// The environment variables the API key is read from, first set wins.
    /// Both ByteDance SDKs read `ARK_API_KEY`; BytePlus also accepts
    /// `BYTEPLUS_API_KEY` first, so one shell can hold keys for both regions
    /// (an Ark key belongs to one region).
    pub const fn api_key_envs(self) -> &'static [&'static str] {
        match self {
            ProviderKind::Apimart => &["APIMART_API_KEY"],
            ProviderKind::Ark => &["ARK_API_KEY"],
            ProviderKind::BytePlus => &["BYTEPLUS_API_KEY", "ARK_API_KEY"],
        }
    }

    /// The environment variable that overrides [`ProviderKind::default_base_url`].
    pub const fn base_url_env(self) -> &'static str {
        match self {
            ProviderKind::Apimart => "APIMART_BASE_URL",
            ProviderKind::Ark => "ARK_BASE_URL",
            ProviderKind::BytePlus => "BYTEPLUS_BASE_URL",
        }
    }

    /// The environment variables read for the base URL, first set wins:
    /// [`ProviderKind::base_url_env`], then, on BytePlus, `ARK_BASE_URL`
    /// (as its key falls back to `ARK_API_KEY`: one Ark-style setting
    /// serves either platform).
    pub const fn base_url_envs(self) -> &'static [&'static str] {
        match self {
            ProviderKind::Apimart => &["APIMART_BASE_URL"],
            ProviderKind::Ark => &["ARK_BASE_URL"],
            ProviderKind::BytePlus => &["BYTEPLUS_BASE_URL", "ARK_BASE_URL"],
        }
    }

    /// The path a generation request is POSTed to, relative to the base URL.
    pub const fn submit_path(self) -> &'static str {
        match self {
            ProviderKind::Apimart => "/v1/videos/generations",
            ProviderKind::Ark | ProviderKind::BytePlus => "/contents/generations/tasks",
        }
    }

    /// The path of one task (GET for status; on Ark also DELETE to cancel or
    /// delete). The id is percent-encoded so it is always one path segment.
    pub fn task_path(self, task_id: &str) -> String {
        let id = encode_segment(task_id);
        match self {
            ProviderKind::Apimart => format!("/v1/tasks/{id}"),
            ProviderKind::Ark | ProviderKind::BytePlus => {
                format!("/contents/generations/tasks/{id}")
            }
        }
    }

    /// The path that lists tasks, where the provider has one.
    pub const fn list_path(self) -> Option<&'static str> {
        match self {
            ProviderKind::Apimart => None,
            ProviderKind::Ark | ProviderKind::BytePlus => Some("/contents/generations/tasks"),
        }
    }

    /// What the provider offers beyond submit and status.
    pub const fn capabilities(self) -> Capabilities {
        match self {
            ProviderKind::Apimart => Capabilities {
                list: false,
                cancel: false,
                delete: false,
                upload: true,
                balance: true,
                callback: true,
                inline_media: false,
                cost_in_money: true,
                discovery: true,
            },
            ProviderKind::Ark | ProviderKind::BytePlus => Capabilities {
                list: true,
                cancel: true,
                delete: true,
                upload: false,
                balance: false,
                callback: true,
                inline_media: true,
                cost_in_money: false,
                discovery: false,
            },
        }
    }

    /// The id this provider knows `model` by, or why it does not serve it.
    /// apimart takes the project's ids as they are; Ark and BytePlus map
    /// them to their dated ids (see [`ark::model_id`]).
    pub fn model_id(self, model: &Model) -> Result<String, ModelNotServed> {
        match self {
            ProviderKind::Apimart => Ok(model.as_str().to_owned()),
            ProviderKind::Ark | ProviderKind::BytePlus => ark::model_id(self, model),
        }
    }
}

/// The dialect, as plain functions of bytes and values: what a transport
/// needs to speak to either provider without matching on it. Each method
/// delegates to apimart's functions ([`crate::response`], the request's own
/// JSON) or to [`ark`]'s.
impl ProviderKind {
    /// Every rule for this provider: [`GenerationRequest::validate`] on
    /// apimart, [`ark::validate`] on Ark and BytePlus.
    ///
    /// [`GenerationRequest::validate`]: crate::GenerationRequest::validate
    pub fn validate(self, request: &GenerationRequest) -> ValidationReport {
        ark::validate(self, request)
    }

    /// The create body to POST to [`ProviderKind::submit_path`]: the request
    /// itself on apimart, [`ark::to_ark_request`] (with default
    /// [`ark::MapOptions`]) on Ark and BytePlus.
    pub fn submit_json(self, request: &GenerationRequest) -> Result<Value, ModelNotServed> {
        match self {
            ProviderKind::Apimart => Ok(request.to_json()),
            ProviderKind::Ark | ProviderKind::BytePlus => {
                Ok(ark::to_ark_request(self, request, &ark::MapOptions::default())?.to_json())
            }
        }
    }

    /// Reads the create response into the task id to poll.
    pub fn parse_submit_body(self, body: &[u8]) -> Result<SubmitResponse, ResponseError> {
        match self {
            ProviderKind::Apimart => crate::response::parse_submit_body(body),
            ProviderKind::Ark | ProviderKind::BytePlus => ark::parse_create_body(body),
        }
    }

    /// Reads a status response (or a callback push) into the project's [`Task`].
    pub fn parse_task_body(self, body: &[u8]) -> Result<Task, ResponseError> {
        match self {
            ProviderKind::Apimart => crate::response::parse_task_body(body),
            ProviderKind::Ark | ProviderKind::BytePlus => ark::parse_task_body(body),
        }
    }

    /// Reads an HTTP error body; `None` when it is not the provider's
    /// error envelope (fall back to the HTTP status).
    pub fn parse_error_body(self, body: &[u8]) -> Option<ApiError> {
        match self {
            ProviderKind::Apimart => crate::response::parse_error_body(body),
            ProviderKind::Ark | ProviderKind::BytePlus => ark::parse_error_body(body),
        }
    }

    /// Whether an HTTP status answering a create, *with the provider's
    /// documented error body*, proves that no task was created, so the
    /// request may be sent again without paying twice. apimart: 400, 401,
    /// 402, 429 (its documented error bodies). Ark: 400 (`BadRequest`), 401
    /// (`Unauthorized`), 403 (`AccountOverdueError`, `AccessDenied`), 404
    /// (endpoint or model not found / not activated), 429 (rate limit,
    /// `QuotaExceeded`). Every other answer, 5xx included, leaves "a task
    /// may exist".
    pub const fn submit_refused(self, status: u16) -> bool {
        match self {
            ProviderKind::Apimart => matches!(status, 400 | 401 | 402 | 429),
            ProviderKind::Ark | ProviderKind::BytePlus => {
                matches!(status, 400 | 401 | 403 | 404 | 429)
            }
        }
    }

    /// The project field an error's `param` names, for messages: Ark's
    /// `content[1].image_url` becomes `image_urls[0]` (the request is
    /// mapped again to know the order); apimart's params are the project's.
    pub fn request_field(self, request: &GenerationRequest, param: &str) -> String {
        match self {
            ProviderKind::Apimart => param.to_owned(),
            ProviderKind::Ark | ProviderKind::BytePlus => {
                match ark::to_ark_request(self, request, &ark::MapOptions::default()) {
                    Ok(body) => body.project_path(param),
                    Err(_) => param.to_owned(),
                }
            }
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl std::str::FromStr for ProviderKind {
    type Err = UnknownValue;
    /// Case-insensitive; `volcengine` is accepted for `ark`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "apimart" => Ok(ProviderKind::Apimart),
            "ark" | "volcengine" => Ok(ProviderKind::Ark),
            "byteplus" => Ok(ProviderKind::BytePlus),
            _ => Err(UnknownValue {
                value: s.to_owned(),
                expected: ProviderKind::WIRE_VALUES,
            }),
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ProviderKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ProviderKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A model the chosen provider does not serve: the request is refused
/// before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} does not serve `{model}`: {reason}", .provider.display_name())]
pub struct ModelNotServed {
    /// The provider that was asked.
    pub provider: ProviderKind,
    /// The model id as the caller gave it.
    pub model: String,
    /// Why, and what to use instead.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_hosts_are_known_by_domain_and_nothing_else_is() {
        for (url, owner) in [
            ("https://api.apimart.ai", Some(ProviderKind::Apimart)),
            (
                "https://ark.cn-beijing.volces.com/api/v3",
                Some(ProviderKind::Ark),
            ),
            (
                "https://ARK.cn-beijing.volces.com.:443/api/v3",
                Some(ProviderKind::Ark),
            ),
            (
                "https://ark.ap-southeast.bytepluses.com/api/v3",
                Some(ProviderKind::BytePlus),
            ),
            (
                "https://user:pw@ark.ap-southeast.bytepluses.com",
                Some(ProviderKind::BytePlus),
            ),
            ("http://127.0.0.1:8080", None),
            ("https://volces.com.evil.example/api/v3", None),
            ("https://notvolces.com/api/v3", None),
            ("https://proxy.example/ark.volces.com", None),
        ] {
            assert_eq!(ProviderKind::official_for(url), owner, "{url}");
        }
        for p in [
            ProviderKind::Apimart,
            ProviderKind::Ark,
            ProviderKind::BytePlus,
        ] {
            assert_eq!(ProviderKind::official_for(p.default_base_url()), Some(p));
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for p in ProviderKind::ALL {
            assert_eq!(p.as_str().parse::<ProviderKind>().unwrap(), *p);
            assert_eq!(
                serde_json::to_string(p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
        }
        assert_eq!(
            "Volcengine".parse::<ProviderKind>().unwrap(),
            ProviderKind::Ark
        );
        assert_eq!(
            "openai".parse::<ProviderKind>().unwrap_err().to_string(),
            "`openai` is not one of `apimart`, `ark`, `byteplus`"
        );
    }

    #[test]
    fn paths_per_dialect() {
        assert_eq!(
            ProviderKind::Apimart.task_path("task_1"),
            "/v1/tasks/task_1"
        );
        assert_eq!(
            ProviderKind::Ark.task_path("cgt-2026/x"),
            "/contents/generations/tasks/cgt-2026%2Fx"
        );
        assert_eq!(ProviderKind::Apimart.list_path(), None);
        assert!(ProviderKind::BytePlus.list_path().is_some());
    }

    #[test]
    fn keys_and_base_urls() {
        assert_eq!(ProviderKind::Apimart.api_key_envs(), ["APIMART_API_KEY"]);
        assert_eq!(ProviderKind::Ark.api_key_envs(), ["ARK_API_KEY"]);
        assert!(
            ProviderKind::BytePlus
                .api_key_envs()
                .contains(&"ARK_API_KEY")
        );
        for p in ProviderKind::ALL {
            assert!(p.default_base_url().starts_with("https://"));
            assert!(!p.default_base_url().ends_with('/'));
        }
    }

    #[test]
    fn one_facade_speaks_both_dialects() {
        use crate::{GenerationRequest, MediaUrl};
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_video_url(MediaUrl::parse("https://e.com/v.mp4").unwrap());
        assert_eq!(ProviderKind::Apimart.submit_json(&r).unwrap(), r.to_json());
        let ark = ProviderKind::Ark.submit_json(&r).unwrap();
        assert_eq!(ark["model"], "doubao-seedance-2-0-260128");
        assert_eq!(ark["content"][1]["role"], "reference_video");
        assert_eq!(
            ProviderKind::Ark.request_field(&r, "content[1].video_url"),
            "video_urls[0]"
        );
        assert_eq!(
            ProviderKind::Apimart.request_field(&r, "video_urls"),
            "video_urls"
        );
        assert_eq!(
            ProviderKind::BytePlus
                .parse_submit_body(br#"{"id":"cgt-1"}"#)
                .unwrap()
                .task_id,
            "cgt-1"
        );
        assert_eq!(
            ProviderKind::Apimart
                .parse_submit_body(
                    br#"{"code":200,"data":[{"status":"submitted","task_id":"task_1"}]}"#
                )
                .unwrap()
                .task_id,
            "task_1"
        );
        let t = ProviderKind::Ark
            .parse_task_body(br#"{"id":"cgt-1","status":"queued"}"#)
            .unwrap();
        assert_eq!(t.status, crate::TaskStatus::Pending);
        let e = ProviderKind::Ark
            .parse_error_body(
                br#"{"error":{"code":"InvalidParameter","message":"m","type":"BadRequest"}}"#,
            )
            .unwrap();
        assert_eq!(e.kind, Some(crate::ErrorType::InvalidRequest));
        let e = ProviderKind::Apimart
            .parse_error_body(
                br#"{"error":{"code":"InvalidParameter","message":"m","type":"BadRequest"}}"#,
            )
            .unwrap();
        assert_eq!(e.kind, Some(crate::ErrorType::Unknown("BadRequest".into())));
        let face = GenerationRequest::new(Model::Seedance2Face).with_prompt("p");
        assert!(ProviderKind::Apimart.validate(&face).is_valid());
        assert!(!ProviderKind::BytePlus.validate(&face).is_valid());
        assert!(ProviderKind::BytePlus.submit_json(&face).is_err());
    }

    #[test]
    fn which_answers_prove_no_task_was_created() {
        for p in ProviderKind::ALL {
            for status in [400, 401, 429] {
                assert!(p.submit_refused(status), "{p} {status}");
            }
            for status in [200, 408, 500, 502, 503, 504] {
                assert!(!p.submit_refused(status), "{p} {status}");
            }
        }
        assert!(ProviderKind::Apimart.submit_refused(402));
        assert!(!ProviderKind::Apimart.submit_refused(403));
        assert!(ProviderKind::Ark.submit_refused(403));
        assert!(ProviderKind::BytePlus.submit_refused(404));
    }

    #[test]
    fn capabilities_differ_by_dialect() {
        let a = ProviderKind::Apimart.capabilities();
        let k = ProviderKind::Ark.capabilities();
        assert!(a.upload && a.balance && !a.list && !a.cancel);
        assert!(k.list && k.cancel && k.delete && !k.upload && !k.balance);
        assert_eq!(k, ProviderKind::BytePlus.capabilities());
    }
}
