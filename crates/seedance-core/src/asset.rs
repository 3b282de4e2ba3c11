//! Private assets (`asset://` ids): `POST /v1/seedance2/private-avatar`
//! registers up to 20 images, videos or audio clips in a group and answers
//! with a task (`object: "seedance.avatar.asset.task"`); once the task is
//! done its `result.usable_assets[].asset_url` are the `asset://...` ids a
//! request accepts, and `result.failed_assets` says what was refused and
//! why. Source: docs.apimart.ai/en/api-reference/videos/doubao-seedance-2-0/private-avatar.
//! Parsed leniently: a field missing from an item leaves it out.

use serde::Serialize;
use serde_json::{Value, json};

/// The endpoint that registers assets.
pub const ASSET_PATH: &str = "/v1/seedance2/private-avatar";
/// The most assets one request registers.
pub const MAX_ASSETS: usize = 20;
/// The task object the endpoint answers with.
pub const ASSET_TASK_OBJECT: &str = "seedance.avatar.asset.task";

/// What an asset is, as the endpoint names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum AssetType {
    /// A still image.
    Image,
    /// A video clip.
    Video,
    /// An audio clip.
    Audio,
}

impl AssetType {
    /// The wire name (`Image`, `Video`, `Audio`).
    pub fn as_str(self) -> &'static str {
        match self {
            AssetType::Image => "Image",
            AssetType::Video => "Video",
            AssetType::Audio => "Audio",
        }
    }

    /// The type a file or URL is by its extension (query and fragment
    /// ignored), when it is one the endpoint takes.
    pub fn from_name(name: &str) -> Option<AssetType> {
        let path = name.split(['?', '#']).next().unwrap_or(name);
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" | "png" | "webp" | "gif" | "bmp" | "tiff" | "tif" => {
                Some(AssetType::Image)
            }
            "mp4" | "mov" | "webm" | "m4v" => Some(AssetType::Video),
            "wav" | "mp3" | "m4a" | "aac" | "flac" | "ogg" => Some(AssetType::Audio),
            _ => None,
        }
    }
}

/// One asset to register: a URL the service can fetch, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetInput {
    /// An http(s) URL.
    pub url: String,
    /// What it is.
    pub asset_type: AssetType,
}

/// Where the assets go.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssetGroup {
    /// A group by name (created when new).
    Name(String),
    /// An existing group by id.
    Id(String),
}

/// Why an asset request cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssetRequestError {
    /// No assets.
    #[error("assets: none given; give 1 to {MAX_ASSETS}")]
    Empty,
    /// Over the limit.
    #[error("assets: {0} given; one request registers at most {MAX_ASSETS}")]
    TooMany(usize),
    /// An empty group name or id.
    #[error("group: must not be empty")]
    EmptyGroup,
}

/// The body of `POST /v1/seedance2/private-avatar`, or why not: the group
/// (`group` or `group_id`), `project_name` when given, and each asset's
/// `url` and `asset_type`.
pub fn asset_request_body(
    group: &AssetGroup,
    project: Option<&str>,
    assets: &[AssetInput],
) -> Result<Value, AssetRequestError> {
    if assets.is_empty() {
        return Err(AssetRequestError::Empty);
    }
    if assets.len() > MAX_ASSETS {
        return Err(AssetRequestError::TooMany(assets.len()));
    }
    let mut body = serde_json::Map::new();
    match group {
        AssetGroup::Name(n) if !n.trim().is_empty() => {
            body.insert("group".into(), json!(n));
        }
        AssetGroup::Id(id) if !id.trim().is_empty() => {
            body.insert("group_id".into(), json!(id));
        }
        _ => return Err(AssetRequestError::EmptyGroup),
    }
    if let Some(p) = project {
        body.insert("project_name".into(), json!(p));
    }
    body.insert(
        "assets".into(),
        Value::Array(
            assets
                .iter()
                .map(|a| json!({"url": a.url, "asset_type": a.asset_type.as_str()}))
                .collect(),
        ),
    );
    Ok(Value::Object(body))
}

/// An asset the service accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsableAsset {
    /// The `asset://...` id to use in requests.
    pub asset_url: String,
    /// The source it was made from, when said.
    pub source: Option<String>,
    /// Its type, as the service said it.
    pub asset_type: Option<String>,
}

/// An asset the service refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedAsset {
    /// The source, when said.
    pub source: Option<String>,
    /// Why it was refused.
    pub reason: String,
}

/// What an asset task produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AssetOutcome {
    /// Accepted assets.
    pub usable: Vec<UsableAsset>,
    /// Refused ones.
    pub failed: Vec<FailedAsset>,
}

fn text(o: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Reads `usable_assets` and `failed_assets` from an asset task's
/// `result` (items may be objects or bare strings).
pub fn parse_asset_result(result: &Value) -> AssetOutcome {
    let list = |k: &str| {
        result
            .get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let usable = list("usable_assets")
        .iter()
        .filter_map(|a| {
            let asset_url = a
                .as_str()
                .map(str::to_owned)
                .or_else(|| text(a, &["asset_url", "url", "asset_id"]))?;
            let asset_url = if asset_url.starts_with("asset://") {
                asset_url
            } else {
                format!("asset://{asset_url}")
            };
            Some(UsableAsset {
                asset_url,
                source: text(a, &["source_url", "source", "origin_url", "name"]),
                asset_type: text(a, &["asset_type", "type"]),
            })
        })
        .collect();
    let failed = list("failed_assets")
        .iter()
        .map(|a| FailedAsset {
            source: a
                .as_str()
                .map(str::to_owned)
                .or_else(|| text(a, &["url", "source_url", "source", "name"])),
            reason: text(a, &["reason", "message", "error", "fail_reason"])
                .unwrap_or_else(|| "no reason given".to_owned()),
        })
        .collect();
    AssetOutcome { usable, failed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_extension() {
        assert_eq!(AssetType::from_name("a/b/Face.PNG"), Some(AssetType::Image));
        assert_eq!(
            AssetType::from_name("https://x.test/m.mp4?sig=1"),
            Some(AssetType::Video)
        );
        assert_eq!(AssetType::from_name("v.wav"), Some(AssetType::Audio));
        assert_eq!(AssetType::from_name("notes.txt"), None);
    }

    #[test]
    fn bodies_refuse_too_many_and_name_the_group() {
        let a = AssetInput {
            url: "https://x.test/a.png".into(),
            asset_type: AssetType::Image,
        };
        let body = asset_request_body(
            &AssetGroup::Name("hero".into()),
            Some("p"),
            std::slice::from_ref(&a),
        )
        .unwrap();
        assert_eq!(body["group"], "hero");
        assert_eq!(body["assets"][0]["asset_type"], "Image");
        assert_eq!(
            asset_request_body(&AssetGroup::Id("g".into()), None, &vec![a; 21]),
            Err(AssetRequestError::TooMany(21))
        );
    }

    #[test]
    fn results_in_objects_or_strings() {
        let r = parse_asset_result(&json!({
            "usable_assets": [{"asset_url": "asset://a1", "source_url": "https://x/a.png"}, "b2"],
            "failed_assets": [{"url": "https://x/refuse.png", "reason": "face not clear"}, {}]
        }));
        assert_eq!(r.usable[0].asset_url, "asset://a1");
        assert_eq!(r.usable[1].asset_url, "asset://b2");
        assert_eq!(r.failed[0].reason, "face not clear");
        assert_eq!(r.failed[1].reason, "no reason given");
    }
}
