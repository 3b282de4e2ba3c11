//! Counters of what the simulator saw and did: the proof of "never pays twice".

use serde_json::{Value, json};

/// Counters of what the simulator saw and did; the proof of "never pays twice".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimStats {
    /// Submit requests that reached the simulator (any outcome).
    pub submits_received: u64,
    /// Tasks created (and charged).
    pub tasks_created: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// 400 answers to submits.
    pub rejected: u64,
    /// 402 answers.
    pub payment_required: u64,
    /// Status requests.
    pub status_requests: u64,
    /// Media requests.
    pub media_requests: u64,
    /// Media requests that carried an `Authorization` header (must stay 0).
    pub media_requests_with_auth: u64,
    /// Video-seconds charged.
    pub charged_video_seconds: f64,
    /// Upload requests received.
    pub uploads_received: u64,
    /// Images stored by the upload endpoint.
    pub uploads_stored: u64,
    /// Submits answered as a replay of an earlier one with the same
    /// `Idempotency-Key` (no task created, nothing charged).
    pub replays: u64,
    /// Requests to the balance, model list, model schema and pricing endpoints.
    pub discovery_requests: u64,
    /// Asset tasks created (`POST /v1/seedance2/private-avatar`).
    pub asset_tasks_created: u64,
    /// Webhook push attempts (retries included).
    pub webhook_pushes: u64,
}

impl SimStats {
    /// The counters from [`SimStats::to_json`]'s form (missing ones are 0).
    pub(crate) fn from_json(v: &Value) -> SimStats {
        let n = |k: &str| v[k].as_u64().unwrap_or(0);
        SimStats {
            submits_received: n("submits_received"),
            tasks_created: n("tasks_created"),
            rate_limited: n("rate_limited"),
            unauthorized: n("unauthorized"),
            rejected: n("rejected"),
            payment_required: n("payment_required"),
            status_requests: n("status_requests"),
            media_requests: n("media_requests"),
            media_requests_with_auth: n("media_requests_with_auth"),
            charged_video_seconds: v["charged_video_seconds"].as_f64().unwrap_or(0.0),
            uploads_received: n("uploads_received"),
            uploads_stored: n("uploads_stored"),
            replays: n("replays"),
            discovery_requests: n("discovery_requests"),
            asset_tasks_created: n("asset_tasks_created"),
            webhook_pushes: n("webhook_pushes"),
        }
    }

    /// The counters as JSON (served at `GET /_sim/stats` by the HTTP face).
    pub fn to_json(&self) -> Value {
        json!({
            "submits_received": self.submits_received,
            "tasks_created": self.tasks_created,
            "rate_limited": self.rate_limited,
            "unauthorized": self.unauthorized,
            "rejected": self.rejected,
            "payment_required": self.payment_required,
            "status_requests": self.status_requests,
            "media_requests": self.media_requests,
            "media_requests_with_auth": self.media_requests_with_auth,
            "charged_video_seconds": self.charged_video_seconds,
            "uploads_received": self.uploads_received,
            "replays": self.replays,
            "uploads_stored": self.uploads_stored,
            "discovery_requests": self.discovery_requests,
            "asset_tasks_created": self.asset_tasks_created,
            "webhook_pushes": self.webhook_pushes,
        })
    }
}
