//! `validate --probe`: facts about media URLs, read the way the service will
//! fetch them (without the API key), for the rules that need them. Images:
//! the first 64 KiB (format, pixel size) and `Content-Length`. Videos and
//! audio: ffprobe when it is installed (duration, size, pixels, frame rate),
//! else a note that they were not probed.

use std::time::Duration;

use futures_util::StreamExt;
use seedance_core::media_check::{MediaKind, image_dimensions};
use seedance_core::{GenerationRequest, MediaFacts, MediaInfo};
use seedance_transport::Transport;

const HEAD_BYTES: usize = 64 * 1024;

/// What ffprobe is asked for: the facts the media rules read, as JSON.
const FFPROBE_ARGS: [&str; 6] = [
    "-v",
    "error",
    "-show_entries",
    "format=duration,size,format_name:stream=codec_type,width,height,avg_frame_rate",
    "-of",
    "json",
];

/// Probes every http(s) media URL of `request`; returns the facts and a
/// note for each URL that could not be probed.
pub(crate) async fn probe(
    transport: &dyn Transport,
    request: &GenerationRequest,
) -> (MediaFacts, Vec<String>) {
    let mut facts = MediaFacts::new();
    let mut notes = Vec::new();
    for (path, url) in request.media_urls() {
        let url = url.as_str();
        if !url.starts_with("http") || url.contains(seedance_workflows::local_media::LOCAL_HOST) {
            continue;
        }
        let is_image = path.starts_with("image");
        let info = if is_image {
            image(transport, url).await
        } else {
            ffprobe(url).await
        };
        match info {
            Ok(info) => {
                facts.insert(url.to_owned(), info);
            }
            Err(why) => notes.push(format!("{path}: not probed: {why}")),
        }
    }
    (facts, notes)
}

async fn image(transport: &dyn Transport, url: &str) -> Result<MediaInfo, String> {
    let response = tokio::time::timeout(Duration::from_secs(20), transport.fetch(url))
        .await
        .map_err(|_| "no answer within 20 s".to_owned())?
        .map_err(|e| e.to_string())?;
    if response.status != 200 {
        return Err(format!("the host answered HTTP {}", response.status));
    }
    let mut head = Vec::new();
    let mut body = response.body;
    while head.len() < HEAD_BYTES {
        match tokio::time::timeout(Duration::from_secs(20), body.next()).await {
            Ok(Some(Ok(chunk))) => head.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let kind = MediaKind::sniff(&head).ok_or("not an image the service reads")?;
    let dims = image_dimensions(&head);
    Ok(MediaInfo {
        format: Some(kind.extension().to_owned()),
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        size_bytes: response.content_length,
        ..Default::default()
    })
}

async fn ffprobe(url: &str) -> Result<MediaInfo, String> {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new("ffprobe")
            .args(FFPROBE_ARGS)
            .arg(url)
            .output(),
    )
    .await
    .map_err(|_| "ffprobe took over 30 s".to_owned())?
    .map_err(|_| "ffprobe is not installed (apt-get install ffmpeg)".to_owned())?;
    if !output.status.success() {
        return Err(format!(
            "ffprobe could not read it: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    Ok(facts_from_ffprobe(&v))
}

/// Facts about the local videos and audio among `local` (ffprobe on the
/// files), keyed by their placeholders, so a clip the service would refuse
/// is refused before it is published or paid for. Clips that cannot be
/// probed are reported as errors: a local clip is only sent when checked.
pub(crate) fn local_clips(local: &[seedance_workflows::LocalFile]) -> Result<MediaFacts, String> {
    let mut facts = MediaFacts::new();
    for f in local.iter().filter(|f| {
        f.dimensions.is_none() && (f.field.contains("video_urls") || f.field.contains("audio_urls"))
    }) {
        let run = || {
            std::process::Command::new("ffprobe")
                .args(FFPROBE_ARGS)
                .arg(&f.path)
                .output()
        };
        // ffprobe blocks: off the async workers when on one.
        let on_workers = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let output = if on_workers {
            tokio::task::block_in_place(run)
        } else {
            run()
        };
        let output = output.map_err(|_| {
            format!(
                "{}: ffprobe is needed to check a local clip before publishing it (apt-get install ffmpeg)",
                f.field
            )
        })?;
        if !output.status.success() {
            return Err(format!(
                "{}: ffprobe could not read {}: {}",
                f.field,
                f.path.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
        let mut info = facts_from_ffprobe(&v);
        info.size_bytes = Some(f.bytes);
        facts.insert(f.placeholder.clone(), info);
    }
    Ok(facts)
}

/// Reads ffprobe's JSON (`-show_entries format=...:stream=...`).
pub(crate) fn facts_from_ffprobe(v: &serde_json::Value) -> MediaInfo {
    let format = &v["format"];
    let number = |x: &serde_json::Value| {
        x.as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .or_else(|| x.as_f64())
    };
    let video = v["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["codec_type"] == "video"));
    let fps = video
        .and_then(|s| s["avg_frame_rate"].as_str())
        .and_then(|r| {
            let (n, d) = r.split_once('/')?;
            let (n, d) = (n.parse::<f64>().ok()?, d.parse::<f64>().ok()?);
            (d > 0.0).then_some(n / d)
        });
    let name = format["format_name"].as_str().unwrap_or_default();
    let short = if name.contains("mp4") || name.contains("mov") {
        "mp4"
    } else if name.contains("wav") {
        "wav"
    } else if name.contains("mp3") {
        "mp3"
    } else {
        name.split(',').next().unwrap_or_default()
    };
    MediaInfo {
        format: (!short.is_empty()).then(|| short.to_owned()),
        duration_secs: number(&format["duration"]),
        width: video.and_then(|s| s["width"].as_u64()).map(|w| w as u32),
        height: video.and_then(|s| s["height"].as_u64()).map(|h| h as u32),
        size_bytes: number(&format["size"]).map(|b| b as u64),
        fps,
    }
}
