//! Rules that need facts about the media themselves (duration, size, format).
//!
//! The core does no I/O, so the caller supplies what it knows about each URL
//! (from a probe, an upload step, or its own records); rules whose facts are
//! missing are skipped, never guessed.

use std::collections::HashMap;

use super::violation::{Code, ValidationReport};
use crate::limits::*;
use crate::request::GenerationRequest;

/// What is known about one media file. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaInfo {
    /// Container or file format, lower case: `mp4`, `mov`, `wav`, `mp3`,
    /// `jpeg`/`jpg`, `png`, `webp`, `bmp`, `tiff`, `gif`.
    pub format: Option<String>,
    /// Duration in seconds (videos and audios).
    pub duration_secs: Option<f64>,
    /// Width in pixels (images and videos).
    pub width: Option<u32>,
    /// Height in pixels (images and videos).
    pub height: Option<u32>,
    /// Size in bytes.
    pub size_bytes: Option<u64>,
    /// Frames per second (videos).
    pub fps: Option<f64>,
}

/// Facts about media, keyed by the URL exactly as written in the request.
pub type MediaFacts = HashMap<String, MediaInfo>;

const IMAGE_FORMATS: &[&str] = &["jpeg", "jpg", "png", "webp", "bmp", "tiff", "tif", "gif"];
const VIDEO_FORMATS: &[&str] = &["mp4", "mov"];
const AUDIO_FORMATS: &[&str] = &["wav", "mp3"];

/// The frames that bound the video (a `first_frame`/`last_frame` role, or a
/// lone `image_urls` entry, which is a first frame) whose size is known and
/// differs from the output's: the video jumps right after the first frame
/// or right before the last (Comfy-Org/ComfyUI PR #14251). A warning: the
/// service accepts them.
fn check_frame_sizes(
    request: &GenerationRequest,
    facts: &MediaFacts,
    report: &mut ValidationReport,
) {
    use crate::model::ImageRole;
    let mut frames: Vec<(String, &str)> = request
        .image_with_roles
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.role, ImageRole::FirstFrame | ImageRole::LastFrame))
        .map(|(i, r)| (format!("image_with_roles[{i}].url"), r.url.as_str()))
        .collect();
    if let [only] = request.image_urls.as_slice() {
        frames.push(("image_urls[0]".to_owned(), only.as_str()));
    }
    let resolution = request
        .resolution
        .unwrap_or(crate::pricing::DEFAULT_RESOLUTION);
    for (path, url) in frames {
        let Some((w, h)) = facts.get(url).and_then(|i| i.width.zip(i.height)) else {
            continue;
        };
        let message = match request.size {
            None | Some(crate::model::Size::Adaptive) => continue,
            Some(size) => match crate::output_size::output_dims(resolution, size) {
                Some(d) if (d.width, d.height) != (w, h) => format!(
                    "is {w}x{h}; the {} {} video is {}x{}: the video jumps after the first frame (or before the last). Scale and crop it to the output (the CLI's frame fitting), or set size to adaptive so the video takes the frame's shape",
                    resolution.as_str(),
                    size.as_str(),
                    d.width,
                    d.height
                ),
                _ => continue,
            },
        };
        report.warn(Code::FrameSizeMismatch, path, message);
    }
}

