//! The typed client: submit, status, wait, download and generate, with
//! retries, over any [`Transport`].

mod account;
mod assets;
mod call;
mod digest;
mod download;
mod error;
mod idempotent;
mod naming;
mod provider;
mod retry;
mod upload;
mod wait;

pub use account::{
    ACCOUNT_BALANCE_PATH, KEY_BALANCE_PATH, MODEL_SCHEMA_PATH, MODELS_PATH, PRICING_PATH,
    VIDEO_OPERATION,
};
pub use assets::{ASSET_POLL_INTERVAL, AssetTask};
pub use digest::DigestStream;
pub use download::Download;
pub use error::{ClientError, SubmitPhase};
pub use idempotent::{IdempotencySupport, KeyedResend};
pub use naming::{
    is_temp_file_of, last_frame_file_name, remove_stale_temp_files, safe_file_stem, temp_file_name,
    video_file_name,
};
pub use provider::{CancelRefusal, INLINE_HOST, TaskPage};
pub use upload::{
    UPLOAD_MAX_BYTES, UPLOAD_PATH, UPLOAD_URL_TTL_SECS, UploadRefusal, UploadedImage,
    check_uploadable,
};
pub use wait::WaitEvent;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seedance_core::digest::DigestAlgorithm;
use seedance_core::pacing::{Pacer, PacerConfig};
use seedance_core::provider::ProviderKind;
use seedance_core::provider::ark::TokenPriceTable;
use seedance_core::rng::SplitMix64;
use seedance_core::{
    Calibration, GenerationRequest, IdempotencyKey, PollConfig, RetryConfig, Task, Violation,
};

use crate::transport::Transport;
use crate::wire;

/// Path of apimart's generation endpoint (Ark's:
/// [`ProviderKind::submit_path`]).
pub const SUBMIT_PATH: &str = "/v1/videos/generations";
/// Path prefix of apimart's task endpoint (Ark's: [`ProviderKind::task_path`]).
pub const TASK_PATH: &str = "/v1/tasks/";

/// Client behaviour. `Default` suits interactive use and long batches alike.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// Retries of 429, 5xx and network failures.
    pub retry: RetryConfig,
    /// The poll schedule.
    pub poll: PollConfig,
    /// Longest wait for one API response (also bounds a server that never answers).
    pub request_timeout: Duration,
    /// Longest `wait` for a task to finish.
    pub wait_timeout: Duration,
    /// Longest wait for the next chunk of a download.
    pub download_idle_timeout: Duration,
    /// Resend a submit whose outcome is unknown (timeout or cut connection
    /// after sending) even where no idempotency key makes that safe. Off by
    /// default: it may pay twice.
    pub resubmit_when_uncertain: bool,
    /// When an uncertain submit is resent with its `Idempotency-Key`: once
    /// the service has shown that it honours keys (the default).
    pub keyed_resend: KeyedResend,
    /// Largest API response body accepted.
    pub max_response_bytes: usize,
    /// Largest download accepted.
    pub max_download_bytes: u64,
    /// Consecutive unreadable status responses tolerated while waiting.
    pub max_bad_polls: u32,
    /// How long after a wait starts a 404 for its task still means "not
    /// visible yet" (a gateway can lag behind the submit) rather than
    /// "no such task".
    pub unknown_task_grace: Duration,
    /// Seed of retry and poll jitter.
    pub jitter_seed: u64,
    /// Adaptive spacing of submits after a 429, shared by every concurrent
    /// submit through this client.
    pub pacing: PacerConfig,
    /// With a webhook inbox attached ([`Client::with_webhook_inbox`]): the
    /// longest a wait goes without polling while it waits for a push.
    pub webhook_fallback_poll: Duration,
    /// The hash every download is recorded with. BLAKE3 by default: it keeps
    /// up with any network on any CPU. SHA-256 (to compare with a published
    /// `sha256sum`) bounds a download at the CPU's SHA-256 speed, about
    /// 200-350 MiB/s without SHA extensions.
    pub download_digest: DigestAlgorithm,
    /// The service spoken to: apimart (the default), Volcengine Ark or
    /// BytePlus ModelArk. Every wire decision follows it (paths, bodies,
    /// parsers, which answers prove a submit made no task); the transport
    /// only needs the matching base URL and key.
    pub provider: ProviderKind,
    /// Token prices for a provider that bills tokens; `None`: the built-in
    /// table of the provider ([`TokenPriceTable::builtin`]).
    pub token_prices: Option<TokenPriceTable>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            retry: RetryConfig::default(),
            poll: PollConfig::default(),
            request_timeout: Duration::from_secs(60),
            wait_timeout: Duration::from_secs(30 * 60),
            download_idle_timeout: Duration::from_secs(60),
            resubmit_when_uncertain: false,
            keyed_resend: KeyedResend::default(),
            max_response_bytes: 4 * 1024 * 1024,
            max_download_bytes: 16 * 1024 * 1024 * 1024,
            max_bad_polls: 5,
            unknown_task_grace: Duration::from_secs(20),
            jitter_seed: 0x5EED,
            pacing: PacerConfig::default(),
            download_digest: DigestAlgorithm::default(),
            webhook_fallback_poll: Duration::from_secs(60),
            provider: ProviderKind::default(),
            token_prices: None,
        }
    }
}

