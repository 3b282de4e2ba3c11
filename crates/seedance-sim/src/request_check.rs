//! The service's own check of a generation request, written from the
//! reference (`apimart-seedance-2.0-generation.ko.md`) and the live facts in
//! `real-world.md`, as the service applies it: on the JSON it receives,
//! stopping at the first problem and naming it.
//!
//! It deliberately shares no code with `seedance-core`'s validator: the two
//! are compared by a test over every fixture and many generated requests, so
//! a wrong client rule shows up as a disagreement instead of agreeing with
//! itself by construction. Where the client is stricter on purpose (fields
//! from the 1.5 API the service would silently ignore, local media limits),
//! the test lists the exception and why.

use serde_json::{Map, Value};

/// What the service needs from an accepted request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Accepted {
    /// Seconds of video that will be generated (and billed).
    pub(crate) seconds: u32,
    /// `480p`, `720p`, `1080p` or `4k`.
    pub(crate) resolution: String,
    /// The aspect ratio asked for (`16:9`..., or `adaptive`).
    pub(crate) size: String,
    /// Whether the result carries the last frame.
    pub(crate) return_last_frame: bool,
    /// The prompt, possibly empty.
    pub(crate) prompt: String,
    /// The image the video starts from: the first frame, else the first
    /// reference image, when one is given.
    pub(crate) start_image: Option<String>,
    /// Every media URL with the field it came from, in request order.
    pub(crate) media: Vec<(String, String)>,
}

/// Why the service refuses a request: the field and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// The field at fault (upstream's `param`), e.g. `image_urls[2]`.
    pub(crate) param: String,
    /// What is wrong with it.
    pub(crate) message: String,
}

fn reject(param: impl Into<String>, message: impl Into<String>) -> Rejection {
    Rejection {
        param: param.into(),
        message: message.into(),
    }
}

/// The models the service serves, with (full feature set, asset URLs).
/// `-face` variants follow their base model.
const MODELS: &[(&str, bool, bool)] = &[
    ("doubao-seedance-2.0", true, true),
    ("doubao-seedance-2.0-face", true, true),
    ("doubao-seedance-2.0-fast", false, true),
    ("doubao-seedance-2.0-fast-face", false, true),
    ("doubao-seedance-2.0-mini", false, false),
];
const SIZES: &[&str] = &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"];
const PROMPT_MAX_CHARS: usize = 4000;
const SEED_MAX: i64 = 4_294_967_295;

