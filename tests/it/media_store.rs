//! Local reference videos and audio published to a real S3-compatible
//! server (moto, started by .ci/run) and sent as presigned URLs, which the
//! simulator fetches as the service would.
//!
//! Needs `AWS_ENDPOINT_URL` (the server), `SEEDANCE_TEST_S3_BUCKET` (an
//! existing bucket) and the usual `AWS_*` credentials in the environment;
//! without them each test says it is skipped, and under CI it fails.

use std::path::{Path, PathBuf};

use seedance_sim::SimConfig;
use seedance_tests::{run_cli, sim_client};
use seedance_transport::ClientConfig;
use seedance_workflows::media_store::{MediaStore, StoreError};
use seedance_workflows::{ChainOptions, Destinations, Plan, run_chain};
use serde_json::json;

fn bucket_or_skip(test: &str) -> Option<String> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").ok();
    let bucket = std::env::var("SEEDANCE_TEST_S3_BUCKET").ok();
    match (endpoint, bucket) {
        (Some(_), Some(b)) => Some(b),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: no S3-compatible server under CI (.ci/run starts moto)"
            );
            eprintln!(
                "skipped {test}: no S3-compatible server (set AWS_ENDPOINT_URL, SEEDANCE_TEST_S3_BUCKET and AWS credentials; .ci/run starts moto)"
            );
            None
        }
    }
}

/// A unique prefix per test, so tests share the bucket without meeting.
fn store_url(bucket: &str, test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("s3://{bucket}/{test}-{nanos}")
}

/// A 2 s, 640x640, 24 fps H.264 clip and a 2 s WAV made with ffmpeg.
fn clips(dir: &Path) -> (PathBuf, PathBuf) {
    let video = dir.join("motion.mp4");
    let audio = dir.join("voice.wav");
    for args in [
        vec![
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=640x640:rate=24",
            "-t",
            "2",
            "-pix_fmt",
            "yuv420p",
        ],
        vec!["-f", "lavfi", "-i", "sine=frequency=440:duration=2"],
    ] {
        let target = if args.contains(&"sine=frequency=440:duration=2") {
            &audio
        } else {
            &video
        };
        let ok = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y"])
            .args(&args)
            .arg(target)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ffmpeg could not make {}", target.display());
    }
    (video, audio)
}

async fn get(url: &str) -> (u16, Vec<u8>) {
    let r = reqwest_get(url).await;
    (r.0, r.1)
}

/// A GET over plain HTTP with no client library (the media host must
/// never need anything from us but the URL).
async fn reqwest_get(url: &str) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(
        format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).await.unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, all[split + 4..].to_vec())
}

