//! The body of Ark's `POST /contents/generations/tasks`, and its mapping
//! from the project's [`GenerationRequest`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ImageRole, Resolution, Size};
use crate::provider::{ModelNotServed, ProviderKind};
use crate::request::{GenerationRequest, Tool};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// The role of a media item in `content[]`.
    pub enum ArkRole {
        /// The opening frame (an image).
        FirstFrame = "first_frame",
        /// The closing frame (an image; needs a first frame).
        LastFrame = "last_frame",
        /// A reference image (multimodal reference mode, 1-9 images).
        ReferenceImage = "reference_image",
        /// A reference video (a URL or `asset://`, never inline data).
        ReferenceVideo = "reference_video",
        /// A reference audio (needs a reference image or video).
        ReferenceAudio = "reference_audio",
    }
}

impl From<ImageRole> for ArkRole {
    fn from(role: ImageRole) -> Self {
        match role {
            ImageRole::FirstFrame => ArkRole::FirstFrame,
            ImageRole::LastFrame => ArkRole::LastFrame,
            ImageRole::ReferenceImage => ArkRole::ReferenceImage,
        }
    }
}

/// `{"url": ...}`: a public URL, an `asset://ID`, or (images and audio
/// only) a `data:<mime>;base64,...` URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArkUrl {
    /// The URL as sent.
    pub url: String,
}

/// One item of `content[]`, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ArkContent {
    /// `{"type":"text","text":...}`: the prompt.
    Text {
        /// The prompt.
        text: String,
    },
    /// `{"type":"image_url","image_url":{"url":...},"role":...}`.
    ImageUrl {
        /// The image.
        image_url: ArkUrl,
        /// What it is for; a lone image without a role is a first frame.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<ArkRole>,
    },
    /// `{"type":"video_url","video_url":{"url":...},"role":"reference_video"}`.
    VideoUrl {
        /// The video.
        video_url: ArkUrl,
        /// Always `reference_video` today.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<ArkRole>,
    },
    /// `{"type":"audio_url","audio_url":{"url":...},"role":"reference_audio"}`.
    AudioUrl {
        /// The audio.
        audio_url: ArkUrl,
        /// Always `reference_audio` today.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<ArkRole>,
    },
}

impl ArkContent {
    /// The media URL of an image, video or audio item.
    pub fn url(&self) -> Option<&str> {
        match self {
            ArkContent::Text { .. } => None,
            ArkContent::ImageUrl { image_url: u, .. }
            | ArkContent::VideoUrl { video_url: u, .. }
            | ArkContent::AudioUrl { audio_url: u, .. } => Some(&u.url),
        }
    }

    /// Replaces the media URL (to inline a local image or audio as a
    /// `data:` URL, see [`super::inline_data_url`]); `false` for text.
    pub fn set_url(&mut self, url: impl Into<String>) -> bool {
        match self {
            ArkContent::Text { .. } => false,
            ArkContent::ImageUrl { image_url: u, .. }
            | ArkContent::VideoUrl { video_url: u, .. }
            | ArkContent::AudioUrl { audio_url: u, .. } => {
                u.url = url.into();
                true
            }
        }
    }
}

/// The create-task body. Unset options are not serialized; fields the
/// project does not model (`callback_url`, `execution_expires_after`,
/// `priority`, `safety_identifier`...) travel in `extra`, exactly as the
/// caller wrote them in [`GenerationRequest::extra`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArkCreateRequest {
    /// The platform's model id (or an endpoint id).
    pub model: String,
    /// Prompt and media, in this order: text, images, videos, audios.
    pub content: Vec<ArkContent>,
    /// Aspect ratio (apimart calls it `size`); `adaptive` follows the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Size>,
    /// Output resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Seconds, 4-15, or -1 for the model's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    /// -1 (random) to 2^32 - 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Whether to burn in a watermark (server default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    /// Whether to generate sound (Ark's default is true, apimart's false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_audio: Option<bool>,
    /// Whether the task also returns the last frame as a PNG.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_last_frame: Option<bool>,
    /// Refused for the 2.0 family; carried so that validation, not the
    /// mapping, is what refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera_fixed: Option<bool>,
    /// Tools (`web_search`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Every other field, sent as written.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
    /// For each `content` item, the project field it came from
    /// (`prompt`, `image_urls[0]`, `image_with_roles[1].url`...), so an
    /// error's `param` (`content[1].image_url`) can be told in the user's
    /// terms. Not sent.
    #[serde(skip)]
    pub sources: Vec<String>,
}

