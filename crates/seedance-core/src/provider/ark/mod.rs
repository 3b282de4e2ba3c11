//! Ark's dialect, spoken by Volcengine Ark and BytePlus ModelArk alike: the
//! request body, the task, list and error bodies, the rules that differ
//! from apimart's, model ids, and token pricing.
//!
//! - `POST /contents/generations/tasks` takes an [`ArkCreateRequest`]
//!   ([`to_ark_request`] builds it from a [`GenerationRequest`]) and answers
//!   `{"id":"cgt-..."}` ([`parse_create_body`]);
//! - `GET /contents/generations/tasks/{id}` answers a task
//!   ([`parse_task_body`] reads it into the project's [`Task`]);
//! - `GET /contents/generations/tasks` lists the last 7 days
//!   ([`ListQuery`], [`parse_list_body`]);
//! - `DELETE /contents/generations/tasks/{id}` cancels a queued task or
//!   deletes a finished record ([`delete_effect`] says which, or why not);
//! - errors come as `{"error":{"code","message","param","type"}}`
//!   ([`parse_error_body`]).
//!
//! ```
//! use seedance_core::provider::{ProviderKind, ark};
//! use seedance_core::{GenerationRequest, MediaUrl, Model, Size};
//!
//! let request = GenerationRequest::new(Model::Seedance2Fast)
//!     .with_prompt("A kitten yawns")
//!     .with_image_url(MediaUrl::parse("https://example.com/cat.png")?)
//!     .with_size(Size::Adaptive)
//!     .with_duration(5);
//! assert!(ark::validate(ProviderKind::BytePlus, &request).is_valid());
//! let body = ark::to_ark_request(ProviderKind::BytePlus, &request, &ark::MapOptions::default())?;
//! assert_eq!(
//!     serde_json::to_string(&body).unwrap(),
//!     concat!(
//!         r#"{"model":"dreamina-seedance-2-0-fast-260128","content":["#,
//!         r#"{"type":"text","text":"A kitten yawns"},"#,
//!         r#"{"type":"image_url","image_url":{"url":"https://example.com/cat.png"},"role":"first_frame"}],"#,
//!         r#""ratio":"adaptive","duration":5,"generate_audio":false}"#
//!     )
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`GenerationRequest`]: crate::GenerationRequest
//! [`Task`]: crate::Task

mod cost;
#[cfg(test)]
mod fixtures;
mod inline;
mod models;
mod request;
mod response;
mod validate;

pub use crate::model_ids::{MODEL_IDS, ModelIds, project_model};
pub use crate::output_size::{OutputDims, output_dims};
pub use cost::{
    Billed, TokenEstimate, TokenPrice, TokenPriceTable, estimate_tokens, priced, tokens_for,
};
pub use inline::{InlineMediaError, inline_data_url};
pub use models::{model_id, platform_id};
pub use request::{
    ArkContent, ArkCreateRequest, ArkRole, ArkUrl, Defaults, MapOptions, to_ark_request,
};
pub use response::{
    ArkStatus, ArkTaskList, ArkUsage, CannotDelete, DeleteEffect, ListQuery, ListQueryError,
    completion_tokens, delete_effect, parse_create_body, parse_error_body, parse_list_body,
    parse_task_body, task_from_value, usage,
};
pub use validate::validate;

/// How long Ark keeps a task record, from `created_at` (seconds): 7 days.
/// The list endpoint shows only tasks this young.
pub const TASK_RETENTION_SECS: i64 = 7 * 24 * 3600;
/// How long result URLs (`content.video_url`, `content.last_frame_url`)
/// stay valid after the task succeeded (seconds): 24 hours.
pub const RESULT_URL_TTL_SECS: i64 = 24 * 3600;
/// Shortest `execution_expires_after` (seconds): 1 hour.
pub const EXPIRES_AFTER_MIN_SECS: i64 = 3600;
/// Longest `execution_expires_after` (seconds): 72 hours.
pub const EXPIRES_AFTER_MAX_SECS: i64 = 259_200;
/// `execution_expires_after` when unset (seconds): 48 hours.
pub const EXPIRES_AFTER_DEFAULT_SECS: i64 = 172_800;
/// Highest `priority` (the lowest is 0).
pub const PRIORITY_MAX: i64 = 9;
/// Most queued tasks one account may have at once (BytePlus); a submit
/// beyond it is refused.
pub const MAX_QUEUED_TASKS: usize = 120;
/// Largest `page_num` and `page_size` of the list endpoint.
pub const LIST_PAGE_MAX: u32 = 500;
/// Longest `safety_identifier`, characters.
pub const SAFETY_IDENTIFIER_MAX_CHARS: usize = 64;
/// Largest request body, bytes (inline base64 media count towards it): 64 MB.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Frames per second of every Seedance 2.0 output.
pub const OUTPUT_FPS: u32 = 24;
