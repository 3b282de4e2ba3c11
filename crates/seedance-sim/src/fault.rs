//! Faults the simulator can inject, scripted (one-shot, in order) or drawn at
//! random from configured rates, and what each does to an exchange: before
//! the request takes effect (nothing created, nothing charged) or after.

use std::time::Duration;

use bytes::Bytes;
use seedance_core::rng::SplitMix64;
use seedance_transport::wire::{ApiResponse, Headers};
use serde_json::{Value, json};

use crate::reply::SimReply;
use crate::responses::{error_response, respond};

/// Which endpoint a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /v1/videos/generations` (Ark's face: `POST .../contents/generations/tasks`).
    Submit,
    /// `GET /v1/tasks/{id}` (Ark's face: a task's `GET`, the list, `DELETE`).
    Status,
    /// A media download.
    Media,
    /// `POST /v1/uploads/images`.
    Upload,
    /// `GET /v1/balance` and `GET /v1/user/balance`.
    Balance,
    /// `GET /v1/models`.
    Models,
    /// `GET /v1/model-schema`.
    Schema,
    /// `GET /api/pricing/model` (no key needed).
    Pricing,
    /// `POST /v1/seedance2/private-avatar`.
    Assets,
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
/// `ROUTE:FAULT[xN]`, with ROUTE `submit`, `status`, `media`, `upload`,
/// `balance`, `models`, `schema`, `pricing` or `assets`, e.g.
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
        "balance" => Route::Balance,
        "models" => Route::Models,
        "schema" => Route::Schema,
        "pricing" => Route::Pricing,
        "assets" => Route::Assets,
        other => {
            return Err(format!(
                "unknown route `{other}` (submit, status, media, upload, balance, models, schema, pricing, assets)"
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

impl FaultRates {
    /// A fault drawn at random for an exchange on `route` (media and the
    /// balance, model list, schema and pricing reads: none, so that adding
    /// those reads to a run leaves its random faults where they were).
    pub(crate) fn draw(&self, rng: &mut SplitMix64, route: Route) -> Option<Fault> {
        if matches!(
            route,
            Route::Media | Route::Balance | Route::Models | Route::Schema | Route::Pricing
        ) {
            return None;
        }
        let u = rng.next_unit();
        let mut acc = self.server_error;
        if u < acc {
            let codes = [500, 502, 503, 504];
            return Some(Fault::Status(codes[(rng.next_u64() % 4) as usize]));
        }
        acc += self.cut;
        if u < acc {
            return Some(if rng.next_unit() < 0.5 {
                Fault::DropBeforeHandling
            } else {
                Fault::DropAfterHandling
            });
        }
        acc += self.malformed;
        if u < acc {
            return Some(Fault::Malformed);
        }
        acc += self.slow;
        if u < acc {
            return Some(Fault::Slow(self.slow_delay));
        }
        None
    }
}

/// Faults that end the exchange before the request has any effect.
pub(crate) fn pre_effect(fault: &Fault) -> Option<SimReply> {
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
pub(crate) fn post_effect(fault: Option<Fault>, response: ApiResponse) -> SimReply {
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
