//! What validation reports: violations with a stable code, a field path and a
//! message, split into errors (the API would reject the request) and warnings
//! (it would accept it, but probably not as the user meant).

use std::fmt;

use serde::Serialize;

macro_rules! codes {
    ($( $(#[$m:meta])* $variant:ident = $wire:literal ),+ $(,)?) => {
        /// A stable identifier for each rule. The string form never changes
        /// once released; scripts may match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code { $( $(#[$m])* $variant ),+ }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];
            /// The stable string form.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $wire),+ }
            }
        }
    };
}

codes! {
    /// The body is not a JSON object.
    NotAnObject = "not_an_object",
    /// A field has the wrong JSON type.
    InvalidType = "invalid_type",
    /// A required field is missing.
    Required = "required",
    /// `model` is not one of the three model ids.
    UnknownModel = "unknown_model",
    /// `size` is not one of the documented aspect ratios.
    UnknownSize = "unknown_size",
    /// `resolution` is not one of the documented resolutions.
    UnknownResolution = "unknown_resolution",
    /// A tool type other than `web_search`.
    UnknownTool = "unknown_tool",
    /// An image role other than first_frame, last_frame, reference_image.
    UnknownRole = "unknown_role",
    /// Text-to-video without a prompt (or only whitespace).
    PromptRequired = "prompt_required",
    /// Prompt over 4000 characters on a model with a limit.
    PromptTooLong = "prompt_too_long",
    /// Duration outside 4..=15 seconds.
    DurationOutOfRange = "duration_out_of_range",
    /// 1080p or 4k on a model other than `doubao-seedance-2.0`.
    ResolutionNotSupported = "resolution_not_supported",
    /// A URL that is neither http(s) with a host nor `asset://ID`.
    InvalidUrl = "invalid_url",
    /// An `asset://` URL on `doubao-seedance-2.0-mini`.
    AssetNotSupported = "asset_not_supported",
    /// More than 9 images.
    TooManyImages = "too_many_images",
    /// More than 3 reference videos.
    TooManyVideos = "too_many_videos",
    /// More than 3 reference audios.
    TooManyAudios = "too_many_audios",
    /// `image_urls` and `image_with_roles` together.
    ImageFieldsExclusive = "image_fields_exclusive",
    /// Two `first_frame` images.
    DuplicateFirstFrame = "duplicate_first_frame",
    /// Two `last_frame` images.
    DuplicateLastFrame = "duplicate_last_frame",
    /// A `last_frame` without a `first_frame`.
    LastFrameWithoutFirst = "last_frame_without_first",
    /// Frame roles mixed with `reference_image` (the model's modes are exclusive).
    FrameAndReferenceMixed = "frame_and_reference_mixed",
    /// Reference videos with first/last frame images.
    VideoWithFrames = "video_with_frames",
    /// Reference audios with first/last frame images.
    AudioWithFrames = "audio_with_frames",
    /// Reference audios without a reference image or video.
    AudioWithoutReference = "audio_without_reference",
    /// A medium's format is not accepted for its field.
    UnsupportedFormat = "unsupported_format",
    /// A reference video or audio is too short or too long.
    MediaDurationOutOfRange = "media_duration_out_of_range",
    /// Reference videos or audios together are too short or too long.
    MediaTotalDurationOutOfRange = "media_total_duration_out_of_range",
    /// A reference video outside 480p-720p.
    VideoResolutionOutOfRange = "video_resolution_out_of_range",
    /// An image side outside 300-6000 px.
    ImageDimensionsOutOfRange = "image_dimensions_out_of_range",
    /// An image aspect ratio outside 0.4-2.5.
    ImageAspectRatioOutOfRange = "image_aspect_ratio_out_of_range",
    /// A reference video or audio over its size limit (50 MB, 15 MB).
    MediaTooLarge = "media_too_large",
    /// A reference video outside 1:2.5 to 2.5:1.
    VideoAspectRatioOutOfRange = "video_aspect_ratio_out_of_range",
    /// A reference video outside 24-60 fps.
    VideoFpsOutOfRange = "video_fps_out_of_range",
    /// An image of 30 MB or more.
    ImageTooLarge = "image_too_large",
    /// A field name known to be wrong (`aspect_ratio`, `audio`,
    /// `Resolution`...): the service would ignore it and make a different
    /// video than the one asked for. The message names the field to use.
    WrongFieldName = "wrong_field_name",
    /// Warning: a duration only one source allows (4 s: the parameter
    /// reference but not the English page; -1: upstream's smart duration).
    DurationDisputed = "duration_disputed",
    /// `seed` outside -1 to 4294967295 (2^32 - 1), upstream's range.
    SeedOutOfRange = "seed_out_of_range",
    /// The chosen provider does not serve the model (apimart's `-face`
    /// variants on Ark and BytePlus...); the message names the provider.
    ModelNotServed = "model_not_served",
    /// A field the chosen provider refuses for this model (`camera_fixed`,
    /// `frames`, `draft`, `service_tier` for the 2.0 family on Ark), or
    /// another provider's field (`webhook` on Ark); the message names the
    /// provider and what to do instead.
    NotSupportedByProvider = "not_supported_by_provider",
    /// Ark's `execution_expires_after` outside 3600-259200 seconds.
    ExpiresAfterOutOfRange = "execution_expires_after_out_of_range",
    /// Ark's `priority` outside 0-9.
    PriorityOutOfRange = "priority_out_of_range",
    /// Warning: a whole number written as a decimal (`5.0`): read as the
    /// whole number and sent without the fraction.
    WholeNumberAsDecimal = "whole_number_as_decimal",
    /// Warning: a field the API does not document (it would be ignored).
    UnknownField = "unknown_field",
    /// Warning: `camera_fixed` is documented by apimart but refused
    /// upstream for the Seedance 2.0 family: the CLI leaves it out unless
    /// forced.
    CameraFixedRefusedUpstream = "camera_fixed_refused_upstream",
    /// Warning: apimart cannot push to this `webhook` (a port other than 80
    /// or 443, or an address on this machine or a private network).
    WebhookNotReachable = "webhook_not_reachable",
    /// Warning: a first or last frame whose size (known from the file, or
    /// a probed URL) differs from the output's: the video jumps.
    FrameSizeMismatch = "frame_size_mismatch",
    /// Warning: prompt longer than the recommended 500 characters.
    PromptLong = "prompt_long",
    /// Warning: `adaptive` size with no image or video to adapt to.
    AdaptiveWithoutMedia = "adaptive_without_media",
    /// Warning: a `reference_image` whose URL is not an asset URL.
    ReferenceImageNotAsset = "reference_image_not_asset",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which rule.
    pub code: Code,
    /// The field that breaks it: `model`, `image_urls[3]`,
    /// `image_with_roles[1].role`; `""` for the body itself.
    pub path: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl Violation {
    /// A violation.
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            code,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "(body): {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Everything validation found: all errors at once, warnings kept apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// Rules the API enforces: any of these and the request is not sent.
    pub errors: Vec<Violation>,
    /// Likely mistakes the API would accept.
    pub warnings: Vec<Violation>,
}

impl ValidationReport {
    /// Whether there are no errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Errors with this code.
    pub fn errors_with(&self, code: Code) -> impl Iterator<Item = &Violation> {
        self.errors.iter().filter(move |v| v.code == code)
    }

    /// `Ok(warnings)` when valid, otherwise a [`ValidationError`] holding the report.
    pub fn into_result(self) -> Result<Vec<Violation>, ValidationError> {
        if self.is_valid() {
            Ok(self.warnings)
        } else {
            Err(ValidationError { report: self })
        }
    }

    pub(crate) fn error(
        &mut self,
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(Violation::new(code, path, message));
    }

    pub(crate) fn warn(&mut self, code: Code, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Violation::new(code, path, message));
    }

    /// Appends another report's findings.
    pub fn merge(&mut self, other: ValidationReport) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }
}

/// A request that breaks at least one rule; displays every problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The full report, warnings included.
    pub report: ValidationReport,
}

impl ValidationError {
    /// The errors.
    pub fn errors(&self) -> &[Violation] {
        &self.report.errors
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.report.errors.len();
        write!(
            f,
            "invalid request ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for v in &self.report.errors {
            write!(f, "\n  {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}
