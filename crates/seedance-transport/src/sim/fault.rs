//! Faults the simulator can inject, scripted (one-shot, in order) or drawn at
//! random from configured rates.

use std::time::Duration;

/// Which endpoint a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /v1/videos/generations`.
    Submit,
    /// `GET /v1/tasks/{id}`.
    Status,
    /// A media download.
    Media,
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
