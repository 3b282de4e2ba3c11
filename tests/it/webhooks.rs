//! Webhooks (issue 22): the simulator pushes each ended task to
//! `webhook` + `/callback` as apimart does, retrying a listener that is
//! down, pushing twice or late when told to, or never; a listener built on
//! `seedance_transport::webhook::WebhookInbox` deduplicates; a client given
//! the inbox wakes its wait on the push and otherwise polls far less often;
//! `seedance webhook-listen` prints each new status once.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use seedance_sim::{SimConfig, SimServer, Simulator, WebhookFaults};
use seedance_tests::small_request;
use seedance_transport::webhook::{Received, WebhookInbox};
use seedance_transport::{ApiKey, Client, ClientConfig, ReqwestTransport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a test listener saw.
#[derive(Debug, Default)]
struct Seen {
    new: AtomicU32,
    duplicate: AtomicU32,
    stale: AtomicU32,
    refused: AtomicU32,
}

/// A minimal HTTP/1.1 listener on loopback that hands every request to
/// `inbox.handle`, answering 503 to the first `down_for` requests (a
/// listener that is down).
async fn listener(inbox: Arc<WebhookInbox>, seen: Arc<Seen>, down_for: u32) -> String {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = socket.accept().await else {
                return;
            };
            let (inbox, seen, calls) = (inbox.clone(), seen.clone(), calls.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, length) = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (i + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let mut first = head.split_whitespace();
                let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
                let status = if calls.fetch_add(1, Ordering::SeqCst) < down_for {
                    seen.refused.fetch_add(1, Ordering::SeqCst);
                    503
                } else {
                    let reply = inbox.handle(method, path, &buf[head_end..]);
                    let counter = match reply.received {
                        Some(Received::New) => &seen.new,
                        Some(Received::Duplicate) => &seen.duplicate,
                        Some(Received::Stale) => &seen.stale,
                        _ => &seen.refused,
                    };
                    counter.fetch_add(1, Ordering::SeqCst);
                    reply.status
                };
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/hook")
}

fn fast_pushes(faults: WebhookFaults) -> SimConfig {
    SimConfig {
        webhook_faults: WebhookFaults {
            retry_delays: vec![Duration::from_millis(200); 3],
            ..faults
        },
        ..SimConfig::instant()
    }
}

fn client_for(server: &SimServer, config: ClientConfig) -> Client {
    let transport = ReqwestTransport::builder()
        .base_url(server.api_url())
        .api_key(ApiKey::new(seedance_sim::DEFAULT_SIM_KEY).unwrap())
        .build()
        .unwrap();
    Client::with_config(Arc::new(transport), config)
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_late_pushes_are_answered_but_counted_once() {
    let server = SimServer::start_loopback(Simulator::new(fast_pushes(WebhookFaults {
        duplicate: true,
        out_of_order: true,
        ..WebhookFaults::default()
    })))
    .await
    .unwrap();
    let (inbox, seen) = (Arc::new(WebhookInbox::default()), Arc::new(Seen::default()));
    let url = listener(inbox.clone(), seen.clone(), 0).await;
    let client = client_for(&server, ClientConfig::default());
    let request = small_request().with_extra("webhook", serde_json::json!(url));
    let id = client.submit(&request).await.unwrap().task_id;
    until("three pushes", || {
        seen.new.load(Ordering::SeqCst)
            + seen.duplicate.load(Ordering::SeqCst)
            + seen.stale.load(Ordering::SeqCst)
            == 3
    })
    .await;
    assert_eq!(seen.new.load(Ordering::SeqCst), 1);
    assert_eq!(seen.duplicate.load(Ordering::SeqCst), 1);
    assert_eq!(seen.stale.load(Ordering::SeqCst), 1);
    assert!(inbox.says_ended(&id));
    assert_eq!(server.simulator().stats().tasks_created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_that_was_down_gets_the_push_on_a_retry() {
    let server = SimServer::start_loopback(Simulator::new(fast_pushes(WebhookFaults::default())))
        .await
        .unwrap();
    let (inbox, seen) = (Arc::new(WebhookInbox::default()), Arc::new(Seen::default()));
    let url = listener(inbox.clone(), seen.clone(), 2).await;
    let client = client_for(&server, ClientConfig::default());
    let request = small_request().with_extra("webhook", serde_json::json!(url));
    let id = client.submit(&request).await.unwrap().task_id;
    until("the push after two refusals", || inbox.says_ended(&id)).await;
    assert_eq!(seen.refused.load(Ordering::SeqCst), 2);
    // The simulator counts a push once its answer is back, which can be
    // just after the listener has read the body.
    until("the third push counted", || {
        server.simulator().stats().webhook_pushes >= 3
    })
    .await;
    assert_eq!(server.simulator().stats().webhook_pushes, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_wakes_on_the_push_and_falls_back_to_polling_when_none_comes() {
    for never in [false, true] {
        let server = SimServer::start_loopback(Simulator::new(fast_pushes(WebhookFaults {
            never,
            ..WebhookFaults::default()
        })))
        .await
        .unwrap();
        let (inbox, seen) = (Arc::new(WebhookInbox::default()), Arc::new(Seen::default()));
        let url = listener(inbox.clone(), seen, 0).await;
        let config = ClientConfig {
            // Without a push, the next poll only comes this much later.
            webhook_fallback_poll: Duration::from_secs(if never { 3 } else { 60 }),
            wait_timeout: Duration::from_secs(30),
            ..ClientConfig::default()
        };
        let client = client_for(&server, config).with_webhook_inbox(inbox);
        let request = small_request().with_extra("webhook", serde_json::json!(url));
        let id = client.submit(&request).await.unwrap().task_id;
        let started = Instant::now();
        let task = client.wait(&id).await.unwrap();
        assert!(task.is_done());
        let polls = server.simulator().stats().status_requests;
        assert!(polls <= 4, "never={never}: {polls} polls");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "never={never}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn webhook_listen_prints_each_new_status_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(SimServer::start_loopback(Simulator::new(fast_pushes(
            WebhookFaults {
                duplicate: true,
                ..WebhookFaults::default()
            },
        ))))
        .unwrap();
    let mut child = std::process::Command::new(crate::process::seedance_bin())
        .args(["webhook-listen", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches("/callback")
        .to_owned();
    let client = client_for(&server, ClientConfig::default());
    let id = runtime
        .block_on(client.submit(&small_request().with_extra("webhook", serde_json::json!(url))))
        .unwrap()
        .task_id;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    stdout.read_line(&mut printed).unwrap();
    assert_eq!(printed.trim(), format!("{id}  completed"));
    // The duplicate is said on stderr, not printed again.
    let mut note = String::new();
    stderr.read_line(&mut note).unwrap();
    assert!(note.contains("duplicate"), "{note}");
    let _ = child.kill();
    let _ = child.wait();
}
