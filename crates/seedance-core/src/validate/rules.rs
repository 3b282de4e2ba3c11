//! The cross-field and value rules of the reference, over a [`Draft`].

use super::draft::{Draft, Field, UrlList};
use super::violation::{Code, ValidationReport};
use crate::limits::{
    DURATION_MAX_SECS, DURATION_MIN_SECS, MAX_AUDIOS, MAX_IMAGES, MAX_VIDEOS,
    PROMPT_RECOMMENDED_CHARS,
};
use crate::media_url::UrlKind;
use crate::model::{ImageRole, Size};

pub(crate) fn check(d: &Draft<'_>, report: &mut ValidationReport) {
    if let Field::Absent = d.model {
        report.error(
            Code::Required,
            "model",
            format!(
                "is required: one of {}",
                crate::wire_enum::expected_list(crate::Model::WIRE_VALUES)
            ),
        );
    }
    check_prompt(d, report);
    check_duration(d, report);
    if let Field::Present(n) = d.seed
        && !(crate::limits::SEED_MIN..=crate::limits::SEED_MAX).contains(&n)
    {
        report.error(
            Code::SeedOutOfRange,
            "seed",
            format!(
                "is {n}; it must be from {} (random) to {} (2^32 - 1)",
                crate::limits::SEED_MIN,
                crate::limits::SEED_MAX
            ),
        );
    }
    check_resolution(d, report);
    check_images(d, report);
    check_roles(d, report);
    check_references(d, report);
    check_assets(d, report);
    if d.size == Field::Present(Size::Adaptive) && !has_visual_input(d) {
        report.warn(
            Code::AdaptiveWithoutMedia,
            "size",
            "`adaptive` follows the input image or video, but the request has none; the server picks a ratio",
        );
    }
}

fn has_visual_input(d: &Draft<'_>) -> bool {
    d.image_urls.is_given() || d.image_with_roles.is_given() || d.video_urls.is_given()
}

fn check_prompt(d: &Draft<'_>, report: &mut ValidationReport) {
    let prompt = match d.prompt {
        Field::Invalid => return,
        Field::Absent => None,
        Field::Present(p) => Some(p),
    };
    let blank = prompt.is_none_or(|p| p.trim().is_empty());
    if blank && !has_visual_input(d) {
        report.error(
            Code::PromptRequired,
            "prompt",
            "is required for text-to-video (no image or video input); an empty or blank prompt counts as missing",
        );
    }
    let Some(p) = prompt else { return };
    let chars = p.chars().count();
    if let Field::Present(model) = &d.model
        && let Some(limit) = model.prompt_char_limit()
        && chars > limit
    {
        report.error(
            Code::PromptTooLong,
            "prompt",
            format!("is {chars} characters; `{model}` accepts at most {limit}"),
        );
        return;
    }
    if chars > PROMPT_RECOMMENDED_CHARS {
        report.warn(
            Code::PromptLong,
            "prompt",
            format!(
                "is {chars} characters; about {PROMPT_RECOMMENDED_CHARS} is recommended, longer prompts tend to lose details"
            ),
        );
    }
}

/// The sources disagree on the range: the Korean parameter reference says
/// 4-15, the current English page 5-15, and upstream also takes -1 ("smart
/// duration"). What either allows is accepted, so no valid request is
/// refused, with a warning where only one source allows it.
fn check_duration(d: &Draft<'_>, report: &mut ValidationReport) {
    let Field::Present(n) = d.duration else {
        return;
    };
    match n {
        -1 => report.warn(
            Code::DurationDisputed,
            "duration",
            "-1 is upstream's \"smart duration\" (the model picks 4-15 s); apimart does not document it and may refuse it",
        ),
        4 => report.warn(
            Code::DurationDisputed,
            "duration",
            "4 s is allowed by the parameter reference but the current English page says 5-15 s",
        ),
        n if (i64::from(DURATION_MIN_SECS)..=i64::from(DURATION_MAX_SECS)).contains(&n) => {}
        n => report.error(
            Code::DurationOutOfRange,
            "duration",
            format!(
                "is {n}; it must be a whole number of seconds from {DURATION_MIN_SECS} to {DURATION_MAX_SECS} (or -1, upstream's smart duration)"
            ),
        ),
    }
}

fn check_resolution(d: &Draft<'_>, report: &mut ValidationReport) {
    if let (Field::Present(model), Field::Present(res)) = (&d.model, d.resolution)
        && !model.supports_resolution(res)
    {
        report.error(
                Code::ResolutionNotSupported,
                "resolution",
                format!("`{res}` is only available on `doubao-seedance-2.0`; `{model}` supports `480p` and `720p`"),
            );
    }
}

fn list_len(l: &UrlList) -> usize {
    l.present().map_or(0, Vec::len)
}

fn check_images(d: &Draft<'_>, report: &mut ValidationReport) {
    let n = list_len(&d.image_urls);
    if n > MAX_IMAGES {
        report.error(
            Code::TooManyImages,
            "image_urls",
            format!("has {n} images; at most {MAX_IMAGES} are allowed"),
        );
    }
    if d.image_urls.is_given() && d.image_with_roles.is_given() {
        report.error(
            Code::ImageFieldsExclusive,
            "image_with_roles",
            "cannot be used together with `image_urls`; put every image in one of the two",
        );
    }
}

