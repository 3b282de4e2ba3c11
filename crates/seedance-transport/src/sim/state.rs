//! The simulator's state machine: what each request does and what it answers.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use seedance_core::rng::SplitMix64;
use seedance_core::{GenerationRequest, Resolution, validate_json};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::fault::{Fault, Route};
use super::media::{self, CHUNK};
use super::{ProgressShape, SimConfig};
use crate::error::{TransportError, TransportErrorKind};
use crate::wire::{ApiRequest, ApiResponse, ByteStream, Headers, Method};

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
}

impl SimStats {
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
            "uploads_stored": self.uploads_stored,
        })
    }
}

/// What the simulator does with an API request.
#[derive(Debug)]
pub enum SimReply {
    /// Answer with `response` after `delay`.
    Respond {
        /// The response.
        response: ApiResponse,
        /// How long to wait before answering.
        delay: Duration,
    },
    /// Refuse the connection.
    Refuse,
    /// Cut the connection without answering.
    Drop,
    /// Never answer.
    Hang,
    /// Send the head (with the full `Content-Length`) and half the body,
    /// then cut the connection.
    CutBody {
        /// The response that is cut.
        response: ApiResponse,
    },
}

/// What the simulator does with a media request.
#[derive(Debug)]
pub enum MediaReply {
    /// No body stream: an error response or a connection fault.
    Api(SimReply),
    /// A body.
    Body(MediaBody),
}

/// A media body to stream.
#[derive(Debug)]
pub struct MediaBody {
    /// Status (200).
    pub status: u16,
    /// Headers.
    pub headers: Headers,
    /// The `Content-Length` announced.
    pub content_length: u64,
    /// The bytes actually sent, first part.
    pub head: Bytes,
    /// Zero bytes following `head`.
    pub padding: u64,
    /// Stop after this many bytes (a short body), if set.
    pub truncate_at: Option<u64>,
    /// Throttle: bytes per second, if set.
    pub bytes_per_second: Option<u64>,
}

static ZEROS: [u8; CHUNK] = [0; CHUNK];

impl MediaBody {
    /// The bytes actually sent.
    pub fn sent_len(&self) -> u64 {
        let full = self.head.len() as u64 + self.padding;
        self.truncate_at.map_or(full, |t| t.min(full))
    }

    /// The body as a chunk stream; a short body ends with an interruption error.
    pub fn into_stream(self) -> ByteStream {
        let total = self.sent_len();
        let truncated = self.truncate_at.is_some();
        let head = self.head;
        let head_len = head.len() as u64;
        let mut chunks: Vec<Bytes> = Vec::new();
        if head_len > 0 {
            chunks.push(head.slice(..head_len.min(total) as usize));
        }
        let state = (chunks.into_iter(), head_len.min(total), total, truncated);
        let rate = self.bytes_per_second.filter(|r| *r > 0);
        Box::pin(stream::unfold(
            state,
            move |(mut first, sent, total, truncated)| async move {
                let throttle = |n: usize| async move {
                    if let Some(rate) = rate {
                        tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
                    }
                };
                if let Some(c) = first.next() {
                    throttle(c.len()).await;
                    return Some((Ok(c), (first, sent, total, truncated)));
                }
                if sent < total {
                    let n = (total - sent).min(CHUNK as u64) as usize;
                    throttle(n).await;
                    return Some((
                        Ok(Bytes::from_static(&ZEROS[..n])),
                        (first, sent + n as u64, total, truncated),
                    ));
                }
                if truncated {
                    // Only once: mark done by clearing the flag.
                    return Some((
                        Err(TransportError::new(
                            TransportErrorKind::BodyInterrupted,
                            "connection closed mid-body",
                        )),
                        (first, sent, total, false),
                    ));
                }
                None
            },
        ))
    }
}

#[derive(Debug, Clone)]
enum Outcome {
    Complete,
    Fail(String),
    Cancel,
    Status(String),
}

#[derive(Debug, Clone)]
struct SimTask {
    created: Instant,
    created_unix: i64,
    queue: Duration,
    generation: Duration,
    estimate: u64,
    outcome: Outcome,
    return_last_frame: bool,
    tag: String,
    request: Value,
    /// Video-seconds charged for it.
    charged: f64,
}

