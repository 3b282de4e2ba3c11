//! The response to `POST /v1/videos/generations`.

use serde_json::Value;

use super::{ResponseError, envelope_data, parse_json};

/// An accepted submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitResponse {
    /// The task id to poll (`task_...`).
    pub task_id: String,
    /// The status at submission (`submitted`), when reported.
    pub status: Option<String>,
    /// The server's first estimate of generation time, seconds, when given
    /// (`task_info.estimated_time`, as some apimart video models answer).
    pub estimated_time: Option<u64>,
    /// The envelope's `request_id`, when the service sent one (under
    /// response version 2026-07-27): what support asks for.
    pub request_id: Option<String>,
}

/// Reads a submit response. Accepts the documented array form
/// (`{"code":200,"data":[{"status":"submitted","task_id":"task_..."}]}`) and the
/// newer object form (`"data": {"id": "task_...", ...}`).
pub fn parse_submit_body(body: &[u8]) -> Result<SubmitResponse, ResponseError> {
    let value = parse_json(body)?;
    let data = envelope_data(&value)?;
    let item = match data {
        Value::Array(items) => items
            .first()
            .ok_or_else(|| ResponseError::UnexpectedShape("`data` is an empty array".into()))?,
        other => other,
    };
    let obj = item
        .as_object()
        .ok_or_else(|| ResponseError::UnexpectedShape("`data` entry is not an object".into()))?;
    let task_id = ["task_id", "id"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| ResponseError::UnexpectedShape("no `task_id` in `data`".into()))?;
    let estimated_time = obj
        .get("task_info")
        .and_then(|i| i.get("estimated_time"))
        .or_else(|| obj.get("estimated_time"))
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_f64().map(|f| f.max(0.0).round() as u64))
        });
    Ok(SubmitResponse {
        task_id: task_id.to_owned(),
        status: obj.get("status").and_then(Value::as_str).map(str::to_owned),
        estimated_time,
        request_id: super::request_id(&value),
    })
}
