//! Idempotent submits (issue 22): every submit carries an
//! `Idempotency-Key`; where the service honours keys, an uncertain submit
//! is resent with the same key and body and the service's replay makes it
//! one task, paid once, with no flag; where it does not, today's safe
//! behaviour stands (reported, never resent).

use std::sync::Arc;

use seedance_sim::{Fault, Route, SimConfig, SimServer, SimTransport, Simulator};
use seedance_tests::{run_cli, sim_client, small_request};
use seedance_transport::{
    ApiKey, Client, ClientConfig, IdempotencySupport, KeyedResend, ReqwestTransport,
};
use seedance_workflows::{ChainOptions, Plan, run_chain};
use serde_json::json;

fn four_segments() -> Plan {
    Plan::from_json(&json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4},
        "segments": [{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four"}]
    }))
    .unwrap()
    .0
}

fn manifest(dir: &std::path::Path) -> seedance_workflows::Manifest {
    seedance_tests::recorded_run(dir)
}

#[tokio::test(start_paused = true)]
async fn a_gateway_502_after_the_task_was_created_ends_in_one_paid_task_without_a_flag() {
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
    let dir = tempfile::tempdir().unwrap();
    let submitted = client.submit(&small_request()).await.unwrap();
    assert!(submitted.replayed, "{submitted:?}");
    assert!(!submitted.resent_unconfirmed);
    let stats = sim.stats();
    assert_eq!((stats.tasks_created, stats.replays), (1, 1), "{stats:?}");
    assert_eq!(stats.submits_received, 2);
    client
        .finish(&submitted.task_id, dir.path(), |_| {})
        .await
        .unwrap();
    assert_eq!(client.idempotency_support(), IdempotencySupport::Shown);
}

#[tokio::test]
async fn over_http_a_lost_answer_is_resent_with_its_key_once_support_was_shown() {
    let server = SimServer::start_loopback(Simulator::new(SimConfig::instant()))
        .await
        .unwrap();
    let transport = ReqwestTransport::builder()
        .base_url(server.api_url())
        .api_key(ApiKey::new(seedance_sim::DEFAULT_SIM_KEY).unwrap())
        .build()
        .unwrap();
    let client = Client::with_config(Arc::new(transport), ClientConfig::default());
    // Nothing is known yet: a first submit cut after the service acted is
    // reported, not resent.
    server
        .simulator()
        .inject(Route::Submit, Fault::DropAfterHandling);
    let err = client.submit(&small_request()).await.unwrap_err();
    assert!(err.may_have_created_task(), "{err:?}");
    assert_eq!(server.simulator().stats().tasks_created, 1);
    // An answer shows the service honours keys; from then on a lost answer
    // is asked again with the same key and replayed.
    client.submit(&small_request()).await.unwrap();
    server
        .simulator()
        .inject(Route::Submit, Fault::DropAfterHandling);
    let submitted = client.submit(&small_request()).await.unwrap();
    assert!(submitted.replayed);
    let stats = server.simulator().stats();
    assert_eq!((stats.tasks_created, stats.replays), (3, 1), "{stats:?}");
}

