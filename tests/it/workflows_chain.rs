//! Chains over the simulator with paused time: linking, resume after a crash
//! at any moment without duplicate submits, lost task ids, expiry,
//! pipelining and stitching.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use seedance_core::provider::ProviderKind;
use seedance_sim::{Fault, GenerationTime, Route, SimConfig, Simulator};
use seedance_tests::matches_digest;
use seedance_tests::sim_client;
use seedance_transport::ClientConfig;
use seedance_workflows::{
    ChainOptions, Event, FilmOptions, JobState, Manifest, Plan, RunLayout, StitchOptions,
    WorkflowError, make_film, run_chain, stitch,
};
use serde_json::{Value, json};

fn plan(value: Value) -> Plan {
    Plan::from_json(&value).unwrap().0
}

fn four_segments() -> Plan {
    plan(json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4, "generate_audio": false},
        "segments": [{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four"}]
    }))
}

fn manifest(dir: &std::path::Path) -> seedance_workflows::Manifest {
    seedance_tests::recorded_run(dir)
}

fn assert_complete(dir: &Path, n: usize) {
    let m = manifest(dir);
    assert_eq!(m.jobs.len(), n);
    for job in &m.jobs {
        assert_eq!(job.state, JobState::Downloaded, "segment {}", job.index);
        for f in [job.video.as_ref(), job.last_frame.as_ref()]
            .into_iter()
            .flatten()
        {
            let bytes = std::fs::read(dir.join(&f.path)).unwrap();
            assert!(matches_digest(&bytes, &f.digest), "{}", f.path);
        }
    }
}

fn quick() -> SimConfig {
    SimConfig {
        queue_secs: (0.0, 1.0),
        ..SimConfig::quick()
    }
}

#[tokio::test(start_paused = true)]
async fn start_and_end_images_and_links_by_image_urls() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(quick(), ClientConfig::default());
    let plan = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0", "duration": 5},
        "start_image": "https://example.com/start.png",
        "end_image": "https://example.com/end.png",
        "segments": [{"prompt": "a"}, {"prompt": "b"}, {"prompt": "c"}]
    }));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let options = ChainOptions {
        events: Arc::new(move |e: &Event| sink.lock().unwrap().push(e.clone())),
        ..ChainOptions::default()
    };
    let outcome = run_chain(&client, &plan, dir.path(), &options)
        .await
        .unwrap();
    assert_eq!(outcome.videos.len(), 3);
    assert_complete(dir.path(), 3);
    let m = manifest(dir.path());
    let sent: Vec<Value> = m
        .jobs
        .iter()
        .map(|j| sim.task_request(j.task_id.as_ref().unwrap()).unwrap())
        .collect();
    assert_eq!(
        sent[0]["image_urls"],
        json!(["https://example.com/start.png"])
    );
    assert_eq!(
        sent[1]["image_urls"],
        json!([m.jobs[0].last_frame_url.as_ref().unwrap()])
    );
    assert_eq!(
        sent[2]["image_with_roles"],
        json!([
            {"url": m.jobs[1].last_frame_url.as_ref().unwrap(), "role": "first_frame"},
            {"url": "https://example.com/end.png", "role": "last_frame"}
        ])
    );
    assert!(sent.iter().all(|r| r["return_last_frame"] == json!(true)));
    let events = events.lock().unwrap();
    let submitted = events
        .iter()
        .filter(|e| matches!(e, Event::Submitted { .. }))
        .count();
    let downloaded = events
        .iter()
        .filter(|e| matches!(e, Event::Downloaded { .. }))
        .count();
    assert_eq!((submitted, downloaded), (3, 3));
    assert_eq!(events.last(), Some(&Event::Done));
}

#[tokio::test(start_paused = true)]
async fn first_frame_link_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(quick(), ClientConfig::default());
    let plan = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0-mini"},
        "link": "first_frame",
        "segments": [{"prompt": "a"}, {"prompt": "b"}]
    }));
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    let m = manifest(dir.path());
    let second = sim
        .task_request(m.jobs[1].task_id.as_ref().unwrap())
        .unwrap();
    assert_eq!(
        second["image_with_roles"],
        json!([{"url": m.jobs[0].last_frame_url.as_ref().unwrap(), "role": "first_frame"}])
    );
    assert!(second.get("image_urls").is_none());
}

/// Kills the run (drops its future) at `at`, then resumes to the end.
async fn crash_then_resume(
    sim_config: SimConfig,
    at: Duration,
) -> (Simulator, tempfile::TempDir, bool) {
    crash_then_resume_on(ProviderKind::Apimart, sim_config, at).await
}

