//! One unusable answer to a read must not end a paid wait (issue 25): an
//! oversized, cut, non-JSON, HTML or wrongly shaped status answer is asked
//! again within the wait's budget, in process and over loopback HTTP; a
//! persistent one ends the wait in bounded time with a clear error, and the
//! CLI names the task and the command that resumes it. One retry layer
//! only: a burst of N server errors costs about N requests, not N times a
//! second budget.

use std::sync::Arc;
use std::time::Duration;

use seedance_core::{PollConfig, RetryConfig};
use seedance_sim::{Fault, Route, SimConfig, SimServer, Simulator};
use seedance_tests::{matches_digest, sim_client, small_request};
use seedance_transport::{ApiKey, Client, ClientConfig, ClientError, ReqwestTransport};

/// Every unusable answer a proxy or a gateway can give to a status read.
fn unusable_answers() -> Vec<(&'static str, Fault)> {
    vec![
        ("oversized body", Fault::OversizedBody),
        ("cut body", Fault::CutBody),
        ("not JSON", Fault::Malformed),
        ("wrong shape", Fault::WrongShape),
        ("HTML page with 200", Fault::HtmlPage(200)),
        ("HTML page with 403", Fault::HtmlPage(403)),
        ("HTML page with 502", Fault::HtmlPage(502)),
    ]
}

fn is_unusable_answer(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::UnexpectedResponse { .. }
            | ClientError::TooLarge { .. }
            | ClientError::Api { kind: None, .. }
            | ClientError::Transport { .. }
    )
}

#[tokio::test(start_paused = true)]
async fn a_wait_recovers_from_each_unusable_status_answer_once_with_one_paid_task() {
    for (name, fault) in unusable_answers() {
        let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
        sim.inject(Route::Status, fault);
        let dir = tempfile::tempdir().unwrap();
        let generated = client
            .generate(&small_request(), dir.path())
            .await
            .unwrap_or_else(|e| panic!("{name}: the wait ended: {e}"));
        let stats = sim.stats();
        assert_eq!(stats.tasks_created, 1, "{name}: {stats:?}");
        assert_eq!(stats.submits_received, 1, "{name}: {stats:?}");
        let bytes = std::fs::read(&generated.video.path).unwrap();
        assert_eq!(bytes.len() as u64, generated.video.bytes, "{name}");
        assert!(
            matches_digest(&bytes, &generated.video.digest),
            "{name}: the file is not intact"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_status_read_recovers_from_each_unusable_answer_within_its_retry_budget() {
    for (name, fault) in unusable_answers() {
        let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
        let id = client.submit(&small_request()).await.unwrap().task_id;
        sim.inject(Route::Status, fault);
        let task = client
            .task(&id)
            .await
            .unwrap_or_else(|e| panic!("{name}: one bad answer ended the read: {e}"));
        assert_eq!(task.id, id, "{name}");
        assert_eq!(sim.stats().status_requests, 2, "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_persistent_unusable_answer_ends_the_wait_in_bounded_time_and_requests() {
    // (An HTML 502 is a 502 first: a gateway that is down is waited out
    // until the deadline, like any 5xx.)
    for (name, fault) in unusable_answers()
        .into_iter()
        .filter(|(_, f)| !matches!(f, Fault::HtmlPage(s) if *s >= 500))
    {
        let config = ClientConfig::default();
        let (client, sim) = sim_client(SimConfig::quick(), config.clone());
        let id = client.submit(&small_request()).await.unwrap().task_id;
        for _ in 0..1000 {
            sim.inject(Route::Status, fault.clone());
        }
        let started = tokio::time::Instant::now();
        let err = client.wait(&id).await.unwrap_err();
        assert!(is_unusable_answer(&err), "{name}: {err:?}");
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(300), "{name}: took {waited:?}");
        // The wait's own budget, and no retry loop nested inside it.
        let polls = sim.stats().status_requests;
        assert_eq!(
            polls,
            u64::from(config.max_bad_polls) + 1,
            "{name}: {polls} status requests"
        );
        assert_eq!(sim.stats().tasks_created, 1, "{name}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_server_errors_during_a_wait_costs_one_request_each_not_a_nested_budget() {
    let burst = 10u64;
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for _ in 0..burst {
        sim.inject(Route::Status, Fault::Status(503));
    }
    client.wait(&id).await.unwrap();
    let polls = sim.stats().status_requests;
    // The burst, then the polls of a normal wait (a few for a 1-8 s task).
    // With a retry loop inside each poll it would be about 7 x 10.
    assert!(
        (burst + 1..=burst + 8).contains(&polls),
        "{polls} status requests for a burst of {burst}"
    );
}

fn http_config() -> ClientConfig {
    ClientConfig {
        retry: RetryConfig {
            max_retries: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            max_elapsed: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(1),
        },
        poll: PollConfig {
            first_poll: Duration::from_millis(100),
            min_interval: Duration::from_millis(50),
            ..PollConfig::default()
        },
        wait_timeout: Duration::from_secs(60),
        ..ClientConfig::default()
    }
}

fn http_client(server: &SimServer) -> Client {
    let transport = ReqwestTransport::builder()
        .base_url(server.api_url())
        .api_key(ApiKey::new(seedance_sim::DEFAULT_SIM_KEY).unwrap())
        .build()
        .unwrap();
    Client::with_config(Arc::new(transport), http_config())
}

#[tokio::test]
async fn over_http_a_wait_recovers_from_each_unusable_status_answer_once() {
    for (name, fault) in unusable_answers() {
        let server = SimServer::start_loopback(Simulator::new(SimConfig::instant()))
            .await
            .unwrap();
        let client = http_client(&server);
        server.simulator().inject(Route::Status, fault);
        let dir = tempfile::tempdir().unwrap();
        let generated = client
            .generate(&small_request(), dir.path())
            .await
            .unwrap_or_else(|e| panic!("{name}: the wait ended: {e}"));
        assert_eq!(server.simulator().stats().tasks_created, 1, "{name}");
        let bytes = std::fs::read(&generated.video.path).unwrap();
        assert!(matches_digest(&bytes, &generated.video.digest), "{name}");
    }
}

#[tokio::test]
async fn over_http_a_persistent_oversized_status_body_ends_the_wait_clearly() {
    let server = SimServer::start_loopback(Simulator::new(SimConfig::instant()))
        .await
        .unwrap();
    let client = http_client(&server);
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for _ in 0..1000 {
        server
            .simulator()
            .inject(Route::Status, Fault::OversizedBody);
    }
    let started = std::time::Instant::now();
    let err = client.wait(&id).await.unwrap_err();
    assert!(is_unusable_answer(&err), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(
        server.simulator().stats().status_requests,
        u64::from(http_config().max_bad_polls) + 1
    );
}

#[test]
fn the_cli_names_the_task_and_the_resume_command_when_status_answers_stay_unusable() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(SimServer::start_loopback(Simulator::new(
            SimConfig::instant(),
        )))
        .unwrap();
    for _ in 0..1000 {
        server
            .simulator()
            .inject(Route::Status, Fault::OversizedBody);
    }
    let (result, _dir) = seedance_tests::generate_over_http(&server.api_url(), "a red kite");
    assert_eq!(result.code, 1, "{}", result.stderr);
    let stats = server.simulator().stats();
    assert_eq!(stats.tasks_created, 1);
    let id = server
        .simulator()
        .task_ids()
        .into_iter()
        .next()
        .expect("one task");
    assert!(
        result.stderr.contains(&format!("task {id}")),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains(&format!("seedance generate --task {id} --out")),
        "{}",
        result.stderr
    );
}
