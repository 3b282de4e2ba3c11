//! Ark's wire face over the same engine: the paths of Volcengine Ark and
//! BytePlus ModelArk (`/api/v3/contents/generations/tasks`, also relative
//! to a base URL that ends in `/api/v3`), their bodies, statuses and error
//! envelope, the 120-queued-tasks limit and the 7-day list window. Tasks,
//! timing, billing, media and faults are the engine's, shared with apimart's
//! face; an Ark task's id starts with `cgt-`, which is how each face tells
//! its own tasks.

use std::collections::HashSet;

use bytes::Bytes;
use seedance_transport::wire::{ApiRequest, ApiResponse, Headers, Method};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::ark_check;
use crate::billing;
use crate::responses::ok_json;
use crate::simulator::{Simulator, State};
use crate::tasks::{Outcome, SimTask};
use crate::uploads::{SimUpload, image_type};

/// The path prefix of Ark's task endpoints, after the optional `/api/v3`.
const TASKS: &str = "/contents/generations/tasks";
/// How long Ark keeps a task, and how far back the list looks.
const RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long result URLs live.
const URL_TTL_SECS: i64 = 24 * 3600;
/// Frames per second of every output.
const FPS: u64 = 24;

/// An Ark call, as routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArkCall {
    /// `POST .../tasks`.
    Create,
    /// `GET .../tasks`.
    List,
    /// `GET .../tasks/{id}`.
    Get(String),
    /// `DELETE .../tasks/{id}`.
    Delete(String),
}

