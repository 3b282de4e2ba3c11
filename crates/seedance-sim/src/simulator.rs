//! The simulator: routes each API call through auth, faults, rate limiting,
//! the request check, billing and the task lifecycle, and serves media. One
//! lock over plain state; every concern lives in its own module.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use seedance_core::rng::SplitMix64;
use seedance_transport::wire::ApiRequest;
use serde_json::Value;
use tokio::time::Instant;

use crate::billing::Ledger;
use crate::config::SimConfig;
use crate::fault::{Fault, Route};
use crate::media;
use crate::persist;
use crate::rate_limit::LimiterState;
use crate::reply::SimReply;
use crate::signing::UrlSigner;
use crate::stats::SimStats;
use crate::tasks::{Outcome, SimAssetTask, SimTask};
use crate::uploads::SimUpload;

/// The request header that selects apimart's newer response version, in
/// which the submit response's `data` is an object with an `id`.
pub const RESPONSE_VERSION_HEADER: &str = seedance_core::idempotency::RESPONSE_VERSION_HEADER;

/// The media origin used when the simulator is not served over HTTP.
pub(crate) const IN_PROCESS_MEDIA_BASE: &str = "https://media.simulator.invalid";

pub(crate) struct State {
    pub(crate) rng: SplitMix64,
    pub(crate) tasks: HashMap<String, SimTask>,
    pub(crate) next_task: u64,
    pub(crate) stats: SimStats,
    pub(crate) ledger: Ledger,
    pub(crate) limiter: LimiterState,
    pub(crate) scripted: HashMap<Route, VecDeque<Fault>>,
    pub(crate) uploads: HashMap<String, SimUpload>,
    pub(crate) signer: UrlSigner,
    /// Honoured `Idempotency-Key`s and the task each created.
    pub(crate) keys: HashMap<Box<str>, String>,
    /// Asset tasks, by id (kept in memory only: their ids are signed, so
    /// the assets themselves stay known in the next process).
    pub(crate) asset_tasks: HashMap<String, SimAssetTask>,
    /// Schemas served instead of the built-in one, by model (a test hook).
    pub(crate) schema_overrides: HashMap<String, Value>,
    /// Something worth keeping changed since the last snapshot.
    pub(crate) dirty: bool,
    /// Uploads already written to the state directory.
    saved_uploads: std::collections::HashSet<String>,
}

/// The simulator. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Simulator {
    pub(crate) config: Arc<SimConfig>,
    started: Instant,
    unix_start_ms: i64,
    pub(crate) state: Arc<Mutex<State>>,
    /// Woken when a scripted refusal may be waiting (see [`Self::take_refusal`]).
    pub(crate) refusals: Arc<tokio::sync::Notify>,
    pub(crate) renderer: Arc<media::Renderer>,
    /// Where the state is kept between processes, when it is.
    state_dir: Option<Arc<std::path::PathBuf>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("seed", &self.config.seed)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Default for Simulator {
    fn default() -> Self {
        Simulator::new(SimConfig::default())
    }
}

impl Simulator {
    /// A simulator; its clock starts now (tokio time).
    pub fn new(config: SimConfig) -> Self {
        let mut rng = SplitMix64::new(config.seed);
        let secret = rng.next_u64();
        let unix_start_ms = match config.unix_start {
            Some(s) => s * 1000,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
        };
        Simulator {
            started: Instant::now(),
            unix_start_ms,
            state: Arc::new(Mutex::new(State {
                rng,
                tasks: HashMap::new(),
                next_task: 0,
                stats: SimStats::default(),
                ledger: Ledger::new(config.balance_video_seconds),
                limiter: LimiterState::default(),
                scripted: HashMap::new(),
                uploads: HashMap::new(),
                signer: UrlSigner::new(secret, IN_PROCESS_MEDIA_BASE),
                keys: HashMap::new(),
                asset_tasks: HashMap::new(),
                schema_overrides: HashMap::new(),
                dirty: false,
                saved_uploads: Default::default(),
            })),
            config: Arc::new(config),
            refusals: Arc::new(tokio::sync::Notify::new()),
            renderer: Arc::default(),
            state_dir: None,
        }
    }