/// [`crash_then_resume`] with the client speaking `provider`'s dialect.
async fn crash_then_resume_on(
    provider: ProviderKind,
    sim_config: SimConfig,
    at: Duration,
) -> (Simulator, tempfile::TempDir, bool) {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(
        sim_config,
        ClientConfig {
            provider,
            ..ClientConfig::default()
        },
    );
    let plan = four_segments();
    let crashed = tokio::time::timeout(
        at,
        run_chain(&client, &plan, dir.path(), &ChainOptions::default()),
    )
    .await
    .is_err();
    // The manifest is always readable after a kill; it is absent only when
    // the kill came before anything was sent.
    if dir.path().join("manifest.json").exists() {
        let _ = manifest(dir.path());
    } else {
        assert_eq!(sim.stats().submits_received, 0);
    }
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    (sim, dir, crashed)
}

#[tokio::test(start_paused = true)]
async fn killed_at_any_moment_resumes_without_paying_twice() {
    let mut crashes = 0;
    for tenth in (0..200).step_by(3) {
        let at = Duration::from_millis(tenth * 100);
        let (sim, dir, crashed) = crash_then_resume(quick(), at).await;
        crashes += usize::from(crashed);
        assert_eq!(
            sim.stats().tasks_created,
            4,
            "crash at {at:?}: a segment was paid twice"
        );
        assert_complete(dir.path(), 4);
    }
    assert!(
        crashes >= 30,
        "only {crashes} runs were actually interrupted"
    );
}

#[tokio::test(start_paused = true)]
async fn on_ark_killed_at_any_moment_resumes_without_paying_twice() {
    let mut crashes = 0;
    for tenth in (0..200).step_by(7) {
        let at = Duration::from_millis(tenth * 100);
        let (sim, dir, crashed) = crash_then_resume_on(ProviderKind::Ark, quick(), at).await;
        crashes += usize::from(crashed);
        assert_eq!(
            sim.stats().tasks_created,
            4,
            "crash at {at:?}: a segment was paid twice"
        );
        assert_complete(dir.path(), 4);
    }
    assert!(
        crashes >= 12,
        "only {crashes} runs were actually interrupted"
    );
}

#[tokio::test(start_paused = true)]
async fn lost_task_id_is_not_resubmitted_without_consent() {
    let dir = tempfile::tempdir().unwrap();
    // A service that ignores idempotency keys: nothing makes a resend safe.
    let (client, sim) = sim_client(quick().ignoring_idempotency_keys(), ClientConfig::default());
    let plan = four_segments();
    // Segment 0 goes through; segment 1's answer is lost after the server created it.
    sim.inject(Route::Submit, Fault::Slow(Duration::ZERO));
    sim.inject(Route::Submit, Fault::DropAfterHandling);
    let err = run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, WorkflowError::Uncertain { index: 1, .. }),
        "{err}"
    );
    // The library says what happened; the CLI adds which flag to use.
    assert!(!err.to_string().contains("--"), "{err}");
    assert_eq!(manifest(dir.path()).jobs[1].state, JobState::Submitting);
    // Segment 0 was still downloaded: nothing paid for is lost.
    assert_eq!(manifest(dir.path()).jobs[0].state, JobState::Downloaded);

    let before = sim.stats().submits_received;
    let again = run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(again, WorkflowError::Uncertain { index: 1, .. }));
    assert_eq!(
        sim.stats().submits_received,
        before,
        "resubmitted without consent"
    );

    let consent = ChainOptions {
        resubmit_uncertain: true,
        ..ChainOptions::default()
    };
    run_chain(&client, &plan, dir.path(), &consent)
        .await
        .unwrap();
    assert_complete(dir.path(), 4);
    assert_eq!(
        sim.stats().tasks_created,
        5,
        "exactly the uncertain one was paid twice"
    );
    assert_eq!(manifest(dir.path()).jobs[1].submissions, 2);
}