#[derive(Debug, Clone)]
struct SimUpload {
    bytes: Bytes,
    content_type: &'static str,
}

struct State {
    rng: SplitMix64,
    tasks: HashMap<String, SimTask>,
    next_task: u64,
    stats: SimStats,
    balance: Option<f64>,
    limiter: super::rate_limit::LimiterState,
    scripted: HashMap<Route, VecDeque<Fault>>,
    uploads: HashMap<String, SimUpload>,
    media_base: String,
    secret: u64,
}

/// The simulator. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Simulator {
    config: Arc<SimConfig>,
    started: Instant,
    unix_start: i64,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("seed", &self.config.seed)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The request header that selects apimart's newer response version, in
/// which the submit response's `data` is an object with an `id`.
pub const RESPONSE_VERSION_HEADER: &str = "X-APIMart-Response-Version";

/// The media origin used when the simulator is not served over HTTP.
pub(crate) const IN_PROCESS_MEDIA_BASE: &str = "https://media.simulator.invalid";

impl Simulator {
    /// A simulator; its clock starts now (tokio time).
    pub fn new(config: SimConfig) -> Self {
        let mut rng = SplitMix64::new(config.seed);
        let secret = rng.next_u64();
        let unix_start = config.unix_start.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
        Simulator {
            started: Instant::now(),
            unix_start,
            state: Arc::new(Mutex::new(State {
                rng,
                tasks: HashMap::new(),
                next_task: 0,
                stats: SimStats::default(),
                balance: config.balance_video_seconds,
                limiter: Default::default(),
                scripted: HashMap::new(),
                uploads: HashMap::new(),
                media_base: IN_PROCESS_MEDIA_BASE.to_owned(),
                secret,
            })),
            config: Arc::new(config),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every update
        // is a single assignment), so recover from poisoning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The simulator's unix time (advances with tokio's clock).
    pub fn unix_now(&self) -> i64 {
        self.unix_start + self.started.elapsed().as_secs() as i64
    }

    /// What happened so far.
    pub fn stats(&self) -> SimStats {
        self.lock().stats.clone()
    }

    /// Queues a one-shot fault for the next exchange on `route`.
    pub fn inject(&self, route: Route, fault: Fault) {
        self.lock()
            .scripted
            .entry(route)
            .or_default()
            .push_back(fault);
    }

    /// Makes a task fail with `message` (when it would have completed).
    pub fn fail_task(&self, task_id: &str, message: &str) {
        if let Some(t) = self.lock().tasks.get_mut(task_id) {
            t.outcome = Outcome::Fail(message.to_owned());
        }
    }

    /// Makes a task end `cancelled`.
    pub fn cancel_task(&self, task_id: &str) {
        if let Some(t) = self.lock().tasks.get_mut(task_id) {
            t.outcome = Outcome::Cancel;
        }
    }

    /// Makes a task report `status` (any string) from now on.
    pub fn set_task_status(&self, task_id: &str, status: &str) {
        if let Some(t) = self.lock().tasks.get_mut(task_id) {
            t.outcome = Outcome::Status(status.to_owned());
        }
    }

    /// Ids of every task created, in order.
    pub fn task_ids(&self) -> Vec<String> {
        let state = self.lock();
        let mut ids: Vec<(&Instant, &String)> =
            state.tasks.iter().map(|(id, t)| (&t.created, id)).collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id.clone()).collect()
    }

    /// The request body a task was created from.
    pub fn task_request(&self, task_id: &str) -> Option<Value> {
        self.lock().tasks.get(task_id).map(|t| t.request.clone())
    }

    /// How long a task queues and generates.
    pub fn task_timing(&self, task_id: &str) -> Option<(Duration, Duration)> {
        self.lock()
            .tasks
            .get(task_id)
            .map(|t| (t.queue, t.generation))
    }

    /// Sets the origin media URLs point at (the HTTP server's media listener).
    pub fn set_media_base(&self, base: &str) {
        self.lock().media_base = base.trim_end_matches('/').to_owned();
    }

    /// The origin media URLs point at.
    pub fn media_base(&self) -> String {
        self.lock().media_base.clone()
    }

    /// Handles an API request; `authorization` is the header's value.
    pub fn handle(&self, request: &ApiRequest, authorization: Option<&str>) -> SimReply {
        let route = match (request.method, request.path.as_str()) {
            (Method::Post, "/v1/videos/generations") => Route::Submit,
            (Method::Get, p) if p.starts_with("/v1/tasks/") => Route::Status,
            (Method::Post, "/v1/uploads/images") => Route::Upload,
            _ => {
                return respond(error_response(
                    404,
                    "invalid_request_error",
                    "no such endpoint",
                ));
            }
        };
        let mut state = self.lock();
        match route {
            Route::Submit => state.stats.submits_received += 1,
            Route::Upload => state.stats.uploads_received += 1,
            _ => state.stats.status_requests += 1,
        }
        let fault = self.next_fault(&mut state, route);
        if let Some(reply) = fault.as_ref().and_then(pre_effect) {
            return reply;
        }
        let expected = format!("Bearer {}", self.config.api_key);
        let echo = fault == Some(Fault::EchoKey) || self.config.echo_key_in_errors;
        if authorization != Some(expected.as_str()) || fault == Some(Fault::EchoKey) {
            state.stats.unauthorized += 1;
            let message = if echo {
                // Some gateways repeat the credential they refused.
                format!("Invalid token: {}", authorization.unwrap_or("(none)"))
            } else {
                "Authentication failed. Please check your API key".to_owned()
            };
            return respond(error_response(401, "authentication_error", &message));
        }
        let response = match route {
            Route::Submit => self.submit(&mut state, request),
            Route::Upload => self.upload(&mut state, request),
            _ => self.status(&state, request),
        };
        post_effect(fault, response)
    }

    fn next_fault(&self, state: &mut State, route: Route) -> Option<Fault> {
        if let Some(f) = state.scripted.get_mut(&route).and_then(VecDeque::pop_front) {
            return Some(f);
        }
        let rates = &self.config.faults;
        if route == Route::Media {
            return None;
        }
        let u = state.rng.next_unit();
        let mut acc = rates.server_error;
        if u < acc {
            let codes = [500, 502, 503, 504];
            return Some(Fault::Status(codes[(state.rng.next_u64() % 4) as usize]));
        }
        acc += rates.cut;
        if u < acc {
            return Some(if state.rng.next_unit() < 0.5 {
                Fault::DropBeforeHandling
            } else {
                Fault::DropAfterHandling
            });
        }
        acc += rates.malformed;
        if u < acc {
            return Some(Fault::Malformed);
        }
        acc += rates.slow;
        if u < acc {
            return Some(Fault::Slow(rates.slow_delay));
        }
        None
    }

    fn submit(&self, state: &mut State, request: &ApiRequest) -> ApiResponse {
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
        let report = validate_json(&body);
        if let Some(first) = report.errors.first() {
            state.stats.rejected += 1;
            let message = format!("Invalid request parameters: {first}");
            return error_response(400, "invalid_request_error", &message);
        }
        let Ok(req) = serde_json::from_value::<GenerationRequest>(body.clone()) else {
            state.stats.rejected += 1;
            return error_response(400, "invalid_request_error", "Invalid request parameters");
        };
        // The service fetches input media when the task starts; a URL on
        // this simulator's own media origin that no longer serves (expired,
        // bad signature) is refused, as the service refuses dead links.
        for (path, url) in req.media_urls() {
            if let Some(reason) = self.dead_own_url(state, url.as_str()) {
                state.stats.rejected += 1;
                return error_response(
                    400,
                    "invalid_request_error",
                    &format!("{path}: the media URL cannot be downloaded ({reason})"),
                );
            }
        }
        let cost = f64::from(req.effective_duration())
            * match req.resolution.unwrap_or(Resolution::P720) {
                Resolution::P480 => 0.5,
                Resolution::P720 => 1.0,
                Resolution::P1080 => 2.0,
                Resolution::K4 => 4.0,
            };
        if let Some(balance) = state.balance {
            if balance < cost {
                state.stats.payment_required += 1;
                return error_response(
                    402,
                    "payment_required",
                    "Insufficient balance. Please top up and try again",
                );
            }
            state.balance = Some(balance - cost);
        }
        state.stats.charged_video_seconds += cost;
        state.stats.tasks_created += 1;
        state.next_task += 1;
        let id = format!("task_{:08}{:016X}", state.next_task, state.rng.next_u64());
        let g = &self.config.generation;
        let gen_secs = (g.median_secs.ln() + g.sigma * state.rng.next_normal())
            .exp()
            .clamp(g.min_secs, g.max_secs);
        let (q0, q1) = self.config.queue_secs;
        let queue = q0 + (q1 - q0).max(0.0) * state.rng.next_unit();
        let factor = match self.config.estimate_factor {
            // Log-uniform between the bounds: the live service's estimates
            // run from a quarter to four times the truth.
            Some((lo, hi)) if lo > 0.0 && hi >= lo => {
                (lo.ln() + state.rng.next_unit() * (hi / lo).ln()).exp()
            }
            _ => 1.0 + self.config.estimate_error * (2.0 * state.rng.next_unit() - 1.0),
        };
        let estimate = (gen_secs * factor).round().max(1.0) as u64;
        let outcome = if state.rng.next_unit() < self.config.faults.task_failure {
            Outcome::Fail("Video generation failed, please try again".to_owned())
        } else {
            Outcome::Complete
        };
        let tag = format!("{id}:{}", req.prompt.as_deref().unwrap_or_default());
        state.tasks.insert(
            id.clone(),
            SimTask {
                created: Instant::now(),
                created_unix: self.unix_now(),
                queue: Duration::from_secs_f64(queue),
                generation: Duration::from_secs_f64(gen_secs),
                estimate,
                outcome,
                return_last_frame: req.return_last_frame == Some(true),
                tag,
                request: body,
                charged: cost,
            },
        );
        if self.config.shapes.task_info_on_submit {
            return ok_json(json!({"code": 200, "data": {
                "id": id,
                "status": "submitted",
                "task_info": {"can_cancel": true, "estimated_time": estimate},
            }}));
        }
        if request.headers.get(RESPONSE_VERSION_HEADER).is_some() {
            // The newer response version returns `data` as an object with an `id`.
            return ok_json(json!({"code": 200, "data": {"id": id, "status": "submitted"}}));
        }
        ok_json(json!({"code": 200, "data": [{"status": "submitted", "task_id": id}]}))
    }

    fn upload(&self, state: &mut State, request: &ApiRequest) -> ApiResponse {
        let Some((file_name, bytes)) = request
            .headers
            .get("content-type")
            .and_then(|ct| media::multipart_file(ct, request.body.as_deref().unwrap_or_default()))
        else {
            return error_response(400, "invalid_request_error", "Missing file field");
        };
        if bytes.len() > 20 * 1024 * 1024 {
            return error_response(413, "invalid_request_error", "File too large (max 20MB)");
        }
        let content_type = match seedance_core::media_check::MediaKind::sniff(&bytes) {
            Some(seedance_core::media_check::MediaKind::Png) => "image/png",
            Some(seedance_core::media_check::MediaKind::Jpeg) => "image/jpeg",
            Some(seedance_core::media_check::MediaKind::Webp) => "image/webp",
            Some(seedance_core::media_check::MediaKind::Gif) => "image/gif",
            _ => {
                return error_response(
                    400,
                    "invalid_request_error",
                    "Unsupported file format. Supported: jpg, jpeg, png, webp, gif",
                );
            }
        };
        state.stats.uploads_stored += 1;
        let id = format!("upload_{:016x}", state.rng.next_u64());
        let safe: String = file_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let safe = if safe.is_empty() {
            "image".to_owned()
        } else {
            safe
        };
        let created = self.unix_now();
        let expires = created + 72 * 3600;
        let url = media_url(state, &id, &safe, expires);
        let len = bytes.len();
        state.uploads.insert(
            id,
            SimUpload {
                bytes: Bytes::from(bytes),
                content_type,
            },
        );
        ok_json(json!({
            "url": url,
            "filename": file_name,
            "content_type": content_type,
            "bytes": len,
            "created_at": created,
        }))
    }

    /// Why a URL on this simulator's media origin would not serve now.
    fn dead_own_url(&self, state: &State, url: &str) -> Option<&'static str> {
        if !url.starts_with(&format!("{}/", state.media_base)) {
            return None;
        }
        let Some((id, file, expires, sig)) = parse_media_url(&state.media_base, url) else {
            return Some("not found");
        };
        if sig != signature(state.secret, id, file, expires) {
            return Some("signature does not match");
        }
        if self.unix_now() >= expires {
            return Some("the URL has expired");
        }
        None
    }

