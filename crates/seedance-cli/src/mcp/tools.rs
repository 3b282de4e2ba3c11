//! The tools `seedance mcp` offers: names, descriptions and input schemas.
//! Requests, plans and jobs are described by the same schemas as
//! `seedance schema request|plan|job`.

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use crate::cli::SchemaKind;
use crate::commands::schema::schema;

/// A schema from `seedance schema`, without its `$schema` line (it is
/// embedded in a tool's input schema).
fn input(kind: SchemaKind, description: &str) -> Value {
    let mut s = schema(kind);
    if let Some(o) = s.as_object_mut() {
        o.remove("$schema");
        o.insert("description".into(), json!(description));
    }
    s
}

fn max_cost() -> Value {
    json!({
        "type": "number",
        "minimum": 0,
        "description": "The most this call may cost (in the price table's currency, USD). Required unless the server was started with --max-cost; above the server's --max-cost it is refused. The call is refused before anything is sent when the estimate is above it."
    })
}

fn out(what: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("{what}: a directory relative to the server's --out-root (created if missing). `..`, paths outside the root and symbolic links are refused.")
    })
}

fn object(properties: Value, required: &[&str]) -> Arc<Map<String, Value>> {
    let mut s = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    Arc::new(s.as_object_mut().map(std::mem::take).unwrap_or_default())
}

fn tool(
    name: &'static str,
    description: &'static str,
    schema: Arc<Map<String, Value>>,
    read_only: bool,
) -> Tool {
    let mut t = Tool::new(name, description, schema);
    t.annotations = Some(ToolAnnotations::new().read_only(read_only));
    t
}

/// Every tool, in the order listed.
pub(crate) fn all() -> Vec<Tool> {
    let request = || {
        input(
            SchemaKind::Request,
            "The request body, as in `seedance schema request`.",
        )
    };
    let timeout = json!({"type": "number", "exclusiveMinimum": 0, "description": "Give up waiting after this many seconds (default: the server's --timeout)."});
    vec![
        tool(
            "validate",
            "Check a Seedance 2.0 request against every rule of the API without sending it. Returns every problem at once, each with its rule code, the field path (e.g. `image_with_roles[0].role`) and a message, plus warnings.",
            object(json!({"request": request()}), &["request"]),
            true,
        ),
        tool(
            "estimate_cost",
            "Estimate what a request, a chain plan or a batch of jobs would cost, by model and resolution, from the server's price table. Sends nothing. The task's own `cost` is what is billed.",
            object(
                json!({
                    "request": request(),
                    "plan": input(SchemaKind::Plan, "A chain plan, as in `seedance schema plan`."),
                    "jobs": {"type": "array", "items": input(SchemaKind::Job, "One job, as in `seedance schema job`."), "description": "Batch jobs."}
                }),
                &[],
            ),
            true,
        ),
        tool(
            "generate",
            "Validate and submit a request (this pays), then either wait for the video with progress notifications and download it under `out` (`wait`: true, the default), or return the task id at once (`wait`: false; follow it with `wait` and `download`). Refused without max_cost unless the server has --max-cost.",
            object(
                json!({
                    "request": request(),
                    "max_cost": max_cost(),
                    "wait": {"type": "boolean", "description": "Wait and download (default true); false returns the task id right after the submit."},
                    "out": out("Where the video and last frame go (default `generate`)"),
                    "timeout_secs": timeout,
                }),
                &["request"],
            ),
            false,
        ),
        tool(
            "status",
            "One status request for a task: status, progress, estimate, cost, result URLs or the error.",
            object(
                json!({"task_id": {"type": "string", "minLength": 1}}),
                &["task_id"],
            ),
            true,
        ),
        tool(
            "wait",
            "Wait for a task to finish, with progress notifications; cancel the call to stop waiting (the task keeps running on the server). Returns the final task.",
            object(
                json!({"task_id": {"type": "string", "minLength": 1}, "timeout_secs": timeout}),
                &["task_id"],
            ),
            true,
        ),
        tool(
            "download",
            "Download a finished task's video (and last frame) into `out` (waiting first if it is still running), or one `url` to the file `path`. Files are checked, written to a temporary name and renamed; only under the server's --out-root.",
            object(
                json!({
                    "task_id": {"type": "string", "minLength": 1},
                    "out": out("With task_id: the directory for its files"),
                    "url": {"type": "string", "description": "A result URL (instead of task_id)."},
                    "path": {"type": "string", "description": "With url: the file to write, relative to --out-root."}
                }),
                &[],
            ),
            false,
        ),
        tool(
            "chain",
            "Run a chain plan: segments linked by each one's last frame into one continuous film, kept in `out` with a manifest (a rerun resumes, nothing is paid twice). Without `confirm_cost` this is a dry run: every request as it would be sent and the estimated cost. To run it, call again with `confirm_cost` equal to the estimate's `total` and a `max_cost`. Progress notifications per segment; cancelling stops at the next safe point.",
            object(
                json!({
                    "plan": input(SchemaKind::Plan, "The plan, as in `seedance schema plan`."),
                    "out": out("The run's directory (holds manifest.json and the segments)"),
                    "max_cost": max_cost(),
                    "confirm_cost": {"type": "number", "description": "The `total` of the estimate a dry run returned: confirms the run and pays for it."},
                    "apply_changes": {"type": "boolean", "description": "Accept regenerating segments already generated whose plan entry changed."},
                    "regenerate": {"type": "array", "items": {"type": "integer", "minimum": 0}, "description": "Segments to generate again as new takes."}
                }),
                &["plan", "out"],
            ),
            false,
        ),
        tool(
            "batch",
            "Run independent jobs with bounded concurrency, kept in `out` with a manifest (a rerun resumes). Without `confirm_cost` this is a dry run with the estimated cost; call again with `confirm_cost` equal to the estimate's `total` and a `max_cost` to run it. Progress notifications per job; cancelling stops at the next safe point.",
            object(
                json!({
                    "jobs": {"type": "array", "minItems": 1, "items": input(SchemaKind::Job, "One job, as in `seedance schema job`.")},
                    "out": out("The run's directory"),
                    "max_cost": max_cost(),
                    "confirm_cost": {"type": "number", "description": "The `total` of the estimate a dry run returned."},
                    "concurrency": {"type": "integer", "minimum": 1, "maximum": 64, "description": "Jobs in flight at once (default 4)."},
                    "apply_changes": {"type": "boolean", "description": "Accept regenerating jobs already generated whose request changed."}
                }),
                &["jobs", "out"],
            ),
            false,
        ),
        tool(
            "balance",
            "What is left to spend: the API key's balance and the account's (apimart's GET /v1/balance and /v1/user/balance); either is shown with its error when the other fails. -1 or `unlimited` means no limit; the unit depends on the account.",
            object(json!({}), &[]),
            true,
        ),
        tool(
            "takes",
            "Every take of every segment (or job) of a run in `out`, the selected one marked, and stale links between segments.",
            object(json!({"out": out("The run's directory")}), &["out"]),
            true,
        ),
        tool(
            "select",
            "Select take `take` of segment `segment` in the run `out`: its files become the segment's own. Returns the segments whose links became stale.",
            object(
                json!({
                    "out": out("The run's directory"),
                    "segment": {"type": "integer", "minimum": 0},
                    "take": {"type": "integer", "minimum": 1}
                }),
                &["out", "segment", "take"],
            ),
            false,
        ),
    ]
}
