//! Keeping the simulator's state on disk, so that `seedance --mock chain`
//! interrupted and run again finds the tasks it paid for, as it would on
//! the service. A directory holds `state.json` (tasks, balance, counters)
//! and `uploads/ID` (uploaded images, written once). Every file is created
//! fresh and renamed into place.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::request_check::Accepted;
use crate::stats::SimStats;
use crate::tasks::{Outcome, SimTask};
use crate::uploads::SimUpload;

/// What is written after a change.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) dir: PathBuf,
    pub(crate) state: Vec<u8>,
    /// Uploads not yet on disk.
    pub(crate) new_uploads: Vec<(String, Bytes)>,
}

/// The state read back.
#[derive(Debug, Default)]
pub(crate) struct Restored {
    pub(crate) tasks: Vec<(String, SimTask)>,
    pub(crate) uploads: Vec<(String, SimUpload)>,
    pub(crate) next_task: u64,
    pub(crate) charged: f64,
    pub(crate) balance: Option<f64>,
    pub(crate) stats: SimStats,
    /// The URL-signing secret, when one was kept.
    pub(crate) secret: Option<u64>,
}

fn outcome_json(o: &Outcome) -> Value {
    match o {
        Outcome::Complete => json!({"complete": true}),
        Outcome::Fail(m, code) => json!({"fail": m, "code": code}),
        Outcome::Cancel => json!({"cancel": true}),
        Outcome::Status(s) => json!({"status": s}),
    }
}

fn outcome_from(v: &Value) -> Outcome {
    if let Some(m) = v.get("fail").and_then(Value::as_str) {
        Outcome::Fail(
            m.to_owned(),
            v.get("code").and_then(Value::as_str).map(str::to_owned),
        )
    } else if v.get("cancel").is_some() {
        Outcome::Cancel
    } else if let Some(s) = v.get("status").and_then(Value::as_str) {
        Outcome::Status(s.to_owned())
    } else {
        Outcome::Complete
    }
}

/// The state as JSON.
pub(crate) fn encode(
    tasks: &[(&String, &SimTask)],
    uploads: &[(&String, &SimUpload)],
    next_task: u64,
    charged: f64,
    balance: Option<f64>,
    stats: &SimStats,
    secret: u64,
) -> Vec<u8> {
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|(id, t)| {
            json!({
                "id": id, "seq": t.seq, "created_ms": t.created_ms,
                "queue_ms": t.queue.as_millis() as u64, "generation_ms": t.generation.as_millis() as u64,
                "estimate": t.estimate, "outcome": outcome_json(&t.outcome),
                "request": serde_json::from_str::<Value>(&t.request).unwrap_or(Value::Null), "charged": t.charged,
                "idempotency_key": t.idempotency_key.as_deref(),
                "accepted": {
                    "seconds": t.accepted.seconds, "resolution": t.accepted.resolution,
                    "size": t.accepted.size, "return_last_frame": t.accepted.return_last_frame,
                    "prompt": t.accepted.prompt, "start_image": t.accepted.start_image,
                    "media": t.accepted.media,
                },
            })
        })
        .collect();
    let uploads: Vec<Value> = uploads
        .iter()
        .map(|(id, u)| json!({"id": id, "content_type": u.content_type}))
        .collect();
    let v = json!({
        "version": 1, "next_task": next_task, "charged": charged, "balance": balance,
        "stats": stats.to_json(), "tasks": tasks, "uploads": uploads,
        // As a string: JSON numbers lose precision above 2^53.
        "secret": secret.to_string(),
    });
    v.to_string().into_bytes()
}

/// Reads the state in `dir`; an absent state is an empty one.
pub(crate) fn load(dir: &Path) -> io::Result<Restored> {
    let bytes = match std::fs::read(dir.join("state.json")) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Restored::default()),
        Err(e) => return Err(e),
    };
    let bad = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: {what}; delete it to start the simulator afresh",
                dir.join("state.json").display()
            ),
        )
    };
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad("not JSON"))?;
    let mut out = Restored {
        next_task: v["next_task"].as_u64().unwrap_or(0),
        charged: v["charged"].as_f64().unwrap_or(0.0),
        balance: v["balance"].as_f64(),
        stats: SimStats::from_json(&v["stats"]),
        secret: v["secret"].as_str().and_then(|s| s.parse().ok()),
        ..Restored::default()
    };
    for t in v["tasks"].as_array().ok_or_else(|| bad("no task list"))? {
        let a = &t["accepted"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let accepted = Accepted {
            seconds: a["seconds"].as_u64().unwrap_or(5) as u32,
            resolution: text(&a["resolution"]),
            size: text(&a["size"]),
            return_last_frame: a["return_last_frame"].as_bool().unwrap_or(false),
            prompt: text(&a["prompt"]),
            start_image: a["start_image"].as_str().map(str::to_owned),
            media: serde_json::from_value(a["media"].clone()).unwrap_or_default(),
        };
        let task = SimTask {
            seq: t["seq"].as_u64().unwrap_or(0),
            created_ms: t["created_ms"].as_i64().unwrap_or(0),
            queue: Duration::from_millis(t["queue_ms"].as_u64().unwrap_or(0)),
            generation: Duration::from_millis(t["generation_ms"].as_u64().unwrap_or(0)),
            estimate: t["estimate"].as_u64().unwrap_or(1),
            outcome: outcome_from(&t["outcome"]),
            accepted,
            request: t["request"].to_string().into_boxed_str(),
            charged: t["charged"].as_f64().unwrap_or(0.0),
            idempotency_key: t["idempotency_key"].as_str().map(Into::into),
        };
        out.tasks.push((text(&t["id"]), task));
    }
    for u in v["uploads"].as_array().into_iter().flatten() {
        let id = u["id"].as_str().unwrap_or_default().to_owned();
        if id.is_empty() || id.contains(['/', '\\', '.']) {
            continue;
        }
        let Ok(bytes) = std::fs::read(dir.join("uploads").join(&id)) else {
            continue;
        };
        let content_type = crate::uploads::image_type(&bytes).unwrap_or("application/octet-stream");
        out.uploads.push((
            id,
            SimUpload {
                bytes: Bytes::from(bytes),
                content_type,
            },
        ));
    }
    Ok(out)
}

/// Writes `bytes` to `path` through a fresh temporary file renamed into place.
fn write_fresh(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = dir.join(format!(".tmp-{}-{nanos}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_data()?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes a snapshot (blocking; run it off the async workers).
pub(crate) fn save(snapshot: &Snapshot) -> io::Result<()> {
    let uploads = snapshot.dir.join("uploads");
    std::fs::create_dir_all(&uploads)?;
    for (id, bytes) in &snapshot.new_uploads {
        write_fresh(&uploads.join(id), bytes)?;
    }
    write_fresh(&snapshot.dir.join("state.json"), &snapshot.state)
}