/// A source of unix time (seconds), used to check result expiry. Injectable
/// so tests can share the simulator's clock.
pub type UnixClock = Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// An accepted submission.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Submitted {
    /// The task id to poll.
    pub task_id: String,
    /// Validation warnings of the request sent.
    pub warnings: Vec<Violation>,
    /// The `Idempotency-Key` it was sent with (apimart; a provider without
    /// idempotency keys, Ark, is sent none and this key is only recorded).
    pub idempotency_key: IdempotencyKey,
    /// The service answered `Idempotency-Replayed: true`: this is the task
    /// an earlier send of the same key created, not a new one.
    pub replayed: bool,
    /// The submit was resent after an uncertain outcome and the answer did
    /// not confirm a replay: if the service ignored the key, an earlier send
    /// may also have created (and billed) a task.
    pub resent_unconfirmed: bool,
    /// The service's `request_id` for the answer, when it sent one.
    pub request_id: Option<String>,
}

/// What [`Client::generate`] produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The completed task.
    pub task: Task,
    /// The video file.
    pub video: Download,
    /// The last frame image, when the request asked for it.
    pub last_frame: Option<Download>,
}

/// The Seedance client. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Client {
    transport: Arc<dyn Transport>,
    config: ClientConfig,
    rng: Mutex<SplitMix64>,
    clock: UnixClock,
    pacer: Mutex<Pacer>,
    origin: tokio::time::Instant,
    /// How this service's estimates relate to actual times, learned from
    /// finished tasks; narrows the poll schedule's window.
    calibration: Mutex<Calibration>,
    /// Each task submitted through this client and not yet seen finished:
    /// its model (calibration is per model) and when it was submitted (the
    /// poll schedule counts from there).
    submissions: Mutex<std::collections::HashMap<String, Submission>>,
    /// What answers have shown of idempotency support.
    idempotency: idempotent::SupportCell,
    /// Pushed statuses, when a webhook listener feeds this client.
    webhooks: std::sync::OnceLock<Arc<crate::webhook::WebhookInbox>>,
    /// Local images to send inline (providers that take them so).
    inline: provider::InlineImages,
}

/// What the client remembers of a task it submitted.
#[derive(Debug, Clone)]
pub(crate) struct Submission {
    pub(crate) model: String,
    /// When this client submitted it; `None` for a task submitted
    /// elsewhere ([`Client::remember_task`]).
    pub(crate) at: Option<tokio::time::Instant>,
    /// Whether it sent a reference video (Ark's lower token rate).
    pub(crate) with_video: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client over `transport` with the default configuration.
    pub fn new(transport: impl Transport + 'static) -> Self {
        Client::with_config(Arc::new(transport), ClientConfig::default())
    }

