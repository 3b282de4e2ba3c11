//! The API endpoints behind the router: submit (rate limit, request check,
//! dead input links, billing, a new task), upload and task status.

use seedance_transport::wire::{ApiRequest, ApiResponse};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::billing;
use crate::request_check;
use crate::responses::{error_response, error_with, ok_json};
use crate::signing::UrlRefusal;
use crate::simulator::{Simulator, State};
use crate::tasks::SimTask;
use crate::uploads;

impl Simulator {
    pub(crate) fn submit(
        &self,
        state: &mut State,
        request: &ApiRequest,
        dead_link: Option<(String, String)>,
    ) -> ApiResponse {
        if let Some(limit) = self.config.submits_per_second
            && let Err(wait) = state
                .limiter
                .admit(self.config.rate_limiter, limit, Instant::now())
        {
            state.stats.rate_limited += 1;
            let mut r = error_response(
                429,
                "rate_limit_error",
                "Too many requests. Please try again later",
            );
            // Whole seconds, as HTTP says, rounded up.
            r.headers.insert(
                "Retry-After",
                wait.as_secs_f64().ceil().max(1.0).to_string(),
            );
            return r;
        }
        let body: Value = match request.body.as_deref().map(serde_json::from_slice) {
            Some(Ok(v)) => v,
            _ => {
                state.stats.rejected += 1;
                return error_response(
                    400,
                    "invalid_request_error",
                    "Request body is not valid JSON",
                );
            }
        };
        let accepted = match request_check::check(&body) {
            Ok(a) => a,
            Err(rejection) => {
                state.stats.rejected += 1;
                let message = format!(
                    "Invalid request parameters: {}: {}",
                    rejection.param, rejection.message
                );
                return error_with(
                    400,
                    "invalid_request_error",
                    &message,
                    Some(&rejection.param),
                );
            }
        };
        if let Some(refusal) = self.check_assets(state, &accepted.media) {
            state.stats.rejected += 1;
            return refusal;
        }
        if let Some((param, why)) = dead_link {
            state.stats.rejected += 1;
            return error_with(
                400,
                "invalid_request_error",
                &format!("{param}: the media URL cannot be downloaded ({why})"),
                Some(&param),
            );
        }
        // The service fetches input media when the task starts; a URL on
        // this simulator's own media origin that no longer serves (expired,
        // bad signature) is refused, as the service refuses dead links.
        let now_unix = self.unix_now();
        for (param, url) in &accepted.media {
            if !state.signer.is_own(url) {
                continue;
            }
            let refusal = match state.signer.check(url, now_unix) {
                Ok(path) if self.serves(state, path.owner, path.file) => continue,
                Ok(_) => UrlRefusal::NotFound,
                Err(refusal) => refusal,
            };
            state.stats.rejected += 1;
            return error_with(
                400,
                "invalid_request_error",
                &format!(
                    "{param}: the media URL cannot be downloaded ({})",
                    refusal.reason()
                ),
                Some(param),
            );
        }
        let cost = billing::video_seconds(accepted.seconds, &accepted.resolution);
        if state.ledger.charge(cost).is_err() {
            state.stats.payment_required += 1;
            return error_response(
                402,
                "payment_required",
                "Insufficient balance. Please top up and try again",
            );
        }
        state.stats.tasks_created += 1;
        state.next_task += 1;
        let seq = state.next_task;
        let id = format!("task_{seq:08}{:016X}", state.rng.next_u64());
        let task = {
            let State { rng, .. } = &mut *state;
            SimTask::draw(&self.config, rng, seq, self.now_ms(), accepted, &body, cost)
        };
        let estimate = task.estimate;
        let mut task = task;
        if let Some(key) = self.honoured_key(request) {
            task.idempotency_key = Some(key.into());
            state.keys.insert(key.into(), id.clone());
        }
        let ends_in = task.queue + task.generation;
        state.tasks.insert(id.clone(), task);
        state.dirty = true;
        if let Some(webhook) = body.get("webhook").and_then(Value::as_str) {
            self.schedule_pushes(&id, webhook, ends_in);
        }
        self.submit_answer(request, &id, estimate, seq)
    }

