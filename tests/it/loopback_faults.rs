//! Network faults on real loopback sockets with real time: refused
//! connections, servers that cut or never answer, short and slow bodies,
//! and deadlines that hold for wait, generate, chain and batch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use seedance_core::RetryConfig;
use seedance_sim::{Fault, Route, SimConfig, SimServer, Simulator};
use seedance_tests::small_request;
use seedance_transport::{
    ApiKey, Client, ClientConfig, ClientError, ReqwestTransport, TransportErrorKind,
};
use seedance_workflows::{BatchOptions, ChainOptions, Plan, run_batch, run_chain};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

fn fast_config() -> ClientConfig {
    ClientConfig {
        retry: RetryConfig {
            max_retries: 2,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            max_elapsed: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(1),
        },
        request_timeout: Duration::from_secs(2),
        wait_timeout: Duration::from_secs(3),
        download_idle_timeout: Duration::from_millis(400),
        ..ClientConfig::default()
    }
}

fn client_for(base: &str, config: ClientConfig) -> Client {
    let transport = ReqwestTransport::builder()
        .base_url(base)
        .api_key(ApiKey::new(seedance_sim::DEFAULT_SIM_KEY).unwrap())
        .connect_timeout(Duration::from_millis(500))
        .read_timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    Client::with_config(Arc::new(transport), config)
}

/// A server that accepts connections, reads the request, then either closes
/// (`cut`) or holds the socket forever without answering.
async fn silent_server(cut: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut buf).await;
                if !cut {
                    // Never answer; hold the connection until the client leaves.
                    let _ = socket.read_to_end(&mut Vec::new()).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn refused_connection_is_retried_and_reported_as_never_sent() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client_for(&format!("http://127.0.0.1:{port}"), fast_config());
    let start = Instant::now();
    match client.submit(&small_request()).await.unwrap_err() {
        ClientError::Transport { source } => assert_eq!(source.kind(), TransportErrorKind::Connect),
        other => panic!("{other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_server_that_never_answers_makes_a_submit_uncertain_within_the_timeout() {
    let base = silent_server(false).await;
    let client = client_for(&base, fast_config());
    let start = Instant::now();
    let err = client.submit(&small_request()).await.unwrap_err();
    assert!(err.may_have_created_task(), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn a_connection_cut_after_the_request_makes_a_submit_uncertain() {
    let base = silent_server(true).await;
    let client = client_for(&base, fast_config());
    let err = client.submit(&small_request()).await.unwrap_err();
    assert!(err.may_have_created_task(), "{err:?}");
}

#[tokio::test]
async fn wait_and_generate_cannot_hang_past_their_deadlines() {
    let base = silent_server(false).await;
    let client = client_for(&base, fast_config());
    let start = Instant::now();
    assert!(client.wait("task_x").await.is_err());
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "wait: {:?}",
        start.elapsed()
    );
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    assert!(client.generate(&small_request(), dir.path()).await.is_err());
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "generate: {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn chain_and_batch_stop_within_their_deadlines_when_status_hangs() {
    let server = SimServer::start_loopback(Simulator::new(SimConfig::instant()))
        .await
        .unwrap();
    for _ in 0..1000 {
        server.simulator().inject(Route::Status, Fault::Hang);
    }
    let client = client_for(&server.api_url(), fast_config());
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::from_json(&serde_json::json!({
        "defaults": {"model": "doubao-seedance-2.0-fast"},
        "segments": [{"prompt": "a"}, {"prompt": "b"}]
    }))
    .unwrap()
    .0;
    let start = Instant::now();
    assert!(
        run_chain(
            &client,
            &plan,
            &dir.path().join("c"),
            &ChainOptions::default()
        )
        .await
        .is_err()
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "chain: {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    let jobs = vec![small_request(), small_request()];
    let summary = run_batch(
        &client,
        &jobs,
        &dir.path().join("b"),
        &BatchOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(summary.failed.len(), 2);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "batch: {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn short_bodies_over_http_are_retried_and_nothing_partial_remains() {
    let server = SimServer::start_loopback(Simulator::new(SimConfig::instant()))
        .await
        .unwrap();
    let client = client_for(&server.api_url(), fast_config());
    server.simulator().inject(Route::Media, Fault::ShortBody);
    let dir = tempfile::tempdir().unwrap();
    let generated = client.generate(&small_request(), dir.path()).await.unwrap();
    let bytes = std::fs::read(&generated.video.path).unwrap();
    assert_eq!(bytes.len() as u64, generated.video.bytes);
    assert_eq!(server.simulator().stats().media_requests, 2);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[tokio::test]
async fn a_stalled_download_hits_the_idle_timeout() {
    let config = SimConfig {
        video_padding_bytes: 1024 * 1024,
        media_bytes_per_second: Some(64 * 1024), // one 64 KiB chunk per second
        ..SimConfig::instant()
    };
    let server = SimServer::start_loopback(Simulator::new(config))
        .await
        .unwrap();
    let client = client_for(&server.api_url(), fast_config());
    let dir = tempfile::tempdir().unwrap();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    let task = client.wait(&id).await.unwrap();
    let url = task.result.unwrap().video_url().unwrap().to_owned();
    let start = Instant::now();
    let err = client
        .download(&url, &dir.path().join("v.mp4"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Transport { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "{:?}",
        start.elapsed()
    );
    assert!(!dir.path().join("v.mp4").exists());
}

#[tokio::test]
async fn a_scripted_refusal_over_http_is_a_refused_connection_and_nothing_reaches_the_service() {
    let sim = Simulator::new(SimConfig::instant());
    let server = SimServer::start_loopback(sim.clone()).await.unwrap();
    let addr = server.api_url().trim_start_matches("http://").to_owned();
    sim.inject(Route::Submit, Fault::Refuse);
    // The listener closes as soon as the refusal is queued.
    let mut refused = false;
    for _ in 0..50 {
        match tokio::net::TcpStream::connect(&addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                refused = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    assert!(refused, "the API port never refused a connection");
    assert_eq!(sim.stats().submits_received, 0);
    // After the window the port listens again and a submit goes through once.
    tokio::time::sleep(seedance_sim::REFUSAL_WINDOW).await;
    let client = client_for(&server.api_url(), fast_config());
    client.submit(&small_request()).await.unwrap();
    assert_eq!(sim.stats().tasks_created, 1);
}

#[tokio::test]
async fn a_client_retries_a_refused_submit_and_pays_once() {
    let sim = Simulator::new(SimConfig::instant());
    let server = SimServer::start_loopback(sim.clone()).await.unwrap();
    let mut config = fast_config();
    // Retries that outlast the refusal window.
    config.retry.max_retries = 6;
    config.retry.max_delay = Duration::from_millis(300);
    let client = client_for(&server.api_url(), config);
    sim.inject(Route::Submit, Fault::Refuse);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let submitted = client.submit(&small_request()).await.unwrap();
    assert!(!submitted.task_id.is_empty());
    let stats = sim.stats();
    assert_eq!((stats.submits_received, stats.tasks_created), (1, 1));
}
