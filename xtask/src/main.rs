//! Project automation, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! - `ci`: format check, clippy with warnings denied, tests, docs with
//!   warnings denied: exactly what CI runs.
//! - `bench [--quick]`: runs every benchmark and writes `docs/performance.md`
//!   (`--quick`: a seconds-long smoke run written to `target/`, which CI runs
//!   so the harness cannot rot).
//! - `man [DIR]`: writes the man pages (`seedance.1` and one per
//!   subcommand, `seedance-chain.1`...) into DIR (default `target/man`).
//! - `fixtures`: regenerates the simulator's media (a tiny H.264 MP4 and a
//!   PNG of its last frame) with ffmpeg.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fixtures") => fixtures(),
        Some("bench") => bench(args.iter().any(|a| a == "--quick")),
        Some("man") => man(args.get(1).map(PathBuf::from)),
        Some("help") | None => {
            println!(
                "usage: cargo xtask <task>\n\ntasks:\n  ci        fmt --check, clippy -D warnings, doc, test (what CI runs)\n  bench     benchmarks into docs/performance.md (--quick: smoke run)\n  man [DIR] man pages into DIR (default target/man)\n  fixtures  regenerate the simulator's media with ffmpeg"
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
    // The docs before the tests: a broken doc link fails in a minute
    // instead of after the whole suite.
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    cargo(&["test", "--workspace"], &[])?;
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

fn output(program: &str, args: &[&str]) -> Result<String, String> {
    eprintln!("$ {program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map_or("?".into(), |kb| {
            format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0)
        });
    // SHA and AVX extensions change hashing and parsing speeds between
    // machines that report the same model: name them.
    let flags = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("flags"))
                .map(|l| l.split(':').nth(1).unwrap_or("").to_owned())
        })
        .unwrap_or_default();
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    let extensions: Vec<&str> = ["sha_ni", "avx2", "avx512f", "aes", "vaes"]
        .into_iter()
        .filter(|f| has(f))
        .collect();
    let extensions = if extensions.is_empty() {
        "no SHA/AVX extensions".to_owned()
    } else {
        format!("extensions: {}", extensions.join(", "))
    };
    let rustc = output("rustc", &["--version"]).unwrap_or_default();
    format!(
        "{cpu} ({extensions}; SHA-256 hardware: {}), {cores} cores, {mem} RAM, {}",
        if has("sha_ni") { "yes" } else { "no" },
        rustc.trim()
    )
}

/// Mean time of a criterion benchmark, nanoseconds.
fn criterion_mean(id: &str) -> Option<f64> {
    let path = workspace_root()
        .join("target/criterion")
        .join(id)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    // {"mean":{"confidence_interval":{...},"point_estimate":123.4,...},...}
    let mean = text.split("\"mean\"").nth(1)?;
    let point = mean.split("\"point_estimate\":").nth(1)?;
    point.split([',', '}']).next()?.trim().parse().ok()
}

