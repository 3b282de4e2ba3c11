//! Crash-and-resume torture: `seedance chain` and `seedance batch` run as
//! child processes against `seedance mock-server`, killed with SIGKILL at
//! seeded random moments and resumed each time. At the end every job is
//! paid exactly once (the simulator's count) except ones the tool reported
//! as uncertain, every file matches its recorded sha256, and the manifest
//! was parseable after every kill.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use seedance_core::rng::SplitMix64;

use crate::process::{MockServer, seedance_bin};
use seedance_tests::matches_digest;
use seedance_workflows::{JobState, Manifest};

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join("manifest.json")).ok()?;
    Some(serde_json::from_slice(&bytes).expect("manifest.json unparseable after a kill"))
}

fn assert_all_downloaded(dir: &Path, n: usize) -> u64 {
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part") || n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
    let m = read_manifest(dir).expect("manifest");
    assert_eq!(m.jobs.len(), n);
    let mut submissions = 0;
    for job in &m.jobs {
        assert_eq!(job.state, JobState::Downloaded, "job {}", job.index);
        for f in [job.video.as_ref(), job.last_frame.as_ref()]
            .into_iter()
            .flatten()
        {
            let bytes = std::fs::read(dir.join(&f.path)).unwrap();
            assert!(matches_digest(&bytes, &f.digest), "{}", f.path);
            assert_eq!(bytes.len() as u64, f.bytes);
        }
        submissions += u64::from(job.submissions);
    }
    submissions
}

/// Counts of one torture run.
#[derive(Debug, Default)]
struct Tally {
    kills: u32,
    uncertain_reports: u32,
    jobs: u64,
}

/// Runs `args` (a chain or batch command writing to `out`) to completion,
/// killing it at random moments until `tally.kills` reaches `target`.
fn torture(
    server: &MockServer,
    args: &[String],
    out: &Path,
    rng: &mut SplitMix64,
    target: u32,
    tally: &mut Tally,
) {
    let mut resubmit = false;
    for attempt in 0..500 {
        let mut cmd = Command::new(seedance_bin());
        cmd.args(args)
            .env("APIMART_BASE_URL", &server.api_url)
            .env("APIMART_API_KEY", &server.key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if resubmit {
            cmd.arg("--resubmit-uncertain");
        }
        let mut child = cmd.spawn().unwrap();
        if tally.kills < target {
            let delay = 30 + rng.next_u64() % 600;
            std::thread::sleep(Duration::from_millis(delay));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                tally.kills += 1;
                read_manifest(out); // parseable after every kill
                continue;
            }
        }
        let output = child.wait_with_output().unwrap();
        let stderr = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            return;
        }
        if stderr.contains("--resubmit-uncertain") {
            // The tool reported a submit that may have been billed; the
            // operator checks and consents.
            tally.uncertain_reports += 1;
            resubmit = true;
            continue;
        }
        panic!("attempt {attempt} failed unexpectedly:\n{stderr}");
    }
    panic!("did not finish in 500 attempts");
}

#[test]
fn chain_survives_sigkill_at_random_moments() {
    let server = MockServer::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    let segments = 8;
    let shots: Vec<serde_json::Value> = (0..segments)
        .map(|i| serde_json::json!({"prompt": format!("shot {i}")}))
        .collect();
    std::fs::write(
        &plan,
        serde_json::json!({"defaults": {"model": "doubao-seedance-2.0-fast", "duration": 4}, "segments": shots}).to_string(),
    )
    .unwrap();
    let mut rng = SplitMix64::new(2026);
    let mut tally = Tally::default();
    let mut chains = 0;
    while tally.kills < 30 {
        let out = dir.path().join(format!("film{chains}"));
        let args: Vec<String> = [
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        torture(&server, &args, &out, &mut rng, 30, &mut tally);
        assert_all_downloaded(&out, segments);
        tally.jobs += segments as u64;
        chains += 1;
    }
    let created = server.stats()["tasks_created"].as_u64().unwrap();
    assert!(
        created >= tally.jobs && created <= tally.jobs + u64::from(tally.uncertain_reports),
        "{created} tasks for {} segments with {} uncertain reports ({} kills)",
        tally.jobs,
        tally.uncertain_reports,
        tally.kills
    );
    eprintln!("chain torture: {tally:?}, {created} tasks created");
}

#[test]
fn ctrl_c_while_waiting_prints_the_task_and_how_to_resume() {
    // Realistic speed: tasks take 20 s or more, so the interrupt lands while waiting.
    let server = MockServer::start_with(&["--realistic"]);
    let dir = tempfile::tempdir().unwrap();
    let request = seedance_tests::workspace_root().join("examples/requests/01-text-to-video.json");
    let submitted = Command::new(seedance_bin())
        .args(["submit", request.to_str().unwrap()])
        .env("APIMART_BASE_URL", &server.api_url)
        .env("APIMART_API_KEY", &server.key)
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&submitted.stdout).trim().to_owned();
    assert!(id.starts_with("task_"), "{submitted:?}");
    // Wait on it with a long timeout, then interrupt.
    let child = Command::new(seedance_bin())
        .args([
            "generate",
            "--task",
            &id,
            "--out",
            dir.path().to_str().unwrap(),
            "--timeout",
            "1h",
        ])
        .env("APIMART_BASE_URL", &server.api_url)
        .env("APIMART_API_KEY", &server.key)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the process to start waiting, even on a loaded machine.
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains(&id), "{stderr}");
    assert!(
        stderr.contains(&format!("seedance generate --task {id}")),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != seedance_workflows::RunLayout::LOCK)
        .collect();
    assert!(left.is_empty(), "nothing is written on interrupt: {left:?}");
}

