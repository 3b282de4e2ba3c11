//! The conformance suite: public async checks that every [`Transport`]
//! implementation must pass against an API that behaves like apimart's (the
//! simulator, in process or over loopback HTTP; or the real service).
//!
//! Each check panics with a message naming the broken rule. Run them all with
//! [`run_all`]:
//!
//! ```no_run
//! # async fn demo(t: &dyn seedance_transport::Transport, anon: &dyn seedance_transport::Transport) {
//! seedance_transport::conformance::run_all(t, anon).await;
//! # }
//! ```

use std::time::Duration;

use futures_util::StreamExt;
use seedance_core::{ErrorType, TaskStatus, parse_error_body, parse_submit_body, parse_task_body};

use crate::client::{SUBMIT_PATH, TASK_PATH};
use crate::transport::Transport;
use crate::wire::ApiRequest;

const VALID: &str = r#"{"model":"doubao-seedance-2.0-fast","prompt":"conformance check","duration":4,"resolution":"480p","return_last_frame":true}"#;

/// Runs every check. `transport` carries a valid key; `unauthenticated`
/// reaches the same API without one (or with a wrong one).
pub async fn run_all(transport: &dyn Transport, unauthenticated: &dyn Transport) {
    invalid_request_is_400_with_error_body(transport).await;
    missing_key_is_401(unauthenticated).await;
    unknown_task_is_an_error_status(transport).await;
    let task_id = submit_returns_a_task_id(transport).await;
    let video = status_progresses_to_completed(transport, &task_id).await;
    media_streams_with_matching_length(transport, &video).await;
}

/// A valid submit answers 200 with a task id.
pub async fn submit_returns_a_task_id(t: &dyn Transport) -> String {
    let r = t
        .send(ApiRequest::post_json(
            SUBMIT_PATH,
            VALID.as_bytes().to_vec(),
        ))
        .await
        .expect("submit: transport error");
    assert_eq!(r.status, 200, "submit: expected 200, got {r:?}");
    parse_submit_body(&r.body)
        .expect("submit: unreadable body")
        .task_id
}

/// An invalid submit answers 400 with the documented error body.
pub async fn invalid_request_is_400_with_error_body(t: &dyn Transport) {
    let r = t
        .send(ApiRequest::post_json(
            SUBMIT_PATH,
            br#"{"model":"doubao-seedance-2.0","duration":99}"#.to_vec(),
        ))
        .await
        .expect("invalid submit: transport error");
    assert_eq!(r.status, 400, "invalid submit: expected 400, got {r:?}");
    let e = parse_error_body(&r.body).expect("invalid submit: no error body");
    assert_eq!(e.kind, Some(ErrorType::InvalidRequest));
}

/// A request without a valid key answers 401 with the documented error body.
pub async fn missing_key_is_401(unauthenticated: &dyn Transport) {
    let r = unauthenticated
        .send(ApiRequest::post_json(
            SUBMIT_PATH,
            VALID.as_bytes().to_vec(),
        ))
        .await
        .expect("unauthenticated submit: transport error");
    assert_eq!(
        r.status, 401,
        "unauthenticated submit: expected 401, got {r:?}"
    );
    let e = parse_error_body(&r.body).expect("401: no error body");
    assert_eq!(e.kind, Some(ErrorType::Authentication));
}

/// Status of a task that does not exist is an error status, not a 200.
pub async fn unknown_task_is_an_error_status(t: &dyn Transport) {
    let r = t
        .send(ApiRequest::get(format!("{TASK_PATH}task_does_not_exist")))
        .await
        .expect("unknown task: transport error");
    assert!(
        r.status >= 400,
        "unknown task: expected an error status, got {r:?}"
    );
}

/// Polls until completed (within 10 minutes of the transport's clock) and
/// returns the video URL; progress never goes backwards.
pub async fn status_progresses_to_completed(t: &dyn Transport, task_id: &str) -> String {
    let mut last_progress = 0;
    for _ in 0..1200 {
        let r = t
            .send(ApiRequest::get(format!("{TASK_PATH}{task_id}")).with_query("language", "en"))
            .await
            .expect("status: transport error");
        assert_eq!(r.status, 200, "status: expected 200, got {r:?}");
        let task = parse_task_body(&r.body).expect("status: unreadable body");
        assert_eq!(task.id, task_id);
        if let Some(p) = task.progress {
            assert!(
                p >= last_progress,
                "progress went back from {last_progress} to {p}"
            );
            last_progress = p;
        }
        match task.status {
            TaskStatus::Completed => {
                let result = task.result.expect("completed without result");
                assert!(
                    result.expires_at().is_some(),
                    "completed result without expires_at"
                );
                assert!(
                    result.last_frame_url.is_some(),
                    "return_last_frame asked but no last_frame_url"
                );
                return result
                    .video_url()
                    .expect("completed without a video URL")
                    .to_owned();
            }
            TaskStatus::Failed | TaskStatus::Cancelled => panic!("task ended {}", task.status),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    panic!("task {task_id} did not complete");
}

/// A media URL streams a body whose length matches `Content-Length`.
pub async fn media_streams_with_matching_length(t: &dyn Transport, url: &str) {
    let r = t.fetch(url).await.expect("media: transport error");
    assert_eq!(r.status, 200, "media: expected 200");
    let declared = r.content_length;
    let mut body = r.body;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.expect("media: body error"));
    }
    if let Some(len) = declared {
        assert_eq!(
            bytes.len() as u64,
            len,
            "media: length does not match Content-Length"
        );
    }
    assert_eq!(&bytes[4..8], b"ftyp", "media: not an MP4");
}
