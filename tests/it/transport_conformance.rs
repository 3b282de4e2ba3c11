//! The conformance suite against every built-in transport: the mock in
//! process (paused time), and reqwest pointed at the simulator over
//! loopback; each against every provider's dialect (the simulator's
//! apimart face and its Ark face).

use seedance_core::provider::ProviderKind;
use seedance_sim::SimTransport;
use seedance_sim::{SimConfig, SimServer, Simulator};
use seedance_transport::conformance;
use seedance_transport::{ApiKey, ReqwestTransport};

#[tokio::test(start_paused = true)]
async fn mock_transport_conforms() {
    for &provider in ProviderKind::ALL {
        let config = SimConfig::quick();
        let key = ApiKey::new(config.api_key.clone()).unwrap();
        let sim = Simulator::new(config);
        let with_key = SimTransport::new(sim.clone(), Some(key));
        let without_key = SimTransport::new(sim.clone(), None);
        conformance::run_all_for(provider, &with_key, &without_key).await;
        assert_eq!(sim.stats().tasks_created, 1, "{provider}");
    }
}

#[tokio::test(start_paused = true)]
async fn both_submit_response_versions_parse() {
    use seedance_transport::{ApiRequest, Transport};
    let transport = SimTransport::with_config(SimConfig::quick());
    let body = br#"{"model":"doubao-seedance-2.0","prompt":"p"}"#.to_vec();
    let classic = transport
        .send(ApiRequest::post_json(
            "/v1/videos/generations",
            body.clone(),
        ))
        .await
        .unwrap();
    let mut newer = ApiRequest::post_json("/v1/videos/generations", body);
    newer
        .headers
        .insert(seedance_sim::RESPONSE_VERSION_HEADER, "2");
    let newer = transport.send(newer).await.unwrap();
    let classic_json: serde_json::Value = serde_json::from_slice(&classic.body).unwrap();
    let newer_json: serde_json::Value = serde_json::from_slice(&newer.body).unwrap();
    assert!(classic_json["data"].is_array());
    assert!(newer_json["data"].is_object());
    for r in [classic, newer] {
        assert!(
            seedance_core::parse_submit_body(&r.body)
                .unwrap()
                .task_id
                .starts_with("task_")
        );
    }
}

#[tokio::test]
async fn reqwest_transport_over_loopback_conforms() {
    for &provider in ProviderKind::ALL {
        reqwest_over_loopback(provider).await;
    }
}

async fn reqwest_over_loopback(provider: ProviderKind) {
    let config = SimConfig::instant();
    let key = ApiKey::new(config.api_key.clone()).unwrap();
    let server = SimServer::start_loopback(Simulator::new(config))
        .await
        .unwrap();
    // Ark's base URLs end in `/api/v3`, as the real ones do.
    let base = match provider {
        ProviderKind::Apimart => server.api_url(),
        _ => format!("{}/api/v3", server.api_url()),
    };
    let with_key = ReqwestTransport::builder()
        .base_url(&base)
        .api_key(key)
        .build()
        .unwrap();
    let wrong_key = ReqwestTransport::builder()
        .base_url(&base)
        .api_key(ApiKey::new("sk-wrong").unwrap())
        .build()
        .unwrap();
    conformance::run_all_for(provider, &with_key, &wrong_key).await;
    let stats = server.simulator().stats();
    assert_eq!(stats.tasks_created, 1);
    assert!(stats.media_requests >= 1);
    assert_eq!(
        stats.media_requests_with_auth, 0,
        "the API key reached the media origin"
    );
}
