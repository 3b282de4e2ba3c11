//! The JSON Schema `GET /v1/model-schema` serves for each model's
//! `video_generation` input, written from the Korean generation reference
//! (`apimart-seedance-2.0-generation.ko.md`): the parameter table only,
//! without the cross-field rules a schema cannot say (modes that exclude
//! each other, audio that needs an image or video). Like the live service's
//! schema it is looser than the service's own check in places and stricter
//! in others (no `-1` duration), which is what `seedance validate --live`
//! reports.

use serde_json::{Value, json};

/// The models the simulator lists, with their price per second at 720p in
/// its own currency (0.1 per 720p video-second, see `billing`).
pub(crate) const LISTED_MODELS: &[&str] = &[
    "doubao-seedance-2.0",
    "doubao-seedance-2.0-fast",
    "doubao-seedance-2.0-mini",
    "doubao-seedance-2.0-face",
    "doubao-seedance-2.0-fast-face",
];

/// The resolutions `model` renders.
pub(crate) fn resolutions(model: &str) -> &'static [&'static str] {
    match model {
        "doubao-seedance-2.0" | "doubao-seedance-2.0-face" => &["480p", "720p", "1080p", "4k"],
        _ => &["480p", "720p"],
    }
}

fn url_list(max: u64, what: &str) -> Value {
    json!({
        "type": "array",
        "maxItems": max,
        "description": format!("{what}: http(s) URLs or asset://ID"),
        "items": {"type": "string", "minLength": 1},
    })
}

/// The schema of `model`'s input, or `None` for a model the simulator
/// does not serve.
pub(crate) fn schema_for(model: &str) -> Option<Value> {
    if !LISTED_MODELS.contains(&model) {
        return None;
    }
    let mini = model == "doubao-seedance-2.0-mini";
    let mut prompt = json!({"type": "string", "description": "what the video shows"});
    if !mini {
        prompt["maxLength"] = json!(4000);
    }
    Some(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("{model} video_generation"),
        "type": "object",
        "required": ["model"],
        "properties": {
            "model": {"type": "string", "const": model},
            "prompt": prompt,
            "duration": {"type": "integer", "minimum": 4, "maximum": 15, "default": 5},
            "size": {"type": "string", "enum": ["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"]},
            "resolution": {"type": "string", "enum": resolutions(model)},
            "seed": {"type": "integer", "minimum": -1, "maximum": 4_294_967_295_u64},
            "generate_audio": {"type": "boolean"},
            "return_last_frame": {"type": "boolean"},
            "tools": {"type": "array", "items": {
                "type": "object", "required": ["type"],
                "properties": {"type": {"type": "string", "enum": ["web_search"]}}
            }},
            "image_urls": url_list(9, "reference images"),
            "image_with_roles": {"type": "array", "maxItems": 9, "items": {
                "type": "object", "required": ["url", "role"],
                "properties": {
                    "url": {"type": "string", "minLength": 1},
                    "role": {"type": "string", "enum": ["first_frame", "last_frame", "reference_image"]}
                }
            }},
            "video_urls": url_list(3, "reference videos"),
            "audio_urls": url_list(3, "reference audio"),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_model_has_a_schema_with_its_resolutions() {
        for m in LISTED_MODELS {
            let s = schema_for(m).unwrap();
            assert_eq!(s["properties"]["model"]["const"], *m);
        }
        let mini = schema_for("doubao-seedance-2.0-mini").unwrap();
        assert_eq!(
            mini["properties"]["resolution"]["enum"],
            json!(["480p", "720p"])
        );
        assert!(schema_for("gpt-4").is_none());
    }
}
