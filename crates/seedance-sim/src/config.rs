//! What the simulator is told to be: timing, limits, response shapes, the
//! spelling of statuses and how progress rises. `Default` is a healthy
//! service with generous limits; `quick()` and `instant()` shorten time.

use std::time::Duration;

use crate::fault::FaultRates;
use crate::rate_limit::RateLimiter;

/// The key the simulator accepts unless configured otherwise.
pub const DEFAULT_SIM_KEY: &str = "sk-simulator";

/// How long generation takes: log-normal around a median, clipped.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationTime {
    /// Median generation time, seconds.
    pub median_secs: f64,
    /// Spread (sigma of the underlying normal); 0 makes every task take the median.
    pub sigma: f64,
    /// Shortest, seconds.
    pub min_secs: f64,
    /// Longest, seconds.
    pub max_secs: f64,
}

impl Default for GenerationTime {
    fn default() -> Self {
        GenerationTime {
            median_secs: 90.0,
            sigma: 0.45,
            min_secs: 20.0,
            max_secs: 600.0,
        }
    }
}

/// Simulator settings. `Default` behaves like a healthy service with
/// generous limits.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// The bearer key accepted.
    pub api_key: String,
    /// Prepaid balance in video-seconds at 720p (480p costs half, 1080p
    /// double, 4k four times); `None` is unlimited.
    pub balance_video_seconds: Option<f64>,
    /// Submits accepted per second; `None` is unlimited.
    pub submits_per_second: Option<u32>,
    /// How submits are limited to `submits_per_second`.
    pub rate_limiter: RateLimiter,
    /// Generation time distribution.
    pub generation: GenerationTime,
    /// Queueing before generation starts, seconds (uniform in the range).
    pub queue_secs: (f64, f64),
    /// `estimated_time` is the true generation time scaled by a factor
    /// uniform in `1 ± estimate_error`.
    pub estimate_error: f64,
    /// How long result URLs live after completion (the service: 24 h).
    pub url_ttl: Duration,
    /// Unix time at simulator start; `None` takes the system clock's.
    pub unix_start: Option<i64>,
    /// Extra bytes appended (as an MP4 `free` box) to every video, to
    /// simulate large downloads without memory cost.
    pub video_padding_bytes: u64,
    /// Random fault rates.
    pub faults: FaultRates,
    /// Whether status responses carry `progress` (some services report none).
    pub report_progress: bool,
    /// How `progress` rises with time.
    pub progress_shape: ProgressShape,
    /// When set, `estimated_time` is the truth times a factor log-uniform
    /// between these bounds (the live service: 0.25 to 4), instead of
    /// `1 ± estimate_error`.
    pub estimate_factor: Option<(f64, f64)>,
    /// Media download speed; `None` is as fast as the consumer reads.
    pub media_bytes_per_second: Option<u64>,
    /// How status strings are spelled (the service's, or leaked upstream ones).
    pub status_spelling: StatusSpelling,
    /// Added to every reported `expires_at` (negative: the URLs outlive what
    /// the body says, as a client whose clock runs ahead would see).
    pub expires_skew_secs: i64,
    /// Result URL arrays start with a URL that answers 404.
    pub dead_first_url: bool,
    /// A new task answers 404 to status requests for this long (a gateway
    /// that learns of tasks late).
    pub visibility_delay: Duration,
    /// Error messages echo the `Authorization` header the client sent.
    pub echo_key_in_errors: bool,
    /// Which of the documented response shapes to answer with.
    pub shapes: ResponseShapes,
    /// Ignore `Idempotency-Key` (a service or gateway that does not honour
    /// it): every submit creates a task, no replay is ever reported, and the
    /// response version is not echoed.
    pub ignore_idempotency_keys: bool,
    /// Every task fails this moderation check (its public code and
    /// message), as a service that refuses the content would.
    pub moderation: Option<crate::Moderation>,
    /// What goes wrong with webhook pushes (none by default).
    pub webhook_faults: WebhookFaults,
    /// Ark's face: the most tasks one account may have queued at once
    /// (BytePlus documents 120); a create beyond it answers 429
    /// `QuotaExceeded`.
    pub ark_max_queued: usize,
}

/// Response shapes seen in the documentation and live bodies, beyond the
/// default ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseShapes {
    /// `cost` as a string (`"0.1234"`) instead of a number.
    pub cost_as_string: bool,
    /// Task fields at the top level, without the `data` envelope (an older
    /// documented example).
    pub no_envelope: bool,
    /// The last frame under `result.content.last_frame_url` (upstream's
    /// place) instead of `result.last_frame_url`.
    pub last_frame_in_content: bool,
    /// Submit answers carry `task_info.estimated_time` (object form).
    pub task_info_on_submit: bool,
}

/// How the simulator's `progress` rises over a generation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressShape {
    /// In proportion to time.
    #[default]
    Linear,
    /// Most of it early: `1 - (1 - x)^3`.
    FrontLoaded,
    /// Most of it late: `x^3`.
    Late,
    /// In steps of 25 %.
    Steps,
    /// No `progress` field at all.
    None,
}