#[tokio::test(start_paused = true)]
async fn a_service_that_ignores_keys_keeps_todays_safe_behaviour() {
    let (client, sim) = sim_client(
        SimConfig::quick().ignoring_idempotency_keys(),
        ClientConfig::default(),
    );
    // Support is not shown by a success answer either.
    client.submit(&small_request()).await.unwrap();
    assert_eq!(client.idempotency_support(), IdempotencySupport::NotShown);
    sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
    let err = client.submit(&small_request()).await.unwrap_err();
    assert!(err.may_have_created_task(), "{err:?}");
    let stats = sim.stats();
    assert_eq!((stats.tasks_created, stats.submits_received), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn keyed_resends_can_be_turned_off_and_a_refusal_is_never_resent() {
    let config = ClientConfig {
        keyed_resend: KeyedResend::Never,
        ..ClientConfig::default()
    };
    let (client, sim) = sim_client(SimConfig::quick(), config);
    client.submit(&small_request()).await.unwrap();
    sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
    assert!(
        client
            .submit(&small_request())
            .await
            .unwrap_err()
            .may_have_created_task()
    );
    assert_eq!(sim.stats().submits_received, 2);
    // A 403 will not change by asking again, key or not.
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    client.submit(&small_request()).await.unwrap();
    sim.inject(Route::Submit, Fault::Status(403));
    client.submit(&small_request()).await.unwrap_err();
    assert_eq!(sim.stats().submits_received, 2);
}

#[tokio::test(start_paused = true)]
async fn every_submit_carries_a_valid_key_and_the_simulator_refuses_a_reused_key_with_another_body()
{
    let transport = SimTransport::with_config(SimConfig::quick());
    let sim = transport.simulator().clone();
    let client = Client::with_config(Arc::new(transport), ClientConfig::default());
    let a = client.submit(&small_request()).await.unwrap();
    let b = client.submit(&small_request()).await.unwrap();
    assert_ne!(a.idempotency_key, b.idempotency_key);
    // A second client with the same (fixed) jitter seed, as a second CLI
    // run in the same second would be, draws other keys.
    let twin = Client::with_config(client.transport().clone(), ClientConfig::default());
    let c = twin.submit(&small_request()).await.unwrap();
    assert!(!c.replayed, "a second client reused a key");
    assert_ne!(c.idempotency_key, a.idempotency_key);
    for key in [&a.idempotency_key, &b.idempotency_key] {
        assert!(seedance_core::IdempotencyKey::new(key.as_str()).is_ok());
    }
    // The same key with the same body is the same task; with another body
    // it is refused (and nothing is created).
    let again = client
        .submit_with_key(&small_request(), &a.idempotency_key)
        .await
        .unwrap();
    assert_eq!(again.task_id, a.task_id);
    assert!(again.replayed);
    let other = small_request().with_prompt("another shot");
    let err = client
        .submit_with_key(&other, &a.idempotency_key)
        .await
        .unwrap_err();
    assert_eq!(err.status(), None, "{err:?}");
    assert_eq!(sim.stats().tasks_created, 3);
}

#[tokio::test(start_paused = true)]
async fn a_chain_hit_by_a_gateway_502_after_creation_finishes_with_one_task_per_segment() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    sim.inject(Route::Submit, Fault::Slow(std::time::Duration::ZERO));
    sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
    run_chain(
        &client,
        &four_segments(),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let stats = sim.stats();
    assert_eq!((stats.tasks_created, stats.replays), (4, 1), "{stats:?}");
    let m = manifest(dir.path());
    assert!(m.jobs[1].replayed);
    assert!(m.jobs.iter().all(|j| j.idempotency_key.is_some()));
    let status = run_cli(&["status", dir.path().to_str().unwrap()], "");
    assert!(
        status.stdout.contains("confirmed by a replay"),
        "{}",
        status.stdout
    );
}

#[tokio::test(start_paused = true)]
async fn a_rerun_resends_an_uncertain_submit_with_its_recorded_key_and_pays_once() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    sim.inject(Route::Submit, Fault::Slow(std::time::Duration::ZERO));
    // Segment 1's answers keep failing after the service acted: the first
    // send and every resend within the retry budget (6 retries) get a 502,
    // and the run stops with the submit uncertain.
    let attempts = ClientConfig::default().retry.max_retries + 1;
    for _ in 0..attempts {
        sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
    }
    let err = run_chain(
        &client,
        &four_segments(),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("may have been billed"), "{err}");
    let stuck = manifest(dir.path()).jobs[1].clone();
    assert!(
        stuck.keys_honoured && stuck.idempotency_key.is_some(),
        "{stuck:?}"
    );
    assert_eq!(sim.stats().tasks_created, 2);

    // The service is healthy again; a new process (a new client) reruns.
    let fresh = seedance_transport::Client::with_config(
        client.transport().clone(),
        ClientConfig::default(),
    );
    run_chain(
        &fresh,
        &four_segments(),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let m = manifest(dir.path());
    assert_eq!(m.jobs[1].idempotency_key, stuck.idempotency_key);
    assert!(m.jobs[1].replayed, "{:?}", m.jobs[1]);
    assert_eq!(sim.stats().tasks_created, 4, "{:?}", sim.stats());
}

#[test]
fn generate_against_mock_server_recovers_from_a_gateway_502_after_creation() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(SimServer::start_loopback(Simulator::new(
            SimConfig::instant(),
        )))
        .unwrap();
    server
        .simulator()
        .inject(Route::Submit, Fault::StatusAfterHandling(502));
    let (result, _dir) = seedance_tests::generate_over_http(&server.api_url(), "a red kite");
    assert_eq!(result.code, 0, "{}", result.stderr);
    let stats = server.simulator().stats();
    assert_eq!((stats.tasks_created, stats.replays), (1, 1), "{stats:?}");
}
