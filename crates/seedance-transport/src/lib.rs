//! # seedance-transport
//!
//! How seedance talks to the API: a small [`Transport`] trait, a reqwest
//! implementation for the real service, a [`MockTransport`] over an in-process
//! [`sim::Simulator`] of the API, and the typed [`Client`] (submit, status,
//! wait, download, generate, with retries) that runs on any of them.
//!
//! ```
//! use seedance_core::{GenerationRequest, Model};
//! use seedance_transport::{Client, MockTransport, sim::SimConfig};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap().block_on(async {
//! let transport = MockTransport::with_config(SimConfig::quick());
//! let client = Client::new(transport);
//! let request = GenerationRequest::new(Model::Seedance2Fast).with_prompt("A paper boat drifts downstream");
//! let submitted = client.submit(&request).await?;
//! let task = client.wait(&submitted.task_id).await?;
//! assert!(task.result.unwrap().video_url().is_some());
//! # Ok::<(), seedance_transport::ClientError>(())
//! # }).unwrap();
//! ```

pub mod api_key;
pub mod client;
#[cfg(feature = "test-util")]
pub mod conformance;
pub mod error;
#[cfg(feature = "simulator")]
pub mod mock;
#[cfg(feature = "reqwest")]
pub mod reqwest_transport;
#[cfg(feature = "simulator")]
pub mod sim;
pub mod transport;
pub mod wire;

pub use api_key::{API_KEY_ENV, ApiKey, ApiKeyError};
pub use client::{Client, ClientConfig, ClientError, Download, Generated, Submitted, WaitEvent};
pub use error::{TransportError, TransportErrorKind};
#[cfg(feature = "simulator")]
pub use mock::MockTransport;
#[cfg(feature = "reqwest")]
pub use reqwest_transport::{DEFAULT_BASE_URL, ReqwestTransport, ReqwestTransportBuilder};
pub use transport::Transport;
pub use wire::{ApiRequest, ApiResponse, ByteStream, Headers, MediaResponse, Method};