/// Checks the media-dependent rules of the reference and the upstream model
/// documentation against `facts`:
/// images (format, 300-6000 px a side, aspect ratio 0.4-2.5, under 30 MB),
/// reference videos (mp4/mov, 2-15 s each, 1.8 s < total < 15.2 s, by pixel
/// count, aspect, fps and size) and reference audios (wav/mp3, 2-15 s each,
/// total at most 15 s, at most 15 MB each).
pub fn validate_media(request: &GenerationRequest, facts: &MediaFacts) -> ValidationReport {
    let mut report = ValidationReport::default();
    let images = request
        .image_urls
        .iter()
        .enumerate()
        .map(|(i, u)| (format!("image_urls[{i}]"), u))
        .chain(
            request
                .image_with_roles
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("image_with_roles[{i}].url"), &r.url)),
        );
    for (path, url) in images {
        if let Some(info) = facts.get(url.as_str()) {
            check_image(&path, info, &mut report);
        }
    }
    check_frame_sizes(request, facts, &mut report);

    let mut video_total = Some(0.0);
    for (i, url) in request.video_urls.iter().enumerate() {
        let path = format!("video_urls[{i}]");
        let info = facts.get(url.as_str());
        if let Some(info) = info {
            check_format(&path, info, VIDEO_FORMATS, "reference video", &mut report);
            check_each_duration(
                &path,
                info,
                VIDEO_EACH_MIN_SECS,
                VIDEO_EACH_MAX_SECS,
                "reference video",
                &mut report,
            );
            check_reference_video(&path, info, &mut report);
        }
        video_total = match (video_total, info.and_then(|i| i.duration_secs)) {
            (Some(t), Some(d)) => Some(t + d),
            _ => None,
        };
    }
    if let Some(total) = video_total.filter(|_| !request.video_urls.is_empty())
        && !(total > VIDEO_TOTAL_MIN_SECS && total < VIDEO_TOTAL_MAX_SECS)
    {
        report.error(
                Code::MediaTotalDurationOutOfRange,
                "video_urls",
                format!("reference videos last {total:.2} s in total; the total must be over {VIDEO_TOTAL_MIN_SECS} s and under {VIDEO_TOTAL_MAX_SECS} s"),
            );
    }

    let mut audio_total = Some(0.0);
    for (i, url) in request.audio_urls.iter().enumerate() {
        let path = format!("audio_urls[{i}]");
        let info = facts.get(url.as_str());
        if let Some(info) = info {
            check_format(&path, info, AUDIO_FORMATS, "reference audio", &mut report);
            check_each_duration(
                &path,
                info,
                AUDIO_EACH_MIN_SECS,
                AUDIO_EACH_MAX_SECS,
                "reference audio",
                &mut report,
            );
            if let Some(bytes) = info.size_bytes.filter(|b| *b > AUDIO_MAX_BYTES) {
                report.error(
                    Code::MediaTooLarge,
                    &path,
                    format!("is {bytes} bytes; reference audio must be at most 15 MB"),
                );
            }
        }
        audio_total = match (audio_total, info.and_then(|i| i.duration_secs)) {
            (Some(t), Some(d)) => Some(t + d),
            _ => None,
        };
    }
    if let Some(total) = audio_total.filter(|_| !request.audio_urls.is_empty())
        && total > AUDIO_TOTAL_MAX_SECS
    {
        report.error(
                Code::MediaTotalDurationOutOfRange,
                "audio_urls",
                format!("reference audios last {total:.2} s in total; at most {AUDIO_TOTAL_MAX_SECS} s are allowed"),
            );
    }
    report
}

/// Reference videos are limited by pixel count, not by the short side
/// (upstream: 409,600 to 927,408 pixels, 640x640 to 834x1112), aspect ratio
/// 1:2.5 to 2.5:1, 24-60 fps, at most 50 MB.
fn check_reference_video(path: &str, info: &MediaInfo, report: &mut ValidationReport) {
    if let (Some(w), Some(h)) = (info.width, info.height) {
        let pixels = u64::from(w) * u64::from(h);
        if !(VIDEO_MIN_PIXELS..=VIDEO_MAX_PIXELS).contains(&pixels) {
            report.error(
                Code::VideoResolutionOutOfRange,
                path,
                format!("is {w}x{h} ({pixels} pixels); reference videos must have {VIDEO_MIN_PIXELS}-{VIDEO_MAX_PIXELS} pixels (640x640 to 834x1112)"),
            );
        }
        if h > 0 {
            let ratio = f64::from(w) / f64::from(h);
            if !(VIDEO_MIN_ASPECT..=VIDEO_MAX_ASPECT).contains(&ratio) {
                report.error(
                    Code::VideoAspectRatioOutOfRange,
                    path,
                    format!("has aspect ratio {ratio:.2}; reference videos must be between 1:2.5 and 2.5:1"),
                );
            }
        }
    }
    if let Some(fps) = info
        .fps
        .filter(|f| !(VIDEO_MIN_FPS..=VIDEO_MAX_FPS).contains(f))
    {
        report.error(
            Code::VideoFpsOutOfRange,
            path,
            format!(
                "runs at {fps:.2} fps; reference videos must be {VIDEO_MIN_FPS}-{VIDEO_MAX_FPS} fps"
            ),
        );
    }
    if let Some(bytes) = info.size_bytes.filter(|b| *b > VIDEO_MAX_BYTES) {
        report.error(
            Code::MediaTooLarge,
            path,
            format!("is {bytes} bytes; reference videos must be at most 50 MB"),
        );
    }
}

