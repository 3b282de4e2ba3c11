//! `seedance schema`: JSON Schemas of the input files, built from the same
//! constants the validator uses (model ids, sizes, limits), so they cannot
//! drift from it. The validator stays the authority: the schemas catch
//! typos and types while a file is typed; cross-field rules (a last frame
//! needs a first frame...) are the validator's.

use std::io::Write;

use seedance_core::limits::{
    DURATION_MAX_SECS, DURATION_MIN_SECS, MAX_AUDIOS, MAX_IMAGES, MAX_VIDEOS, PROMPT_MAX_CHARS,
    SEED_MAX, SEED_MIN,
};
use seedance_core::{ImageRole, Model, Resolution, Size, ToolType};
use serde_json::{Value, json};

use crate::cli::{SchemaArgs, SchemaKind};
use crate::failure::Failure;

fn names<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

fn url(what: &str) -> Value {
    json!({
        "type": "string",
        "description": format!("{what}: an http(s) URL, an asset://ID, or (images only) a path to a local file, uploaded before sending"),
        "minLength": 1
    })
}

/// The fields of a request, none required (plans' defaults and segments
/// use them partially).
fn request_properties() -> Value {
    json!({
        "model": {"enum": Model::WIRE_VALUES, "description": "The model."},
        "prompt": {"type": "string", "maxLength": PROMPT_MAX_CHARS, "description": "What to generate."},
        "duration": {"type": "integer", "minimum": DURATION_MIN_SECS, "maximum": DURATION_MAX_SECS, "description": "Seconds of video."},
        "size": {"enum": names(Size::ALL, Size::as_str), "description": "Aspect ratio."},
        "resolution": {"enum": names(Resolution::ALL, Resolution::as_str)},
        "seed": {"type": "integer", "minimum": SEED_MIN, "maximum": SEED_MAX},
        "generate_audio": {"type": "boolean", "description": "Generate sound with the video."},
        "return_last_frame": {"type": "boolean", "description": "Also return the last frame as an image."},
        "camera_fixed": {"type": "boolean", "description": "Keep the camera still. Listed by apimart but refused upstream for the Seedance 2.0 family: the CLI leaves it out unless --force-field camera_fixed."},
        "watermark": {"type": "boolean"},
        "webhook": {"type": "string", "format": "uri", "description": "Where apimart POSTs the task's status when it ends (it appends /callback); public http(s), ports 80 and 443."},
        "tools": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": names(ToolType::ALL, ToolType::as_str)}}
            }
        },
        "image_urls": {"type": "array", "maxItems": MAX_IMAGES, "items": url("an image")},
        "image_with_roles": {
            "type": "array",
            "maxItems": MAX_IMAGES,
            "items": {
                "type": "object",
                "required": ["url", "role"],
                "properties": {
                    "url": url("an image"),
                    "role": {"enum": names(ImageRole::ALL, ImageRole::as_str)}
                }
            }
        },
        "video_urls": {"type": "array", "maxItems": MAX_VIDEOS, "items": url("a reference video")},
        "audio_urls": {"type": "array", "maxItems": MAX_AUDIOS, "items": url("a reference audio clip")}
    })
}

/// The schema of `kind`.
pub(crate) fn schema(kind: SchemaKind) -> Value {
    let request = json!({
        "type": "object",
        "required": ["model"],
        "properties": request_properties(),
    });
    let partial = json!({"type": "object", "properties": request_properties()});
    let (title, body) = match kind {
        SchemaKind::Request => ("A Seedance 2.0 generation request (apimart)", request),
        SchemaKind::Job => (
            "One line of a seedance batch jobs file (JSON Lines)",
            request,
        ),
        SchemaKind::Plan => (
            "A seedance chain plan: segments linked by each one's last frame",
            json!({
                "type": "object",
                "required": ["segments"],
                "additionalProperties": false,
                "properties": {
                    "defaults": partial,
                    "start_image": url("the first frame of segment 0"),
                    "end_image": url("the last frame of the last segment"),
                    "link": {"enum": ["image_urls", "first_frame"], "description": "How a segment receives the previous last frame."},
                    "segments": {"type": "array", "minItems": 1, "items": partial}
                }
            }),
        ),
    };
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
    });
    if let (Value::Object(s), Value::Object(b)) = (&mut schema, body) {
        s.extend(b);
    }
    schema
}

pub(crate) fn run(args: &SchemaArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(&schema(args.kind)).unwrap_or_default();
    writeln!(out, "{text}").map_err(Failure::output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_schema_names_every_documented_field() {
        let s = schema(SchemaKind::Request);
        let props = s["properties"].as_object().unwrap();
        for field in seedance_core::validate::KNOWN_FIELDS {
            assert!(props.contains_key(*field), "{field}");
        }
        assert_eq!(
            s["properties"]["model"]["enum"].as_array().unwrap().len(),
            Model::ALL.len()
        );
    }
}
