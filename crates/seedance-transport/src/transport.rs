//! The [`Transport`] trait: the one seam between the client and the network.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::TransportError;
use crate::wire::{ApiRequest, ApiResponse, MediaResponse};

/// Moves bytes between the client and the API. Small and object-safe, so
/// users can plug in proxies, recorders, or their own HTTP stack by wrapping
/// or replacing the built-in ones.
///
/// Implementations must:
/// - send [`Transport::send`] to the API's base URL **with** the API key, and
///   [`Transport::fetch`] to arbitrary media URLs **without** it;
/// - return any HTTP status as `Ok` (the client interprets statuses) and
///   reserve `Err` for failures with no status;
/// - report through [`TransportError`]'s kind whether the request may have
///   reached the server;
/// - never put URLs, headers or keys in error messages.
///
/// The conformance suite in [`crate::conformance`] (feature `test-util`)
/// checks these rules against any implementation.
#[async_trait]
pub trait Transport: Send + Sync + std::fmt::Debug {
    /// Sends one API call and reads the whole response body.
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError>;

    /// Starts downloading a media URL; the body arrives as a stream.
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError>;

    /// Removes this transport's secrets (the API key) from text a server
    /// sent, before the client shows, logs or stores it: some servers echo
    /// the key in their errors. The default returns the text unchanged;
    /// a transport that holds a secret overrides it, and a wrapper forwards it.
    fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Borrowed(text)
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        (**self).fetch(url).await
    }
    fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        (**self).redact(text)
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        (**self).send(request).await
    }
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        (**self).fetch(url).await
    }
    fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        (**self).redact(text)
    }
}