    /// A simulator whose tasks, uploads and balance are kept in `dir` and
    /// survive the process: the state there, if any, is loaded now, and
    /// every change is written back before its answer is given (by
    /// [`crate::SimTransport`]). The simulator's clock is the system's, so
    /// tasks keep ageing between runs.
    pub fn open(config: SimConfig, dir: &std::path::Path) -> std::io::Result<Self> {
        let restored = persist::load(dir)?;
        let mut sim = Simulator::new(SimConfig {
            unix_start: None,
            ..config
        });
        {
            let mut state = sim.lock();
            state.next_task = restored.next_task;
            if let Some(secret) = restored.secret {
                state.signer.set_secret(secret);
            }
            state.stats = restored.stats;
            state.ledger = Ledger::restored(
                restored.balance.or(sim.config.balance_video_seconds),
                restored.charged,
            );
            for (id, upload) in restored.uploads {
                state.saved_uploads.insert(id.clone());
                state.uploads.insert(id, upload);
            }
            for (id, task) in &restored.tasks {
                if let Some(key) = &task.idempotency_key {
                    state.keys.insert(key.clone(), id.clone());
                }
            }
            state.tasks.extend(restored.tasks);
        }
        sim.state_dir = Some(Arc::new(dir.to_path_buf()));
        Ok(sim)
    }

