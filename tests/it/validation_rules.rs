//! One test per rule of `docs/validation-rules.md`: the code, the path, and
//! that every problem is reported at once.

use seedance_core::{
    Code, GenerationRequest, ImageRole, MediaFacts, MediaInfo, MediaUrl, Model, validate_json,
    validate_media,
};
use serde_json::{Value, json};

/// (code, path) of every error.
fn errors(body: Value) -> Vec<(Code, String)> {
    validate_json(&body)
        .errors
        .into_iter()
        .map(|v| (v.code, v.path))
        .collect()
}

fn warnings(body: Value) -> Vec<(Code, String)> {
    validate_json(&body)
        .warnings
        .into_iter()
        .map(|v| (v.code, v.path))
        .collect()
}

fn one(code: Code, path: &str) -> Vec<(Code, String)> {
    vec![(code, path.to_owned())]
}

#[test]
fn body_must_be_an_object() {
    for body in [json!([]), json!("x"), json!(1), json!(null)] {
        assert_eq!(errors(body), one(Code::NotAnObject, ""));
    }
}

#[test]
fn model_is_required_and_must_be_known() {
    assert_eq!(errors(json!({"prompt": "p"})), one(Code::Required, "model"));
    assert_eq!(
        errors(json!({"model": "doubao-seedance-1.5-pro", "prompt": "p"})),
        one(Code::UnknownModel, "model")
    );
    assert_eq!(
        errors(json!({"model": 2, "prompt": "p"})),
        one(Code::InvalidType, "model")
    );
}

#[test]
fn prompt_required_for_text_to_video_only() {
    for prompt in [json!(null), json!(""), json!("   \n\t")] {
        let mut body = json!({"model": "doubao-seedance-2.0"});
        if !prompt.is_null() {
            body["prompt"] = prompt;
        }
        assert_eq!(errors(body), one(Code::PromptRequired, "prompt"));
    }
    assert!(
        errors(json!({"model": "doubao-seedance-2.0", "image_urls": ["https://e.com/a.jpg"]}))
            .is_empty()
    );
    assert!(
        errors(json!({"model": "doubao-seedance-2.0", "video_urls": ["https://e.com/a.mp4"]}))
            .is_empty()
    );
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0", "prompt": 5})),
        one(Code::InvalidType, "prompt")
    );
}

#[test]
fn prompt_limit_counts_characters_not_bytes_and_mini_has_none() {
    let at_limit = "가".repeat(4000); // 12 000 bytes, 4000 characters
    assert!(errors(json!({"model": "doubao-seedance-2.0", "prompt": at_limit})).is_empty());
    let over = "a".repeat(4001);
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0-fast", "prompt": over})),
        one(Code::PromptTooLong, "prompt")
    );
    let huge = "a".repeat(20_000);
    assert!(errors(json!({"model": "doubao-seedance-2.0-mini", "prompt": huge})).is_empty());
}

#[test]
fn long_prompt_warns() {
    let w = warnings(json!({"model": "doubao-seedance-2.0", "prompt": "a".repeat(501)}));
    assert_eq!(w, one(Code::PromptLong, "prompt"));
    assert!(
        warnings(json!({"model": "doubao-seedance-2.0", "prompt": "a".repeat(500)})).is_empty()
    );
}

#[test]
fn duration_is_a_whole_number_from_4_to_15() {
    let body = |d: Value| json!({"model": "doubao-seedance-2.0", "prompt": "p", "duration": d});
    for ok in [4, 5, 15] {
        assert!(errors(body(json!(ok))).is_empty(), "{ok}");
    }
    for bad in [
        json!(3),
        json!(16),
        json!(0),
        json!(-5),
        json!(u64::MAX),
        json!(20.0),
    ] {
        assert_eq!(
            errors(body(bad.clone())),
            one(Code::DurationOutOfRange, "duration"),
            "{bad}"
        );
    }
    // A whole number written as a decimal is read as that number, with a warning.
    let report = seedance_core::validate_json(&body(json!(5.0)));
    assert!(report.is_valid());
    assert_eq!(report.warnings[0].code, Code::WholeNumberAsDecimal);
    for bad in [json!(5.5), json!("5"), json!(true)] {
        assert_eq!(
            errors(body(bad.clone())),
            one(Code::InvalidType, "duration"),
            "{bad}"
        );
    }
}

#[test]
fn size_and_resolution_from_their_lists() {
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0", "prompt": "p", "size": "5:4"})),
        one(Code::UnknownSize, "size")
    );
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0", "prompt": "p", "resolution": "8k"})),
        one(Code::UnknownResolution, "resolution")
    );
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0", "prompt": "p", "resolution": "1080P"})),
        one(Code::UnknownResolution, "resolution"),
        "values are case-sensitive"
    );
}