#[tokio::test(start_paused = true)]
async fn expired_result_on_resume_names_the_lost_segment() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(quick(), ClientConfig::default());
    let plan = four_segments();
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    // The file of segment 2 disappears, and a day passes.
    std::fs::remove_file(dir.path().join("segment_002.mp4")).unwrap();
    tokio::time::advance(Duration::from_secs(25 * 3600)).await;
    let err = run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, WorkflowError::Expired { index: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(sim.stats().tasks_created, 4);
    // Regenerating it needs a live last frame from segment 1. With the kept
    // PNG gone too, there is nothing to upload instead.
    let kept = dir.path().join("segment_001_last_frame.png");
    let aside = dir.path().join("aside.png");
    std::fs::rename(&kept, &aside).unwrap();
    let regenerate = ChainOptions {
        regenerate: vec![2],
        keep_downstream: true,
        ..ChainOptions::default()
    };
    let err = run_chain(&client, &plan, dir.path(), &regenerate)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::LinkExpired {
                index: 2,
                previous: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("--"), "{err}");
    // The user puts the frame back, uploads a copy of it and points at it.
    std::fs::rename(&aside, &kept).unwrap();
    let mut frame_urls = std::collections::BTreeMap::new();
    frame_urls.insert(
        1,
        seedance_core::MediaUrl::parse("https://my-bucket.example.com/seg1.png").unwrap(),
    );
    let resume = ChainOptions {
        regenerate: vec![2],
        // Segment 3 keeps its take (its link to segment 2 becomes stale).
        keep_downstream: true,
        frame_urls,
        ..ChainOptions::default()
    };
    run_chain(&client, &plan, dir.path(), &resume)
        .await
        .unwrap();
    assert_complete(dir.path(), 4);
    assert_eq!(
        sim.stats().tasks_created,
        5,
        "only the lost segment was paid again"
    );
    let stale = manifest(dir.path()).stale_links();
    assert_eq!(
        stale,
        vec![3],
        "segment 3 started from segment 2's lost take"
    );
    let m = manifest(dir.path());
    let resent = sim
        .task_request(m.jobs[2].task_id.as_ref().unwrap())
        .unwrap();
    assert_eq!(
        resent["image_urls"],
        json!(["https://my-bucket.example.com/seg1.png"])
    );
}

#[tokio::test(start_paused = true)]
async fn changed_plan_is_refused_and_appended_segments_run() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(quick(), ClientConfig::default());
    run_chain(
        &client,
        &four_segments(),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let changed = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4, "generate_audio": false},
        "segments": [{"prompt": "ONE"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four"}]
    }));
    let err = run_chain(&client, &changed, dir.path(), &ChainOptions::default())
        .await
        .unwrap_err();
    let WorkflowError::ChangesNeedConfirmation(changes) = &err else {
        panic!("{err}");
    };
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(
        (changes.changed[0].index, changes.changed[0].fields.clone()),
        (0, vec!["prompt".to_owned()])
    );
    assert_eq!(changes.downstream, vec![1, 2, 3]);
    assert_eq!(sim.stats().tasks_created, 4, "nothing paid before consent");
    let extended = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4, "generate_audio": false},
        "segments": [{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four"}, {"prompt": "five"}]
    }));
    run_chain(&client, &extended, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    assert_complete(dir.path(), 5);
    assert_eq!(sim.stats().tasks_created, 5);
}

#[tokio::test(start_paused = true)]
async fn downloads_overlap_generation_so_wall_time_is_the_sum_of_generations() {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig {
        queue_secs: (0.0, 0.0),
        generation: GenerationTime::default(),
        ..SimConfig::default()
    };
    let (client, sim) = sim_client(config, ClientConfig::default());
    let plan = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0", "duration": 5},
        "segments": (0..6).map(|i| json!({"prompt": format!("shot {i}")})).collect::<Vec<_>>()
    }));
    let start = tokio::time::Instant::now();
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    let wall = start.elapsed().as_secs_f64();
    let generation: f64 = sim
        .task_ids()
        .iter()
        .map(|id| sim.task_timing(id).unwrap().1.as_secs_f64())
        .sum();
    assert!(
        wall <= generation * 1.05,
        "wall {wall:.1} s vs generation {generation:.1} s"
    );
    assert!(wall >= generation);
}

fn frames(path: &Path) -> u64 {
    seedance_tests::mp4_video(path).1
}