    /// What to write to the state directory, when something changed.
    pub(crate) fn take_snapshot(&self) -> Option<persist::Snapshot> {
        let dir = self.state_dir.as_ref()?;
        let mut state = self.lock();
        if !state.dirty {
            return None;
        }
        state.dirty = false;
        let mut tasks: Vec<(&String, &SimTask)> = state.tasks.iter().collect();
        tasks.sort_by_key(|(_, t)| t.seq);
        let uploads: Vec<(&String, &SimUpload)> = state.uploads.iter().collect();
        let bytes = persist::encode(
            &tasks,
            &uploads,
            state.next_task,
            state.ledger.charged(),
            state.ledger.balance(),
            &state.stats,
            state.signer.secret(),
        );
        let new_uploads: Vec<(String, Bytes)> = state
            .uploads
            .iter()
            .filter(|(id, _)| !state.saved_uploads.contains(*id))
            .map(|(id, u)| (id.clone(), u.bytes.clone()))
            .collect();
        for (id, _) in &new_uploads {
            state.saved_uploads.insert(id.clone());
        }
        Some(persist::Snapshot {
            dir: dir.as_ref().clone(),
            state: bytes,
            new_uploads,
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every update
        // is a single assignment), so recover from poisoning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The simulator's clock in unix milliseconds (advances with tokio's clock).
    pub(crate) fn now_ms(&self) -> i64 {
        self.unix_start_ms + self.started.elapsed().as_millis() as i64
    }

    /// The simulator's unix time (advances with tokio's clock).
    pub fn unix_now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// What happened so far.
    pub fn stats(&self) -> SimStats {
        let state = self.lock();
        let mut stats = state.stats.clone();
        stats.charged_video_seconds = state.ledger.charged();
        stats
    }

    /// Queues a one-shot fault for the next exchange on `route`.
    pub fn inject(&self, route: Route, fault: Fault) {
        self.lock()
            .scripted
            .entry(route)
            .or_default()
            .push_back(fault);
        self.refusals.notify_one();
    }

    /// Woken when a scripted refusal may have reached the head of a queue.
    pub(crate) fn refusal_signal(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.refusals)
    }

    /// Takes one scripted refusal waiting at the head of any route's queue.
    /// The HTTP face calls this to stop listening for a moment, so that a
    /// refused connection is really refused.
    pub(crate) fn take_refusal(&self) -> bool {
        let mut state = self.lock();
        for queue in state.scripted.values_mut() {
            if queue.front() == Some(&Fault::Refuse) {
                queue.pop_front();
                return true;
            }
        }
        false
    }

    fn with_task(&self, task_id: &str, f: impl FnOnce(&mut SimTask)) {
        let mut state = self.lock();
        if let Some(t) = state.tasks.get_mut(task_id) {
            f(t);
            state.dirty = true;
        }
    }

    /// Makes a task fail with `message` (when it would have completed).
    pub fn fail_task(&self, task_id: &str, message: &str) {
        self.with_task(task_id, |t| {
            t.outcome = Outcome::Fail(message.to_owned(), None);
        });
    }

    /// Makes a task fail moderation the way the service reports it (its
    /// public error code and message); it is refunded like any failure.
    pub fn fail_task_moderated(&self, task_id: &str, why: crate::Moderation) {
        self.with_task(task_id, |t| {
            t.outcome = Outcome::Fail(why.message().to_owned(), Some(why.code().to_owned()));
        });
    }

    /// Makes a task end `cancelled`.
    pub fn cancel_task(&self, task_id: &str) {
        self.with_task(task_id, |t| t.outcome = Outcome::Cancel);
    }

    /// Makes a task report `status` (any string) from now on.
    pub fn set_task_status(&self, task_id: &str, status: &str) {
        self.with_task(task_id, |t| t.outcome = Outcome::Status(status.to_owned()));
    }

    /// Ids of every task created, in order.
    pub fn task_ids(&self) -> Vec<String> {
        let state = self.lock();
        let mut ids: Vec<(u64, &String)> = state.tasks.iter().map(|(id, t)| (t.seq, id)).collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id.clone()).collect()
    }

    /// The request body a task was created from.
    pub fn task_request(&self, task_id: &str) -> Option<Value> {
        self.lock()
            .tasks
            .get(task_id)
            .and_then(|t| serde_json::from_str(&t.request).ok())
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
        self.lock().signer.set_base(base);
    }

    /// The origin media URLs point at.
    pub fn media_base(&self) -> String {
        self.lock().signer.base().to_owned()
    }

    /// Handles an API request; `authorization` is the header's value.
    pub fn handle(&self, request: &ApiRequest, authorization: Option<&str>) -> SimReply {
        self.handle_fetched(request, authorization, None)
    }

    /// [`Simulator::handle`] for a transport that fetched the request's
    /// loopback media links first (as the service fetches inputs):
    /// `dead_link` is the first that did not download, with why.
    pub async fn handle_fetching(
        &self,
        request: &ApiRequest,
        authorization: Option<&str>,
    ) -> SimReply {
        let dead = match (&request.body, request.path.as_str()) {
            (Some(body), "/v1/videos/generations") => {
                crate::reachability::first_dead_link(body, &self.media_base()).await
            }
            _ => None,
        };
        self.handle_fetched(request, authorization, dead)
    }

    fn handle_fetched(
        &self,
        request: &ApiRequest,
        authorization: Option<&str>,
        dead_link: Option<(String, String)>,
    ) -> SimReply {
        let reply = self.route(request, authorization, dead_link);
        // The service's own answers (errors included) carry the response
        // version it speaks; a proxy's HTML page does not.
        match (self.echoed_version(request), reply) {
            (
                Some(version),
                SimReply::Respond {
                    mut response,
                    delay,
                },
            ) if !is_html(&response) => {
                response.headers.insert(RESPONSE_VERSION_HEADER, version);
                SimReply::Respond { response, delay }
            }
            (_, reply) => reply,
        }
    }

    /// The response version this simulator echoes on `request`'s answer:
    /// the one asked for, unless keys are ignored (a service that does not
    /// speak that contract).
    pub(crate) fn echoed_version<'a>(&self, request: &'a ApiRequest) -> Option<&'a str> {
        if self.config.ignore_idempotency_keys {
            return None;
        }
        request.headers.get(RESPONSE_VERSION_HEADER)
    }
}

/// Whether a response is an HTML page (a proxy's, not the service's).
fn is_html(response: &seedance_transport::wire::ApiResponse) -> bool {
    response
        .headers
        .get("content-type")
        .is_some_and(|t| t.contains("html"))
}