#[test]
fn high_resolutions_only_on_the_standard_model() {
    for model in ["doubao-seedance-2.0-fast", "doubao-seedance-2.0-mini"] {
        for res in ["1080p", "4k"] {
            assert_eq!(
                errors(json!({"model": model, "prompt": "p", "resolution": res})),
                one(Code::ResolutionNotSupported, "resolution")
            );
        }
    }
    assert!(
        errors(json!({"model": "doubao-seedance-2.0", "prompt": "p", "resolution": "4k"}))
            .is_empty()
    );
}

#[test]
fn tools_only_web_search() {
    let base =
        |tools: Value| json!({"model": "doubao-seedance-2.0", "prompt": "p", "tools": tools});
    assert!(errors(base(json!([{"type": "web_search"}]))).is_empty());
    assert_eq!(
        errors(base(json!([{"type": "code"}]))),
        one(Code::UnknownTool, "tools[0].type")
    );
    assert_eq!(
        errors(base(json!([{}]))),
        one(Code::Required, "tools[0].type")
    );
    assert_eq!(
        errors(base(json!(["web_search"]))),
        one(Code::InvalidType, "tools[0]")
    );
    assert_eq!(
        errors(base(json!({"type": "web_search"}))),
        one(Code::InvalidType, "tools")
    );
}

#[test]
fn image_urls_at_most_nine_and_each_a_valid_url() {
    let urls: Vec<String> = (0..10).map(|i| format!("https://e.com/{i}.jpg")).collect();
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0", "image_urls": urls})),
        one(Code::TooManyImages, "image_urls")
    );
    let got = errors(json!({"model": "doubao-seedance-2.0", "image_urls": [
        "https://e.com/0.jpg", "ftp://e.com/1.jpg", "https://e.com/2.jpg", "asset://", 7
    ]}));
    assert_eq!(
        got,
        vec![
            (Code::InvalidUrl, "image_urls[1]".to_owned()),
            (Code::InvalidUrl, "image_urls[3]".to_owned()),
            (Code::InvalidType, "image_urls[4]".to_owned()),
        ]
    );
}

#[test]
fn image_urls_and_image_with_roles_are_exclusive() {
    assert_eq!(
        errors(json!({"model": "doubao-seedance-2.0",
            "image_urls": ["https://e.com/a.jpg"],
            "image_with_roles": [{"url": "https://e.com/b.jpg", "role": "first_frame"}]})),
        one(Code::ImageFieldsExclusive, "image_with_roles")
    );
    // An empty list is the same as no list.
    assert!(
        errors(json!({"model": "doubao-seedance-2.0", "image_urls": [],
        "image_with_roles": [{"url": "https://e.com/b.jpg", "role": "first_frame"}]}))
        .is_empty()
    );
}

fn roles(items: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|(u, r)| json!({"url": u, "role": r}))
        .collect();
    json!({"model": "doubao-seedance-2.0", "prompt": "p", "image_with_roles": items})
}

#[test]
fn image_roles_need_url_and_known_role() {
    assert_eq!(
        errors(
            json!({"model": "doubao-seedance-2.0", "image_with_roles": [{"role": "first_frame"}, {"url": "https://e.com/a.jpg"}]})
        ),
        vec![
            (Code::Required, "image_with_roles[0].url".to_owned()),
            (Code::Required, "image_with_roles[1].role".to_owned()),
        ]
    );
    assert_eq!(
        errors(roles(&[("https://e.com/a.jpg", "middle_frame")])),
        one(Code::UnknownRole, "image_with_roles[0].role")
    );
}

#[test]
fn frame_roles_rules() {
    let a = "https://e.com/a.jpg";
    assert_eq!(
        errors(roles(&[(a, "first_frame"), (a, "first_frame")])),
        one(Code::DuplicateFirstFrame, "image_with_roles[1].role")
    );
    assert_eq!(
        errors(roles(&[
            (a, "first_frame"),
            (a, "last_frame"),
            (a, "last_frame")
        ])),
        one(Code::DuplicateLastFrame, "image_with_roles[2].role")
    );
    assert_eq!(
        errors(roles(&[(a, "last_frame")])),
        one(Code::LastFrameWithoutFirst, "image_with_roles[0].role")
    );
    assert_eq!(
        errors(roles(&[
            ("asset://x", "reference_image"),
            (a, "first_frame")
        ])),
        one(Code::FrameAndReferenceMixed, "image_with_roles[1].role")
    );
    assert!(
        errors(roles(&[(a, "last_frame"), (a, "first_frame")])).is_empty(),
        "order does not matter"
    );
}