impl ProgressShape {
    /// The fraction reported when a fraction `x` of the generation has elapsed.
    pub fn progress(self, x: f64) -> f64 {
        let x = x.clamp(0.0, 1.0);
        match self {
            ProgressShape::Linear | ProgressShape::None => x,
            ProgressShape::FrontLoaded => 1.0 - (1.0 - x).powi(3),
            ProgressShape::Late => x.powi(3),
            ProgressShape::Steps => (x * 4.0).floor() / 4.0,
        }
    }

    /// Parses `linear`, `front`, `late`, `steps` or `none`.
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "linear" => ProgressShape::Linear,
            "front" => ProgressShape::FrontLoaded,
            "late" => ProgressShape::Late,
            "steps" => ProgressShape::Steps,
            "none" => ProgressShape::None,
            other => {
                return Err(format!(
                    "unknown progress shape `{other}` (linear, front, late, steps, none)"
                ));
            }
        })
    }
}

/// How the simulator spells task statuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusSpelling {
    /// apimart's: `pending`, `processing`, `completed`, `failed`.
    #[default]
    Apimart,
    /// Upstream's, leaking through: `queued`, `running`, `succeeded`, `failed`.
    Upstream,
    /// Upper case: `PENDING`, `PROCESSING`, `SUCCESS`, `FAILED`.
    Upper,
    /// Title case: `Pending`, `Processing`, `Completed`, `Failed`.
    Title,
}

impl StatusSpelling {
    /// The spelling of apimart status `status`.
    pub fn spell(self, status: &str) -> String {
        match self {
            StatusSpelling::Apimart => status.to_owned(),
            StatusSpelling::Upstream => match status {
                "pending" => "queued",
                "processing" => "running",
                "completed" => "succeeded",
                other => other,
            }
            .to_owned(),
            StatusSpelling::Upper => match status {
                "completed" => "SUCCESS".to_owned(),
                other => other.to_ascii_uppercase(),
            },
            StatusSpelling::Title => {
                let mut c = status.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        }
    }

    /// Parses `apimart`, `upstream`, `upper` or `title`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "apimart" => Ok(StatusSpelling::Apimart),
            "upstream" => Ok(StatusSpelling::Upstream),
            "upper" => Ok(StatusSpelling::Upper),
            "title" => Ok(StatusSpelling::Title),
            other => Err(format!(
                "unknown spelling `{other}` (apimart, upstream, upper, title)"
            )),
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            api_key: DEFAULT_SIM_KEY.to_owned(),
            balance_video_seconds: None,
            submits_per_second: None,
            rate_limiter: RateLimiter::FixedWindow,
            generation: GenerationTime::default(),
            queue_secs: (0.0, 5.0),
            estimate_error: 0.3,
            url_ttl: Duration::from_secs(24 * 3600),
            unix_start: None,
            video_padding_bytes: 0,
            faults: FaultRates::default(),
            report_progress: true,
            progress_shape: ProgressShape::Linear,
            estimate_factor: None,
            media_bytes_per_second: None,
            status_spelling: StatusSpelling::Apimart,
            expires_skew_secs: 0,
            dead_first_url: false,
            visibility_delay: Duration::ZERO,
            echo_key_in_errors: false,
            shapes: ResponseShapes::default(),
            ignore_idempotency_keys: false,
            moderation: None,
            webhook_faults: WebhookFaults::default(),
            ark_max_queued: seedance_core::provider::ark::MAX_QUEUED_TASKS,
        }
    }
}

impl SimConfig {
    /// This configuration for a service that ignores `Idempotency-Key`
    /// (see [`SimConfig::ignore_idempotency_keys`]).
    pub fn ignoring_idempotency_keys(self) -> Self {
        SimConfig {
            ignore_idempotency_keys: true,
            ..self
        }
    }

    /// A near-instant simulator for loopback tests: tasks take well under a second.
    pub fn instant() -> Self {
        SimConfig {
            generation: GenerationTime {
                median_secs: 0.3,
                sigma: 0.2,
                min_secs: 0.1,
                max_secs: 0.6,
            },
            queue_secs: (0.0, 0.1),
            ..SimConfig::default()
        }
    }

    /// A fast simulator for demos and tests: tasks take a few seconds.
    pub fn quick() -> Self {
        SimConfig {
            generation: GenerationTime {
                median_secs: 3.0,
                sigma: 0.2,
                min_secs: 1.0,
                max_secs: 8.0,
            },
            queue_secs: (0.0, 0.5),
            ..SimConfig::default()
        }
    }
}

/// How pushes are made, and what can go wrong with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFaults {
    /// The waits before each retry of a push that got a 5xx or no answer
    /// (the service: about 10, 30 and 60 s).
    pub retry_delays: Vec<Duration>,
    /// Push every status twice.
    pub duplicate: bool,
    /// After the final status, push a `processing` body (an earlier
    /// status arriving late).
    pub out_of_order: bool,
    /// Never push (the receiver must fall back to polling).
    pub never: bool,
}

impl Default for WebhookFaults {
    fn default() -> Self {
        WebhookFaults {
            retry_delays: vec![
                Duration::from_secs(10),
                Duration::from_secs(30),
                Duration::from_secs(60),
            ],
            duplicate: false,
            out_of_order: false,
            never: false,
        }
    }
}