    fn status(&self, state: &State, request: &ApiRequest) -> ApiResponse {
        let id = request.path.trim_start_matches("/v1/tasks/");
        let Some(task) = state.tasks.get(id) else {
            return error_response(404, "invalid_request_error", "Task not found");
        };
        let elapsed = task.created.elapsed();
        if elapsed < self.config.visibility_delay {
            // The gateway has not heard of the task yet.
            return error_response(404, "invalid_request_error", "Task not found");
        }
        let mut data = json!({
            "id": id,
            "created": task.created_unix,
            "estimated_time": task.estimate,
        });
        let done_after = task.queue + task.generation;
        let status = if let Outcome::Status(s) = &task.outcome {
            data["progress"] = json!(0);
            s.as_str()
        } else if elapsed < task.queue {
            "pending"
        } else if elapsed < done_after {
            let x = (elapsed - task.queue).as_secs_f64() / task.generation.as_secs_f64();
            let p = (self.config.progress_shape.progress(x) * 100.0).floor();
            if self.config.report_progress && self.config.progress_shape != ProgressShape::None {
                data["progress"] = json!((p as u64).min(99));
            }
            "processing"
        } else {
            let completed = task.created_unix + done_after.as_secs() as i64;
            data["completed"] = json!(completed);
            data["actual_time"] = json!(task.generation.as_secs());
            match &task.outcome {
                Outcome::Complete => {
                    data["progress"] = json!(100);
                    let expires = completed + self.config.url_ttl.as_secs() as i64;
                    let url = |file: &str| media_url(state, id, file, expires);
                    let mut urls = vec![url("video.mp4")];
                    if self.config.dead_first_url {
                        urls.insert(0, url("gone.mp4"));
                    }
                    let reported = expires + self.config.expires_skew_secs;
                    let mut result = json!({
                        "videos": [{"url": urls, "expires_at": reported}],
                        "thumbnail_url": url("last_frame.png"),
                    });
                    if task.return_last_frame {
                        if self.config.shapes.last_frame_in_content {
                            result["content"] = json!({"last_frame_url": url("last_frame.png")});
                        } else {
                            result["last_frame_url"] = json!(url("last_frame.png"));
                        }
                    }
                    data["result"] = result;
                    // The simulator's own price: 0.1 per charged video-second.
                    let cost = (task.charged * 0.1 * 10_000.0).round() / 10_000.0;
                    data["cost"] = if self.config.shapes.cost_as_string {
                        json!(format!("{cost:.4}"))
                    } else {
                        json!(cost)
                    };
                    data["credits_cost"] = json!(task.charged.round());
                    "completed"
                }
                Outcome::Fail(message) => {
                    data["progress"] = json!(100);
                    data["cost"] = json!(0);
                    data["error"] =
                        json!({"code": "task_failed", "message": message, "type": "server_error"});
                    "failed"
                }
                Outcome::Cancel => "cancelled",
                Outcome::Status(s) => s.as_str(),
            }
        };
        data["status"] = json!(self.config.status_spelling.spell(status));
        if self.config.shapes.no_envelope {
            return ok_json(data);
        }
        ok_json(json!({"code": 200, "data": data}))
    }

