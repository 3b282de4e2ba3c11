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
        "cost": task.cost,
        "credits_cost": task.credits_cost,
        "billed": task.billed(),
        "data": task.raw,
    });
    // Ark reports tokens; `cost` and `billed` are tokens × the price.
    if let Some(tokens) = seedance_core::provider::ark::completion_tokens(task) {
        v["tokens"] = json!(tokens);
    }
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

/// [`task_json`] with what its cost is in, where the provider bills tokens
/// (`"currency": "CNY"`, `"billed_from": "usage_tokens"`); apimart's tasks
/// report money themselves and are left as they are.
pub(crate) fn task_json_in(task: &Task, client: &seedance_transport::Client) -> Value {
    let mut v = task_json(task);
    if let Some(table) = client.token_prices() {
        v["currency"] = json!(table.currency);
        v["billed_from"] = json!("usage_tokens");
    }
    v
}

/// [`task_line`] with the currency beside the cost where the provider bills
/// tokens (`cost 4.0293 CNY (from 108900 usage tokens)`), and `not billed`
/// for an unsuccessful task there (Ark bills only succeeded tasks: nothing
/// was refunded because nothing was charged).
pub(crate) fn task_line_in(task: &Task, client: &seedance_transport::Client) -> String {
    let Some(table) = client.token_prices() else {
        return task_line(task);
    };
    let mut line = task_line(task);
    let plain = match (task.billed(), task.status.is_unsuccessful()) {
        (Some(_), true) => "  refunded".to_owned(),
        (Some(c), false) => format!("  cost {c}"),
        (None, _) => return line,
    };
    let priced = match (task.billed(), task.status.is_unsuccessful()) {
        (Some(_), true) => "  not billed".to_owned(),
        (Some(c), _) => {
            let tokens = seedance_core::provider::ark::completion_tokens(task)
                .map(|t| format!(" (from {t} usage tokens)"))
                .unwrap_or_default();
            format!("  cost {c:.4} {}{tokens}", table.currency)
        }
        (None, _) => String::new(),
    };
    if let Some(at) = line.find(&plain) {
        line.replace_range(at..at + plain.len(), &priced);
    }
    line
}

/// One human line describing a task (server text escaped for the terminal).
pub(crate) fn task_line(task: &Task) -> String {
    let mut line = format!(
        "{}  {}",
        printable(&task.id),
        printable(task.status.as_str())
    );
    if let Some(p) = task.progress {
        line.push_str(&format!("  {p}%"));
    }
    if let Some(e) = task.estimated_time {
        line.push_str(&format!("  estimated {e}s"));
    }
    match (task.billed(), task.status.is_unsuccessful()) {
        (Some(_), true) => line.push_str("  refunded"),
        (Some(c), false) => line.push_str(&format!("  cost {c}")),
        (None, _) => {}
    }
    if let Some(r) = &task.result {
        if let Some(u) = r.video_url() {
            line.push_str(&format!("\n  video: {}", printable(u)));
        }
        if let Some(u) = &r.last_frame_url {
            line.push_str(&format!("\n  last frame: {}", printable(u)));
        }
        if let Some(x) = r.expires_at() {
            line.push_str(&format!("\n  expires at: {x} (unix; {})", utc(x)));
        }
    }
    if let Some(e) = &task.error {
        line.push_str(&format!("\n  error: {}", printable(&e.to_string())));
    }
    line
}

/// A unix time as `2026-12-04 20:37:05 UTC` (for people; JSON keeps the number).
pub(crate) fn utc(secs: i64) -> String {
    seedance_core::civil_time::CivilTime::from_unix(secs).to_string()
}

/// A download as JSON.
pub(crate) fn download_json(d: &Download) -> Value {
    let mut v = json!({"path": d.path, "bytes": d.bytes});
    v[d.digest.algorithm().name()] = json!(d.digest.hex());
    v
}

/// Writes `value` as one line of JSON.
pub(crate) fn write_json(out: &mut dyn Write, value: &Value) -> std::io::Result<()> {
    writeln!(out, "{value}")
}

/// Server-provided text made safe for a terminal: control characters
/// (escape sequences, carriage returns, newlines) are shown escaped, so a
/// task id or message cannot move the cursor, recolour or fake output.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(text, false)
}

/// [`printable`] for a message of several lines (our own line breaks kept;
/// every other control character escaped).
pub(crate) fn printable_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(text, true)
}

fn escape_controls(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !(keep_newlines && c == '\n');
    if !text.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    std::borrow::Cow::Owned(s)
}

/// `billed: 2.1000 (21 credits)`: what the service reported charging.
pub(crate) fn billed_line(billed: f64, credits: Option<f64>) -> String {
    format!(
        "billed: {billed:.4}{}",
        credits
            .map(|c| format!(" ({c} credits)"))
            .unwrap_or_default()
    )
}

/// What a billed amount is in, for a client whose provider bills tokens
/// (` CNY, from usage tokens`); empty on apimart, whose tasks report money.
pub(crate) fn billed_unit(client: &seedance_transport::Client) -> String {
    client
        .token_prices()
        .map(|t| format!(" {}, from usage tokens", t.currency))
        .unwrap_or_default()
}

/// A run's billed line: every paid task, and, when kept takes cost more
/// than the selection, what the selected takes alone cost.
/// `billed: 3.0000 (30 credits); selected takes: 2.0000`.
pub(crate) fn run_billed_line(billed: &seedance_workflows::Billed) -> Option<String> {
    let total = billed.total?;
    let mut line = billed_line(total, billed.credits);
    if let Some(selected) = billed.selected.filter(|s| (s - total).abs() > 1e-9) {
        line.push_str(&format!("; selected takes: {selected:.4}"));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::{printable, printable_lines};

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("task_1"), "task_1");
        assert_eq!(printable("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(printable("x\ny\r"), "x\\ny\\r");
        assert_eq!(printable_lines("x\ny\r"), "x\ny\\r");
    }

    #[test]
    fn unix_times_read_as_utc() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(super::utc(1_796_416_631), "2026-12-04 20:37:11 UTC");
    }
}
