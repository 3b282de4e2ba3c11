//! What Ark sends back: the create response, a task, a page of tasks and
//! error bodies, read into the project's own types.

use serde_json::{Map, Value};

use super::RESULT_URL_TTL_SECS;
use crate::response::{
    ApiError, ErrorType, ResponseError, SubmitResponse, Task, TaskResult, TaskStatus, VideoResult,
};
use crate::wire_enum::wire_enum;

fn parse_json(body: &[u8]) -> Result<Value, ResponseError> {
    serde_json::from_slice(body).map_err(|e| ResponseError::NotJson(e.to_string()))
}

fn object(value: &Value) -> Result<&Map<String, Value>, ResponseError> {
    value
        .as_object()
        .ok_or_else(|| ResponseError::UnexpectedShape("expected a JSON object".into()))
}

/// An integer from a number (fractions rounded) or a numeric string.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f.round() as i64),
        _ => None,
    }
}

fn non_empty_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads the create response, `{"id":"cgt-..."}` (the Volcengine SDK's
/// `ContentGenerationTaskID`; `safety_identifier` may come beside it).
pub fn parse_create_body(body: &[u8]) -> Result<SubmitResponse, ResponseError> {
    let value = parse_json(body)?;
    let obj = object(&value)?;
    let id = non_empty_str(obj.get("id"))
        .ok_or_else(|| ResponseError::UnexpectedShape("no `id` in the create response".into()))?;
    Ok(SubmitResponse {
        task_id: id,
        status: non_empty_str(obj.get("status")),
        estimated_time: None,
        // Ark sends its request id in the `X-Request-Id` header, not the body.
        request_id: None,
    })
}

/// Reads a task body (`GET /contents/generations/tasks/{id}`, a callback
/// push, or a list item) into the project's [`Task`]:
///
/// - `status`: `queued` → pending, `running` → processing, `succeeded` →
///   completed, `failed`, `cancelled`, `expired`; any other string is kept
///   as an unknown, non-final status;
/// - `created_at` → `created`; on a final status `updated_at` → `completed`
///   and their difference → `actual_time` (queue time included);
/// - `content.video_url` → the result's one video, expiring
///   [`RESULT_URL_TTL_SECS`] after `updated_at`; `content.last_frame_url`
///   → the last frame; the `content` object is the result's `raw`;
/// - `error{code,message}` → the task's error (`null` when none);
/// - `cost` stays `None`: Ark reports tokens (see [`usage`] and
///   [`super::TokenPriceTable::billed`]); the whole body is the task's `raw`.
pub fn task_from_value(obj: &Map<String, Value>) -> Result<Task, ResponseError> {
    let status = obj
        .get("status")
        .and_then(Value::as_str)
        .map(TaskStatus::from_wire)
        .ok_or_else(|| ResponseError::UnexpectedShape("task has no `status` string".into()))?;
    let created = obj.get("created_at").and_then(integer);
    let updated = obj.get("updated_at").and_then(integer);
    let completed = updated.filter(|_| status.is_terminal());
    let actual_time = match (created, completed) {
        (Some(c), Some(d)) if d >= c => u64::try_from(d - c).ok(),
        _ => None,
    };
    let result = obj.get("content").filter(|c| c.is_object()).map(|content| {
        let video = non_empty_str(content.get("video_url"));
        let expires_at = match status {
            TaskStatus::Completed => updated.map(|u| u + RESULT_URL_TTL_SECS),
            _ => None,
        };
        TaskResult {
            videos: video
                .map(|url| VideoResult {
                    urls: vec![url],
                    expires_at,
                })
                .into_iter()
                .collect(),
            last_frame_url: non_empty_str(content.get("last_frame_url")),
            thumbnail_url: None,
            raw: content.clone(),
        }
    });
    Ok(Task {
        id: non_empty_str(obj.get("id")).unwrap_or_default(),
        status,
        progress: None,
        created,
        completed,
        estimated_time: None,
        actual_time,
        result,
        // An empty error object (`{"code":"","message":""}`) is no error.
        error: obj.get("error").and_then(ApiError::from_value).filter(|e| {
            !e.message.is_empty() || e.code.as_ref().is_some_and(|c| !c.to_string().is_empty())
        }),
        cost: None,
        credits_cost: None,
        raw: Value::Object(obj.clone()),
    })
}

/// Reads a task body; see [`task_from_value`].
pub fn parse_task_body(body: &[u8]) -> Result<Task, ResponseError> {
    let value = parse_json(body)?;
    task_from_value(object(&value)?)
}

/// Token usage of a task (`usage`), present once it succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArkUsage {
    /// `completion_tokens`: the tokens billed.
    pub completion_tokens: u64,
    /// `total_tokens`, when reported (equal to `completion_tokens` in
    /// every published example).
    pub total_tokens: Option<u64>,
    /// `tool_usage.web_search`: how many searches ran, when reported.
    pub web_searches: Option<u64>,
}

