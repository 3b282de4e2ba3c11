//! Money safety under the faults an independent fake of the service found:
//! each case runs on the in-process simulator and over loopback HTTP (the
//! reqwest transport against `SimServer`), and checks what the user pays
//! for (tasks created), what lands on disk (byte-identical to what the
//! server meant), and that the key appears nowhere. The cases that do not
//! depend on apimart's own response shapes also run against the
//! simulator's Ark face, with the client speaking Ark's dialect.

use std::path::Path;
use std::sync::Arc;

use seedance_core::provider::ProviderKind;
use seedance_sim::SimTransport;
use seedance_sim::{Fault, Route, SimConfig, SimServer, Simulator, StatusSpelling};
use seedance_tests::small_request;
use seedance_transport::{ApiKey, Client, ClientConfig, ReqwestTransport};
use seedance_workflows::{BatchOptions, JobState, Manifest, WorkflowError, parse_jobs, run_batch};

const KEY: &str = "sk-money-safety-0123456789";

/// The two ways a client meets the simulator, and the dialect it speaks.
#[derive(Debug, Clone, Copy)]
enum Face {
    InProcess(ProviderKind),
    Http(ProviderKind),
}

struct Rig {
    client: Client,
    sim: Simulator,
    _server: Option<SimServer>,
}

async fn rig(face: Face, config: SimConfig) -> Rig {
    let config = SimConfig {
        api_key: KEY.to_owned(),
        ..config
    };
    let client_config = ClientConfig {
        wait_timeout: std::time::Duration::from_secs(60),
        // Real time: backoffs short enough that bursts of faults pass in
        // seconds (the counts, not the delays, are what these tests check).
        retry: seedance_core::RetryConfig {
            base_delay: std::time::Duration::from_millis(100),
            max_delay: std::time::Duration::from_secs(2),
            ..seedance_core::RetryConfig::default()
        },
        provider: match face {
            Face::InProcess(p) | Face::Http(p) => p,
        },
        ..ClientConfig::default()
    };
    match face {
        Face::InProcess(_) => {
            let transport = SimTransport::with_config(config);
            let sim = transport.simulator().clone();
            let clock = sim.clone();
            let client = Client::with_config(Arc::new(transport), client_config)
                .with_unix_clock(Arc::new(move || clock.unix_now()));
            Rig {
                client,
                sim,
                _server: None,
            }
        }
        Face::Http(provider) => {
            let server = SimServer::start_loopback(Simulator::new(config))
                .await
                .unwrap();
            let base = match provider {
                ProviderKind::Apimart => server.api_url(),
                _ => format!("{}/api/v3", server.api_url()),
            };
            let transport = ReqwestTransport::builder()
                .base_url(base)
                .api_key(ApiKey::new(KEY).unwrap())
                .build()
                .unwrap();
            let sim = server.simulator().clone();
            let clock = sim.clone();
            let client = Client::with_config(Arc::new(transport), client_config)
                .with_unix_clock(Arc::new(move || clock.unix_now()));
            Rig {
                client,
                sim,
                _server: Some(server),
            }
        }
    }
}

fn faces() -> [Face; 2] {
    [
        Face::InProcess(ProviderKind::Apimart),
        Face::Http(ProviderKind::Apimart),
    ]
}

/// apimart's two faces, and Ark's (Volcengine in process, BytePlus over HTTP).
fn every_provider() -> [Face; 4] {
    [
        Face::InProcess(ProviderKind::Apimart),
        Face::Http(ProviderKind::Apimart),
        Face::InProcess(ProviderKind::Ark),
        Face::Http(ProviderKind::BytePlus),
    ]
}