fn check_roles(d: &Draft<'_>, report: &mut ValidationReport) {
    let Some(items) = d.image_with_roles.present() else {
        return;
    };
    let mut first: Option<usize> = None;
    let mut last: Option<usize> = None;
    let mut references = 0usize;
    // The mode is set by the first item with a known role: frames or references.
    let mut mode: Option<(usize, bool)> = None;
    for (i, item) in items.iter().enumerate() {
        let Some(role) = item.role else { continue };
        let path = format!("image_with_roles[{i}].role");
        match role {
            ImageRole::FirstFrame => match first {
                Some(j) => report.error(
                    Code::DuplicateFirstFrame,
                    &path,
                    format!(
                        "a second `first_frame`; image_with_roles[{j}] is already the first frame"
                    ),
                ),
                None => first = Some(i),
            },
            ImageRole::LastFrame => match last {
                Some(j) => report.error(
                    Code::DuplicateLastFrame,
                    &path,
                    format!(
                        "a second `last_frame`; image_with_roles[{j}] is already the last frame"
                    ),
                ),
                None => last = Some(i),
            },
            ImageRole::ReferenceImage => {
                references += 1;
                if item.url == Some(UrlKind::Http) {
                    report.warn(
                        Code::ReferenceImageNotAsset,
                        format!("image_with_roles[{i}].url"),
                        "`reference_image` is documented for reviewed asset:// URLs; a plain URL may be refused upstream",
                    );
                }
            }
        }
        match mode {
            None => mode = Some((i, role.is_frame())),
            Some((j, frames)) if frames != role.is_frame() => report.error(
                Code::FrameAndReferenceMixed,
                &path,
                format!(
                    "`{role}` cannot be combined with image_with_roles[{j}]'s `{}`: first/last frame mode and reference image mode are exclusive",
                    items[j].role.map_or("", ImageRole::as_str)
                ),
            ),
            Some(_) => {}
        }
    }
    if let (Some(i), None) = (last, first) {
        report.error(
            Code::LastFrameWithoutFirst,
            format!("image_with_roles[{i}].role"),
            "a `last_frame` needs a `first_frame` in the same request",
        );
    }
    if references > MAX_IMAGES {
        report.error(
            Code::TooManyImages,
            "image_with_roles",
            format!("has {references} reference images; at most {MAX_IMAGES} are allowed"),
        );
    }
}

fn has_frames(d: &Draft<'_>) -> bool {
    d.image_with_roles.present().is_some_and(|items| {
        items
            .iter()
            .any(|it| it.role.is_some_and(ImageRole::is_frame))
    })
}

fn has_reference_images(d: &Draft<'_>) -> bool {
    d.image_urls.is_given()
        || d.image_with_roles.present().is_some_and(|items| {
            items
                .iter()
                .any(|it| it.role.is_none_or(|r| r == ImageRole::ReferenceImage))
        })
        || matches!(d.image_with_roles, Field::Invalid)
}

fn check_references(d: &Draft<'_>, report: &mut ValidationReport) {
    let videos = list_len(&d.video_urls);
    if videos > MAX_VIDEOS {
        report.error(
            Code::TooManyVideos,
            "video_urls",
            format!("has {videos} videos; at most {MAX_VIDEOS} are allowed"),
        );
    }
    let audios = list_len(&d.audio_urls);
    if audios > MAX_AUDIOS {
        report.error(
            Code::TooManyAudios,
            "audio_urls",
            format!("has {audios} audios; at most {MAX_AUDIOS} are allowed"),
        );
    }
    let frames = has_frames(d);
    if frames && d.video_urls.is_given() {
        report.error(
            Code::VideoWithFrames,
            "video_urls",
            "reference videos cannot be used with first/last frame images (`image_with_roles` frames)",
        );
    }
    if d.audio_urls.is_given() {
        if frames {
            report.error(
                Code::AudioWithFrames,
                "audio_urls",
                "reference audios cannot be used with first/last frame images (`image_with_roles` frames)",
            );
        } else if !has_reference_images(d) && !d.video_urls.is_given() {
            report.error(
                Code::AudioWithoutReference,
                "audio_urls",
                "reference audio needs a reference image (`image_urls` or a `reference_image`) or a reference video",
            );
        }
    }
}

fn check_assets(d: &Draft<'_>, report: &mut ValidationReport) {
    let Field::Present(model) = &d.model else {
        return;
    };
    if model.supports_asset_urls() {
        return;
    }
    let mut flag = |path: String| {
        report.error(
            Code::AssetNotSupported,
            path,
            format!("asset:// URLs are only accepted by `doubao-seedance-2.0` and `doubao-seedance-2.0-fast`, not `{model}`"),
        );
    };
    for (field, list) in [
        ("image_urls", &d.image_urls),
        ("video_urls", &d.video_urls),
        ("audio_urls", &d.audio_urls),
    ] {
        for (i, kind) in list.present().into_iter().flatten().enumerate() {
            if *kind == Some(UrlKind::Asset) {
                flag(format!("{field}[{i}]"));
            }
        }
    }
    for (i, item) in d
        .image_with_roles
        .present()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if item.url == Some(UrlKind::Asset) {
            flag(format!("image_with_roles[{i}].url"));
        }
    }
}
