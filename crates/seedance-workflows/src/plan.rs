//! Shot lists: the plan format, its validation (every segment as it will be
//! sent, before anything is paid for) and the request of each segment.

use seedance_core::{
    Code, GenerationRequest, MediaUrl, ValidationReport, Violation, validate_json,
};
use serde_json::{Map, Value};

/// How a segment receives the previous segment's last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LinkMode {
    /// `image_urls: [last_frame]`, as scenario 7 of the reference does.
    #[default]
    ImageUrls,
    /// `image_with_roles: [{url: last_frame, role: first_frame}]`.
    FirstFrame,
}

/// Stands in for the previous segment's last frame while validating.
pub const PLACEHOLDER_FRAME: &str = "https://placeholder.seedance.invalid/previous_last_frame.png";

const PLAN_KEYS: &[&str] = &["defaults", "start_image", "end_image", "link", "segments"];

/// A parsed shot list.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    defaults: Map<String, Value>,
    start_image: Option<MediaUrl>,
    end_image: Option<MediaUrl>,
    link: LinkMode,
    segments: Vec<Map<String, Value>>,
}

/// A plan that cannot run: every problem, each with its path
/// (`segments[3].duration`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid plan ({} problem{}):{}", .errors.len(), if .errors.len() == 1 { "" } else { "s" }, list(.errors))]
pub struct PlanError {
    /// The problems.
    pub errors: Vec<Violation>,
    /// Warnings found on the way.
    pub warnings: Vec<Violation>,
}

fn list(v: &[Violation]) -> String {
    v.iter().map(|v| format!("\n  {v}")).collect()
}

fn prefixed(prefix: &str, v: Violation) -> Violation {
    let path = if v.path.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}.{}", v.path)
    };
    Violation { path, ..v }
}

impl Plan {
    /// Parses and fully validates a plan: structure, and every segment's
    /// request as it will be sent (with a placeholder for the chained frame).
    pub fn from_json(value: &Value) -> Result<(Plan, Vec<Violation>), PlanError> {
        let mut report = ValidationReport::default();
        let plan = Plan::parse(value, &mut report);
        if let Some(plan) = &plan {
            for k in 0..plan.segments.len() {
                let placeholder = MediaUrl::parse(PLACEHOLDER_FRAME).ok();
                match plan.segment_json(k, if k == 0 { None } else { placeholder.as_ref() }) {
                    Ok(body) => {
                        let r = validate_json(&body);
                        let prefix = format!("segments[{k}]");
                        report
                            .errors
                            .extend(r.errors.into_iter().map(|v| prefixed(&prefix, v)));
                        report
                            .warnings
                            .extend(r.warnings.into_iter().map(|v| prefixed(&prefix, v)));
                    }
                    Err(v) => report.errors.push(v),
                }
            }
        }
        match plan {
            Some(plan) if report.is_valid() => Ok((plan, report.warnings)),
            _ => Err(PlanError {
                errors: report.errors,
                warnings: report.warnings,
            }),
        }
    }

