//! The simulator's HTTP face: two loopback listeners, one for the API and
//! one for media (a second origin, like the real service's CDN), served by
//! hyper's HTTP/1.1 server with keep-alive.
//!
//! Faults stay what a network does, at the socket:
//! - `refuse`: the API listener is closed for [`REFUSAL_WINDOW`] (and idle
//!   keep-alive connections are closed), so connection attempts in that
//!   window get a real "connection refused" and nothing reaches the
//!   service. A scripted refusal is served as soon as it is at the head of
//!   its route's queue, whatever route the refused attempt was for; one
//!   that a request on an already open connection reaches first is served
//!   as a cut before handling (the service did nothing either way).
//! - `drop-before`/`drop-after`: the connection closes without a response.
//! - `hang`: no response until the client gives up (at most ten minutes).
//! - `cut-body`, `short-body`: a `Content-Length` longer than the bytes
//!   sent, then the connection closes.
//! - `slow`: the response after a delay; `--media-rate`: bodies throttled.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use seedance_transport::wire::{ApiRequest, ApiResponse, Headers, Method};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::reply::{MediaBody, MediaReply, SimReply};
use crate::responses::error_response;
use crate::simulator::Simulator;

/// The simulator's own counters (tasks created, requests...), as JSON, for
/// tests that drive it from another process. Not part of the apimart API.
pub const STATS_PATH: &str = "/_sim/stats";

/// How long the API port stays closed for each scripted refusal.
pub const REFUSAL_WINDOW: Duration = Duration::from_millis(250);

/// Large enough for a 20 MB upload plus its multipart framing, and for
/// Ark's 64 MB create bodies (inline images); a larger body is refused.
const MAX_BODY: usize = 72 * 1024 * 1024;

/// The longest a hung exchange holds its connection.
const HANG_LIMIT: Duration = Duration::from_secs(600);

type Body = UnsyncBoxBody<Bytes, io::Error>;

/// The connection ends without a (complete) response.
#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by the simulator")
    }
}

impl std::error::Error for Cut {}

