//! The endpoints beyond the generation reference (issue 22): balances,
//! the model list, the model schema, public prices and private assets, each
//! in process (`--mock`, the library over `SimTransport`) and over loopback
//! HTTP (`SimServer`, `seedance mock-server`) with `--base-url` and
//! `--api-key-file`; and what happens when the service does not honour
//! them.

use seedance_sim::{Fault, Route, SimConfig, SimReply, SimServer, Simulator};
use seedance_tests::{CliOutput, run_cli, sim_client, small_request, workspace_root};
use seedance_transport::{ApiRequest, ClientConfig};
use serde_json::{Value, json};

/// A simulator over loopback HTTP, a key file for it, and a way to run the
/// CLI against it.
struct Http {
    _runtime: tokio::runtime::Runtime,
    server: SimServer,
    dir: tempfile::TempDir,
}

impl Http {
    fn start(config: SimConfig) -> Http {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let server = runtime
            .block_on(SimServer::start_loopback(Simulator::new(config)))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("key"),
            format!("{}\n", server.simulator().config().api_key),
        )
        .unwrap();
        Http {
            _runtime: runtime,
            server,
            dir,
        }
    }

    fn sim(&self) -> &Simulator {
        self.server.simulator()
    }

    fn run(&self, args: &[&str]) -> CliOutput {
        let base = self.server.api_url();
        let key = self.dir.path().join("key");
        let mut all = vec![
            "--base-url",
            base.as_str(),
            "--api-key-file",
            key.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let out = run_cli(&all, "");
        assert!(
            !out.stdout.contains(seedance_sim::DEFAULT_SIM_KEY)
                && !out.stderr.contains(seedance_sim::DEFAULT_SIM_KEY),
            "the key was printed: {out:?}"
        );
        out
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    }
}

fn json_of(out: &CliOutput) -> Value {
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

fn with_balance(video_seconds: f64) -> SimConfig {
    SimConfig {
        balance_video_seconds: Some(video_seconds),
        ..SimConfig::instant()
    }
}

// --- balance ---------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_balance_drops_as_tasks_are_billed() {
    let (client, _sim) = sim_client(with_balance(100.0), ClientConfig::default());
    let before = client.balance().await.unwrap();
    assert_eq!(before.remaining(), Some(10.0));
    // 4 s at 480p: 2 video-seconds, 0.2 in the simulator's currency.
    client.submit(&small_request()).await.unwrap();
    let after = client.account_balance().await.unwrap();
    assert_eq!(after.remaining(), Some(9.8));
    assert_eq!(after.used_balance, Some(0.2));
}

#[tokio::test(start_paused = true)]
async fn an_unusable_balance_answer_is_asked_again() {
    for fault in [
        Fault::Malformed,
        Fault::WrongShape,
        Fault::HtmlPage(502),
        Fault::CutBody,
    ] {
        let (client, sim) = sim_client(with_balance(50.0), ClientConfig::default());
        sim.inject(Route::Balance, fault.clone());
        let b = client
            .balance()
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(b.remaining(), Some(5.0), "{fault:?}");
        assert_eq!(sim.stats().discovery_requests, 2, "{fault:?}");
    }
}

