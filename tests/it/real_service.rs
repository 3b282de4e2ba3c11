//! What the live service does beyond the reference: the response shapes of
//! captured bodies, cost fields, `-face` models, fields passed through,
//! upstream's disputed limits, the image upload endpoint, and the language
//! parameter. Fixtures are the bodies quoted from apimart's public pages and
//! from public clients' captures.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use seedance_core::{
    Code, GenerationRequest, Model, Resolution, TaskStatus, parse_error_body, parse_submit_body,
    parse_task_body, validate_json,
};
use seedance_sim::SimTransport;
use seedance_sim::{ResponseShapes, SAMPLE_PNG, SimConfig};
use seedance_tests::{sim_client, small_request};
use seedance_transport::{
    ApiRequest, ApiResponse, Client, ClientConfig, ClientError, MediaResponse, Transport,
    TransportError,
};
use serde_json::json;

#[test]
fn the_captured_video_result_parses() {
    // A public client's fixture: url as an array, expires_at = completion + 24 h.
    let body = br#"{"code":200,"data":{"id":"task_01KA","status":"completed","progress":100,
        "result":{"videos":[{"expires_at":1765087446,"url":["https://upload.apimart.ai/f/video/x.mp4"]}]},
        "created":1765000000,"completed":1765001046,"estimated_time":600,"actual_time":155,
        "cost":0.1,"credits_cost":1}}"#;
    let task = parse_task_body(body).unwrap();
    assert!(task.is_done());
    assert_eq!(task.estimated_time, Some(600));
    assert_eq!(task.actual_time, Some(155));
    assert_eq!(task.cost, Some(0.1));
    assert_eq!(task.credits_cost, Some(1.0));
    assert_eq!(task.raw["actual_time"], 155);
    // The status page's image example (3x over its estimate).
    let image = br#"{"code":200,"data":{"id":"task_01KA","status":"completed","progress":100,
        "result":{"images":[{"url":["https://upload.apimart.ai/f/image/x_0.png"],"expires_at":1763174708}]},
        "created":1763088289,"completed":1763088308,"estimated_time":60,"actual_time":19}}"#;
    let task = parse_task_body(image).unwrap();
    assert_eq!(task.estimated_time, Some(60));
    assert_eq!(
        task.result.unwrap().last_frame_url.as_deref(),
        Some("https://upload.apimart.ai/f/image/x_0.png")
    );
}

#[test]
fn cost_as_a_string_no_envelope_and_the_last_frame_under_content() {
    let body = br#"{"id":"task_2","status":"completed","cost":"0.1234",
        "result":{"videos":[{"url":"https://x/v.mp4"}],"content":{"last_frame_url":"https://x/f.png"}}}"#;
    let task = parse_task_body(body).unwrap();
    assert_eq!(task.id, "task_2");
    assert_eq!(task.cost, Some(0.1234));
    assert_eq!(
        task.result.unwrap().last_frame_url.as_deref(),
        Some("https://x/f.png")
    );
    // Upstream's content.video_url when there is no `videos`.
    let upstream = br#"{"code":200,"data":{"id":"t","status":"succeeded","result":{"content":{"video_url":"https://x/v.mp4","last_frame_url":"https://x/f.png"}}}}"#;
    let task = parse_task_body(upstream).unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert!(task.is_done());
    // A failed task is refunded.
    let failed = br#"{"code":200,"data":{"id":"t","status":"failed","cost":0.3,"error":{"code":"task_failed","message":"output audio may contain sensitive information"}}}"#;
    assert_eq!(parse_task_body(failed).unwrap().billed(), Some(0.0));
    let expired = br#"{"code":200,"data":{"id":"t","status":"expired"}}"#;
    let task = parse_task_body(expired).unwrap();
    assert!(task.status.is_terminal() && task.status.is_unsuccessful());
}

#[test]
fn submit_task_info_and_upstream_error_param() {
    let r = parse_submit_body(
        br#"{"code":200,"data":{"id":"task_9","status":"submitted","task_info":{"can_cancel":true,"estimated_time":300}}}"#,
    )
    .unwrap();
    assert_eq!(r.task_id, "task_9");
    assert_eq!(r.estimated_time, Some(300));
    let e = parse_error_body(
        br#"{"code":"InvalidParameter","message":"the image is too small","param":"content[1].image_url","type":"BadRequest"}"#,
    )
    .unwrap();
    assert_eq!(e.param.as_deref(), Some("content[1].image_url"));
    assert!(e.to_string().contains("param: content[1].image_url"), "{e}");
}