    /// A client over a shared transport with `config`.
    pub fn with_config(transport: Arc<dyn Transport>, config: ClientConfig) -> Self {
        let rng = Mutex::new(SplitMix64::new(config.jitter_seed));
        let pacer = Mutex::new(Pacer::new(config.pacing.clone()));
        Client {
            transport,
            config,
            rng,
            clock: Arc::new(system_unix_now),
            pacer,
            origin: tokio::time::Instant::now(),
            calibration: Mutex::new(Calibration::default()),
            submissions: Mutex::new(std::collections::HashMap::new()),
            idempotency: idempotent::SupportCell::default(),
            webhooks: std::sync::OnceLock::new(),
            inline: provider::InlineImages::default(),
        }
    }

    /// Starts from a calibration learned earlier (the CLI keeps one in a
    /// cache file): how the service's `estimated_time` relates to actual
    /// generation times, per model.
    pub fn with_calibration(self, calibration: Calibration) -> Self {
        *self.calibration.lock().unwrap_or_else(|e| e.into_inner()) = calibration;
        self
    }

    /// The calibration as learned so far (to save between runs).
    pub fn calibration(&self) -> Calibration {
        self.calibration
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn submission(&self, task_id: &str) -> Option<Submission> {
        self.submissions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(task_id)
            .cloned()
    }

    /// Tells the client what a task it did not submit was sent with (a run
    /// resumed in a new process): its `model` and whether the request
    /// carried a reference video. A provider that bills tokens prices the
    /// task at that model's rate (Ark's rate with a reference video is
    /// lower), and the wait's calibration is the model's. A task this
    /// client submitted itself is left as it is.
    pub fn remember_task(&self, task_id: &str, model: &str, with_video: bool) {
        self.submissions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(task_id.to_owned())
            .or_insert_with(|| Submission {
                model: model.to_owned(),
                at: None,
                with_video,
            });
    }

    pub(crate) fn forget_submission(&self, task_id: &str) {
        self.submissions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(task_id);
    }

    pub(crate) fn ratio_range(&self, model: Option<&str>) -> Option<(f64, f64)> {
        self.calibration
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ratio_range(model)
    }

    pub(crate) fn learn(&self, model: Option<&str>, estimate: f64, actual: f64) {
        self.calibration
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(model.unwrap_or("*"), estimate, actual);
    }

    /// Feeds this client the pushes a webhook listener receives: a wait
    /// wakes as soon as its task's push says it ended (then confirms with a
    /// status read), and in between polls at most every
    /// `ClientConfig::webhook_fallback_poll`, in case a push never comes.
    pub fn with_webhook_inbox(self, inbox: Arc<crate::webhook::WebhookInbox>) -> Self {
        self.attach_webhook_inbox(inbox);
        self
    }

    /// [`Client::with_webhook_inbox`] for a client already shared. Returns
    /// `false` (and changes nothing) when an inbox was attached before.
    pub fn attach_webhook_inbox(&self, inbox: Arc<crate::webhook::WebhookInbox>) -> bool {
        self.webhooks.set(inbox).is_ok()
    }

    /// Sleeps until `wake`, or until a webhook push says `task_id` ended
    /// (when an inbox is attached; the sleep is then stretched to the
    /// fallback poll interval, capped by `deadline`).
    pub(crate) async fn sleep_or_push(
        &self,
        task_id: &str,
        wake: tokio::time::Instant,
        deadline: tokio::time::Instant,
    ) {
        match self.webhooks.get() {
            None => tokio::time::sleep_until(wake).await,
            // A push said the task ended but the status read did not
            // confirm it (early, or forged): the normal schedule, so a
            // lying push cannot make the wait spin.
            Some(inbox) if inbox.says_ended(task_id) => tokio::time::sleep_until(wake).await,
            Some(inbox) => {
                let stretched = wake
                    .max(tokio::time::Instant::now() + self.config.webhook_fallback_poll)
                    .min(deadline);
                tokio::select! {
                    () = tokio::time::sleep_until(stretched) => {}
                    () = inbox.ended(task_id) => {}
                }
            }
        }
    }

    /// Replaces the unix clock used for expiry checks.
    pub fn with_unix_clock(mut self, clock: UnixClock) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The transport.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    /// The current unix time by this client's clock (used for expiry checks).
    pub fn unix_now(&self) -> i64 {
        (self.clock)()
    }

    pub(crate) fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn since_origin(&self) -> Duration {
        self.origin.elapsed()
    }

    /// 64 random bits for idempotency keys: from std's randomly seeded
    /// hasher and a process-wide counter, never from the jitter generator
    /// (whose seed is fixed for reproducible tests, so two clients would
    /// send the same key).
    pub(crate) fn random_u64(&self) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static DRAWN: AtomicU64 = AtomicU64::new(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(DRAWN.fetch_add(1, Ordering::Relaxed));
        h.write_u32(std::process::id());
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        h.finish()
    }

    pub(crate) fn jitter(&self) -> f64 {
        self.rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_unit()
    }

    /// Fetches a task's status, retrying within `ClientConfig::retry`
    /// what a read may repeat: 408, 429, 5xx, network failures, and
    /// unusable answers (over the size cap, cut, not JSON, an HTML page,
    /// the wrong shape).
    pub async fn task(&self, task_id: &str) -> Result<Task, ClientError> {
        self.task_in(task_id, None).await
    }

    /// [`Client::task`], asking for messages in `language` (`en`, `zh`,
    /// `ko` or `ja`: the documented `language` query parameter).
    pub async fn task_in(
        &self,
        task_id: &str,
        language: Option<&str>,
    ) -> Result<Task, ClientError> {
        self.call_parsed(
            self.task_call(task_id, language),
            call::Idempotency::Idempotent,
            |r| self.parse_task(r),
        )
        .await
    }

    /// One status request, no retry: what a wait polls with, so that its
    /// own patience is the only retry layer.
    pub(crate) async fn task_once(&self, task_id: &str) -> Result<Task, retry::Failed> {
        let response = self
            .exchange(
                &self.task_call(task_id, None),
                call::Idempotency::Idempotent,
            )
            .await?;
        self.parse_task(&response)
            .map_err(|e| retry::Failed::new(e, retry::Verdict::Unusable))
    }

    fn parse_task(&self, response: &wire::ApiResponse) -> Result<Task, ClientError> {
        let task = self.parse_task_answer(&response.body).map_err(|e| {
            ClientError::UnexpectedResponse {
                status: response.status,
                detail: self.transport.redact(&e.to_string()).into_owned(),
            }
        })?;
        // Server text is shown, logged and stored in manifests: no key in it.
        Ok(self.redacted(task))
    }

    /// Submits, waits and downloads the video (and the last frame when the
    /// request asks for it) into `out_dir`, named after the task id.
    pub async fn generate(
        &self,
        request: &GenerationRequest,
        out_dir: &Path,
    ) -> Result<Generated, ClientError> {
        let submitted = self.submit(request).await?;
        self.finish(&submitted.task_id, out_dir, |_| {}).await
    }

    /// Waits for an existing task and downloads its files into `out_dir`.
    pub async fn finish(
        &self,
        task_id: &str,
        out_dir: &Path,
        on_event: impl FnMut(&WaitEvent) + Send,
    ) -> Result<Generated, ClientError> {
        let task = self.wait_with(task_id, on_event).await?;
        let result = task
            .result
            .as_ref()
            .ok_or_else(|| ClientError::UnexpectedResponse {
                status: 200,
                detail: format!("task {task_id} completed without a result"),
            })?;
        let urls: Vec<&str> = result.video_urls().collect();
        let expires = result.expires_at();
        naming::remove_stale_temp_files(out_dir, &naming::safe_file_stem(task_id)).await;
        let video = self
            .download_first_live(&urls, &video_path(out_dir, task_id), expires)
            .await?;
        let last_frame = match &result.last_frame_url {
            Some(u) => Some(
                self.download(u, &last_frame_path(out_dir, task_id), expires)
                    .await?,
            ),
            None => None,
        };
        Ok(Generated {
            task,
            video,
            last_frame,
        })
    }
}

/// Where [`Client::generate`] and [`Client::finish`] put a task's video:
/// `{task id}.mp4`, the id made safe as a file name.
pub fn video_path(out_dir: &Path, task_id: &str) -> PathBuf {
    out_dir.join(video_file_name(&safe_file_stem(task_id)))
}

/// Where they put a task's last frame: `{task id}_last_frame.png`.
pub fn last_frame_path(out_dir: &Path, task_id: &str) -> PathBuf {
    out_dir.join(last_frame_file_name(&safe_file_stem(task_id)))
}