/// The top-level fields of the create body that the mapping writes from
/// the request's own fields. An `extra` key with one of these names is
/// refused by validation and left out of the body (the typed field wins).
pub(crate) const BODY_FIELDS: &[&str] = &[
    "model",
    "content",
    "ratio",
    "resolution",
    "duration",
    "seed",
    "watermark",
    "generate_audio",
    "return_last_frame",
    "camera_fixed",
    "tools",
];

/// What to send for options the caller left unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Defaults {
    /// Send the project's documented defaults where Ark's differ, so a
    /// request makes the same video on every provider: `generate_audio:
    /// false` (Ark defaults to true), and `ratio: 16:9` for text-to-video
    /// (Ark defaults to `adaptive`, where the model picks).
    #[default]
    Portable,
    /// Leave them unset: the platform's own defaults apply.
    Provider,
}

/// How [`to_ark_request`] fills the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapOptions {
    /// What unset options become.
    pub defaults: Defaults,
}

impl MapOptions {
    /// Options with `defaults` set.
    pub fn with_defaults(mut self, defaults: Defaults) -> Self {
        self.defaults = defaults;
        self
    }
}

/// Builds Ark's create-task body from a project request.
///
/// - `prompt` becomes the `text` item (omitted when blank);
/// - `image_with_roles` keep their roles; `image_urls` are a first frame
///   when a single image comes alone (apimart's image-to-video), else
///   reference images;
/// - `video_urls` and `audio_urls` become `reference_video` and
///   `reference_audio` items;
/// - `size` becomes `ratio`; `resolution`, `duration` (incl. -1), `seed`,
///   `watermark`, `generate_audio`, `return_last_frame`, `camera_fixed`,
///   `tools` and every `extra` field keep their names.
///
/// Fails only when the platform does not serve the model. Call
/// [`super::validate`] first: the mapping does not judge the request
/// (except that an `extra` key naming a body field the mapping writes, such
/// as `ratio`, is left out rather than sent twice; validation refuses it).
pub fn to_ark_request(
    provider: ProviderKind,
    request: &GenerationRequest,
    options: &MapOptions,
) -> Result<ArkCreateRequest, ModelNotServed> {
    let model = provider.model_id(&request.model)?;
    let mut content = Vec::new();
    let mut sources = Vec::new();
    if let Some(prompt) = request.prompt.as_deref().filter(|p| !p.trim().is_empty()) {
        content.push(ArkContent::Text {
            text: prompt.to_owned(),
        });
        sources.push("prompt".to_owned());
    }
    let lone_image = request.image_urls.len() == 1
        && request.video_urls.is_empty()
        && request.audio_urls.is_empty();
    for (i, url) in request.image_urls.iter().enumerate() {
        content.push(ArkContent::ImageUrl {
            image_url: ArkUrl {
                url: url.as_str().to_owned(),
            },
            role: Some(if lone_image {
                ArkRole::FirstFrame
            } else {
                ArkRole::ReferenceImage
            }),
        });
        sources.push(format!("image_urls[{i}]"));
    }
    for (i, item) in request.image_with_roles.iter().enumerate() {
        content.push(ArkContent::ImageUrl {
            image_url: ArkUrl {
                url: item.url.as_str().to_owned(),
            },
            role: Some(item.role.into()),
        });
        sources.push(format!("image_with_roles[{i}].url"));
    }
    for (i, url) in request.video_urls.iter().enumerate() {
        content.push(ArkContent::VideoUrl {
            video_url: ArkUrl {
                url: url.as_str().to_owned(),
            },
            role: Some(ArkRole::ReferenceVideo),
        });
        sources.push(format!("video_urls[{i}]"));
    }
    for (i, url) in request.audio_urls.iter().enumerate() {
        content.push(ArkContent::AudioUrl {
            audio_url: ArkUrl {
                url: url.as_str().to_owned(),
            },
            role: Some(ArkRole::ReferenceAudio),
        });
        sources.push(format!("audio_urls[{i}]"));
    }
    let portable = options.defaults == Defaults::Portable;
    let ratio = match request.size {
        Some(size) => Some(size),
        None if portable && !request.has_visual_input() => Some(Size::Landscape16x9),
        None => None,
    };
    let generate_audio = match request.generate_audio {
        Some(on) => Some(on),
        None if portable => Some(false),
        None => None,
    };
    Ok(ArkCreateRequest {
        model,
        content,
        ratio,
        resolution: request.resolution,
        duration: request.duration,
        seed: request.seed,
        watermark: request.watermark,
        generate_audio,
        return_last_frame: request.return_last_frame,
        camera_fixed: request.camera_fixed,
        tools: request.tools.clone(),
        extra: request
            .extra
            .iter()
            .filter(|(k, _)| !BODY_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        sources,
    })
}

impl ArkCreateRequest {
    /// The wire JSON.
    pub fn to_json(&self) -> serde_json::Value {
        // Plain data with string keys: serializing into a `Value` cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The project field an error's `param` points at: `content[2].video_url`
    /// → `video_urls[0]`; other params (`ratio`, `duration`) are returned
    /// in the project's names (`ratio` → `size`), unknown ones as given.
    pub fn project_path(&self, param: &str) -> String {
        if let Some(rest) = param.strip_prefix("content[")
            && let Some((index, _)) = rest.split_once(']')
            && let Ok(i) = index.parse::<usize>()
            && let Some(source) = self.sources.get(i)
        {
            return source.clone();
        }
        match param {
            "ratio" => "size".to_owned(),
            "content" => "prompt and media (image_urls, video_urls, audio_urls)".to_owned(),
            "content.text" | "text" => "prompt".to_owned(),
            other => other.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::Model;
    use crate::{ImageRole, MediaUrl};

    fn url(s: &str) -> MediaUrl {
        MediaUrl::parse(s).unwrap()
    }

    #[test]
    fn text_to_video_fills_the_portable_defaults() {
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("A kitten yawns")
            .with_resolution(Resolution::P720)
            .with_duration(-1)
            .with_seed(7)
            .with_watermark(false);
        let body = to_ark_request(ProviderKind::Ark, &r, &MapOptions::default()).unwrap();
        assert_eq!(
            body.to_json(),
            json!({
                "model": "doubao-seedance-2-0-260128",
                "content": [{"type": "text", "text": "A kitten yawns"}],
                "ratio": "16:9",
                "resolution": "720p",
                "duration": -1,
                "seed": 7,
                "watermark": false,
                "generate_audio": false
            })
        );
        let body = to_ark_request(
            ProviderKind::Ark,
            &r,
            &MapOptions::default().with_defaults(Defaults::Provider),
        )
        .unwrap();
        assert_eq!(body.ratio, None);
        assert_eq!(body.generate_audio, None);
    }

    #[test]
    fn roles_references_and_extra_fields() {
        let r = GenerationRequest::new(Model::Seedance2Fast)
            .with_prompt("p")
            .with_image_url(url("https://e.com/a.png"))
            .with_image_url(url("asset://asset_a"))
            .with_video_url(url("https://e.com/v.mp4"))
            .with_audio_url(url("https://e.com/s.wav"))
            .with_generate_audio(true)
            .with_return_last_frame(true)
            .with_extra("callback_url", json!("https://me.example/hook"))
            .with_extra("execution_expires_after", json!(3600))
            .with_extra("priority", json!(3));
        let body = to_ark_request(ProviderKind::BytePlus, &r, &MapOptions::default()).unwrap();
        assert_eq!(
            body.to_json(),
            json!({
                "model": "dreamina-seedance-2-0-fast-260128",
                "content": [
                    {"type": "text", "text": "p"},
                    {"type": "image_url", "image_url": {"url": "https://e.com/a.png"}, "role": "reference_image"},
                    {"type": "image_url", "image_url": {"url": "asset://asset_a"}, "role": "reference_image"},
                    {"type": "video_url", "video_url": {"url": "https://e.com/v.mp4"}, "role": "reference_video"},
                    {"type": "audio_url", "audio_url": {"url": "https://e.com/s.wav"}, "role": "reference_audio"}
                ],
                "generate_audio": true,
                "return_last_frame": true,
                "callback_url": "https://me.example/hook",
                "execution_expires_after": 3600,
                "priority": 3
            })
        );
        assert_eq!(body.project_path("content[2].image_url"), "image_urls[1]");
        assert_eq!(body.project_path("content[4].audio_url"), "audio_urls[0]");
        assert_eq!(body.project_path("ratio"), "size");
        assert_eq!(body.project_path("content[9].x"), "content[9].x");
        // The path inside an item, as Ark writes it in `param`.
        assert_eq!(
            body.project_path("content[1].image_url.url"),
            "image_urls[0]"
        );
        assert_eq!(body.project_path("content[0].text"), "prompt");
        assert!(body.project_path("content").starts_with("prompt and media"));
    }

    #[test]
    fn first_and_last_frames_keep_their_roles() {
        let r = GenerationRequest::new(Model::Seedance2)
            .with_image_role(url("https://e.com/day.jpg"), ImageRole::FirstFrame)
            .with_image_role(url("https://e.com/night.jpg"), ImageRole::LastFrame)
            .with_size(Size::Adaptive);
        let body = to_ark_request(ProviderKind::Ark, &r, &MapOptions::default()).unwrap();
        let roles: Vec<_> = body
            .content
            .iter()
            .map(|c| match c {
                ArkContent::ImageUrl { role, .. } => *role,
                _ => None,
            })
            .collect();
        assert_eq!(roles, [Some(ArkRole::FirstFrame), Some(ArkRole::LastFrame)]);
        // No prompt: no text item.
        assert_eq!(
            body.sources,
            ["image_with_roles[0].url", "image_with_roles[1].url"]
        );
    }

    #[test]
    fn the_body_round_trips_through_serde() {
        let r = GenerationRequest::new(Model::Seedance2Mini)
            .with_prompt("p")
            .with_image_url(url("https://e.com/a.png"));
        let body = to_ark_request(ProviderKind::Ark, &r, &MapOptions::default()).unwrap();
        let back: ArkCreateRequest = serde_json::from_value(body.to_json()).unwrap();
        assert_eq!(back.content, body.content);
        assert_eq!(back.model, "doubao-seedance-2-0-mini-260615");
        let mut item = back.content[1].clone();
        assert!(item.set_url("data:image/png;base64,AAAA"));
        assert_eq!(item.url(), Some("data:image/png;base64,AAAA"));
    }

    #[test]
    fn extra_keys_never_duplicate_a_body_field() {
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_size(Size::Square)
            .with_extra("ratio", json!("9:16"))
            .with_extra("priority", json!(1));
        let body = to_ark_request(ProviderKind::Ark, &r, &MapOptions::default()).unwrap();
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(text.matches("\"ratio\"").count(), 1, "{text}");
        assert_eq!(body.to_json()["ratio"], "1:1");
        assert_eq!(body.to_json()["priority"], 1);
    }

    #[test]
    fn a_model_the_platform_does_not_serve_is_an_error() {
        let r = GenerationRequest::new(Model::Seedance2Face).with_prompt("p");
        let err = to_ark_request(ProviderKind::Ark, &r, &MapOptions::default()).unwrap_err();
        assert_eq!(err.provider, ProviderKind::Ark);
    }
}
