//! The models and the fixed-choice request options: aspect ratio, resolution,
//! image role and tool type.

use crate::wire_enum::wire_enum;

wire_enum! {
    /// A Seedance 2.0 model served by apimart.
    pub enum Model {
        /// `doubao-seedance-2.0`: the standard model; the only one with 1080p and 4k.
        Seedance2 = "doubao-seedance-2.0",
        /// `doubao-seedance-2.0-fast`: same features, faster, 480p/720p only.
        Seedance2Fast = "doubao-seedance-2.0-fast",
        /// `doubao-seedance-2.0-mini`: same features, no prompt length limit,
        /// no asset URLs, 480p/720p only.
        Seedance2Mini = "doubao-seedance-2.0-mini",
    }
}

impl Model {
    /// Whether `1080p` and `4k` are available (only on `doubao-seedance-2.0`).
    pub const fn supports_resolution(self, resolution: Resolution) -> bool {
        match resolution {
            Resolution::P480 | Resolution::P720 => true,
            Resolution::P1080 | Resolution::K4 => matches!(self, Model::Seedance2),
        }
    }

    /// Whether `asset://` URLs are accepted (standard and fast models only).
    pub const fn supports_asset_urls(self) -> bool {
        matches!(self, Model::Seedance2 | Model::Seedance2Fast)
    }

    /// The prompt length limit in characters (Unicode scalar values), or
    /// `None` where the model has none (`-mini`).
    pub const fn prompt_char_limit(self) -> Option<usize> {
        match self {
            Model::Seedance2Mini => None,
            Model::Seedance2 | Model::Seedance2Fast => Some(crate::limits::PROMPT_MAX_CHARS),
        }
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