#[test]
fn balance_on_mock_and_over_http_with_one_endpoint_down() {
    let mock = run_cli(&["--mock", "balance"], "");
    assert_eq!(mock.code, 0, "{mock:?}");
    assert!(mock.stdout.contains("key: unlimited"), "{mock:?}");

    let http = Http::start(with_balance(30.0));
    let out = http.run(&["--json", "balance"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["key"]["balance"]["remain_balance"], 3.0);
    assert_eq!(v["account"]["unlimited"], false);

    // The key's endpoint is missing: the account's is still shown.
    http.sim().inject(Route::Balance, Fault::Status(404));
    let out = http.run(&["balance"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("key: unavailable: "), "{out:?}");
    assert!(out.stdout.contains("HTTP 404"), "{out:?}");
    assert!(out.stdout.contains("account: 3 left"), "{out:?}");

    // Both missing: the command fails, saying why.
    http.sim().inject(Route::Balance, Fault::Status(404));
    http.sim().inject(Route::Balance, Fault::Status(404));
    let out = http.run(&["balance"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("reading the balance"), "{out:?}");
}

/// Three 720p jobs of 5 s on the standard model: 3 x 5 x 0.216 = 3.24 at
/// the built-in prices.
const JOBS: &str = concat!(
    r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":5,"resolution":"720p"}"#,
    "\n",
    r#"{"model":"doubao-seedance-2.0","prompt":"a boat","duration":5,"resolution":"720p"}"#,
    "\n",
    r#"{"model":"doubao-seedance-2.0","prompt":"a cat","duration":5,"resolution":"720p"}"#,
    "\n"
);

#[test]
fn a_batch_whose_estimate_exceeds_the_balance_pays_nothing() {
    // 10 video-seconds: 1.0 left.
    let http = Http::start(with_balance(10.0));
    let jobs = http.file("jobs.jsonl", JOBS);
    let out_dir = http.dir.path().join("out");
    let out = http.run(&["batch", &jobs, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("estimated 3.24 USD exceeds the remaining balance 1.00 by 2.24"),
        "{out:?}"
    );
    let stats = http.sim().stats();
    assert_eq!((stats.submits_received, stats.tasks_created), (0, 0));

    let out = http.run(&["--json", "batch", &jobs, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = json_of(&out);
    assert!(
        (v["estimate"]["total"].as_f64().unwrap() - 3.24).abs() < 1e-9,
        "{v}"
    );
    assert_eq!(v["balance"]["remain_balance"], 1.0);
    assert!(
        (v["shortfall"].as_f64().unwrap() - 2.24).abs() < 1e-9,
        "{v}"
    );
    assert_eq!(http.sim().stats().tasks_created, 0);
}

#[test]
fn a_generate_above_the_balance_stops_and_one_within_it_goes_on() {
    let http = Http::start(with_balance(10.0));
    let big = http.file(
        "big.json",
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":10,"resolution":"1080p"}"#,
    );
    let out_dir = http.dir.path().join("out");
    let out = http.run(&["generate", &big, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("exceeds the remaining balance"),
        "{out:?}"
    );
    assert_eq!(http.sim().stats().tasks_created, 0);

    // 4 s at 480p: 0.264 estimated, within the 1.0 left.
    let small = http.file(
        "small.json",
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":4,"resolution":"480p"}"#,
    );
    let out = http.run(&[
        "--json",
        "generate",
        &small,
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["balance"]["remain_balance"], 1.0);
    assert!(
        (v["estimate"].as_f64().unwrap() - 0.264).abs() < 1e-9,
        "{v}"
    );
    assert_eq!(http.sim().stats().tasks_created, 1);
}

#[test]
fn without_a_balance_endpoint_a_run_warns_and_goes_on() {
    let http = Http::start(SimConfig::instant());
    // Neither balance endpoint exists on this service.
    http.sim().inject(Route::Balance, Fault::Status(404));
    http.sim().inject(Route::Balance, Fault::Status(404));
    let request = http.file(
        "r.json",
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":4,"resolution":"480p"}"#,
    );
    let out_dir = http.dir.path().join("out");
    let out = http.run(&["generate", &request, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("warning: cannot read the remaining balance"),
        "{out:?}"
    );
    assert_eq!(http.sim().stats().tasks_created, 1);
}

#[test]
fn a_mock_batch_checks_the_balance_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let jobs = dir.path().join("jobs.jsonl");
    std::fs::write(
        &jobs,
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":4,"resolution":"480p"}"#,
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = run_cli(
        &[
            "--mock",
            "--json",
            "batch",
            jobs.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["balance"]["unlimited_quota"], true, "{v}");
    assert!(
        (v["estimate"].as_f64().unwrap() - 0.264).abs() < 1e-9,
        "{v}"
    );
}

// --- models, schema, prices ---------------------------------------------------

#[test]
fn models_on_mock_and_over_http() {
    let out = run_cli(&["--mock", "models"], "");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.lines().any(|l| l == "doubao-seedance-2.0-mini"),
        "{out:?}"
    );

    let http = Http::start(SimConfig::instant());
    let out = http.run(&["--json", "models"]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = json_of(&out);
    let ids: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{v}");
    assert!(
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["known_rules"] == true)
    );

    // An unreadable answer once is asked again.
    http.sim().inject(Route::Models, Fault::Malformed);
    let out = http.run(&["models"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn validate_live_lists_where_the_schema_and_the_built_in_rules_disagree() {
    let request =
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":-1,"aspect_ratio":"16:9"}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    std::fs::write(&path, request).unwrap();
    let out = run_cli(
        &["--mock", "validate", "--live", path.to_str().unwrap()],
        "",
    );
    assert_eq!(out.code, 1, "{out:?}");
    // The schema refuses -1, which the built-in rules accept with a warning.
    assert!(
        out.stdout
            .contains("schema: duration: is -1; the schema's minimum is 4"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("disagree: duration: the service's schema refuses it"),
        "{out:?}"
    );
    // The built-in rules refuse the 1.5 API's field name, which the schema
    // lets through.
    assert!(
        out.stdout
            .contains("disagree: aspect_ratio: the built-in rules refuse it"),
        "{out:?}"
    );
    // Without --live: the built-in verdict only, no request.
    let offline = run_cli(&["validate", path.to_str().unwrap()], "");
    assert_eq!(offline.code, 1);
    assert!(!offline.stdout.contains("schema"), "{offline:?}");
}

#[test]
fn validate_live_over_http_with_a_stricter_schema_and_with_the_schema_down() {
    let http = Http::start(SimConfig::instant());
    http.sim().set_model_schema(
        "doubao-seedance-2.0-fast",
        json!({"type": "object", "properties": {"prompt": {"type": "string", "maxLength": 5}}}),
    );
    let request = http.file(
        "r.json",
        r#"{"model":"doubao-seedance-2.0-fast","prompt":"a paper boat","duration":5}"#,
    );
    let out = http.run(&["--json", "validate", "--live", &request]);
    assert_eq!(out.code, 1, "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["errors"], json!([]));
    assert_eq!(v["live"]["schema"], "checked");
    assert_eq!(v["live"]["schema_violations"][0]["path"], "prompt");
    assert_eq!(v["live"]["disagreements"][0]["field"], "prompt");
    assert_eq!(v["live"]["disagreements"][0]["builtin_refuses"], false);

    // The schema endpoint is down: said once, and the built-in verdict stands.
    http.sim().inject(Route::Schema, Fault::Status(404));
    let out = http.run(&["validate", "--live", &request]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("could not be checked")
            && out.stderr.contains("built-in verdict stands"),
        "{out:?}"
    );
    http.sim().inject(Route::Schema, Fault::Status(404));
    let v = json_of(&http.run(&["--json", "validate", "--live", &request]));
    assert_eq!(v["live"]["schema"], "unavailable");
    assert_eq!(v["valid"], true);
}

#[test]
fn prices_live_on_mock_are_the_services_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    std::fs::write(
        &path,
        r#"{"model":"doubao-seedance-2.0","prompt":"a kite","duration":5,"resolution":"720p"}"#,
    )
    .unwrap();
    let out = run_cli(
        &[
            "--mock",
            "--json",
            "submit",
            path.to_str().unwrap(),
            "--dry-run",
            "--prices",
            "live",
        ],
        "",
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = json_of(&out);
    // The simulator charges 0.1 per 720p second.
    assert!(
        (v["estimate"]["total"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{v}"
    );
    assert!(
        v["estimate"]["source"]
            .as_str()
            .unwrap()
            .contains("pricing"),
        "{v}"
    );
}

#[test]
fn prices_live_are_cached_for_the_day_and_fall_back_when_unavailable() {
    let request = workspace_root().join("examples/requests/01-text-to-video.json");
    let run = |server: &crate::process::MockServer, cache: &std::path::Path| {
        std::process::Command::new(crate::process::seedance_bin())
            .args([
                "--json",
                "submit",
                request.to_str().unwrap(),
                "--dry-run",
                "--prices",
                "live",
            ])
            .env("APIMART_BASE_URL", &server.api_url)
            .env("APIMART_API_KEY", &server.key)
            .env("SEEDANCE_CACHE_DIR", cache)
            .output()
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let server = crate::process::MockServer::start();
    let first = run(&server, dir.path());
    assert!(first.status.success(), "{first:?}");
    let cached: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("prices-live.json")).unwrap())
            .unwrap();
    assert!(
        cached["per_second"]["doubao-seedance-2.0"]["720p"].is_number(),
        "{cached}"
    );
    let asked = server.stats()["discovery_requests"].as_u64().unwrap();
    assert_eq!(asked, 5, "one price request per known model");
    let second = run(&server, dir.path());
    assert!(second.status.success(), "{second:?}");
    assert_eq!(
        server.stats()["discovery_requests"].as_u64().unwrap(),
        asked,
        "the day's cache is used"
    );

    // A service without the pricing endpoint: the built-in table, with a warning.
    let down =
        crate::process::MockServer::start_with(&["--instant", "--fault", "pricing:status:404x5"]);
    let empty = tempfile::tempdir().unwrap();
    let out = run(&down, empty.path());
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: --prices live"), "{stderr}");
    assert!(stderr.contains("built-in price table"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["estimate"]["observed"], "2026-10-12");
}

#[test]
fn balance_and_models_through_mock_server() {
    let server = crate::process::MockServer::start();
    let run = |args: &[&str]| {
        std::process::Command::new(crate::process::seedance_bin())
            .args(args)
            .env("APIMART_BASE_URL", &server.api_url)
            .env("APIMART_API_KEY", &server.key)
            .output()
            .unwrap()
    };
    let b = run(&["--json", "balance"]);
    assert!(b.status.success(), "{b:?}");
    let v: Value = serde_json::from_slice(&b.stdout).unwrap();
    assert!(v["key"]["balance"].is_object(), "{v}");
    let m = run(&["models"]);
    assert!(m.status.success(), "{m:?}");
    assert!(String::from_utf8_lossy(&m.stdout).contains("doubao-seedance-2.0-fast"));
}

// --- assets --------------------------------------------------------------------

fn asset_files(dir: &std::path::Path) -> (String, String, String) {
    let good = workspace_root().join("examples/images/gutter-stream.png");
    let refused = dir.join("refuse-this.png");
    std::fs::copy(&good, &refused).unwrap();
    let small = dir.join("small.png");
    std::fs::write(&small, seedance_sim::SAMPLE_PNG).unwrap();
    (
        good.to_str().unwrap().to_owned(),
        refused.to_str().unwrap().to_owned(),
        small.to_str().unwrap().to_owned(),
    )
}

#[test]
fn asset_create_on_mock_prints_usable_ids_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let (good, refused, small) = asset_files(dir.path());
    let out = run_cli(
        &[
            "--mock",
            "asset",
            "create",
            "--group",
            "hero",
            &good,
            &refused,
            &small,
            "https://media.test/move.mp4",
        ],
        "",
    );
    assert_eq!(out.code, 1, "{out:?}");
    let usable: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("asset://"))
        .collect();
    assert_eq!(usable.len(), 2, "{out:?}");
    assert!(usable[0].ends_with(&good), "{out:?}");
    assert!(
        usable[1].ends_with("https://media.test/move.mp4"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains(&format!("refused: {refused}: the file did not pass review")),
        "{out:?}"
    );
    assert!(
        out.stdout.contains(&format!(
            "refused: {small}: the image is 128x72; each side must be at least 300 px"
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("2 of 4 assets were refused"), "{out:?}");
}

#[test]
fn assets_over_http_are_usable_in_requests_and_unknown_ids_are_refused() {
    let http = Http::start(SimConfig::instant());
    let (good, _, _) = asset_files(http.dir.path());
    let out = http.run(&[
        "--json",
        "asset",
        "create",
        "--group",
        "hero",
        "--project",
        "film",
        &good,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let v = json_of(&out);
    assert_eq!(v["failed_assets"], json!([]));
    let asset = v["usable_assets"][0]["asset_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(asset.starts_with("asset://"), "{v}");
    assert_eq!(http.sim().stats().asset_tasks_created, 1);

    let request = |url: &str| {
        json!({"model": "doubao-seedance-2.0", "prompt": "the hero walks", "duration": 4,
            "resolution": "480p", "image_urls": [url]})
        .to_string()
    };
    let known = http.file("known.json", &request(&asset));
    let out = http.run(&["submit", &known]);
    assert_eq!(out.code, 0, "{out:?}");
    let unknown = http.file("unknown.json", &request("asset://asset-never-made"));
    let out = http.run(&["submit", &unknown]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("HTTP 400") && out.stderr.contains("does not exist"),
        "{out:?}"
    );
    assert_eq!(http.sim().stats().tasks_created, 1);
}

#[test]
fn the_service_refuses_an_empty_asset_id() {
    let sim = Simulator::new(SimConfig::instant());
    let body = json!({"model": "doubao-seedance-2.0", "prompt": "p", "image_urls": ["asset://"]});
    let reply = sim.handle(
        &ApiRequest::post_json("/v1/videos/generations", body.to_string()),
        Some("Bearer sk-simulator"),
    );
    let SimReply::Respond { response, .. } = reply else {
        panic!("no answer")
    };
    assert_eq!(response.status, 400);
    let v: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert_eq!(v["error"]["param"], "image_urls[0]");
    assert_eq!(sim.stats().tasks_created, 0);
}

#[test]
fn more_than_twenty_assets_are_refused_before_anything_is_sent() {
    let http = Http::start(SimConfig::instant());
    let urls: Vec<String> = (0..21)
        .map(|k| format!("https://media.test/{k}.png"))
        .collect();
    let mut args = vec!["asset", "create", "--group", "hero"];
    args.extend(urls.iter().map(String::as_str));
    let out = http.run(&args);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("21 given; one request registers at most 20"),
        "{out:?}"
    );
    let stats = http.sim().stats();
    assert_eq!((stats.asset_tasks_created, stats.uploads_received), (0, 0));
    // A file whose type cannot be told from its name is refused too, by name.
    let out = http.run(&[
        "asset",
        "create",
        "--group",
        "hero",
        "https://media.test/clip",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("https://media.test/clip: cannot tell"),
        "{out:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_library_refuses_too_many_assets_without_sending() {
    use seedance_core::asset::{AssetGroup, AssetInput, AssetType};
    let (client, sim) = sim_client(SimConfig::instant(), ClientConfig::default());
    let one = AssetInput {
        url: "https://media.test/a.png".into(),
        asset_type: AssetType::Image,
    };
    let err = client
        .create_assets(&AssetGroup::Name("g".into()), None, &vec![one; 21])
        .await
        .unwrap_err();
    assert!(
        matches!(err, seedance_transport::ClientError::AssetRequest(_)),
        "{err}"
    );
    assert_eq!(sim.stats().asset_tasks_created, 0);
}

#[test]
fn assets_made_on_mock_stay_known_to_the_same_mock_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state = state.to_str().unwrap();
    let made = run_cli(
        &[
            "--mock",
            "--mock-state",
            state,
            "--json",
            "asset",
            "create",
            "--group",
            "hero",
            "https://media.test/face.png",
        ],
        "",
    );
    assert_eq!(made.code, 0, "{made:?}");
    let asset = json_of(&made)["usable_assets"][0]["asset_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let request = dir.path().join("r.json");
    std::fs::write(
        &request,
        json!({"model": "doubao-seedance-2.0", "prompt": "the hero waves", "duration": 4,
            "resolution": "480p", "image_urls": [asset]})
        .to_string(),
    )
    .unwrap();
    let sent = run_cli(
        &[
            "--mock",
            "--mock-state",
            state,
            "submit",
            request.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(sent.code, 0, "{sent:?}");
}