/// Checks `body` as the service would.
pub(crate) fn check(body: &Value) -> Result<Accepted, Rejection> {
    let obj = body
        .as_object()
        .ok_or_else(|| reject("", "the request body must be a JSON object"))?;
    let model = match obj.get("model") {
        None | Some(Value::Null) => return Err(reject("model", "model is required")),
        Some(Value::String(m)) => m.as_str(),
        Some(_) => return Err(reject("model", "model must be a string")),
    };
    let &(_, high_resolutions, assets) = MODELS
        .iter()
        .find(|(name, ..)| *name == model)
        .ok_or_else(|| reject("model", format!("model `{model}` is not supported")))?;
    let mini = model == "doubao-seedance-2.0-mini";

    let prompt = optional_string(obj, "prompt")?.unwrap_or_default();
    if !mini && prompt.chars().count() > PROMPT_MAX_CHARS {
        return Err(reject(
            "prompt",
            format!("prompt must be at most {PROMPT_MAX_CHARS} characters"),
        ));
    }
    let seconds = match obj.get("duration") {
        None | Some(Value::Null) => 5,
        // Upstream's "smart duration"; billed here as the longest.
        Some(v) if v.as_i64() == Some(-1) => 15,
        Some(v) => match v.as_i64() {
            Some(d @ 4..=15) => d as u32,
            Some(_) => return Err(reject("duration", "duration must be between 4 and 15")),
            None => return Err(reject("duration", "duration must be an integer")),
        },
    };
    let size = optional_string(obj, "size")?.unwrap_or_else(|| "16:9".to_owned());
    if !SIZES.contains(&size.as_str()) {
        return Err(reject("size", format!("size `{size}` is not supported")));
    }
    let resolution = optional_string(obj, "resolution")?.unwrap_or_else(|| "720p".to_owned());
    match resolution.as_str() {
        "480p" | "720p" => {}
        "1080p" | "4k" if high_resolutions => {}
        "1080p" | "4k" => {
            return Err(reject(
                "resolution",
                format!("resolution {resolution} is only supported by doubao-seedance-2.0"),
            ));
        }
        other => {
            return Err(reject(
                "resolution",
                format!("resolution `{other}` is not supported"),
            ));
        }
    }
    if let Some(seed) = obj.get("seed").filter(|v| !v.is_null()) {
        match seed.as_i64() {
            Some(s) if (-1..=SEED_MAX).contains(&s) => {}
            _ => {
                return Err(reject(
                    "seed",
                    format!("seed must be an integer between -1 and {SEED_MAX}"),
                ));
            }
        }
    }
    for flag in [
        "generate_audio",
        "return_last_frame",
        "camera_fixed",
        "watermark",
    ] {
        if let Some(v) = obj.get(flag).filter(|v| !v.is_null())
            && !v.is_boolean()
        {
            return Err(reject(flag, format!("{flag} must be a boolean")));
        }
    }
    if let Some(tools) = obj.get("tools").filter(|v| !v.is_null()) {
        let tools = tools
            .as_array()
            .ok_or_else(|| reject("tools", "tools must be an array"))?;
        for (i, tool) in tools.iter().enumerate() {
            match tool.get("type").and_then(Value::as_str) {
                Some("web_search") => {}
                Some(other) => {
                    return Err(reject(
                        format!("tools[{i}].type"),
                        format!("tool type `{other}` is not supported"),
                    ));
                }
                None => return Err(reject(format!("tools[{i}].type"), "type is required")),
            }
        }
    }

    let mut media = Vec::new();
    let image_urls = url_array(obj, "image_urls", assets, &mut media)?;
    let videos = url_array(obj, "video_urls", assets, &mut media)?;
    let audios = url_array(obj, "audio_urls", assets, &mut media)?;
    let roles = image_roles(obj, assets, &mut media)?;
    if image_urls.is_some() && roles.is_some() {
        return Err(reject(
            "image_with_roles",
            "image_urls and image_with_roles cannot be used together",
        ));
    }
    if image_urls.unwrap_or(0) > 9 {
        return Err(reject("image_urls", "at most 9 images"));
    }
    let roles = roles.unwrap_or_default();
    if roles.len() > 9 {
        return Err(reject("image_with_roles", "at most 9 images"));
    }
    for role in ["first_frame", "last_frame"] {
        if roles.iter().filter(|(r, _)| r == role).count() > 1 {
            return Err(reject("image_with_roles", format!("at most one {role}")));
        }
    }
    let has = |role: &str| roles.iter().any(|(r, _)| r == role);
    // Upstream (the model behind the gateway): a last frame closes a
    // first-frame video, and the frame modes and the reference mode are
    // separate scenarios that cannot be mixed in one request.
    if has("last_frame") && !has("first_frame") {
        return Err(reject(
            "image_with_roles",
            "a last_frame image needs a first_frame image",
        ));
    }
    let frames = has("first_frame") || has("last_frame");
    if frames && has("reference_image") {
        return Err(reject(
            "image_with_roles",
            "first/last frame images cannot be mixed with reference images",
        ));
    }
    if frames && (videos.is_some() || audios.is_some()) {
        let param = if videos.is_some() {
            "video_urls"
        } else {
            "audio_urls"
        };
        return Err(reject(
            param,
            "reference video and audio cannot be used with first or last frame images",
        ));
    }
    if videos.unwrap_or(0) > 3 {
        return Err(reject("video_urls", "at most 3 reference videos"));
    }
    if audios.unwrap_or(0) > 3 {
        return Err(reject("audio_urls", "at most 3 reference audio clips"));
    }
    let has_images = image_urls.unwrap_or(0) > 0 || !roles.is_empty();
    if audios.unwrap_or(0) > 0 && !has_images && videos.unwrap_or(0) == 0 {
        return Err(reject(
            "audio_urls",
            "reference audio must be used with a reference image or video",
        ));
    }
    if prompt.trim().is_empty() && !has_images && videos.unwrap_or(0) == 0 {
        return Err(reject("prompt", "prompt is required for text-to-video"));
    }
    let return_last_frame = obj.get("return_last_frame") == Some(&Value::Bool(true));
    let image_list: Vec<String> = obj
        .get("image_urls")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let start_image = roles
        .iter()
        .find(|(r, _)| r == "first_frame")
        .or_else(|| roles.iter().find(|(r, _)| r == "reference_image"))
        .map(|(_, u)| u.clone())
        .or_else(|| image_list.into_iter().next());
    Ok(Accepted {
        seconds,
        resolution,
        size,
        return_last_frame,
        prompt,
        start_image,
        media,
    })
}

fn optional_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Rejection> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(reject(field, format!("{field} must be a string"))),
    }
}