#[tokio::test]
async fn publishing_uploads_once_signs_a_working_url_and_renews_it() {
    let test = "publishing_uploads_once";
    let Some(bucket) = bucket_or_skip(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.wav");
    std::fs::write(&file, b"RIFF....WAVEfmt not really audio, but bytes").unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let sha = seedance_workflows::manifest::sha256_hex(&bytes);
    let store = MediaStore::from_url(&store_url(&bucket, test))
        .unwrap()
        .with_ttl(std::time::Duration::from_secs(3600));
    assert_eq!(store.contains(&sha, "wav").await.unwrap(), None);
    let first = store.publish(&file, &sha, "wav", 1_000).await.unwrap();
    assert_eq!(first.expires_at, 1_000 + 3600);
    assert_eq!(first.store.as_deref(), Some(store.display()));
    assert!(
        first.url.contains(&sha) && first.url.contains("X-Amz-Signature"),
        "{}",
        first.url
    );
    assert!(!first.url.contains("sk-"), "no apimart key in a store URL");
    // The signed URL serves the file to anyone holding it, with no credentials.
    let (status, body) = get(&first.url).await;
    assert_eq!((status, body.as_slice()), (200, bytes.as_slice()));
    // A key the store does not hold is refused.
    let missing = first.url.replace(&sha, &"0".repeat(64));
    assert_eq!(get(&missing).await.0, 404);
    // Content addressed: published again, it is not uploaded again, and
    // the renewal is a fresh signature with a later expiry.
    let before = store.contains(&sha, "wav").await.unwrap();
    let again = store.publish(&file, &sha, "wav", 5_000).await.unwrap();
    assert_eq!(store.contains(&sha, "wav").await.unwrap(), before);
    assert_eq!(again.expires_at, 5_000 + 3600);
    assert_eq!(get(&again.url).await.0, 200);
}

#[tokio::test]
async fn a_missing_bucket_is_a_clear_error_naming_the_store_and_no_secret() {
    let test = "a_missing_bucket";
    if bucket_or_skip(test).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.mp4");
    std::fs::write(&file, b"....ftypisom").unwrap();
    let store = MediaStore::from_url("s3://no-such-bucket-seedance/x").unwrap();
    let err = store.publish(&file, "abc", "mp4", 0).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::BucketMissing { .. }), "{err:?}");
    assert!(text.contains("s3://no-such-bucket-seedance/x"), "{text}");
    // One line naming the reason, not the provider's whole XML document.
    assert!(!text.contains('\n') && !text.contains("<?xml"), "{text}");
    assert!(text.contains("NoSuchBucket"), "{text}");
    if let Ok(secret) = std::env::var("AWS_SECRET_ACCESS_KEY") {
        assert!(!text.contains(&secret), "{text}");
    }
    assert!(MediaStore::from_url("ftp://x/y").is_err());
}

