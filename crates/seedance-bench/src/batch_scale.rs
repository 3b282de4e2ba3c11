//! Batch bookkeeping at scale: CPU per job, completed jobs per second with
//! 128 in flight on the instant simulator, time for a rerun to reach its
//! first new submit, and peak memory, at 1k, 10k and 100k jobs.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seedance_core::{GenerationRequest, Model, Resolution};
use seedance_sim::SimConfig;
use seedance_sim::SimTransport;
use seedance_transport::{Client, ClientConfig};
use seedance_workflows::{BatchOptions, Event, run_batch};

/// User + system CPU time of this process, seconds (Linux `/proc/self/stat`).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) end with ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (11 and 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process, MiB (`VmHWM`).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn request(k: usize) -> GenerationRequest {
    GenerationRequest::new(Model::Seedance2Fast)
        .with_prompt(format!("job {k}"))
        .with_duration(4)
        .with_resolution(Resolution::P480)
}

struct Row {
    jobs: usize,
    cpu_per_job_ms: f64,
    jobs_per_second: f64,
    resume_first_submit: f64,
    first_run_rss: f64,
    rerun_rss: f64,
}

fn new_client() -> Client {
    Client::with_config(
        Arc::new(SimTransport::with_config(SimConfig::instant())),
        ClientConfig {
            wait_timeout: Duration::from_secs(3600),
            ..ClientConfig::default()
        },
    )
}

/// The first run of `jobs` jobs into `dir`, in this process: prints
/// `cpu_per_job_ms jobs_per_second peak_rss_mib`.
pub(crate) async fn first_run(jobs: usize, dir: &Path) -> String {
    let _ = std::fs::remove_dir_all(dir);
    let client = new_client();
    let requests: Vec<GenerationRequest> = (0..jobs).map(request).collect();
    let options = BatchOptions {
        concurrency: 128,
        ..BatchOptions::default()
    };
    let cpu = cpu_seconds();
    let wall = std::time::Instant::now();
    let summary = run_batch(&client, &requests, dir, &options)
        .await
        .expect("batch");
    assert!(summary.all_done(), "{} failed", summary.failed.len());
    let elapsed = wall.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    format!(
        "{} {} {}",
        cpu * 1000.0 / jobs as f64,
        jobs as f64 / elapsed,
        peak_rss_mib()
    )
}

/// A rerun of the finished batch in `dir` with one more job, in this
/// process (as a user's rerun is): prints `seconds_to_first_submit peak_rss_mib`.
pub(crate) async fn rerun(jobs: usize, dir: &Path) -> String {
    let client = new_client();
    let more: Vec<GenerationRequest> = (0..=jobs).map(request).collect();
    let first = Arc::new(Mutex::new(None));
    let start = std::time::Instant::now();
    let seen = first.clone();
    let options = BatchOptions {
        concurrency: 128,
        events: Arc::new(move |e: &Event| {
            if let Event::Submitted { .. } = e {
                seen.lock().unwrap().get_or_insert(start.elapsed());
            }
        }),
        ..BatchOptions::default()
    };
    run_batch(&client, &more, dir, &options)
        .await
        .expect("rerun");
    let resume = first.lock().unwrap().map_or(f64::NAN, |d| d.as_secs_f64());
    format!("{resume} {}", peak_rss_mib())
}

/// Runs `seedance-bench <step> --jobs N --dir D` and reads the numbers it prints.
fn child(step: &str, jobs: usize, dir: &Path) -> Vec<f64> {
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .args([step, "--jobs", &jobs.to_string(), "--dir"])
        .arg(dir)
        .output()
        .expect("run the benchmark step");
    assert!(
        out.status.success(),
        "{step} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect()
}

fn one(jobs: usize) -> Row {
    let dir = std::env::temp_dir().join(format!(
        "seedance-bench-scale-{}-{jobs}",
        std::process::id()
    ));
    let first = child("batch-scale-first", jobs, &dir);
    let again = child("batch-scale-rerun", jobs, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(f64::NAN);
    Row {
        jobs,
        cpu_per_job_ms: at(&first, 0),
        jobs_per_second: at(&first, 1),
        first_run_rss: at(&first, 2),
        resume_first_submit: at(&again, 0),
        rerun_rss: at(&again, 1),
    }
}

pub(crate) fn run(sizes: &[usize]) -> String {
    let mut rows = Vec::new();
    let mut results = Vec::new();
    for &n in sizes {
        let r = one(n);
        rows.push(format!(
            "| {} | {:.3} | {:.0} | {:.3} | {:.0} | {:.0} |",
            r.jobs,
            r.cpu_per_job_ms,
            r.jobs_per_second,
            r.resume_first_submit,
            r.first_run_rss,
            r.rerun_rss
        ));
        results.push(r);
    }
    let base = results.first().map_or(1.0, |r| r.cpu_per_job_ms);
    let last = results.last();
    let checks = last.map_or(String::new(), |l| {
        format!(
            "At {} jobs: CPU per job {:.2}x that at {} jobs (target ≤ 1.5x: {}); {:.0} jobs/s (target ≥ 500: {}); \
             rerun to the first new submit {:.2} s (target ≤ 2 s: {}); peak RSS {:.0} MiB (target ≤ 200: {}).",
            l.jobs,
            l.cpu_per_job_ms / base,
            sizes.first().copied().unwrap_or(0),
            yes(l.cpu_per_job_ms / base <= 1.5),
            l.jobs_per_second,
            yes(l.jobs_per_second >= 500.0),
            l.resume_first_submit,
            yes(l.resume_first_submit <= 2.0),
            l.first_run_rss.max(l.rerun_rss),
            yes(l.first_run_rss.max(l.rerun_rss) <= 200.0),
        )
    });
    format!(
        "## 4b. Batch bookkeeping at scale\n\n\
         `run_batch` on the instant simulator (tasks finish at once, no rate limit), 128 jobs in flight, \
         paused tokio time for the simulator, real time for the bookkeeping: every job is submitted, \
         polled, downloaded (an MP4 rendered by the simulator, fsynced) and recorded. Each job change is one line appended to \
         `journal.jsonl` by a writer thread that fsyncs once for every change waiting (group commit); the \
         journal is compacted (with a `manifest.json` snapshot) when it holds more than twice as many lines \
         as jobs. CPU is user + system time of the process, the journal thread included; the rerun adds \
         one job to a finished batch and times its first new submit; the first run and the rerun each run in a process of their own, as a user's do, and RSS is \
         that process's peak (`VmHWM`). It includes the in-process \
         simulator's own state for every task (about 0.5 KiB a task) and the 100,000 requests given to \
         `run_batch` (about 25 MiB); the client's share is not separated.\n\n\
         | jobs | CPU per job (ms) | completed jobs/s | rerun to first new submit (s) | peak RSS, first run (MiB) | peak RSS, rerun (MiB) |\n\
         |---|---|---|---|---|---|\n{}\n\n{checks}\n",
        rows.join("\n")
    )
}

fn yes(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}
