//! `seedance chain` and `seedance batch` on the in-process simulator.

use seedance_tests::{run_cli, workspace_root};

fn seedance(args: &[&str]) -> (i32, String, String) {
    let out = run_cli(args, "");
    (out.code, out.stdout, out.stderr)
}

#[test]
fn chain_mock_writes_segments_a_manifest_and_a_stitched_film() {
    if !seedance_tests::ffmpeg_or_skip("chain_mock_writes_segments_a_manifest_and_a_stitched_film")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"defaults":{"model":"doubao-seedance-2.0-fast","duration":4},"segments":[{"prompt":"a"},{"prompt":"b"}]}"#,
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let (code, out, err) = seedance(&[
        "--mock",
        "chain",
        plan.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--stitch",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].ends_with("segment_000.mp4") && lines[2].ends_with("final.mp4"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["jobs"][1]["state"], "downloaded");
}

#[test]
fn chain_with_an_invalid_plan_sends_nothing_and_names_the_segment() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"defaults":{"model":"doubao-seedance-2.0-fast"},"segments":[{"prompt":"a"},{"prompt":"b","resolution":"4k"}]}"#,
    )
    .unwrap();
    let (code, _, err) = seedance(&[
        "--mock",
        "chain",
        plan.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("segments[1].resolution"), "{err}");
    assert!(
        !dir.path().join("manifest.json").exists(),
        "a manifest was started for an invalid plan"
    );
}

#[test]
fn batch_mock_runs_every_line_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = workspace_root().join("examples/jobs/three-shots.jsonl");
    let (code, out, err) = seedance(&[
        "--mock",
        "--json",
        "batch",
        jobs.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
        "--concurrency",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["done"], serde_json::json!([0, 1, 2]));
    assert_eq!(v["failed"], serde_json::json!([]));
}
