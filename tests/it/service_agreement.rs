//! The client's validator (`seedance-core`) against the simulated service's
//! own request check (`seedance-sim`, written separately from the
//! reference): over every example request and many generated ones, the
//! client must send nothing the service refuses and refuse nothing the
//! service accepts, except where it is stricter on purpose (listed below,
//! with why). A wrong client rule shows up here as a disagreement.
//!
//! The same runs for Ark's dialect: the request is validated with Ark's
//! rules (`ProviderKind::validate`), mapped to Ark's body
//! (`ProviderKind::submit_json`) and checked by the simulator's Ark face.

use proptest::prelude::*;
use seedance_core::provider::ProviderKind;
use seedance_core::{Code, GenerationRequest, validate_json};
use seedance_sim::{ark_service_check, service_check};
use serde_json::Value;

use crate::validation_props::{json_value, mutate, valid_request};

/// Codes the client refuses although the service would take the request:
/// each buys a video the user did not ask for, or sends a field the
/// service ignores silently.
const STRICTER_ON_PURPOSE: &[Code] = &[
    // `aspect_ratio`, `audio`... (the 1.5 API's names): the service ignores
    // them and renders the defaults, so the money would buy the wrong video.
    Code::WrongFieldName,
];

/// Whether the two sides agree on `value`; the reason when they do not.
fn agreement(value: &Value) -> Result<(), String> {
    let report = validate_json(value);
    let service = service_check(value);
    if report.is_valid() {
        // The client sends its typed serialization, not the raw text.
        let (typed, _) = GenerationRequest::from_json(value)
            .map_err(|e| format!("validator accepted but typed parse failed: {e:?}"))?;
        let sent = typed.to_json();
        return service_check(&sent).map_err(|(param, message)| {
            format!("client would send a request the service refuses: {param}: {message}\n{sent}")
        });
    }
    if service.is_ok() {
        let unexplained: Vec<_> = report
            .errors
            .iter()
            .filter(|v| !STRICTER_ON_PURPOSE.contains(&v.code))
            .collect();
        if !unexplained.is_empty() {
            return Err(format!(
                "client refuses what the service accepts: {unexplained:?}\n{value}"
            ));
        }
    }
    Ok(())
}

/// What Ark's rules refuse although the simulated Ark would take the
/// mapped body.
fn ark_stricter_on_purpose(v: &seedance_core::Violation) -> bool {
    // `webhook` is apimart's callback; Ark would ignore it silently and
    // never call back: refused, naming `callback_url`.
    v.code == Code::NotSupportedByProvider && v.path == "webhook"
}

/// [`agreement`] for an Ark platform.
fn ark_agreement(provider: ProviderKind, value: &Value) -> Result<(), String> {
    let Ok((typed, _)) = GenerationRequest::from_json(value) else {
        // Nothing the client cannot type is ever sent.
        return Ok(());
    };
    let report = provider.validate(&typed);
    let body = match provider.submit_json(&typed) {
        Ok(b) => b,
        Err(_) if !report.is_valid() => return Ok(()),
        Err(e) => return Err(format!("valid for {provider} but not mappable: {e}")),
    };
    let service = ark_service_check(&body);
    if report.is_valid() {
        return service.map_err(|(param, message)| {
            format!("client would send {provider} a body it refuses: {param}: {message}\n{body}")
        });
    }
    if service.is_ok() {
        let unexplained: Vec<_> = report
            .errors
            .iter()
            .filter(|v| !ark_stricter_on_purpose(v))
            .filter(|v| !STRICTER_ON_PURPOSE.contains(&v.code))
            .collect();
        if !unexplained.is_empty() {
            return Err(format!(
                "client refuses what {provider} accepts: {unexplained:?}\n{value}\n{body}"
            ));
        }
    }
    Ok(())
}

fn ark_agreement_all(value: &Value) -> Result<(), String> {
    ark_agreement(ProviderKind::Ark, value)?;
    ark_agreement(ProviderKind::BytePlus, value)
}

