//! # seedance-transport
//!
//! How seedance talks to the API: a small [`Transport`] trait, a reqwest
//! implementation for the real service, and the typed [`Client`] (submit,
//! status, wait, download, generate, upload, with retries) that runs on any
//! transport. The simulator of the service, an in-process transport and a
//! loopback server, lives in the separate `seedance-sim` crate.
//!
//! ```no_run
//! use seedance_core::{GenerationRequest, Model};
//! use seedance_transport::{ApiKey, Client, ReqwestTransport};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = ReqwestTransport::builder()
//!     .api_key(ApiKey::from_env()?)
//!     .build()?;
//! let client = Client::new(transport);
//! let request = GenerationRequest::new(Model::Seedance2Fast).with_prompt("A paper boat drifts downstream");
//! let generated = client.generate(&request, std::path::Path::new("out")).await?;
//! println!("{}", generated.video.path.display());
//! # Ok(())
//! # }
//! ```
//!
//! ## Plugging in your own transport
//!
//! Implement [`Transport`] (two methods) to add a proxy, logging, metrics or
//! your own HTTP stack; wrapping an existing transport is the usual way. The
//! full version, which records every exchange to a file, is
//! `crates/seedance-sim/examples/recording_transport.rs`.
//!
//! ```
//! use async_trait::async_trait;
//! use seedance_transport::{ApiRequest, ApiResponse, MediaResponse, Transport, TransportError};
//!
//! /// Counts API calls made through `inner`.
//! #[derive(Debug)]
//! struct Counting<T> {
//!     inner: T,
//!     calls: std::sync::atomic::AtomicU64,
//! }
//!
//! #[async_trait]
//! impl<T: Transport> Transport for Counting<T> {
//!     async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
//!         self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         self.inner.send(request).await
//!     }
//!     async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
//!         self.inner.fetch(url).await
//!     }
//! }
//! ```
//!
//! Every implementation should pass the conformance suite in `conformance`
//! (feature `test-util`), as the built-in ones do.

pub mod api_key;
pub mod client;
#[cfg(feature = "test-util")]
pub mod conformance;
pub mod error;
#[cfg(feature = "reqwest")]
pub mod reqwest_transport;
pub mod transport;
pub mod wire;

pub use api_key::{API_KEY_ENV, ApiKey, ApiKeyError};
pub mod webhook;

pub use client::{
    CancelRefusal, Client, ClientConfig, ClientError, DigestStream, Download, Generated,
    IdempotencySupport, KeyedResend, SubmitPhase, Submitted, TaskPage, UploadedImage, WaitEvent,
};
pub use error::{TransportError, TransportErrorKind};
#[cfg(feature = "reqwest")]
pub use reqwest_transport::{DEFAULT_BASE_URL, ReqwestTransport, ReqwestTransportBuilder};
pub use seedance_core::provider::ProviderKind;
pub use transport::Transport;
pub use wire::{ApiRequest, ApiResponse, ByteStream, Headers, MediaResponse, Method};
