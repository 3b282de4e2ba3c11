//! A local HTTP listener for apimart's webhook pushes: every request goes
//! to [`WebhookInbox::handle`], which deduplicates and answers; the caller
//! hears about each new push. Used by `seedance webhook-listen` and by runs
//! given `--webhook-port` (the tunnel that makes it public is the user's).

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use seedance_core::Task;
use seedance_transport::webhook::{Received, WebhookInbox};

/// The largest push read (a task-status body is a few KiB).
const MAX_PUSH_BYTES: usize = 1024 * 1024;

/// Called for every push read, with what it was.
pub(crate) type OnPush = Arc<dyn Fn(Received, &Task) + Send + Sync>;

/// Binds `host:port` and serves pushes into `inbox` until the process ends.
/// Returns the address bound (port 0 picks one).
pub(crate) async fn start(
    host: &str,
    port: u16,
    inbox: Arc<WebhookInbox>,
    on_push: OnPush,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind((host, port)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let (inbox, on_push) = (inbox.clone(), on_push.clone());
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(req, inbox.clone(), on_push.clone()));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

async fn handle(
    req: Request<Incoming>,
    inbox: Arc<WebhookInbox>,
    on_push: OnPush,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let body = match Limited::new(req.into_body(), MAX_PUSH_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(text(413, "push too large\n"));
        }
    };
    let reply = inbox.handle(&method, &path, &body);
    if let Some(received) = reply.received
        && let Ok(task) = seedance_core::parse_task_body(&body)
    {
        on_push(received, &task);
    }
    Ok(text(reply.status, reply.body))
}

fn text(status: u16, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    r
}
