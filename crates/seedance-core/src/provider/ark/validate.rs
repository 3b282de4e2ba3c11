//! The rules that differ on Ark, checked before anything is paid.

use serde_json::Value;

use super::{
    EXPIRES_AFTER_MAX_SECS, EXPIRES_AFTER_MIN_SECS, PRIORITY_MAX, SAFETY_IDENTIFIER_MAX_CHARS,
};
use crate::provider::ProviderKind;
use crate::request::GenerationRequest;
use crate::validate::{Code, ValidationReport, Violation};

/// BytePlus's OpenAPI contract caps `seed` at 2^31 - 1 (Volcengine's
/// reference: 2^32 - 1, the shared rule).
const BYTEPLUS_SEED_MAX: i64 = 2_147_483_647;

/// Fields Ark's API has that the Seedance 2.0 family refuses with a 400.
const REFUSED_FOR_2_0: &[&str] = &["frames", "draft", "service_tier"];

/// Validates `request` for `provider`: every rule of
/// [`GenerationRequest::validate`], adjusted to the provider.
///
/// On apimart this is exactly [`GenerationRequest::validate`]. On Ark and
/// BytePlus, additionally (each message names the provider):
/// - the model must be one the platform serves (`model_not_served`);
/// - `camera_fixed`, `frames`, `draft` and `service_tier` are refused for
///   the 2.0 family (`not_supported_by_provider`), as is apimart's
///   `webhook` (Ark's field is `callback_url`);
/// - `execution_expires_after` is a whole number of seconds, 3600-259200;
///   `priority` a whole number 0-9; `callback_url` an http(s) URL;
///   `safety_identifier` a string of at most 64 characters;
/// - on BytePlus, a `seed` above 2^31 - 1 draws a warning (its contract's
///   maximum; Volcengine documents 2^32 - 1);
/// - warnings that only concern apimart are dropped: `duration_disputed`
///   (Ark documents 4-15 and -1) and `reference_image_not_asset` (Ark takes
///   plain URLs as reference images);
/// - Ark's own fields are no longer `unknown_field` warnings, and an
///   `extra` key the mapping writes itself (`ratio`, `content`, `model`...)
///   is a `wrong_field_name` error;
/// - `adaptive_without_media` is dropped too: Ark picks a ratio from the
///   prompt for text-to-video.
///
/// 1080p and 4k stay limited to standard 2.0 by the shared rules.
pub fn validate(provider: ProviderKind, request: &GenerationRequest) -> ValidationReport {
    let mut report = request.validate();
    if !provider.is_ark_dialect() {
        return report;
    }
    let name = provider.display_name();
    report.warnings.retain(|w| {
        !matches!(
            w.code,
            Code::DurationDisputed | Code::ReferenceImageNotAsset | Code::AdaptiveWithoutMedia
        ) && (w.code != Code::UnknownField || !is_ark_field(&w.path))
    });
    let mut errors = Vec::new();
    if let Err(e) = provider.model_id(&request.model) {
        errors.push(Violation::new(Code::ModelNotServed, "model", e.to_string()));
    }
    if request.camera_fixed.is_some() {
        errors.push(Violation::new(
            Code::NotSupportedByProvider,
            "camera_fixed",
            format!(
                "is refused by {name} for the Seedance 2.0 family; leave it unset and describe the camera in the prompt (\"static camera\")"
            ),
        ));
    }
    for field in REFUSED_FOR_2_0 {
        if request.extra.contains_key(*field) {
            errors.push(Violation::new(
                Code::NotSupportedByProvider,
                *field,
                format!("is refused by {name} for the Seedance 2.0 family; leave it unset"),
            ));
        }
    }
    if request.extra.contains_key("webhook") {
        errors.push(Violation::new(
            Code::NotSupportedByProvider,
            "webhook",
            format!(
                "is apimart's field; {name} pushes status changes to `callback_url` (the body is the task itself, not apimart's envelope)"
            ),
        ));
    }
    if provider == ProviderKind::BytePlus
        && let Some(seed) = request.seed.filter(|s| *s > BYTEPLUS_SEED_MAX)
    {
        report.warn(
            Code::SeedOutOfRange,
            "seed",
            format!(
                "is {seed}; BytePlus ModelArk documents seeds up to {BYTEPLUS_SEED_MAX} (2^31 - 1), Volcengine up to 2^32 - 1: a larger seed may be refused"
            ),
        );
    }
    for key in request.extra.keys() {
        if let Some(fix) = body_field_fix(key) {
            errors.push(Violation::new(
                Code::WrongFieldName,
                key.as_str(),
                format!("would clash with the body {name} is sent: {fix}"),
            ));
        }
    }
    for (key, value) in &request.extra {
        if let Some(v) = check_extra(name, key, value) {
            errors.push(v);
        }
    }
    report.errors.extend(errors);
    report
}

