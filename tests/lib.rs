//! Helpers shared by the integration tests in `it/`.

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// A file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The request fixtures of the reference's scenarios, sorted by name.
pub fn scenario_files() -> Vec<PathBuf> {
    let dir = workspace_root().join("examples").join("requests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// A client over an in-process simulator, sharing the simulator's clock.
pub fn sim_client(
    config: seedance_transport::sim::SimConfig,
    client: seedance_transport::ClientConfig,
) -> (
    seedance_transport::Client,
    seedance_transport::sim::Simulator,
) {
    let transport = seedance_transport::MockTransport::with_config(config);
    let sim = transport.simulator().clone();
    let clock_sim = sim.clone();
    let client = seedance_transport::Client::with_config(std::sync::Arc::new(transport), client)
        .with_unix_clock(std::sync::Arc::new(move || clock_sim.unix_now()));
    (client, sim)
}

/// A small valid request.
pub fn small_request() -> seedance_core::GenerationRequest {
    seedance_core::GenerationRequest::new(seedance_core::Model::Seedance2Fast)
        .with_prompt("A paper boat drifts down a gutter stream")
        .with_duration(4)
        .with_resolution(seedance_core::Resolution::P480)
}

/// What a CLI run printed and returned.
#[derive(Debug)]
pub struct CliOutput {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `seedance ARGS` in process with `stdin`.
pub fn run_cli(args: &[&str], stdin: &str) -> CliOutput {
    let mut input = stdin.as_bytes();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = std::iter::once("seedance").chain(args.iter().copied());
    let code = seedance_cli::run(argv, &mut input, &mut out, &mut err);
    CliOutput {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// One ffprobe field of the first video stream (`codec_name`, `nb_read_frames`...).
pub fn ffprobe_video(path: &std::path::Path, entry: &str) -> String {
    let mut args = vec!["-v", "error", "-select_streams", "v:0"];
    if entry == "nb_read_frames" {
        args.push("-count_frames");
    }
    let show = format!("stream={entry}");
    args.extend(["-show_entries", show.as_str(), "-of", "csv=p=0"]);
    let out = std::process::Command::new("ffprobe")
        .args(&args)
        .arg(path)
        .output()
        .expect("ffprobe is required (.ci/run installs ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
