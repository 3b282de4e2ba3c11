//! # seedance-core
//!
//! The pure heart of the seedance SDK for ByteDance's Seedance 2.0 video
//! models on the apimart gateway: request and response types, every
//! validation rule of the API reference, and the maths of polling and retry
//! backoff. It does no I/O and pulls in no async runtime or HTTP client, so it
//! can be used anywhere (a web form's validation, a job queue, a build step).
//!
//! ```
//! use seedance_core::{validate_json, Code, GenerationRequest, ImageRole, MediaUrl, Model};
//!
//! // Typed construction...
//! let request = GenerationRequest::new(Model::Seedance2)
//!     .with_prompt("Day turns to night")
//!     .with_image_role(MediaUrl::parse("https://example.com/day.jpg")?, ImageRole::FirstFrame)
//!     .with_image_role(MediaUrl::parse("https://example.com/night.jpg")?, ImageRole::LastFrame);
//! assert!(request.validate().is_valid());
//!
//! // ...or raw JSON, with every problem reported at once.
//! let body = serde_json::json!({
//!     "model": "doubao-seedance-2.0-mini",
//!     "duration": 20,
//!     "image_urls": ["asset://asset_a"],
//!     "resolution": "4k"
//! });
//! let report = validate_json(&body);
//! let found: Vec<_> = report.errors.iter().map(|v| (v.code, v.path.as_str())).collect();
//! assert_eq!(found, [
//!     (Code::DurationOutOfRange, "duration"),
//!     (Code::ResolutionNotSupported, "resolution"),
//!     (Code::AssetNotSupported, "image_urls[0]"),
//! ]);
//! # Ok::<(), seedance_core::MediaUrlError>(())
//! ```
//!
//! Modules, one concept each:
//! - [`model`]: the model ids and fixed choices (size, resolution, role, tool);
//! - [`media_url`]: http(s) and `asset://` URLs;
//! - [`request`]: the [`GenerationRequest`] type;
//! - [`validate`]: the rules, for typed requests and raw JSON, plus the
//!   media-dependent rules fed with caller-supplied facts;
//! - [`response`]: submit, task and error bodies, parsed leniently;
//! - [`pricing`]: what requests will cost, from a dated price table;
//! - [`provider`]: which service runs the models (apimart, Volcengine Ark,
//!   BytePlus ModelArk), and Ark's wire dialect mapped to and from the
//!   types above;
//! - [`account`]: balance bodies; [`discovery`]: model list, model schema
//!   and public price answers; [`json_schema`]: the schema subset checker;
//!   [`asset`]: private asset requests and results;
//! - [`poll`]: when to poll next; [`retry`]: how long to back off;
//!   [`pacing`]: how far apart to space submits after a 429;
//! - [`media_check`]: are downloaded bytes the media they claim to be;
//!   [`digest`]: the hash a downloaded file is recorded with;
//! - [`limits`]: every number of the reference; [`rng`]: seeded jitter.

#![warn(missing_docs)]

pub mod account;
pub mod asset;
pub mod civil_time;
pub mod digest;
pub mod discovery;
pub mod failure;
pub mod hex;
pub mod idempotency;
pub mod json_schema;
pub mod limits;
pub mod media_check;
pub mod media_url;
pub mod model;
pub mod model_ids;
pub mod output_size;
pub mod pacing;
pub mod poll;
pub mod pricing;
pub mod provider;
pub mod request;
pub mod response;
pub mod retry;
pub mod rng;
pub mod validate;
mod wire_enum;

pub use failure::FailureCause;
pub use idempotency::IdempotencyKey;
pub use media_url::{MediaUrl, MediaUrlError, UrlKind};
pub use model::{ImageRole, Model, Resolution, Size, ToolType};
pub use poll::{Calibration, PollConfig, PollSchedule};
pub use request::{GenerationRequest, ImageWithRole, Tool};
pub use response::{
    ApiError, ErrorCode, ErrorType, ResponseError, SubmitResponse, Task, TaskResult, TaskStatus,
    VideoResult, parse_error_body, parse_submit_body, parse_task_body, request_id_of,
};
pub use retry::{RetryBudget, RetryConfig, parse_retry_after};
pub use validate::{
    Code, MediaFacts, MediaInfo, ValidationError, ValidationReport, Violation, validate_json,
    validate_media,
};
pub use wire_enum::UnknownValue;
