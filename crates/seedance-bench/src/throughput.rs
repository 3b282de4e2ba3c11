//! Submits at a rate limit: how close to the limit a batch runs, how many
//! 429s it draws, and whether any job fails; against a naive client that
//! retries 429 after a fixed 1 s sleep.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use seedance_core::{GenerationRequest, Model, Resolution};
use seedance_sim::SimTransport;
use seedance_sim::{RateLimiter, SimConfig, Simulator};
use seedance_transport::client::SUBMIT_PATH;
use seedance_transport::{ApiKey, ApiRequest, Client, ClientConfig, Transport};
use tokio::time::Instant;

const CONCURRENCY: usize = 16;

fn request(k: usize) -> GenerationRequest {
    GenerationRequest::new(Model::Seedance2Fast)
        .with_prompt(format!("job {k}"))
        .with_duration(4)
        .with_resolution(Resolution::P480)
}

struct Row {
    rate_ratio: f64,
    rate_limited: u64,
    failed: usize,
    wall: f64,
}

fn setup(rate: u32, limiter: RateLimiter) -> (Simulator, SimTransport) {
    let config = SimConfig {
        submits_per_second: Some(rate),
        rate_limiter: limiter,
        ..SimConfig::quick()
    };
    let key = ApiKey::new(config.api_key.clone()).ok();
    let sim = Simulator::new(config);
    let transport = SimTransport::new(sim.clone(), key);
    (sim, transport)
}

fn row(
    accepted: &[Instant],
    start: Instant,
    jobs: usize,
    rate: u32,
    limiter: RateLimiter,
    sim: &Simulator,
) -> Row {
    let last = accepted.iter().max().copied().unwrap_or(start);
    let wall = last.duration_since(start).as_secs_f64();
    // The ideal schedule sends the first window's (or bucket's) worth at
    // once, then exactly `rate` per second.
    let upfront = match limiter {
        RateLimiter::TokenBucket { burst } => f64::from(burst),
        _ => f64::from(rate),
    };
    let ideal = (jobs as f64 - upfront) / f64::from(rate);
    Row {
        rate_ratio: if wall > 0.0 { ideal / wall } else { 1.0 },
        rate_limited: sim.stats().rate_limited,
        failed: jobs - accepted.len(),
        wall,
    }
}

async fn ours(jobs: usize, rate: u32, limiter: RateLimiter) -> Row {
    let (sim, transport) = setup(rate, limiter);
    let client = Client::with_config(Arc::new(transport), ClientConfig::default());
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    futures_util::stream::iter(0..jobs)
        .map(|k| {
            let (client, accepted) = (&client, accepted.clone());
            async move {
                if client.submit(&request(k)).await.is_ok() {
                    accepted.lock().unwrap().push(Instant::now());
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let accepted = accepted.lock().unwrap().clone();
    row(&accepted, start, jobs, rate, limiter, &sim)
}

async fn naive(jobs: usize, rate: u32, limiter: RateLimiter) -> Row {
    let (sim, transport) = setup(rate, limiter);
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    futures_util::stream::iter(0..jobs)
        .map(|k| {
            let (transport, accepted) = (&transport, accepted.clone());
            async move {
                let body = serde_json::to_vec(&request(k)).unwrap();
                for _ in 0..10_000 {
                    let r = transport
                        .send(ApiRequest::post_json(SUBMIT_PATH, body.clone()))
                        .await;
                    match r {
                        Ok(r) if r.status == 200 => {
                            accepted.lock().unwrap().push(Instant::now());
                            return;
                        }
                        Ok(r) if r.status == 429 => {
                            tokio::time::sleep(Duration::from_secs(1)).await
                        }
                        _ => return,
                    }
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let accepted = accepted.lock().unwrap().clone();
    row(&accepted, start, jobs, rate, limiter, &sim)
}

async fn batch_end_to_end(jobs: usize, rate: u32) -> (usize, usize, u64) {
    let (sim, transport) = setup(rate, RateLimiter::FixedWindow);
    let client = Client::with_config(Arc::new(transport), ClientConfig::default());
    let dir = std::env::temp_dir().join(format!("seedance-bench-batch-{}", std::process::id()));
    let requests: Vec<GenerationRequest> = (0..jobs).map(request).collect();
    let options = seedance_workflows::BatchOptions {
        concurrency: CONCURRENCY,
        ..Default::default()
    };
    let summary = seedance_workflows::run_batch(&client, &requests, &dir, &options).await;
    let _ = std::fs::remove_dir_all(&dir);
    match summary {
        Ok(s) => (s.done.len(), s.failed.len(), sim.stats().rate_limited),
        Err(_) => (0, jobs, sim.stats().rate_limited),
    }
}

fn verdict(r: &Row, accepted: usize) -> &'static str {
    // At most one 429 per 50 accepted submits.
    if r.rate_ratio >= 0.98 && r.failed == 0 && r.rate_limited as usize <= accepted.div_ceil(50) {
        "meets target"
    } else {
        "**misses target**"
    }
}

pub(crate) async fn run(jobs: usize, rates: &[u32]) -> String {
    let limiters = [
        ("fixed window", RateLimiter::FixedWindow),
        ("sliding window", RateLimiter::SlidingWindow),
        (
            "token bucket, burst 2 s",
            RateLimiter::TokenBucket { burst: 0 },
        ),
    ];
    let mut rows = Vec::new();
    for &rate in rates {
        for (name, limiter) in limiters {
            let limiter = match limiter {
                RateLimiter::TokenBucket { .. } => RateLimiter::TokenBucket { burst: 2 * rate },
                other => other,
            };
            let o = ours(jobs, rate, limiter).await;
            let n = naive(jobs, rate, limiter).await;
            rows.push(format!(
                "| {rate}/s | {name} | **seedance** | {:.3} | {} | {} | {:.1} | {} |",
                o.rate_ratio,
                o.rate_limited,
                o.failed,
                o.wall,
                verdict(&o, jobs)
            ));
            rows.push(format!(
                "| {rate}/s | {name} | naive (fixed 1 s sleep on 429) | {:.3} | {} | {} | {:.1} | |",
                n.rate_ratio, n.rate_limited, n.failed, n.wall
            ));
        }
    }
    let (done, failed, limited) = batch_end_to_end(jobs, rates[0]).await;
    format!(
        "## 2. Batch throughput at a rate limit\n\n\
         {jobs} submits, {CONCURRENCY} in flight, against each of three limiters (the service's is undocumented): \
         a fixed one-second window, a sliding one-second window, and a token bucket with a burst of two \
         seconds' worth; 429 with `Retry-After` beyond the limit; paused tokio time. Achieved rate / limit \
         compares the time from the first to the last accepted submit with the ideal (the first window's or \
         bucket's worth at once, then exactly the limit). \
         Target: ≥ 0.98 with no failed job and at most one 429 per 50 accepted submits.\n\n\
         | limit | limiter | client | achieved rate / limit | 429s | failed | time (s) | |\n\
         |---|---|---|---|---|---|---|---|\n{}\n\n\
         End to end, `run_batch` of the same {jobs} jobs at {}/s (submit, wait, download): {done} done, \
         {failed} failed, {limited} 429s.\n",
        rows.join("\n"),
        rates[0],
    )
}