fn check_format(
    path: &str,
    info: &MediaInfo,
    allowed: &[&str],
    what: &str,
    report: &mut ValidationReport,
) {
    if let Some(format) = &info.format
        && !allowed.iter().any(|a| a.eq_ignore_ascii_case(format))
    {
        report.error(
            Code::UnsupportedFormat,
            path,
            format!(
                "is {format}; a {what} must be one of {}",
                allowed.join(", ")
            ),
        );
    }
}

fn check_each_duration(
    path: &str,
    info: &MediaInfo,
    min: f64,
    max: f64,
    what: &str,
    report: &mut ValidationReport,
) {
    if let Some(d) = info.duration_secs
        && !(min..=max).contains(&d)
    {
        report.error(
            Code::MediaDurationOutOfRange,
            path,
            format!("lasts {d:.2} s; each {what} must last {min}-{max} s"),
        );
    }
}

fn check_image(path: &str, info: &MediaInfo, report: &mut ValidationReport) {
    check_format(path, info, IMAGE_FORMATS, "image", report);
    if let (Some(w), Some(h)) = (info.width, info.height) {
        let side_ok = |s: u32| (IMAGE_MIN_SIDE..=IMAGE_MAX_SIDE).contains(&s);
        if !side_ok(w) || !side_ok(h) {
            report.error(
                Code::ImageDimensionsOutOfRange,
                path,
                format!("is {w}x{h}; each side must be {IMAGE_MIN_SIDE}-{IMAGE_MAX_SIDE} px"),
            );
        }
        if h > 0 {
            let ratio = f64::from(w) / f64::from(h);
            // Upstream gives an open interval.
            if !(ratio > IMAGE_MIN_ASPECT && ratio < IMAGE_MAX_ASPECT) {
                report.error(
                    Code::ImageAspectRatioOutOfRange,
                    path,
                    format!("has aspect ratio {ratio:.2} (width/height); it must be between {IMAGE_MIN_ASPECT} and {IMAGE_MAX_ASPECT}, both excluded"),
                );
            }
        }
    }
    if let Some(bytes) = info.size_bytes
        && bytes >= IMAGE_MAX_BYTES
    {
        report.error(
            Code::ImageTooLarge,
            path,
            format!("is {bytes} bytes; images must be under 30 MB"),
        );
    }
}

#[cfg(test)]
mod frame_size_tests {
    use super::*;
    use crate::{ImageRole, ImageWithRole, MediaUrl, Model, Resolution, Size};

    fn first_frame(url: &str) -> GenerationRequest {
        let mut r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_resolution(Resolution::P480);
        r.size = Some(Size::Landscape16x9);
        r.image_with_roles = vec![ImageWithRole {
            url: MediaUrl::parse(url).unwrap(),
            role: ImageRole::FirstFrame,
        }];
        r
    }

    fn facts(url: &str, w: u32, h: u32) -> MediaFacts {
        let mut f = MediaFacts::default();
        f.insert(
            url.to_owned(),
            MediaInfo {
                format: Some("png".to_owned()),
                width: Some(w),
                height: Some(h),
                ..MediaInfo::default()
            },
        );
        f
    }

    #[test]
    fn a_frame_of_another_size_than_the_video_is_a_warning_naming_both_sizes() {
        let url = "https://cdn.example/f.png";
        let report = validate_media(&first_frame(url), &facts(url, 640, 360));
        let w = report
            .warnings
            .iter()
            .find(|v| v.code == Code::FrameSizeMismatch)
            .expect("a warning");
        assert_eq!(w.path, "image_with_roles[0].url");
        assert!(
            w.message.contains("640x360") && w.message.contains("864x496"),
            "{}",
            w.message
        );
        // The exact size, or an adaptive video: nothing to say.
        let exact = validate_media(&first_frame(url), &facts(url, 864, 496));
        assert!(
            !exact
                .warnings
                .iter()
                .any(|v| v.code == Code::FrameSizeMismatch)
        );
        let mut adaptive = first_frame(url);
        adaptive.size = Some(Size::Adaptive);
        let r = validate_media(&adaptive, &facts(url, 640, 360));
        assert!(!r.warnings.iter().any(|v| v.code == Code::FrameSizeMismatch));
    }
}
