//! The client speaking Ark's dialect to the simulator's Ark face: what
//! only Ark has (list, cancel, the queued-task limit, the 7-day window),
//! its error bodies as typed errors, and what it must not be sent
//! (apimart's idempotency headers).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use seedance_core::provider::ProviderKind;
use seedance_core::provider::ark::{ArkStatus, ListQuery};
use seedance_core::{ErrorType, GenerationRequest, Model, TaskStatus};
use seedance_sim::{SimConfig, SimTransport, Simulator};
use seedance_tests::small_request;
use seedance_transport::{
    ApiKey, ApiRequest, ApiResponse, CancelRefusal, Client, ClientConfig, ClientError,
    MediaResponse, Transport, TransportError,
};

/// Records every API request a client makes.
#[derive(Debug)]
struct Recording {
    inner: SimTransport,
    sent: Mutex<Vec<ApiRequest>>,
}

#[async_trait]
impl Transport for Recording {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        self.sent.lock().unwrap().push(request.clone());
        self.inner.send(request).await
    }
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        self.inner.fetch(url).await
    }
}

fn ark_client(config: SimConfig, provider: ProviderKind) -> (Client, Simulator, Arc<Recording>) {
    let key = ApiKey::new(config.api_key.clone()).unwrap();
    let sim = Simulator::new(config);
    let recording = Arc::new(Recording {
        inner: SimTransport::new(sim.clone(), Some(key)),
        sent: Mutex::new(Vec::new()),
    });
    let clock = sim.clone();
    let client = Client::with_config(
        recording.clone(),
        ClientConfig {
            provider,
            ..ClientConfig::default()
        },
    )
    .with_unix_clock(Arc::new(move || clock.unix_now()));
    (client, sim, recording)
}

/// Tasks that stay queued for an hour.
fn slow_queue() -> SimConfig {
    SimConfig {
        queue_secs: (3600.0, 3600.0),
        ..SimConfig::quick()
    }
}

#[tokio::test(start_paused = true)]
async fn generate_on_ark_sends_no_apimart_headers_and_bills_tokens() {
    for provider in [ProviderKind::Ark, ProviderKind::BytePlus] {
        let (client, sim, recording) = ark_client(SimConfig::quick(), provider);
        let dir = tempfile::tempdir().unwrap();
        let generated = client
            .generate(&small_request().with_return_last_frame(true), dir.path())
            .await
            .unwrap();
        assert!(generated.task.id.starts_with("cgt-"));
        assert!(generated.last_frame.is_some());
        let sent = recording.sent.lock().unwrap();
        let create = &sent[0];
        assert_eq!(create.path, "/contents/generations/tasks");
        assert!(create.headers.get("idempotency-key").is_none());
        assert!(create.headers.get("x-apimart-response-version").is_none());
        let body: serde_json::Value =
            serde_json::from_slice(create.body.as_ref().unwrap()).unwrap();
        let model = provider.model_id(&Model::Seedance2Fast).unwrap();
        assert_eq!(body["model"], model.as_str());
        assert!(
            sent[1..]
                .iter()
                .all(|r| r.path.starts_with("/contents/generations/tasks/cgt-"))
        );
        // 4 s at 480p 16:9 (the portable default ratio): 97 frames of 864×496.
        let tokens = (4 * 24 + 1) * 864 * 496 / 1024;
        let price = if provider == ProviderKind::Ark {
            37.0
        } else {
            5.6
        };
        let billed = generated.task.billed().unwrap();
        assert!(
            (billed - tokens as f64 * price / 1e6).abs() < 1e-9,
            "{provider}: {billed}"
        );
        assert_eq!(sim.stats().tasks_created, 1);
    }
}

