//! The CLI with `--provider ark` / `byteplus` on the built-in simulator's
//! Ark face: the README's run command, list and cancel, per-provider
//! validation and token cost before paying.

use seedance_tests::{run_cli, workspace_root};

fn seedance(args: &[&str]) -> (i32, String, String) {
    let out = run_cli(args, "");
    (out.code, out.stdout, out.stderr)
}

#[test]
fn the_readme_run_command_works_on_ark_with_the_last_frames_linked() {
    let dir = tempfile::tempdir().unwrap();
    let plan = workspace_root().join("examples/plans/paper-boat.json");
    let out = dir.path().join("paper-boat");
    let (code, stdout, stderr) = seedance(&[
        "--provider",
        "ark",
        "--mock",
        "chain",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    for k in 0..4 {
        let video = out.join(format!("segment_{k:03}.mp4"));
        assert!(stdout.contains(video.to_str().unwrap()), "{stdout}");
        let (codec, frames) = seedance_tests::mp4_video(&video);
        assert_eq!(codec, "h264");
        assert!(frames > 0);
    }
    assert!(out.join("index.html").exists());
    // Billed from the tasks' usage tokens, in Volcengine's currency.
    assert!(stderr.contains("billed: "), "{stderr}");
    assert!(stderr.contains("CNY, from usage tokens"), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let jobs = manifest["jobs"].as_array().unwrap();
    assert!(jobs[0]["task_id"].as_str().unwrap().starts_with("cgt-"));
    // The local start image went inline (Ark has no upload endpoint).
    let start = jobs[0]["request"]["image_urls"][0].as_str().unwrap();
    assert!(
        start.contains(seedance_transport::client::INLINE_HOST),
        "{start}"
    );
    for k in 1..4 {
        assert_eq!(
            jobs[k]["request"]["image_urls"][0],
            jobs[k - 1]["last_frame_url"],
            "segment {k} starts from segment {}'s last frame",
            k - 1
        );
        assert!(jobs[k]["cost"].as_f64().unwrap() > 0.0);
        assert_eq!(
            jobs[k]["currency"], "CNY",
            "each cost is recorded with its currency"
        );
    }
    // Read back without --provider (apimart by default), the run still
    // says what its costs are in: the manifest records it.
    let (code, status, err) = seedance(&["status", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(status.contains("in CNY, from usage tokens"), "{status}");
}

#[test]
fn list_and_cancel_on_the_ark_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state = state.to_str().unwrap();
    let request = workspace_root().join("examples/requests/01-text-to-video.json");
    let ark = |args: &[&str]| {
        let mut all = vec!["--provider", "ark", "--mock", "--mock-state", state];
        all.extend_from_slice(args);
        seedance(&all)
    };
    let (code, id, err) = ark(&["submit", request.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let id = id.trim().to_owned();
    assert!(id.starts_with("cgt-"), "{id}");
    let (code, listed, err) = ark(&["--json", "list"]);
    assert_eq!(code, 0, "{err}");
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["tasks"][0]["id"], id.as_str());
    let (code, text, err) = ark(&["list", "--status", "queued"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&id) || text.contains("0 of 0"), "{text}");
    // Queued at first (the simulator queues up to half a second): cancel
    // succeeds then, and refuses once it runs, naming why.
    let (code, out, err) = ark(&["cancel", &id]);
    if code == 0 {
        assert!(out.contains("cancelled"), "{out}");
        let (_, status, _) = ark(&["--json", "status", &id]);
        let status: serde_json::Value = serde_json::from_str(&status).unwrap();
        assert_eq!(status["status"], "cancelled");
        let (code, _, err) = ark(&["cancel", &id]);
        assert_eq!(code, 1);
        assert!(err.contains("already cancelled"), "{err}");
    } else {
        assert!(err.contains("running") || err.contains("ended"), "{err}");
    }
    let (code, _, err) = ark(&["list", "--page-size", "501"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("page_size"), "{err}");
    let (code, _, err) = seedance(&["--mock", "cancel", "task_1"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("apimart does not offer cancelling tasks"),
        "{err}"
    );
    let (code, _, err) = seedance(&["--mock", "list"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("apimart does not offer listing tasks"),
        "{err}"
    );
}

#[test]
fn the_rules_and_the_cost_follow_the_provider_before_paying() {
    let dir = tempfile::tempdir().unwrap();
    let face = dir.path().join("face.json");
    std::fs::write(
        &face,
        r#"{"model":"doubao-seedance-2.0-face","prompt":"a portrait comes alive","duration":5}"#,
    )
    .unwrap();
    let face = face.to_str().unwrap();
    let (code, _, _) = seedance(&["validate", face]);
    assert_eq!(code, 0, "apimart serves -face");
    let (code, out, err) = seedance(&["--provider", "byteplus", "validate", face]);
    assert_eq!(code, 1);
    assert!(format!("{out}{err}").contains("BytePlus"), "{out}{err}");
    let (code, _, err) = seedance(&["--provider", "ark", "--mock", "submit", face]);
    assert_eq!(code, 1);
    assert!(err.contains("Volcengine Ark"), "{err}");

    let request = workspace_root().join("examples/requests/01-text-to-video.json");
    let request = request.to_str().unwrap();
    let (code, out, err) = seedance(&[
        "--provider",
        "ark",
        "--mock",
        "--json",
        "submit",
        request,
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    let dry: serde_json::Value = serde_json::from_str(&out).unwrap();
    let body = &dry["requests"][0]["body"];
    assert!(body["content"].is_array(), "Ark's body is shown: {body}");
    assert_eq!(dry["estimate"]["currency"], "CNY");
    assert!(dry["estimate"]["total"].as_f64().unwrap() > 0.0);
    let (code, _, err) = seedance(&[
        "--provider",
        "ark",
        "--mock",
        "submit",
        request,
        "--max-cost",
        "0.01",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("above --max-cost"), "{err}");
    let (code, _, err) = seedance(&[
        "--provider",
        "ark",
        "--mock",
        "upload",
        workspace_root()
            .join("examples/images/gutter-stream.png")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("does not offer an upload endpoint"), "{err}");
}

/// The built-in token table of `provider` with every price times `factor`,
/// written to `path`.
fn scaled_table(
    provider: seedance_core::provider::ProviderKind,
    factor: f64,
    path: &std::path::Path,
) {
    let mut table = seedance_core::provider::ark::TokenPriceTable::builtin(provider).unwrap();
    for by_res in table.per_million.values_mut() {
        for p in by_res.values_mut() {
            p.without_video *= factor;
            p.with_video = p.with_video.map(|v| v * factor);
        }
    }
    std::fs::write(path, serde_json::to_vec(&table).unwrap()).unwrap();
}

#[test]
fn a_prices_file_prices_the_bill_as_well_as_the_estimate_and_must_be_for_the_provider() {
    use seedance_core::provider::ProviderKind;
    let dir = tempfile::tempdir().unwrap();
    let request = workspace_root().join("examples/requests/01-text-to-video.json");
    let request = request.to_str().unwrap();
    let tenfold = dir.path().join("ark-x10.json");
    scaled_table(ProviderKind::Ark, 10.0, &tenfold);
    let generate = |out: &str, prices: Option<&std::path::Path>| {
        let out = dir.path().join(out);
        let mut args = vec![
            "--provider".to_owned(),
            "ark".to_owned(),
            "--mock".to_owned(),
            "--json".to_owned(),
            "generate".to_owned(),
            request.to_owned(),
            "--out".to_owned(),
            out.display().to_string(),
        ];
        if let Some(p) = prices {
            args.extend(["--prices".to_owned(), p.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = seedance(&args);
        assert_eq!(code, 0, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        (
            v["estimate"].as_f64().unwrap(),
            v["task"]["billed"].as_f64().unwrap(),
        )
    };
    let (estimate, billed) = generate("builtin", None);
    let (estimate_x10, billed_x10) = generate("tenfold", Some(&tenfold));
    assert!(billed > 0.0);
    assert!(
        (estimate_x10 / estimate - 10.0).abs() < 1e-6,
        "{estimate} -> {estimate_x10}"
    );
    assert!(
        (billed_x10 / billed - 10.0).abs() < 1e-6,
        "what the task cost follows the file too: {billed} -> {billed_x10}"
    );

    // A BytePlus table (USD) under Volcengine Ark (CNY) would hold
    // --max-cost in the wrong currency: refused before anything is sent.
    let byteplus = dir.path().join("byteplus.json");
    scaled_table(ProviderKind::BytePlus, 1.0, &byteplus);
    let (code, _, err) = seedance(&[
        "--provider",
        "ark",
        "--mock",
        "submit",
        request,
        "--prices",
        byteplus.to_str().unwrap(),
        "--max-cost",
        "100",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("BytePlus ModelArk"), "{err}");
    assert!(err.contains("Volcengine Ark"), "{err}");
}

#[test]
fn a_base_url_on_another_providers_host_is_refused_before_any_request() {
    // Nothing listens there from this sandbox: a refusal that names both
    // platforms (exit 2) shows no request was tried.
    let (code, _, err) = seedance(&[
        "--provider",
        "byteplus",
        "--base-url",
        "https://ark.cn-beijing.volces.com/api/v3",
        "status",
        "cgt-20261205000000-abcde",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Volcengine Ark's host"), "{err}");
    assert!(err.contains("BytePlus ModelArk"), "{err}");
}