#[tokio::test(start_paused = true)]
async fn stitch_joins_segments_and_can_drop_the_seam_frames() {
    if !seedance_tests::ffmpeg_or_skip("stitch_joins_segments_and_can_drop_the_seam_frames") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (client, _sim) = sim_client(quick(), ClientConfig::default());
    let plan = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0-fast"},
        "segments": [{"prompt": "a"}, {"prompt": "b"}, {"prompt": "c"}]
    }));
    let outcome = run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    let per_segment = frames(&outcome.videos[0]);
    let film = dir.path().join("final.mp4");
    stitch(&outcome.videos, &film, &StitchOptions::default())
        .await
        .unwrap();
    assert_eq!(frames(&film), 3 * per_segment);
    let seamless = dir.path().join("final_seamless.mp4");
    stitch(
        &outcome.videos,
        &seamless,
        &StitchOptions {
            drop_seam_frame: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(frames(&seamless), 3 * per_segment - 2);
}

#[tokio::test(start_paused = true)]
async fn a_film_is_stitched_recorded_and_refused_over_stale_links() {
    if !seedance_tests::ffmpeg_or_skip("a_film_is_stitched_recorded_and_refused_over_stale_links") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(quick(), ClientConfig::default());
    let plan = plan(json!({
        "defaults": {"model": "doubao-seedance-2.0-fast"},
        "segments": [{"prompt": "a"}, {"prompt": "b"}, {"prompt": "c"}]
    }));
    let options = FilmOptions {
        stitch: Some(StitchOptions::default()),
        ..FilmOptions::default()
    };
    let film = make_film(&client, &plan, dir.path(), &options)
        .await
        .unwrap();
    let path = film.film.clone().expect("stitching was asked for");
    assert_eq!(path, dir.path().join(RunLayout::FILM));
    assert_eq!(frames(&path), 3 * frames(&film.chain.videos[0]));
    // The manifest records the film by its bytes; the page shows it.
    let recorded = manifest(dir.path()).stitched.expect("the film is recorded");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(recorded.bytes, bytes.len() as u64);
    assert!(matches_digest(&bytes, &recorded.digest));
    let page = std::fs::read_to_string(dir.path().join(RunLayout::STORYBOARD)).unwrap();
    assert!(page.contains("final.mp4"), "the storyboard shows the film");
    // A regenerated middle segment that keeps the one after it: the link
    // is stale, the film is refused (the segments are kept), and accepting
    // stale links stitches anyway.
    let again = FilmOptions {
        chain: ChainOptions {
            regenerate: vec![1],
            keep_downstream: true,
            ..ChainOptions::default()
        },
        ..options.clone()
    };
    let err = make_film(&client, &plan, dir.path(), &again)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WorkflowError::StaleLinks { segments } if segments == &vec![2]),
        "{err}"
    );
    assert_eq!(sim.stats().tasks_created, 4, "one regeneration, paid once");
    let accepted = FilmOptions {
        accept_stale: true,
        ..options
    };
    make_film(&client, &plan, dir.path(), &accepted)
        .await
        .unwrap();
    assert_eq!(sim.stats().tasks_created, 4, "nothing paid to stitch");
}

#[test]
fn a_plan_that_fails_at_segment_7_fails_before_segment_1_is_paid() {
    let segments: Vec<Value> = (0..8)
        .map(|i| {
            if i == 7 {
                json!({"prompt": "x", "duration": 99})
            } else {
                json!({"prompt": "x"})
            }
        })
        .collect();
    let err = Plan::from_json(
        &json!({"defaults": {"model": "doubao-seedance-2.0"}, "segments": segments}),
    )
    .unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_eq!(err.errors[0].path, "segments[7].duration");
}

#[tokio::test(start_paused = true)]
async fn a_chain_from_a_local_image_survives_an_expired_link_by_uploading_the_kept_frame() {
    local_image_chain(ProviderKind::Apimart).await;
}

#[tokio::test(start_paused = true)]
async fn on_ark_a_chain_from_a_local_image_sends_it_inline_and_links_the_last_frames() {
    local_image_chain(ProviderKind::Ark).await;
}

