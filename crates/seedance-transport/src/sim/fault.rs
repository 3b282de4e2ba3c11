//! Faults the simulator can inject, scripted (one-shot, in order) or drawn at
//! random from configured rates.

use std::time::Duration;

/// Which endpoint a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /v1/videos/generations`.
    Submit,
    /// `GET /v1/tasks/{id}`.
    Status,
    /// A media download.
    Media,
    /// `POST /v1/uploads/images`.
    Upload,
}

/// A fault on one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and the documented error body, doing nothing.
    Status(u16),
    /// Answer 429, with `Retry-After: n` when given.
    RateLimited {
        /// Seconds for the `Retry-After` header.
        retry_after: Option<u64>,
    },
    /// An HTML error page from a proxy, with this status, doing nothing.
    HtmlPage(u16),
    /// Refuse the connection: nothing is sent.
    Refuse,
    /// Cut the connection after the request arrived, before acting on it.
    DropBeforeHandling,
    /// Act on the request (create the task, charge it), then cut the
    /// connection before the response: the client cannot know.
    DropAfterHandling,
    /// Accept the request and never answer, doing nothing.
    Hang,
    /// Act on the request, then never answer.
    HangAfterHandling,
    /// Act on the request, then answer 200 with a body that is not JSON.
    Malformed,
    /// Act on the request, then answer 200 with JSON of the wrong shape.
    WrongShape,
    /// Answer normally after this delay.
    Slow(Duration),
    /// Media only: send fewer bytes than the `Content-Length`, then cut.
    ShortBody,
    /// Media only: send more bytes than the `Content-Length`.
    LongBody,
    /// Act on the request (create and charge the task), then answer this
    /// status with the documented error body: a gateway whose upstream
    /// accepted the job but whose own answer failed (502, 504...).
    StatusAfterHandling(u16),
    /// Act on the request, then answer 200 with a body larger than any
    /// client's response cap (5 MiB of JSON).
    OversizedBody,
    /// Act on the request, then cut the response body midway (a
    /// `Content-Length` longer than what is sent).
    CutBody,
    /// Status only: answer `completed` with no `result` (seen once on the
    /// live service), whatever the task's real state.
    CompletedWithoutResult,
    /// Answer 401 with a message that echoes the `Authorization` header
    /// the client sent ("Invalid token: Bearer sk-...").
    EchoKey,
    /// Media only: answer 200 with an HTML page instead of the file.
    HtmlInsteadOfMedia,
    /// Media only: send the file gzip-encoded, with `Content-Encoding: gzip`.
    GzipEncoded,
}

impl Fault {
    /// Whether the request takes effect despite the fault.
    pub fn takes_effect(&self) -> bool {
        matches!(
            self,
            Fault::DropAfterHandling
                | Fault::HangAfterHandling
                | Fault::Malformed
                | Fault::WrongShape
                | Fault::Slow(_)
                | Fault::ShortBody
                | Fault::LongBody
                | Fault::StatusAfterHandling(_)
                | Fault::OversizedBody
                | Fault::CutBody
                | Fault::CompletedWithoutResult
                | Fault::GzipEncoded
        )
    }
}

/// Random fault rates (each a probability per exchange, 0 to 1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultRates {
    /// 500/502/503/504 on API calls.
    pub server_error: f64,
    /// Responses delayed by `slow_delay`.
    pub slow: f64,
    /// How long a slow response takes.
    pub slow_delay: Duration,
    /// Connections cut (half before, half after handling).
    pub cut: f64,
    /// 200 responses with a malformed body (after handling).
    pub malformed: f64,
    /// Tasks that end `failed` instead of `completed`.
    pub task_failure: f64,
}

impl Fault {
    /// Parses a fault as `mock-server --fault` takes it: `status:503`,
    /// `status-after:502`, `rate-limited[:SECS]`, `html:502`, `refuse`,
    /// `drop-before`, `drop-after`, `hang`, `hang-after`, `malformed`,
    /// `wrong-shape`, `slow:MS`, `short-body`, `long-body`, `oversized`,
    /// `cut-body`, `completed-without-result`, `echo-key`, `html-media`,
    /// `gzip`.
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (name, arg) = text.split_once(':').unwrap_or((text, ""));
        let number = |what: &str| -> Result<u64, String> {
            arg.parse()
                .map_err(|_| format!("`{text}`: {what} needs a number after `:`"))
        };
        let status = |what: &str| -> Result<u16, String> {
            let n = number(what)?;
            u16::try_from(n)
                .ok()
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| format!("`{text}`: {n} is not an HTTP status"))
        };
        Ok(match name {
            "status" => Fault::Status(status("status")?),
            "status-after" => Fault::StatusAfterHandling(status("status-after")?),
            "rate-limited" => Fault::RateLimited {
                retry_after: if arg.is_empty() {
                    None
                } else {
                    Some(number("rate-limited")?)
                },
            },
            "html" => Fault::HtmlPage(status("html")?),
            "refuse" => Fault::Refuse,
            "drop-before" => Fault::DropBeforeHandling,
            "drop-after" => Fault::DropAfterHandling,
            "hang" => Fault::Hang,
            "hang-after" => Fault::HangAfterHandling,
            "malformed" => Fault::Malformed,
            "wrong-shape" => Fault::WrongShape,
            "slow" => Fault::Slow(Duration::from_millis(number("slow")?)),
            "short-body" => Fault::ShortBody,
            "long-body" => Fault::LongBody,
            "oversized" => Fault::OversizedBody,
            "cut-body" => Fault::CutBody,
            "completed-without-result" => Fault::CompletedWithoutResult,
            "echo-key" => Fault::EchoKey,
            "html-media" => Fault::HtmlInsteadOfMedia,
            "gzip" => Fault::GzipEncoded,
            other => return Err(format!("unknown fault `{other}`")),
        })
    }
}

/// Parses a scripted fault as `mock-server --fault` takes it:
/// `ROUTE:FAULT[xN]`, with ROUTE `submit`, `status` or `media`, e.g.
/// `submit:status-after:502`, `status:status:503x8`, `media:gzip`.
pub fn parse_scripted(text: &str) -> Result<(Route, Fault, usize), String> {
    let (route, rest) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}`: expected ROUTE:FAULT, e.g. submit:status-after:502"))?;
    let route = match route {
        "submit" => Route::Submit,
        "status" => Route::Status,
        "media" => Route::Media,
        "upload" => Route::Upload,
        other => {
            return Err(format!(
                "unknown route `{other}` (submit, status, media, upload)"
            ));
        }
    };
    let (fault, times) = match rest.rsplit_once('x') {
        Some((f, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            (f, n.parse().map_err(|_| format!("`{text}`: bad count"))?)
        }
        _ => (rest, 1),
    };
    Ok((route, Fault::parse(fault)?, times))
}
