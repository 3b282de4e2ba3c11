//! The models and the fixed-choice request options: aspect ratio, resolution,
//! image role and tool type.

use crate::wire_enum::wire_enum;

/// A Seedance 2.0 model served by apimart.
///
/// Parsing is strict: an id this version does not know is an error listing
/// the known ones. The Ark platforms' ids of the same models
/// (`doubao-seedance-2-0-260128`, `dreamina-seedance-2-0-fast-260128`, with
/// or without the date) parse as the model they name. A newer id can still be sent by a caller who opts in,
/// with [`Model::other`]: the rules of the base model its name suggests
/// apply (`mini`, `fast`, else 2.0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Model {
    /// `doubao-seedance-2.0`: the standard model; the only one with 1080p and 4k.
    Seedance2,
    /// `doubao-seedance-2.0-fast`: same features, faster, 480p/720p only.
    Seedance2Fast,
    /// `doubao-seedance-2.0-mini`: same features, no prompt length limit,
    /// no asset URLs, 480p/720p only.
    Seedance2Mini,
    /// `doubao-seedance-2.0-face`: 2.0 for uploads of real people; the rules of 2.0.
    Seedance2Face,
    /// `doubao-seedance-2.0-fast-face`: fast for uploads of real people; the rules of fast.
    Seedance2FastFace,
    /// An id this version does not know, sent as written (see [`Model::other`]).
    Other(String),
}

impl Model {
    /// Every known model, in documentation order.
    pub const ALL: &'static [Model] = &[
        Model::Seedance2,
        Model::Seedance2Fast,
        Model::Seedance2Mini,
        Model::Seedance2Face,
        Model::Seedance2FastFace,
    ];
    /// Every known wire id, in documentation order.
    pub const WIRE_VALUES: &'static [&'static str] = &[
        "doubao-seedance-2.0",
        "doubao-seedance-2.0-fast",
        "doubao-seedance-2.0-mini",
        "doubao-seedance-2.0-face",
        "doubao-seedance-2.0-fast-face",
    ];

    /// A model id this version does not know, to send anyway (an explicit
    /// opt-in: the SDK cannot check that the service accepts it).
    pub fn other(id: impl Into<String>) -> Model {
        let id = id.into();
        id.parse().unwrap_or(Model::Other(id))
    }

    /// The exact string sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Model::Seedance2 => "doubao-seedance-2.0",
            Model::Seedance2Fast => "doubao-seedance-2.0-fast",
            Model::Seedance2Mini => "doubao-seedance-2.0-mini",
            Model::Seedance2Face => "doubao-seedance-2.0-face",
            Model::Seedance2FastFace => "doubao-seedance-2.0-fast-face",
            Model::Other(id) => id,
        }
    }

    /// The model whose rules apply: `-face` variants follow their base
    /// model, unknown ids the base their name suggests.
    pub fn base(&self) -> Model {
        match self {
            Model::Seedance2Face => Model::Seedance2,
            Model::Seedance2FastFace => Model::Seedance2Fast,
            Model::Other(id) if id.contains("mini") => Model::Seedance2Mini,
            Model::Other(id) if id.contains("fast") => Model::Seedance2Fast,
            Model::Other(_) => Model::Seedance2,
            known => known.clone(),
        }
    }

    /// Whether `1080p` and `4k` are available (only on `doubao-seedance-2.0`
    /// and its `-face` variant).
    pub fn supports_resolution(&self, resolution: Resolution) -> bool {
        match resolution {
            Resolution::P480 | Resolution::P720 => true,
            Resolution::P1080 | Resolution::K4 => self.base() == Model::Seedance2,
        }
    }

    /// Whether `asset://` URLs are accepted (all but `-mini`).
    pub fn supports_asset_urls(&self) -> bool {
        self.base() != Model::Seedance2Mini
    }

    /// The prompt length limit in characters (Unicode scalar values), or
    /// `None` where the model has none (`-mini`).
    pub fn prompt_char_limit(&self) -> Option<usize> {
        match self.base() {
            Model::Seedance2Mini => None,
            _ => Some(crate::limits::PROMPT_MAX_CHARS),
        }
    }
}

impl std::fmt::Display for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Model {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Model {
    /// Strict: an unknown id is an error (opt in with [`Model::other`]).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

wire_enum! {
    /// The aspect ratio of the video (the API calls this field `size`).
    pub enum Size {
        /// Landscape 16:9 (the server default).
        Landscape16x9 = "16:9",
        /// Portrait 9:16.
        Portrait9x16 = "9:16",
        /// Square 1:1.
        Square = "1:1",
        /// Classic 4:3.
        Classic4x3 = "4:3",
        /// Classic portrait 3:4.
        Classic3x4 = "3:4",
        /// Ultra-wide 21:9.
        UltraWide21x9 = "21:9",
        /// Follow the input image or video.
        Adaptive = "adaptive",
    }
}

wire_enum! {
    /// The output resolution.
    pub enum Resolution {
        /// 480p, standard quality.
        P480 = "480p",
        /// 720p, high quality (the server default per the reference).
        P720 = "720p",
        /// 1080p, `doubao-seedance-2.0` only.
        P1080 = "1080p",
        /// 4k, `doubao-seedance-2.0` only.
        K4 = "4k",
    }
}

wire_enum! {
    /// The role of an image in `image_with_roles`.
    pub enum ImageRole {
        /// The opening frame of the video.
        FirstFrame = "first_frame",
        /// The closing frame of the video (needs a first frame).
        LastFrame = "last_frame",
        /// A reference character image, meant for `asset://` URLs.
        ReferenceImage = "reference_image",
    }
}

impl ImageRole {
    /// Whether the role is one of the two frame roles.
    pub const fn is_frame(self) -> bool {
        matches!(self, ImageRole::FirstFrame | ImageRole::LastFrame)
    }
}

wire_enum! {
    /// A tool the model may use while generating.
    pub enum ToolType {
        /// Consult web search results while generating.
        WebSearch = "web_search",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip_through_from_str() {
        for m in Model::ALL {
            assert_eq!(m.as_str().parse::<Model>().unwrap(), *m);
        }
        for s in Size::ALL {
            assert_eq!(s.as_str().parse::<Size>().unwrap(), *s);
        }
        assert!("doubao-seedance-1.5-pro".parse::<Model>().is_err());
    }

    #[test]
    fn only_the_standard_model_has_high_resolutions() {
        assert!(Model::Seedance2.supports_resolution(Resolution::K4));
        assert!(!Model::Seedance2Fast.supports_resolution(Resolution::P1080));
        assert!(!Model::Seedance2Mini.supports_resolution(Resolution::K4));
        assert!(Model::Seedance2Mini.supports_resolution(Resolution::P720));
    }

    #[test]
    fn unknown_value_error_lists_the_choices() {
        let err = "8k".parse::<Resolution>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`8k` is not one of `480p`, `720p`, `1080p`, `4k`"
        );
    }
}
