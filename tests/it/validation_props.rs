//! Property tests of the validator: every generated valid request passes;
//! each single-rule mutation is caught with its code at its path; arbitrary
//! JSON never panics; serde round-trips.

use proptest::prelude::*;
use seedance_core::{
    Code, GenerationRequest, ImageRole, MediaUrl, Model, Resolution, Size, Tool, validate_json,
};
use serde_json::{Value, json};

fn model() -> impl Strategy<Value = Model> {
    prop::sample::select(Model::ALL)
}

fn http_url() -> impl Strategy<Value = MediaUrl> {
    (
        "[a-z]{1,12}",
        "[a-z0-9_]{1,16}",
        prop::sample::select(&["jpg", "png", "mp4", "wav", "mp3"][..]),
    )
        .prop_map(|(host, name, ext)| {
            MediaUrl::parse(&format!("https://{host}.example.com/{name}.{ext}")).unwrap()
        })
}

fn url_for(model: &Model) -> BoxedStrategy<MediaUrl> {
    if model.supports_asset_urls() {
        prop_oneof![
            3 => http_url(),
            1 => "[A-Za-z0-9_-]{1,20}".prop_map(|id| MediaUrl::parse(&format!("asset://{id}")).unwrap()),
        ]
        .boxed()
    } else {
        http_url().boxed()
    }
}

fn prompt() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z가-힣 ,.]{1,80}".prop_filter("not blank", |s| !s.trim().is_empty()),
        1 => Just("가".repeat(4000)),
    ]
}

/// The input modes of the reference; each yields a valid combination.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Text,
    FirstFrameUrl,
    Frames { last: bool },
    ReferenceUrls,
    ReferenceRoles,
    VideoOnly,
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Text),
        Just(Mode::FirstFrameUrl),
        any::<bool>().prop_map(|last| Mode::Frames { last }),
        Just(Mode::ReferenceUrls),
        Just(Mode::ReferenceRoles),
        Just(Mode::VideoOnly),
    ]
}

prop_compose! {
    pub(crate) fn valid_request()(model in model(), mode in mode())(
        model in Just(model.clone()),
        mode in Just(mode),
        prompt in prop::option::of(prompt()),
        text_prompt in prompt(),
        duration in prop::option::of(4i32..=15),
        size in prop::option::of(prop::sample::select(Size::ALL)),
        resolution in prop::option::of(prop::sample::select(
            Resolution::ALL.iter().copied().filter(|r| model.supports_resolution(*r)).collect::<Vec<_>>())),
        seed in prop::option::of(seedance_core::limits::SEED_MIN..=seedance_core::limits::SEED_MAX),
        audio in prop::option::of(any::<bool>()),
        last_frame in prop::option::of(any::<bool>()),
        web_search in any::<bool>(),
        images in prop::collection::vec(url_for(&model), 1..=9),
        videos in prop::collection::vec(url_for(&model), 0..=3),
        audios in prop::collection::vec(url_for(&model), 0..=3),
        frames in prop::collection::vec(url_for(&model), 2),
    ) -> GenerationRequest {
        let mut r = GenerationRequest::new(model);
        r.duration = duration;
        r.size = size;
        r.resolution = resolution;
        r.seed = seed;
        r.generate_audio = audio;
        r.return_last_frame = last_frame;
        if web_search { r = r.with_tool(Tool::WEB_SEARCH); }
        r.prompt = prompt;
        match mode {
            Mode::Text => r.prompt = Some(text_prompt),
            Mode::FirstFrameUrl => r.image_urls = images[..1].to_vec(),
            Mode::Frames { last } => {
                r = r.with_image_role(frames[0].clone(), ImageRole::FirstFrame);
                if last { r = r.with_image_role(frames[1].clone(), ImageRole::LastFrame); }
            }
            Mode::ReferenceUrls => {
                r.image_urls = images;
                r.video_urls = videos;
                r.audio_urls = audios;
            }
            Mode::ReferenceRoles => {
                for u in images { r = r.with_image_role(u, ImageRole::ReferenceImage); }
                r.video_urls = videos;
                r.audio_urls = audios;
            }
            Mode::VideoOnly => {
                r.video_urls = if videos.is_empty() { images[..1].to_vec() } else { videos };
                r.audio_urls = audios;
            }
        }
        r
    }
}