/// The `usage` of an Ark task read by [`parse_task_body`] (from its `raw`).
pub fn usage(task: &Task) -> Option<ArkUsage> {
    let usage = task.raw.get("usage")?.as_object()?;
    let count = |v: Option<&Value>| v.and_then(integer).and_then(|n| u64::try_from(n).ok());
    Some(ArkUsage {
        completion_tokens: count(usage.get("completion_tokens"))?,
        total_tokens: count(usage.get("total_tokens")),
        web_searches: count(usage.get("tool_usage").and_then(|t| t.get("web_search"))),
    })
}

/// `usage.completion_tokens` of an Ark task: what was billed, in tokens.
pub fn completion_tokens(task: &Task) -> Option<u64> {
    usage(task).map(|u| u.completion_tokens)
}

/// One page of `GET /contents/generations/tasks`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ArkTaskList {
    /// The tasks on this page, newest first as the service orders them.
    pub items: Vec<Task>,
    /// How many tasks match the filters in all pages.
    pub total: u64,
}

/// Reads a list body `{"items":[...],"total":N}`. An item without a
/// `status` is an error: a page the SDK cannot read whole is not shown in part.
pub fn parse_list_body(body: &[u8]) -> Result<ArkTaskList, ResponseError> {
    let value = parse_json(body)?;
    let obj = object(&value)?;
    let items = match obj.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let o = item.as_object().ok_or_else(|| {
                    ResponseError::UnexpectedShape(format!("items[{i}] is not an object"))
                })?;
                task_from_value(o).map_err(|e| match e {
                    ResponseError::UnexpectedShape(m) => {
                        ResponseError::UnexpectedShape(format!("items[{i}]: {m}"))
                    }
                    other => other,
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ResponseError::UnexpectedShape(
                "`items` is not an array".into(),
            ));
        }
    };
    let total = obj
        .get("total")
        .and_then(integer)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(items.len() as u64);
    Ok(ArkTaskList { items, total })
}

wire_enum! {
    /// A task status as Ark spells it, for the list filter `filter.status`.
    pub enum ArkStatus {
        /// Waiting in the queue.
        Queued = "queued",
        /// Generating.
        Running = "running",
        /// Done; the video URL is in `content.video_url`.
        Succeeded = "succeeded",
        /// Failed; `error` says why.
        Failed = "failed",
        /// Cancelled while queued (the record goes after 24 h).
        Cancelled = "cancelled",
        /// Ran past `execution_expires_after`.
        Expired = "expired",
    }
}

impl ArkStatus {
    /// Ark's spelling of a project status (`None` for an unknown one).
    pub fn from_task_status(status: &TaskStatus) -> Option<ArkStatus> {
        match status {
            TaskStatus::Pending => Some(ArkStatus::Queued),
            TaskStatus::Processing => Some(ArkStatus::Running),
            TaskStatus::Completed => Some(ArkStatus::Succeeded),
            TaskStatus::Failed => Some(ArkStatus::Failed),
            TaskStatus::Cancelled => Some(ArkStatus::Cancelled),
            TaskStatus::Expired => Some(ArkStatus::Expired),
            _ => None,
        }
    }
}

