//! Hostile and broken input: parsers of server data and the validator never
//! panic, and names from the server never escape the output directory.

use std::sync::Arc;

use async_trait::async_trait;
use proptest::prelude::*;
use seedance_core::{parse_error_body, parse_submit_body, parse_task_body, validate_json};
use seedance_sim::SimConfig;
use seedance_sim::SimTransport;
use seedance_tests::{fixture, small_request};
use seedance_transport::{
    ApiRequest, ApiResponse, Client, MediaResponse, Transport, TransportError,
};

fn seeds() -> Vec<Vec<u8>> {
    std::fs::read_dir(fixture("responses"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

/// Byte-level mutations of real bodies: flips, truncation, insertion.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds();
    (
        0..seeds.len(),
        prop::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 0..8),
    )
        .prop_map(move |(i, edits)| {
            let mut body = seeds[i].clone();
            for (pos, byte, kind) in edits {
                if body.is_empty() {
                    break;
                }
                let p = usize::from(pos) % body.len();
                match kind {
                    0 => body[p] = byte,
                    1 => body.truncate(p),
                    _ => body.insert(p, byte),
                }
            }
            body
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_mutated_bodies(body in mutated()) {
        let _ = parse_submit_body(&body);
        let _ = parse_task_body(&body);
        let _ = parse_error_body(&body);
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
            let _ = validate_json(&v);
        }
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_submit_body(&body);
        let _ = parse_task_body(&body);
        let _ = parse_error_body(&body);
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse_task_body(deep.as_bytes()).is_err());
    assert!(parse_submit_body(deep.as_bytes()).is_err());
    let deep_obj = format!(
        "{{\"code\":200,\"data\":{}{}}}",
        "{\"a\":".repeat(5000),
        "1".to_owned() + &"}".repeat(5000)
    );
    assert!(parse_task_body(deep_obj.as_bytes()).is_err());
}

/// Rewrites task ids in submit and status responses into a hostile one,
/// as a compromised or buggy server could.
#[derive(Debug)]
struct HostileIds {
    inner: SimTransport,
    /// The id as written into JSON bodies (may hold JSON escapes).
    hostile: &'static str,
    /// The id as the client reads it.
    decoded: String,
}

#[async_trait]
impl Transport for HostileIds {
    async fn send(&self, mut request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let real = self.inner.simulator().task_ids().last().cloned();
        if let Some(real) = &real {
            // Map the hostile id back to the real one on its way in.
            let encoded = seedance_transport::wire::percent_encode_path(&self.decoded);
            request.path = request.path.replace(&encoded, real);
        }
        let mut response = self.inner.send(request).await?;
        if let Some(real) = self.inner.simulator().task_ids().last() {
            let text = String::from_utf8_lossy(&response.body).replace(real.as_str(), self.hostile);
            response.body = text.into_bytes().into();
        }
        Ok(response)
    }
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        let real = self
            .inner
            .simulator()
            .task_ids()
            .last()
            .cloned()
            .unwrap_or_default();
        self.inner.fetch(&url.replace(&self.decoded, &real)).await
    }
}

#[tokio::test(start_paused = true)]
async fn hostile_task_ids_never_become_paths_outside_the_output_directory() {
    for hostile in [
        "../../../../tmp/seedance-escape",
        "/tmp/seedance-abs",
        "a\\u0000b",
        "..",
        "x/../../y",
    ] {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let transport = HostileIds {
            inner: SimTransport::with_config(SimConfig::quick()),
            hostile,
            decoded: serde_json::from_str(&format!("\"{hostile}\"")).unwrap(),
        };
        let client = Client::with_config(Arc::new(transport), Default::default());
        let generated = client
            .generate(&small_request().with_return_last_frame(true), &out)
            .await
            .unwrap_or_else(|e| panic!("{hostile}: {e}"));
        for path in [
            Some(&generated.video.path),
            generated.last_frame.as_ref().map(|d| &d.path),
        ]
        .into_iter()
        .flatten()
        {
            assert_eq!(
                path.parent().unwrap(),
                out,
                "{hostile} escaped: {}",
                path.display()
            );
        }
        // Nothing anywhere else under the root.
        let entries: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(entries.len(), 1, "{hostile}");
    }
    assert!(!std::path::Path::new("/tmp/seedance-escape.mp4").exists());
    assert!(!std::path::Path::new("/tmp/seedance-abs.mp4").exists());
}
