//! `seedance mcp` over its standard input and output, line-delimited
//! JSON-RPC as any MCP client speaks it. The official Python SDK drives it
//! too (`tests/python/test_mcp.py`, run by `.ci/run`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::process::seedance_bin;

/// A server on `root`; sends `calls` (after the handshake) and returns
/// the response to each, by id.
fn exchange(root: &std::path::Path, extra: &[&str], calls: &[(&str, Value)]) -> Vec<Value> {
    let mut child = Command::new(seedance_bin())
        .args(["--mock", "mcp", "--out-root"])
        .arg(root)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("seedance mcp");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let send = |stdin: &mut std::process::ChildStdin, v: Value| writeln!(stdin, "{v}").unwrap();
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "it", "version": "1"}}}),
    );
    let init: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(init["result"]["serverInfo"]["name"], "seedance", "{init}");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    let mut answers = Vec::new();
    for (k, (method, params)) in calls.iter().enumerate() {
        send(
            &mut stdin,
            json!({"jsonrpc": "2.0", "id": k + 1, "method": method, "params": params}),
        );
        loop {
            let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            if v["id"] == json!(k + 1) {
                answers.push(v);
                break;
            }
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    answers
}

fn tool(name: &str, arguments: Value) -> (&'static str, Value) {
    ("tools/call", json!({"name": name, "arguments": arguments}))
}

#[test]
fn tools_validate_and_refuse_paying_without_a_budget() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let answers = exchange(
        &root,
        &[],
        &[
            ("tools/list", json!({})),
            tool(
                "validate",
                json!({"request": {"model": "doubao-seedance-2.0-mini", "prompt": "x", "duration": 20, "resolution": "4k"}}),
            ),
            tool(
                "generate",
                json!({"request": {"model": "doubao-seedance-2.0", "prompt": "x"}}),
            ),
            tool(
                "chain",
                json!({"plan": {"segments": [{"model": "doubao-seedance-2.0", "prompt": "x"}]}, "out": "../x"}),
            ),
        ],
    );
    let names: Vec<&str> = answers[0]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "validate",
            "estimate_cost",
            "generate",
            "status",
            "wait",
            "download",
            "chain",
            "batch",
            "balance",
            "takes",
            "select"
        ]
    );
    let validated = &answers[1]["result"]["structuredContent"];
    assert_eq!(validated["valid"], false);
    let paths: Vec<&str> = validated["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["duration", "resolution"], "{validated}");
    let refused = &answers[2]["result"];
    assert_eq!(refused["isError"], true);
    assert!(
        refused["structuredContent"]["error"]
            .as_str()
            .unwrap()
            .starts_with("max_cost: required"),
        "{refused}"
    );
    let escaped = &answers[3]["result"];
    assert_eq!(escaped["isError"], true);
    assert!(!dir.path().join("x").exists());
    // Nothing was submitted: the simulator's state under the root is empty.
    assert!(!root.join("generate").exists());
}

#[test]
fn a_chain_is_a_dry_run_until_its_estimate_is_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let plan = json!({
        "defaults": {"model": "doubao-seedance-2.0", "resolution": "480p", "duration": 4},
        "segments": [{"prompt": "A paper boat"}, {"prompt": "A waterfall"}]
    });
    let answers = exchange(
        &root,
        &["--max-cost", "1"],
        &[
            tool("chain", json!({"plan": plan, "out": "film"})),
            tool(
                "chain",
                json!({"plan": plan, "out": "film", "confirm_cost": 0.5}),
            ),
            tool(
                "chain",
                json!({"plan": plan, "out": "film", "confirm_cost": 0.528}),
            ),
        ],
    );
    let dry = &answers[0]["result"]["structuredContent"];
    assert_eq!(dry["dry_run"], true, "{dry}");
    assert_eq!(dry["estimate"]["total"], 0.528);
    assert_eq!(answers[1]["result"]["isError"], true);
    let run = &answers[2]["result"];
    assert_eq!(run["isError"], false, "{run}");
    let segments = run["structuredContent"]["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 2);
    for s in segments {
        let video = std::path::Path::new(s["video"].as_str().unwrap());
        assert!(video.is_file() && video.starts_with(root.canonicalize().unwrap()));
    }
}