#[test]
fn frames_exclude_reference_video_and_audio() {
    let mut body = roles(&[("https://e.com/a.jpg", "first_frame")]);
    body["video_urls"] = json!(["https://e.com/v.mp4"]);
    body["audio_urls"] = json!(["https://e.com/a.wav"]);
    assert_eq!(
        errors(body),
        vec![
            (Code::VideoWithFrames, "video_urls".to_owned()),
            (Code::AudioWithFrames, "audio_urls".to_owned()),
        ]
    );
}

#[test]
fn reference_counts_and_audio_needs_a_reference() {
    let v: Vec<String> = (0..4).map(|i| format!("https://e.com/{i}.mp4")).collect();
    let a: Vec<String> = (0..4).map(|i| format!("https://e.com/{i}.mp3")).collect();
    assert_eq!(
        errors(
            json!({"model": "doubao-seedance-2.0", "prompt": "p", "video_urls": v, "audio_urls": a})
        ),
        vec![
            (Code::TooManyVideos, "video_urls".to_owned()),
            (Code::TooManyAudios, "audio_urls".to_owned()),
        ]
    );
    assert_eq!(
        errors(
            json!({"model": "doubao-seedance-2.0", "prompt": "p", "audio_urls": ["https://e.com/a.mp3"]})
        ),
        one(Code::AudioWithoutReference, "audio_urls")
    );
    let mut with_reference_role = roles(&[("asset://hero", "reference_image")]);
    with_reference_role["audio_urls"] = json!(["https://e.com/a.mp3"]);
    assert!(errors(with_reference_role).is_empty());
}

#[test]
fn asset_urls_only_on_standard_and_fast() {
    let body = |model: &str| {
        json!({"model": model, "prompt": "p",
            "image_urls": ["asset://a", "https://e.com/x.jpg"],
            "video_urls": ["asset://v"], "audio_urls": ["asset://s"]})
    };
    assert!(errors(body("doubao-seedance-2.0")).is_empty());
    assert!(errors(body("doubao-seedance-2.0-fast")).is_empty());
    assert_eq!(
        errors(body("doubao-seedance-2.0-mini")),
        vec![
            (Code::AssetNotSupported, "image_urls[0]".to_owned()),
            (Code::AssetNotSupported, "video_urls[0]".to_owned()),
            (Code::AssetNotSupported, "audio_urls[0]".to_owned()),
        ]
    );
    let mut roles_body = roles(&[("asset://a", "reference_image")]);
    roles_body["model"] = json!("doubao-seedance-2.0-mini");
    assert_eq!(
        errors(roles_body),
        one(Code::AssetNotSupported, "image_with_roles[0].url")
    );
}

