//! The API commands of the CLI: `--mock` in process, and the real reqwest
//! path against the simulator served over loopback.

use std::path::Path;

use seedance_core::digest::DigestAlgorithm;
use seedance_sim::{SimConfig, SimServer, Simulator};
use seedance_tests::{CliOutput, mp4_video, run_cli, workspace_root};

fn seedance(args: &[&str]) -> CliOutput {
    run_cli(args, "")
}

fn example(name: &str) -> String {
    workspace_root()
        .join("examples/requests")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn video_codec(path: &Path) -> String {
    mp4_video(path).0
}

#[test]
fn generate_mock_writes_an_h264_mp4_and_the_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = seedance(&[
        "--mock",
        "generate",
        &example("07-continuation-return-last-frame.json"),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let paths: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(paths.len(), 2, "{}", out.stdout);
    assert!(paths[0].ends_with(".mp4") && paths[1].ends_with("_last_frame.png"));
    assert_eq!(video_codec(Path::new(paths[0])), "h264");
    assert_eq!(&std::fs::read(paths[1]).unwrap()[..4], b"\x89PNG");
    assert!(out.stderr.contains("submitted task_"), "{}", out.stderr);
}

#[test]
fn generate_refuses_an_invalid_request_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"model":"doubao-seedance-2.0-fast","prompt":"x","resolution":"4k","duration":2}"#,
    )
    .unwrap();
    let out = seedance(&[
        "--mock",
        "generate",
        bad.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("generate_invalid_stderr", out.stderr);
}

#[test]
fn key_on_the_command_line_is_refused_without_echoing_it() {
    let out = seedance(&["--api-key", "sk-LEAKME", "status", "task_1"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--api-key is refused"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("LEAKME"));
}

#[test]
fn missing_key_is_a_usage_error_naming_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-key-file");
    let out = seedance(&[
        "--api-key-file",
        missing.to_str().unwrap(),
        "status",
        "task_1",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot read the API key file"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_task_on_mock_is_a_clear_404() {
    let out = seedance(&["--mock", "--json", "status", "task_missing"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert!(v["error"].as_str().unwrap().contains("404"), "{v}");
}

#[test]
fn commands_over_loopback_http_with_a_key_file() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(SimServer::start_loopback(Simulator::new(
            SimConfig::instant(),
        )))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(
        &key_file,
        format!("{}\n", server.simulator().config().api_key),
    )
    .unwrap();
    let base = server.api_url();
    let common = [
        "--base-url",
        base.as_str(),
        "--api-key-file",
        key_file.to_str().unwrap(),
    ];
    let run = |rest: &[&str]| {
        let mut args: Vec<&str> = common.to_vec();
        args.extend_from_slice(rest);
        seedance(&args)
    };

    let submitted = run(&["--json", "submit", &example("01-text-to-video.json")]);
    assert_eq!(submitted.code, 0, "{}", submitted.stderr);
    let v: serde_json::Value = serde_json::from_str(submitted.stdout.trim()).unwrap();
    let id = v["task_id"].as_str().unwrap().to_owned();

    let waited = run(&["--json", "wait", &id, "--timeout", "60s"]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    let task: serde_json::Value = serde_json::from_str(waited.stdout.trim()).unwrap();
    assert_eq!(task["status"], "completed");
    let url = task["video_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&server.media_url()),
        "media must come from the second origin"
    );

    let status = run(&["status", &id]);
    assert_eq!(status.code, 0);
    assert!(
        status.stdout.starts_with(&format!("{id}  completed")),
        "{}",
        status.stdout
    );

    let target = dir.path().join("video.mp4");
    let downloaded = run(&[
        "--json",
        "download",
        &url,
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(downloaded.code, 0, "{}", downloaded.stderr);
    assert_eq!(video_codec(&target), "h264");
    let bytes = std::fs::read(&target).unwrap();
    let printed: serde_json::Value = serde_json::from_str(downloaded.stdout.trim()).unwrap();
    assert_eq!(printed["bytes"], bytes.len() as u64);
    assert_eq!(
        printed["blake3"],
        seedance_tests::reference_digest(DigestAlgorithm::Blake3, &bytes),
        "BLAKE3 by default: {printed}"
    );
    // `--digest sha256` for those who compare with sha256sum.
    let again = dir.path().join("again.mp4");
    let sha = run(&[
        "download",
        &url,
        "--out",
        again.to_str().unwrap(),
        "--digest",
        "sha256",
    ]);
    assert_eq!(sha.code, 0, "{}", sha.stderr);
    assert!(
        sha.stdout.trim_end().ends_with(&format!(
            "sha256 {}",
            seedance_tests::reference_digest(DigestAlgorithm::Sha256, &bytes)
        )),
        "{}",
        sha.stdout
    );

    let generated = run(&[
        "generate",
        "--task",
        &id,
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    assert_eq!(
        server.simulator().stats().tasks_created,
        1,
        "resuming must not resubmit"
    );
    assert_eq!(server.simulator().stats().media_requests_with_auth, 0);
    drop(runtime);
}
