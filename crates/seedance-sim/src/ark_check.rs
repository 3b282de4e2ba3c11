//! Ark's own check of a create-task body (`POST /contents/generations/tasks`),
//! written from the public references (Volcengine's create API page,
//! BytePlus ModelArk's create/get/list/delete pages and error codes, as
//! summarised in `docs/providers.md`), stopping at the first problem and
//! naming the field as Ark does (`content[1].image_url`).
//!
//! Like `request_check.rs` it shares no code with `seedance-core`: the
//! client's mapping and validator are compared against it by a test, so a
//! wrong mapping shows up as a disagreement.

use serde_json::{Map, Value};

use crate::request_check::Accepted;

/// Why Ark refuses a body: HTTP 400 `BadRequest` with this code, param and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArkRejection {
    /// `InvalidParameter`, `MissingParameter`,
    /// `InvalidParameter.UnsupportedParameter`, or (404) `InvalidEndpoint.NotFound`.
    pub(crate) code: &'static str,
    /// The field at fault.
    pub(crate) param: String,
    /// What is wrong.
    pub(crate) message: String,
}

fn reject(
    code: &'static str,
    param: impl Into<String>,
    message: impl Into<String>,
) -> ArkRejection {
    ArkRejection {
        code,
        param: param.into(),
        message: message.into(),
    }
}

fn invalid(param: impl Into<String>, message: impl Into<String>) -> ArkRejection {
    reject("InvalidParameter", param, message)
}

/// A model Ark serves: (family, 1080p/4k allowed, asset URLs allowed).
/// Both platforms' dated ids; ids without the date suffix; endpoint ids.
fn model_family(id: &str) -> Option<(&'static str, bool)> {
    let undated = |base: &str| {
        id == base
            || id.strip_prefix(base).is_some_and(|d| {
                d.len() == 7 && d.starts_with('-') && d[1..].bytes().all(|b| b.is_ascii_digit())
            })
    };
    for prefix in ["doubao-", "dreamina-"] {
        let Some(rest) = id.strip_prefix(prefix) else {
            continue;
        };
        for (name, high) in [
            ("seedance-2-0-fast", false),
            ("seedance-2-0-mini", false),
            ("seedance-2-0", true),
        ] {
            if undated(&format!("{prefix}{name}")) && rest.starts_with(name) {
                return Some((name, high));
            }
        }
    }
    if id.starts_with("ep-") && id.len() > 3 {
        return Some(("endpoint", true));
    }
    None
}

const RATIOS: &[&str] = &["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"];
const SEED_MAX: i64 = 4_294_967_295;

/// Checks `body` as Ark would.
pub(crate) fn check(body: &Value) -> Result<Accepted, ArkRejection> {
    let obj = body
        .as_object()
        .ok_or_else(|| invalid("", "The request body must be a JSON object"))?;
    let model = match obj.get("model") {
        None | Some(Value::Null) => {
            return Err(reject(
                "MissingParameter",
                "model",
                "The request failed because it is missing the `model` parameter",
            ));
        }
        Some(Value::String(m)) => m.as_str(),
        Some(_) => return Err(invalid("model", "model must be a string")),
    };
    let Some((family, high)) = model_family(model) else {
        return Err(reject(
            "InvalidEndpoint.NotFound",
            "model",
            format!("The model or endpoint {model} does not exist or you do not have access to it"),
        ));
    };
    for field in ["camera_fixed", "service_tier", "frames", "draft"] {
        if obj.get(field).is_some_and(|v| !v.is_null()) {
            return Err(reject(
                "InvalidParameter.UnsupportedParameter",
                field,
                format!("The parameter `{field}` is not supported by the model {model}"),
            ));
        }
    }
    let ratio = match obj.get("ratio") {
        None | Some(Value::Null) => "adaptive".to_owned(),
        Some(Value::String(r)) if RATIOS.contains(&r.as_str()) => r.clone(),
        Some(_) => return Err(invalid("ratio", "ratio is not one of the supported values")),
    };
    let resolution = match obj.get("resolution") {
        None | Some(Value::Null) => "720p".to_owned(),
        Some(Value::String(r)) => match r.as_str() {
            "480p" | "720p" => r.clone(),
            "1080p" | "4k" if high => r.clone(),
            "1080p" | "4k" => {
                return Err(invalid(
                    "resolution",
                    format!("resolution {r} is not supported by the model {model}"),
                ));
            }
            _ => {
                return Err(invalid(
                    "resolution",
                    "resolution is not one of 480p, 720p, 1080p, 4k",
                ));
            }
        },
        Some(_) => return Err(invalid("resolution", "resolution must be a string")),
    };
    let seconds = match obj.get("duration") {
        None | Some(Value::Null) => 5,
        Some(v) => match v.as_i64() {
            // The model picks; billed as the longest.
            Some(-1) => 15,
            Some(d @ 4..=15) => d as u32,
            _ => {
                return Err(invalid(
                    "duration",
                    "duration must be an integer from 4 to 15, or -1",
                ));
            }
        },
    };
    if let Some(seed) = obj.get("seed").filter(|v| !v.is_null()) {
        match seed.as_i64() {
            Some(s) if (-1..=SEED_MAX).contains(&s) => {}
            _ => {
                return Err(invalid(
                    "seed",
                    format!("seed must be from -1 to {SEED_MAX}"),
                ));
            }
        }
    }
    for flag in ["generate_audio", "return_last_frame", "watermark"] {
        if obj
            .get(flag)
            .is_some_and(|v| !v.is_null() && !v.is_boolean())
        {
            return Err(invalid(flag, format!("{flag} must be a boolean")));
        }
    }
    let present = |field: &str| obj.get(field).filter(|v| !v.is_null());
    if present("execution_expires_after")
        .is_some_and(|v| !v.as_i64().is_some_and(|s| (3600..=259_200).contains(&s)))
    {
        return Err(invalid(
            "execution_expires_after",
            "execution_expires_after must be from 3600 to 259200 seconds",
        ));
    }
    if present("priority").is_some_and(|v| !v.as_i64().is_some_and(|p| (0..=9).contains(&p))) {
        return Err(invalid("priority", "priority must be from 0 to 9"));
    }
    if present("safety_identifier")
        .is_some_and(|v| v.as_str().is_none_or(|s| s.chars().count() > 64))
    {
        return Err(invalid(
            "safety_identifier",
            "safety_identifier must be at most 64 characters",
        ));
    }
    if present("callback_url").is_some_and(|v| {
        v.as_str()
            .is_none_or(|u| !(u.starts_with("http://") || u.starts_with("https://")))
    }) {
        return Err(invalid(
            "callback_url",
            "callback_url must be an http(s) URL",
        ));
    }
    if let Some(tools) = obj.get("tools").filter(|v| !v.is_null()) {
        let ok = tools.as_array().is_some_and(|t| {
            t.iter()
                .all(|tool| tool.get("type").and_then(Value::as_str) == Some("web_search"))
        });
        if !ok {
            return Err(invalid(
                "tools",
                "the only tool is {\"type\":\"web_search\"}",
            ));
        }
    }
    let content = content(obj, family)?;
    Ok(Accepted {
        seconds,
        resolution,
        size: ratio,
        return_last_frame: obj.get("return_last_frame") == Some(&Value::Bool(true)),
        prompt: content.prompt,
        start_image: content.start_image,
        media: content.media,
    })
}