/// For an `extra` key that names a field of Ark's body the mapping writes
/// itself, what to set instead.
fn body_field_fix(key: &str) -> Option<&'static str> {
    match key {
        "ratio" => Some("`ratio` is Ark's name for `size`; set `size`"),
        "content" => Some(
            "`content` is built from `prompt`, `image_urls`, `image_with_roles`, `video_urls` and `audio_urls`; set those",
        ),
        k if super::request::BODY_FIELDS.contains(&k) => {
            Some("it is a field of the request itself; set it there, not in `extra`")
        }
        _ => None,
    }
}

fn is_ark_field(path: &str) -> bool {
    matches!(
        path,
        "callback_url" | "execution_expires_after" | "priority" | "safety_identifier"
    )
}

fn check_extra(provider: &str, key: &str, value: &Value) -> Option<Violation> {
    let whole = || value.as_i64().filter(|_| !value.is_f64());
    match key {
        "execution_expires_after" => match whole() {
            Some(n) if (EXPIRES_AFTER_MIN_SECS..=EXPIRES_AFTER_MAX_SECS).contains(&n) => None,
            Some(n) => Some(Violation::new(
                Code::ExpiresAfterOutOfRange,
                key,
                format!(
                    "is {n}; {provider} takes {EXPIRES_AFTER_MIN_SECS} to {EXPIRES_AFTER_MAX_SECS} seconds (1 to 72 hours) after creation"
                ),
            )),
            None => Some(Violation::new(
                Code::InvalidType,
                key,
                "must be a whole number of seconds",
            )),
        },
        "priority" => match whole() {
            Some(n) if (0..=PRIORITY_MAX).contains(&n) => None,
            Some(n) => Some(Violation::new(
                Code::PriorityOutOfRange,
                key,
                format!("is {n}; {provider} takes 0 to {PRIORITY_MAX}"),
            )),
            None => Some(Violation::new(
                Code::InvalidType,
                key,
                "must be a whole number from 0 to 9",
            )),
        },
        "callback_url" => match value.as_str() {
            Some(s)
                if crate::MediaUrl::parse(s).is_ok_and(|u| u.kind() == crate::UrlKind::Http) =>
            {
                None
            }
            Some(s) => Some(Violation::new(
                Code::InvalidUrl,
                key,
                format!("`{s}` is not an http(s) URL {provider} can call back"),
            )),
            None => Some(Violation::new(
                Code::InvalidType,
                key,
                "must be a URL string",
            )),
        },
        "safety_identifier" => match value.as_str() {
            Some(s) if s.chars().count() <= SAFETY_IDENTIFIER_MAX_CHARS => None,
            Some(_) => Some(Violation::new(
                Code::InvalidType,
                key,
                format!("is longer than {SAFETY_IDENTIFIER_MAX_CHARS} characters"),
            )),
            None => Some(Violation::new(Code::InvalidType, key, "must be a string")),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::MediaUrl;
    use crate::model::{ImageRole, Model, Resolution};

    fn codes(r: &ValidationReport) -> Vec<(Code, &str)> {
        r.errors.iter().map(|v| (v.code, v.path.as_str())).collect()
    }

    #[test]
    fn apimart_is_the_shared_rules_unchanged() {
        let r = GenerationRequest::new(Model::Seedance2Face)
            .with_prompt("p")
            .with_camera_fixed(true)
            .with_duration(-1);
        assert_eq!(validate(ProviderKind::Apimart, &r), r.validate());
    }

    #[test]
    fn fields_refused_for_the_2_0_family_name_the_provider() {
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_camera_fixed(false)
            .with_extra("frames", json!(57))
            .with_extra("draft", json!(true))
            .with_extra("service_tier", json!("flex"))
            .with_extra("webhook", json!("https://me.example"));
        let report = validate(ProviderKind::Ark, &r);
        assert_eq!(
            codes(&report),
            [
                (Code::NotSupportedByProvider, "camera_fixed"),
                (Code::NotSupportedByProvider, "frames"),
                (Code::NotSupportedByProvider, "draft"),
                (Code::NotSupportedByProvider, "service_tier"),
                (Code::NotSupportedByProvider, "webhook"),
            ]
        );
        assert!(
            report
                .errors
                .iter()
                .all(|v| v.message.contains("Volcengine Ark"))
        );
        let report = validate(ProviderKind::BytePlus, &r);
        assert!(report.errors[0].message.contains("BytePlus ModelArk"));
    }

    #[test]
    fn ark_only_fields_are_checked_and_not_unknown() {
        let ok = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_extra("execution_expires_after", json!(3600))
            .with_extra("priority", json!(9))
            .with_extra("callback_url", json!("https://me.example/cb"))
            .with_extra("safety_identifier", json!("user-hash"));
        let report = validate(ProviderKind::Ark, &ok);
        assert!(report.is_valid(), "{report:?}");
        assert!(
            report.warnings.iter().all(|w| w.code != Code::UnknownField),
            "{report:?}"
        );
        let bad = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_extra("execution_expires_after", json!(259_201))
            .with_extra("priority", json!(10))
            .with_extra("callback_url", json!("ftp://x"))
            .with_extra("safety_identifier", json!("x".repeat(65)));
        let report = validate(ProviderKind::BytePlus, &bad);
        assert_eq!(
            codes(&report),
            [
                (Code::InvalidUrl, "callback_url"),
                (Code::ExpiresAfterOutOfRange, "execution_expires_after"),
                (Code::PriorityOutOfRange, "priority"),
                (Code::InvalidType, "safety_identifier"),
            ]
        );
        assert!(report.errors[1].message.contains("3600 to 259200"));
        let low = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_extra("execution_expires_after", json!(3599))
            .with_extra("priority", json!(1.5));
        assert_eq!(
            codes(&validate(ProviderKind::Ark, &low)),
            [
                (Code::ExpiresAfterOutOfRange, "execution_expires_after"),
                (Code::InvalidType, "priority"),
            ]
        );
    }

    #[test]
    fn extra_keys_that_clash_with_the_body_are_refused() {
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_extra("ratio", json!("9:16"))
            .with_extra("content", json!([]))
            .with_extra("seed", json!(3));
        let report = validate(ProviderKind::Ark, &r);
        assert_eq!(
            codes(&report),
            [
                (Code::WrongFieldName, "content"),
                (Code::WrongFieldName, "ratio"),
                (Code::WrongFieldName, "seed"),
            ]
        );
        assert!(report.errors[1].message.contains("set `size`"));
        let adaptive = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_size(crate::Size::Adaptive);
        assert!(!adaptive.validate().warnings.is_empty());
        assert!(validate(ProviderKind::Ark, &adaptive).warnings.is_empty());
    }

    #[test]
    fn models_the_platform_does_not_serve() {
        let r = GenerationRequest::new(Model::Seedance2Face).with_prompt("p");
        let report = validate(ProviderKind::BytePlus, &r);
        assert_eq!(codes(&report), [(Code::ModelNotServed, "model")]);
        assert!(report.errors[0].message.contains("BytePlus ModelArk"));
        assert!(validate(ProviderKind::Apimart, &r).is_valid());
    }

    #[test]
    fn apimart_only_warnings_are_dropped_and_shared_rules_stay() {
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_duration(-1)
            .with_image_role(
                MediaUrl::parse("https://e.com/a.png").unwrap(),
                ImageRole::ReferenceImage,
            );
        assert!(!r.validate().warnings.is_empty());
        let report = validate(ProviderKind::Ark, &r);
        assert!(
            report.is_valid() && report.warnings.is_empty(),
            "{report:?}"
        );
        // 4k stays standard-2.0-only.
        let r = GenerationRequest::new(Model::Seedance2Fast)
            .with_prompt("p")
            .with_resolution(Resolution::K4);
        assert_eq!(
            codes(&validate(ProviderKind::Ark, &r)),
            [(Code::ResolutionNotSupported, "resolution")]
        );
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_resolution(Resolution::K4)
            .with_seed(4_294_967_295);
        let report = validate(ProviderKind::BytePlus, &r);
        assert!(report.is_valid());
        assert_eq!(report.warnings[0].code, Code::SeedOutOfRange);
        assert!(validate(ProviderKind::Ark, &r).warnings.is_empty());
    }
}
