//! The fault matrix of `docs/reliability.md`: every fault against every
//! operation (submit, status, wait, download, chain, batch) over the
//! in-process simulator with paused time. Each cell states what must happen;
//! `cell_ids_match_the_document` keeps the document and this table in step.

use std::time::Duration;

use seedance_sim::{Fault, Route, SimConfig, Simulator};
use seedance_tests::{sim_client, small_request};
use seedance_transport::{Client, ClientConfig, ClientError};
use seedance_workflows::{BatchOptions, ChainOptions, Plan, WorkflowError, run_batch, run_chain};

/// What an operation must do under a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Succeeds (after retrying or waiting), with no duplicate paid submit.
    Recovers,
    /// Fails at once with this HTTP status, without retrying.
    Refused(u16),
    /// Fails saying a task may exist and may have been billed; not resent.
    Uncertain,
    /// Fails naming an unreadable response.
    Unreadable,
    /// The task fails, is cancelled or never ends: a typed error.
    TaskError,
    /// The result URL expired: reported as expired.
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Submit,
    Status,
    Wait,
    Download,
    Chain,
    Batch,
}

const OPS: [Op; 6] = [
    Op::Submit,
    Op::Status,
    Op::Wait,
    Op::Download,
    Op::Chain,
    Op::Batch,
];

