//! Waiting: pending → processing → completed, failures, cancellation,
//! unknown statuses and unreadable bodies, with paused time.

use std::time::Duration;

use seedance_core::TaskStatus;
use seedance_sim::{Fault, Route, SimConfig};
use seedance_tests::{sim_client, small_request};
use seedance_transport::{ClientConfig, ClientError};

fn setup() -> (seedance_transport::Client, seedance_sim::Simulator) {
    sim_client(SimConfig::default(), ClientConfig::default())
}

#[tokio::test(start_paused = true)]
async fn wait_sees_progress_and_completes_with_few_polls() {
    let config = SimConfig {
        queue_secs: (3.0, 3.0),
        ..SimConfig::default()
    };
    let (client, _sim) = sim_client(config, ClientConfig::default());
    let id = client.submit(&small_request()).await.unwrap().task_id;
    let mut events = Vec::new();
    let task = client
        .wait_with(&id, |e| events.push(e.clone()))
        .await
        .unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert_eq!(events.first().unwrap().status, TaskStatus::Pending);
    assert!(events.iter().any(|e| e.status == TaskStatus::Processing));
    let progress: Vec<u8> = events.iter().filter_map(|e| e.progress).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert!(events.len() <= 10, "{} polls", events.len());
}

#[tokio::test(start_paused = true)]
async fn failed_task_is_a_typed_error_with_the_server_message() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    sim.fail_task(&id, "content policy violation");
    match client.wait(&id).await.unwrap_err() {
        ClientError::TaskFailed { task_id, error } => {
            assert_eq!(task_id, id);
            assert_eq!(error.unwrap().message, "content policy violation");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn cancelled_task_is_a_typed_error() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    sim.cancel_task(&id);
    assert!(matches!(
        client.wait(&id).await,
        Err(ClientError::TaskCancelled { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn unknown_status_keeps_polling_until_the_deadline() {
    let config = ClientConfig {
        wait_timeout: Duration::from_secs(600),
        ..ClientConfig::default()
    };
    let (client, sim) = sim_client(SimConfig::default(), config);
    let id = client.submit(&small_request()).await.unwrap().task_id;
    sim.set_task_status(&id, "moderating");
    match client.wait(&id).await.unwrap_err() {
        ClientError::WaitTimeout {
            last_status,
            waited,
            ..
        } => {
            assert_eq!(last_status, Some(TaskStatus::Unknown("moderating".into())));
            assert!(
                waited >= Duration::from_secs(600) && waited < Duration::from_secs(601),
                "{waited:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Bounded by the ceiling: a 600 s wait costs tens of polls, not hundreds.
    let polls = sim.stats().status_requests;
    assert!((5..=60).contains(&polls), "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn a_few_unreadable_status_bodies_are_tolerated() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for _ in 0..3 {
        sim.inject(Route::Status, Fault::WrongShape);
    }
    sim.inject(Route::Status, Fault::Malformed);
    assert_eq!(
        client.wait(&id).await.unwrap().status,
        TaskStatus::Completed
    );
}

#[tokio::test(start_paused = true)]
async fn persistently_unreadable_status_bodies_fail_the_wait() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for _ in 0..50 {
        sim.inject(Route::Status, Fault::WrongShape);
    }
    assert!(matches!(
        client.wait(&id).await,
        Err(ClientError::UnexpectedResponse { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_cannot_hang_wait_past_its_deadline() {
    let config = ClientConfig {
        wait_timeout: Duration::from_secs(300),
        ..ClientConfig::default()
    };
    let (client, sim) = sim_client(SimConfig::default(), config);
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for _ in 0..100 {
        sim.inject(Route::Status, Fault::Hang);
    }
    let start = tokio::time::Instant::now();
    let err = client.wait(&id).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::WaitTimeout { .. } | ClientError::Transport { .. }
        ),
        "{err:?}"
    );
    assert!(
        start.elapsed() <= Duration::from_secs(301),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn unknown_task_id_is_an_api_error() {
    let (client, _sim) = setup();
    let err = client.wait("task_nope").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
}
