//! Project automation, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! - `ci`: format check, clippy with warnings denied, tests, docs with
//!   warnings denied: exactly what CI runs.
//! - `fixtures`: regenerates the simulator's media (a tiny H.264 MP4 and a
//!   PNG of its last frame) with ffmpeg.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fixtures") => fixtures(),
        Some("help") | None => {
            println!(
                "usage: cargo xtask <task>\n\ntasks:\n  ci    fmt --check, clippy -D warnings, test, doc (what CI runs)"
            );
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`; try `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(&["test", "--workspace"], &[])?;
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok(())
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| {
            format!("cannot run {program} (is it installed? `apt-get install ffmpeg`): {e}")
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} failed ({status})"))
    }
}

/// The simulator's media: 1 s of 128x72 test pattern, H.264 baseline with
/// `+faststart` (a few KB), and its last frame as an RGB PNG.
fn fixtures() -> Result<(), String> {
    let dir = "crates/seedance-transport/media";
    let mp4 = format!("{dir}/sample.mp4");
    let png = format!("{dir}/last_frame.png");
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=128x72:rate=12:duration=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-profile:v",
            "baseline",
            "-preset",
            "veryslow",
            "-crf",
            "38",
            "-movflags",
            "+faststart",
            "-an",
            &mp4,
        ],
    )?;
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-y",
            "-sseof",
            "-0.1",
            "-i",
            &mp4,
            "-frames:v",
            "1",
            "-update",
            "1",
            "-pix_fmt",
            "rgb24",
            "-compression_level",
            "9",
            &png,
        ],
    )?;
    eprintln!("wrote {mp4} and {png}");
    Ok(())
}