/// A fault as applied to the route an operation uses.
#[derive(Debug, Clone)]
enum Inject {
    /// A scripted fault on the route the operation exercises
    /// (submit for submit/chain/batch, status for status/wait, media for download).
    OnRoute(Fault),
    /// The task ends this way on the server.
    TaskEnds(&'static str),
    /// A day passes before the download.
    Expiry,
}

struct Row {
    id: &'static str,
    inject: Inject,
    /// Expectations for submit, status, wait, download, chain, batch.
    expect: [Expect; 6],
}

fn rows() -> Vec<Row> {
    use Expect::*;
    use Inject::*;
    vec![
        Row {
            id: "429-retry-after",
            inject: OnRoute(Fault::RateLimited {
                retry_after: Some(3),
            }),
            expect: [Recovers; 6],
        },
        Row {
            id: "429-no-retry-after",
            inject: OnRoute(Fault::RateLimited { retry_after: None }),
            expect: [Recovers; 6],
        },
        Row {
            id: "500",
            inject: OnRoute(Fault::Status(500)),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "502",
            inject: OnRoute(Fault::Status(502)),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "503",
            inject: OnRoute(Fault::Status(503)),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "504",
            inject: OnRoute(Fault::Status(504)),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "401",
            inject: OnRoute(Fault::Status(401)),
            expect: [
                Refused(401),
                Refused(401),
                Refused(401),
                Refused(401),
                Refused(401),
                Refused(401),
            ],
        },
        Row {
            id: "402",
            inject: OnRoute(Fault::Status(402)),
            expect: [
                Refused(402),
                Refused(402),
                Refused(402),
                Refused(402),
                Refused(402),
                Refused(402),
            ],
        },
        Row {
            id: "403",
            inject: OnRoute(Fault::Status(403)),
            expect: [
                Uncertain,
                Refused(403),
                Refused(403),
                Refused(403),
                Uncertain,
                Uncertain,
            ],
        },
        Row {
            id: "connection-refused",
            inject: OnRoute(Fault::Refuse),
            expect: [Recovers; 6],
        },
        Row {
            id: "cut-before-handling",
            inject: OnRoute(Fault::DropBeforeHandling),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "cut-after-handling",
            inject: OnRoute(Fault::DropAfterHandling),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "never-answers",
            inject: OnRoute(Fault::Hang),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "slow-response",
            inject: OnRoute(Fault::Slow(Duration::from_secs(20))),
            expect: [Recovers; 6],
        },
        Row {
            id: "malformed-json",
            inject: OnRoute(Fault::Malformed),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "wrong-shape",
            inject: OnRoute(Fault::WrongShape),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "html-502",
            inject: OnRoute(Fault::HtmlPage(502)),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "html-403",
            inject: OnRoute(Fault::HtmlPage(403)),
            expect: [
                Uncertain,
                Recovers,
                Recovers,
                Refused(403),
                Uncertain,
                Uncertain,
            ],
        },
        Row {
            id: "gateway-5xx-after-create",
            inject: OnRoute(Fault::StatusAfterHandling(502)),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "oversized-2xx",
            inject: OnRoute(Fault::OversizedBody),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "cut-mid-body",
            inject: OnRoute(Fault::CutBody),
            expect: [
                Uncertain, Recovers, Recovers, Recovers, Uncertain, Uncertain,
            ],
        },
        Row {
            id: "completed-without-result",
            inject: OnRoute(Fault::CompletedWithoutResult),
            expect: [Recovers; 6],
        },
        Row {
            id: "key-echo",
            inject: OnRoute(Fault::EchoKey),
            expect: [
                Refused(401),
                Refused(401),
                Refused(401),
                Recovers,
                Refused(401),
                Refused(401),
            ],
        },
        Row {
            id: "html-200-media",
            inject: OnRoute(Fault::HtmlInsteadOfMedia),
            expect: [Recovers; 6],
        },
        Row {
            id: "gzip-media",
            inject: OnRoute(Fault::GzipEncoded),
            expect: [Recovers; 6],
        },
        Row {
            id: "task-failed",
            inject: TaskEnds("failed"),
            expect: [
                Recovers, Recovers, TaskError, TaskError, TaskError, TaskError,
            ],
        },
        Row {
            id: "task-cancelled",
            inject: TaskEnds("cancelled"),
            expect: [
                Recovers, Recovers, TaskError, TaskError, TaskError, TaskError,
            ],
        },
        Row {
            id: "unknown-status",
            inject: TaskEnds("moderating"),
            expect: [
                Recovers, Recovers, TaskError, TaskError, TaskError, TaskError,
            ],
        },
        Row {
            id: "url-expired",
            inject: Expiry,
            expect: [Recovers, Recovers, Recovers, Expired, Expired, Expired],
        },
        Row {
            id: "short-body",
            inject: OnRoute(Fault::ShortBody),
            expect: [Recovers; 6],
        },
        Row {
            id: "long-body",
            inject: OnRoute(Fault::LongBody),
            expect: [Recovers; 6],
        },
    ]
}

/// The outcome of one cell, classified.
fn classify_client(e: &ClientError) -> Expect {
    match e {
        _ if e.may_have_created_task() => Expect::Uncertain,
        ClientError::UnexpectedResponse { .. } | ClientError::TooLarge { .. } => Expect::Unreadable,
        ClientError::TaskFailed { .. }
        | ClientError::TaskCancelled { .. }
        | ClientError::WaitTimeout { .. } => Expect::TaskError,
        ClientError::Expired { .. } => Expect::Expired,
        other => match other.status() {
            Some(s) => Expect::Refused(s),
            None => panic!("unclassified error {other:?}"),
        },
    }
}

fn classify_workflow(e: &WorkflowError) -> Expect {
    match e {
        WorkflowError::Uncertain { .. } => Expect::Uncertain,
        WorkflowError::TaskFailed { .. } => Expect::TaskError,
        WorkflowError::Expired { .. } => Expect::Expired,
        WorkflowError::Client { source, .. } => classify_client(source),
        other => panic!("unclassified workflow error {other}"),
    }
}

fn config() -> ClientConfig {
    ClientConfig {
        wait_timeout: Duration::from_secs(900),
        ..ClientConfig::default()
    }
}

fn route_of(op: Op) -> Route {
    match op {
        Op::Submit | Op::Chain | Op::Batch => Route::Submit,
        Op::Status | Op::Wait => Route::Status,
        Op::Download => Route::Media,
    }
}

/// Applies the row's fault at the right moment and runs `op`; returns the
/// classified outcome and the number of tasks created.
async fn cell(row: &Row, op: Op) -> (Expect, u64) {
    let (client, sim) = sim_client(SimConfig::quick().ignoring_idempotency_keys(), config());
    let dir = tempfile::tempdir().unwrap();
    let outcome = match op {
        Op::Submit | Op::Chain | Op::Batch => {
            prepare(&row.inject, op, &sim, None);
            run_submitting(&client, &sim, op, &row.inject, dir.path()).await
        }
        Op::Status | Op::Wait | Op::Download => {
            let id = client.submit(&small_request()).await.unwrap().task_id;
            prepare(&row.inject, op, &sim, Some(&id));
            run_on_task(&client, op, &id, &row.inject, dir.path()).await
        }
    };
    (outcome, sim.stats().tasks_created)
}

fn prepare(inject: &Inject, op: Op, sim: &Simulator, task: Option<&str>) {
    match inject {
        Inject::OnRoute(fault) => {
            // Media faults only make sense on downloads; API faults on API routes.
            let media_fault = matches!(fault, Fault::ShortBody | Fault::LongBody);
            let route = if media_fault {
                Route::Media
            } else {
                route_of(op)
            };
            sim.inject(route, fault.clone());
        }
        Inject::TaskEnds(how) => {
            if let Some(id) = task {
                end_task(sim, id, how);
            }
        }
        Inject::Expiry => {}
    }
}

fn end_task(sim: &Simulator, id: &str, how: &str) {
    match how {
        "failed" => sim.fail_task(id, "generation failed"),
        "cancelled" => sim.cancel_task(id),
        other => sim.set_task_status(id, other),
    }
}

async fn run_on_task(
    client: &Client,
    op: Op,
    id: &str,
    inject: &Inject,
    dir: &std::path::Path,
) -> Expect {
    let result = match op {
        Op::Status => client.task(id).await.map(|_| ()),
        Op::Wait => client.wait(id).await.map(|_| ()),
        _ => {
            let task = match client.wait(id).await {
                Ok(t) => t,
                Err(e) => return classify_client(&e),
            };
            let r = task.result.unwrap();
            if matches!(inject, Inject::Expiry) {
                tokio::time::advance(Duration::from_secs(25 * 3600)).await;
            }
            client
                .download(r.video_url().unwrap(), &dir.join("v.mp4"), r.expires_at())
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => Expect::Recovers,
        Err(e) => classify_client(&e),
    }
}

async fn run_submitting(
    client: &Client,
    sim: &Simulator,
    op: Op,
    inject: &Inject,
    dir: &std::path::Path,
) -> Expect {
    match op {
        Op::Submit => match client.submit(&small_request()).await {
            Ok(s) => {
                // Task-level faults do not touch a submit.
                if let Inject::TaskEnds(how) = inject {
                    end_task(sim, &s.task_id, how);
                }
                Expect::Recovers
            }
            Err(e) => classify_client(&e),
        },
        Op::Chain => {
            let plan = Plan::from_json(&serde_json::json!({
                "defaults": {"model": "doubao-seedance-2.0-fast", "duration": 4},
                "segments": [{"prompt": "a"}, {"prompt": "b"}]
            }))
            .unwrap()
            .0;
            if let Inject::TaskEnds(how) = inject {
                // The first segment's task ends badly as soon as it exists.
                let options = ChainOptions {
                    events: end_on_submit(sim.clone(), how),
                    ..ChainOptions::default()
                };
                return outcome_of(run_chain(client, &plan, dir, &options).await.map(|_| ()));
            }
            if matches!(inject, Inject::Expiry) {
                run_chain(client, &plan, dir, &ChainOptions::default())
                    .await
                    .unwrap();
                std::fs::remove_file(dir.join("segment_001.mp4")).unwrap();
                tokio::time::advance(Duration::from_secs(25 * 3600)).await;
            }
            outcome_of(
                run_chain(client, &plan, dir, &ChainOptions::default())
                    .await
                    .map(|_| ()),
            )
        }
        _ => {
            let jobs: Vec<_> = (0..2).map(|_| small_request()).collect();
            let mut options = BatchOptions::default();
            if let Inject::TaskEnds(how) = inject {
                options.events = end_on_submit(sim.clone(), how);
            }
            if matches!(inject, Inject::Expiry) {
                run_batch(client, &jobs, dir, &options).await.unwrap();
                std::fs::remove_file(dir.join("job_0001.mp4")).unwrap();
                tokio::time::advance(Duration::from_secs(25 * 3600)).await;
            }
            let summary = run_batch(client, &jobs, dir, &options).await.unwrap();
            match summary.failed.first() {
                None => Expect::Recovers,
                Some(failure) => classify_workflow(&failure.error),
            }
        }
    }
}

fn end_on_submit(sim: Simulator, how: &'static str) -> seedance_workflows::EventSink {
    std::sync::Arc::new(move |e: &seedance_workflows::Event| {
        if let seedance_workflows::Event::Submitted { task_id, .. } = e {
            end_task(&sim, task_id, how);
        }
    })
}

fn outcome_of(r: Result<(), WorkflowError>) -> Expect {
    match r {
        Ok(()) => Expect::Recovers,
        Err(e) => classify_workflow(&e),
    }
}

/// Batches report failures as text in their summary.
#[tokio::test(start_paused = true)]
async fn every_fault_against_every_operation() {
    let mut mismatches = Vec::new();
    let mut cells = 0;
    for row in rows() {
        for (i, op) in OPS.iter().enumerate() {
            let (got, created) = cell(&row, *op).await;
            cells += 1;
            if got != row.expect[i] {
                mismatches.push(format!(
                    "{} × {op:?}: expected {:?}, got {got:?}",
                    row.id, row.expect[i]
                ));
            }
            // Never a duplicate paid submit: one task per submitted job at most.
            let jobs = match op {
                Op::Chain | Op::Batch => 2,
                _ => 1,
            };
            assert!(
                created <= jobs,
                "{} × {op:?}: {created} tasks for {jobs} jobs",
                row.id
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn cell_ids_match_the_document() {
    let doc = std::fs::read_to_string(seedance_tests::workspace_root().join("docs/reliability.md"))
        .unwrap();
    for row in rows() {
        assert!(
            doc.contains(&format!("| `{}` |", row.id)),
            "docs/reliability.md has no row `{}`",
            row.id
        );
    }
}
