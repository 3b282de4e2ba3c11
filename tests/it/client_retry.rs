//! Retry rules of the client, over the in-process simulator with paused time.

use std::time::Duration;

use seedance_core::ErrorType;
use seedance_sim::{Fault, Route, SimConfig};
use seedance_tests::{sim_client, small_request};
use seedance_transport::{ClientConfig, ClientError};
use tokio::time::Instant;

fn setup() -> (seedance_transport::Client, seedance_sim::Simulator) {
    sim_client(
        SimConfig::quick().ignoring_idempotency_keys(),
        ClientConfig::default(),
    )
}

#[tokio::test(start_paused = true)]
async fn rate_limit_with_retry_after_is_honoured() {
    let (client, sim) = setup();
    sim.inject(
        Route::Submit,
        Fault::RateLimited {
            retry_after: Some(7),
        },
    );
    let start = Instant::now();
    client.submit(&small_request()).await.unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(7),
        "{:?}",
        start.elapsed()
    );
    let s = sim.stats();
    assert_eq!((s.submits_received, s.tasks_created), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn rate_limit_without_retry_after_backs_off() {
    let (client, sim) = setup();
    sim.inject(Route::Submit, Fault::RateLimited { retry_after: None });
    sim.inject(Route::Submit, Fault::RateLimited { retry_after: None });
    let start = Instant::now();
    client.submit(&small_request()).await.unwrap();
    // Nothing got through: the pacer holds 0.5 s after each such 429.
    assert!(
        start.elapsed() <= Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(sim.stats().submits_received, 3);
    assert_eq!(sim.stats().tasks_created, 1);
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_on_reads() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for code in [500, 502, 503, 504] {
        sim.inject(Route::Status, Fault::Status(code));
    }
    sim.inject(Route::Status, Fault::HtmlPage(502));
    client.task(&id).await.unwrap();
    assert_eq!(sim.stats().status_requests, 6);
}

#[tokio::test(start_paused = true)]
async fn a_submit_answered_5xx_is_uncertain_and_not_resent() {
    for fault in [
        Fault::Status(500),
        Fault::StatusAfterHandling(502),
        Fault::HtmlPage(502),
        Fault::Status(504),
    ] {
        let (client, sim) = setup();
        sim.inject(Route::Submit, fault.clone());
        let err = client.submit(&small_request()).await.unwrap_err();
        assert!(err.may_have_created_task(), "{fault:?}: {err:?}");
        assert_eq!(
            err.submit_phase(),
            seedance_transport::SubmitPhase::Answered
        );
        let ClientError::SubmitUncertain { sent_at, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*sent_at, sim.unix_now(), "the send time is reported");
        assert_eq!(sim.stats().submits_received, 1, "{fault:?} was resent");
    }
}

#[tokio::test(start_paused = true)]
async fn resending_after_a_5xx_is_an_explicit_opt_in() {
    let config = ClientConfig {
        resubmit_when_uncertain: true,
        ..ClientConfig::default()
    };
    let (client, sim) = sim_client(SimConfig::quick().ignoring_idempotency_keys(), config);
    sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
    client.submit(&small_request()).await.unwrap();
    let s = sim.stats();
    // The opt-in pays twice when the gateway had created the task: documented.
    assert_eq!((s.submits_received, s.tasks_created), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn retries_are_capped_by_count() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for _ in 0..20 {
        sim.inject(Route::Status, Fault::Status(503));
    }
    let err = client.task(&id).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let max = client.config().retry.max_retries as u64;
    assert_eq!(sim.stats().status_requests, max + 1);
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_never_retried() {
    for code in [400, 401, 402, 403] {
        let (client, sim) = setup();
        sim.inject(Route::Submit, Fault::Status(code));
        let err = client.submit(&small_request()).await.unwrap_err();
        if code == 403 {
            // Not a documented refusal of a submit: a task may exist.
            assert!(err.may_have_created_task(), "{err:?}");
        } else {
            assert_eq!(err.status(), Some(code));
            assert!(!err.may_have_created_task());
        }
        assert_eq!(sim.stats().submits_received, 1, "{code} was retried");
    }
}

#[tokio::test(start_paused = true)]
async fn spent_balance_is_402_with_the_api_message() {
    let config = SimConfig {
        balance_video_seconds: Some(3.0),
        ..SimConfig::quick().ignoring_idempotency_keys()
    };
    let (client, sim) = sim_client(config, ClientConfig::default());
    let request = small_request().with_resolution(seedance_core::Resolution::P720);
    match client.submit(&request).await.unwrap_err() {
        ClientError::Api {
            status,
            kind,
            message,
            ..
        } => {
            assert_eq!(status, 402);
            assert_eq!(kind, Some(ErrorType::PaymentRequired));
            assert!(message.contains("balance"), "{message}");
        }
        other => panic!("expected a 402, got {other:?}"),
    }
    assert_eq!(sim.stats().tasks_created, 0);
}

#[tokio::test(start_paused = true)]
async fn invalid_requests_are_never_sent() {
    let (client, sim) = setup();
    let err = client
        .submit(&small_request().with_duration(30))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Invalid(_)), "{err:?}");
    assert_eq!(sim.stats().submits_received, 0);
}

#[tokio::test(start_paused = true)]
async fn connection_refused_before_sending_is_retried() {
    let (client, sim) = setup();
    sim.inject(Route::Submit, Fault::Refuse);
    sim.inject(Route::Submit, Fault::Refuse);
    client.submit(&small_request()).await.unwrap();
    assert_eq!(sim.stats().tasks_created, 1);
}

#[tokio::test(start_paused = true)]
async fn submit_that_may_have_arrived_is_not_resent() {
    for fault in [
        Fault::DropAfterHandling,
        Fault::HangAfterHandling,
        Fault::DropBeforeHandling,
        Fault::Hang,
    ] {
        let (client, sim) = setup();
        sim.inject(Route::Submit, fault.clone());
        let err = client.submit(&small_request()).await.unwrap_err();
        assert!(err.may_have_created_task(), "{fault:?}: {err:?}");
        assert!(err.to_string().contains("may have been billed"), "{err}");
        assert_eq!(sim.stats().submits_received, 1, "{fault:?}: resent");
    }
}

#[tokio::test(start_paused = true)]
async fn unreadable_success_body_on_submit_is_uncertain() {
    for fault in [Fault::Malformed, Fault::WrongShape] {
        let (client, sim) = setup();
        sim.inject(Route::Submit, fault.clone());
        let err = client.submit(&small_request()).await.unwrap_err();
        assert!(err.may_have_created_task(), "{fault:?}: {err:?}");
        assert_eq!(sim.stats().tasks_created, 1);
        assert_eq!(sim.stats().submits_received, 1);
    }
}

#[tokio::test(start_paused = true)]
async fn opting_in_resends_an_uncertain_submit() {
    let config = ClientConfig {
        resubmit_when_uncertain: true,
        ..ClientConfig::default()
    };
    let (client, sim) = sim_client(SimConfig::quick().ignoring_idempotency_keys(), config);
    sim.inject(Route::Submit, Fault::DropAfterHandling);
    client.submit(&small_request()).await.unwrap();
    // The caller chose this: two tasks, two charges.
    assert_eq!(sim.stats().tasks_created, 2);
}

#[tokio::test(start_paused = true)]
async fn status_calls_are_retried_after_any_transient_failure() {
    let (client, sim) = setup();
    let id = client.submit(&small_request()).await.unwrap().task_id;
    for fault in [
        Fault::DropAfterHandling,
        Fault::Hang,
        Fault::Status(500),
        Fault::RateLimited {
            retry_after: Some(1),
        },
    ] {
        sim.inject(Route::Status, fault);
    }
    let task = client.task(&id).await.unwrap();
    assert_eq!(task.id, id);
    assert_eq!(sim.stats().status_requests, 5);
}
