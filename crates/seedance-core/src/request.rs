//! The body of `POST /v1/videos/generations`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::media_url::MediaUrl;
use crate::model::{ImageRole, Model, Resolution, Size, ToolType};

/// A video generation request, field for field as the API reference lists it.
///
/// Unset options and empty lists are not serialized, so the JSON sent is
/// exactly what the caller set; the server applies its own defaults to the
/// rest (see [`crate::limits`] and `docs/validation-rules.md` for the
/// defaults, which have changed between versions of the documentation).
///
/// A typed request can still break cross-field rules (a `last_frame` without a
/// `first_frame`, a 4k video on the fast model...): call
/// [`GenerationRequest::validate`] before sending; the client does.
///
/// ```
/// use seedance_core::{GenerationRequest, Model, Resolution, Size};
///
/// let request = GenerationRequest::new(Model::Seedance2)
///     .with_prompt("A kitten yawns at the camera")
///     .with_duration(5)
///     .with_size(Size::Landscape16x9)
///     .with_resolution(Resolution::P720)
///     .with_generate_audio(true);
/// assert!(request.validate().is_valid());
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"model":"doubao-seedance-2.0","prompt":"A kitten yawns at the camera","duration":5,"size":"16:9","resolution":"720p","generate_audio":true}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GenerationRequest {
    /// The model id.
    pub model: Model,
    /// What the video shows; required for text-to-video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Length in seconds, 4-15 (server default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    /// Aspect ratio (server default 16:9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Size>,
    /// Resolution (server default 720p per the current reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Random seed; the same seed gives similar, not identical, results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Whether to generate sound (server default false per the current reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_audio: Option<bool>,
    /// Whether the result should include the video's last frame as an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_last_frame: Option<bool>,
    /// Tools such as web search.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tools: Vec<Tool>,
    /// Images: a first frame when alone, reference images alongside videos.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub image_urls: Vec<MediaUrl>,
    /// Images with explicit roles (first/last frame or reference image).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub image_with_roles: Vec<ImageWithRole>,
    /// Reference videos.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub video_urls: Vec<MediaUrl>,
    /// Reference audios.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub audio_urls: Vec<MediaUrl>,
    /// Whether to keep the camera still (apimart's current English page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_fixed: Option<bool>,
    /// Whether to add a watermark (upstream's field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    /// Fields this version does not know, sent exactly as written (like
    /// `extra_body` in OpenAI's SDKs): the service may have added them. The
    /// validator warns about each; names known to buy a different video
    /// than the one asked for (`aspect_ratio`...) are refused instead.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `null` reads as an empty list, as the raw validator treats it (absent).
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An entry of `tools`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// The tool type (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: ToolType,
}

impl Tool {
    /// The web search tool.
    pub const WEB_SEARCH: Tool = Tool {
        kind: ToolType::WebSearch,
    };
}

/// An entry of `image_with_roles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageWithRole {
    /// The image.
    pub url: MediaUrl,
    /// What the image is for.
    pub role: ImageRole,
}

impl ImageWithRole {
    /// An image with a role.
    pub fn new(url: MediaUrl, role: ImageRole) -> Self {
        ImageWithRole { url, role }
    }
}

impl GenerationRequest {
    /// A request for `model` with nothing else set.
    pub fn new(model: Model) -> Self {
        GenerationRequest {
            model,
            prompt: None,
            duration: None,
            size: None,
            resolution: None,
            seed: None,
            generate_audio: None,
            return_last_frame: None,
            tools: Vec::new(),
            image_urls: Vec::new(),
            image_with_roles: Vec::new(),
            video_urls: Vec::new(),
            audio_urls: Vec::new(),
            camera_fixed: None,
            watermark: None,
            extra: BTreeMap::new(),
        }
    }

    /// Keeps the camera still (or not).
    pub fn with_camera_fixed(mut self, on: bool) -> Self {
        self.camera_fixed = Some(on);
        self
    }

    /// Adds a watermark (or not).
    pub fn with_watermark(mut self, on: bool) -> Self {
        self.watermark = Some(on);
        self
    }

    /// Sends a field this version does not know, exactly as given.
    pub fn with_extra(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    /// Sets the prompt.
    pub fn with_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }
    /// Sets the duration in seconds.
    pub fn with_duration(mut self, seconds: i32) -> Self {
        self.duration = Some(seconds);
        self
    }
    /// Sets the aspect ratio.
    pub fn with_size(mut self, size: Size) -> Self {
        self.size = Some(size);
        self
    }
    /// Sets the resolution.
    pub fn with_resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = Some(resolution);
        self
    }
    /// Sets the seed.
    pub fn with_seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Sets whether audio is generated.
    pub fn with_generate_audio(mut self, on: bool) -> Self {
        self.generate_audio = Some(on);
        self
    }
    /// Sets whether the last frame is returned.
    pub fn with_return_last_frame(mut self, on: bool) -> Self {
        self.return_last_frame = Some(on);
        self
    }
    /// Adds a tool.
    pub fn with_tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }
    /// Adds an image to `image_urls`.
    pub fn with_image_url(mut self, url: MediaUrl) -> Self {
        self.image_urls.push(url);
        self
    }
    /// Adds an image to `image_with_roles`.
    pub fn with_image_role(mut self, url: MediaUrl, role: ImageRole) -> Self {
        self.image_with_roles.push(ImageWithRole::new(url, role));
        self
    }
    /// Adds a reference video.
    pub fn with_video_url(mut self, url: MediaUrl) -> Self {
        self.video_urls.push(url);
        self
    }
    /// Adds a reference audio.
    pub fn with_audio_url(mut self, url: MediaUrl) -> Self {
        self.audio_urls.push(url);
        self
    }

    /// Whether any image or video input is present (text-to-video otherwise).
    pub fn has_visual_input(&self) -> bool {
        !self.image_urls.is_empty()
            || !self.image_with_roles.is_empty()
            || !self.video_urls.is_empty()
    }

    /// The longest the server may produce for this request: the duration
    /// set, the default 5 s when unset, and the maximum (15 s) for
    /// upstream's "smart duration" (`-1`), which lets the model choose.
    pub fn effective_duration(&self) -> u32 {
        match self.duration {
            None => crate::limits::DURATION_DEFAULT_SECS,
            Some(d) if d < 0 => crate::limits::DURATION_MAX_SECS,
            Some(d) => d.unsigned_abs(),
        }
    }

    /// Every media URL in the request with its field path, in wire order.
    pub fn media_urls(&self) -> impl Iterator<Item = (String, &MediaUrl)> {
        let images = self
            .image_urls
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("image_urls[{i}]"), u));
        let roles = self
            .image_with_roles
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("image_with_roles[{i}].url"), &r.url));
        let videos = self
            .video_urls
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("video_urls[{i}]"), u));
        let audios = self
            .audio_urls
            .iter()
            .enumerate()
            .map(|(i, u)| (format!("audio_urls[{i}]"), u));
        images.chain(roles).chain(videos).chain(audios)
    }

    /// The wire JSON.
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing plain data into a `Value` cannot fail: every map key is a string.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
