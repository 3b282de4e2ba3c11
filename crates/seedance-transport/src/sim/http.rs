//! The simulator's HTTP face: two loopback listeners, one for the API and one
//! for media (a second origin, like the real service's CDN), speaking plain
//! HTTP/1.1 with keep-alive. It is written on raw sockets rather than a web
//! framework so that faults can be exactly what a network does: a refused or
//! cut connection, a server that never answers, a body shorter than its
//! `Content-Length`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::state::{MediaReply, SimReply, Simulator};
use crate::wire::{ApiRequest, ApiResponse, Headers, Method};

const MAX_HEAD: usize = 32 * 1024;

/// The simulator's own counters (tasks created, requests...), as JSON, for
/// tests that drive it from another process. Not part of the apimart API.
pub const STATS_PATH: &str = "/_sim/stats";
/// Large enough for a 20 MB upload plus its multipart framing; a larger
/// body is refused at the socket.
const MAX_BODY: usize = 24 * 1024 * 1024;

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
            tokio::spawn(accept_loop(api_listener, sim.clone(), false)),
            tokio::spawn(accept_loop(media_listener, sim.clone(), true)),
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

async fn accept_loop(listener: TcpListener, sim: Simulator, media: bool) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors or similar: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(stream, sim.clone(), media));
    }
}

struct RawRequest {
    method: String,
    target: String,
    headers: Headers,
    body: Bytes,
}

async fn read_request(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> io::Result<Option<RawRequest>> {
    let mut line = String::new();
    let mut head_len = 0;
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    head_len += line.len();
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = Headers::new();
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h).await?;
        head_len += n;
        if n == 0 || head_len > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad request head",
            ));
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.insert(name.trim(), value.trim());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if len > MAX_BODY {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await?;
    Ok(Some(RawRequest {
        method,
        target,
        headers,
        body: Bytes::from(body),
    }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn head(status: u16, headers: &Headers, content_length: u64) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {content_length}\r\n",
        reason(status)
    );
    for (n, v) in headers.iter() {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

async fn write_response(
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    r: &ApiResponse,
) -> io::Result<()> {
    w.write_all(&head(r.status, &r.headers, r.body.len() as u64))
        .await?;
    w.write_all(&r.body).await?;
    w.flush().await
}

/// What to do with the connection after a reply.
enum Next {
    KeepAlive,
    Close,
}

async fn api_reply(
    reply: SimReply,
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
) -> io::Result<Next> {
    match reply {
        SimReply::Respond { response, delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            write_response(w, &response).await?;
            Ok(Next::KeepAlive)
        }
        SimReply::Refuse | SimReply::Drop => Ok(Next::Close),
        SimReply::CutBody { response } => {
            w.write_all(&head(
                response.status,
                &response.headers,
                response.body.len() as u64,
            ))
            .await?;
            w.write_all(&response.body[..response.body.len() / 2])
                .await?;
            w.flush().await?;
            Ok(Next::Close)
        }
        SimReply::Hang => {
            // Hold the connection open, answering nothing, until the client gives up.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink).await;
            Ok(Next::Close)
        }
    }
}

async fn serve_connection(stream: TcpStream, sim: Simulator, media: bool) {
    let (r, mut w) = stream.into_split();
    let mut reader = BufReader::new(r);
    loop {
        let req = match read_request(&mut reader).await {
            Ok(Some(req)) => req,
            _ => return,
        };
        let next = if media {
            serve_media(&sim, &req, &mut reader, &mut w).await
        } else {
            serve_api(&sim, req, &mut reader, &mut w).await
        };
        if !matches!(next, Ok(Next::KeepAlive)) {
            let _ = w.shutdown().await;
            return;
        }
    }
}

async fn serve_api(
    sim: &Simulator,
    req: RawRequest,
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
) -> io::Result<Next> {
    let method = match req.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        _ => {
            let r =
                super::state::error_response(405, "invalid_request_error", "method not allowed");
            write_response(w, &r).await?;
            return Ok(Next::KeepAlive);
        }
    };
    let (path, query) = req
        .target
        .split_once('?')
        .unwrap_or((req.target.as_str(), ""));
    if path == STATS_PATH {
        let mut headers = Headers::new();
        headers.insert("Content-Type", "application/json");
        let body = Bytes::from(sim.stats().to_json().to_string());
        write_response(
            w,
            &ApiResponse {
                status: 200,
                headers,
                body,
            },
        )
        .await?;
        return Ok(Next::KeepAlive);
    }
    let api_request = ApiRequest {
        method,
        path: path.to_owned(),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        headers: req.headers.clone(),
        body: (!req.body.is_empty()).then(|| req.body.clone()),
    };
    let reply = sim.handle(&api_request, req.headers.get("authorization"));
    api_reply(reply, reader, w).await
}

async fn serve_media(
    sim: &Simulator,
    req: &RawRequest,
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: &mut tokio::net::tcp::OwnedWriteHalf,
) -> io::Result<Next> {
    let url = format!("{}{}", sim.media_base(), req.target);
    match sim.fetch(&url, req.headers.get("authorization").is_some()) {
        MediaReply::Api(reply) => api_reply(reply, reader, w).await,
        MediaReply::Body(body) => {
            w.write_all(&head(body.status, &body.headers, body.content_length))
                .await?;
            let declared = body.content_length;
            let sent = body.sent_len();
            let mut stream = body.into_stream();
            use futures_util::StreamExt;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(c) => w.write_all(&c).await?,
                    Err(_) => break,
                }
            }
            w.flush().await?;
            // A body that did not match its length leaves the connection unusable.
            Ok(if sent == declared {
                Next::KeepAlive
            } else {
                Next::Close
            })
        }
    }
}