#[tokio::test(start_paused = true)]
async fn the_rules_that_differ_are_checked_before_paying_naming_the_provider() {
    let (client, sim, _) = ark_client(SimConfig::quick(), ProviderKind::BytePlus);
    let face = GenerationRequest::new(Model::Seedance2Face).with_prompt("p");
    let err = client.submit(&face).await.unwrap_err();
    assert!(matches!(err, ClientError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("BytePlus"), "{err}");
    let mut fixed = small_request();
    fixed
        .extra
        .insert("camera_fixed".into(), serde_json::json!(true));
    let err = client.submit(&fixed).await.unwrap_err();
    assert!(matches!(err, ClientError::Invalid(_)), "{err:?}");
    assert_eq!(sim.stats().submits_received, 0, "nothing was sent");
}

#[tokio::test(start_paused = true)]
async fn documented_refusals_are_typed_and_prove_no_task() {
    let config = SimConfig {
        balance_video_seconds: Some(0.0),
        ..SimConfig::quick()
    };
    let (client, sim, _) = ark_client(config, ProviderKind::Ark);
    let err = client.submit(&small_request()).await.unwrap_err();
    assert!(!err.may_have_created_task());
    match &err {
        ClientError::Api {
            status: 403, kind, ..
        } => assert_eq!(kind, &Some(ErrorType::PaymentRequired)),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.stats().tasks_created, 0);
}

#[tokio::test(start_paused = true)]
async fn the_120th_queued_task_is_the_last_one_accepted() {
    let transport = SimTransport::with_config(slow_queue());
    let body = br#"{"model":"doubao-seedance-2-0-fast-260128","content":[{"type":"text","text":"q"}],"duration":4}"#;
    for i in 0..120 {
        let r = transport
            .send(ApiRequest::post_json(
                "/api/v3/contents/generations/tasks",
                body.to_vec(),
            ))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "task {i}");
    }
    let r = transport
        .send(ApiRequest::post_json(
            "/api/v3/contents/generations/tasks",
            body.to_vec(),
        ))
        .await
        .unwrap();
    assert_eq!(r.status, 429);
    let e = ProviderKind::Ark.parse_error_body(&r.body).unwrap();
    assert_eq!(e.kind, Some(ErrorType::RateLimit));
    assert_eq!(e.code.unwrap().to_string(), "QuotaExceeded");
    assert!(
        ProviderKind::Ark.submit_refused(r.status),
        "no task was created"
    );
    assert_eq!(transport.simulator().stats().tasks_created, 120);
}

#[tokio::test(start_paused = true)]
async fn list_shows_seven_days_with_filters() {
    let (client, _, _) = ark_client(slow_queue(), ProviderKind::Ark);
    let old = client.submit(&small_request()).await.unwrap().task_id;
    tokio::time::advance(Duration::from_secs(6 * 24 * 3600)).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(client.submit(&small_request()).await.unwrap().task_id);
    }
    let page = client.list_tasks(&ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 4);
    assert_eq!(page.tasks[0].id, ids[2], "newest first");
    tokio::time::advance(Duration::from_secs(2 * 24 * 3600)).await;
    let page = client.list_tasks(&ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 3, "a task older than 7 days is gone");
    assert!(page.tasks.iter().all(|t| t.id != old));
    assert!(matches!(
        client.task(&old).await.unwrap_err(),
        ClientError::Api { status: 404, .. }
    ));
    let one = client
        .list_tasks(&ListQuery::default().with_task_id(ids[1].clone()))
        .await
        .unwrap();
    assert_eq!(one.tasks.len(), 1);
    assert_eq!(one.tasks[0].id, ids[1]);
    let queued = client
        .list_tasks(&ListQuery::page(1, 2).with_status(ArkStatus::Queued))
        .await
        .unwrap();
    // Queued for an hour: the three recent tasks ran by now (2 days later).
    assert_eq!(queued.total, 0);
    let done = client
        .list_tasks(&ListQuery::page(1, 2).with_status(ArkStatus::Succeeded))
        .await
        .unwrap();
    assert_eq!((done.total, done.tasks.len()), (3, 2));
    assert!(matches!(
        client
            .list_tasks(&ListQuery::page(0, 10))
            .await
            .unwrap_err(),
        ClientError::InvalidListQuery(_)
    ));
}

