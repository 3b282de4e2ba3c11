//! # seedance-sim
//!
//! A simulator of the apimart Seedance 2.0 API, for testing code that talks
//! to it without paying: bearer-key check (401), the service's request check
//! (400 naming the first problem, written from the reference independently
//! of `seedance-core`'s validator), a prepaid balance (402), a submit rate
//! limit (429 with `Retry-After`), tasks that queue, progress and complete
//! on tokio's clock (paused-time tests run instantly), results in every
//! response shape the live service is known to use, signed media URLs that
//! expire, an image upload endpoint, and scripted or random faults.
//!
//! The same engine also speaks Ark's dialect (Volcengine Ark, BytePlus
//! ModelArk) at Ark's paths (`/api/v3/contents/generations/tasks`...): its
//! own check of Ark bodies ([`ark_service_check`]), Ark's statuses, error
//! envelope and usage tokens, at most 120 queued tasks per account, a 7-day
//! list and `DELETE` to cancel queued tasks.
//!
//! Serve it in process with [`SimTransport`] (a [`seedance_transport::Transport`])
//! or over loopback HTTP with [`SimServer`]; `seedance mock-server` runs the
//! latter from the command line. docs/simulator.md lists every fault and shape.
//!
//! ```
//! use seedance_core::{GenerationRequest, Model};
//! use seedance_sim::{Fault, Route, SimConfig, SimTransport};
//! use seedance_transport::Client;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap().block_on(async {
//! let transport = SimTransport::with_config(SimConfig::quick());
//! // The gateway fails after the task was created: the client must not pay
//! // twice. This service honours idempotency keys, so the client resends
//! // with the same key and the service replays the task it created.
//! transport.simulator().inject(Route::Submit, Fault::StatusAfterHandling(502));
//! let client = Client::new(transport.clone());
//! let request = GenerationRequest::new(Model::Seedance2Fast).with_prompt("A paper boat drifts downstream");
//! let submitted = client.submit(&request).await.unwrap();
//! assert!(submitted.replayed);
//! assert_eq!(transport.simulator().stats().tasks_created, 1);
//!
//! // A service that ignores keys: the same fault is reported, never resent.
//! let ignoring = SimTransport::with_config(SimConfig::quick().ignoring_idempotency_keys());
//! ignoring.simulator().inject(Route::Submit, Fault::StatusAfterHandling(502));
//! let err = Client::new(ignoring.clone()).submit(&request).await.unwrap_err();
//! assert!(err.may_have_created_task());
//! assert_eq!(ignoring.simulator().stats().tasks_created, 1);
//! # });
//! ```
//!
//! ## Layout
//! Each concern has its module: [`config`] (what the simulator is told to
//! be), `simulator` (routing, one lock over the state), `auth`,
//! `rate_limit`, `request_check`, `billing`, `tasks` (lifecycle and status
//! bodies), `signing` (signed media URLs), `uploads`, `media` (the files),
//! [`fault`] (what can go wrong and when it takes effect), `http` (the
//! hyper server) and `transport` (the in-process [`SimTransport`]).

pub mod config;
pub mod fault;

mod ark_check;
mod ark_face;
mod asset_routes;
mod auth;
mod billing;
mod endpoints;
mod http;
mod live_routes;
mod media;
mod media_routes;
mod model_schema;
mod moderation;
mod persist;
mod rate_limit;
mod reachability;
mod reply;
mod request_check;
mod responses;
mod router;
mod signing;
mod simulator;
mod stats;
mod tasks;
mod transport;
mod uploads;
mod webhooks;

pub use config::{
    DEFAULT_SIM_KEY, GenerationTime, ProgressShape, ResponseShapes, SimConfig, StatusSpelling,
    WebhookFaults,
};
pub use fault::{Fault, FaultRates, Route, parse_scripted};
pub use http::{REFUSAL_WINDOW, STATS_PATH, SimServer};
pub use media::{SAMPLE_MP4, SAMPLE_PNG};
pub use moderation::Moderation;
pub use rate_limit::RateLimiter;
pub use reply::{MediaBody, MediaReply, SimReply};
pub use simulator::{RESPONSE_VERSION_HEADER, Simulator};
pub use stats::SimStats;
pub use transport::SimTransport;

/// Checks a request body as the simulated service does: `Ok(())` when it
/// would be accepted, or the field at fault and the message. Exposed so a
/// test can compare it with a client-side validator; it shares no code with
/// `seedance-core`.
pub fn service_check(body: &serde_json::Value) -> Result<(), (String, String)> {
    request_check::check(body)
        .map(|_| ())
        .map_err(|r| (r.param, r.message))
}

/// [`service_check`] for Ark's face: checks an Ark create body
/// (`content[]`...) as the simulated Ark service does. It shares no code
/// with `seedance-core`'s mapping or validator.
pub fn ark_service_check(body: &serde_json::Value) -> Result<(), (String, String)> {
    ark_check::check(body)
        .map(|_| ())
        .map_err(|r| (r.param, format!("{}: {}", r.code, r.message)))
}