#[test]
fn face_models_follow_their_base_models_and_unknown_ids_need_an_opt_in() {
    let face = |model: &str, res: &str| {
        validate_json(&json!({"model": model, "prompt": "p", "resolution": res})).errors
    };
    assert!(face("doubao-seedance-2.0-face", "1080p").is_empty());
    assert_eq!(
        face("doubao-seedance-2.0-fast-face", "1080p")[0].code,
        Code::ResolutionNotSupported
    );
    let unknown = validate_json(&json!({"model": "doubao-seedance-3.0", "prompt": "p"}));
    assert_eq!(unknown.errors[0].code, Code::UnknownModel);
    assert!(
        unknown.errors[0]
            .message
            .contains("doubao-seedance-2.0-fast-face")
    );
    let other = Model::other("doubao-seedance-2.1-fast");
    assert_eq!(other.as_str(), "doubao-seedance-2.1-fast");
    assert_eq!(other.base(), Model::Seedance2Fast);
    assert!(!other.supports_resolution(Resolution::P1080));
}

#[test]
fn fields_are_never_dropped_and_wrong_names_are_refused_with_the_fix() {
    let body = json!({
        "model": "doubao-seedance-2.0", "prompt": "p",
        "camera_fixed": true, "watermark": false, "motion_strength": 0.7
    });
    let report = validate_json(&body);
    assert!(report.is_valid(), "{report:?}");
    assert!(report.warnings.iter().any(|w| w.path == "motion_strength"));
    let (request, _) = GenerationRequest::from_json(&body).unwrap();
    assert_eq!(request.camera_fixed, Some(true));
    assert_eq!(request.to_json()["motion_strength"], 0.7, "sent as written");
    assert_eq!(request.to_json()["watermark"], false);
    for (wrong, fix) in [
        ("aspect_ratio", "size"),
        ("audio", "generate_audio"),
        ("image_url", "image_urls"),
        ("ratio", "size"),
        ("Resolution", "resolution"),
    ] {
        let report =
            validate_json(&json!({"model": "doubao-seedance-2.0", "prompt": "p", wrong: "x"}));
        let e = report
            .errors
            .iter()
            .find(|e| e.path == wrong)
            .unwrap_or_else(|| panic!("{wrong}: {report:?}"));
        assert_eq!(e.code, Code::WrongFieldName);
        assert!(e.message.contains(&format!("use `{fix}")), "{}", e.message);
    }
}

#[test]
fn disputed_limits_are_accepted_with_a_warning_and_seed_has_its_range() {
    for d in [4, -1] {
        let r =
            validate_json(&json!({"model": "doubao-seedance-2.0", "prompt": "p", "duration": d}));
        assert!(r.is_valid(), "{d}: {r:?}");
        assert_eq!(r.warnings[0].code, Code::DurationDisputed);
    }
    let smart = GenerationRequest::new(Model::Seedance2).with_duration(-1);
    assert_eq!(smart.effective_duration(), 15, "priced at the longest");
    for (seed, ok) in [
        (-1i64, true),
        (4_294_967_295, true),
        (-2, false),
        (4_294_967_296, false),
    ] {
        let r =
            validate_json(&json!({"model": "doubao-seedance-2.0", "prompt": "p", "seed": seed}));
        assert_eq!(r.is_valid(), ok, "{seed}");
    }
}

