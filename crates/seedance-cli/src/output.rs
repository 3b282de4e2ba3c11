//! Printing results: human lines, or one JSON object with `--json`.

use std::io::Write;

use seedance_core::Task;
use seedance_transport::Download;
use serde_json::{Value, json};

/// A task as printed by `status`, `wait` and `generate --json`.
pub(crate) fn task_json(task: &Task) -> Value {
    let mut v = json!({
        "id": task.id,
        "status": task.status.as_str(),
        "progress": task.progress,
        "estimated_time": task.estimated_time,
        "actual_time": task.actual_time,
        "created": task.created,
        "completed": task.completed,
    });
    if let Some(r) = &task.result {
        v["result"] = r.raw.clone();
        v["video_url"] = json!(r.video_url());
        v["last_frame_url"] = json!(r.last_frame_url);
        v["expires_at"] = json!(r.expires_at());
    }
    if let Some(e) = &task.error {
        v["error"] = json!({
            "code": e.code.as_ref().map(ToString::to_string),
            "message": e.message,
            "type": e.kind.as_ref().map(|k| k.as_str().to_owned()),
        });
    }
    v
}

/// One human line describing a task.
pub(crate) fn task_line(task: &Task) -> String {
    let mut line = format!("{}  {}", task.id, task.status);
    if let Some(p) = task.progress {
        line.push_str(&format!("  {p}%"));
    }
    if let Some(e) = task.estimated_time {
        line.push_str(&format!("  estimated {e}s"));
    }
    if let Some(r) = &task.result {
        if let Some(u) = r.video_url() {
            line.push_str(&format!("\n  video: {u}"));
        }
        if let Some(u) = &r.last_frame_url {
            line.push_str(&format!("\n  last frame: {u}"));
        }
        if let Some(x) = r.expires_at() {
            line.push_str(&format!("\n  expires at: {x} (unix)"));
        }
    }
    if let Some(e) = &task.error {
        line.push_str(&format!("\n  error: {e}"));
    }
    line
}

/// A download as JSON.
pub(crate) fn download_json(d: &Download) -> Value {
    json!({"path": d.path, "bytes": d.bytes, "sha256": d.sha256})
}

/// Writes `value` as one line of JSON.
pub(crate) fn write_json(out: &mut dyn Write, value: &Value) -> std::io::Result<()> {
    writeln!(out, "{value}")
}