/// The first image of job `k`'s request as recorded (the project's body).
fn first_image(m: &Manifest, k: usize) -> String {
    m.jobs[k].request.as_ref().unwrap().parse()["image_urls"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A chain from a local image: uploaded on apimart, sent inline on Ark
/// (no upload endpoint there); each segment starts from the previous one's
/// last frame; a day later (result URLs dead) the kept frame is published
/// again and nothing is regenerated.
async fn local_image_chain(provider: ProviderKind) {
    let dir = tempfile::tempdir().unwrap();
    let images = tempfile::tempdir().unwrap();
    std::fs::write(images.path().join("start.png"), seedance_sim::SAMPLE_PNG).unwrap();
    let (client, sim) = sim_client(
        quick(),
        ClientConfig {
            provider,
            ..ClientConfig::default()
        },
    );
    // How a local image reaches the service under this provider.
    let published = if provider == ProviderKind::Apimart {
        "upload_"
    } else {
        seedance_transport::client::INLINE_HOST
    };
    let plan_json = |n: usize| {
        json!({
            "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4, "generate_audio": false},
            "start_image": "start.png",
            "segments": (0..n).map(|i| json!({"prompt": format!("shot {i}")})).collect::<Vec<_>>(),
        })
    };
    let load = |n: usize| {
        let mut v = plan_json(n);
        let local = seedance_workflows::localize(&mut v, images.path()).unwrap();
        let options = ChainOptions {
            local_files: seedance_workflows::LocalFiles::from_found(&local),
            ..ChainOptions::default()
        };
        (plan(v), options)
    };
    let (two, options) = load(2);
    run_chain(&client, &two, dir.path(), &options)
        .await
        .unwrap();
    let first = manifest(dir.path());
    let sent = first_image(&first, 0);
    assert!(
        sent.contains(published),
        "segment 0 starts from the published image: {sent}"
    );
    assert_eq!(
        Some(first_image(&first, 1).as_str()),
        first.jobs[0].last_frame_url.as_deref(),
        "segment 1 starts from segment 0's last frame"
    );
    if provider != ProviderKind::Apimart {
        // What Ark received: the image itself, inline, as the first frame.
        let body = sim
            .task_request(first.jobs[0].task_id.as_ref().unwrap())
            .unwrap();
        assert_eq!(body["content"][1]["role"], "first_frame");
        assert!(
            body["content"][1]["image_url"]["url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/png;base64,"),
            "{body}"
        );
        // Billed from the tokens the task reports.
        let task = client
            .task(first.jobs[0].task_id.as_ref().unwrap())
            .await
            .unwrap();
        let tokens = seedance_core::provider::ark::completion_tokens(&task).unwrap();
        assert_eq!(tokens, (4 * 24 + 1) * 864 * 496 / 1024);
        let billed = task.billed().unwrap();
        assert!(
            (billed - tokens as f64 * 37.0 / 1e6).abs() < 1e-9,
            "{billed}"
        );
        assert_eq!(first.jobs[0].cost, Some(billed));
    }
    // A day later the result URLs are dead; the plan grows by one segment.
    tokio::time::advance(Duration::from_secs(25 * 3600)).await;
    let (three, options) = load(3);
    run_chain(&client, &three, dir.path(), &options)
        .await
        .unwrap();
    assert_complete(dir.path(), 3);
    let m = manifest(dir.path());
    let link = first_image(&m, 2);
    assert!(
        link.contains(published),
        "the kept last frame was published again: {link}"
    );
    assert_ne!(Some(link.as_str()), m.jobs[1].last_frame_url.as_deref());
    assert_eq!(
        sim.stats().tasks_created,
        3,
        "one task per segment: nothing regenerated"
    );
    let uploads = if provider == ProviderKind::Apimart {
        2
    } else {
        0
    };
    assert_eq!(
        sim.stats().uploads_stored,
        uploads,
        "the start image and the kept frame (uploaded on apimart only)"
    );
}

#[tokio::test(start_paused = true)]
async fn records_with_sha256_from_earlier_versions_are_checked_with_sha256() {
    use seedance_core::digest::DigestAlgorithm;
    use seedance_tests::reference_digest;
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(quick(), ClientConfig::default());
    let plan = four_segments();
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    // Rewrite the manifest as an earlier version wrote it: SHA-256 records.
    let path = dir.path().join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut rewritten = 0;
    for job in m["jobs"].as_array_mut().unwrap() {
        for role in ["video", "last_frame"] {
            let Some(file) = job.get_mut(role).and_then(Value::as_object_mut) else {
                continue;
            };
            assert!(file.remove("blake3").is_some(), "recorded with BLAKE3");
            let bytes = std::fs::read(dir.path().join(file["path"].as_str().unwrap())).unwrap();
            file.insert(
                "sha256".into(),
                json!(reference_digest(DigestAlgorithm::Sha256, &bytes)),
            );
            rewritten += 1;
        }
    }
    assert!(rewritten >= 4);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let media = sim.stats().media_requests;
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    assert_eq!(
        sim.stats().media_requests,
        media,
        "every file matched its SHA-256: nothing fetched again"
    );
    let again = manifest(dir.path());
    let video = again.jobs[1].video.as_ref().unwrap();
    assert_eq!(video.digest.algorithm(), DigestAlgorithm::Sha256);
    // A file changed on disk no longer matches its SHA-256: fetched again.
    let seg1 = dir.path().join(&video.path);
    let mut bytes = std::fs::read(&seg1).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&seg1, &bytes).unwrap();
    run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    assert!(
        sim.stats().media_requests > media,
        "the changed file was fetched again"
    );
    assert_complete(dir.path(), 4);
    assert_eq!(sim.stats().tasks_created, 4);
}