#[tokio::test(start_paused = true)]
async fn uploads_are_checked_before_sending_and_served_for_72_hours() {
    let (client, sim) = sim_client(SimConfig::quick(), ClientConfig::default());
    let up = client.upload_image(SAMPLE_PNG, "frame.png").await.unwrap();
    assert_eq!(up.content_type, "image/png");
    assert_eq!(up.bytes, SAMPLE_PNG.len() as u64);
    assert_eq!(up.expires_at - sim.unix_now(), 72 * 3600);
    // The media host serves it, without the key.
    let dir = tempfile::tempdir().unwrap();
    let got = client
        .download(&up.url, &dir.path().join("back.png"), Some(up.expires_at))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), SAMPLE_PNG);
    // A request may use it; 73 hours later the service refuses it.
    let with_image =
        small_request().with_image_url(seedance_core::MediaUrl::parse(&up.url).unwrap());
    client.submit(&with_image).await.unwrap();
    tokio::time::advance(std::time::Duration::from_secs(73 * 3600)).await;
    let err = client.submit(&with_image).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    // Refused locally, nothing sent: not an image, or over 20 MB.
    let before = sim.stats().uploads_received;
    assert!(matches!(
        client
            .upload_image(b"%PDF-1.4 not an image", "doc.pdf")
            .await,
        Err(ClientError::UploadRefused(_))
    ));
    let big = vec![0u8; 21 * 1024 * 1024];
    assert!(matches!(
        client.upload_image(&big, "huge.png").await,
        Err(ClientError::UploadRefused(_))
    ));
    assert_eq!(sim.stats().uploads_received, before);
    // The service's own checks, by content: a disguised file is a 400.
    let lying = ApiRequest::post_file(
        "/v1/uploads/images",
        "file",
        "x.png",
        "image/png",
        b"GIF? no",
    );
    let r = client.transport().send(lying).await.unwrap();
    assert_eq!(r.status, 400);
}

#[tokio::test(start_paused = true)]
async fn cost_is_recorded_per_job_and_summed_and_a_failed_task_is_refunded() {
    let config = SimConfig {
        shapes: ResponseShapes {
            cost_as_string: true,
            no_envelope: true,
            last_frame_in_content: true,
            task_info_on_submit: true,
        },
        ..SimConfig::quick()
    };
    let (client, sim) = sim_client(config, ClientConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let plan = seedance_workflows::Plan::from_json(&json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4},
        "segments": [{"prompt": "one"}, {"prompt": "two"}]
    }))
    .unwrap()
    .0;
    let outcome = seedance_workflows::run_chain(
        &client,
        &plan,
        dir.path(),
        &seedance_workflows::ChainOptions::default(),
    )
    .await
    .unwrap();
    let seedance_workflows::Billed {
        total: billed,
        credits,
        ..
    } = outcome.manifest.billed();
    // 480p is half a video-second per second in the simulator: 2 x 4 s x 0.5 x 0.1.
    assert!((billed.unwrap() - 0.4).abs() < 1e-9, "{billed:?}");
    assert_eq!(credits, Some(4.0));
    assert_eq!(sim.stats().tasks_created, 2);
    // A task that fails is refunded in the manifest.
    let jobs = seedance_workflows::parse_jobs(
        r#"{"model":"doubao-seedance-2.0-fast","prompt":"x","duration":4}"#,
    )
    .unwrap();
    let sim2 = sim.clone();
    let options = seedance_workflows::BatchOptions {
        events: Arc::new(move |e: &seedance_workflows::Event| {
            if let seedance_workflows::Event::Submitted { task_id, .. } = e {
                sim2.fail_task(task_id, "moderation");
            }
        }),
        ..Default::default()
    };
    let batch_dir = tempfile::tempdir().unwrap();
    seedance_workflows::run_batch(&client, &jobs, batch_dir.path(), &options)
        .await
        .unwrap();
    let m: seedance_workflows::Manifest =
        serde_json::from_slice(&std::fs::read(batch_dir.path().join("manifest.json")).unwrap())
            .unwrap();
    assert!(m.jobs[0].refunded);
    assert_eq!(m.billed().total, Some(0.0));
}

/// Records the query of every API call.
#[derive(Debug)]
struct QuerySpy {
    inner: SimTransport,
    seen: Mutex<Vec<Vec<(String, String)>>>,
}

#[async_trait]
impl Transport for QuerySpy {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        self.seen.lock().unwrap().push(request.query.clone());
        self.inner.send(request).await
    }
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        self.inner.fetch(url).await
    }
}

#[tokio::test(start_paused = true)]
async fn status_passes_the_documented_language_parameter() {
    let spy = Arc::new(QuerySpy {
        inner: SimTransport::with_config(SimConfig::quick()),
        seen: Mutex::new(Vec::new()),
    });
    let client = Client::with_config(spy.clone(), ClientConfig::default());
    let id = client.submit(&small_request()).await.unwrap().task_id;
    client.task_in(&id, Some("ko")).await.unwrap();
    let seen = spy.seen.lock().unwrap();
    assert_eq!(
        seen.last().unwrap(),
        &vec![("language".to_owned(), "ko".to_owned())]
    );
}
