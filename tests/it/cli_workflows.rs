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

/// Every frame of `film` as RGB (via ffmpeg), with its width and height.
fn rgb_frames(film: &std::path::Path, width: usize, height: usize) -> Vec<Vec<u8>> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(film)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(width * height * 3)
        .map(<[u8]>::to_vec)
        .collect()
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

#[test]
fn the_readme_film_is_continuous_at_every_seam_and_moves_within_segments() {
    if !seedance_tests::ffmpeg_or_skip(
        "the_readme_film_is_continuous_at_every_seam_and_moves_within_segments",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plan = workspace_root().join("examples/plans/paper-boat.json");
    let out_dir = dir.path().join("film");
    let (code, _, err) = seedance(&[
        "--mock",
        "chain",
        plan.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--stitch",
    ]);
    assert_eq!(code, 0, "{err}");
    // The plan asks for 16:9 and 5, 5, 5 and 6 seconds; the simulator
    // renders 24 fps at 72 pixels on the short side.
    let seconds = [5usize, 5, 5, 6];
    for (k, s) in seconds.iter().enumerate() {
        let (codec, frames) =
            seedance_tests::mp4_video(&out_dir.join(format!("segment_{k:03}.mp4")));
        assert_eq!((codec.as_str(), frames), ("h264", (*s * 24) as u64));
    }
    let frames = rgb_frames(&out_dir.join("final.mp4"), 128, 72);
    assert_eq!(frames.len(), seconds.iter().sum::<usize>() * 24);
    let mut end = 0;
    for (k, s) in seconds.iter().enumerate() {
        let start = end;
        end += s * 24;
        // Within a segment the picture moves: its first and last frames
        // differ far more than two frames across a seam.
        let motion = psnr(&frames[start], &frames[end - 1]);
        assert!(motion < 28.0, "segment {k} does not move: {motion:.1} dB");
        if end < frames.len() {
            let seam = psnr(&frames[end - 1], &frames[end]);
            eprintln!("segment {k}: motion {motion:.1} dB, seam {seam:.1} dB");
            assert!(
                seam > 30.0,
                "seam after segment {k}: {seam:.1} dB between its last frame and the next first frame"
            );
        }
    }
}

#[test]
fn an_edited_plan_asks_first_then_keeps_takes_and_stitching_refuses_stale_links() {
    if !seedance_tests::ffmpeg_or_skip(
        "an_edited_plan_asks_first_then_keeps_takes_and_stitching_refuses_stale_links",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let write_plan = |second: &str| {
        std::fs::write(
            &plan,
            serde_json::json!({
                "defaults": {"model": "doubao-seedance-2.0-fast", "duration": 4, "resolution": "480p"},
                "segments": [{"prompt": "a boat"}, {"prompt": second}, {"prompt": "a harbour"}]
            })
            .to_string(),
        )
        .unwrap();
    };
    let out = dir.path().join("film");
    let (p, o) = (plan.to_str().unwrap(), out.to_str().unwrap());
    write_plan("a bridge");
    let (code, _, err) = seedance(&["--mock", "chain", p, "--out", o]);
    assert_eq!(code, 0, "{err}");

    // An edit: the rerun says what it would pay for, and stops.
    write_plan("a bridge at night");
    let (code, _, err) = seedance(&["--mock", "chain", p, "--out", o]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("segment 1 changed (prompt)"), "{err}");
    assert!(err.contains("segment 2 generated again"), "{err}");
    assert!(
        err.contains("8 s of video") && err.contains("estimated cost"),
        "{err}"
    );
    assert!(err.contains("--apply-changes"), "{err}");
    let (code, _, err) = seedance(&["--mock", "chain", p, "--out", o, "--apply-changes"]);
    assert_eq!(code, 0, "{err}");

    let (code, listed, err) = seedance(&["--json", "takes", o]);
    assert_eq!(code, 0, "{err}");
    let listed: serde_json::Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(listed["jobs"][1]["selected"], 2);
    assert_eq!(listed["jobs"][1]["takes"].as_array().unwrap().len(), 2);
    assert_eq!(listed["jobs"][0]["takes"].as_array().unwrap().len(), 1);

    // Back to the first take of segment 1: segment 2 now starts from a
    // frame that is not in the film.
    let (code, said, err) = seedance(&["select", o, "1", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(said.contains("take 1 selected"), "{said}");
    assert!(err.contains("stale: segment 2"), "{err}");
    let (code, _, err) = seedance(&["--mock", "chain", p, "--out", o, "--stitch"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("stale links") && err.contains("--accept-stale"),
        "{err}"
    );
    let (code, _, err) = seedance(&[
        "--mock",
        "chain",
        p,
        "--out",
        o,
        "--stitch",
        "--accept-stale",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("final.mp4").is_file());
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("final.mp4") && page.contains("segment_001/take_2.mp4"),
        "{page}"
    );
    assert!(page.contains("stale"), "the page flags the stale link");
}

#[test]
fn an_edited_jobs_file_is_refused_with_its_cost_until_the_changes_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("jobs.jsonl");
    let write_jobs = |second: &str| {
        let line = |prompt: &str, duration: u32| {
            serde_json::json!({"model": "doubao-seedance-2.0-fast", "prompt": prompt, "duration": duration, "resolution": "480p"})
                .to_string()
        };
        std::fs::write(
            &jobs,
            format!("{}\n{}\n", line("a kite", 4), line(second, 6)),
        )
        .unwrap();
    };
    let out = dir.path().join("out");
    let (j, o) = (jobs.to_str().unwrap(), out.to_str().unwrap());
    write_jobs("a lighthouse");
    let (code, _, err) = seedance(&["--mock", "batch", j, "--out", o]);
    assert_eq!(code, 0, "{err}");

    // Off a terminal nobody can be asked: the run stops before paying,
    // saying what it would generate and what that costs.
    write_jobs("a lighthouse in fog");
    let (code, _, err) = seedance(&["--mock", "batch", j, "--out", o]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("job 1 changed"), "{err}");
    assert!(
        err.contains("6 s of video") && err.contains("estimated cost"),
        "{err}"
    );
    assert!(err.contains("--apply-changes"), "{err}");
    let (code, _, err) = seedance(&["--mock", "batch", j, "--out", o, "--apply-changes"]);
    assert_eq!(code, 0, "{err}");
    let (code, listed, err) = seedance(&["--json", "takes", o]);
    assert_eq!(code, 0, "{err}");
    let listed: serde_json::Value = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(listed["jobs"][1]["takes"].as_array().unwrap().len(), 2);
    assert_eq!(listed["jobs"][0]["takes"].as_array().unwrap().len(), 1);
}

#[test]
fn status_of_an_output_directory_reads_the_run_without_a_key_and_flags_uncertain_submits() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("jobs.jsonl");
    let line = |prompt: &str| {
        serde_json::json!({"model": "doubao-seedance-2.0-fast", "prompt": prompt, "duration": 4, "resolution": "480p"})
            .to_string()
    };
    std::fs::write(&jobs, format!("{}\n{}\n", line("a kite"), line("a gull"))).unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let (code, _, err) = seedance(&["--mock", "batch", jobs.to_str().unwrap(), "--out", o]);
    assert_eq!(code, 0, "{err}");

    // No key, no --mock: nothing is sent.
    let (code, text, err) = seedance(&["status", o]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("2 job(s); downloaded 2"), "{text}");
    assert!(
        text.contains("job_0001.mp4") && text.contains("blake3 "),
        "{text}"
    );
    let (code, text, err) = seedance(&["--json", "status", o]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["kind"], "job");
    assert_eq!(v["counts"]["downloaded"], 2);
    assert_eq!(v["jobs"][1]["take"], 1);
    assert_eq!(v["jobs"][1]["task_may_exist"], false);

    // A run killed between recording a submit and its answer: the job is
    // flagged, with what to do.
    let chain = dir.path().join("chain");
    let manifest = serde_json::json!({
        "version": 1,
        "kind": "chain",
        "jobs": [{"index": 0, "fingerprint": "x", "state": "submitting", "submissions": 1}]
    });
    std::fs::create_dir_all(&chain).unwrap();
    std::fs::write(chain.join("manifest.json"), manifest.to_string()).unwrap();
    let (code, text, err) = seedance(&["status", chain.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("segment 0  submitting  (a task may exist)"),
        "{text}"
    );
    assert!(text.contains("--resubmit-uncertain"), "{text}");

    // A directory that holds no run says so.
    let (code, _, err) = seedance(&["status", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds no run"), "{err}");
}
