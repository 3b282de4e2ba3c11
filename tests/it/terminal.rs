//! The CLI as a person uses it: the release-style binary on a pseudo-terminal,
//! progress bars drawn, Ctrl-C typed. Off a terminal the same commands once
//! finished while on one they hung (the main thread held the stderr lock the
//! bar's drawing thread needed), so every long-running command is run here
//! on a pty, under `NO_COLOR`, `TERM=dumb` and a 40-column window too.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::process::{MockServer, seedance_bin};

/// A `seedance` process on its own pseudo-terminal.
struct Terminal {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<Vec<u8>>>,
    /// Set by the reader thread when the terminal reports end of output
    /// (every process on it has exited and its output was read).
    drained: Arc<std::sync::atomic::AtomicBool>,
    // Kept open so the child's terminal stays alive until it exits.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16) -> Terminal {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(seedance_bin());
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.cwd(seedance_tests::workspace_root());
        let child = pair.slave.spawn_command(cmd).expect("spawn on pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let screen = Arc::new(Mutex::new(Vec::new()));
        let sink = screen.clone();
        let drained = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = drained.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        Terminal {
            child,
            writer,
            screen,
            drained,
            _master: pair.master,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until the screen shows `needle`.
    fn wait_for(&mut self, needle: &str, limit: Duration) {
        let start = Instant::now();
        while !self.text().contains(needle) {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "exited ({status:?}) before showing {needle:?}:\n{}",
                    self.text()
                );
            }
            assert!(
                start.elapsed() < limit,
                "no {needle:?} on screen after {limit:?}:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `line` and Enter.
    fn type_line(&mut self, line: &str) {
        self.writer.write_all(line.as_bytes()).unwrap();
        self.writer.write_all(b"\r").unwrap();
        self.writer.flush().unwrap();
    }

    fn ctrl_c(&mut self) {
        self.writer.write_all(&[3]).unwrap();
        self.writer.flush().unwrap();
    }

    /// The exit code, or a panic (after killing it) if it outlives `limit`.
    fn exit_code(&mut self, limit: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last output: until the
                // terminal says there is no more (on a loaded machine a
                // fixed pause lost the last lines), or 5 s.
                let exited = Instant::now();
                while !self.drained.load(std::sync::atomic::Ordering::SeqCst)
                    && exited.elapsed() < Duration::from_secs(5)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                std::thread::sleep(Duration::from_millis(50));
                return status.exit_code();
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("still running after {limit:?} (hung?):\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn request_file(dir: &Path) -> String {
    let path = dir.join("req.json");
    std::fs::write(
        &path,
        r#"{"model":"doubao-seedance-2.0-fast","prompt":"a red kite over a beach","duration":5,"return_last_frame":true}"#,
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

/// Whether the output shows a progress bar being drawn and redrawn.
fn drew_a_bar(screen: &str) -> bool {
    screen.contains("%") && screen.contains('[') && screen.contains("\u{1b}[")
}

fn generate_on_terminal(env: &[(&str, &str)], cols: u16) -> String {
    let dir = tempfile::tempdir().unwrap();
    let req = request_file(dir.path());
    let out = dir.path().join("out");
    let mut t = Terminal::spawn(
        &["--mock", "generate", &req, "--out", out.to_str().unwrap()],
        env,
        cols,
    );
    let code = t.exit_code(Duration::from_secs(60));
    let screen = t.text();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains(".mp4"), "prints the video path:\n{screen}");
    let videos = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".mp4")
        })
        .count();
    assert_eq!(videos, 1);
    screen
}

#[test]
fn generate_finishes_on_a_terminal_with_a_drawn_bar() {
    for provider in ["apimart", "ark", "byteplus"] {
        let screen = generate_on_terminal(&[("SEEDANCE_PROVIDER", provider)], 100);
        assert!(drew_a_bar(&screen), "{provider}: no bar drawn:\n{screen}");
    }
}

#[test]
fn generate_finishes_with_no_color_dumb_terminal_and_40_columns() {
    let screen = generate_on_terminal(&[("NO_COLOR", "1")], 100);
    assert!(drew_a_bar(&screen), "{screen}");
    // A dumb terminal gets plain lines, never cursor movement.
    let screen = generate_on_terminal(&[("TERM", "dumb")], 100);
    assert!(
        !screen.contains("\u{1b}[2K"),
        "redraws on TERM=dumb:\n{screen}"
    );
    assert!(screen.contains("completed"), "{screen}");
    // A narrow window: no drawn line is wider than the window.
    let screen = generate_on_terminal(&[], 40);
    assert!(drew_a_bar(&screen), "{screen}");
    for frame in screen.split(['\r', '\n']).filter(|f| f.contains('%')) {
        let visible: String = strip_escapes(frame);
        assert!(
            visible.chars().count() <= 40,
            "line wider than 40 columns: {visible:?}"
        );
    }
}

/// The text of a line without escape sequences.
fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn every_long_running_command_finishes_on_a_terminal() {
    let server = MockServer::start_with(&[]);
    let env = [
        ("APIMART_BASE_URL", server.api_url.as_str()),
        ("APIMART_API_KEY", server.key.as_str()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let req = request_file(dir.path());
    // submit, then wait, then generate --task, then download its video.
    let mut t = Terminal::spawn(&["--json", "submit", &req], &env, 100);
    assert_eq!(t.exit_code(Duration::from_secs(30)), 0, "{}", t.text());
    let submitted = json_line(&t.text());
    let id = submitted["task_id"].as_str().unwrap().to_owned();
    let mut t = Terminal::spawn(&["wait", &id, "--timeout", "60s"], &env, 100);
    assert_eq!(t.exit_code(Duration::from_secs(60)), 0, "{}", t.text());
    assert!(drew_a_bar(&t.text()), "{}", t.text());
    let out = dir.path().join("gen");
    let mut t = Terminal::spawn(
        &[
            "--json",
            "generate",
            "--task",
            &id,
            "--out",
            out.to_str().unwrap(),
        ],
        &env,
        100,
    );
    assert_eq!(t.exit_code(Duration::from_secs(60)), 0, "{}", t.text());
    let generated = json_line(&t.text());
    let url = generated["task"]["video_url"].as_str().unwrap().to_owned();
    let copy = dir.path().join("copy.mp4");
    let mut t = Terminal::spawn(
        &["download", &url, "--out", copy.to_str().unwrap()],
        &env,
        100,
    );
    assert_eq!(t.exit_code(Duration::from_secs(30)), 0, "{}", t.text());
    assert!(copy.exists());

    // chain and batch, with their multi-bar display.
    let plan = seedance_tests::workspace_root().join("examples/plans/paper-boat.json");
    let chain_out = dir.path().join("chain");
    let mut t = Terminal::spawn(
        &[
            "chain",
            plan.to_str().unwrap(),
            "--out",
            chain_out.to_str().unwrap(),
        ],
        &env,
        100,
    );
    assert_eq!(t.exit_code(Duration::from_secs(120)), 0, "{}", t.text());
    assert!(drew_a_bar(&t.text()), "{}", t.text());
    let jobs = seedance_tests::workspace_root().join("examples/jobs/three-shots.jsonl");
    let batch_out = dir.path().join("batch");
    let mut t = Terminal::spawn(
        &[
            "batch",
            jobs.to_str().unwrap(),
            "--out",
            batch_out.to_str().unwrap(),
        ],
        &env,
        100,
    );
    assert_eq!(t.exit_code(Duration::from_secs(120)), 0, "{}", t.text());
}

/// The JSON document printed on stdout (the pty mixes in stderr's redraws).
fn json_line(screen: &str) -> serde_json::Value {
    let line = screen
        .lines()
        .find_map(|l| l.find("{\"").map(|i| &l[i..]))
        .unwrap_or_else(|| panic!("no JSON on screen:\n{screen}"));
    serde_json::from_str(line.trim_end()).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// Submits a slow task on a realistic server and returns its id.
fn slow_task(server: &MockServer, dir: &Path) -> String {
    let req = request_file(dir);
    let out = std::process::Command::new(seedance_bin())
        .args(["submit", &req])
        .env("APIMART_BASE_URL", &server.api_url)
        .env("APIMART_API_KEY", &server.key)
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(id.starts_with("task_"), "{out:?}");
    id
}

#[test]
fn ctrl_c_while_waiting_or_generating_exits_130_within_2_s_with_the_resume_command() {
    let server = MockServer::start_with(&["--realistic"]);
    let env = [
        ("APIMART_BASE_URL", server.api_url.as_str()),
        ("APIMART_API_KEY", server.key.as_str()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let id = slow_task(&server, dir.path());
    let mut t = Terminal::spawn(&["wait", &id, "--timeout", "1h"], &env, 100);
    t.wait_for("%", Duration::from_secs(20));
    t.ctrl_c();
    let pressed = Instant::now();
    assert_eq!(t.exit_code(Duration::from_secs(10)), 130, "{}", t.text());
    assert!(
        pressed.elapsed() < Duration::from_secs(2),
        "{:?}",
        pressed.elapsed()
    );
    let text = t.text();
    assert!(text.contains(&format!("seedance wait {id}")), "{text}");

    // generate from a request file: Ctrl-C while it waits.
    let req = request_file(dir.path());
    let out = dir.path().join("out");
    let mut t = Terminal::spawn(
        &[
            "generate",
            &req,
            "--out",
            out.to_str().unwrap(),
            "--timeout",
            "1h",
        ],
        &env,
        100,
    );
    t.wait_for("submitted task_", Duration::from_secs(20));
    t.wait_for("%", Duration::from_secs(20));
    t.ctrl_c();
    let pressed = Instant::now();
    assert_eq!(t.exit_code(Duration::from_secs(10)), 130, "{}", t.text());
    assert!(
        pressed.elapsed() < Duration::from_secs(2),
        "{:?}",
        pressed.elapsed()
    );
    let text = t.text();
    let task = text
        .split_whitespace()
        .find(|w| w.starts_with("task_") && !w.contains(&id))
        .expect("the new task id is shown")
        .to_owned();
    assert!(
        text.contains(&format!("seedance generate --task {task}")),
        "{text}"
    );
}

#[test]
fn ctrl_c_during_a_chain_and_a_batch_leaves_a_resumable_manifest() {
    let server = MockServer::start_with(&["--realistic"]);
    let env = [
        ("APIMART_BASE_URL", server.api_url.as_str()),
        ("APIMART_API_KEY", server.key.as_str()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let plan = seedance_tests::workspace_root().join("examples/plans/paper-boat.json");
    let jobs = seedance_tests::workspace_root().join("examples/jobs/three-shots.jsonl");
    for (cmd, input) in [("chain", &plan), ("batch", &jobs)] {
        let out = dir.path().join(cmd);
        let mut t = Terminal::spawn(
            &[cmd, input.to_str().unwrap(), "--out", out.to_str().unwrap()],
            &env,
            100,
        );
        t.wait_for("submitted task_", Duration::from_secs(30));
        t.ctrl_c();
        let pressed = Instant::now();
        assert_eq!(t.exit_code(Duration::from_secs(30)), 130, "{}", t.text());
        assert!(
            pressed.elapsed() < Duration::from_secs(5),
            "{:?}",
            pressed.elapsed()
        );
        assert!(t.text().contains("rerun"), "{}", t.text());
        let manifest: seedance_workflows::Manifest =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let sent: Vec<_> = manifest
            .jobs
            .iter()
            .filter(|j| j.state != seedance_workflows::JobState::Planned)
            .collect();
        assert!(!sent.is_empty());
        for job in sent {
            assert!(
                job.task_id.is_some(),
                "{cmd}: job {} was left without its task id: {job:?}",
                job.index
            );
        }
    }
}

#[test]
fn ctrl_c_during_an_ark_chain_or_batch_offers_to_cancel_the_queued_tasks() {
    // Tasks queue for ten minutes: whatever was submitted is still queued.
    let server = MockServer::start_with(&["--realistic", "--queue", "600"]);
    let base = format!("{}/api/v3", server.api_url);
    let env = [
        ("SEEDANCE_PROVIDER", "ark"),
        ("ARK_BASE_URL", base.as_str()),
        ("ARK_API_KEY", server.key.as_str()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let plan = seedance_tests::workspace_root().join("examples/plans/paper-boat.json");
    let jobs = seedance_tests::workspace_root().join("examples/jobs/three-shots.jsonl");
    for (cmd, input) in [("chain", &plan), ("batch", &jobs)] {
        let out = dir.path().join(cmd);
        let mut t = Terminal::spawn(
            &[cmd, input.to_str().unwrap(), "--out", out.to_str().unwrap()],
            &env,
            100,
        );
        t.wait_for("submitted cgt-", Duration::from_secs(30));
        t.ctrl_c();
        t.wait_for("[y/N]", Duration::from_secs(10));
        assert!(
            t.text().contains("still queued on Volcengine Ark"),
            "{}",
            t.text()
        );
        t.type_line("y");
        assert_eq!(t.exit_code(Duration::from_secs(30)), 130, "{}", t.text());
        let screen = t.text();
        assert!(screen.contains("cancelled"), "{screen}");
        assert!(screen.contains("rerun"), "{screen}");
        let manifest: seedance_workflows::Manifest =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let ids: Vec<_> = manifest
            .jobs
            .iter()
            .filter_map(|j| j.task_id.clone())
            .collect();
        assert!(!ids.is_empty());
        for id in ids {
            let status = std::process::Command::new(seedance_bin())
                .args(["--json", "status", &id])
                .envs(env)
                .output()
                .unwrap();
            let task: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
            assert_eq!(task["status"], "cancelled", "{cmd}: {task}");
        }
    }
}

#[test]
fn ctrl_c_during_a_mock_chain_then_a_rerun_finishes_without_paying_twice() {
    let dir = tempfile::tempdir().unwrap();
    let plan = seedance_tests::workspace_root().join("examples/plans/paper-boat.json");
    let out = dir.path().join("film");
    let args = [
        "--mock",
        "chain",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let mut t = Terminal::spawn(&args, &[], 100);
    t.wait_for("submitted task_", Duration::from_secs(30));
    t.ctrl_c();
    assert_eq!(t.exit_code(Duration::from_secs(30)), 130, "{}", t.text());
    assert!(t.text().contains("rerun"), "{}", t.text());
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let before = read(&out.join("manifest.json"));
    let first_task = before["jobs"][0]["task_id"].as_str().unwrap().to_owned();

    // The rerun finds the task the first run paid for in the simulator's
    // state kept under --out, and finishes the film.
    let mut t = Terminal::spawn(&args, &[], 100);
    assert_eq!(t.exit_code(Duration::from_secs(120)), 0, "{}", t.text());
    let after = read(&out.join("manifest.json"));
    assert_eq!(after["jobs"][0]["task_id"], first_task.as_str());
    let state = read(&out.join(".seedance-mock/state.json"));
    assert_eq!(state["stats"]["tasks_created"], 4, "{state}");
    for k in 0..4 {
        assert!(out.join(format!("segment_{k:03}.mp4")).exists());
    }
}

#[test]
fn an_edited_chain_or_batch_asks_at_the_terminal_before_paying() {
    let dir = tempfile::tempdir().unwrap();
    let segments = |second: &str| {
        serde_json::json!({
            "defaults": {"model": "doubao-seedance-2.0-fast", "duration": 4, "resolution": "480p"},
            "segments": [{"prompt": "a boat"}, {"prompt": second}]
        })
        .to_string()
    };
    let lines = |second: &str| {
        let line = |prompt: &str| {
            serde_json::json!({"model": "doubao-seedance-2.0-fast", "prompt": prompt, "duration": 4, "resolution": "480p"})
                .to_string()
        };
        format!("{}\n{}\n", line("a kite"), line(second))
    };
    /// The input file's text with the second job's prompt.
    type Contents = fn(&str) -> String;
    let cases: [(&str, &str, Contents); 2] = [
        ("chain", "plan.json", segments),
        ("batch", "jobs.jsonl", lines),
    ];
    for (cmd, file, contents) in cases {
        let input = dir.path().join(file);
        let out = dir.path().join(cmd);
        let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
        std::fs::write(&input, contents("a bridge")).unwrap();
        let first = seedance_tests::run_cli(&["--mock", cmd, i, "--out", o], "");
        assert_eq!(first.code, 0, "{}", first.stderr);
        std::fs::write(&input, contents("a bridge at night")).unwrap();
        let takes = || {
            let listed = seedance_tests::run_cli(&["--json", "takes", o], "");
            let v: serde_json::Value = serde_json::from_str(listed.stdout.trim()).unwrap();
            v["jobs"][1]["takes"].as_array().unwrap().len()
        };
        // "n": nothing is generated.
        let mut t = Terminal::spawn(&["--mock", cmd, i, "--out", o], &[], 100);
        t.wait_for("[y/N]", Duration::from_secs(30));
        assert!(t.text().contains("estimated cost"), "{}", t.text());
        t.writer.write_all(b"n\r").unwrap();
        t.writer.flush().unwrap();
        assert_eq!(t.exit_code(Duration::from_secs(30)), 1, "{}", t.text());
        assert!(t.text().contains("nothing was generated"), "{}", t.text());
        assert_eq!(takes(), 1, "{cmd}: nothing paid after \"n\"");
        // "y": the changed job gets a new take.
        let mut t = Terminal::spawn(&["--mock", cmd, i, "--out", o], &[], 100);
        t.wait_for("[y/N]", Duration::from_secs(30));
        t.writer.write_all(b"y\r").unwrap();
        t.writer.flush().unwrap();
        assert_eq!(t.exit_code(Duration::from_secs(60)), 0, "{}", t.text());
        assert_eq!(takes(), 2, "{cmd}: a new take after \"y\"");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    // `seedance schema request | head -1`, with the reader gone before the
    // first write: the status a shell shows for SIGPIPE, and no error text.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = std::process::Command::new(seedance_bin())
        .args(["schema", "request"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(141));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