    /// Handles a media request for `url`; `has_authorization` says whether
    /// the request carried an `Authorization` header (it never should).
    pub fn fetch(&self, url: &str, has_authorization: bool) -> MediaReply {
        let mut state = self.lock();
        state.stats.media_requests += 1;
        if has_authorization {
            state.stats.media_requests_with_auth += 1;
        }
        let fault = state
            .scripted
            .get_mut(&Route::Media)
            .and_then(VecDeque::pop_front);
        if let Some(reply) = fault.as_ref().and_then(pre_effect) {
            return MediaReply::Api(reply);
        }
        let Some((task_id, file, expires, sig)) = parse_media_url(&state.media_base, url) else {
            return MediaReply::Api(respond(not_found()));
        };
        if sig != signature(state.secret, task_id, file, expires) {
            return MediaReply::Api(respond(access_denied("Signature does not match")));
        }
        if self.unix_now() >= expires {
            return MediaReply::Api(respond(access_denied("Request has expired")));
        }
        if let Some(upload) = state.uploads.get(task_id) {
            let mut headers = Headers::new();
            headers.insert("Content-Type", upload.content_type);
            return MediaReply::Body(MediaBody {
                status: 200,
                headers,
                content_length: upload.bytes.len() as u64,
                head: upload.bytes.clone(),
                padding: 0,
                truncate_at: None,
                bytes_per_second: self.config.media_bytes_per_second,
            });
        }
        let Some(task) = state.tasks.get(task_id) else {
            return MediaReply::Api(respond(not_found()));
        };
        let (head, padding, content_type) = match file {
            "video.mp4" => {
                let (head, padding) = media::video(&task.tag, self.config.video_padding_bytes);
                (head, padding, "video/mp4")
            }
            "last_frame.png" => (media::last_frame(&task.tag), 0, "image/png"),
            _ => return MediaReply::Api(respond(not_found())),
        };
        if fault == Some(Fault::HtmlInsteadOfMedia) {
            let mut headers = Headers::new();
            headers.insert("Content-Type", "text/html");
            return MediaReply::Api(respond(ApiResponse {
                status: 200,
                headers,
                body: Bytes::from_static(
                    b"<!DOCTYPE html><html><body><h1>Almost there</h1><p>Your download will start shortly.</p></body></html>",
                ),
            }));
        }
        if fault == Some(Fault::GzipEncoded) {
            let mut plain = head.to_vec();
            plain.resize(plain.len() + padding as usize, 0);
            let gz = media::gzip(&plain);
            let mut headers = Headers::new();
            headers.insert("Content-Type", content_type);
            headers.insert("Content-Encoding", "gzip");
            return MediaReply::Body(MediaBody {
                status: 200,
                headers,
                content_length: gz.len() as u64,
                head: Bytes::from(gz),
                padding: 0,
                truncate_at: None,
                bytes_per_second: self.config.media_bytes_per_second,
            });
        }
        let full = head.len() as u64 + padding;
        let (content_length, truncate_at, padding) = match fault {
            Some(Fault::ShortBody) => (full, Some(full / 2), padding),
            Some(Fault::LongBody) => (full, None, padding + 1024),
            _ => (full, None, padding),
        };
        let mut headers = Headers::new();
        headers.insert("Content-Type", content_type);
        MediaReply::Body(MediaBody {
            status: 200,
            headers,
            content_length,
            head,
            padding,
            truncate_at,
            bytes_per_second: self.config.media_bytes_per_second,
        })
    }
}

