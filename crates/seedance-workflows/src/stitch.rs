//! Joining segments into one film with ffmpeg.
//!
//! Each later segment starts on the previous segment's last frame, so every
//! seam shows that frame twice. By default segments are joined by stream
//! copy (no quality loss, instant) when their codecs and sizes match;
//! `drop_seam_frame` re-encodes and drops the first frame of every later
//! segment, removing the repeat.

use std::path::{Path, PathBuf};

use seedance_transport::client::temp_file_name;

use tokio::process::Command;

/// Why stitching failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StitchError {
    /// ffmpeg or ffprobe is not installed.
    #[error("{tool} was not found: stitching needs ffmpeg (for example `apt-get install ffmpeg`)")]
    MissingTool {
        /// The missing program.
        tool: &'static str,
    },
    /// Nothing to stitch.
    #[error("no segments to stitch")]
    Empty,
    /// ffmpeg or ffprobe failed.
    #[error("{tool} failed: {stderr}")]
    Failed {
        /// The program.
        tool: &'static str,
        /// What it printed.
        stderr: String,
    },
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// How to stitch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StitchOptions {
    /// Drop the repeated frame at each seam (re-encodes with libx264).
    pub drop_seam_frame: bool,
}

async fn run(tool: &'static str, args: &[String]) -> Result<String, StitchError> {
    let out = Command::new(tool)
        .args(args)
        .output()
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StitchError::MissingTool { tool },
            _ => StitchError::Failed {
                tool,
                stderr: e.to_string(),
            },
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(StitchError::Failed {
            tool,
            stderr: stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | "),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `codec,width,height,has_audio` of a file, for deciding on stream copy.
async fn probe(path: &Path) -> Result<(String, bool), StitchError> {
    let p = path.to_string_lossy().into_owned();
    let video = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height,r_frame_rate",
            "-of",
            "csv=p=0",
            &p,
        ]
        .map(String::from),
    )
    .await?;
    let audio = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "a",
            "-show_entries",
            "stream=index",
            "-of",
            "csv=p=0",
            &p,
        ]
        .map(String::from),
    )
    .await?;
    Ok((video.trim().to_owned(), !audio.trim().is_empty()))
}

/// Checks, before anything is paid for, that stitching will be possible:
/// ffprobe and ffmpeg on `PATH` (and, when re-encoding, an H.264 encoder).
pub fn check_tools(reencode: bool) -> Result<(), StitchError> {
    for tool in ["ffprobe", "ffmpeg"] {
        let ok = std::process::Command::new(tool)
            .arg("-version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(StitchError::MissingTool { tool });
        }
    }
    if reencode {
        let encoders = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-encoders"])
            .output()
            .map_err(|_| StitchError::MissingTool { tool: "ffmpeg" })?;
        if !String::from_utf8_lossy(&encoders.stdout).contains("libx264") {
            return Err(StitchError::Failed {
                tool: "ffmpeg",
                stderr: "this ffmpeg has no libx264 encoder, which dropping seam frames needs (it re-encodes)".into(),
            });
        }
    }
    Ok(())
}

/// Joins `segments` (in order) into `output`.
pub async fn stitch(
    segments: &[PathBuf],
    output: &Path,
    options: &StitchOptions,
) -> Result<(), StitchError> {
    if segments.is_empty() {
        return Err(StitchError::Empty);
    }
    let mut probes = Vec::new();
    for s in segments {
        probes.push(probe(s).await?);
    }
    let same = probes.windows(2).all(|w| w[0] == w[1]);
    let all_audio = probes.iter().all(|(_, a)| *a);
    // Both files are created fresh under unique names (never through a path
    // or symlink that was already there), then ffmpeg writes into them.
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let final_name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| crate::layout::RunLayout::FILM.to_owned());
    let tmp = dir.join(temp_file_name(&final_name));
    let _tmp_guard = RemoveOnDrop(tmp.clone());
    create_fresh(&tmp, b"")?;
    let tmp_s = tmp.to_string_lossy().into_owned();
    if same && !options.drop_seam_frame {
        let list = dir.join(temp_file_name(&format!("{final_name}.concat.txt")));
        let _list_guard = RemoveOnDrop(list.clone());
        let body: String = segments
            .iter()
            .map(|s| {
                let abs = std::fs::canonicalize(s).unwrap_or_else(|_| s.clone());
                format!("file '{}'\n", abs.to_string_lossy().replace('\'', "'\\''"))
            })
            .collect();
        create_fresh(&list, body.as_bytes())?;
        let result = run(
            "ffmpeg",
            &[
                "-v",
                "error",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                &list.to_string_lossy(),
                "-c",
                "copy",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
                &tmp_s,
            ]
            .map(String::from),
        )
        .await;
        result?;
    } else {
        let mut args: Vec<String> = vec!["-v".into(), "error".into(), "-y".into()];
        for s in segments {
            args.push("-i".into());
            args.push(s.to_string_lossy().into_owned());
        }
        let mut filter = String::new();
        let mut inputs = String::new();
        for (i, _) in segments.iter().enumerate() {
            let trim = if options.drop_seam_frame && i > 0 {
                "trim=start_frame=1,"
            } else {
                ""
            };
            // Same size and rate for every input, as concat needs.
            filter.push_str(&format!(
                "[{i}:v]{trim}setpts=PTS-STARTPTS,scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1[v{i}];"
            ));
            inputs.push_str(&format!("[v{i}]"));
            if all_audio {
                let atrim = if options.drop_seam_frame && i > 0 {
                    "atrim=start=0.04,"
                } else {
                    ""
                };
                filter.push_str(&format!("[{i}:a]{atrim}asetpts=PTS-STARTPTS[a{i}];"));
                inputs.push_str(&format!("[a{i}]"));
            }
        }
        let n = segments.len();
        let a = if all_audio { 1 } else { 0 };
        filter.push_str(&format!("{inputs}concat=n={n}:v=1:a={a}[v]"));
        if all_audio {
            filter.push_str("[a]");
        }
        args.extend([
            "-filter_complex".into(),
            filter,
            "-map".into(),
            "[v]".into(),
        ]);
        if all_audio {
            args.extend(["-map".into(), "[a]".into(), "-c:a".into(), "aac".into()]);
        }
        args.extend(
            [
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-preset",
                "medium",
                "-crf",
                "18",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
            ]
            .map(String::from),
        );
        args.push(tmp_s.clone());
        run("ffmpeg", &args).await?;
    }
    std::fs::rename(&tmp, output).map_err(|source| StitchError::Io {
        path: output.to_owned(),
        source,
    })
}

/// Removes a temporary file when dropped (after a rename it is already gone).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Creates `path`, which must not exist (not even as a symlink), with `bytes`.
fn create_fresh(path: &Path, bytes: &[u8]) -> Result<(), StitchError> {
    use std::io::Write;
    let io = |source| StitchError::Io {
        path: path.to_owned(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)
}