#[test]
fn batch_survives_sigkill_at_random_moments() {
    let server = MockServer::start();
    let dir = tempfile::tempdir().unwrap();
    let jobs_file = dir.path().join("jobs.jsonl");
    let n = 16;
    let lines: Vec<String> = (0..n)
        .map(|i| {
            format!(r#"{{"model":"doubao-seedance-2.0-fast","prompt":"job {i}","duration":4}}"#)
        })
        .collect();
    std::fs::write(&jobs_file, lines.join("\n")).unwrap();
    let mut rng = SplitMix64::new(77);
    let mut tally = Tally::default();
    let mut batches = 0;
    while tally.kills < 30 {
        let out = dir.path().join(format!("batch{batches}"));
        let args: Vec<String> = [
            "batch",
            jobs_file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--concurrency",
            "4",
        ]
        .map(String::from)
        .to_vec();
        torture(&server, &args, &out, &mut rng, 30, &mut tally);
        assert_all_downloaded(&out, n);
        tally.jobs += n as u64;
        batches += 1;
    }
    let created = server.stats()["tasks_created"].as_u64().unwrap();
    assert!(
        created >= tally.jobs && created <= tally.jobs + u64::from(tally.uncertain_reports) * 4,
        "{created} tasks for {} jobs with {} uncertain reports ({} kills)",
        tally.jobs,
        tally.uncertain_reports,
        tally.kills
    );
    eprintln!("batch torture: {tally:?}, {created} tasks created");
}

/// Runs `seedance ARGS` against `server` to completion.
fn run_against(server: &MockServer, args: &[&str]) -> std::process::Output {
    Command::new(seedance_bin())
        .args(args)
        .env("APIMART_BASE_URL", &server.api_url)
        .env("APIMART_API_KEY", &server.key)
        .output()
        .unwrap()
}

#[test]
fn two_runs_on_one_directory_and_a_killed_wrapper_never_pay_twice() {
    let server = MockServer::start_with(&[]);
    let dir = tempfile::tempdir().unwrap();
    let plan = seedance_tests::workspace_root().join("examples/plans/paper-boat.json");
    let segments = 4u64;
    let plan = plan.to_str().unwrap();

    // Two runs started at the same moment on one directory.
    let out = dir.path().join("same");
    let out_s = out.to_str().unwrap();
    let spawn = || {
        Command::new(seedance_bin())
            .args(["chain", plan, "--out", out_s])
            .env("APIMART_BASE_URL", &server.api_url)
            .env("APIMART_API_KEY", &server.key)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(1)], "{a:?}\n{b:?}");
    let loser = if a.status.code() == Some(1) { &a } else { &b };
    let text = String::from_utf8_lossy(&loser.stderr);
    assert!(text.contains("in use by another seedance run"), "{text}");
    assert_eq!(server.stats()["tasks_created"].as_u64().unwrap(), segments);

    // A wrapper killed while its `seedance chain` child keeps running.
    let out = dir.path().join("wrapped");
    let out_s = out.to_str().unwrap().to_owned();
    let bin = seedance_bin().to_str().unwrap().to_owned();
    let mut wrapper = Command::new("sh")
        .args([
            "-c",
            &format!("'{bin}' chain '{plan}' --out '{out_s}'; echo done"),
        ])
        .env("APIMART_BASE_URL", &server.api_url)
        .env("APIMART_API_KEY", &server.key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    wrapper.kill().unwrap();
    wrapper.wait().unwrap();
    // The orphaned child still runs: a rerun stops at once, paying nothing.
    let rerun = run_against(&server, &["chain", plan, "--out", &out_s]);
    assert_eq!(rerun.status.code(), Some(1), "{rerun:?}");
    assert!(String::from_utf8_lossy(&rerun.stderr).contains("in use"));
    // Once the orphan finishes, a rerun finds everything done.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let rerun = run_against(&server, &["chain", plan, "--out", &out_s]);
        if rerun.status.success() {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{rerun:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_all_downloaded(&out, segments as usize);
    assert_eq!(
        server.stats()["tasks_created"].as_u64().unwrap(),
        2 * segments,
        "every segment of both directories paid once"
    );
}

#[test]
fn mock_server_faults_over_http_reach_the_release_binary_as_typed_outcomes() {
    let server = MockServer::start_with(&[
        "--instant",
        "--ignore-idempotency",
        "--fault",
        "submit:status-after:502",
        "--fault",
        "status:status:503x8",
        "--fault",
        "media:html-media",
        "--status-spelling",
        "upstream",
        "--dead-first-url",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let request = seedance_tests::workspace_root().join("examples/requests/01-text-to-video.json");
    let request = request.to_str().unwrap();
    let out = dir.path().join("out");
    let first = run_against(
        &server,
        &["generate", request, "--out", out.to_str().unwrap()],
    );
    assert_eq!(first.status.code(), Some(1), "{first:?}");
    let text = String::from_utf8_lossy(&first.stderr);
    assert_eq!(text.matches("may have been billed").count(), 1, "{text}");
    assert!(text.contains("hint:"), "{text}");
    assert_eq!(server.stats()["tasks_created"].as_u64().unwrap(), 1);
    // The next generate meets the 503 burst, upstream spellings, a dead first
    // URL and an HTML page from the media host, and still saves the video.
    let second = run_against(
        &server,
        &[
            "--json",
            "generate",
            request,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(second.status.success(), "{second:?}");
    let v: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    let path = v["video"]["path"].as_str().unwrap();
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
    assert_eq!(server.stats()["tasks_created"].as_u64().unwrap(), 2);
}
