//! First and last frames sized to the video they bound.
//!
//! A first or last frame whose size differs from the output's makes the
//! video jump right after the first frame or right before the last
//! (Comfy-Org/ComfyUI PR #14251). With `--fit-frames` a local frame is
//! scaled to cover the output size and centre-cropped to it exactly, then
//! written as a PNG beside the run; the request names that file instead, and
//! the rest (hashing, upload, manifest) goes on as for any local image.
//! URLs are left alone: their size is unknown until fetched.

use std::path::{Path, PathBuf};

use seedance_core::output_size::output_dims;
use seedance_core::{Resolution, Size};
use serde_json::Value;

/// One frame fitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FittedFrame {
    /// The field it is in (`image_with_roles[0].url`, `start_image`).
    pub field: String,
    /// The file given.
    pub from: PathBuf,
    /// Its size.
    pub from_size: (u32, u32),
    /// The PNG written, at the output size.
    pub to: PathBuf,
    /// The output size.
    pub size: (u32, u32),
}

impl std::fmt::Display for FittedFrame {
    /// `fitted start_image: boat.png (640x480) to 864x496`: the line a
    /// front end prints for it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fitted {}: {} ({}x{}) to {}x{}",
            self.field,
            self.from.display(),
            self.from_size.0,
            self.from_size.1,
            self.size.0,
            self.size.1
        )
    }
}

/// Why frames could not be fitted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The output size is not fixed (`size` absent or `adaptive`): there
    /// is nothing exact to fit to.
    #[error(
        "{field}: fitting a frame needs a fixed output size (size is {size}); set size (16:9, 9:16, 1:1, 4:3, 3:4, 21:9)"
    )]
    NoFixedSize {
        /// The frame's field.
        field: String,
        /// The size asked for (or `unset`).
        size: String,
    },
    /// The file could not be read or decoded.
    #[error("{}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Writing the fitted frame failed.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Where fitted frames are written: a directory of this machine's temporary
/// files, named by content and size, so a rerun finds the same file (and
/// the same fingerprint) again.
pub fn default_dir() -> PathBuf {
    std::env::temp_dir().join("seedance-fitted-frames")
}

/// Whether `text` names a local file rather than a URL.
fn is_local(text: &str) -> bool {
    !["http://", "https://", "asset://", "data:"]
        .iter()
        .any(|p| text.starts_with(p))
}

/// The output size a request (or a plan's defaults) asks for.
fn output_size(v: &Value, field: &str) -> Result<(u32, u32), FitError> {
    let resolution = v
        .get("resolution")
        .and_then(Value::as_str)
        .and_then(|r| r.parse::<Resolution>().ok())
        .unwrap_or(seedance_core::pricing::DEFAULT_RESOLUTION);
    let size_text = v.get("size").and_then(Value::as_str).unwrap_or("unset");
    size_text
        .parse::<Size>()
        .ok()
        .and_then(|size| output_dims(resolution, size))
        .map(|d| (d.width, d.height))
        .ok_or_else(|| FitError::NoFixedSize {
            field: field.to_owned(),
            size: size_text.to_owned(),
        })
}

/// Scales `bytes` (PNG, JPEG or WebP) to cover `size` and crops the middle:
/// a PNG of exactly `size`. Also returns the original size.
pub fn fit_image(bytes: &[u8], size: (u32, u32)) -> Result<(Vec<u8>, (u32, u32)), String> {
    let img = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    let from = (img.width(), img.height());
    let fitted = img.resize_to_fill(size.0, size.1, image::imageops::FilterType::Lanczos3);
    let mut out = std::io::Cursor::new(Vec::new());
    fitted
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok((out.into_inner(), from))
}

/// Fits the local file at `text` (relative to `base`) into `into`, returns
/// the record; the new file is written fresh and renamed into place.
fn fit_file(
    field: &str,
    text: &str,
    base: &Path,
    size: (u32, u32),
    into: &Path,
) -> Result<FittedFrame, FitError> {
    let from = base.join(text.strip_prefix("file://").unwrap_or(text));
    let bytes = std::fs::read(&from).map_err(|e| FitError::Unreadable {
        path: from.clone(),
        reason: e.to_string(),
    })?;
    let (png, from_size) = fit_image(&bytes, size).map_err(|reason| FitError::Unreadable {
        path: from.clone(),
        reason,
    })?;
    let name = format!(
        "{}_{}x{}.png",
        &crate::records::sha256_hex(&bytes)[..16],
        size.0,
        size.1
    );
    let to = into.join(name);
    std::fs::create_dir_all(into).map_err(|source| FitError::Write {
        path: into.to_owned(),
        source,
    })?;
    crate::fresh_file::write_fresh(&to, |w| std::io::Write::write_all(w, &png)).map_err(
        |source| FitError::Write {
            path: to.clone(),
            source,
        },
    )?;
    Ok(FittedFrame {
        field: field.to_owned(),
        from,
        from_size,
        to,
        size,
    })
}

