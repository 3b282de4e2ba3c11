//! Plugging in a custom transport: a wrapper that records every API exchange
//! (method, path, status, duration; never headers or the key) as JSON lines,
//! around any other transport. Proxies, metrics or a different HTTP stack
//! plug in the same way.
//!
//! Run it with `cargo run -p seedance-sim --example recording_transport`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;
use seedance_core::{GenerationRequest, Model};
use seedance_sim::{SimConfig, SimTransport};
use seedance_transport::{
    ApiRequest, ApiResponse, Client, MediaResponse, Transport, TransportError,
};

/// Records each exchange of `inner` to a file.
#[derive(Debug)]
struct RecordingTransport<T> {
    inner: T,
    log: Mutex<std::fs::File>,
}

#[async_trait]
impl<T: Transport> Transport for RecordingTransport<T> {
    // A wrapper forwards redaction, so the inner transport's key stays hidden.
    fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        self.inner.redact(text)
    }

    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let started = Instant::now();
        let (method, path) = (request.method, request.path.clone());
        let result = self.inner.send(request).await;
        let line = serde_json::json!({
            "method": method.as_str(),
            "path": path,
            "status": result.as_ref().ok().map(|r| r.status),
            "error": result.as_ref().err().map(ToString::to_string),
            "ms": started.elapsed().as_millis() as u64,
        });
        if let Ok(mut f) = self.log.lock() {
            let _ = writeln!(f, "{line}");
        }
        result
    }

    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        // Media URLs carry signatures: record that a fetch happened, not where.
        if let Ok(mut f) = self.log.lock() {
            let _ = writeln!(
                f,
                "{}",
                serde_json::json!({"method": "GET", "path": "<media>"})
            );
        }
        self.inner.fetch(url).await
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from("target/recording-example");
    std::fs::create_dir_all(&out)?;
    let log_path = out.join("exchanges.jsonl");
    let transport = RecordingTransport {
        inner: SimTransport::with_config(SimConfig::instant()),
        log: Mutex::new(std::fs::File::create(&log_path)?),
    };
    let client = Client::new(transport);
    let request = GenerationRequest::new(Model::Seedance2Fast).with_prompt("A lighthouse at dusk");
    let generated = client.generate(&request, &out).await?;
    println!("video: {}", generated.video.path.display());
    println!("exchanges recorded in {}:", log_path.display());
    print!("{}", std::fs::read_to_string(&log_path)?);
    Ok(())
}