/// The filters and page of a list call. Query parameters are
/// `page_num`, `page_size`, `filter.status`, `filter.model` and
/// `filter.task_ids` once per id (as the Volcengine SDK sends them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Page number, from 1.
    pub page_num: Option<u32>,
    /// Tasks per page, 1-500.
    pub page_size: Option<u32>,
    /// Only tasks in this status.
    pub status: Option<ArkStatus>,
    /// Only these tasks.
    pub task_ids: Vec<String>,
    /// Only this model (the platform's id or an endpoint id).
    pub model: Option<String>,
}

/// A list query the service would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListQueryError {
    /// `page_num` or `page_size` outside 1-500.
    #[error("`{name}` is {value}; it must be from 1 to {}", super::LIST_PAGE_MAX)]
    PageOutOfRange {
        /// `page_num` or `page_size`.
        name: &'static str,
        /// The value given.
        value: u32,
    },
}

impl ListQuery {
    /// A query for page `page_num` of `page_size` tasks.
    pub fn page(page_num: u32, page_size: u32) -> Self {
        ListQuery {
            page_num: Some(page_num),
            page_size: Some(page_size),
            ..ListQuery::default()
        }
    }

    /// Only tasks in `status`.
    pub fn with_status(mut self, status: ArkStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a task id to the filter.
    pub fn with_task_id(mut self, id: impl Into<String>) -> Self {
        self.task_ids.push(id.into());
        self
    }

    /// Only tasks of `model`.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The query parameters, in a stable order, or why the service would
    /// refuse them.
    pub fn to_query(&self) -> Result<Vec<(String, String)>, ListQueryError> {
        let mut q = Vec::new();
        for (name, value) in [("page_num", self.page_num), ("page_size", self.page_size)] {
            if let Some(v) = value {
                if !(1..=super::LIST_PAGE_MAX).contains(&v) {
                    return Err(ListQueryError::PageOutOfRange { name, value: v });
                }
                q.push((name.to_owned(), v.to_string()));
            }
        }
        if let Some(s) = self.status {
            q.push(("filter.status".to_owned(), s.as_str().to_owned()));
        }
        if let Some(m) = &self.model {
            q.push(("filter.model".to_owned(), m.clone()));
        }
        for id in &self.task_ids {
            q.push(("filter.task_ids".to_owned(), id.clone()));
        }
        Ok(q)
    }
}

/// What `DELETE /contents/generations/tasks/{id}` does to a task in a
/// given status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeleteEffect {
    /// A queued task is cancelled (its status becomes `cancelled`).
    Cancels,
    /// A finished task's record (succeeded, failed, expired) is deleted.
    DeletesRecord,
}

/// Why `DELETE` cannot act on a task in its status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CannotDelete {
    /// Running tasks cannot be cancelled on Ark: they finish (and bill).
    #[error(
        "the task is running, and Ark cannot cancel a running task: it will finish and be billed; delete its record once it has ended"
    )]
    Running,
    /// Already cancelled: the record goes by itself after 24 hours.
    #[error("the task is already cancelled; Ark removes cancelled records after 24 hours")]
    AlreadyCancelled,
    /// A status this version does not know.
    #[error("the task's status `{0}` is not one Ark documents for cancelling or deleting")]
    UnknownStatus(String),
}

/// What `DELETE` would do to a task in `status`, or why it cannot: ask
/// before sending, so that "cancel" never silently deletes a finished
/// record nor claims to stop a running task.
pub fn delete_effect(status: &TaskStatus) -> Result<DeleteEffect, CannotDelete> {
    match status {
        TaskStatus::Pending => Ok(DeleteEffect::Cancels),
        TaskStatus::Processing => Err(CannotDelete::Running),
        TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Expired => {
            Ok(DeleteEffect::DeletesRecord)
        }
        TaskStatus::Cancelled => Err(CannotDelete::AlreadyCancelled),
        other => Err(CannotDelete::UnknownStatus(other.as_str().to_owned())),
    }
}