struct Content {
    prompt: String,
    start_image: Option<String>,
    media: Vec<(String, String)>,
}

/// The `content` array: one text item at most, images with roles, videos
/// and audio as references; the combinations Ark allows.
fn content(obj: &Map<String, Value>, family: &str) -> Result<Content, ArkRejection> {
    let items = match obj.get("content") {
        None | Some(Value::Null) => {
            return Err(reject(
                "MissingParameter",
                "content",
                "The request failed because it is missing the `content` parameter",
            ));
        }
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(_) => return Err(invalid("content", "content must be a non-empty array")),
    };
    let assets = family != "seedance-2-0-mini";
    let mut prompt = String::new();
    let mut images: Vec<(Option<String>, String, String)> = Vec::new();
    let (mut videos, mut audios) = (0usize, 0usize);
    let mut media = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("content[{i}]");
        let kind = item.get("type").and_then(Value::as_str).unwrap_or_default();
        let role = item.get("role").and_then(Value::as_str).map(str::to_owned);
        match kind {
            "text" => {
                prompt = item
                    .get("text")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(format!("{at}.text"), "text must be a string"))?
                    .to_owned();
            }
            "image_url" | "video_url" | "audio_url" => {
                let param = format!("{at}.{kind}");
                let url = item
                    .get(kind)
                    .and_then(|u| u.get("url"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(&param, format!("{kind}.url is required")))?;
                check_url(&param, url, kind, assets)?;
                let allowed: &[&str] = match kind {
                    "image_url" => &["first_frame", "last_frame", "reference_image"],
                    "video_url" => &["reference_video"],
                    _ => &["reference_audio"],
                };
                if let Some(r) = &role
                    && !allowed.contains(&r.as_str())
                {
                    return Err(invalid(
                        format!("{at}.role"),
                        format!("role `{r}` is not valid for {kind}"),
                    ));
                }
                match kind {
                    "image_url" => images.push((role, url.to_owned(), param.clone())),
                    "video_url" => videos += 1,
                    _ => audios += 1,
                }
                if !url.starts_with("data:") {
                    media.push((param, url.to_owned()));
                }
            }
            _ => {
                return Err(invalid(
                    format!("{at}.type"),
                    "type must be text, image_url, video_url or audio_url",
                ));
            }
        }
    }
    if images.len() > 1 && images.iter().any(|(r, ..)| r.is_none()) {
        return Err(invalid(
            "content",
            "when more than one image is given, each must have a role",
        ));
    }
    let role_of = |r: &Option<String>| r.clone().unwrap_or_else(|| "first_frame".to_owned());
    let count = |role: &str| images.iter().filter(|(r, ..)| role_of(r) == role).count();
    let (first, last, refs) = (
        count("first_frame"),
        count("last_frame"),
        count("reference_image"),
    );
    if images.len() > 9 || videos > 3 || audios > 3 {
        return Err(invalid(
            "content",
            "at most 9 images, 3 videos and 3 audio clips",
        ));
    }
    if first > 1 || last > 1 {
        return Err(invalid(
            "content",
            "at most one first_frame and one last_frame",
        ));
    }
    if last == 1 && first == 0 {
        return Err(invalid(
            "content",
            "a last_frame image needs a first_frame image",
        ));
    }
    if first + last > 0 && (refs > 0 || videos > 0 || audios > 0) {
        return Err(invalid(
            "content",
            "first/last frames cannot be combined with reference images, videos or audio",
        ));
    }
    if audios > 0 && images.is_empty() && videos == 0 {
        return Err(invalid(
            "content",
            "reference audio needs a reference image or video",
        ));
    }
    if prompt.trim().is_empty() && images.is_empty() && videos == 0 {
        return Err(invalid(
            "content",
            "a text prompt is required for text-to-video",
        ));
    }
    let start_image = images
        .iter()
        .find(|(r, ..)| role_of(r) == "first_frame")
        .or_else(|| {
            images
                .iter()
                .find(|(r, ..)| role_of(r) == "reference_image")
        })
        .map(|(_, url, _)| url.clone());
    Ok(Content {
        prompt,
        start_image,
        media,
    })
}

