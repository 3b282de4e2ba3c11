//! What the API sends back: the submit response, task status, and error
//! bodies. Parsing is lenient where the documentation shows several shapes
//! and ignores fields it does not know, so new server fields never break
//! parsing.

mod api_error;
mod submit;
mod task;

pub use api_error::{ApiError, ErrorCode, ErrorType, parse_error_body};
pub use submit::{SubmitResponse, parse_submit_body};
pub use task::{Task, TaskResult, TaskStatus, VideoResult, parse_task_body};

/// A response body that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The body is not JSON.
    #[error("response body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not of the documented shape.
    #[error("response body has an unexpected shape: {0}")]
    UnexpectedShape(String),
}

fn parse_json(body: &[u8]) -> Result<serde_json::Value, ResponseError> {
    serde_json::from_slice(body).map_err(|e| ResponseError::NotJson(e.to_string()))
}

/// The envelope's `request_id` (or `data.request_id`), when sent: the id
/// users quote to the service's support.
fn request_id(value: &serde_json::Value) -> Option<String> {
    [
        value.get("request_id"),
        value.get("data").and_then(|d| d.get("request_id")),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| v.as_str())
    .filter(|s| !s.trim().is_empty())
    .map(|s| s.chars().filter(|c| !c.is_control()).take(200).collect())
}

/// The `request_id` of any API body (a success or an error envelope), when
/// it is JSON and carries one.
pub fn request_id_of(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .as_ref()
        .and_then(request_id)
}

/// Reads `data` from the `{"code": .., "data": ..}` envelope. An older
/// documented shape puts the fields at the top level, without the envelope:
/// an object with `status`, `task_id` or `id` and no `data` is its own data.
fn envelope_data(value: &serde_json::Value) -> Result<&serde_json::Value, ResponseError> {
    let obj = value
        .as_object()
        .ok_or_else(|| ResponseError::UnexpectedShape("expected a JSON object".into()))?;
    match obj.get("data").filter(|d| !d.is_null()) {
        Some(data) => Ok(data),
        None if ["status", "task_id", "id"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(serde_json::Value::is_string)) =>
        {
            Ok(value)
        }
        None => Err(ResponseError::UnexpectedShape("no `data` field".into())),
    }
}
