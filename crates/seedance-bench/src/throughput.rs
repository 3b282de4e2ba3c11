//! Submits at a rate limit: how close to the limit a batch runs, how many
//! 429s it draws, and whether any job fails; against a naive client that
//! retries 429 after a fixed 1 s sleep.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use seedance_core::{GenerationRequest, Model, Resolution};
use seedance_transport::client::SUBMIT_PATH;
use seedance_transport::sim::{SimConfig, Simulator};
use seedance_transport::{ApiKey, ApiRequest, Client, ClientConfig, MockTransport, Transport};
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

fn setup(rate: u32) -> (Simulator, MockTransport) {
    let config = SimConfig {
        submits_per_second: Some(rate),
        ..SimConfig::quick()
    };
    let key = ApiKey::new(config.api_key.clone()).ok();
    let sim = Simulator::new(config);
    let transport = MockTransport::new(sim.clone(), key);
    (sim, transport)
}

fn row(accepted: &[Instant], start: Instant, jobs: usize, rate: u32, sim: &Simulator) -> Row {
    let last = accepted.iter().max().copied().unwrap_or(start);
    let wall = last.duration_since(start).as_secs_f64();
    // n submits in a 1 s window scheme: the ideal schedule takes (n - rate) / rate s.
    let ideal = (jobs as f64 - f64::from(rate)) / f64::from(rate);
    Row {
        rate_ratio: if wall > 0.0 { ideal / wall } else { 1.0 },
        rate_limited: sim.stats().rate_limited,
        failed: jobs - accepted.len(),
        wall,
    }
}

async fn ours(jobs: usize, rate: u32) -> Row {
    let (sim, transport) = setup(rate);
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
    row(&accepted, start, jobs, rate, &sim)
}

async fn naive(jobs: usize, rate: u32) -> Row {
    let (sim, transport) = setup(rate);
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
    row(&accepted, start, jobs, rate, &sim)
}

async fn batch_end_to_end(jobs: usize, rate: u32) -> (usize, usize, u64) {
    let (sim, transport) = setup(rate);
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

pub(crate) async fn run(jobs: usize, rate: u32) -> String {
    let o = ours(jobs, rate).await;
    let n = naive(jobs, rate).await;
    let (done, failed, limited) = batch_end_to_end(jobs, rate).await;
    let verdict = |r: &Row| {
        if r.rate_ratio >= 0.95 && r.failed == 0 {
            "meets target"
        } else {
            "**misses target**"
        }
    };
    format!(
        "## 2. Batch throughput at a rate limit\n\n\
         {jobs} submits, {CONCURRENCY} in flight, the simulator accepting {rate} submits per 1-second window \
         (429 with `Retry-After` beyond that), paused tokio time. Achieved rate / limit compares the time \
         from the first to the last accepted submit with the ideal for a window limiter. \
         Target: ≥ 0.95 with no failed job.\n\n\
         | client | achieved rate / limit | 429s received | failed | time (s) | |\n\
         |---|---|---|---|---|---|\n\
         | **seedance** (adaptive pacing, honours `Retry-After`) | {:.3} | {} | {} | {:.1} | {} |\n\
         | naive (fixed 1 s sleep on 429) | {:.3} | {} | {} | {:.1} | {} |\n\n\
         End to end, `run_batch` of the same {jobs} jobs (submit, wait, download): {done} done, {failed} failed, \
         {limited} 429s.\n\n\
         How to read it: the naive client reaches the limit by bursting at the start of every window and \
         drawing a 429 for nearly every extra request. seedance instead learns the accepted rate at the first \
         429 of a window, spaces submits 1 % wider than that, and probes for a raised limit only after 10 s \
         without a 429. The margin and the first second (when the limit is not yet known) are what it gives \
         up against a perfect burst, in exchange for an order of magnitude fewer 429s. Short runs at high \
         limits are dominated by that first second.\n",
        o.rate_ratio,
        o.rate_limited,
        o.failed,
        o.wall,
        verdict(&o),
        n.rate_ratio,
        n.rate_limited,
        n.failed,
        n.wall,
        verdict(&n),
    )
}