/// Fits the local first and last frames of a request body in place
/// (`image_with_roles` entries with role `first_frame` or `last_frame`, or
/// a lone `image_urls` entry, which is a first frame): each local path is
/// replaced by a PNG of the output size written under `into`.
pub fn fit_request_frames(
    body: &mut Value,
    base: &Path,
    into: &Path,
) -> Result<Vec<FittedFrame>, FitError> {
    let sized = body.clone();
    fit_request_frames_sized(body, &sized, base, into)
}

/// [`fit_request_frames`] with the output size read from `sized` (the
/// request as it will be sent, when `body` is only part of it: a file that
/// flags override).
pub fn fit_request_frames_sized(
    body: &mut Value,
    sized: &Value,
    base: &Path,
    into: &Path,
) -> Result<Vec<FittedFrame>, FitError> {
    let mut frames: Vec<(String, String)> = Vec::new();
    if let Some(items) = body.get("image_with_roles").and_then(Value::as_array) {
        for (i, item) in items.iter().enumerate() {
            let role = item.get("role").and_then(Value::as_str).unwrap_or_default();
            if let (Some(url), "first_frame" | "last_frame") =
                (item.get("url").and_then(Value::as_str), role)
                && is_local(url)
            {
                frames.push((format!("image_with_roles[{i}].url"), url.to_owned()));
            }
        }
    }
    if let Some([only]) = body
        .get("image_urls")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        && let Some(url) = only.as_str().filter(|u| is_local(u))
    {
        frames.push(("image_urls[0]".to_owned(), url.to_owned()));
    }
    let mut fitted = Vec::new();
    for (field, text) in frames {
        let size = output_size(sized, &field)?;
        let f = fit_file(&field, &text, base, size, into)?;
        let new = Value::String(f.to.display().to_string());
        if let Some(slot) = body.pointer_mut(&pointer(&field)) {
            *slot = new;
        }
        fitted.push(f);
    }
    Ok(fitted)
}

/// Fits a plan's local `start_image` and `end_image` (the first frame of
/// the first segment, the last frame of the last) to the output size of the
/// segment they bound (its own fields over the plan's `defaults`).
pub fn fit_plan_frames(
    plan: &mut Value,
    base: &Path,
    into: &Path,
) -> Result<Vec<FittedFrame>, FitError> {
    let segments = plan
        .get("segments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let defaults = plan.get("defaults").cloned().unwrap_or(Value::Null);
    let merged = |seg: Option<&Value>| {
        let mut v = defaults.clone();
        if let (Some(obj), Some(Value::Object(s))) = (v.as_object_mut(), seg) {
            for (k, x) in s {
                obj.insert(k.clone(), x.clone());
            }
        }
        if v.is_null() {
            v = seg.cloned().unwrap_or(Value::Null);
        }
        v
    };
    let mut fitted = Vec::new();
    for (field, seg) in [
        ("start_image", segments.first()),
        ("end_image", segments.last()),
    ] {
        let Some(text) = plan.get(field).and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        if !is_local(&text) {
            continue;
        }
        let size = output_size(&merged(seg), field)?;
        let f = fit_file(field, &text, base, size, into)?;
        plan[field] = Value::String(f.to.display().to_string());
        fitted.push(f);
    }
    Ok(fitted)
}

/// A JSON pointer for `image_with_roles[0].url` and the like.
fn pointer(field: &str) -> String {
    let mut out = String::new();
    for part in field.split('.') {
        match part.split_once('[') {
            Some((name, rest)) => {
                out.push('/');
                out.push_str(name);
                out.push('/');
                out.push_str(rest.trim_end_matches(']'));
            }
            None => {
                out.push('/');
                out.push_str(part);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 80, 160]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_frame_is_scaled_and_cropped_to_the_exact_output_size() {
        let (bytes, from) = fit_image(&png(1000, 1000), (1280, 720)).unwrap();
        assert_eq!(from, (1000, 1000));
        let out = image::load_from_memory(&bytes).unwrap();
        assert_eq!((out.width(), out.height()), (1280, 720));
    }

    #[test]
    fn request_frames_are_replaced_by_fitted_files_and_urls_left_alone() {
        let dir = std::env::temp_dir().join(format!("seedance-fit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("first.png"), png(300, 400)).unwrap();
        let mut body = serde_json::json!({
            "model": "doubao-seedance-2.0", "resolution": "480p", "size": "16:9",
            "image_with_roles": [
                {"url": "first.png", "role": "first_frame"},
                {"url": "https://cdn.example/last.png", "role": "last_frame"}
            ]
        });
        let fitted = fit_request_frames(&mut body, &dir, &dir.join("fitted")).unwrap();
        assert_eq!(fitted.len(), 1);
        assert_eq!(fitted[0].size, (864, 496));
        let written = body["image_with_roles"][0]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = image::open(&written).unwrap();
        assert_eq!((out.width(), out.height()), (864, 496));
        assert_eq!(
            body["image_with_roles"][1]["url"],
            "https://cdn.example/last.png"
        );
        // No fixed size: said, naming the field.
        let mut adaptive = serde_json::json!({"size": "adaptive", "image_urls": ["first.png"]});
        let err = fit_request_frames(&mut adaptive, &dir, &dir.join("fitted")).unwrap_err();
        assert!(matches!(err, FitError::NoFixedSize { .. }), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