/// http(s) with a host, `asset://` (not for mini), or base64 `data:` for
/// images (`data:image/<fmt>;base64,`) and audio; videos only as URLs.
fn check_url(param: &str, url: &str, kind: &str, assets: bool) -> Result<(), ArkRejection> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("asset://") {
        return if assets {
            Ok(())
        } else {
            Err(invalid(param, "asset URLs are not supported by this model"))
        };
    }
    if let Some(rest) = lower.strip_prefix("data:") {
        let wanted = match kind {
            "image_url" => "image/",
            "audio_url" => "audio/",
            _ => return Err(invalid(param, "videos must be given as URLs, not base64")),
        };
        let ok = rest.starts_with(wanted)
            && rest
                .split_once(";base64,")
                .is_some_and(|(_, data)| !data.is_empty() && decode_base64(data).is_some());
        return if ok {
            Ok(())
        } else {
            Err(invalid(
                param,
                format!("expected data:{wanted}<format>;base64,<data>"),
            ))
        };
    }
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| invalid(param, "must be an http(s) URL, asset:// or base64 data"))?;
    if host.is_empty() || host.starts_with('/') {
        return Err(invalid(param, "the URL has no host"));
    }
    Ok(())
}

/// Standard base64 (with or without padding); `None` when malformed.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        out.push((acc >> 16) as u8);
        if chunk.len() > 2 {
            out.push((acc >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(acc as u8);
        }
    }
    Some(out)
}

/// The bytes of a `data:...;base64,` URL.
pub(crate) fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    let (_, data) = url.strip_prefix("data:")?.split_once(";base64,")?;
    decode_base64(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_first_frame_body_is_accepted_with_its_start_picture() {
        let a = check(&json!({
            "model": "dreamina-seedance-2-0-fast-260128",
            "content": [
                {"type": "text", "text": "a boat"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,aGkh"}, "role": "first_frame"}
            ],
            "ratio": "16:9", "duration": 6, "return_last_frame": true
        }))
        .unwrap();
        assert_eq!(
            (a.seconds, a.size.as_str(), a.resolution.as_str()),
            (6, "16:9", "720p")
        );
        assert_eq!(a.start_image.as_deref(), Some("data:image/png;base64,aGkh"));
        assert!(a.media.is_empty());
    }

    #[test]
    fn the_first_problem_is_named_as_ark_names_it() {
        let r = check(&json!({"model": "doubao-seedance-2-0-260128",
            "content": [{"type": "text", "text": "x"}], "camera_fixed": false}))
        .unwrap_err();
        assert_eq!(
            (r.code, r.param.as_str()),
            ("InvalidParameter.UnsupportedParameter", "camera_fixed")
        );
        let r = check(&json!({"model": "doubao-seedance-2-0-260128", "content": [
            {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
            {"type": "image_url", "image_url": {"url": "https://x.test/b.png"}}]}))
        .unwrap_err();
        assert_eq!(r.param, "content");
        let r = check(&json!({"model": "doubao-seedance-2-0-260128", "content": [
            {"type": "text", "text": "x"},
            {"type": "video_url", "video_url": {"url": "data:video/mp4;base64,AAAA"}, "role": "reference_video"}]}))
        .unwrap_err();
        assert_eq!(r.param, "content[1].video_url");
        let r = check(
            &json!({"model": "doubao-seedance-2.0", "content": [{"type": "text", "text": "x"}]}),
        )
        .unwrap_err();
        assert_eq!(r.code, "InvalidEndpoint.NotFound");
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(decode_base64("aGkh").unwrap(), b"hi!");
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert!(decode_base64("a").is_none());
        assert!(decode_base64("a*==").is_none());
    }
}