fn respond(response: ApiResponse) -> SimReply {
    SimReply::Respond {
        response,
        delay: Duration::ZERO,
    }
}

/// Faults that end the exchange before the request has any effect.
fn pre_effect(fault: &Fault) -> Option<SimReply> {
    Some(match fault {
        Fault::Status(code) => {
            let kind = if *code >= 500 {
                "server_error"
            } else {
                "invalid_request_error"
            };
            respond(error_response(
                *code,
                kind,
                "Internal server error, please try again later",
            ))
        }
        Fault::RateLimited { retry_after } => {
            let mut r = error_response(
                429,
                "rate_limit_error",
                "Too many requests. Please try again later",
            );
            if let Some(s) = retry_after {
                r.headers.insert("Retry-After", s.to_string());
            }
            respond(r)
        }
        Fault::HtmlPage(code) => {
            let mut headers = Headers::new();
            headers.insert("Content-Type", "text/html");
            respond(ApiResponse {
                status: *code,
                headers,
                body: Bytes::from(format!(
                    "<html><body><h1>{code} Bad Gateway</h1><hr>nginx</body></html>"
                )),
            })
        }
        Fault::Refuse => SimReply::Refuse,
        Fault::DropBeforeHandling => SimReply::Drop,
        Fault::Hang => SimReply::Hang,
        _ => return None,
    })
}