/// A media URL as the service fetches it: http(s), or `asset://` where the
/// model allows it. Base64 data is no longer accepted.
fn check_url(param: &str, url: &str, assets: bool) -> Result<(), Rejection> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("asset://") {
        if !assets {
            return Err(reject(
                param,
                "asset URLs are only supported by doubao-seedance-2.0 and doubao-seedance-2.0-fast",
            ));
        }
        if url.trim()["asset://".len()..].trim().is_empty() {
            return Err(reject(param, "the asset id is empty"));
        }
        return Ok(());
    }
    if lower.starts_with("data:") {
        return Err(reject(
            param,
            "base64 data is not accepted; upload the file and pass its URL",
        ));
    }
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| reject(param, "must be an http(s) or asset:// URL"))?;
    if host.is_empty() || host.starts_with('/') {
        return Err(reject(param, "the URL has no host"));
    }
    Ok(())
}

/// Checks an array of URL strings; `None` when the field is absent.
fn url_array(
    obj: &Map<String, Value>,
    field: &str,
    assets: bool,
    media: &mut Vec<(String, String)>,
) -> Result<Option<usize>, Rejection> {
    let Some(v) = obj.get(field).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let items = v
        .as_array()
        .ok_or_else(|| reject(field, format!("{field} must be an array of URLs")))?;
    for (i, item) in items.iter().enumerate() {
        let param = format!("{field}[{i}]");
        let url = item
            .as_str()
            .ok_or_else(|| reject(&param, "must be a URL string"))?;
        check_url(&param, url, assets)?;
        media.push((param, url.to_owned()));
    }
    Ok(Some(items.len()))
}

/// Checks `image_with_roles`; `None` when absent, else (role, url) pairs.
fn image_roles(
    obj: &Map<String, Value>,
    assets: bool,
    media: &mut Vec<(String, String)>,
) -> Result<Option<Vec<(String, String)>>, Rejection> {
    let Some(v) = obj.get("image_with_roles").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let items = v
        .as_array()
        .ok_or_else(|| reject("image_with_roles", "image_with_roles must be an array"))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("image_with_roles[{i}]");
        let url = item
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| reject(format!("{at}.url"), "url is required"))?;
        check_url(&format!("{at}.url"), url, assets)?;
        let role = item
            .get("role")
            .and_then(Value::as_str)
            .ok_or_else(|| reject(format!("{at}.role"), "role is required"))?;
        if !matches!(role, "first_frame" | "last_frame" | "reference_image") {
            return Err(reject(
                format!("{at}.role"),
                format!("role `{role}` is not one of first_frame, last_frame, reference_image"),
            ));
        }
        media.push((format!("{at}.url"), url.to_owned()));
        out.push((role.to_owned(), url.to_owned()));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_problem_is_named() {
        let r = check(
            &json!({"model": "doubao-seedance-2.0-fast", "resolution": "1080p", "duration": 40}),
        )
        .unwrap_err();
        assert_eq!(r.param, "duration");
        let r = check(
            &json!({"model": "doubao-seedance-2.0-fast", "prompt": "x", "resolution": "1080p"}),
        )
        .unwrap_err();
        assert_eq!(r.param, "resolution");
        let r = check(&json!({"model": "doubao-seedance-2.0-mini", "image_urls": ["asset://a"]}))
            .unwrap_err();
        assert_eq!(r.param, "image_urls[0]");
    }

    #[test]
    fn accepted_requests_carry_what_billing_and_media_need() {
        let a = check(&json!({
            "model": "doubao-seedance-2.0-face", "duration": 8, "resolution": "1080p",
            "image_with_roles": [{"url": "https://x.test/a.png", "role": "first_frame"}],
            "return_last_frame": true, "camera_fixed": false, "unknown_future_field": 1
        }))
        .unwrap();
        assert_eq!((a.seconds, a.resolution.as_str()), (8, "1080p"));
        assert_eq!(a.start_image.as_deref(), Some("https://x.test/a.png"));
        assert!(a.return_last_frame);
        assert_eq!(a.media.len(), 1);
    }

    #[test]
    fn frames_exclude_reference_video_and_audio_needs_a_reference() {
        let frames = json!({"model": "doubao-seedance-2.0", "prompt": "p",
            "image_with_roles": [{"url": "https://x.test/a.png", "role": "first_frame"}],
            "video_urls": ["https://x.test/v.mp4"]});
        assert_eq!(check(&frames).unwrap_err().param, "video_urls");
        let audio = json!({"model": "doubao-seedance-2.0", "prompt": "p", "audio_urls": ["https://x.test/a.wav"]});
        assert_eq!(check(&audio).unwrap_err().param, "audio_urls");
    }
}
