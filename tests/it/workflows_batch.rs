//! Batches: bounded concurrency under a rate limit, resume, and the summary.

use seedance_core::provider::ProviderKind;
use seedance_sim::SimConfig;
use seedance_tests::sim_client;
use seedance_transport::ClientConfig;
use seedance_workflows::{BatchOptions, parse_jobs, run_batch};

fn jobs(n: usize) -> String {
    (0..n)
        .map(|i| format!(r#"{{"model":"doubao-seedance-2.0-fast","prompt":"job {i}","duration":4,"resolution":"480p"}}"#))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(start_paused = true)]
async fn batch_under_a_rate_limit_finishes_every_job() {
    for provider in [ProviderKind::Apimart, ProviderKind::Ark] {
        batch_under_a_rate_limit(provider).await;
    }
}

/// 30 jobs, 10 at a time, against 2 submits a second (apimart's 429 with
/// `Retry-After`, or Ark's `RateLimitExceeded`), then a rerun that sends
/// nothing.
async fn batch_under_a_rate_limit(provider: ProviderKind) {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig {
        submits_per_second: Some(2),
        ..SimConfig::quick()
    };
    let (client, sim) = sim_client(
        config,
        ClientConfig {
            provider,
            ..ClientConfig::default()
        },
    );
    let jobs = parse_jobs(&jobs(30)).unwrap();
    let options = BatchOptions {
        concurrency: 10,
        ..BatchOptions::default()
    };
    let summary = run_batch(&client, &jobs, dir.path(), &options)
        .await
        .unwrap();
    assert!(summary.all_done(), "{:?}", summary.failed);
    assert_eq!(summary.done.len(), 30);
    let stats = sim.stats();
    assert_eq!(stats.tasks_created, 30);
    assert!(
        stats.rate_limited > 0,
        "the limit was never reached, the test proves nothing"
    );

    // A rerun resumes: nothing is sent again.
    let again = run_batch(&client, &jobs, dir.path(), &options)
        .await
        .unwrap();
    assert_eq!(again.done.len(), 30);
    assert_eq!(sim.stats().tasks_created, 30);
}

#[tokio::test(start_paused = true)]
async fn failed_jobs_are_listed_and_the_rest_finish() {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig {
        balance_video_seconds: Some(10.0), // 480p costs 2 per 4 s job: five jobs
        ..SimConfig::quick()
    };
    let (client, _sim) = sim_client(config, ClientConfig::default());
    let jobs = parse_jobs(&jobs(7)).unwrap();
    let summary = run_batch(&client, &jobs, dir.path(), &BatchOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.done.len(), 5);
    assert_eq!(summary.failed.len(), 2);
    assert!(
        summary.failed[0].error.to_string().contains("402"),
        "{:?}",
        summary.failed
    );
}

#[test]
fn every_bad_line_is_reported_with_its_number() {
    let text = "{\"model\":\"doubao-seedance-2.0\",\"prompt\":\"ok\"}\n\n# comment\n{\"model\":\"x\",\"prompt\":\"p\"}\nnot json\n";
    let err = parse_jobs(text).unwrap_err();
    let paths: Vec<&str> = err.errors.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["line 4: model", "line 5"]);
}

#[tokio::test(start_paused = true)]
async fn random_server_errors_cost_retries_on_reads_and_are_never_paid_twice_on_submits() {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig {
        faults: seedance_sim::FaultRates {
            server_error: 0.25,
            slow: 0.1,
            slow_delay: std::time::Duration::from_secs(20),
            ..Default::default()
        },
        ..SimConfig::quick().ignoring_idempotency_keys()
    };
    let (client, sim) = sim_client(config, ClientConfig::default());
    let jobs = parse_jobs(&jobs(20)).unwrap();
    let summary = run_batch(&client, &jobs, dir.path(), &BatchOptions::default())
        .await
        .unwrap();
    // A 5xx answer to a submit proves nothing (a gateway can send it after
    // the task was created): such jobs are reported uncertain, not resent.
    assert!(
        !summary.failed.is_empty(),
        "no submit met a fault; the test proves nothing"
    );
    for f in &summary.failed {
        assert!(f.error.may_have_created_task(), "{f:?}");
    }
    assert_eq!(summary.done.len() + summary.failed.len(), 20);
    let stats = sim.stats();
    assert_eq!(stats.submits_received, 20, "no submit was sent twice");
    assert!(stats.status_requests > 0);
    // The operator checks the task list and opts in: the rest are sent once more.
    let options = BatchOptions {
        resubmit_uncertain: true,
        ..BatchOptions::default()
    };
    let mut rounds = 0;
    loop {
        let summary = run_batch(&client, &jobs, dir.path(), &options)
            .await
            .unwrap();
        rounds += 1;
        if summary.all_done() {
            break;
        }
        assert!(rounds < 10, "{:?}", summary.failed);
    }
}

#[tokio::test(start_paused = true)]
async fn a_job_edited_twice_keeps_both_earlier_takes_under_their_own_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let with_prompt = |p: &str| {
        parse_jobs(&format!(
            r#"{{"model":"doubao-seedance-2.0-fast","prompt":"{p}","duration":4,"resolution":"480p"}}"#
        ))
        .unwrap()
    };
    let apply = BatchOptions {
        apply_changes: true,
        ..BatchOptions::default()
    };
    let mut videos = Vec::new();
    for (round, prompt) in ["a kite", "a red kite", "a red kite at dusk"]
        .iter()
        .enumerate()
    {
        let summary = run_batch(&client, &with_prompt(prompt), dir.path(), &apply)
            .await
            .unwrap();
        assert!(summary.all_done(), "{:?}", summary.failed);
        let m = manifest(dir.path());
        assert_eq!(m.jobs[0].take as usize, round + 1, "the take this run made");
        videos.push(std::fs::read(dir.path().join("job_0000.mp4")).unwrap());
    }
    assert_eq!(sim.stats().tasks_created, 3);
    let m = manifest(dir.path());
    let kept: Vec<u32> = m.jobs[0].takes.iter().map(|t| t.number).collect();
    assert_eq!(kept, vec![1, 2]);
    for (n, video) in videos.iter().take(2).enumerate() {
        let path = &m.jobs[0].takes[n].video.as_ref().unwrap().path;
        assert_eq!(
            &std::fs::read(dir.path().join(path)).unwrap(),
            video,
            "take {} is the video that run paid for",
            n + 1
        );
    }
}

fn manifest(dir: &std::path::Path) -> seedance_workflows::Manifest {
    seedance_tests::recorded_run(dir)
}