/// Faults applied to a response after the request took effect.
fn post_effect(fault: Option<Fault>, response: ApiResponse) -> SimReply {
    match fault {
        Some(Fault::StatusAfterHandling(code)) => respond(error_response(
            code,
            if code >= 500 {
                "server_error"
            } else {
                "invalid_request_error"
            },
            "Upstream service error, please try again later",
        )),
        Some(Fault::OversizedBody) if response.status == 200 => {
            let mut body = response.body.to_vec();
            // Valid JSON, just far too large: padding inside a string.
            body.truncate(body.len().saturating_sub(1));
            body.extend_from_slice(b",\"padding\":\"");
            body.resize(body.len() + 5 * 1024 * 1024, b'x');
            body.extend_from_slice(b"\"}");
            respond(ApiResponse {
                body: Bytes::from(body),
                ..response
            })
        }
        Some(Fault::CutBody) => SimReply::CutBody { response },
        Some(Fault::CompletedWithoutResult) if response.status == 200 => {
            let mut v: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
            if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                data.remove("result");
                data.insert("status".into(), json!("completed"));
                data.insert("progress".into(), json!(100));
            }
            respond(ApiResponse {
                body: Bytes::from(v.to_string()),
                ..response
            })
        }
        Some(Fault::DropAfterHandling) => SimReply::Drop,
        Some(Fault::HangAfterHandling) => SimReply::Hang,
        Some(Fault::Malformed) if response.status == 200 => respond(ApiResponse {
            body: Bytes::from_static(b"{\"code\":200,\"data\":[{\"status\":\"subm"),
            ..response
        }),
        Some(Fault::WrongShape) if response.status == 200 => respond(ApiResponse {
            body: Bytes::from_static(b"{\"code\":200,\"data\":{\"unexpected\":true}}"),
            ..response
        }),
        Some(Fault::Slow(delay)) => SimReply::Respond { response, delay },
        _ => respond(response),
    }
}