    fn parse(value: &Value, report: &mut ValidationReport) -> Option<Plan> {
        let mut error = |path: &str, message: String| {
            report
                .errors
                .push(Violation::new(Code::InvalidType, path, message));
        };
        let Some(obj) = value.as_object() else {
            error("", "a plan must be a JSON object".into());
            return None;
        };
        let defaults = match obj.get("defaults") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                error("defaults", "must be an object of request fields".into());
                Map::new()
            }
        };
        let mut image = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match MediaUrl::parse(s) {
                Ok(u) => Some(u),
                Err(e) => {
                    report
                        .errors
                        .push(Violation::new(Code::InvalidUrl, key, format!("{e}")));
                    None
                }
            },
            Some(_) => {
                report.errors.push(Violation::new(
                    Code::InvalidType,
                    key,
                    "must be an image URL string",
                ));
                None
            }
        };
        let start_image = image("start_image");
        let end_image = image("end_image");
        let mut error = |path: &str, message: String| {
            report
                .errors
                .push(Violation::new(Code::InvalidType, path, message));
        };
        let link = match obj.get("link").and_then(Value::as_str) {
            None if obj.get("link").is_none_or(Value::is_null) => LinkMode::ImageUrls,
            Some("image_urls") => LinkMode::ImageUrls,
            Some("first_frame") => LinkMode::FirstFrame,
            _ => {
                error("link", "must be \"image_urls\" or \"first_frame\"".into());
                LinkMode::ImageUrls
            }
        };
        let segments: Vec<Map<String, Value>> = match obj.get("segments") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .enumerate()
                .filter_map(|(i, s)| match s {
                    Value::Object(m) => Some(m.clone()),
                    _ => {
                        error(
                            &format!("segments[{i}]"),
                            "must be an object of request fields".into(),
                        );
                        None
                    }
                })
                .collect(),
            _ => {
                error("segments", "must be a non-empty array of segments".into());
                Vec::new()
            }
        };
        for key in obj.keys().filter(|k| !PLAN_KEYS.contains(&k.as_str())) {
            report.warnings.push(Violation::new(
                Code::UnknownField,
                key.as_str(),
                format!(
                    "is not a plan field and is ignored (plan fields: {})",
                    PLAN_KEYS.join(", ")
                ),
            ));
        }
        if !report.is_valid() {
            return None;
        }
        Some(Plan {
            defaults,
            start_image,
            end_image,
            link,
            segments,
        })
    }

    /// Number of segments.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Whether the plan has no segments (never true for a parsed plan).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// How segments are linked.
    pub fn link(&self) -> LinkMode {
        self.link
    }

    /// The wire JSON of segment `k`, given the previous segment's last frame
    /// (`None` for the first segment, which starts from `start_image` if any).
    pub fn segment_json(
        &self,
        k: usize,
        previous_last_frame: Option<&MediaUrl>,
    ) -> Result<Value, Violation> {
        let mut body = self.defaults.clone();
        for (key, v) in &self.segments[k] {
            body.insert(key.clone(), v.clone());
        }
        body.entry("return_last_frame").or_insert(Value::Bool(true));
        let incoming = if k == 0 {
            self.start_image.as_ref()
        } else {
            previous_last_frame
        };
        let is_last = k + 1 == self.segments.len();
        let linked = incoming.is_some() || (is_last && self.end_image.is_some());
        if linked {
            for field in ["image_urls", "image_with_roles"] {
                if body.get(field).is_some_and(|v| !v.is_null()) {
                    return Err(Violation::new(
                        Code::ImageFieldsExclusive,
                        format!("segments[{k}].{field}"),
                        "is set by the chain (start image, previous segment's last frame or end image); remove it",
                    ));
                }
            }
        }
        match (
            incoming,
            is_last.then_some(self.end_image.as_ref()).flatten(),
        ) {
            (Some(first), Some(end)) => {
                body.insert(
                    "image_with_roles".into(),
                    serde_json::json!([
                        {"url": first.as_str(), "role": "first_frame"},
                        {"url": end.as_str(), "role": "last_frame"},
                    ]),
                );
            }
            (None, Some(_)) => {
                return Err(Violation::new(
                    Code::LastFrameWithoutFirst,
                    "end_image",
                    "the last segment ends on end_image, which needs a first frame: add start_image or another segment before it",
                ));
            }
            (Some(first), None) => match self.link {
                LinkMode::ImageUrls => {
                    body.insert("image_urls".into(), serde_json::json!([first.as_str()]));
                }
                LinkMode::FirstFrame => {
                    body.insert(
                        "image_with_roles".into(),
                        serde_json::json!([{"url": first.as_str(), "role": "first_frame"}]),
                    );
                }
            },
            (None, None) => {}
        }
        Ok(Value::Object(body))
    }

    /// The typed request of segment `k`.
    pub fn segment_request(
        &self,
        k: usize,
        previous_last_frame: Option<&MediaUrl>,
    ) -> Result<GenerationRequest, PlanError> {
        let body = self
            .segment_json(k, previous_last_frame)
            .map_err(|v| PlanError {
                errors: vec![v],
                warnings: Vec::new(),
            })?;
        GenerationRequest::from_json(&body)
            .map(|(r, _)| r)
            .map_err(|e| PlanError {
                errors: e
                    .report
                    .errors
                    .into_iter()
                    .map(|v| prefixed(&format!("segments[{k}]"), v))
                    .collect(),
                warnings: Vec::new(),
            })
    }

    /// A fingerprint of segment `k` as planned (with the placeholder frame):
    /// a resume compares it to notice that the plan changed.
    pub fn fingerprint(&self, k: usize) -> crate::records::Fingerprint {
        let placeholder = MediaUrl::parse(PLACEHOLDER_FRAME).ok();
        match self.segment_request(k, if k == 0 { None } else { placeholder.as_ref() }) {
            Ok(request) => crate::records::Fingerprint::of_request(&request),
            Err(_) => crate::records::Fingerprint::of(b""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_segment_is_reported_with_its_index() {
        let plan = json!({
            "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "720p"},
            "segments": [
                {"prompt": "one", "duration": 5},
                {"prompt": "two", "duration": 30},
                {"prompt": "three", "resolution": "4k"}
            ]
        });
        let err = Plan::from_json(&plan).unwrap_err();
        let paths: Vec<&str> = err.errors.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["segments[1].duration", "segments[2].resolution"]);
    }

    #[test]
    fn links_follow_the_mode_and_end_image_uses_first_last_frames() {
        let plan = json!({
            "defaults": {"model": "doubao-seedance-2.0"},
            "start_image": "https://e.com/start.png",
            "end_image": "https://e.com/end.png",
            "segments": [{"prompt": "a"}, {"prompt": "b"}, {"prompt": "c"}]
        });
        let (plan, _) = Plan::from_json(&plan).unwrap();
        let prev = MediaUrl::parse("https://cdn.e.com/last.png").unwrap();
        let s0 = plan.segment_json(0, None).unwrap();
        assert_eq!(s0["image_urls"], json!(["https://e.com/start.png"]));
        assert_eq!(s0["return_last_frame"], json!(true));
        let s1 = plan.segment_json(1, Some(&prev)).unwrap();
        assert_eq!(s1["image_urls"], json!(["https://cdn.e.com/last.png"]));
        let s2 = plan.segment_json(2, Some(&prev)).unwrap();
        assert_eq!(
            s2["image_with_roles"][1],
            json!({"url": "https://e.com/end.png", "role": "last_frame"})
        );
        assert!(s2.get("image_urls").is_none());
    }

    #[test]
    fn chained_segments_cannot_set_their_own_images() {
        let plan = json!({
            "defaults": {"model": "doubao-seedance-2.0"},
            "segments": [{"prompt": "a"}, {"prompt": "b", "image_urls": ["https://e.com/x.png"]}]
        });
        let err = Plan::from_json(&plan).unwrap_err();
        assert_eq!(err.errors[0].path, "segments[1].image_urls");
    }

    #[test]
    fn end_image_alone_needs_a_first_frame() {
        let plan = json!({
            "defaults": {"model": "doubao-seedance-2.0"},
            "end_image": "https://e.com/end.png",
            "segments": [{"prompt": "a"}]
        });
        let err = Plan::from_json(&plan).unwrap_err();
        assert_eq!(err.errors[0].path, "end_image");
    }
}