#[tokio::test(start_paused = true)]
async fn cancel_takes_a_queued_task_and_refuses_a_running_one() {
    let (client, _, _) = ark_client(slow_queue(), ProviderKind::Ark);
    let queued = client.submit(&small_request()).await.unwrap().task_id;
    client.cancel(&queued).await.unwrap();
    assert_eq!(
        client.task(&queued).await.unwrap().status,
        TaskStatus::Cancelled
    );
    let err = client.cancel(&queued).await.unwrap_err();
    assert!(matches!(
        err,
        ClientError::CannotCancel {
            reason: CancelRefusal::AlreadyCancelled,
            ..
        }
    ));
    let running = client.submit(&small_request()).await.unwrap().task_id;
    tokio::time::advance(Duration::from_secs(3601)).await;
    let err = client.cancel(&running).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::CannotCancel {
                reason: CancelRefusal::Running,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("billed"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn apimart_offers_neither_list_nor_cancel() {
    let (client, sim, _) = ark_client(SimConfig::quick(), ProviderKind::Apimart);
    let err = client.list_tasks(&ListQuery::default()).await.unwrap_err();
    assert!(matches!(err, ClientError::NotOffered { .. }), "{err:?}");
    assert_eq!(err.to_string(), "apimart does not offer listing tasks");
    let err = client.cancel("task_1").await.unwrap_err();
    assert!(matches!(err, ClientError::NotOffered { .. }), "{err:?}");
    assert_eq!(sim.stats().status_requests, 0);
}

/// Answers every call with the published Ark bodies in `tests/fixtures/ark/`.
#[derive(Debug)]
struct Published;

fn fixture(name: &str) -> Vec<u8> {
    let path = seedance_tests::workspace_root()
        .join("tests/fixtures/ark")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[async_trait]
impl Transport for Published {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let (status, body) = match (request.method, request.path.as_str()) {
            (seedance_transport::Method::Post, _) => (429, fixture("error_429_quota.json")),
            (seedance_transport::Method::Delete, _) => (200, fixture("delete.json")),
            (_, "/contents/generations/tasks") => (200, fixture("list.json")),
            _ => (200, fixture("task_succeeded_byteplus.json")),
        };
        Ok(ApiResponse {
            status,
            headers: seedance_transport::Headers::new(),
            body: body.into(),
        })
    }
    async fn fetch(&self, _url: &str) -> Result<MediaResponse, TransportError> {
        Err(TransportError::new(
            seedance_transport::TransportErrorKind::Connect,
            "no media here",
        ))
    }
}

#[tokio::test(start_paused = true)]
async fn the_client_reads_the_published_bodies() {
    let client = Client::with_config(
        Arc::new(Published),
        ClientConfig {
            provider: ProviderKind::BytePlus,
            retry: seedance_core::RetryConfig {
                max_elapsed: Duration::from_secs(5),
                ..seedance_core::RetryConfig::default()
            },
            ..ClientConfig::default()
        },
    );
    // The GET example: 108,900 tokens of 2.0 at 720p, $7 per million.
    let task = client.task("cgt-2025******-****").await.unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert!((task.billed().unwrap() - 108_900.0 * 7.0 / 1e6).abs() < 1e-9);
    assert!(
        task.result
            .unwrap()
            .video_url()
            .unwrap()
            .contains("volces.com")
    );
    // The list: three tasks, the failed one not billed, moderation typed.
    let page = client.list_tasks(&ListQuery::default()).await.unwrap();
    assert_eq!(page.total, 3);
    let statuses: Vec<_> = page.tasks.iter().map(|t| t.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            TaskStatus::Pending,
            TaskStatus::Completed,
            TaskStatus::Failed
        ]
    );
    assert_eq!(page.tasks[2].billed(), Some(0.0));
    // The queued-task refusal proves no task was created: not uncertain.
    let err = client.submit(&small_request()).await.unwrap_err();
    assert!(!err.may_have_created_task(), "{err:?}");
}

/// The simulator, with every `DELETE` answered 503 (and counted).
#[derive(Debug)]
struct DeletesFail {
    inner: SimTransport,
    deletes: std::sync::atomic::AtomicU32,
}

#[async_trait]
impl Transport for DeletesFail {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        if request.method == seedance_transport::Method::Delete {
            self.deletes
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Ok(ApiResponse {
                status: 503,
                headers: seedance_transport::Headers::new(),
                body: br#"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#
                    .to_vec()
                    .into(),
            });
        }
        self.inner.send(request).await
    }
    async fn fetch(&self, url: &str) -> Result<MediaResponse, TransportError> {
        self.inner.fetch(url).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_cancel_is_sent_once_because_a_late_retry_could_delete_a_paid_result() {
    // On Ark the DELETE that cancels a queued task deletes the record of a
    // finished one: a retry after the task succeeded would lose the video.
    let config = slow_queue();
    let key = ApiKey::new(config.api_key.clone()).unwrap();
    let sim = Simulator::new(config);
    let transport = Arc::new(DeletesFail {
        inner: SimTransport::new(sim.clone(), Some(key)),
        deletes: Default::default(),
    });
    let clock = sim.clone();
    let client = Client::with_config(
        transport.clone(),
        ClientConfig {
            provider: ProviderKind::Ark,
            ..ClientConfig::default()
        },
    )
    .with_unix_clock(Arc::new(move || clock.unix_now()));
    let queued = client.submit(&small_request()).await.unwrap().task_id;
    let err = client.cancel(&queued).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(
        transport.deletes.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(
        client.task(&queued).await.unwrap().status,
        TaskStatus::Pending,
        "still queued: the user can try again"
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_resumed_by_another_client_is_priced_at_the_rate_it_was_sent_with() {
    // A run resumed in a new process waits on a task that process did not
    // submit: told what it was sent with, the client prices it at the rate
    // with a reference video (lower on Ark), not the rate without.
    let config = SimConfig::quick();
    let key = ApiKey::new(config.api_key.clone()).unwrap();
    let sim = Simulator::new(config);
    let client = || {
        let clock = sim.clone();
        Client::with_config(
            Arc::new(SimTransport::new(sim.clone(), Some(key.clone()))),
            ClientConfig {
                provider: ProviderKind::Ark,
                ..ClientConfig::default()
            },
        )
        .with_unix_clock(Arc::new(move || clock.unix_now()))
    };
    let request = small_request().with_video_url(
        seedance_core::MediaUrl::parse("https://media.example/motion.mp4").unwrap(),
    );
    let id = client().submit(&request).await.unwrap().task_id;
    let told = client();
    told.remember_task(&id, request.model.as_str(), true);
    let with_video = told.wait(&id).await.unwrap().billed().unwrap();
    let without = client().wait(&id).await.unwrap().billed().unwrap();
    let table = seedance_core::provider::ark::TokenPriceTable::builtin(ProviderKind::Ark).unwrap();
    let resolution = request.resolution.unwrap();
    let rate = |video| table.price(&request.model, resolution, video).unwrap();
    assert!(rate(true) < rate(false));
    assert!(
        (with_video / without - rate(true) / rate(false)).abs() < 1e-9,
        "{with_video} vs {without}"
    );
}

#[tokio::test(start_paused = true)]
async fn inline_images_that_together_overflow_the_body_are_refused_before_sending() {
    // Each image fits (under the 20 MB image limit, under 64 MB encoded);
    // three of them encode to about 72 MB, over Ark's 64 MB body. The
    // service would answer 413 or cut the connection, which proves nothing
    // about a task: refused while the body is built, nothing sent.
    let (client, sim, recording) = ark_client(SimConfig::quick(), ProviderKind::Ark);
    let mut image = seedance_sim::SAMPLE_PNG.to_vec();
    image.resize(18 * 1024 * 1024, 0);
    let urls: Vec<_> = (0..3)
        .map(|k| {
            let mut bytes = image.clone();
            bytes[image.len() - 1] = k; // three different files
            client
                .inline_image(&bytes, &format!("ref{k}.png"))
                .unwrap()
                .url
        })
        .collect();
    let mut request = small_request();
    for url in &urls {
        request = request.with_image_url(seedance_core::MediaUrl::parse(url).unwrap());
    }
    let err = client.submit(&request).await.unwrap_err();
    assert!(matches!(err, ClientError::InlineRefused(_)), "{err:?}");
    assert_eq!(
        err.submit_phase(),
        seedance_transport::SubmitPhase::NotBuilt
    );
    assert!(!err.may_have_created_task());
    assert!(recording.sent.lock().unwrap().is_empty());
    assert_eq!(sim.stats().submits_received, 0);
}
