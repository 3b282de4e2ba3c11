//! The conformance suite: public async checks that every [`Transport`]
//! implementation must pass against an API that behaves like apimart's or
//! Ark's (the simulator, in process or over loopback HTTP; or the real
//! service). The checks are the same for every provider; only the paths
//! and bodies differ, taken from [`ProviderKind`].
//!
//! Each check panics with a message naming the broken rule. Run them all with
//! [`run_all`] (apimart) or [`run_all_for`]:
//!
//! ```no_run
//! # async fn demo(t: &dyn seedance_transport::Transport, anon: &dyn seedance_transport::Transport) {
//! use seedance_core::provider::ProviderKind;
//! seedance_transport::conformance::run_all(t, anon).await;
//! seedance_transport::conformance::run_all_for(ProviderKind::Ark, t, anon).await;
//! # }
//! ```

use std::time::Duration;

use futures_util::StreamExt;
use seedance_core::ErrorType;
use seedance_core::TaskStatus;
use seedance_core::provider::ProviderKind;

use crate::transport::Transport;
use crate::wire::ApiRequest;

/// A valid create body in `provider`'s dialect: 4 s at 480p, last frame asked.
fn valid_body(provider: ProviderKind) -> Vec<u8> {
    let body = match provider {
        ProviderKind::Apimart => {
            r#"{"model":"doubao-seedance-2.0-fast","prompt":"conformance check","duration":4,"resolution":"480p","return_last_frame":true}"#.to_owned()
        }
        p => {
            let model = p
                .model_id(&seedance_core::Model::Seedance2Fast)
                .expect("fast is served on Ark");
            format!(
                r#"{{"model":"{model}","content":[{{"type":"text","text":"conformance check"}}],"ratio":"16:9","duration":4,"resolution":"480p","return_last_frame":true}}"#
            )
        }
    };
    body.into_bytes()
}

/// A create body every provider refuses: duration 99.
fn invalid_body(provider: ProviderKind) -> Vec<u8> {
    match provider {
        ProviderKind::Apimart => br#"{"model":"doubao-seedance-2.0","duration":99}"#.to_vec(),
        p => {
            let model = p
                .model_id(&seedance_core::Model::Seedance2)
                .expect("2.0 is served on Ark");
            format!(
                r#"{{"model":"{model}","content":[{{"type":"text","text":"x"}}],"duration":99}}"#
            )
            .into_bytes()
        }
    }
}

/// Runs every check against an apimart-like API. `transport` carries a
/// valid key; `unauthenticated` reaches the same API without one (or with
/// a wrong one).
pub async fn run_all(transport: &dyn Transport, unauthenticated: &dyn Transport) {
    run_all_for(ProviderKind::Apimart, transport, unauthenticated).await;
}

/// [`run_all`] against an API speaking `provider`'s dialect.
pub async fn run_all_for(
    provider: ProviderKind,
    transport: &dyn Transport,
    unauthenticated: &dyn Transport,
) {
    invalid_request_is_400_with_error_body_for(provider, transport).await;
    missing_key_is_401_for(provider, unauthenticated).await;
    unknown_task_is_an_error_status_for(provider, transport).await;
    let task_id = submit_returns_a_task_id_for(provider, transport).await;
    let video = status_progresses_to_completed_for(provider, transport, &task_id).await;
    media_streams_with_matching_length(transport, &video).await;
}

/// A valid submit answers 200 with a task id.
pub async fn submit_returns_a_task_id(t: &dyn Transport) -> String {
    submit_returns_a_task_id_for(ProviderKind::Apimart, t).await
}

/// [`submit_returns_a_task_id`] in `provider`'s dialect.
pub async fn submit_returns_a_task_id_for(provider: ProviderKind, t: &dyn Transport) -> String {
    let r = t
        .send(ApiRequest::post_json(
            provider.submit_path(),
            valid_body(provider),
        ))
        .await
        .expect("submit: transport error");
    assert_eq!(r.status, 200, "submit: expected 200, got {r:?}");
    provider
        .parse_submit_body(&r.body)
        .expect("submit: unreadable body")
        .task_id
}

/// An invalid submit answers 400 with the documented error body.
pub async fn invalid_request_is_400_with_error_body(t: &dyn Transport) {
    invalid_request_is_400_with_error_body_for(ProviderKind::Apimart, t).await;
}

/// [`invalid_request_is_400_with_error_body`] in `provider`'s dialect.
pub async fn invalid_request_is_400_with_error_body_for(provider: ProviderKind, t: &dyn Transport) {
    let r = t
        .send(ApiRequest::post_json(
            provider.submit_path(),
            invalid_body(provider),
        ))
        .await
        .expect("invalid submit: transport error");
    assert_eq!(r.status, 400, "invalid submit: expected 400, got {r:?}");
    let e = provider
        .parse_error_body(&r.body)
        .expect("invalid submit: no error body");
    assert_eq!(e.kind, Some(ErrorType::InvalidRequest));
}

/// A request without a valid key answers 401 with the documented error body.
pub async fn missing_key_is_401(unauthenticated: &dyn Transport) {
    missing_key_is_401_for(ProviderKind::Apimart, unauthenticated).await;
}

/// [`missing_key_is_401`] in `provider`'s dialect.
pub async fn missing_key_is_401_for(provider: ProviderKind, unauthenticated: &dyn Transport) {
    let r = unauthenticated
        .send(ApiRequest::post_json(
            provider.submit_path(),
            valid_body(provider),
        ))
        .await
        .expect("unauthenticated submit: transport error");
    assert_eq!(
        r.status, 401,
        "unauthenticated submit: expected 401, got {r:?}"
    );
    let e = provider
        .parse_error_body(&r.body)
        .expect("401: no error body");
    assert_eq!(e.kind, Some(ErrorType::Authentication));
}

/// Status of a task that does not exist is an error status, not a 200.
pub async fn unknown_task_is_an_error_status(t: &dyn Transport) {
    unknown_task_is_an_error_status_for(ProviderKind::Apimart, t).await;
}

/// [`unknown_task_is_an_error_status`] in `provider`'s dialect.
pub async fn unknown_task_is_an_error_status_for(provider: ProviderKind, t: &dyn Transport) {
    let r = t
        .send(ApiRequest::get(provider.task_path("task_does_not_exist")))
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
    status_progresses_to_completed_for(ProviderKind::Apimart, t, task_id).await
}

/// [`status_progresses_to_completed`] in `provider`'s dialect.
pub async fn status_progresses_to_completed_for(
    provider: ProviderKind,
    t: &dyn Transport,
    task_id: &str,
) -> String {
    let mut last_progress = 0;
    for _ in 0..1200 {
        let request = ApiRequest::get(provider.task_path(task_id));
        let request = match provider {
            ProviderKind::Apimart => request.with_query("language", "en"),
            _ => request,
        };
        let r = t.send(request).await.expect("status: transport error");
        assert_eq!(r.status, 200, "status: expected 200, got {r:?}");
        let task = provider
            .parse_task_body(&r.body)
            .expect("status: unreadable body");
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
            TaskStatus::Failed | TaskStatus::Cancelled | TaskStatus::Expired => {
                panic!("task ended {}", task.status)
            }
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