    /// The `Idempotency-Key` of `request`, unless keys are ignored.
    fn honoured_key<'a>(&self, request: &'a ApiRequest) -> Option<&'a str> {
        if self.config.ignore_idempotency_keys {
            return None;
        }
        request
            .headers
            .get(seedance_core::idempotency::IDEMPOTENCY_KEY_HEADER)
    }

    /// A submit's success answer for task `id`, in the shape the request
    /// and the configuration select.
    fn submit_answer(
        &self,
        request: &ApiRequest,
        id: &str,
        estimate: u64,
        seq: u64,
    ) -> ApiResponse {
        if self.config.shapes.task_info_on_submit {
            return ok_json(json!({"code": 200, "data": {
                "id": id,
                "status": "submitted",
                "task_info": {"can_cancel": true, "estimated_time": estimate},
            }}));
        }
        if self.echoed_version(request).is_some() {
            // The newer response version returns `data` as an object with
            // an `id`, and the envelope a `request_id`.
            return ok_json(json!({
                "code": 200,
                "data": {"id": id, "object": "generation.task", "status": "submitted"},
                "request_id": format!("req_{seq:08}"),
            }));
        }
        ok_json(json!({"code": 200, "data": [{"status": "submitted", "task_id": id}]}))
    }

    /// The answer to a submit whose `Idempotency-Key` created a task
    /// before: that task again with `Idempotency-Replayed: true` (nothing
    /// created, nothing charged), or a refusal when the body differs. `None`
    /// for a key not seen (or keys ignored).
    pub(crate) fn replay(&self, state: &mut State, request: &ApiRequest) -> Option<ApiResponse> {
        let key = self.honoured_key(request)?;
        let id = state.keys.get(key)?.clone();
        let task = state.tasks.get(&id)?;
        let same_body = request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .zip(serde_json::from_str::<Value>(&task.request).ok())
            .is_some_and(|(sent, kept)| sent == kept);
        if !same_body {
            state.stats.rejected += 1;
            return Some(error_response(
                422,
                "invalid_request_error",
                "Idempotency-Key was already used with a different request body",
            ));
        }
        let (estimate, seq) = (task.estimate, task.seq);
        state.stats.replays += 1;
        let mut response = self.submit_answer(request, &id, estimate, seq);
        response.headers.insert(
            seedance_core::idempotency::IDEMPOTENCY_REPLAYED_HEADER,
            "true",
        );
        Some(response)
    }

    /// Whether `owner`'s `file` exists now (an upload, or a finished task's media).
    fn serves(&self, state: &State, owner: &str, file: &str) -> bool {
        if state.uploads.contains_key(owner) {
            return true;
        }
        state.tasks.get(owner).is_some_and(|t| {
            t.video_ready(self.now_ms()) && matches!(file, "video.mp4" | "last_frame.png")
        })
    }

    pub(crate) fn upload(&self, state: &mut State, request: &ApiRequest) -> ApiResponse {
        let received = match uploads::receive(request) {
            Ok(r) => r,
            Err(response) => return response,
        };
        state.stats.uploads_stored += 1;
        let id = format!("upload_{:016x}", state.rng.next_u64());
        let created = self.unix_now();
        let url = state
            .signer
            .url(&id, &received.safe_name, created + uploads::UPLOAD_TTL_SECS);
        let len = received.upload.bytes.len();
        let content_type = received.upload.content_type;
        state.uploads.insert(id, received.upload);
        state.dirty = true;
        ok_json(json!({
            "url": url,
            "filename": received.file_name,
            "content_type": content_type,
            "bytes": len,
            "created_at": created,
        }))
    }

    pub(crate) fn status(&self, state: &State, request: &ApiRequest) -> ApiResponse {
        let id = request.path.trim_start_matches("/v1/tasks/");
        if let Some(asset_task) = self.asset_status(state, id) {
            return asset_task;
        }
        let Some(data) = state
            .tasks
            .get(id)
            .and_then(|task| task.status_data(id, &self.config, &state.signer, self.now_ms()))
        else {
            return error_response(404, "invalid_request_error", "Task not found");
        };
        if self.config.shapes.no_envelope {
            return ok_json(data);
        }
        ok_json(json!({"code": 200, "data": data}))
    }
}
