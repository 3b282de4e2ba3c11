//! [`ReqwestTransport`]: the real API over HTTPS (rustls, no OpenSSL needed).

use std::error::Error as _;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::api_key::ApiKey;
use crate::error::{TransportError, TransportErrorKind};
use crate::transport::Transport;
use crate::wire::{ApiRequest, ApiResponse, Headers, MediaResponse, Method};

/// The apimart API.
pub const DEFAULT_BASE_URL: &str = "https://api.apimart.ai";
/// Environment variable overriding the base URL.
pub const BASE_URL_ENV: &str = "APIMART_BASE_URL";

/// A transport over reqwest. API calls carry the key and never follow
/// redirects (so the key cannot be forwarded elsewhere); media downloads go
/// through a separate client that never carries the key.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    api: reqwest::Client,
    media: reqwest::Client,
    base_url: String,
    key: Option<ApiKey>,
    max_response_bytes: usize,
}

/// Builds a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    base_url: String,
    key: Option<ApiKey>,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_response_bytes: usize,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        ReqwestTransportBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            key: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

impl ReqwestTransportBuilder {
    /// The base URL (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }
    /// The base URL from `APIMART_BASE_URL`, when set.
    pub fn base_url_from_env(self) -> Self {
        match std::env::var(BASE_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => self.base_url(url.trim()),
            _ => self,
        }
    }
    /// The API key.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.key = Some(key);
        self
    }
    /// Longest time to establish a connection.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Longest time between two reads of a response.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }
    /// Largest API response body read.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }
    /// Builds the transport.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let agent = concat!("seedance/", env!("CARGO_PKG_VERSION"));
        let build = |redirects: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .user_agent(agent)
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.read_timeout)
                .redirect(redirects)
                .build()
                .map_err(|e| map_error(&e))
        };
        Ok(ReqwestTransport {
            api: build(reqwest::redirect::Policy::none())?,
            media: build(reqwest::redirect::Policy::limited(5))?,
            base_url: self.base_url,
            key: self.key,
            max_response_bytes: self.max_response_bytes,
        })
    }
}

impl ReqwestTransport {
    /// A builder with the defaults.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// Maps a reqwest error to our kinds, without its URL.
fn map_error(e: &reqwest::Error) -> TransportError {
    let kind = if e.is_connect() && e.is_timeout() {
        TransportErrorKind::TimeoutBeforeSend
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::TimeoutAfterSend
    } else if e.is_body() || e.is_decode() {
        TransportErrorKind::BodyInterrupted
    } else if e.is_builder() {
        TransportErrorKind::Other
    } else {
        // Anything else happened after connecting: assume the request may
        // have been sent (the safe assumption for a submit).
        TransportErrorKind::ConnectionClosed
    };
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    TransportError::new(kind, strip_urls(&message))
}

/// Removes anything URL-like from a message (URLs may carry signatures).
fn strip_urls(message: &str) -> String {
    message
        .split(' ')
        .map(|w| if w.contains("://") { "<url>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

fn headers(h: &reqwest::header::HeaderMap) -> Headers {
    let mut out = Headers::new();
    for (name, value) in h {
        if let Ok(v) = value.to_str() {
            out.insert(name.as_str(), v);
        }
    }
    out
}

#[async_trait]
impl Transport for ReqwestTransport {
    fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.key {
            Some(key) => key.redact(text),
            None => std::borrow::Cow::Borrowed(text),
        }
    }

    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let url = format!("{}{}", self.base_url, request.path_and_query());
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.api.request(method, &url);
        for (n, v) in request.headers.iter() {
            builder = builder.header(n, v);
        }
        if let Some(key) = &self.key {
            let mut value = HeaderValue::from_str(&key.bearer()).map_err(|_| {
                TransportError::new(
                    TransportErrorKind::Other,
                    "the API key is not a valid header value",
                )
            })?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Some(body) = request.body {
            if request.headers.get("content-type").is_none() {
                builder = builder.header(CONTENT_TYPE, "application/json");
            }
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(|e| map_error(&e))?;
        let status = response.status().as_u16();
        let headers = headers(response.headers());
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| map_error(&e))?;
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(TransportError::new(
                    TransportErrorKind::TooLarge,
                    format!("response body over {} bytes", self.max_response_bytes),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(ApiResponse {
            status,
            headers,
            body: body.freeze(),
        })
    }

    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        // The media client never carries the API key, whatever the host.
        let response = self
            .media
            .get(url)
            .send()
            .await
            .map_err(|e| map_error(&e))?;
        let status = response.status().as_u16();
        let headers = headers(response.headers());
        let content_length = response.content_length();
        let body = response
            .bytes_stream()
            .map(|r: Result<Bytes, reqwest::Error>| {
                r.map_err(|e| {
                    let mut err = map_error(&e);
                    if err.kind() == TransportErrorKind::ConnectionClosed {
                        err = TransportError::new(
                            TransportErrorKind::BodyInterrupted,
                            err.to_string(),
                        );
                    }
                    err
                })
            })
            .boxed();
        Ok(MediaResponse {
            status,
            headers,
            content_length,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_stripped_from_messages() {
        assert_eq!(
            strip_urls("error sending request for url (https://cdn/x.mp4?sig=abc): closed"),
            "error sending request for url <url> closed"
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let t = ReqwestTransport::builder()
            .api_key(ApiKey::new("sk-secret-123").unwrap())
            .build()
            .unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("sk-secret-123"), "{shown}");
    }
}
