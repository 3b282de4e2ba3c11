//! `seedance validate`: exit codes and output, snapshot-tested in process.

use seedance_tests::{CliOutput, fixture, run_cli, scenario_files};

fn validate(args: &[&str], stdin: &str) -> CliOutput {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    run_cli(&all, stdin)
}

const INVALID: &str = r#"{
  "model": "doubao-seedance-2.0-mini",
  "duration": 20,
  "resolution": "4k",
  "image_with_roles": [
    {"url": "asset://hero", "role": "last_frame"}
  ],
  "audio_urls": ["https://example.com/a.mp3"],
  "aspect_ratio": "16:9"
}"#;

#[test]
fn scenarios_are_valid_with_exit_0() {
    for path in scenario_files() {
        let out = validate(&[path.to_str().unwrap()], "");
        assert_eq!(out.code, 0, "{}: {}", path.display(), out.stdout);
        assert_eq!(out.stdout, "", "one line per violation, and there are none");
        assert_eq!(out.stderr, "valid\n");
    }
}

#[test]
fn invalid_request_human_output() {
    let out = validate(&["-"], INVALID);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout.lines().count(),
        6,
        "one line per violation (6 errors: aspect_ratio is a known wrong name)"
    );
    assert_eq!(out.stderr, "invalid: 6 errors\n");
    insta::assert_snapshot!("validate_invalid_human", out.stdout);
}

#[test]
fn invalid_request_json_output_is_one_object() {
    let out = validate_json(INVALID);
    assert_eq!(out.code, 1);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["valid"], false);
    insta::assert_json_snapshot!("validate_invalid_json", value);
}

#[test]
fn non_object_body_is_invalid_with_empty_path() {
    let out = validate_json("[1, 2]");
    assert_eq!(out.code, 1);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["errors"][0]["path"], "");
    assert_eq!(value["errors"][0]["code"], "not_an_object");
}

#[test]
fn warnings_keep_exit_0() {
    let out = validate(
        &["-"],
        r#"{"model":"doubao-seedance-2.0","prompt":"p","size":"adaptive"}"#,
    );
    assert_eq!(out.code, 0);
    assert_eq!(out.stderr, "valid (1 warning)\n");
    insta::assert_snapshot!("validate_warning_human", out.stdout);
}

#[test]
fn unreadable_input_exits_2() {
    let out = validate(&["-"], "{not json");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("is not valid JSON"), "{}", out.stderr);
    let missing = fixture("does-not-exist.json");
    let out = validate(&[missing.to_str().unwrap()], "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot read"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn print_writes_the_normalized_wire_json() {
    let out = validate(
        &["--print", "-"],
        r#"{"prompt":"p","image_urls":[],"model":"doubao-seedance-2.0","seed":null,"duration":6}"#,
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "{\n  \"model\": \"doubao-seedance-2.0\",\n  \"prompt\": \"p\",\n  \"duration\": 6\n}\n"
    );
}

/// `seedance --json validate -` (`--json` is a global option).
fn validate_json(stdin: &str) -> CliOutput {
    run_cli(&["--json", "validate", "-"], stdin)
}