#[test]
fn warnings_are_kept_apart() {
    let body = json!({"model": "doubao-seedance-2.0", "prompt": "p", "size": "adaptive", "motion_strength": 0.5});
    let report = validate_json(&body);
    assert!(report.is_valid());
    let w: Vec<_> = report
        .warnings
        .iter()
        .map(|v| (v.code, v.path.as_str()))
        .collect();
    assert_eq!(
        w,
        [
            (Code::UnknownField, "motion_strength"),
            (Code::AdaptiveWithoutMedia, "size")
        ]
    );
    let w = warnings(roles(&[("https://e.com/hero.jpg", "reference_image")]));
    assert_eq!(
        w,
        one(Code::ReferenceImageNotAsset, "image_with_roles[0].url")
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let body = json!({
        "model": "doubao-seedance-2.0-mini",
        "prompt": "",
        "duration": 30,
        "size": "2:1",
        "resolution": "4k",
        "generate_audio": "yes",
        "audio_urls": ["https://e.com/a.mp3"]
    });
    let codes: Vec<Code> = validate_json(&body).errors.iter().map(|v| v.code).collect();
    assert_eq!(
        codes,
        [
            Code::InvalidType,
            Code::UnknownSize,
            Code::PromptRequired,
            Code::DurationOutOfRange,
            Code::ResolutionNotSupported,
            Code::AudioWithoutReference,
        ]
    );
}

#[test]
fn typed_requests_share_the_rules() {
    let url = |s: &str| MediaUrl::parse(s).unwrap();
    let r = GenerationRequest::new(Model::Seedance2Fast)
        .with_image_role(url("https://e.com/b.jpg"), ImageRole::LastFrame)
        .with_duration(2);
    let codes: Vec<Code> = r.validate().errors.iter().map(|v| v.code).collect();
    assert_eq!(
        codes,
        [Code::DurationOutOfRange, Code::LastFrameWithoutFirst]
    );
    let err = r.validate().into_result().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request (2 problems):\n  duration: is 2; it must be a whole number of seconds from 4 to 15 (or -1, upstream's smart duration)\n  image_with_roles[0].role: a `last_frame` needs a `first_frame` in the same request"
    );
}

#[test]
fn media_facts_rules() {
    let url = |s: &str| MediaUrl::parse(s).unwrap();
    let r = GenerationRequest::new(Model::Seedance2)
        .with_prompt("p")
        .with_image_url(url("https://e.com/wide.jpg"))
        .with_video_url(url("https://e.com/a.mp4"))
        .with_video_url(url("https://e.com/b.avi"))
        .with_audio_url(url("https://e.com/s.wav"));
    let mut facts = MediaFacts::new();
    let info = |format: &str, d: Option<f64>, w: Option<u32>, h: Option<u32>| MediaInfo {
        format: Some(format.into()),
        duration_secs: d,
        width: w,
        height: h,
        size_bytes: None,
        fps: None,
    };
    facts.insert(
        "https://e.com/wide.jpg".into(),
        info("jpeg", None, Some(3000), Some(1000)),
    );
    facts.insert(
        "https://e.com/a.mp4".into(),
        info("mp4", Some(10.0), Some(1920), Some(1080)),
    );
    facts.insert(
        "https://e.com/b.avi".into(),
        info("avi", Some(8.0), Some(1280), Some(720)),
    );
    facts.insert(
        "https://e.com/s.wav".into(),
        info("wav", Some(1.0), None, None),
    );
    let got: Vec<_> = validate_media(&r, &facts)
        .errors
        .into_iter()
        .map(|v| (v.code, v.path))
        .collect();
    assert_eq!(
        got,
        vec![
            (Code::ImageAspectRatioOutOfRange, "image_urls[0]".to_owned()),
            (Code::VideoResolutionOutOfRange, "video_urls[0]".to_owned()),
            (Code::UnsupportedFormat, "video_urls[1]".to_owned()),
            (Code::MediaTotalDurationOutOfRange, "video_urls".to_owned()),
            (Code::MediaDurationOutOfRange, "audio_urls[0]".to_owned()),
        ]
    );
    // Without facts, nothing is guessed.
    assert!(validate_media(&r, &MediaFacts::new()).is_valid());
}

#[test]
fn reference_videos_are_judged_by_pixel_count_aspect_fps_and_size() {
    let url = |s: &str| MediaUrl::parse(s).unwrap();
    let r = GenerationRequest::new(Model::Seedance2)
        .with_prompt("p")
        .with_video_url(url("https://e.com/v.mp4"));
    let check = |w: u32, h: u32, fps: f64, bytes: u64| {
        let mut facts = MediaFacts::new();
        facts.insert(
            "https://e.com/v.mp4".into(),
            MediaInfo {
                format: Some("mp4".into()),
                duration_secs: Some(5.0),
                width: Some(w),
                height: Some(h),
                size_bytes: Some(bytes),
                fps: Some(fps),
            },
        );
        validate_media(&r, &facts)
            .errors
            .into_iter()
            .map(|v| v.code)
            .collect::<Vec<_>>()
    };
    // Seedance's own 720p and 480p 21:9 outputs are valid references.
    for (w, h) in [(960, 960), (1112, 834), (992, 432), (640, 640), (834, 1112)] {
        assert!(check(w, h, 24.0, 1 << 20).is_empty(), "{w}x{h}");
    }
    assert_eq!(
        check(1280, 720, 30.0, 1 << 20),
        Vec::<Code>::new(),
        "921,600 px"
    );
    assert_eq!(
        check(1920, 1080, 30.0, 1 << 20),
        vec![Code::VideoResolutionOutOfRange]
    );
    assert_eq!(
        check(1500, 400, 30.0, 1 << 20),
        vec![Code::VideoAspectRatioOutOfRange]
    );
    assert_eq!(
        check(960, 960, 15.0, 1 << 20),
        vec![Code::VideoFpsOutOfRange]
    );
    assert_eq!(check(960, 960, 30.0, 51 << 20), vec![Code::MediaTooLarge]);
}

#[test]
fn null_lists_are_absent_for_the_validator_and_the_typed_parse_alike() {
    let body = json!({"model": "doubao-seedance-2.0", "prompt": "p", "image_urls": null, "video_urls": null, "tools": null});
    assert!(validate_json(&body).is_valid());
    let (typed, _) = GenerationRequest::from_json(&body).unwrap();
    assert!(typed.image_urls.is_empty() && typed.tools.is_empty());
}

#[test]
fn every_code_is_documented() {
    let doc =
        std::fs::read_to_string(seedance_tests::workspace_root().join("docs/validation-rules.md"))
            .unwrap();
    for code in Code::ALL {
        assert!(
            doc.contains(&format!("`{}`", code.as_str())),
            "{code} missing from docs/validation-rules.md"
        );
    }
}