/// Reads an Ark error body, `{"error":{"code":"InvalidParameter",
/// "message":"...","param":"content[1].image_url","type":"BadRequest"}}`,
/// keeping `code` (a string) and `param`. Ark's `type` (an HTTP reason) is
/// mapped to the project's [`ErrorType`] where the meaning is the same:
/// `BadRequest` → invalid request, `Unauthorized` → authentication,
/// `TooManyRequests` → rate limit, a 5xx reason → server, and the code
/// `AccountOverdueError` (403) → payment required; other types are kept
/// verbatim. `None` when the body is not such an envelope.
pub fn parse_error_body(body: &[u8]) -> Option<ApiError> {
    let mut err = crate::response::parse_error_body(body)?;
    err.param = err.param.filter(|p| !p.trim().is_empty());
    let code = err.code.as_ref().map(ToString::to_string);
    let mapped = match (code.as_deref(), err.kind.as_ref().map(ErrorType::as_str)) {
        (Some("AccountOverdueError"), _) => Some(ErrorType::PaymentRequired),
        (_, Some("BadRequest")) => Some(ErrorType::InvalidRequest),
        (_, Some("Unauthorized")) => Some(ErrorType::Authentication),
        (_, Some("TooManyRequests")) => Some(ErrorType::RateLimit),
        (
            _,
            Some(
                "InternalServerError"
                | "InternalServiceError"
                | "ServiceUnavailable"
                | "ServerOverloaded",
            ),
        ) => Some(ErrorType::Server),
        _ => None,
    };
    if let Some(kind) = mapped {
        err.kind = Some(kind);
    }
    Some(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::ErrorCode;

    #[test]
    fn create_body() {
        let r = parse_create_body(br#"{"id":"cgt-20260403112501-abcde"}"#).unwrap();
        assert_eq!(r.task_id, "cgt-20260403112501-abcde");
        assert!(matches!(
            parse_create_body(br#"{"id":""}"#),
            Err(ResponseError::UnexpectedShape(_))
        ));
        assert!(matches!(
            parse_create_body(b"<html>"),
            Err(ResponseError::NotJson(_))
        ));
    }

    #[test]
    fn every_status_and_an_unknown_one() {
        for (wire, status) in [
            ("queued", TaskStatus::Pending),
            ("running", TaskStatus::Processing),
            ("succeeded", TaskStatus::Completed),
            ("failed", TaskStatus::Failed),
            ("cancelled", TaskStatus::Cancelled),
            ("expired", TaskStatus::Expired),
            ("paused", TaskStatus::Unknown("paused".into())),
        ] {
            let t = parse_task_body(
                format!(r#"{{"id":"cgt-1","status":"{wire}","created_at":100,"updated_at":160}}"#)
                    .as_bytes(),
            )
            .unwrap();
            assert_eq!(t.status, status, "{wire}");
            assert_eq!(t.completed.is_some(), status.is_terminal(), "{wire}");
            if let Some(s) = ArkStatus::from_task_status(&status) {
                assert_eq!(s.as_str(), wire);
            }
        }
    }

    #[test]
    fn a_succeeded_task_has_its_video_last_frame_expiry_and_tokens() {
        let t = parse_task_body(
            br#"{"id":"cgt-1","model":"doubao-seedance-2-0-260128","status":"succeeded",
            "content":{"video_url":"https://x/v.mp4","last_frame_url":"https://x/f.png"},
            "usage":{"completion_tokens":108900,"total_tokens":108900},
            "created_at":1000,"updated_at":1056,"error":null}"#,
        )
        .unwrap();
        assert!(t.is_done());
        assert_eq!(t.actual_time, Some(56));
        let r = t.result.as_ref().unwrap();
        assert_eq!(r.video_url(), Some("https://x/v.mp4"));
        assert_eq!(r.last_frame_url.as_deref(), Some("https://x/f.png"));
        assert_eq!(r.expires_at(), Some(1056 + 86_400));
        assert_eq!(t.error, None);
        assert_eq!(completion_tokens(&t), Some(108_900));
        assert_eq!(usage(&t).unwrap().total_tokens, Some(108_900));
    }

    #[test]
    fn a_failed_task_keeps_its_error_and_bills_nothing() {
        let t = parse_task_body(
            br#"{"id":"cgt-2","status":"failed","error":{"code":"OutputVideoSensitiveContentDetected","message":"The request failed because the output video may contain sensitive information."}}"#,
        )
        .unwrap();
        let e = t.error.as_ref().unwrap();
        assert_eq!(
            e.code,
            Some(ErrorCode::Text(
                "OutputVideoSensitiveContentDetected".into()
            ))
        );
        assert_eq!(t.billed(), Some(0.0));
        assert!(!t.is_done());
    }

    #[test]
    fn list_bodies() {
        let l = parse_list_body(
            br#"{"items":[{"id":"a","status":"queued"},{"id":"b","status":"succeeded","content":{"video_url":"https://x/v.mp4"}}],"total":7}"#,
        )
        .unwrap();
        assert_eq!(l.total, 7);
        assert_eq!(l.items.len(), 2);
        assert_eq!(
            l.items[1].result.as_ref().unwrap().video_url(),
            Some("https://x/v.mp4")
        );
        assert_eq!(parse_list_body(br#"{"total":0}"#).unwrap().items, []);
        let err = parse_list_body(br#"{"items":[{"id":"a"}],"total":1}"#).unwrap_err();
        assert!(err.to_string().contains("items[0]"), "{err}");
    }

    #[test]
    fn list_queries() {
        let q = ListQuery::page(1, 20)
            .with_status(ArkStatus::Queued)
            .with_task_id("a")
            .with_task_id("b")
            .with_model("doubao-seedance-2-0-260128");
        let pairs: Vec<String> = q
            .to_query()
            .unwrap()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            pairs,
            [
                "page_num=1",
                "page_size=20",
                "filter.status=queued",
                "filter.model=doubao-seedance-2-0-260128",
                "filter.task_ids=a",
                "filter.task_ids=b"
            ]
        );
        assert_eq!(
            ListQuery::page(1, 501).to_query().unwrap_err().to_string(),
            "`page_size` is 501; it must be from 1 to 500"
        );
        assert!(ListQuery::default().to_query().unwrap().is_empty());
    }

    #[test]
    fn delete_effects() {
        assert_eq!(
            delete_effect(&TaskStatus::Pending),
            Ok(DeleteEffect::Cancels)
        );
        assert_eq!(
            delete_effect(&TaskStatus::Completed),
            Ok(DeleteEffect::DeletesRecord)
        );
        let err = delete_effect(&TaskStatus::Processing).unwrap_err();
        assert!(err.to_string().contains("cannot cancel a running task"));
        assert_eq!(
            delete_effect(&TaskStatus::Cancelled),
            Err(CannotDelete::AlreadyCancelled)
        );
    }

    #[test]
    fn error_bodies_keep_code_and_param_and_map_the_type() {
        let e = parse_error_body(
            br#"{"error":{"code":"InvalidParameter","message":"One or more parameters specified in the request are not valid.","param":"content[1].image_url","type":"BadRequest"}}"#,
        )
        .unwrap();
        assert_eq!(e.code, Some(ErrorCode::Text("InvalidParameter".into())));
        assert_eq!(e.param.as_deref(), Some("content[1].image_url"));
        assert_eq!(e.kind, Some(ErrorType::InvalidRequest));
        let e = parse_error_body(
            br#"{"error":{"code":"AccountOverdueError","message":"overdue","type":"Forbidden"}}"#,
        )
        .unwrap();
        assert_eq!(e.kind, Some(ErrorType::PaymentRequired));
        let e = parse_error_body(
            br#"{"error":{"code":"AccessDenied","message":"no","type":"Forbidden"}}"#,
        )
        .unwrap();
        assert_eq!(e.kind, Some(ErrorType::Unknown("Forbidden".into())));
        assert_eq!(parse_error_body(b"<html>"), None);
    }
}
