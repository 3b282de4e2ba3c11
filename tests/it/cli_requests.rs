//! The CLI's request handling as a person meets it: requests from flags,
//! local images, dry runs with cost, budgets, warnings before paying,
//! plan- and jobs-aware validation, schemas and completions.

use seedance_sim::SAMPLE_PNG;
use seedance_tests::{run_cli, workspace_root};

/// A 640x360 PNG: large enough for the service's 300 px minimum side.
fn photo(dir: &std::path::Path) -> String {
    let p = dir.join("photo.png");
    std::fs::copy(
        workspace_root().join("examples/images/gutter-stream.png"),
        &p,
    )
    .unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_local_image_the_service_would_refuse_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("thumb.png");
    std::fs::write(&small, SAMPLE_PNG).unwrap(); // 128x72
    let r = run_cli(
        &[
            "--mock",
            "submit",
            "--model",
            "doubao-seedance-2.0",
            "--prompt",
            "x",
            "--image",
            small.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("is 128x72; each side must be 300-6000 px"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_request_from_flags_with_a_local_image_is_uploaded_and_generated() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo(dir.path());
    let out = dir.path().join("out");
    let r = run_cli(
        &[
            "--mock",
            "--json",
            "generate",
            "--model",
            "doubao-seedance-2.0-fast",
            "--prompt",
            "the photo comes alive",
            "--first-frame",
            &photo,
            "--duration",
            "4",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert!(v["video"]["path"].as_str().unwrap().ends_with(".mp4"));
}

#[test]
fn flags_override_the_file_and_errors_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("req.json");
    std::fs::write(
        &file,
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":5}"#,
    )
    .unwrap();
    let r = run_cli(
        &[
            "--mock",
            "submit",
            file.to_str().unwrap(),
            "--duration",
            "20",
        ],
        "",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("duration (--duration): is 20"),
        "{}",
        r.stderr
    );
    let r = run_cli(
        &[
            "--mock",
            "--json",
            "submit",
            file.to_str().unwrap(),
            "--duration",
            "8",
            "--dry-run",
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["requests"][0]["body"]["duration"], 8);
    assert_eq!(v["requests"][0]["body"]["prompt"], "a kite");
    let local = run_cli(
        &[
            "--mock",
            "submit",
            "--model",
            "doubao-seedance-2.0",
            "--prompt",
            "x",
            "--video",
            "clip.mp4",
        ],
        "",
    );
    assert_eq!(local.code, 1);
    assert!(
        local.stderr.contains("no upload endpoint for video"),
        "{}",
        local.stderr
    );
}

#[test]
fn a_dry_run_prints_every_request_and_the_cost_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plan = workspace_root().join("examples/plans/day-to-night.json");
    let out = dir.path().join("out");
    let r = run_cli(
        &[
            "--mock",
            "--json",
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--dry-run",
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!out.exists(), "a dry run writes nothing");
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["requests"].as_array().unwrap().len(), 3);
    // Three 8 s segments of 2.0 at 1080p: 24 s x 0.3849 USD.
    let total = v["estimate"]["total"].as_f64().unwrap();
    assert!((total - 24.0 * 0.3849).abs() < 1e-9, "{total}");
    assert_eq!(v["estimate"]["observed"], "2026-10-12");
    // A budget below the estimate refuses to start, with the estimate.
    let r = run_cli(
        &[
            "--mock",
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--max-cost",
            "5",
        ],
        "",
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("9.2376 USD"), "{}", r.stderr);
    assert!(!out.exists());
    // A price table of one's own.
    let prices = dir.path().join("prices.json");
    std::fs::write(
        &prices,
        r#"{"source":"my contract","observed":"2026-11-01","currency":"EUR","per_second":{"doubao-seedance-2.0":{"*":0.1}}}"#,
    )
    .unwrap();
    let r = run_cli(
        &[
            "--mock",
            "--json",
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--dry-run",
            "--prices",
            prices.to_str().unwrap(),
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert!((v["estimate"]["total"].as_f64().unwrap() - 2.4).abs() < 1e-9);
    assert_eq!(v["estimate"]["currency"], "EUR");
}

#[test]
fn warnings_reach_the_person_who_pays() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("req.json");
    std::fs::write(
        &file,
        r#"{"model":"doubao-seedance-2.0-fast","prompt":"a kite","duration":5.0,"motion_strength":0.7}"#,
    )
    .unwrap();
    let r = run_cli(
        &[
            "--mock",
            "--json",
            "submit",
            file.to_str().unwrap(),
            "--dry-run",
        ],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    // 5.0 is sent as 5.
    assert_eq!(v["requests"][0]["body"]["duration"], serde_json::json!(5));
    let r = run_cli(&["--mock", "--json", "submit", file.to_str().unwrap()], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let codes: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"whole_number_as_decimal"), "{codes:?}");
    assert!(codes.len() >= 2, "{codes:?}");
    let r = run_cli(&["--mock", "submit", file.to_str().unwrap()], "");
    assert!(r.stderr.contains("warning: "), "{}", r.stderr);
}

#[test]
fn validate_recognises_plans_and_jobs_files() {
    let plan = workspace_root().join("examples/plans/paper-boat.json");
    let r = run_cli(&["validate", plan.to_str().unwrap()], "");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let jobs = workspace_root().join("examples/jobs/three-shots.jsonl");
    let r = run_cli(&["validate", jobs.to_str().unwrap()], "");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("plan.json");
    std::fs::write(
        &bad,
        r#"{"defaults":{"model":"doubao-seedance-2.0"},"segments":[{"prompt":"a"},{"prompt":"b","duration":30}]}"#,
    )
    .unwrap();
    let r = run_cli(&["validate", bad.to_str().unwrap()], "");
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("segments[1].duration"), "{}", r.stdout);
    let bad_jobs = dir.path().join("jobs.jsonl");
    std::fs::write(
        &bad_jobs,
        "{\"model\":\"doubao-seedance-2.0\",\"prompt\":\"a\"}\n{\"model\":\"doubao-seedance-2.0\",\"prompt\":\"b\",\"seed\":-5}\n",
    )
    .unwrap();
    let r = run_cli(&["validate", bad_jobs.to_str().unwrap()], "");
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("line 2: seed"), "{}", r.stdout);
    assert!(r.stdout.contains("-1"), "the range is named: {}", r.stdout);
}

#[test]
fn options_that_mean_nothing_are_refused_and_schemas_and_completions_print() {
    let r = run_cli(&["--base-url", "https://x", "validate", "-"], "{}");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--base-url means nothing"),
        "{}",
        r.stderr
    );
    let r = run_cli(&["--mock", "mock-server"], "");
    assert_eq!(r.code, 2);
    for kind in ["request", "plan", "job"] {
        let r = run_cli(&["schema", kind], "");
        assert_eq!(r.code, 0);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert!(v["properties"].is_object());
    }
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = run_cli(&["completions", shell], "");
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("seedance"), "{shell}");
    }
}