fn assert_valid_video(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let (codec, frames) = seedance_tests::mp4_video(path);
    assert_eq!(codec, "h264", "not the simulator's MP4");
    assert!(frames > 0);
    let mut check =
        seedance_core::media_check::MediaCheck::new(seedance_core::media_check::Expected::Video);
    check.feed(&bytes);
    check.finish().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_5xx_after_the_task_was_created_is_never_paid_twice() {
    for face in every_provider() {
        let r = rig(face, SimConfig::instant().ignoring_idempotency_keys()).await;
        let dir = tempfile::tempdir().unwrap();
        r.sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
        let err = r
            .client
            .generate(&small_request(), dir.path())
            .await
            .unwrap_err();
        assert!(err.may_have_created_task(), "{face:?}: {err:?}");
        let text = err.to_string();
        assert_eq!(text.matches("may have been billed").count(), 1, "{text}");
        let s = r.sim.stats();
        assert_eq!((s.submits_received, s.tasks_created), (1, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_hit_by_gateway_5xx_pays_once_per_job_and_reruns_do_not_resend() {
    for face in every_provider() {
        let r = rig(face, SimConfig::instant().ignoring_idempotency_keys()).await;
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..3 {
            r.sim.inject(Route::Submit, Fault::StatusAfterHandling(502));
        }
        let jobs = parse_jobs(
            &(0..3)
                .map(|i| {
                    format!(
                        r#"{{"model":"doubao-seedance-2.0-fast","prompt":"job {i}","duration":4}}"#
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        let summary = run_batch(&r.client, &jobs, dir.path(), &BatchOptions::default())
            .await
            .unwrap();
        assert_eq!(summary.failed.len(), 3);
        assert!(
            summary
                .failed
                .iter()
                .all(|f| f.error.may_have_created_task())
        );
        // A rerun without the opt-in sends nothing.
        let again = run_batch(&r.client, &jobs, dir.path(), &BatchOptions::default())
            .await
            .unwrap();
        assert_eq!(again.failed.len(), 3);
        assert_eq!(r.sim.stats().tasks_created, 3, "3 jobs, 3 tasks: never 6");
        assert_eq!(r.sim.stats().submits_received, 3);
        let m: Manifest =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        for j in &m.jobs {
            assert_eq!(j.state, JobState::Submitting);
            assert_eq!(j.submissions, 1);
            assert!(j.sent_at.is_some(), "the send time is recorded");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_2xx_answer_to_a_submit_keeps_the_job_uncertain() {
    for fault in [Fault::OversizedBody, Fault::Malformed, Fault::CutBody] {
        for face in every_provider() {
            let r = rig(face, SimConfig::instant().ignoring_idempotency_keys()).await;
            let dir = tempfile::tempdir().unwrap();
            r.sim.inject(Route::Submit, fault.clone());
            let jobs =
                parse_jobs(r#"{"model":"doubao-seedance-2.0-fast","prompt":"x","duration":4}"#)
                    .unwrap();
            for _ in 0..2 {
                let summary = run_batch(&r.client, &jobs, dir.path(), &BatchOptions::default())
                    .await
                    .unwrap();
                assert!(
                    matches!(summary.failed[0].error, WorkflowError::Uncertain { .. }),
                    "{fault:?}: {:?}",
                    summary.failed
                );
            }
            assert_eq!(r.sim.stats().submits_received, 1, "{fault:?}: resent");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_answer_without_a_result_is_polled_again() {
    for face in faces() {
        let r = rig(face, SimConfig::instant()).await;
        let dir = tempfile::tempdir().unwrap();
        r.sim.inject(Route::Status, Fault::CompletedWithoutResult);
        r.sim.inject(Route::Status, Fault::CompletedWithoutResult);
        let generated = r
            .client
            .generate(&small_request().with_return_last_frame(true), dir.path())
            .await
            .unwrap();
        assert_valid_video(&generated.video.path);
        assert_eq!(r.sim.stats().tasks_created, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_that_is_off_never_throws_a_paid_video_away() {
    for face in faces() {
        // The body says the URLs expired a minute ago; they are live.
        let config = SimConfig {
            expires_skew_secs: -(24 * 3600 + 60),
            ..SimConfig::instant()
        };
        let r = rig(face, config).await;
        let dir = tempfile::tempdir().unwrap();
        let generated = r
            .client
            .generate(&small_request().with_return_last_frame(true), dir.path())
            .await
            .unwrap();
        assert_valid_video(&generated.video.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_burst_while_waiting_does_not_end_the_wait() {
    for face in faces() {
        let r = rig(face, SimConfig::instant()).await;
        let id = r.client.submit(&small_request()).await.unwrap().task_id;
        for _ in 0..8 {
            r.sim.inject(
                Route::Status,
                Fault::RateLimited {
                    retry_after: Some(0),
                },
            );
        }
        for _ in 0..8 {
            r.sim.inject(Route::Status, Fault::Status(503));
        }
        let task = r.client.wait(&id).await.unwrap();
        assert!(task.is_done());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_bytes_are_never_saved_as_the_video() {
    for fault in [
        Fault::HtmlInsteadOfMedia,
        Fault::GzipEncoded,
        Fault::LongBody,
        Fault::ShortBody,
    ] {
        for face in faces() {
            let r = rig(face, SimConfig::instant()).await;
            let dir = tempfile::tempdir().unwrap();
            let id = r.client.submit(&small_request()).await.unwrap().task_id;
            let task = r.client.wait(&id).await.unwrap();
            let url = task.result.unwrap().video_url().unwrap().to_owned();
            // The file as the server means it, fetched cleanly.
            let clean = r
                .client
                .download(&url, &dir.path().join("clean.mp4"), None)
                .await
                .unwrap();
            r.sim.inject(Route::Media, fault.clone());
            let got = r
                .client
                .download(&url, &dir.path().join("faulted.mp4"), None)
                .await
                .unwrap();
            assert_eq!(got.digest, clean.digest, "{fault:?}");
            assert_eq!(
                std::fs::read(&got.path).unwrap(),
                std::fs::read(&clean.path).unwrap(),
                "{fault:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_url_falls_back_to_the_next() {
    for face in faces() {
        let config = SimConfig {
            dead_first_url: true,
            ..SimConfig::instant()
        };
        let r = rig(face, config).await;
        let dir = tempfile::tempdir().unwrap();
        let generated = r
            .client
            .generate(&small_request(), dir.path())
            .await
            .unwrap();
        assert_valid_video(&generated.video.path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_spelling_is_understood() {
    for spelling in [
        StatusSpelling::Upstream,
        StatusSpelling::Upper,
        StatusSpelling::Title,
    ] {
        for face in faces() {
            let config = SimConfig {
                status_spelling: spelling,
                ..SimConfig::instant()
            };
            let r = rig(face, config).await;
            let dir = tempfile::tempdir().unwrap();
            let generated = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                r.client.generate(&small_request(), dir.path()),
            )
            .await
            .unwrap_or_else(|_| panic!("{spelling:?}: still polling"))
            .unwrap();
            assert_valid_video(&generated.video.path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_unknown_right_after_its_submit_is_waited_for() {
    for face in faces() {
        let config = SimConfig {
            visibility_delay: std::time::Duration::from_secs(2),
            ..SimConfig::instant()
        };
        let r = rig(face, config).await;
        let dir = tempfile::tempdir().unwrap();
        r.client
            .generate(&small_request(), dir.path())
            .await
            .unwrap();
        assert_eq!(r.sim.stats().tasks_created, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_echoes_the_key_never_gets_it_shown_or_stored() {
    for face in every_provider() {
        let r = rig(face, SimConfig::instant()).await;
        let dir = tempfile::tempdir().unwrap();
        r.sim.inject(Route::Status, Fault::EchoKey);
        let id = r.client.submit(&small_request()).await.unwrap().task_id;
        let err = r.client.task(&id).await.unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("Invalid token"), "{shown}");
        assert!(!shown.contains(KEY), "the key leaked: {shown}");
        // In a batch, the error lands in the manifest.
        r.sim.inject(Route::Submit, Fault::EchoKey);
        let jobs = parse_jobs(r#"{"model":"doubao-seedance-2.0-fast","prompt":"x","duration":4}"#)
            .unwrap();
        let summary = run_batch(&r.client, &jobs, dir.path(), &BatchOptions::default())
            .await
            .unwrap();
        assert_eq!(summary.failed.len(), 1);
        assert!(!summary.failed[0].error.to_string().contains(KEY));
        let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        assert!(manifest.contains("Invalid token"), "{manifest}");
        assert!(!manifest.contains(KEY), "{manifest}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_on_one_directory_cannot_both_submit() {
    let r = rig(Face::InProcess(ProviderKind::Apimart), SimConfig::quick()).await;
    let dir = tempfile::tempdir().unwrap();
    let jobs = parse_jobs(
        &(0..3)
            .map(|i| {
                format!(r#"{{"model":"doubao-seedance-2.0-fast","prompt":"job {i}","duration":4}}"#)
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let options = BatchOptions::default();
    let (a, b) = tokio::join!(
        run_batch(&r.client, &jobs, dir.path(), &options),
        run_batch(&r.client, &jobs, dir.path(), &options),
    );
    let (ok, locked) = match (a, b) {
        (Ok(s), Err(e)) | (Err(e), Ok(s)) => (s, e),
        other => panic!("exactly one run may hold the directory: {other:?}"),
    };
    assert!(ok.all_done());
    assert!(matches!(locked, WorkflowError::Locked(_)), "{locked}");
    assert!(locked.to_string().contains("in use"), "{locked}");
    assert_eq!(r.sim.stats().tasks_created, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_symlinks_and_stale_temp_files_are_never_written_through() {
    let r = rig(Face::InProcess(ProviderKind::Apimart), SimConfig::instant()).await;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let id = r.client.submit(&small_request()).await.unwrap().task_id;
    // A stale temporary file a killed run left, and symlinks at names the
    // old version used, all pointing outside the output directory.
    let stem = seedance_transport::client::safe_file_stem(&id);
    #[cfg(unix)]
    for name in [
        format!(".{stem}.mp4.1234.part"),
        "manifest.json.tmp".to_owned(),
        "final.concat.txt".to_owned(),
        "final.partial.mp4".to_owned(),
    ] {
        std::os::unix::fs::symlink(&victim, dir.path().join(name)).unwrap();
    }
    r.client.finish(&id, dir.path(), |_| {}).await.unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(
        !dir.path().join(format!(".{stem}.mp4.1234.part")).exists(),
        "stale temp file removed"
    );
}
