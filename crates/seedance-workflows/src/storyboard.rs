//! The storyboard page: `index.html` in a run's output directory, one
//! self-contained page (no network, no script) to review a run: the film
//! at the top when there is one; per job its first and last frames, its
//! prompt, model, duration, cost, task and state, and every take with the
//! selected one marked; for each link of a chain, the similarity (PSNR)
//! between the last frame of one segment and the first frame of the next,
//! so a broken seam stands out.
//!
//! It is rewritten (fresh file, renamed into place) as the run goes. First
//! frames are taken from the videos with ffmpeg when it is installed (at
//! the end of a run); without it the page shows the frame each segment was
//! asked to start from.
//!
//! The layout is fixed (pixel sizes, no reflow from content), so the page
//! looks the same everywhere and a test can find each frame on a screenshot:
//! see [`layout`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::layout::RunLayout;
use crate::manifest::{ManifestStore, read_run};
use crate::records::{JobRecord, JobState, Manifest, ManifestKind};

/// Pixel positions on the page, for tests and for anyone embedding it.
pub mod layout {
    /// Height of the title bar.
    pub const HEADER: u32 = 56;
    /// Height of the film block (present when `final.mp4` exists).
    pub const FILM: u32 = 300;
    /// Height of one job's row.
    pub const ROW: u32 = 184;
    /// A frame's size on the page.
    pub const FRAME: (u32, u32) = (256, 144);
    /// Left edge of the first frame in a row; the last frame is one frame
    /// and a gap further right.
    pub const FIRST_X: u32 = 8;
    /// Left edge of the last frame.
    pub const LAST_X: u32 = FIRST_X + FRAME.0 + 8;
    /// Top of the frames within a row.
    pub const FRAME_Y: u32 = 20;

    /// Top of row `k`'s frames, with or without the film block.
    pub fn frame_top(k: usize, film: bool) -> u32 {
        HEADER + if film { FILM } else { 0 } + k as u32 * ROW + FRAME_Y
    }
}