fn json_headers() -> Headers {
    let mut h = Headers::new();
    h.insert("Content-Type", "application/json");
    h
}

fn ok_json(v: Value) -> ApiResponse {
    ApiResponse {
        status: 200,
        headers: json_headers(),
        body: Bytes::from(v.to_string()),
    }
}

/// The documented error body.
pub(crate) fn error_response(status: u16, kind: &str, message: &str) -> ApiResponse {
    ApiResponse {
        status,
        headers: json_headers(),
        body: Bytes::from(
            json!({"error": {"code": status, "message": message, "type": kind}}).to_string(),
        ),
    }
}

fn access_denied(message: &str) -> ApiResponse {
    let mut headers = Headers::new();
    headers.insert("Content-Type", "application/xml");
    ApiResponse {
        status: 403,
        headers,
        body: Bytes::from(format!(
            "<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
        )),
    }
}

fn not_found() -> ApiResponse {
    let mut headers = Headers::new();
    headers.insert("Content-Type", "application/xml");
    ApiResponse {
        status: 404,
        headers,
        body: Bytes::from_static(b"<Error><Code>NoSuchKey</Code></Error>"),
    }
}

fn signature(secret: u64, task_id: &str, file: &str, expires: i64) -> String {
    let digest = Sha256::digest(format!("{secret}/{task_id}/{file}/{expires}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn media_url(state: &State, task_id: &str, file: &str, expires: i64) -> String {
    let sig = signature(state.secret, task_id, file, expires);
    format!(
        "{}/media/{task_id}/{file}?expires={expires}&sig={sig}",
        state.media_base
    )
}

fn parse_media_url<'a>(base: &str, url: &'a str) -> Option<(&'a str, &'a str, i64, &'a str)> {
    let rest = url.strip_prefix(base)?.strip_prefix("/media/")?;
    let (path, query) = rest.split_once('?')?;
    let (task_id, file) = path.split_once('/')?;
    let mut expires = None;
    let mut sig = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("expires", v)) => expires = v.parse().ok(),
            Some(("sig", v)) => sig = Some(v),
            _ => {}
        }
    }
    Some((task_id, file, expires?, sig?))
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator::new(SimConfig::default())
    }
}
