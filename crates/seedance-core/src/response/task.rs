//! The response to `GET /v1/tasks/{task_id}`.

use std::fmt;

use serde_json::{Map, Value};

use super::api_error::ApiError;
use super::{ResponseError, envelope_data, parse_json};

/// A task's status. Spellings are compared case-insensitively and the
/// upstream service's names are mapped (`succeeded` is done, `running` is
/// processing, `queued` is pending, `expired` ended without a result);
/// unknown strings are kept and treated as not final.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskStatus {
    /// Queued.
    Pending,
    /// Generating.
    Processing,
    /// Done; the result is available.
    Completed,
    /// Failed; `error` says why.
    Failed,
    /// Cancelled.
    Cancelled,
    /// Ended without a result (upstream's `expired`): nothing to download.
    Expired,
    /// A status this version does not know, kept verbatim.
    Unknown(String),
}

impl TaskStatus {
    /// Parses a wire string.
    pub fn from_wire(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "pending" | "queued" | "queueing" | "submitted" | "waiting" => TaskStatus::Pending,
            "processing" | "running" | "in_progress" | "generating" => TaskStatus::Processing,
            "completed" | "complete" | "succeeded" | "success" | "successful" | "done"
            | "finished" => TaskStatus::Completed,
            "failed" | "failure" | "error" => TaskStatus::Failed,
            "cancelled" | "canceled" => TaskStatus::Cancelled,
            "expired" => TaskStatus::Expired,
            _ => TaskStatus::Unknown(s.to_owned()),
        }
    }

    /// The wire string (the raw value for unknown statuses).
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Processing => "processing",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Expired => "expired",
            TaskStatus::Unknown(s) => s,
        }
    }

    /// Whether the task will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed
                | TaskStatus::Failed
                | TaskStatus::Cancelled
                | TaskStatus::Expired
        )
    }

    /// Whether the task ended without a result (failed, cancelled, expired).
    pub fn is_unsuccessful(&self) -> bool {
        matches!(
            self,
            TaskStatus::Failed | TaskStatus::Cancelled | TaskStatus::Expired
        )
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One generated video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoResult {
    /// Download URLs (usually one); `url` may be a string or an array on the wire.
    pub urls: Vec<String>,
    /// Unix seconds after which the URLs stop working (typically completion + 24 h).
    pub expires_at: Option<i64>,
}

/// The result of a completed task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskResult {
    /// The generated videos.
    pub videos: Vec<VideoResult>,
    /// The last frame image, when `return_last_frame` was asked.
    pub last_frame_url: Option<String>,
    /// A thumbnail, when present.
    pub thumbnail_url: Option<String>,
    /// The `result` object exactly as received, for fields this version does not read.
    pub raw: Value,
}

impl TaskResult {
    /// The first URL of the first video.
    pub fn video_url(&self) -> Option<&str> {
        self.video_urls().next()
    }

    /// Every URL of every video, in order: mirrors of one file, to try one
    /// after another when the first is dead.
    pub fn video_urls(&self) -> impl Iterator<Item = &str> {
        self.videos
            .iter()
            .flat_map(|v| v.urls.iter())
            .map(String::as_str)
    }

    /// The earliest expiry among the videos.
    pub fn expires_at(&self) -> Option<i64> {
        self.videos.iter().filter_map(|v| v.expires_at).min()
    }

    /// Reads a `result` object.
    pub fn from_value(raw: &Value) -> TaskResult {
        let obj = raw.as_object();
        let field = |k: &str| obj.and_then(|o| o.get(k));
        let videos = match field("videos") {
            Some(Value::Array(items)) => items.iter().filter_map(video).collect(),
            Some(single @ Value::Object(_)) => video(single).into_iter().collect(),
            _ => Vec::new(),
        };
        // Upstream nests its outputs under `content` (`content.video_url`,
        // `content.last_frame_url`); apimart has not documented where it
        // puts the last frame, so every known place is read.
        let content = field("content").and_then(Value::as_object);
        let from_content = |k: &str| content.and_then(|c| c.get(k)).and_then(first_string);
        let mut videos = videos;
        if videos.is_empty()
            && let Some(url) = from_content("video_url")
        {
            videos.push(VideoResult {
                urls: vec![url],
                expires_at: field("expires_at").and_then(integer),
            });
        }
        let last_frame_url = field("last_frame_url")
            .and_then(first_string)
            .or_else(|| from_content("last_frame_url"))
            .or_else(|| {
                // Fallback: result.images[].url
                match field("images") {
                    Some(Value::Array(items)) => items.iter().find_map(|img| match img {
                        Value::Object(o) => o.get("url").and_then(first_string),
                        other => first_string(other),
                    }),
                    _ => None,
                }
            });
        TaskResult {
            videos,
            last_frame_url,
            thumbnail_url: field("thumbnail_url").and_then(first_string),
            raw: raw.clone(),
        }
    }
}