/// The first-frame image of `stem` (extracted from its video).
pub fn first_frame_file_name(stem: &str) -> String {
    format!("{stem}_first_frame.png")
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c if c.is_control() => " ".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A relative path as an HTML attribute value (each segment percent-encoded
/// where needed).
fn href(path: &str) -> String {
    escape(
        &path
            .replace('%', "%25")
            .replace(' ', "%20")
            .replace('#', "%23"),
    )
}

/// RGB pixels of a PNG, with its size.
fn read_png(path: &Path) -> Option<(u32, u32, Vec<u8>)> {
    let file = std::fs::File::open(path).ok()?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    let channels = info.color_type.samples();
    let rgb: Vec<u8> = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .flat_map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    Some((info.width, info.height, rgb))
}

/// PSNR in dB between two same-sized images (infinite when identical).
pub fn psnr(a: &Path, b: &Path) -> Option<f64> {
    let (wa, ha, pa) = read_png(a)?;
    let (wb, hb, pb) = read_png(b)?;
    if (wa, ha) != (wb, hb) || pa.is_empty() {
        return None;
    }
    Some(psnr_of(&pa, &pb))
}

/// How a seam between a segment's last frame and the next one's first
/// frame was measured.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum SeamMeasure {
    /// PSNR in dB, the second image scaled to the first's size when they
    /// differ (`scaled`: the sizes, first then second).
    Psnr {
        /// The PSNR (infinite when identical).
        db: f64,
        /// The two sizes when the second was scaled.
        scaled: Option<((u32, u32), (u32, u32))>,
    },
    /// One of the frames is not on disk or is not a readable PNG.
    Missing,
}

/// Measures a seam: PSNR of `b` against `a`, `b` scaled to `a`'s size
/// (nearest pixel) when a frame was returned at another size than the
/// video's (the last frame of a segment and the first of the next often
/// differ by a few pixels).
pub fn seam_measure(a: &Path, b: &Path) -> SeamMeasure {
    let (Some((wa, ha, pa)), Some((wb, hb, pb))) = (read_png(a), read_png(b)) else {
        return SeamMeasure::Missing;
    };
    if pa.is_empty() || pb.is_empty() {
        return SeamMeasure::Missing;
    }
    if (wa, ha) == (wb, hb) {
        return SeamMeasure::Psnr {
            db: psnr_of(&pa, &pb),
            scaled: None,
        };
    }
    let mut scaled = Vec::with_capacity(pa.len());
    for y in 0..ha {
        let sy = (u64::from(y) * u64::from(hb) / u64::from(ha)) as usize;
        for x in 0..wa {
            let sx = (u64::from(x) * u64::from(wb) / u64::from(wa)) as usize;
            let i = (sy * wb as usize + sx) * 3;
            scaled.extend_from_slice(&pb[i..i + 3]);
        }
    }
    SeamMeasure::Psnr {
        db: psnr_of(&pa, &scaled),
        scaled: Some(((wa, ha), (wb, hb))),
    }
}

fn psnr_of(pa: &[u8], pb: &[u8]) -> f64 {
    let mse = pa
        .iter()
        .zip(pb)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum::<f64>()
        / pa.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Extracts the first frame of each job's selected video with ffmpeg, when
/// it is installed and the image is missing or older than the video.
fn extract_first_frames(out_dir: &Path, manifest: &Manifest) {
    for job in manifest.jobs.iter().take(MAX_ROWS) {
        let Some(video) = &job.video else { continue };
        let stem = stem_of(manifest, job.index);
        let target = out_dir.join(first_frame_file_name(&stem));
        let source = out_dir.join(&video.path);
        let fresh = match (target.metadata(), source.metadata()) {
            (Ok(t), Ok(s)) => t.modified().ok() >= s.modified().ok(),
            _ => false,
        };
        if fresh {
            continue;
        }
        // Through a pipe, not a file: an ffmpeg left behind by a killed run
        // dies on the closed pipe instead of writing into the directory.
        let png = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(&source)
            .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output();
        if let Ok(o) = png
            && o.status.success()
            && o.stdout.starts_with(b"\x89PNG")
        {
            let _ = crate::fresh_file::write_fresh(&target, |w| {
                std::io::Write::write_all(w, &o.stdout)
            });
        }
    }
}

fn stem_of(manifest: &Manifest, k: usize) -> String {
    RunLayout::new("", manifest.kind).stem(k)
}

fn state_name(state: JobState) -> &'static str {
    match state {
        JobState::Planned => "planned",
        JobState::Submitting => "submitting",
        JobState::Submitted => "generating",
        JobState::Completed => "completed",
        JobState::Downloaded => "downloaded",
        JobState::Failed => "failed",
    }
}

fn img(out_dir: &Path, path: Option<String>, x: u32, label: &str) -> String {
    let (w, h) = layout::FRAME;
    let style = format!(
        "position:absolute;left:{x}px;top:{}px;width:{w}px;height:{h}px",
        layout::FRAME_Y
    );
    match path.filter(|p| out_dir.join(p).is_file()) {
        Some(p) => format!(
            "<img src=\"{}\" alt=\"{label}\" style=\"{style};object-fit:fill\">",
            href(&p)
        ),
        None => format!("<div class=\"none\" style=\"{style}\">{label}: none yet</div>"),
    }
}

/// The page for `manifest` in `out_dir`.
pub fn render(out_dir: &Path, manifest: &Manifest) -> String {
    let film = out_dir.join(RunLayout::FILM).is_file();
    let what = if manifest.kind == ManifestKind::Chain {
        "segment"
    } else {
        "job"
    };
    let billed = manifest.billed();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>seedance run</title>\n<style>\
body{{margin:0;background:#16181c;color:#e8e8e8;font:13px/1.35 sans-serif}}\
header{{height:{hh}px;box-sizing:border-box;padding:16px 8px;overflow:hidden;font-size:18px}}\
.film{{height:{fh}px;box-sizing:border-box;padding:4px 8px;overflow:hidden}}\
.row{{position:relative;height:{rh}px;box-sizing:border-box;border-top:1px solid #333;overflow:hidden}}\
.meta{{position:absolute;left:{mx}px;top:{fy}px;right:8px;height:{fhgt}px;overflow:hidden}}\
.label{{position:absolute;left:8px;top:2px;color:#9aa}}\
.none{{background:#2a2d33;color:#888;display:flex;align-items:center;justify-content:center}}\
.stale,.bad{{color:#ff7a6b;font-weight:bold}} .good{{color:#7bd88f}} .sel{{font-weight:bold}}\
a{{color:#8cb4ff}}\
</style></head><body>\n<header>seedance {what}s: {n} &middot; billed {billed}</header>\n",
        hh = layout::HEADER,
        fh = layout::FILM,
        rh = layout::ROW,
        mx = layout::LAST_X + layout::FRAME.0 + 16,
        fy = layout::FRAME_Y,
        fhgt = layout::FRAME.1,
        n = manifest.jobs.len(),
        billed = match (billed.total, billed.selected) {
            (None, _) => "nothing yet".to_owned(),
            (Some(t), Some(s)) if (t - s).abs() > 1e-9 => {
                format!("{t:.4} (selected takes {s:.4})")
            }
            (Some(t), _) => format!("{t:.4}"),
        },
    );
    if film {
        let _ = writeln!(
            h,
            "<div class=\"film\"><video src=\"{}\" controls preload=\"metadata\" width=\"512\" height=\"288\"></video></div>",
            href(RunLayout::FILM)
        );
    }
    let stale = manifest.stale_links();
    for job in manifest.jobs.iter().take(MAX_ROWS) {
        let k = job.index;
        let stem = stem_of(manifest, k);
        let first = first_frame_path(out_dir, manifest, job);
        let last = job.last_frame.as_ref().map(|f| f.path.clone());
        let _ = writeln!(h, "<div class=\"row\" id=\"{stem}\">");
        let _ = writeln!(
            h,
            "<div class=\"label\">{what} {k} &middot; first frame / last frame</div>"
        );
        h.push_str(&img(out_dir, first.clone(), layout::FIRST_X, "first frame"));
        h.push_str(&img(out_dir, last, layout::LAST_X, "last frame"));
        h.push_str("<div class=\"meta\">");
        h.push_str(&meta(job));
        h.push_str(&takes(job));
        if k > 0 && manifest.kind == ManifestKind::Chain {
            h.push_str(&seam(
                out_dir,
                manifest,
                job,
                first.as_deref(),
                stale.contains(&k),
            ));
        }
        h.push_str("</div></div>\n");
    }
    if manifest.jobs.len() > MAX_ROWS {
        let _ = writeln!(
            h,
            "<div class=\"row\">the first {MAX_ROWS} of {} {what}s are shown; manifest.json has them all</div>",
            manifest.jobs.len()
        );
    }
    h.push_str("</body></html>\n");
    h
}

/// Rows on one page: a 100,000-job batch gets a page, not 100 MB of one.
const MAX_ROWS: usize = 1000;

fn first_frame_path(out_dir: &Path, manifest: &Manifest, job: &JobRecord) -> Option<String> {
    let stem = stem_of(manifest, job.index);
    let extracted = first_frame_file_name(&stem);
    if job.video.is_some() && out_dir.join(&extracted).is_file() {
        return Some(extracted);
    }
    // Without ffmpeg: the frame the segment was asked to start from.
    let prev = manifest.jobs.get(job.index.checked_sub(1)?)?;
    (manifest.kind == ManifestKind::Chain && job.linked_from == Some(prev.take.max(1)))
        .then(|| prev.last_frame.as_ref().map(|f| f.path.clone()))
        .flatten()
}

fn meta(job: &JobRecord) -> String {
    let request = job
        .request
        .as_ref()
        .or(job.spec.as_ref())
        .map(|r| r.parse());
    let field = |k: &str| {
        request
            .as_ref()
            .and_then(|r| r.get(k))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default()
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<div><b>{}</b></div><div>{} &middot; {} s &middot; {} &middot; {}</div><div>task {} &middot; {}{}</div>",
        escape(&field("prompt")),
        escape(&field("model")),
        escape(&match field("duration") {
            d if d.is_empty() => "5".to_owned(),
            d => d,
        }),
        escape(&field("resolution")),
        escape(&field("size")),
        escape(job.task_id.as_deref().unwrap_or("none yet")),
        state_name(job.state),
        job.cost
            .map(|c| format!(" &middot; cost {c:.4}"))
            .unwrap_or_default(),
    );
    s
}

fn takes(job: &JobRecord) -> String {
    let current = job.current_take();
    if current.is_none() && job.takes.is_empty() {
        return String::new();
    }
    let mut all: Vec<(u32, Option<String>, Option<f64>, bool)> = job
        .takes
        .iter()
        .map(|t| {
            (
                t.number,
                t.video.as_ref().map(|v| v.path.clone()),
                t.cost,
                false,
            )
        })
        .collect();
    if let Some(take) = current {
        all.push((
            take,
            job.video.as_ref().map(|v| v.path.clone()),
            job.cost,
            true,
        ));
    }
    all.sort_by_key(|t| t.0);
    let items: Vec<String> = all
        .into_iter()
        .map(|(n, video, cost, selected)| {
            let name = match video {
                Some(v) => format!("<a href=\"{}\">take {n}</a>", href(&v)),
                None => format!("take {n}"),
            };
            let cost = cost.map(|c| format!(" ({c:.4})")).unwrap_or_default();
            if selected {
                format!("<span class=\"sel\">{name}{cost} &#10003; selected</span>")
            } else {
                format!("{name}{cost}")
            }
        })
        .collect();
    format!("<div>takes: {}</div>", items.join(" &middot; "))
}

fn seam(
    out_dir: &Path,
    manifest: &Manifest,
    job: &JobRecord,
    first: Option<&str>,
    stale: bool,
) -> String {
    let prev = &manifest.jobs[job.index - 1];
    let measure = match (prev.last_frame.as_ref(), first) {
        (Some(last), Some(first)) => Ok(seam_measure(
            &out_dir.join(&last.path),
            &out_dir.join(first),
        )),
        (None, _) => Err("not measured: the segment before has no last frame on disk"),
        (_, None) => {
            Err("not measured: no first frame of this segment (extracting it needs ffmpeg)")
        }
    };
    let verdict = match measure {
        Ok(SeamMeasure::Psnr { db, scaled }) => {
            let note = scaled.map_or(String::new(), |((wa, ha), (wb, hb))| {
                format!(" (the {wb}x{hb} first frame scaled to the {wa}x{ha} last frame)")
            });
            if db.is_infinite() {
                format!("<span class=\"good\">identical</span>{note}")
            } else if db >= 30.0 {
                format!("<span class=\"good\">PSNR {db:.1} dB</span>{note}")
            } else {
                format!("<span class=\"bad\">PSNR {db:.1} dB: a visible jump</span>{note}")
            }
        }
        Ok(_) => "not measured: a frame is not a readable PNG".to_owned(),
        Err(why) => why.to_owned(),
    };
    let stale = if stale {
        " <span class=\"stale\">stale: started from another take of the segment before</span>"
    } else {
        ""
    };
    format!("<div>seam with {}: {verdict}{stale}</div>", job.index - 1)
}

/// Writes the page for `manifest` (a fresh file renamed into place);
/// `extract` also takes first frames out of the videos with ffmpeg.
pub fn write(out_dir: &Path, manifest: &Manifest, extract: bool) -> std::io::Result<PathBuf> {
    if extract {
        extract_first_frames(out_dir, manifest);
    }
    let page = render(out_dir, manifest);
    let path = out_dir.join(RunLayout::STORYBOARD);
    crate::fresh_file::write_fresh(&path, |w| std::io::Write::write_all(w, page.as_bytes()))?;
    Ok(path)
}

/// Rewrites the page of `store`'s run off the async workers (best effort:
/// a page that cannot be written never fails a run).
pub(crate) async fn update(out_dir: &Path, store: &ManifestStore, extract: bool) {
    let dir = out_dir.to_owned();
    let chain = store.read(|m| m.kind == ManifestKind::Chain);
    if chain || extract {
        // Small manifests: a copy, and everything (frames, PSNR) off the workers.
        let manifest = store.snapshot();
        let _ = tokio::task::spawn_blocking(move || write(&dir, &manifest, extract)).await;
        return;
    }
    // A batch can hold 100,000 jobs: render its first rows in place rather
    // than copy the manifest, then write off the workers.
    let page = store.read(|m| render(&dir, m));
    let _ = tokio::task::spawn_blocking(move || {
        crate::fresh_file::write_fresh(&dir.join(RunLayout::STORYBOARD), |w| {
            std::io::Write::write_all(w, page.as_bytes())
        })
    })
    .await;
}

/// Rewrites the page of the run in `out_dir` from its manifest, first
/// frames included (e.g. after stitching, so the film appears). Best effort.
pub async fn write_async(out_dir: &Path) {
    let dir = out_dir.to_owned();
    let _ = tokio::task::spawn_blocking(move || {
        let manifest = read_run(&dir).ok()??;
        write(&dir, &manifest, true).ok()
    })
    .await;
}

#[cfg(test)]
mod seam_tests {
    use super::{SeamMeasure, seam_measure};

    fn write_png(path: &std::path::Path, w: u32, h: u32, rgb: [u8; 3]) {
        let file = std::fs::File::create(path).unwrap();
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| rgb).collect();
        writer.write_image_data(&data).unwrap();
    }

    #[test]
    fn frames_of_different_sizes_are_measured_after_scaling() {
        let dir = std::env::temp_dir().join(format!("seedance-seam-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b, c) = (dir.join("a.png"), dir.join("b.png"), dir.join("c.png"));
        write_png(&a, 8, 6, [10, 200, 30]);
        write_png(&b, 16, 12, [10, 200, 30]);
        write_png(&c, 16, 12, [200, 10, 30]);
        match seam_measure(&a, &b) {
            SeamMeasure::Psnr { db, scaled } => {
                assert!(db.is_infinite());
                assert_eq!(scaled, Some(((8, 6), (16, 12))));
            }
            other => panic!("{other:?}"),
        }
        match seam_measure(&a, &c) {
            SeamMeasure::Psnr { db, .. } => assert!(db < 30.0, "{db}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            seam_measure(&a, &dir.join("missing.png")),
            SeamMeasure::Missing
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
