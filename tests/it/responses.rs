//! Every response shape listed in `task-status.md` parses.

use seedance_core::{
    ErrorCode, ErrorType, ResponseError, TaskStatus, parse_error_body, parse_submit_body,
    parse_task_body,
};
use seedance_tests::fixture;

fn body(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("responses/{name}"))).unwrap()
}

#[test]
fn submit_accepts_the_array_and_the_object_form() {
    for name in ["submit_array.json", "submit_object.json"] {
        let r = parse_submit_body(&body(name)).unwrap();
        assert_eq!(r.task_id, "task_01KMCGF6BQGN3X28H3KSR50X5T", "{name}");
        assert_eq!(r.status.as_deref(), Some("submitted"));
    }
    assert!(matches!(
        parse_submit_body(br#"{"code":200,"data":[]}"#),
        Err(ResponseError::UnexpectedShape(_))
    ));
    assert!(matches!(
        parse_submit_body(b"<html>"),
        Err(ResponseError::NotJson(_))
    ));
}

#[test]
fn pending_and_processing_tasks() {
    let t = parse_task_body(&body("task_pending.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Pending);
    assert_eq!(t.progress, None);
    assert_eq!(t.estimated_time, Some(90));
    assert!(!t.status.is_terminal());
    let t = parse_task_body(&body("task_processing.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Processing);
    assert_eq!(t.progress, Some(42));
}

#[test]
fn completed_task_with_url_array() {
    let t = parse_task_body(&body("task_completed.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Completed);
    assert_eq!(t.actual_time, Some(96));
    assert_eq!(t.completed, Some(1_762_853_791));
    let r = t.result.unwrap();
    assert_eq!(r.video_url(), Some("https://cdn.example.com/v/x.mp4"));
    assert_eq!(r.expires_at(), Some(1_762_940_191));
    assert_eq!(
        r.thumbnail_url.as_deref(),
        Some("https://cdn.example.com/v/x.jpg")
    );
    assert_eq!(r.last_frame_url, None);
    // The raw result is kept for fields this version does not read.
    assert!(r.raw.get("videos").is_some());
}

#[test]
fn completed_task_with_url_string() {
    let r = parse_task_body(&body("task_completed_url_string.json"))
        .unwrap()
        .result
        .unwrap();
    assert_eq!(r.video_url(), Some("https://cdn.example.com/v/old.mp4"));
}

#[test]
fn last_frame_from_string_array_or_images() {
    for (name, url) in [
        (
            "task_completed_last_frame_string.json",
            "https://cdn.example.com/v/a_last.png",
        ),
        (
            "task_completed_last_frame_array.json",
            "https://cdn.example.com/v/b_last.png",
        ),
        (
            "task_completed_last_frame_images.json",
            "https://cdn.example.com/v/c_last.png",
        ),
    ] {
        let r = parse_task_body(&body(name)).unwrap().result.unwrap();
        assert_eq!(r.last_frame_url.as_deref(), Some(url), "{name}");
    }
}

#[test]
fn failures_in_every_documented_error_shape() {
    let e = parse_task_body(&body("task_failed.json"))
        .unwrap()
        .error
        .unwrap();
    assert_eq!(e.code, Some(ErrorCode::Number(400)));
    assert_eq!(e.kind, Some(ErrorType::InvalidRequest));
    assert_eq!(e.message, "content policy violation");

    let e = parse_task_body(&body("task_failed_string_code.json"))
        .unwrap()
        .error
        .unwrap();
    assert_eq!(e.code, Some(ErrorCode::Text("task_failed".into())));

    let t = parse_task_body(&body("task_failed_bare_string.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Failed);
    assert_eq!(t.error.unwrap().message, "upstream timeout");
}

#[test]
fn cancelled_and_unknown_statuses() {
    let t = parse_task_body(&body("task_cancelled.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Cancelled);
    assert!(t.status.is_terminal());
    let t = parse_task_body(&body("task_unknown_status.json")).unwrap();
    assert_eq!(t.status, TaskStatus::Unknown("moderating".into()));
    assert_eq!(t.status.as_str(), "moderating");
    assert!(!t.status.is_terminal());
}

#[test]
fn error_bodies_map_their_type_with_an_unknown_fallback() {
    for (status, kind) in [
        (400, ErrorType::InvalidRequest),
        (401, ErrorType::Authentication),
        (402, ErrorType::PaymentRequired),
        (429, ErrorType::RateLimit),
        (500, ErrorType::Server),
        (403, ErrorType::Unknown("permission_denied".into())),
    ] {
        let e = parse_error_body(&body(&format!("error_{status}.json"))).unwrap();
        assert_eq!(e.kind, Some(kind), "{status}");
        assert_eq!(e.code, Some(ErrorCode::Number(status)));
    }
    assert_eq!(parse_error_body(&body("error_502_html.txt")), None);
    let bare = parse_error_body(br#"{"error":"quota exceeded"}"#).unwrap();
    assert_eq!(bare.message, "quota exceeded");
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    for b in [
        &b"{}"[..],
        b"[]",
        b"null",
        br#"{"code":200,"data":"x"}"#,
        br#"{"code":200,"data":{"status":5}}"#,
        br#"{"code":200,"data":{}}"#,
    ] {
        assert!(
            parse_task_body(b).is_err(),
            "{}",
            String::from_utf8_lossy(b)
        );
    }
}