/// A mutation that breaks exactly one rule, with the code and path expected.
pub(crate) fn mutate(value: &mut Value, pick: usize) -> Option<(Code, String)> {
    let obj = value.as_object_mut()?;
    let model = obj["model"].as_str().unwrap_or_default().to_owned();
    let n = |field: &str| obj.get(field).and_then(Value::as_array).map_or(0, Vec::len);
    let (images, videos, roles) = (n("image_urls"), n("video_urls"), n("image_with_roles"));
    let text_only = images + videos + roles == 0;
    let candidates: Vec<(Code, String)> = [
        (true, Code::DurationOutOfRange, "duration"),
        (true, Code::UnknownModel, "model"),
        (true, Code::Required, "model"),
        (true, Code::UnknownSize, "size"),
        (true, Code::UnknownResolution, "resolution"),
        (
            model.parse::<Model>().map(|m| m.base()) != Ok(Model::Seedance2),
            Code::ResolutionNotSupported,
            "resolution",
        ),
        (text_only, Code::PromptRequired, "prompt"),
        (
            model != "doubao-seedance-2.0-mini",
            Code::PromptTooLong,
            "prompt",
        ),
        (true, Code::UnknownTool, "tools[0].type"),
        (true, Code::InvalidType, "generate_audio"),
        (images > 0, Code::InvalidUrl, "image_urls[0]"),
        (images > 0, Code::TooManyImages, "image_urls"),
        (videos > 0, Code::TooManyVideos, "video_urls"),
        (roles > 0, Code::UnknownRole, "image_with_roles[0].role"),
        (images > 0, Code::ImageFieldsExclusive, "image_with_roles"),
    ]
    .into_iter()
    .filter(|(ok, ..)| *ok)
    .map(|(_, c, p)| (c, p.to_owned()))
    .collect();
    let (code, path) = candidates[pick % candidates.len()].clone();
    match (code, path.as_str()) {
        (Code::DurationOutOfRange, _) => {
            obj.insert("duration".into(), json!(16 + pick as i64 % 100))
        }
        (Code::UnknownModel, _) => obj.insert("model".into(), json!("doubao-seedance-1.5-pro")),
        (Code::Required, _) => obj.remove("model"),
        (Code::UnknownSize, _) => obj.insert("size".into(), json!("5:4")),
        (Code::UnknownResolution, _) => obj.insert("resolution".into(), json!("8k")),
        (Code::ResolutionNotSupported, _) => obj.insert("resolution".into(), json!("1080p")),
        (Code::PromptRequired, _) => obj.insert("prompt".into(), json!(" ")),
        (Code::PromptTooLong, _) => obj.insert("prompt".into(), json!("é".repeat(4001))),
        (Code::UnknownTool, _) => obj.insert("tools".into(), json!([{"type": "image_search"}])),
        (Code::InvalidType, _) => obj.insert("generate_audio".into(), json!("true")),
        (Code::InvalidUrl, _) => {
            obj["image_urls"][0] = json!("not a url");
            None
        }
        (Code::TooManyImages, _) => {
            obj.insert("image_urls".into(), json!(vec!["https://e.com/x.jpg"; 10]))
        }
        (Code::TooManyVideos, _) => {
            obj.insert("video_urls".into(), json!(vec!["https://e.com/x.mp4"; 4]))
        }
        (Code::UnknownRole, _) => {
            obj["image_with_roles"][0]["role"] = json!("middle_frame");
            None
        }
        (Code::ImageFieldsExclusive, _) => obj.insert(
            "image_with_roles".into(),
            json!([{"url": "https://e.com/r.jpg", "role": "reference_image"}]),
        ),
        _ => None,
    };
    Some((code, path))
}

/// Any JSON value, biased towards objects with the documented keys.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(
            &[
                "doubao-seedance-2.0",
                "doubao-seedance-2.0-mini",
                "first_frame",
                "last_frame",
                "reference_image",
                "web_search",
                "asset://a",
                "asset://",
                "https://e.com/a.jpg",
                "4k",
                "adaptive",
                "",
            ][..]
        )
        .prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(
                    seedance_core::validate::KNOWN_FIELDS
                        .iter()
                        .copied()
                        .chain(["url", "role", "type", "other"])
                        .collect::<Vec<_>>(),
                )
                .prop_map(str::to_owned),
                inner,
                0..10
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_valid_requests_always_validate(r in valid_request()) {
        let report = r.validate();
        prop_assert!(report.is_valid(), "{:#?}", report.errors);
        // The raw path agrees with the typed one.
        prop_assert!(validate_json(&r.to_json()).is_valid());
    }

    #[test]
    fn serde_round_trip(r in valid_request()) {
        let text = serde_json::to_string(&r).unwrap();
        let back: GenerationRequest = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &r);
        let (parsed, _) = GenerationRequest::from_json(&r.to_json()).unwrap();
        prop_assert_eq!(parsed, r);
    }

    #[test]
    fn unset_fields_are_not_serialized(r in valid_request()) {
        let value = r.to_json();
        for (key, v) in value.as_object().unwrap() {
            prop_assert!(!v.is_null(), "{key} serialized as null");
            prop_assert!(v.as_array().is_none_or(|a| !a.is_empty()), "{key} serialized empty");
        }
    }

    #[test]
    fn each_single_mutation_is_caught_at_its_path(r in valid_request(), pick in 0usize..1000) {
        let mut value = r.to_json();
        let (code, path) = mutate(&mut value, pick).unwrap();
        let report = validate_json(&value);
        prop_assert!(
            report.errors.iter().any(|v| v.code == code && v.path == path),
            "expected {code} at {path}, got {:#?}\n{value}", report.errors
        );
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let report = validate_json(&value);
        // Whatever it says, it is consistent with the typed parse.
        if report.is_valid() {
            let (typed, _) = GenerationRequest::from_json(&value).unwrap();
            prop_assert!(typed.validate().is_valid());
        }
    }
}