#[test]
fn every_example_request_is_accepted_by_both() {
    let files = seedance_tests::scenario_files();
    assert_eq!(files.len(), 13);
    for path in files {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(
            service_check(&value).is_ok(),
            "{}: {:?}",
            path.display(),
            service_check(&value)
        );
        agreement(&value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        ark_agreement_all(&value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// One edit from a wide set (legal or not, documented or not), so that
/// generated requests reach every rule of both sides.
fn perturb(value: &mut Value, pick: usize) {
    use serde_json::json;
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let url = |ext: &str| json!(format!("https://media.example.com/clip.{ext}"));
    match pick % 34 {
        0 => drop(obj.insert("duration".into(), json!(-1))),
        1 => drop(obj.insert("duration".into(), json!(4))),
        2 => drop(obj.insert("duration".into(), json!(5.0))),
        3 => drop(obj.insert("duration".into(), json!(3))),
        4 => drop(obj.insert("seed".into(), json!(-1))),
        5 => drop(obj.insert("seed".into(), json!(4_294_967_296u64))),
        6 => drop(obj.insert("seed".into(), json!(-2))),
        7 => drop(obj.insert("image_with_roles".into(), json!([{"url": url("png"), "role": "last_frame"}]))),
        8 => drop(obj.insert(
            "image_with_roles".into(),
            json!([{"url": url("png"), "role": "first_frame"}, {"url": url("jpg"), "role": "reference_image"}]),
        )),
        9 => drop(obj.insert("audio_urls".into(), json!([url("wav")]))),
        10 => drop(obj.insert("video_urls".into(), json!([url("mp4")]))),
        11 => drop(obj.insert("image_urls".into(), json!(["data:image/png;base64,AAAA"]))),
        12 => drop(obj.insert("image_urls".into(), json!([]))),
        13 => drop(obj.insert("image_urls".into(), Value::Null)),
        14 => drop(obj.insert("camera_fixed".into(), json!(true))),
        15 => drop(obj.insert("watermark".into(), json!("no"))),
        16 => drop(obj.insert("aspect_ratio".into(), json!("16:9"))),
        17 => drop(obj.insert("future_field".into(), json!({"x": 1}))),
        18 => drop(obj.insert("model".into(), json!("doubao-seedance-2.0-fast-face"))),
        19 => drop(obj.insert("model".into(), json!("doubao-seedance-2.0-mini"))),
        20 => drop(obj.insert("resolution".into(), json!("4k"))),
        21 => drop(obj.insert("prompt".into(), json!(""))),
        22 => drop(obj.remove("prompt")),
        23 => drop(obj.insert("image_urls".into(), json!(["asset://asset_a"]))),
        24 => drop(obj.insert("image_urls".into(), json!(["ftp://example.com/a.png"]))),
        25 => drop(obj.insert("tools".into(), json!([]))),
        26 => drop(obj.insert("tools".into(), json!([{"type": "web_search"}, {"type": "web_search"}]))),
        27 => drop(obj.insert("generate_audio".into(), json!(1))),
        28 => drop(obj.insert("size".into(), json!("adaptive"))),
        29 => drop(obj.insert("video_urls".into(), json!([url("mp4"), url("mp4"), url("mp4"), url("mp4")]))),
        30 => drop(obj.insert("audio_urls".into(), json!([url("wav"), url("mp3"), url("wav"), url("wav")]))),
        31 => drop(obj.insert(
            "image_with_roles".into(),
            json!([{"url": url("png"), "role": "first_frame"}, {"url": url("png"), "role": "first_frame"}]),
        )),
        32 => drop(obj.insert("image_urls".into(), json!(["https://"]))),
        _ => drop(obj.insert("prompt".into(), json!("한".repeat(4001)))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn valid_requests_are_accepted_by_the_service(r in valid_request()) {
        prop_assert!(service_check(&r.to_json()).is_ok(), "{:?}\n{}", service_check(&r.to_json()), r.to_json());
        if let Err(e) = ark_agreement_all(&r.to_json()) {
            prop_assert!(false, "{e}");
        }
    }

    #[test]
    fn single_rule_mutations_are_refused_by_both(r in valid_request(), pick in 0usize..1000) {
        let mut value = r.to_json();
        mutate(&mut value, pick).unwrap();
        prop_assert!(!validate_json(&value).is_valid());
        prop_assert!(service_check(&value).is_err(), "service accepts a mutated request:\n{value}");
    }

    #[test]
    fn edited_requests_get_the_same_verdict(r in valid_request(), picks in prop::collection::vec(0usize..1000, 1..4)) {
        let mut value = r.to_json();
        for pick in picks {
            perturb(&mut value, pick);
        }
        if let Err(e) = agreement(&value) {
            prop_assert!(false, "{e}");
        }
        if let Err(e) = ark_agreement_all(&value) {
            prop_assert!(false, "{e}");
        }
    }

    #[test]
    fn arbitrary_json_gets_the_same_verdict(value in json_value()) {
        if let Err(e) = agreement(&value) {
            prop_assert!(false, "{e}");
        }
        if let Err(e) = ark_agreement_all(&value) {
            prop_assert!(false, "{e}");
        }
    }
}
