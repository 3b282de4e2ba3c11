//! Ark response bodies written from the public documentation
//! (`tests/fixtures/ark/`, sources in its README) parse as documented.

use super::*;
use crate::Model;
use crate::provider::ProviderKind;
use crate::response::{ErrorCode, ErrorType, TaskStatus};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/ark/",
            $name
        ))
        .as_slice()
    };
}

#[test]
fn create_response() {
    let r = parse_create_body(fixture!("create.json")).unwrap();
    assert_eq!(r.task_id, "cgt-2025******-****");
    assert_eq!(r.status, None);
}

#[test]
fn the_published_succeeded_tasks() {
    for (body, model, provider) in [
        (
            fixture!("task_succeeded_byteplus.json"),
            "dreamina-seedance-2-0-260128",
            ProviderKind::BytePlus,
        ),
        (
            fixture!("task_succeeded_volcengine.json"),
            "doubao-seedance-2-0-260128",
            ProviderKind::Ark,
        ),
    ] {
        let t = parse_task_body(body).unwrap();
        assert_eq!(t.status, TaskStatus::Completed);
        assert!(t.is_done());
        assert_eq!(t.error, None);
        assert_eq!(completion_tokens(&t), Some(108_900));
        assert_eq!(t.raw["model"], model);
        assert_eq!(project_model(model), Some(Model::Seedance2));
        let created = t.created.unwrap();
        assert_eq!(t.actual_time, Some((t.completed.unwrap() - created) as u64));
        let r = t.result.as_ref().unwrap();
        assert!(
            r.video_url()
                .unwrap()
                .starts_with("https://ark-content-generation-")
        );
        assert_eq!(
            r.expires_at(),
            Some(t.completed.unwrap() + RESULT_URL_TTL_SECS)
        );
        assert_eq!(r.last_frame_url, None);
        // The documented estimate of this request (720p, 16:9, 5 s) is the
        // bill, token for token.
        let dims = output_dims(crate::Resolution::P720, crate::Size::Landscape16x9).unwrap();
        assert_eq!(estimate_tokens(0.0, 5, dims, OUTPUT_FPS), 108_900);
        let table = TokenPriceTable::builtin(provider).unwrap();
        let billed = table.billed(&t, &Model::Seedance2, false).unwrap();
        assert_eq!(billed.tokens, 108_900);
        let per_million = if provider == ProviderKind::Ark {
            46.0
        } else {
            7.0
        };
        assert!((billed.cost - 108_900.0 * per_million / 1e6).abs() < 1e-9);
    }
    let t = parse_task_body(fixture!("task_succeeded_last_frame.json")).unwrap();
    assert!(t.result.unwrap().last_frame_url.unwrap().ends_with(".png"));
}

#[test]
fn every_other_status() {
    for (body, status) in [
        (fixture!("task_queued.json"), TaskStatus::Pending),
        (fixture!("task_running.json"), TaskStatus::Processing),
        (fixture!("task_cancelled.json"), TaskStatus::Cancelled),
        (fixture!("task_expired.json"), TaskStatus::Expired),
        (fixture!("task_failed.json"), TaskStatus::Failed),
    ] {
        let t = parse_task_body(body).unwrap();
        assert_eq!(t.status, status);
        assert!(!t.is_done());
        assert_eq!(t.result, None);
        assert_eq!(t.completed.is_some(), status.is_terminal());
        assert_eq!(completion_tokens(&t), None);
    }
    let failed = parse_task_body(fixture!("task_failed.json")).unwrap();
    assert_eq!(
        failed.error.as_ref().unwrap().code,
        Some(ErrorCode::Text(
            "OutputVideoSensitiveContentDetected".into()
        ))
    );
    assert_eq!(failed.billed(), Some(0.0));
    let queued = parse_task_body(fixture!("task_queued.json")).unwrap();
    assert_eq!(delete_effect(&queued.status), Ok(DeleteEffect::Cancels));
    let running = parse_task_body(fixture!("task_running.json")).unwrap();
    assert_eq!(delete_effect(&running.status), Err(CannotDelete::Running));
}

#[test]
fn the_list_page() {
    let page = parse_list_body(fixture!("list.json")).unwrap();
    assert_eq!(page.total, 3);
    let statuses: Vec<_> = page.items.iter().map(|t| t.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            TaskStatus::Pending,
            TaskStatus::Completed,
            TaskStatus::Failed
        ]
    );
    assert_eq!(completion_tokens(&page.items[1]), Some(108_900));
    let e = page.items[2].error.as_ref().unwrap();
    assert!(
        e.code
            .as_ref()
            .unwrap()
            .to_string()
            .contains("PrivacyInformation")
    );
}

#[test]
fn the_delete_response_is_an_empty_object() {
    let v: serde_json::Value = serde_json::from_slice(fixture!("delete.json")).unwrap();
    assert_eq!(v, serde_json::json!({}));
}

#[test]
fn error_bodies() {
    let e = parse_error_body(fixture!("error_400_role_required.json")).unwrap();
    assert_eq!(e.code, Some(ErrorCode::Text("InvalidParameter".into())));
    assert_eq!(e.kind, Some(ErrorType::InvalidRequest));
    assert_eq!(e.param.as_deref(), Some("content"));
    assert!(
        e.message
            .contains("role must be specified for image contents")
    );
    let e = parse_error_body(fixture!("error_400_image_url.json")).unwrap();
    assert_eq!(e.param.as_deref(), Some("content[1].image_url"));
    assert!(
        e.to_string().ends_with("(param: content[1].image_url)"),
        "{e}"
    );
    for (body, code, kind) in [
        (
            fixture!("error_401.json"),
            "AuthenticationError",
            ErrorType::Authentication,
        ),
        (
            fixture!("error_403_overdue.json"),
            "AccountOverdueError",
            ErrorType::PaymentRequired,
        ),
        (
            fixture!("error_429_quota.json"),
            "QuotaExceeded",
            ErrorType::RateLimit,
        ),
    ] {
        let e = parse_error_body(body).unwrap();
        assert_eq!(e.code, Some(ErrorCode::Text(code.into())));
        assert_eq!(e.kind, Some(kind));
        assert_eq!(e.param, None);
    }
}