/// The Ark call `request` makes, if its path is one of Ark's.
pub(crate) fn route(request: &ApiRequest) -> Option<ArkCall> {
    let path = request.path.as_str();
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    let rest = path.strip_prefix(TASKS)?;
    let rest = rest.trim_end_matches('/');
    match (request.method, rest) {
        (Method::Post, "") => Some(ArkCall::Create),
        (Method::Get, "") => Some(ArkCall::List),
        (m, id) if id.starts_with('/') && id.len() > 1 && !id[1..].contains('/') => {
            let id = percent_decode(&id[1..]);
            match m {
                Method::Get => Some(ArkCall::Get(id)),
                Method::Delete => Some(ArkCall::Delete(id)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `id` is an Ark task (made by this face).
pub(crate) fn is_ark_task(id: &str) -> bool {
    id.starts_with("cgt-")
}

/// Ark's error envelope: `{"error":{"code","message","param","type"}}`,
/// the message ending with the request id as Ark's do.
pub(crate) fn error(
    status: u16,
    kind: &str,
    code: &str,
    message: &str,
    param: Option<&str>,
    request_id: &str,
) -> ApiResponse {
    let mut e = json!({
        "code": code,
        "message": format!("{message} Request id: {request_id}"),
        "type": kind,
    });
    if let Some(p) = param {
        e["param"] = json!(p);
    }
    let mut headers = Headers::new();
    headers.insert("Content-Type", "application/json");
    headers.insert("X-Request-Id", request_id);
    ApiResponse {
        status,
        headers,
        body: Bytes::from(json!({ "error": e }).to_string()),
    }
}

/// The HTTP reason Ark puts in `type`, and a code, for a status.
fn reason(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("BadRequest", "InvalidParameter"),
        401 => ("Unauthorized", "AuthenticationError"),
        402 | 403 => ("Forbidden", "AccessDenied"),
        404 => ("NotFound", "ResourceNotFound"),
        409 => ("Conflict", "Conflict"),
        413 => ("RequestEntityTooLarge", "RequestEntityTooLarge"),
        429 => ("TooManyRequests", "RateLimitExceeded.EndpointRPMExceeded"),
        503 => ("ServiceUnavailable", "ServiceUnavailable"),
        s if s >= 500 => ("InternalServerError", "InternalServiceError"),
        _ => ("BadRequest", "InvalidParameter"),
    }
}

/// Rewrites an answer the shared engine gave in apimart's envelope (an
/// auth refusal, an injected fault) into Ark's; other answers pass.
pub(crate) fn in_ark_dialect(response: ApiResponse, request_id: &str) -> ApiResponse {
    if response.status < 400 {
        return response;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&response.body) else {
        return response;
    };
    let Some(e) = v
        .get("error")
        .filter(|e| e.get("code").is_some_and(Value::is_number))
    else {
        return response;
    };
    let (kind, code) = reason(response.status);
    let message = e.get("message").and_then(Value::as_str).unwrap_or_default();
    let mut out = error(
        response.status,
        kind,
        code,
        message,
        e.get("param").and_then(Value::as_str),
        request_id,
    );
    for (n, val) in response.headers.iter() {
        if n.eq_ignore_ascii_case("retry-after") {
            out.headers.insert(n, val);
        }
    }
    out
}

impl Simulator {
    /// Answers an Ark call that passed auth and faults.
    pub(crate) fn ark(
        &self,
        state: &mut State,
        call: &ArkCall,
        request: &ApiRequest,
    ) -> ApiResponse {
        let rid = format!("{:016x}", state.rng.next_u64());
        match call {
            ArkCall::Create => self.ark_create(state, request, &rid),
            ArkCall::List => self.ark_list(state, request, &rid),
            ArkCall::Get(id) => match self.ark_task_body(state, id) {
                Some(body) => ok_json(body),
                None => not_found(id, &rid),
            },
            ArkCall::Delete(id) => self.ark_delete(state, id, &rid),
        }
    }

    fn ark_create(&self, state: &mut State, request: &ApiRequest, rid: &str) -> ApiResponse {
        if let Some(limit) = self.config.submits_per_second
            && let Err(wait) = state
                .limiter
                .admit(self.config.rate_limiter, limit, Instant::now())
        {
            state.stats.rate_limited += 1;
            let mut r = error(
                429,
                "TooManyRequests",
                "RateLimitExceeded.EndpointRPMExceeded",
                "The request has exceeded the RPM rate limit of the endpoint. Please try again later.",
                None,
                rid,
            );
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
                return error(
                    400,
                    "BadRequest",
                    "InvalidParameter",
                    "The request body is not valid JSON.",
                    None,
                    rid,
                );
            }
        };
        let mut accepted = match ark_check::check(&body) {
            Ok(a) => a,
            Err(r) => {
                state.stats.rejected += 1;
                let status = if r.code.starts_with("InvalidEndpoint") {
                    404
                } else {
                    400
                };
                let kind = if status == 404 {
                    "NotFound"
                } else {
                    "BadRequest"
                };
                let message = format!(
                    "The parameter `{}` specified in the request is not valid: {}.",
                    r.param, r.message
                );
                return error(status, kind, r.code, &message, Some(&r.param), rid);
            }
        };
        let now_unix = self.unix_now();
        for (param, url) in &accepted.media {
            if state.signer.is_own(url) && state.signer.check(url, now_unix).is_err() {
                state.stats.rejected += 1;
                return error(
                    400,
                    "BadRequest",
                    "InvalidParameter",
                    &format!("The resource at `{param}` cannot be downloaded."),
                    Some(param),
                    rid,
                );
            }
        }
        let now_ms = self.now_ms();
        let queued = state
            .tasks
            .iter()
            .filter(|(id, t)| is_ark_task(id) && ark_status(t, now_ms) == "queued")
            .count();
        if queued >= self.config.ark_max_queued {
            state.stats.rate_limited += 1;
            return error(
                429,
                "TooManyRequests",
                "QuotaExceeded",
                &format!(
                    "Your account has {queued} queued tasks, the most allowed at once; wait for some to start or cancel them."
                ),
                None,
                rid,
            );
        }
        // An inline image is kept like an upload, so that the video starts
        // from it and a later task can be linked to it.
        if let Some(url) = accepted.start_image.clone()
            && url.starts_with("data:")
        {
            let bytes = ark_check::data_url_bytes(&url).unwrap_or_default();
            let id = format!("inline_{:016x}", state.rng.next_u64());
            let content_type = image_type(&bytes).unwrap_or("image/png");
            accepted.start_image = Some(state.signer.url(&id, "image", now_unix + URL_TTL_SECS));
            state.uploads.insert(
                id,
                SimUpload {
                    bytes: Bytes::from(bytes),
                    content_type,
                },
            );
        }
        let cost = billing::video_seconds(accepted.seconds, &accepted.resolution);
        if state.ledger.charge(cost).is_err() {
            state.stats.payment_required += 1;
            return error(
                403,
                "Forbidden",
                "AccountOverdueError",
                "Your account is overdue. Please top up and try again.",
                None,
                rid,
            );
        }
        state.stats.tasks_created += 1;
        state.next_task += 1;
        let seq = state.next_task;
        // Ark's ids carry the creation time (documented masked, as
        // `cgt-2025******-****`); ours add a sequence number to stay unique.
        let id = format!(
            "cgt-{}-{:05x}{seq:06}",
            seedance_core::civil_time::CivilTime::from_unix(now_unix).compact(),
            state.rng.next_u64() & 0xfffff
        );
        // The body as received, without inline data (kept small).
        let mut kept = body.clone();
        strip_inline(&mut kept);
        let task = {
            let State { rng, .. } = &mut *state;
            SimTask::draw(&self.config, rng, seq, now_ms, accepted, &kept, cost)
        };
        state.tasks.insert(id.clone(), task);
        state.dirty = true;
        ok_json(json!({ "id": id }))
    }

    /// A task as Ark reports it, or `None` when there is no such Ark task
    /// (or it is older than 7 days).
    pub(crate) fn ark_task_body(&self, state: &State, id: &str) -> Option<Value> {
        let task = state.tasks.get(id).filter(|_| is_ark_task(id))?;
        let now_ms = self.now_ms();
        if now_ms - task.created_ms >= RETENTION_MS {
            return None;
        }
        let sent: Value = serde_json::from_str(&task.request).unwrap_or(Value::Null);
        let status = ark_status(task, now_ms);
        let created = task.created_unix();
        let started = created + task.queue.as_secs() as i64;
        let done = created + (task.queue + task.generation).as_secs() as i64;
        let updated = match status.as_str() {
            "queued" => created,
            "running" => started,
            "cancelled" => started.min(now_ms.div_euclid(1000)),
            _ => done,
        };
        let ratio = match task.accepted.size.as_str() {
            "adaptive" => "16:9".to_owned(),
            r => r.to_owned(),
        };
        let mut body = json!({
            "id": id,
            "model": sent.get("model").cloned().unwrap_or(Value::Null),
            "status": status,
            "error": null,
            "created_at": created,
            "updated_at": updated,
            "seed": sent.get("seed").cloned().unwrap_or(json!(seed_of(task.seq))),
            "resolution": task.accepted.resolution,
            "ratio": ratio,
            "duration": task.accepted.seconds,
            "framespersecond": FPS,
            "generate_audio": sent.get("generate_audio").cloned().unwrap_or(json!(true)),
            "service_tier": "default",
            "execution_expires_after": sent.get("execution_expires_after").cloned().unwrap_or(json!(172_800)),
        });
        match (status.as_str(), &task.outcome) {
            ("succeeded", _) => {
                let expires = done + URL_TTL_SECS;
                let url = |file: &str| state.signer.url(id, file, expires);
                let mut content = json!({ "video_url": url("video.mp4") });
                if task.accepted.return_last_frame {
                    content["last_frame_url"] = json!(url("last_frame.png"));
                }
                body["content"] = content;
                let tokens = tokens(task.accepted.seconds, &task.accepted.resolution, &ratio);
                body["usage"] = json!({"completion_tokens": tokens, "total_tokens": tokens});
            }
            ("failed", Outcome::Fail(message, code)) => {
                body["error"] = json!({
                    "code": code.as_deref().unwrap_or("InternalServiceError"),
                    "message": message,
                });
            }
            _ => {}
        }
        Some(body)
    }

    fn ark_list(&self, state: &State, request: &ApiRequest, rid: &str) -> ApiResponse {
        let mut page_num = 1u32;
        let mut page_size = 10u32;
        let mut status = None;
        let mut model = None;
        let mut ids: HashSet<String> = HashSet::new();
        for (name, value) in &request.query {
            let value = percent_decode(value);
            match percent_decode(name).as_str() {
                n @ ("page_num" | "page_size") => {
                    let Some(v) = value.parse::<u32>().ok().filter(|v| (1..=500).contains(v))
                    else {
                        return error(
                            400,
                            "BadRequest",
                            "InvalidParameter",
                            &format!("The parameter `{n}` must be an integer from 1 to 500."),
                            Some(n),
                            rid,
                        );
                    };
                    if n == "page_num" {
                        page_num = v;
                    } else {
                        page_size = v;
                    }
                }
                "filter.status" => status = Some(value),
                "filter.model" => model = Some(value),
                "filter.task_ids" => {
                    ids.insert(value);
                }
                _ => {}
            }
        }
        let now_ms = self.now_ms();
        let mut found: Vec<(&String, &SimTask)> = state
            .tasks
            .iter()
            .filter(|(id, t)| {
                is_ark_task(id) && t.created_ms > now_ms - RETENTION_MS && t.created_ms <= now_ms
            })
            .filter(|(id, _)| ids.is_empty() || ids.contains(id.as_str()))
            .filter(|(_, t)| status.as_deref().is_none_or(|s| ark_status(t, now_ms) == s))
            .filter(|(_, t)| {
                model.as_deref().is_none_or(|m| {
                    serde_json::from_str::<Value>(&t.request)
                        .ok()
                        .is_some_and(|b| b.get("model").and_then(Value::as_str) == Some(m))
                })
            })
            .collect();
        found.sort_by_key(|(_, t)| std::cmp::Reverse(t.seq));
        let total = found.len();
        let items: Vec<Value> = found
            .into_iter()
            .skip((page_num as usize - 1) * page_size as usize)
            .take(page_size as usize)
            .filter_map(|(id, _)| self.ark_task_body(state, id))
            .collect();
        ok_json(json!({ "total": total, "items": items }))
    }

    fn ark_delete(&self, state: &mut State, id: &str, rid: &str) -> ApiResponse {
        let now_ms = self.now_ms();
        let Some(task) = state
            .tasks
            .get_mut(id)
            .filter(|t| now_ms - t.created_ms < RETENTION_MS)
            .filter(|_| is_ark_task(id))
        else {
            return not_found(id, rid);
        };
        match ark_status(task, now_ms).as_str() {
            "queued" => {
                task.outcome = Outcome::Status("cancelled".to_owned());
                state.dirty = true;
                ok_json(json!({}))
            }
            "succeeded" | "failed" | "expired" => {
                state.tasks.remove(id);
                state.dirty = true;
                ok_json(json!({}))
            }
            s => error(
                400,
                "BadRequest",
                "InvalidParameter",
                &format!(
                    "The task {id} is {s}: only queued tasks can be cancelled, and only finished tasks deleted."
                ),
                Some("id"),
                rid,
            ),
        }
    }
}

fn not_found(id: &str, rid: &str) -> ApiResponse {
    error(
        404,
        "NotFound",
        "ResourceNotFound",
        &format!("The specified task {id} is not found."),
        None,
        rid,
    )
}

/// A task's status in Ark's spelling at `now_ms`.
pub(crate) fn ark_status(task: &SimTask, now_ms: i64) -> String {
    let age = task.age(now_ms);
    match &task.outcome {
        Outcome::Status(s) => match s.as_str() {
            "pending" => "queued",
            "processing" => "running",
            "completed" => "succeeded",
            other => other,
        }
        .to_owned(),
        _ if age < task.queue => "queued".to_owned(),
        _ if age < task.queue + task.generation => "running".to_owned(),
        Outcome::Complete => "succeeded".to_owned(),
        Outcome::Fail(..) => "failed".to_owned(),
        Outcome::Cancel => "cancelled".to_owned(),
    }
}

/// The seed a task reports when none was asked for.
fn seed_of(seq: u64) -> u64 {
    seq.wrapping_mul(0x9E37_79B9) % 4_294_967_296
}

/// Output pixels by resolution and ratio (Ark's published table).
fn dims(resolution: &str, ratio: &str) -> (u64, u64) {
    let table: &[(&str, [(u64, u64); 6])] = &[
        (
            "480p",
            [
                (864, 496),
                (752, 560),
                (640, 640),
                (560, 752),
                (496, 864),
                (992, 432),
            ],
        ),
        (
            "720p",
            [
                (1280, 720),
                (1112, 834),
                (960, 960),
                (834, 1112),
                (720, 1280),
                (1470, 630),
            ],
        ),
        (
            "1080p",
            [
                (1920, 1080),
                (1664, 1248),
                (1440, 1440),
                (1248, 1664),
                (1080, 1920),
                (2206, 946),
            ],
        ),
        (
            "4k",
            [
                (3840, 2160),
                (3326, 2494),
                (2880, 2880),
                (2494, 3326),
                (2160, 3840),
                (4398, 1886),
            ],
        ),
    ];
    let column = ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9"]
        .iter()
        .position(|r| *r == ratio)
        .unwrap_or(0);
    table
        .iter()
        .find(|(r, _)| *r == resolution)
        .map_or((1280, 720), |(_, row)| row[column])
}

/// Tokens billed for a video: one frame more than seconds × 24, times
/// the pixels, over 1024 (reproduces the published 108,900 for 5 s at 720p).
fn tokens(seconds: u32, resolution: &str, ratio: &str) -> u64 {
    let (w, h) = dims(resolution, ratio);
    (u64::from(seconds) * FPS + 1) * w * h / 1024
}

/// Replaces inline `data:` URLs in a kept body with a short marker.
fn strip_inline(v: &mut Value) {
    match v {
        Value::String(s) if s.starts_with("data:") => {
            let head = s.split_once(',').map_or("data:", |(h, _)| h).to_owned();
            *s = format!("{head},…");
        }
        Value::Array(items) => items.iter_mut().for_each(strip_inline),
        Value::Object(o) => o.values_mut().for_each(strip_inline),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_and_without_the_api_prefix() {
        let get = ApiRequest::get("/api/v3/contents/generations/tasks/cgt-1");
        assert_eq!(route(&get), Some(ArkCall::Get("cgt-1".into())));
        let list = ApiRequest::get("/contents/generations/tasks");
        assert_eq!(route(&list), Some(ArkCall::List));
        let del = ApiRequest::delete("/contents/generations/tasks/cgt%2D2");
        assert_eq!(route(&del), Some(ArkCall::Delete("cgt-2".into())));
        assert_eq!(route(&ApiRequest::get("/v1/tasks/x")), None);
    }

    #[test]
    fn the_published_token_counts() {
        assert_eq!(tokens(5, "720p", "16:9"), 108_900);
        assert_eq!(tokens(5, "1080p", "16:9"), 245_025);
    }
}
