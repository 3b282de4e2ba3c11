//! The API key never appears in Debug output, errors or logs, and the
//! Authorization header reaches only the API origin.

use std::io::Write;
use std::sync::{Arc, Mutex};

use seedance_sim::{Fault, Route, SimConfig, SimServer, Simulator};
use seedance_tests::small_request;
use seedance_transport::{ApiKey, Client, ClientConfig, ReqwestTransport};

const KEY: &str = "sk-test-SECRET-4f9a2b";

/// The simulator over loopback HTTP accepting `server_key`, and a reqwest
/// client presenting `KEY`.
async fn loopback_with_key(server_key: &str) -> (SimServer, Client) {
    let config = SimConfig {
        api_key: server_key.to_owned(),
        ..SimConfig::instant().ignoring_idempotency_keys()
    };
    let server = SimServer::start_loopback(Simulator::new(config))
        .await
        .unwrap();
    let transport = ReqwestTransport::builder()
        .base_url(server.api_url())
        .api_key(ApiKey::new(KEY).unwrap())
        .build()
        .unwrap();
    (
        server,
        Client::with_config(Arc::new(transport), ClientConfig::default()),
    )
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn key_stays_out_of_debug_errors_and_logs_and_off_the_media_origin() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (server, client) = loopback_with_key(KEY).await;
    let dir = tempfile::tempdir().unwrap();

    // A retry (logged) and a full generate, including downloads.
    server.simulator().inject(Route::Status, Fault::Status(503));
    let generated = client
        .generate(&small_request().with_return_last_frame(true), dir.path())
        .await
        .unwrap();
    // An error that carries the server's answer.
    server.simulator().inject(Route::Submit, Fault::Status(403));
    let err = client.submit(&small_request()).await.unwrap_err();

    let stats = server.simulator().stats();
    assert_eq!(stats.media_requests, 2);
    assert_eq!(
        stats.media_requests_with_auth, 0,
        "Authorization reached the media origin"
    );

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("retrying"),
        "the retry was not logged: {logs}"
    );
    for (what, text) in [
        ("client debug", format!("{client:?}")),
        ("error display", err.to_string()),
        ("error debug", format!("{err:?}")),
        ("result debug", format!("{generated:?}")),
        ("logs", logs),
    ] {
        assert!(!text.contains(KEY), "the key leaked into {what}");
        assert!(
            !text.contains("SECRET"),
            "part of the key leaked into {what}"
        );
    }
}

#[tokio::test]
async fn wrong_key_is_a_clear_401_without_the_key() {
    // The server expects another key than the one the client presents.
    let (_server, client) = loopback_with_key("sk-some-other-key").await;
    let err = client.submit(&small_request()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let text = format!("{err} {err:?}");
    assert!(text.contains("authentication"), "{text}");
    assert!(!text.contains(KEY));
}

#[tokio::test]
async fn key_never_reaches_manifests_or_any_file_written() {
    let (server, client) = loopback_with_key(KEY).await;
    let dir = tempfile::tempdir().unwrap();
    let plan = seedance_workflows::Plan::from_json(&serde_json::json!({
        "defaults": {"model": "doubao-seedance-2.0-fast"},
        "segments": [{"prompt": "a"}, {"prompt": "b"}]
    }))
    .unwrap()
    .0;
    seedance_workflows::run_chain(
        &client,
        &plan,
        &dir.path().join("chain"),
        &Default::default(),
    )
    .await
    .unwrap();
    seedance_workflows::run_batch(
        &client,
        &[small_request()],
        &dir.path().join("batch"),
        &Default::default(),
    )
    .await
    .unwrap();
    // A panic carrying an error (as `.unwrap()` on a result would) shows no key either.
    server.simulator().inject(Route::Submit, Fault::Status(401));
    let err = client.submit(&small_request()).await.unwrap_err();
    let result: Result<(), seedance_transport::ClientError> = Err(err);
    let result = std::panic::AssertUnwindSafe(result);
    let panic_text = std::panic::catch_unwind(move || {
        let wrapped = result;
        wrapped.0.expect("submit failed")
    })
    .err()
    .and_then(|p| p.downcast_ref::<String>().cloned())
    .unwrap();
    assert!(!panic_text.contains(KEY), "{panic_text}");

    let mut files = 0;
    let mut stack = vec![dir.path().to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let bytes = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(KEY),
                    "the key leaked into {}",
                    path.display()
                );
            }
        }
    }
    assert!(files >= 7, "only {files} files were checked");
}