fn bench(quick: bool) -> Result<(), String> {
    let profile: &[&str] = if quick { &[] } else { &["--release"] };
    let mut build = vec!["build", "-p", "seedance-cli", "-p", "seedance-bench"];
    build.extend_from_slice(profile);
    cargo(&build, &[])?;
    let dir = if quick {
        "target/debug"
    } else {
        "target/release"
    };
    let bench_bin = format!("{dir}/seedance-bench");
    let seedance = format!("{dir}/seedance");
    let sizes: [(&str, Vec<&str>); 6] = if quick {
        [
            ("fuzz", vec!["--inputs", "20000"]),
            ("polling", vec!["--tasks", "50"]),
            ("throughput", vec!["--jobs", "60", "--rates", "5"]),
            ("chain", vec!["--segments", "3"]),
            (
                "download",
                vec!["--seedance", &seedance, "--mib", "8", "--runs", "1"],
            ),
            ("batch-scale", vec!["--jobs", "200,1000"]),
        ]
    } else {
        [
            ("fuzz", vec!["--inputs", "1000000"]),
            ("polling", vec!["--tasks", "1000"]),
            ("throughput", vec!["--jobs", "500", "--rates", "5,20"]),
            ("chain", vec!["--segments", "10"]),
            (
                "download",
                vec!["--seedance", &seedance, "--mib", "256", "--runs", "5"],
            ),
            ("batch-scale", vec!["--jobs", "1000,10000,100000"]),
        ]
    };
    let mut sections = Vec::new();
    for (name, args) in &sizes {
        let mut all = vec![*name];
        all.extend(args.iter().copied());
        sections.push(output(&bench_bin, &all)?);
    }
    // Criterion: a real measurement, or (quick) one pass of each function.
    let overhead = if quick {
        cargo(
            &["test", "-p", "seedance-bench", "--bench", "overhead"],
            &[],
        )?;
        "## 5. Client overhead\n\nSmoke run only (`--quick` runs each criterion function once).\n"
            .to_owned()
    } else {
        cargo(
            &[
                "bench",
                "-p",
                "seedance-bench",
                "--bench",
                "overhead",
                "--",
                "--noplot",
            ],
            &[],
        )?;
        let get =
            |id: &str| criterion_mean(id).ok_or_else(|| format!("no criterion estimate for {id}"));
        let (ser, val, parse) = (
            get("serialize_only")?,
            get("validate_and_serialize")?,
            get("parse_completed_task")?,
        );
        let ratio = val / ser;
        let verdict = if ratio <= 2.0 {
            "meets target"
        } else {
            "**misses target**"
        };
        format!(
            "## 5. Client overhead\n\nCriterion, mean time per call. The maximal request has a 4000-character prompt \
             (half Hangul, half ASCII), 9 images, 3 videos, 3 audios, web search, and every option set.\n\n\
             | measure | mean | |\n|---|---|---|\n\
             | `serde_json::to_vec` of the maximal request | {ser:.0} ns | |\n\
             | `validate()` + `to_vec` | {val:.0} ns | |\n\
             | ratio (target ≤ 2) | {ratio:.2} | {verdict} |\n\
             | `parse_task_body` of a completed task | {parse:.0} ns | |\n"
        )
    };
    sections.push(overhead);
    let command = if quick {
        "cargo xtask bench --quick"
    } else {
        "cargo xtask bench"
    };
    let date = output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let doc = format!(
        "# Performance\n\nGenerated by `{command}` on {}, {}.\n\n\
         For a job API, speed is how soon the client notices a finished video, how few requests it spends \
         doing so, how close a batch runs to the service's rate limit, and how little memory a large download \
         takes. Sections 1-3 run on the simulator with paused tokio time (deterministic, seconds of real time); \
         section 4 uses real loopback HTTP; section 5 is criterion.\n\n{}",
        date.trim(),
        machine(),
        sections.join("\n")
    );
    let target = if quick {
        "target/performance-quick.md"
    } else {
        "docs/performance.md"
    };
    std::fs::write(workspace_root().join(target), doc)
        .map_err(|e| format!("cannot write {target}: {e}"))?;
    eprintln!("wrote {target}");
    Ok(())
}

/// Renders `seedance.1` and a page per subcommand from the CLI's clap
/// definition, so the pages always match the binary.
fn man(dir: Option<PathBuf>) -> Result<(), String> {
    use clap::CommandFactory;
    let dir = dir.unwrap_or_else(|| workspace_root().join("target").join("man"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let command = seedance_cli::Cli::command();
    let mut pages = vec![("seedance".to_owned(), command.clone())];
    for sub in command.get_subcommands() {
        let name = format!("seedance-{}", sub.get_name());
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        pages.push((name, sub.clone().name(leaked)));
    }
    for (name, cmd) in pages {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut page)
            .map_err(|e| format!("rendering {name}: {e}"))?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, page).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
