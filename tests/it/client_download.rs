//! Downloads and `generate`: streaming to disk, integrity, expiry, and bodies
//! that do not match their length.

use std::path::Path;
use std::time::Duration;

use seedance_core::digest::DigestAlgorithm;
use seedance_sim::{Fault, Route, SimConfig};
use seedance_tests::reference_digest;
use seedance_tests::{sim_client, small_request};
use seedance_transport::{ClientConfig, ClientError};

fn blake3_hex(path: &Path) -> String {
    reference_digest(DigestAlgorithm::Blake3, &std::fs::read(path).unwrap())
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn generate_writes_the_video_and_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (client, _sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let generated = client
        .generate(&small_request().with_return_last_frame(true), dir.path())
        .await
        .unwrap();
    let video = std::fs::read(&generated.video.path).unwrap();
    assert_eq!(&video[4..8], b"ftyp");
    assert_eq!(generated.video.bytes, video.len() as u64);
    assert_eq!(
        generated.video.digest.algorithm(),
        DigestAlgorithm::Blake3,
        "BLAKE3 unless asked otherwise"
    );
    assert_eq!(
        generated.video.digest.hex(),
        blake3_hex(&generated.video.path)
    );
    let frame = generated.last_frame.expect("last frame asked for");
    assert_eq!(
        &std::fs::read(&frame.path).unwrap()[..8],
        b"\x89PNG\r\n\x1a\n"
    );
    assert!(frame.path.starts_with(dir.path()));
    assert!(leftovers(dir.path()).is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_return_last_frame_there_is_no_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (client, _sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let generated = client.generate(&small_request(), dir.path()).await.unwrap();
    assert!(generated.last_frame.is_none());
}

#[tokio::test(start_paused = true)]
async fn segments_differ_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (client, _sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let a = client.generate(&small_request(), dir.path()).await.unwrap();
    let b = client.generate(&small_request(), dir.path()).await.unwrap();
    assert_ne!(a.video.digest, b.video.digest);
}

#[tokio::test(start_paused = true)]
async fn expired_url_is_tried_once_then_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let id = client.submit(&small_request()).await.unwrap().task_id;
    let task = client.wait(&id).await.unwrap();
    let result = task.result.unwrap();
    tokio::time::advance(Duration::from_secs(25 * 3600)).await;
    let before = sim.stats().media_requests;
    let err = client
        .download(
            result.video_url().unwrap(),
            &dir.path().join("v.mp4"),
            result.expires_at(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Expired { .. }), "{err:?}");
    assert_eq!(
        sim.stats().media_requests,
        before + 1,
        "the URL is tried once (expiry is advisory), and the refusal is not retried"
    );
    // Without the expiry time, the server's refusal is reported, once.
    let err = client
        .download(result.video_url().unwrap(), &dir.path().join("v.mp4"), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(
        sim.stats().media_requests,
        before + 2,
        "one request, not retried"
    );
    assert!(!dir.path().join("v.mp4").exists());
}

#[tokio::test(start_paused = true)]
async fn short_and_long_bodies_are_detected_and_retried() {
    for fault in [Fault::ShortBody, Fault::LongBody] {
        let dir = tempfile::tempdir().unwrap();
        let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
        sim.inject(Route::Media, fault.clone());
        let generated = client.generate(&small_request(), dir.path()).await.unwrap();
        assert_eq!(
            generated.video.digest.hex(),
            blake3_hex(&generated.video.path),
            "{fault:?}"
        );
        assert_eq!(sim.stats().media_requests, 2, "{fault:?}");
        assert!(leftovers(dir.path()).is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn downloads_over_the_size_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = ClientConfig {
        max_download_bytes: 1000,
        ..ClientConfig::default()
    };
    let (client, _sim) = sim_client(SimConfig::quick(), config);
    let err = client
        .generate(&small_request(), dir.path())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::TooLarge { limit: 1000 }),
        "{err:?}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "something was left behind"
    );
}

#[tokio::test(start_paused = true)]
async fn generated_mp4_is_h264() {
    let dir = tempfile::tempdir().unwrap();
    let (client, _sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let generated = client.generate(&small_request(), dir.path()).await.unwrap();
    assert_eq!(seedance_tests::mp4_video(&generated.video.path).0, "h264");
}

#[tokio::test(start_paused = true)]
async fn a_throttled_download_finishes_under_a_paused_clock() {
    // The writer runs on its own thread: a long-lived blocking-pool task
    // would keep tokio's paused clock from advancing through the throttle.
    let config = SimConfig {
        video_padding_bytes: 4 * 1024 * 1024,
        media_bytes_per_second: Some(1024 * 1024),
        ..SimConfig::quick()
    };
    let (client, _sim) = sim_client(config, ClientConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let generated = tokio::time::timeout(
        Duration::from_secs(3600),
        client.generate(&small_request(), dir.path()),
    )
    .await
    .expect("finished within the virtual hour")
    .unwrap();
    assert!(generated.video.bytes > 4 * 1024 * 1024);
}

#[tokio::test(start_paused = true)]
async fn sha256_when_asked_for_plain_and_compressed_bodies() {
    for fault in [None, Some(Fault::GzipEncoded)] {
        let dir = tempfile::tempdir().unwrap();
        let config = ClientConfig {
            download_digest: DigestAlgorithm::Sha256,
            ..ClientConfig::default()
        };
        let (client, sim) = sim_client(SimConfig::quick(), config);
        if let Some(f) = &fault {
            sim.inject(Route::Media, f.clone());
        }
        let generated = client.generate(&small_request(), dir.path()).await.unwrap();
        let bytes = std::fs::read(&generated.video.path).unwrap();
        assert_eq!(
            generated.video.digest.algorithm(),
            DigestAlgorithm::Sha256,
            "{fault:?}"
        );
        assert_eq!(
            generated.video.digest.hex(),
            reference_digest(DigestAlgorithm::Sha256, &bytes),
            "{fault:?}: the digest of the file as written (decoded)"
        );
    }
}
