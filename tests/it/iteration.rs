//! Iterating on a film: an edited plan shows what it changes and pays only
//! with consent; every generated video is kept as a take; selecting a take
//! marks the links after it stale; the storyboard page shows the run.

use seedance_sim::SimConfig;
use seedance_tests::matches_digest;
use seedance_tests::sim_client;
use seedance_transport::ClientConfig;
use seedance_workflows::takes::select_take;
use seedance_workflows::{ChainOptions, JobState, Plan, WorkflowError, run_chain};
use serde_json::{Value, json};

fn plan(segments: Value, start_image: Option<&str>) -> Plan {
    let mut p = json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4},
        "segments": segments
    });
    if let Some(img) = start_image {
        p["start_image"] = json!(img);
    }
    Plan::from_json(&p).unwrap().0
}

fn four() -> Value {
    json!([{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four"}])
}

fn manifest(dir: &std::path::Path) -> seedance_workflows::Manifest {
    seedance_tests::recorded_run(dir)
}

fn apply() -> ChainOptions {
    ChainOptions {
        apply_changes: true,
        ..ChainOptions::default()
    }
}

fn consent_needed(err: WorkflowError) -> seedance_workflows::changes::PlanChanges {
    match err {
        WorkflowError::ChangesNeedConfirmation(c) => *c,
        other => panic!("expected a request for consent, got {other}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_prompt_edit_in_the_middle_regenerates_it_and_what_follows_only_with_consent() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let before = manifest(dir.path());
    let edited = plan(
        json!([{"prompt": "one"}, {"prompt": "TWO, at dusk"}, {"prompt": "three"}, {"prompt": "four"}]),
        None,
    );
    let changes = consent_needed(
        run_chain(&client, &edited, dir.path(), &ChainOptions::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].index, 1);
    assert_eq!(changes.changed[0].fields, vec!["prompt"]);
    assert_eq!(changes.downstream, vec![2, 3]);
    assert!(changes.new.is_empty() && changes.removed.is_empty());
    assert_eq!(changes.seconds(), 12);
    assert_eq!(sim.stats().tasks_created, 4, "nothing paid before consent");
    assert_eq!(manifest(dir.path()), before, "nothing changed on disk");

    run_chain(&client, &edited, dir.path(), &apply())
        .await
        .unwrap();
    assert_eq!(sim.stats().tasks_created, 7);
    let after = manifest(dir.path());
    assert_eq!(
        after.jobs[0].task_id, before.jobs[0].task_id,
        "segment 0 kept"
    );
    for k in 1..4 {
        let job = &after.jobs[k];
        assert_eq!(
            (job.state, job.take),
            (JobState::Downloaded, 2),
            "segment {k}"
        );
        assert_ne!(job.task_id, before.jobs[k].task_id);
        // The earlier take is kept, with its files, under the segment's directory.
        assert_eq!(job.takes.len(), 1);
        let old = &job.takes[0];
        assert_eq!((old.number, &old.task_id), (1, &before.jobs[k].task_id));
        let video = old.video.as_ref().unwrap();
        assert_eq!(video.path, format!("segment_{k:03}/take_1.mp4"));
        let bytes = std::fs::read(dir.path().join(&video.path)).unwrap();
        assert!(matches_digest(
            &bytes,
            &before.jobs[k].video.as_ref().unwrap().digest
        ));
    }
    assert!(after.stale_links().is_empty());
    // Segment 2's new take started from segment 1's new take.
    assert_eq!(after.jobs[2].linked_from, Some(2));
}

#[tokio::test(start_paused = true)]
async fn duration_and_image_edits_are_named_and_appends_need_no_consent() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let start = "https://example.com/start.png";
    run_chain(
        &client,
        &plan(four(), Some(start)),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    // A new start image changes segment 0's images (and so the whole film).
    let images = plan(four(), Some("https://example.com/other.png"));
    let changes = consent_needed(
        run_chain(&client, &images, dir.path(), &ChainOptions::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(changes.changed[0].index, 0);
    assert_eq!(changes.changed[0].fields, vec!["image_urls"]);
    assert_eq!(changes.downstream, vec![1, 2, 3]);
    // A longer last segment: only it, and its duration.
    let longer = plan(
        json!([{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four", "duration": 9}]),
        Some(start),
    );
    let changes = consent_needed(
        run_chain(&client, &longer, dir.path(), &ChainOptions::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(changes.changed[0].fields, vec!["duration"]);
    assert!(changes.downstream.is_empty());
    assert_eq!(changes.seconds(), 9);
    // Appending runs at once and pays for the new segment only.
    let appended = plan(
        json!([{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}, {"prompt": "four"}, {"prompt": "five"}]),
        Some(start),
    );
    run_chain(&client, &appended, dir.path(), &ChainOptions::default())
        .await
        .unwrap();
    assert_eq!(sim.stats().tasks_created, 5);
}

#[tokio::test(start_paused = true)]
async fn a_removed_segment_needs_consent_and_keeps_its_files_as_a_take() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let old = manifest(dir.path()).jobs[3].video.clone().unwrap();
    let three = plan(
        json!([{"prompt": "one"}, {"prompt": "two"}, {"prompt": "three"}]),
        None,
    );
    let changes = consent_needed(
        run_chain(&client, &three, dir.path(), &ChainOptions::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(changes.removed, vec![3]);
    assert!(changes.generate.is_empty());
    run_chain(&client, &three, dir.path(), &apply())
        .await
        .unwrap();
    assert_eq!(manifest(dir.path()).jobs.len(), 3);
    assert_eq!(sim.stats().tasks_created, 4);
    let kept = std::fs::read(dir.path().join("segment_003/take_1.mp4")).unwrap();
    assert!(matches_digest(&kept, &old.digest));
    assert!(!dir.path().join("segment_003.mp4").exists());
}

#[tokio::test(start_paused = true)]
async fn selecting_an_earlier_take_swaps_files_and_marks_the_next_link_stale() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let first = manifest(dir.path());
    // A second take of segment 2 only (segment 3 keeps its take).
    let regenerate = ChainOptions {
        regenerate: vec![2],
        keep_downstream: true,
        ..ChainOptions::default()
    };
    run_chain(&client, &plan(four(), None), dir.path(), &regenerate)
        .await
        .unwrap();
    assert_eq!(sim.stats().tasks_created, 5);
    let second = manifest(dir.path());
    assert_eq!(second.jobs[2].take, 2);
    assert_eq!(
        second.stale_links(),
        vec![3],
        "segment 3 started from take 1"
    );

    // Back to take 1: its files become segment 2's, take 2 is kept, and
    // segment 3's link is whole again.
    let selected = select_take(dir.path(), 2, 1).await.unwrap();
    assert!(selected.stale.is_empty());
    let third = manifest(dir.path());
    assert_eq!(third.jobs[2].take, 1);
    assert_eq!(third.jobs[2].task_id, first.jobs[2].task_id);
    let on_disk = std::fs::read(dir.path().join("segment_002.mp4")).unwrap();
    assert!(matches_digest(
        &on_disk,
        &first.jobs[2].video.as_ref().unwrap().digest
    ));
    let kept = &third.jobs[2].takes[0];
    assert_eq!(
        (kept.number, kept.video.as_ref().unwrap().path.as_str()),
        (2, "segment_002/take_2.mp4")
    );
    // And to take 2 again: segment 3 is stale once more.
    let selected = select_take(dir.path(), 2, 2).await.unwrap();
    assert_eq!(selected.stale, vec![3]);
    // No such take: a typed error listing the takes.
    match select_take(dir.path(), 2, 9).await.unwrap_err() {
        WorkflowError::NoSuchTake { takes, .. } => assert_eq!(takes, vec![1, 2]),
        other => panic!("{other}"),
    }
    // A rerun of the plan pays nothing more and keeps the selection.
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(sim.stats().tasks_created, 5);
    assert_eq!(manifest(dir.path()).jobs[2].take, 2);
}

/// Issue 23, defect 1: a kept take records everything its task produced,
/// so selecting it leaves nothing to fetch, and a rerun against a service
/// that no longer knows its task (a day later, say) pays and asks nothing.
#[tokio::test(start_paused = true)]
async fn a_selected_take_stays_finished_when_the_service_has_forgotten_its_task() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let first = manifest(dir.path());
    let regenerate = ChainOptions {
        regenerate: vec![2],
        keep_downstream: true,
        ..ChainOptions::default()
    };
    run_chain(&client, &plan(four(), None), dir.path(), &regenerate)
        .await
        .unwrap();
    let kept = &manifest(dir.path()).jobs[2].takes[0];
    assert_eq!(
        kept.video_urls, first.jobs[2].video_urls,
        "the kept take lost its URLs"
    );
    assert_eq!(kept.cost, first.jobs[2].cost);

    select_take(dir.path(), 2, 1).await.unwrap();
    let selected = manifest(dir.path());
    assert_eq!(selected.jobs[2].state, JobState::Downloaded);
    assert_eq!(selected.jobs[2].video_urls, first.jobs[2].video_urls);

    // A service that knows none of these tasks: nothing to ask, nothing to pay.
    let (forgetful, fresh) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &forgetful,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let stats = fresh.stats();
    assert_eq!(
        (
            stats.tasks_created,
            stats.status_requests,
            stats.media_requests
        ),
        (0, 0, 0),
        "{stats:?}"
    );
    assert_eq!(sim.stats().tasks_created, 5);
    assert_eq!(manifest(dir.path()).jobs[2].take, 1);
}

/// The same for a take kept by an earlier version, which recorded no URLs:
/// its files on disk, verified, are what make it finished.
#[tokio::test(start_paused = true)]
async fn a_selected_take_without_recorded_urls_is_finished_by_its_verified_files() {
    let dir = tempfile::tempdir().unwrap();
    let (client, _sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let regenerate = ChainOptions {
        regenerate: vec![1],
        keep_downstream: true,
        ..ChainOptions::default()
    };
    run_chain(&client, &plan(four(), None), dir.path(), &regenerate)
        .await
        .unwrap();
    // As an earlier version wrote it: the kept take without URLs.
    let path = dir.path().join("manifest.json");
    let mut raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    raw["jobs"][1]["takes"][0]
        .as_object_mut()
        .unwrap()
        .remove("video_urls");
    std::fs::write(&path, serde_json::to_vec_pretty(&raw).unwrap()).unwrap();
    select_take(dir.path(), 1, 1).await.unwrap();
    assert!(manifest(dir.path()).jobs[1].video_urls.is_empty());

    let (forgetful, fresh) = sim_client(SimConfig::quick(), ClientConfig::default());
    let accept_stale = ChainOptions::default();
    run_chain(&forgetful, &plan(four(), None), dir.path(), &accept_stale)
        .await
        .unwrap();
    assert_eq!(fresh.stats().tasks_created, 0);
    assert_eq!(fresh.stats().status_requests, 0);

    // A corrupted file is not finished: with no URL and a task the service
    // no longer knows, the run says so instead of paying again.
    std::fs::write(dir.path().join("segment_001.mp4"), b"not a video").unwrap();
    let err = run_chain(&forgetful, &plan(four(), None), dir.path(), &accept_stale)
        .await
        .unwrap_err();
    assert_eq!(fresh.stats().tasks_created, 0, "{err}");
}

/// Issue 23, defect 2: billed totals count every paid task of the run, and
/// say what the selected takes alone cost.
#[tokio::test(start_paused = true)]
async fn billed_totals_count_every_paid_take_and_show_the_selection_beside_them() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    run_chain(
        &client,
        &plan(four(), None),
        dir.path(),
        &ChainOptions::default(),
    )
    .await
    .unwrap();
    let edited = plan(
        json!([{"prompt": "one"}, {"prompt": "two"}, {"prompt": "THREE, at night"}, {"prompt": "four"}]),
        None,
    );
    run_chain(&client, &edited, dir.path(), &apply())
        .await
        .unwrap();
    assert_eq!(sim.stats().tasks_created, 6);
    let m = manifest(dir.path());
    let per_task = m.jobs[0].cost.expect("the simulator reports costs");
    let billed = m.billed();
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-6);
    assert!(close(billed.total, 6.0 * per_task), "{billed:?}");
    assert!(close(billed.selected, 4.0 * per_task), "{billed:?}");

    // What `seedance status DIR` and the storyboard say.
    let status = seedance_tests::run_cli(&["--json", "status", dir.path().to_str().unwrap()], "");
    assert_eq!(status.code, 0, "{}", status.stderr);
    let v: Value = serde_json::from_str(&status.stdout).unwrap();
    assert!(close(v["billed"].as_f64(), 6.0 * per_task), "{v}");
    assert!(close(v["billed_selected"].as_f64(), 4.0 * per_task), "{v}");
    let text = seedance_tests::run_cli(&["status", dir.path().to_str().unwrap()], "");
    assert!(
        text.stdout
            .contains(&format!("billed: {:.4}", 6.0 * per_task)),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains(&format!("selected takes: {:.4}", 4.0 * per_task)),
        "{}",
        text.stdout
    );
}