#[test]
fn stitch_needs_are_checked_before_anything_is_paid() {
    let dir = tempfile::tempdir().unwrap();
    let plan = workspace_root().join("examples/plans/paper-boat.json");
    let out = dir.path().join("out");
    let empty = dir.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let o = std::process::Command::new(crate::process::seedance_bin())
        .args([
            "--mock",
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--stitch",
        ])
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("stitching needs ffmpeg"), "{stderr}");
    assert!(stderr.contains("run without --stitch"), "{stderr}");
    assert!(
        !out.join("segment_000.mp4").exists(),
        "nothing was generated"
    );
}

#[test]
fn validate_probe_reads_image_urls_the_way_the_service_will() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (server, url) = runtime.block_on(async {
        let server = seedance_sim::SimServer::start_loopback(seedance_sim::Simulator::new(
            seedance_sim::SimConfig::instant(),
        ))
        .await
        .unwrap();
        let transport = seedance_transport::ReqwestTransport::builder()
            .base_url(server.api_url())
            .api_key(seedance_transport::ApiKey::new("sk-simulator").unwrap())
            .build()
            .unwrap();
        let client = seedance_transport::Client::new(transport);
        let up = client.upload_image(SAMPLE_PNG, "thumb.png").await.unwrap();
        (server, up.url)
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("req.json");
    std::fs::write(
        &file,
        serde_json::json!({"model": "doubao-seedance-2.0", "prompt": "p", "image_urls": [url]})
            .to_string(),
    )
    .unwrap();
    // Without --probe the URL is taken on trust; with it, its 128x72 pixels are seen.
    assert_eq!(run_cli(&["validate", file.to_str().unwrap()], "").code, 0);
    let r = run_cli(&["validate", "--probe", file.to_str().unwrap()], "");
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("image_urls[0]: is 128x72"),
        "{}",
        r.stdout
    );
    drop(server);
}

#[test]
fn the_calibration_cache_is_written_unless_turned_off() {
    // Tasks of a few whole seconds: instant ones teach nothing (0 s taken).
    let server = crate::process::MockServer::start_with(&[]);
    let dir = tempfile::tempdir().unwrap();
    let request = workspace_root().join("examples/requests/01-text-to-video.json");
    let run = |extra: &[&str], cache: &std::path::Path| {
        std::process::Command::new(crate::process::seedance_bin())
            .args(extra)
            .args([
                "generate",
                request.to_str().unwrap(),
                "--out",
                dir.path().join("out").to_str().unwrap(),
            ])
            .env("APIMART_BASE_URL", &server.api_url)
            .env("APIMART_API_KEY", &server.key)
            .env("SEEDANCE_CACHE_DIR", cache)
            .env_remove("SEEDANCE_NO_CALIBRATION")
            .output()
            .unwrap()
    };
    let on = dir.path().join("cache-on");
    let o = run(&[], &on);
    assert!(o.status.success(), "{o:?}");
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(on.join("calibration.json")).unwrap()).unwrap();
    assert!(
        cached["ratios"]["doubao-seedance-2.0"].is_array(),
        "{cached}"
    );
    let off = dir.path().join("cache-off");
    let o = run(&["--no-calibration"], &off);
    assert!(o.status.success(), "{o:?}");
    assert!(!off.join("calibration.json").exists());
}