#[tokio::test]
async fn a_chain_with_a_local_reference_video_and_audio_publishes_them_and_the_service_fetches_them()
 {
    let test = "a_chain_with_local_reference_media";
    let Some(bucket) = bucket_or_skip(test) else {
        return;
    };
    if !seedance_tests::ffmpeg_or_skip(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (video, audio) = clips(dir.path());
    let mut plan = json!({
        "defaults": {"model": "doubao-seedance-2.0", "duration": 5, "resolution": "480p"},
        "segments": [
            {"prompt": "a dancer, moving like the reference", "video_urls": ["motion.mp4"], "audio_urls": ["voice.wav"]},
            {"prompt": "the dancer bows"}
        ]
    });
    let local = seedance_workflows::localize_media(&mut plan, dir.path(), true).unwrap();
    assert_eq!(local.len(), 2);
    let (plan, _) = Plan::from_json(&plan).unwrap();
    let (client, sim) = sim_client(SimConfig::instant(), ClientConfig::default());
    let store = std::sync::Arc::new(MediaStore::from_url(&store_url(&bucket, test)).unwrap());
    let options = ChainOptions {
        local_files: seedance_workflows::LocalFiles::from_found(&local),
        media: Destinations {
            store: Some(store.clone()),
            images_via_store: false,
        },
        ..ChainOptions::default()
    };
    let out = dir.path().join("film");
    run_chain(&client, &plan, &out, &options).await.unwrap();
    // The request carried presigned URLs of the store, which the simulator
    // fetched (a dead one would have been a 400).
    let ids = sim.task_ids();
    let sent = sim.task_request(&ids[0]).unwrap();
    let video_url = sent["video_urls"][0].as_str().unwrap();
    let audio_url = sent["audio_urls"][0].as_str().unwrap();
    assert!(
        video_url.starts_with(&std::env::var("AWS_ENDPOINT_URL").unwrap()),
        "{video_url}"
    );
    assert!(video_url.contains("X-Amz-Signature") && audio_url.contains("X-Amz-Signature"));
    assert_eq!(get(video_url).await.1, std::fs::read(&video).unwrap());
    // Recorded for the rerun, with their expiry.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let uploads = manifest["uploads"].as_object().unwrap();
    assert_eq!(uploads.len(), 2);
    assert!(
        uploads
            .values()
            .all(|u| u["store"] == store.display() && u["expires_at"].as_i64().is_some())
    );
    let _ = audio;
}

#[tokio::test]
async fn a_broken_signed_url_fails_the_submit_before_anything_is_paid() {
    let test = "a_broken_signed_url";
    let Some(bucket) = bucket_or_skip(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    std::fs::write(&file, b"....ftypisom").unwrap();
    let store = MediaStore::from_url(&store_url(&bucket, test)).unwrap();
    let sha = seedance_workflows::manifest::sha256_hex(b"....ftypisom");
    let record = store.publish(&file, &sha, "mp4", 0).await.unwrap();
    // A signed URL whose object is gone (deleted, or never uploaded).
    let forged = record.url.replace(&sha, &"0".repeat(64));
    let (client, sim) = sim_client(SimConfig::instant(), ClientConfig::default());
    let request = seedance_core::GenerationRequest::from_json(&json!({
        "model": "doubao-seedance-2.0", "prompt": "p", "video_urls": [forged]
    }))
    .unwrap()
    .0;
    let err = client.submit(&request).await.unwrap_err();
    assert!(err.to_string().contains("cannot be downloaded"), "{err}");
    assert_eq!(sim.stats().tasks_created, 0);
}

#[test]
fn publish_prints_signed_urls_and_a_dry_run_says_where_files_would_go() {
    let test = "publish_prints_signed_urls";
    let Some(bucket) = bucket_or_skip(test) else {
        return;
    };
    if !seedance_tests::ffmpeg_or_skip(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (video, _) = clips(dir.path());
    let store = store_url(&bucket, test);
    let out = run_cli(
        &[
            "--media-store",
            &store,
            "--json",
            "publish",
            video.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert!(
        v["published"][0]["url"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Signature")
    );
    // A request naming the local clip: the dry run lists where it would be
    // published, and sends nothing.
    let request = dir.path().join("req.json");
    std::fs::write(
        &request,
        json!({"model": "doubao-seedance-2.0", "prompt": "p", "video_urls": ["motion.mp4"]})
            .to_string(),
    )
    .unwrap();
    let out = run_cli(
        &[
            "--mock",
            "--media-store",
            &store,
            "submit",
            request.to_str().unwrap(),
            "--dry-run",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!("to {store}")),
        "{}",
        out.stdout
    );
    // Without a store, a local clip is refused before anything is sent.
    let out = run_cli(&["--mock", "submit", request.to_str().unwrap()], "");
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("--media-store"), "{}", out.stderr);
}

/// A second moto that checks credentials from its first request: ours are
/// unknown to it, so it refuses them.
#[tokio::test]
async fn refused_credentials_are_a_clear_error_naming_the_store_and_no_secret() {
    let test = "refused_credentials";
    let Some(moto) = std::env::var_os("SEEDANCE_TEST_MOTO_BIN") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: SEEDANCE_TEST_MOTO_BIN is unset under CI (.ci/run sets it)"
        );
        eprintln!("skipped {test}: set SEEDANCE_TEST_MOTO_BIN to moto_server to run it");
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(moto)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("INITIAL_NO_AUTH_ACTION_COUNT", "0")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let secret = "not-a-real-secret-4711";
    let store = MediaStore::from_url_with(
        "s3://guarded/clips",
        &[
            ("aws_endpoint", endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_access_key_id", "AKIAUNKNOWN0000000000"),
            ("aws_secret_access_key", secret),
            ("aws_region", "us-east-1"),
        ],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    std::fs::write(&file, b"....ftypisom").unwrap();
    let err = store.publish(&file, "abc", "mp4", 0).await.unwrap_err();
    let _ = server.kill();
    let _ = server.wait();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            StoreError::AccessDenied { .. } | StoreError::Credentials { .. }
        ),
        "{err:?}"
    );
    assert!(text.contains("s3://guarded/clips"), "{text}");
    assert!(!text.contains(secret), "{text}");
    // Settings are checked by name.
    assert!(MediaStore::from_url_with("s3://b/p", &[("aws_no_such_thing", "x")]).is_err());
}
