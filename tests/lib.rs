//! Helpers shared by the integration tests in `it/`.
//!
//! The crate's documentation is README.md, so `cargo test` compiles (and
//! runs, where they need no key) README's Rust examples as doc tests.
#![doc = include_str!("../README.md")]

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
    config: seedance_sim::SimConfig,
    client: seedance_transport::ClientConfig,
) -> (seedance_transport::Client, seedance_sim::Simulator) {
    let transport = seedance_sim::SimTransport::with_config(config);
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

/// The first video track of an MP4, read in pure Rust (the `mp4` crate),
/// so tests need no ffmpeg: its codec (`h264`...) and frame count.
pub fn mp4_video(path: &std::path::Path) -> (String, u64) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let size = file.metadata().unwrap().len();
    let reader = mp4::Mp4Reader::read_header(std::io::BufReader::new(file), size)
        .unwrap_or_else(|e| panic!("{} is not a readable MP4: {e}", path.display()));
    let track = reader
        .tracks()
        .values()
        .find(|t| t.track_type().is_ok_and(|k| k == mp4::TrackType::Video))
        .unwrap_or_else(|| panic!("{} has no video track", path.display()));
    let codec = match track.media_type() {
        Ok(mp4::MediaType::H264) => "h264".to_owned(),
        Ok(other) => other.to_string().to_lowercase(),
        Err(e) => format!("unknown ({e})"),
    };
    (codec, u64::from(track.sample_count()))
}

/// A Chromium-family browser for headless rendering, or `None` (said on
/// stderr; under CI, which installs Debian's `chromium`, a failure).
pub fn chromium_or_skip(test: &str) -> Option<std::path::PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| {
            std::process::Command::new(name)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .map(std::path::PathBuf::from);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: chromium is missing under CI (.ci/run installs it)"
        );
        eprintln!("skipped {test}: no headless browser installed (`apt-get install chromium`)");
    }
    found
}

/// Whether ffmpeg is installed. Tests that truly need it (stitching
/// re-encodes) call this first: locally, without ffmpeg, they say on stderr
/// that they are skipped and why; under CI (which installs ffmpeg), a
/// missing ffmpeg is a failure, so they can never silently pass.
pub fn ffmpeg_or_skip(test: &str) -> bool {
    let found = std::process::Command::new("ffmpeg")
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: ffmpeg is missing under CI (.ci/run installs it)"
        );
        eprintln!(
            "skipped {test}: ffmpeg is not installed (stitching needs it; `apt-get install ffmpeg`)"
        );
    }
    found
}

/// The hex digest of `bytes` with `algorithm`, from the reference crates
/// (`blake3`, `sha2`) rather than seedance's own hashing code, to check
/// what downloads record.
pub fn reference_digest(algorithm: seedance_core::digest::DigestAlgorithm, bytes: &[u8]) -> String {
    use seedance_core::digest::DigestAlgorithm;
    use sha2::Digest;
    match algorithm {
        DigestAlgorithm::Blake3 => blake3::hash(bytes).to_hex().to_string(),
        DigestAlgorithm::Sha256 => seedance_core::hex::encode(&sha2::Sha256::digest(bytes)),
    }
}

/// Whether `bytes` hash to `digest` (with its own algorithm), by the
/// reference crates.
pub fn matches_digest(bytes: &[u8], digest: &seedance_core::digest::FileDigest) -> bool {
    reference_digest(digest.algorithm(), bytes) == digest.hex()
}

/// Runs `seedance generate` in process against the simulator served at
/// `api_url` (its default key, from a key file), for a small request
/// (`prompt`, the fast model, 4 s at 480p), writing under a fresh temporary
/// directory, which is returned with the output so it lives as long as the
/// caller needs the files.
pub fn generate_over_http(api_url: &str, prompt: &str) -> (CliOutput, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, seedance_sim::DEFAULT_SIM_KEY).unwrap();
    let request = dir.path().join("request.json");
    let body = serde_json::json!({
        "model": "doubao-seedance-2.0-fast",
        "prompt": prompt,
        "duration": 4,
        "resolution": "480p",
    });
    std::fs::write(&request, body.to_string()).unwrap();
    let out = dir.path().join("out");
    let output = run_cli(
        &[
            "--base-url",
            api_url,
            "--api-key-file",
            key_file.to_str().unwrap(),
            "generate",
            request.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    (output, dir)
}

/// The run recorded in `dir`, read the way the CLI and the MCP server read
/// it ([`seedance_workflows::read_run`]: a chain's manifest, or a batch's
/// snapshot with its journal replayed). Panics when there is none.
pub fn recorded_run(dir: &std::path::Path) -> seedance_workflows::Manifest {
    match seedance_workflows::read_run(dir) {
        Ok(Some(m)) => m,
        Ok(None) => panic!("no run recorded in {}", dir.display()),
        Err(e) => panic!("the run in {} cannot be read: {e}", dir.display()),
    }
}