fn video(v: &Value) -> Option<VideoResult> {
    match v {
        Value::String(s) => Some(VideoResult {
            urls: vec![s.clone()],
            expires_at: None,
        }),
        Value::Object(o) => Some(VideoResult {
            urls: strings(o.get("url")?),
            expires_at: o.get("expires_at").and_then(integer),
        }),
        _ => None,
    }
}

/// A string, or the strings of an array.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) if !s.is_empty() => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn first_string(v: &Value) -> Option<String> {
    strings(v).into_iter().next()
}

/// A non-negative finite number from a number or a numeric string.
fn number(v: &Value) -> Option<f64> {
    let f = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (f.is_finite() && f >= 0.0).then_some(f)
}

/// An integer from a number (fractions rounded) or a numeric string.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.round() as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f.round() as i64),
        _ => None,
    }
}

/// A task as reported by the status endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The task id.
    pub id: String,
    /// Where the task is.
    pub status: TaskStatus,
    /// 0-100, when reported.
    pub progress: Option<u8>,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
    /// Completion time, unix seconds.
    pub completed: Option<i64>,
    /// The server's estimate of total generation time, seconds.
    pub estimated_time: Option<u64>,
    /// How long generation took, seconds (when done).
    pub actual_time: Option<u64>,
    /// The result, when completed.
    pub result: Option<TaskResult>,
    /// Why it failed, when failed.
    pub error: Option<ApiError>,
    /// What the task cost (`cost`, a number or a numeric string), when
    /// reported. A task that ended `failed` is refunded.
    pub cost: Option<f64>,
    /// The credits it cost (`credits_cost`), when reported.
    pub credits_cost: Option<f64>,
    /// The task object exactly as received, for fields this version does not read.
    pub raw: Value,
}

impl Task {
    /// What the user pays for this task: nothing once it failed (refunded),
    /// else the reported cost.
    pub fn billed(&self) -> Option<f64> {
        if self.status.is_unsuccessful() {
            Some(0.0)
        } else {
            self.cost
        }
    }

    /// Whether the result can be downloaded now: the task completed with a
    /// video URL, or carries a video URL whatever its status string says
    /// (a spelling this version does not know). A `completed` task without
    /// a result is *not* done: poll it again, it was seen once.
    pub fn is_done(&self) -> bool {
        !self.status.is_unsuccessful()
            && self
                .result
                .as_ref()
                .is_some_and(|r| r.video_url().is_some())
    }

    /// Reads the `data` object of a status response.
    pub fn from_data(data: &Map<String, Value>) -> Result<Task, ResponseError> {
        let status = data
            .get("status")
            .and_then(Value::as_str)
            .map(TaskStatus::from_wire)
            .ok_or_else(|| ResponseError::UnexpectedShape("task has no `status` string".into()))?;
        let id = ["id", "task_id"]
            .iter()
            .find_map(|k| data.get(*k).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        let non_negative = |k: &str| {
            data.get(k)
                .and_then(integer)
                .and_then(|n| u64::try_from(n).ok())
        };
        Ok(Task {
            id,
            status,
            progress: data
                .get("progress")
                .and_then(integer)
                .map(|p| p.clamp(0, 100) as u8),
            created: data.get("created").and_then(integer),
            completed: data.get("completed").and_then(integer),
            estimated_time: non_negative("estimated_time"),
            actual_time: non_negative("actual_time"),
            result: data
                .get("result")
                .filter(|r| r.is_object())
                .map(TaskResult::from_value),
            error: data.get("error").and_then(ApiError::from_value),
            cost: data.get("cost").and_then(number),
            credits_cost: data.get("credits_cost").and_then(number),
            raw: Value::Object(data.clone()),
        })
    }
}

/// Reads a status response body `{"code":200,"data":{...}}`.
pub fn parse_task_body(body: &[u8]) -> Result<Task, ResponseError> {
    let value = parse_json(body)?;
    let data = envelope_data(&value)?;
    let obj = data
        .as_object()
        .ok_or_else(|| ResponseError::UnexpectedShape("`data` is not an object".into()))?;
    Task::from_data(obj)
}
