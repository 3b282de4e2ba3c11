//! Request fields the live service treats differently from its page
//! (issue 22): `camera_fixed` is left out unless forced, with a warning
//! before paying; `webhook` is sent as given and checked.

use seedance_tests::run_cli;
use serde_json::Value;

fn dry_run(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--mock", "--json", "submit", "--dry-run"];
    all.extend_from_slice(args);
    let out = run_cli(&all, "");
    let v = serde_json::from_str(out.stdout.trim()).unwrap_or(Value::Null);
    (out.code, v, out.stderr)
}

fn sent_body(v: &Value) -> &Value {
    // The dry run shows the exact wire JSON of each request.
    &v["requests"][0]["body"]
}

#[test]
fn camera_fixed_is_left_out_with_a_warning_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.json");
    std::fs::write(
        &file,
        r#"{"model":"doubao-seedance-2.0","prompt":"a lighthouse at dusk","duration":5,"camera_fixed":true}"#,
    )
    .unwrap();
    let (code, v, _) = dry_run(&[file.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert!(sent_body(&v).get("camera_fixed").is_none(), "{v}");
    let warned = v["warnings"].to_string();
    assert!(warned.contains("camera_fixed_refused_upstream"), "{v}");
    assert!(warned.contains("left out"), "{v}");

    let (code, v, _) = dry_run(&[file.to_str().unwrap(), "--force-field", "camera_fixed"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(sent_body(&v)["camera_fixed"], true, "{v}");
    assert!(v["warnings"].to_string().contains("sent anyway"), "{v}");
}

#[test]
fn a_webhook_is_sent_and_checked() {
    let (code, v, _) = dry_run(&[
        "--model",
        "doubao-seedance-2.0-fast",
        "--prompt",
        "a kite",
        "--webhook",
        "https://hooks.example.com/seedance",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        sent_body(&v)["webhook"],
        "https://hooks.example.com/seedance",
        "{v}"
    );
    assert!(!v["warnings"].to_string().contains("webhook"), "{v}");
    // A local listener gets no push from the service: said before paying.
    let (code, v, _) = dry_run(&[
        "--model",
        "doubao-seedance-2.0-fast",
        "--prompt",
        "a kite",
        "--webhook",
        "http://127.0.0.1:8788/hook",
    ]);
    assert_eq!(code, 0, "{v}");
    assert!(
        v["warnings"].to_string().contains("webhook_not_reachable"),
        "{v}"
    );
    // Not a URL: refused, naming the field.
    let out = run_cli(
        &[
            "--mock",
            "submit",
            "--dry-run",
            "--model",
            "doubao-seedance-2.0-fast",
            "--prompt",
            "a kite",
            "--webhook",
            "ftp://x",
        ],
        "",
    );
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("webhook"), "{}", out.stderr);
}

#[test]
fn fit_frames_sizes_a_local_first_frame_to_the_output_pixels() {
    let image = seedance_tests::workspace_root().join("examples/images/gutter-stream.png");
    let args = [
        "--model",
        "doubao-seedance-2.0",
        "--prompt",
        "the stream rises",
        "--resolution",
        "480p",
        "--size",
        "16:9",
        "--first-frame",
        image.to_str().unwrap(),
    ];
    // Without the flag: the 640x360 file is what would be uploaded.
    let (code, v, _) = dry_run(&args);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["uploads"][0]["dimensions"],
        serde_json::json!([640, 360]),
        "{v}"
    );
    // With it: a PNG of exactly the 480p 16:9 output, 864x496.
    let mut fitted = args.to_vec();
    fitted.push("--fit-frames");
    let (code, v, stderr) = dry_run(&fitted);
    assert_eq!(code, 0, "{v} {stderr}");
    assert_eq!(
        v["uploads"][0]["dimensions"],
        serde_json::json!([864, 496]),
        "{v}"
    );
    // No fixed size: refused before anything, naming the field.
    let mut adaptive = fitted.clone();
    adaptive[7] = "adaptive";
    let (code, _, stderr) = dry_run(&adaptive);
    assert_ne!(code, 0);
    assert!(stderr.contains("needs a fixed output size"), "{stderr}");
}

#[test]
fn a_chain_says_before_paying_that_its_start_image_is_not_the_video_size() {
    let plan = seedance_tests::workspace_root().join("examples/plans/paper-boat.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("film");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--mock",
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--dry-run",
        ];
        args.extend_from_slice(extra);
        run_cli(&args, "")
    };
    let plain = run(&[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        plain.stderr.contains("640x360") && plain.stderr.contains("1280x720"),
        "{}",
        plain.stderr
    );
    // Fitted to the output, the start image has nothing to say.
    let fitted = run(&["--fit-frames"]);
    assert_eq!(fitted.code, 0, "{}", fitted.stderr);
    assert!(!fitted.stderr.contains("640x360 is"), "{}", fitted.stderr);
    assert!(
        !fitted.stderr.contains("the video jumps"),
        "{}",
        fitted.stderr
    );
}