/// A running HTTP server for a [`Simulator`]; stops when dropped.
#[derive(Debug)]
pub struct SimServer {
    sim: Simulator,
    api_addr: SocketAddr,
    media_addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl SimServer {
    /// Binds the API listener on `api` and the media listener on `media`
    /// (port 0 picks a free port) and starts serving.
    pub async fn start(
        sim: Simulator,
        api: SocketAddr,
        media: SocketAddr,
    ) -> io::Result<SimServer> {
        let api_listener = TcpListener::bind(api).await?;
        let media_listener = TcpListener::bind(media).await?;
        let api_addr = api_listener.local_addr()?;
        let media_addr = media_listener.local_addr()?;
        sim.set_media_base(&format!("http://{media_addr}"));
        let tasks = vec![
            tokio::spawn(api_loop(api_listener, api_addr, sim.clone())),
            tokio::spawn(media_loop(media_listener, sim.clone())),
        ];
        Ok(SimServer {
            sim,
            api_addr,
            media_addr,
            tasks,
        })
    }

    /// Both listeners on free loopback ports.
    pub async fn start_loopback(sim: Simulator) -> io::Result<SimServer> {
        let any: SocketAddr = ([127, 0, 0, 1], 0).into();
        SimServer::start(sim, any, any).await
    }

    /// The API base URL (`http://127.0.0.1:PORT`).
    pub fn api_url(&self) -> String {
        format!("http://{}", self.api_addr)
    }

    /// The media origin.
    pub fn media_url(&self) -> String {
        format!("http://{}", self.media_addr)
    }

    /// The simulator served.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn api_loop(listener: TcpListener, addr: SocketAddr, sim: Simulator) {
    // Bumped to close idle keep-alive connections when refusals start.
    let (close_idle, _) = watch::channel(0u64);
    let mut listener = Some(listener);
    let wake = sim.refusal_signal();
    loop {
        if sim.take_refusal() {
            drop(listener.take());
            close_idle.send_modify(|g| *g += 1);
            tokio::time::sleep(REFUSAL_WINDOW).await;
            continue;
        }
        let current = match listener.take() {
            Some(l) => l,
            None => match TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(_) => {
                    // Someone took the port in the window; keep trying.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        tokio::select! {
            accepted = current.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    let sim = sim.clone();
                    let closing = close_idle.subscribe();
                    tokio::spawn(serve(stream, closing, move |req| api(sim.clone(), req)));
                } else {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            _ = wake.notified() => {}
        }
        listener = Some(current);
    }
}

async fn media_loop(listener: TcpListener, sim: Simulator) {
    let (_never, closing) = watch::channel(0u64);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let sim = sim.clone();
        tokio::spawn(serve(stream, closing.clone(), move |req| {
            media(sim.clone(), req)
        }));
    }
}

async fn serve<F, Fut>(stream: tokio::net::TcpStream, mut closing: watch::Receiver<u64>, handler: F)
where
    F: Fn(Request<Incoming>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Response<Body>, Cut>> + Send + 'static,
{
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service_fn(handler));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        changed = closing.changed() => {
            if changed.is_ok() {
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    let _ = conn.await;
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|e: Infallible| match e {})
        .boxed_unsync()
}

fn to_response(r: ApiResponse) -> Response<Body> {
    let mut builder = Response::builder().status(r.status);
    for (n, v) in r.headers.iter() {
        builder = builder.header(n, v);
    }
    builder
        .body(full(r.body))
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}

/// Sends `reply` as the network would.
async fn send(reply: SimReply) -> Result<Response<Body>, Cut> {
    match reply {
        SimReply::Respond { response, delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok(to_response(response))
        }
        SimReply::Refuse | SimReply::Drop => Err(Cut),
        SimReply::Hang => {
            tokio::time::sleep(HANG_LIMIT).await;
            Err(Cut)
        }
        SimReply::CutBody { response } => {
            let half = response.body.slice(..response.body.len() / 2);
            let frames = futures_util::stream::iter([
                Ok(Frame::data(half)),
                Err(io::Error::new(io::ErrorKind::ConnectionAborted, "cut")),
            ]);
            let mut builder = Response::builder()
                .status(response.status)
                .header("Content-Length", response.body.len());
            for (n, v) in response.headers.iter() {
                builder = builder.header(n, v);
            }
            builder
                .body(BodyExt::boxed_unsync(StreamBody::new(frames)))
                .map_err(|_| Cut)
        }
    }
}

fn headers_of(req: &Request<Incoming>) -> Headers {
    let mut headers = Headers::new();
    for (n, v) in req.headers() {
        if let Ok(v) = v.to_str() {
            headers.insert(n.as_str(), v);
        }
    }
    headers
}

async fn api(sim: Simulator, req: Request<Incoming>) -> Result<Response<Body>, Cut> {
    let method = match *req.method() {
        hyper::Method::GET => Method::Get,
        hyper::Method::POST => Method::Post,
        hyper::Method::DELETE => Method::Delete,
        _ => {
            return Ok(to_response(error_response(
                405,
                "invalid_request_error",
                "method not allowed",
            )));
        }
    };
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let headers = headers_of(&req);
    if path == crate::http::STATS_PATH {
        let mut r = Response::new(full(Bytes::from(sim.stats().to_json().to_string())));
        r.headers_mut().insert(
            "Content-Type",
            hyper::header::HeaderValue::from_static("application/json"),
        );
        return Ok(r);
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let mut r = to_response(error_response(
                413,
                "invalid_request_error",
                "Request body too large",
            ));
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return Ok(r);
        }
    };
    let request = ApiRequest {
        method,
        path,
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        body: (!body.is_empty()).then_some(body),
        headers,
    };
    let authorization = request.headers.get("authorization").map(str::to_owned);
    let reply = sim
        .handle_fetching(&request, authorization.as_deref())
        .await;
    send(reply).await
}

async fn media(sim: Simulator, req: Request<Incoming>) -> Result<Response<Body>, Cut> {
    let target = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let url = format!("{}{target}", sim.media_base());
    let has_auth = req.headers().contains_key("authorization");
    match sim.fetch(&url, has_auth) {
        MediaReply::Api(reply) => send(reply).await,
        MediaReply::Body(body) => Ok(stream_body(body)),
    }
}

fn stream_body(body: MediaBody) -> Response<Body> {
    let mut builder = Response::builder()
        .status(body.status)
        .header("Content-Length", body.content_length);
    for (n, v) in body.headers.iter() {
        builder = builder.header(n, v);
    }
    let frames = body
        .into_stream()
        .map_ok(Frame::data)
        .map_err(|e| io::Error::new(io::ErrorKind::ConnectionAborted, e.to_string()));
    builder
        .body(BodyExt::boxed_unsync(StreamBody::new(frames)))
        .unwrap_or_else(|_| Response::new(full(Bytes::new())))
}
