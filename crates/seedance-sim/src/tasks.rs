//! A task's life: how long it queues and generates (drawn when it is
//! created), what its estimate says (often far off, as the service's is),
//! and the status body it answers with at any moment.

use std::time::Duration;

use seedance_core::rng::SplitMix64;
use serde_json::{Value, json};

use crate::billing;
use crate::config::{ProgressShape, SimConfig};
use crate::request_check::Accepted;
use crate::signing::UrlSigner;

/// How a task ends (or a status forced on it by a test).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Complete,
    /// Fail with this message, and this error code when given.
    Fail(String, Option<String>),
    Cancel,
    /// Report this status string from now on.
    Status(String),
}

/// A task as the simulator keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimTask {
    /// Creation order (1, 2, ...).
    pub(crate) seq: u64,
    /// Creation time, unix milliseconds on the simulator's clock.
    pub(crate) created_ms: i64,
    pub(crate) queue: Duration,
    pub(crate) generation: Duration,
    /// `estimated_time`, seconds.
    pub(crate) estimate: u64,
    pub(crate) outcome: Outcome,
    /// What the request asked for, as checked.
    pub(crate) accepted: Accepted,
    /// The request body as received, as compact JSON text (a parsed value
    /// would cost several times the memory over 100,000 tasks).
    pub(crate) request: Box<str>,
    /// Video-seconds charged.
    pub(crate) charged: f64,
    /// The `Idempotency-Key` it was created with, when honoured.
    pub(crate) idempotency_key: Option<Box<str>>,
}

impl SimTask {
    /// A new task for `accepted`, its timing drawn from `config`.
    pub(crate) fn draw(
        config: &SimConfig,
        rng: &mut SplitMix64,
        seq: u64,
        created_ms: i64,
        mut accepted: Accepted,
        request: &Value,
        charged: f64,
    ) -> SimTask {
        // Checked at submit; not needed by the task afterwards.
        accepted.media = Vec::new();
        let g = &config.generation;
        let gen_secs = (g.median_secs.ln() + g.sigma * rng.next_normal())
            .exp()
            .clamp(g.min_secs, g.max_secs);
        let (q0, q1) = config.queue_secs;
        let queue = q0 + (q1 - q0).max(0.0) * rng.next_unit();
        let factor = match config.estimate_factor {
            // Log-uniform between the bounds: the live service's estimates
            // run from a quarter to four times the truth.
            Some((lo, hi)) if lo > 0.0 && hi >= lo => {
                (lo.ln() + rng.next_unit() * (hi / lo).ln()).exp()
            }
            _ => 1.0 + config.estimate_error * (2.0 * rng.next_unit() - 1.0),
        };
        let estimate = (gen_secs * factor).round().max(1.0) as u64;
        let outcome = if let Some(why) = config.moderation {
            Outcome::Fail(why.message().to_owned(), Some(why.code().to_owned()))
        } else if rng.next_unit() < config.faults.task_failure {
            Outcome::Fail("Video generation failed, please try again".to_owned(), None)
        } else {
            Outcome::Complete
        };
        SimTask {
            seq,
            created_ms,
            queue: Duration::from_secs_f64(queue),
            generation: Duration::from_secs_f64(gen_secs),
            estimate,
            outcome,
            accepted,
            request: request.to_string().into_boxed_str(),
            charged,
            idempotency_key: None,
        }
    }

    /// Unix seconds of creation.
    pub(crate) fn created_unix(&self) -> i64 {
        self.created_ms.div_euclid(1000)
    }

    /// Time since creation at unix milliseconds `now_ms`.
    pub(crate) fn age(&self, now_ms: i64) -> Duration {
        Duration::from_millis((now_ms - self.created_ms).max(0) as u64)
    }

    /// Whether the video exists at `now_ms` (its media can be fetched).
    pub(crate) fn video_ready(&self, now_ms: i64) -> bool {
        self.outcome == Outcome::Complete && self.age(now_ms) >= self.queue + self.generation
    }

    /// The `data` of a status answer at `now_ms`, or `None` while the
    /// gateway has not heard of the task yet.
    pub(crate) fn status_data(
        &self,
        id: &str,
        config: &SimConfig,
        signer: &UrlSigner,
        now_ms: i64,
    ) -> Option<Value> {
        let elapsed = self.age(now_ms);
        if elapsed < config.visibility_delay {
            return None;
        }
        let mut data = json!({
            "id": id,
            "created": self.created_unix(),
            "estimated_time": self.estimate,
        });
        let done_after = self.queue + self.generation;
        let status = if let Outcome::Status(s) = &self.outcome {
            data["progress"] = json!(0);
            s.clone()
        } else if elapsed < self.queue {
            "pending".to_owned()
        } else if elapsed < done_after {
            let x = (elapsed - self.queue).as_secs_f64() / self.generation.as_secs_f64();
            let p = (config.progress_shape.progress(x) * 100.0).floor();
            if config.report_progress && config.progress_shape != ProgressShape::None {
                data["progress"] = json!((p as u64).min(99));
            }
            "processing".to_owned()
        } else {
            let completed = self.created_unix() + done_after.as_secs() as i64;
            data["completed"] = json!(completed);
            data["actual_time"] = json!(self.generation.as_secs());
            match &self.outcome {
                Outcome::Complete => {
                    data["progress"] = json!(100);
                    let expires = completed + config.url_ttl.as_secs() as i64;
                    let url = |file: &str| signer.url(id, file, expires);
                    let mut urls = vec![url("video.mp4")];
                    if config.dead_first_url {
                        urls.insert(0, url("gone.mp4"));
                    }
                    let reported = expires + config.expires_skew_secs;
                    let mut result = json!({
                        "videos": [{"url": urls, "expires_at": reported}],
                        "thumbnail_url": url("last_frame.png"),
                    });
                    if self.accepted.return_last_frame {
                        if config.shapes.last_frame_in_content {
                            result["content"] = json!({"last_frame_url": url("last_frame.png")});
                        } else {
                            result["last_frame_url"] = json!(url("last_frame.png"));
                        }
                    }
                    data["result"] = result;
                    let cost = billing::reported_cost(self.charged);
                    data["cost"] = if config.shapes.cost_as_string {
                        json!(format!("{cost:.4}"))
                    } else {
                        json!(cost)
                    };
                    data["credits_cost"] = json!(self.charged.round());
                    "completed".to_owned()
                }
                Outcome::Fail(message, code) => {
                    data["progress"] = json!(100);
                    data["cost"] = json!(0);
                    data["error"] = json!({
                        "code": code.as_deref().unwrap_or("task_failed"),
                        "message": message,
                        "type": "server_error",
                    });
                    "failed".to_owned()
                }
                Outcome::Cancel => "cancelled".to_owned(),
                Outcome::Status(s) => s.clone(),
            }
        };
        data["status"] = json!(config.status_spelling.spell(&status));
        Some(data)
    }
}

/// An asset task.
#[derive(Debug, Clone)]
pub(crate) struct SimAssetTask {
    pub(crate) created_ms: i64,
    pub(crate) group_id: String,
    pub(crate) usable: Vec<Value>,
    pub(crate) failed: Vec<Value>,
}
