//! [`SimTransport`]: the simulator in process, behind the [`Transport`]
//! trait: no sockets, faults reported as a network transport reports them.

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream;

use crate::config::SimConfig;
use crate::reply::{MediaReply, SimReply};
use crate::simulator::Simulator;
use seedance_transport::Transport;
use seedance_transport::api_key::ApiKey;
use seedance_transport::error::{TransportError, TransportErrorKind};
use seedance_transport::wire::{ApiRequest, ApiResponse, MediaResponse};

/// A transport that talks to an in-process [`Simulator`]. Faults the
/// simulator injects surface exactly as a network transport reports them.
#[derive(Debug, Clone)]
pub struct SimTransport {
    sim: Simulator,
    key: Option<ApiKey>,
}

impl SimTransport {
    /// A transport presenting `key` to `sim` (`None`: no `Authorization` header).
    pub fn new(sim: Simulator, key: Option<ApiKey>) -> Self {
        SimTransport { sim, key }
    }

    /// A fresh simulator with `config`, and a transport presenting its key.
    pub fn with_config(config: SimConfig) -> Self {
        let key = ApiKey::new(config.api_key.clone()).ok();
        SimTransport::new(Simulator::new(config), key)
    }

    /// The simulator behind this transport.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }
}

async fn reply(r: SimReply) -> Result<ApiResponse, TransportError> {
    match r {
        SimReply::Respond { response, delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok(response)
        }
        SimReply::Refuse => Err(TransportError::new(
            TransportErrorKind::Connect,
            "connection refused",
        )),
        SimReply::Drop => Err(TransportError::new(
            TransportErrorKind::ConnectionClosed,
            "connection closed before the response arrived",
        )),
        SimReply::Hang => std::future::pending().await,
        SimReply::CutBody { .. } => Err(TransportError::new(
            TransportErrorKind::BodyInterrupted,
            "the connection closed in the middle of the response body",
        )),
    }
}

#[async_trait]
impl Transport for SimTransport {
    fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.key {
            Some(key) => key.redact(text),
            None => std::borrow::Cow::Borrowed(text),
        }
    }

    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let auth = self.key.as_ref().map(ApiKey::bearer);
        let r = self.sim.handle_fetching(&request, auth.as_deref()).await;
        // A persistent simulator keeps what it created before answering,
        // so nothing a client was told about can be lost with the process.
        if let Some(snapshot) = self.sim.take_snapshot() {
            let saved = tokio::task::spawn_blocking(move || crate::persist::save(&snapshot)).await;
            if let Ok(Err(e)) | Err(e) = saved.map_err(std::io::Error::other) {
                return Err(TransportError::new(
                    TransportErrorKind::Other,
                    format!("the simulator could not keep its state: {e}"),
                ));
            }
        }
        reply(r).await
    }

    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        match self.sim.fetch(url, false) {
            MediaReply::Api(r) => {
                let response = reply(r).await?;
                let len = response.body.len() as u64;
                let body: Bytes = response.body;
                Ok(MediaResponse {
                    status: response.status,
                    headers: response.headers,
                    content_length: Some(len),
                    body: Box::pin(stream::iter([Ok(body)])),
                })
            }
            MediaReply::Body(b) => Ok(MediaResponse {
                status: b.status,
                headers: b.headers.clone(),
                content_length: Some(b.content_length),
                body: b.into_stream(),
            }),
        }
    }
}
