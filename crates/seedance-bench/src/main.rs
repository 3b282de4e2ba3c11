//! The simulation benchmarks behind `cargo xtask bench`. Each prints a
//! Markdown section on stdout; xtask assembles `docs/performance.md`.
//!
//! - `polling [--tasks N]`: detection latency and requests per task, our
//!   schedule against fixed intervals (simulator, paused tokio time).
//! - `throughput [--jobs N] [--rate R]`: achieved submit rate at a rate limit,
//!   against a client that retries 429 after a fixed 1 s sleep.
//! - `chain [--segments N]`: wall time of a chain over the sum of generation
//!   times, against a sequential generate-then-download loop.
//! - `download --seedance PATH [--mib N] [--runs N]`: `seedance download`
//!   against curl over real loopback HTTP, with peak RSS.
//! - `fuzz [--inputs N] [--seed S]`: mutation fuzzing of every parser of
//!   server data and of `validate_json`; fails on any panic.

mod batch_scale;
mod chain;
mod download;
mod fuzz;
mod polling;
mod stats;
mod throughput;

use std::process::ExitCode;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        // As the CLI: short file writes and hashes queue for a few threads
        // rather than each get one (128 downloads in flight).
        .max_blocking_threads(32)
        .start_paused(true)
        .build()
        .expect("runtime")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let section = match args.first().map(String::as_str) {
        Some("polling") => paused_runtime().block_on(polling::run(arg(&args, "--tasks", 1000))),
        Some("throughput") => {
            let rates: String = arg(&args, "--rates", "5,20".to_owned());
            let rates: Vec<u32> = rates
                .split(',')
                .filter_map(|r| r.trim().parse().ok())
                .collect();
            paused_runtime().block_on(throughput::run(arg(&args, "--jobs", 500), &rates))
        }
        Some("batch-scale") => {
            let sizes: String = arg(&args, "--jobs", "1000,10000,100000".to_owned());
            let sizes: Vec<usize> = sizes
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect();
            batch_scale::run(&sizes)
        }
        // The two halves of a batch-scale row, each in a process of its own.
        Some(step @ ("batch-scale-first" | "batch-scale-rerun")) => {
            let jobs = arg(&args, "--jobs", 1000);
            let dir = std::path::PathBuf::from(arg(&args, "--dir", String::new()));
            let numbers = if step == "batch-scale-first" {
                paused_runtime().block_on(batch_scale::first_run(jobs, &dir))
            } else {
                paused_runtime().block_on(batch_scale::rerun(jobs, &dir))
            };
            println!("{numbers}");
            return ExitCode::SUCCESS;
        }
        Some("chain") => paused_runtime().block_on(chain::run(arg(&args, "--segments", 10))),
        Some("fuzz") => match fuzz::run(arg(&args, "--inputs", 1_000_000), arg(&args, "--seed", 1))
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("fuzzing found a panic: {e}");
                return ExitCode::FAILURE;
            }
        },
        Some("download") => {
            let seedance: String = arg(&args, "--seedance", "target/release/seedance".to_owned());
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            match runtime.block_on(download::run(
                &seedance,
                arg(&args, "--mib", 256),
                arg(&args, "--runs", 3),
            )) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("download benchmark failed: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => {
            eprintln!(
                "usage: seedance-bench polling|throughput|batch-scale|chain|download|fuzz [options]"
            );
            return ExitCode::from(2);
        }
    };
    println!("{section}");
    ExitCode::SUCCESS
}
