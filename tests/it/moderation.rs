//! Moderation failures (issue 22): a task the service refuses for its
//! content fails with the service's own code and text kept, and the error
//! names the cause and what to change (a -face model or an asset:// id for
//! real people, generate_audio false for audio). The simulator produces
//! each public failure, in process and over HTTP.

use seedance_core::FailureCause;
use seedance_sim::{Moderation, SimConfig, SimServer, Simulator};
use seedance_tests::{sim_client, small_request};
use seedance_transport::{ClientConfig, ClientError};
use seedance_workflows::{ChainOptions, Plan, WorkflowError, run_chain};

fn expected(why: Moderation) -> FailureCause {
    match why {
        Moderation::RealPerson => FailureCause::RealPerson,
        Moderation::SensitiveAudio => FailureCause::SensitiveAudio,
        Moderation::SensitiveOutput => FailureCause::SensitiveOutput,
        Moderation::SensitivePrompt => FailureCause::SensitivePrompt,
        Moderation::Copyright => FailureCause::Copyright,
        other => panic!("no expectation for {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn each_public_moderation_failure_is_read_as_its_cause_with_the_service_text_kept() {
    for why in Moderation::ALL {
        let config = SimConfig {
            moderation: Some(why),
            ..SimConfig::quick()
        };
        let (client, sim) = sim_client(config, ClientConfig::default());
        let dir = tempfile::tempdir().unwrap();
        let err = client
            .generate(&small_request(), dir.path())
            .await
            .unwrap_err();
        let ClientError::TaskFailed {
            error: Some(api), ..
        } = &err
        else {
            panic!("{why:?}: {err:?}");
        };
        assert_eq!(api.message, why.message());
        assert_eq!(FailureCause::of(api), Some(expected(why)), "{why:?}");
        assert_eq!(sim.stats().tasks_created, 1);
    }
}

#[tokio::test(start_paused = true)]
async fn a_chain_that_fails_moderation_names_the_cause() {
    let config = SimConfig {
        moderation: Some(Moderation::SensitiveAudio),
        ..SimConfig::quick()
    };
    let (client, _sim) = sim_client(config, ClientConfig::default());
    let plan = Plan::from_json(&serde_json::json!({
        "defaults": {"model": "doubao-seedance-2.0-fast", "generate_audio": true},
        "segments": [{"prompt": "a singer on a stage"}]
    }))
    .unwrap()
    .0;
    let dir = tempfile::tempdir().unwrap();
    match run_chain(&client, &plan, dir.path(), &ChainOptions::default())
        .await
        .unwrap_err()
    {
        WorkflowError::TaskFailed { cause, .. } => {
            assert_eq!(cause, Some(FailureCause::SensitiveAudio));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn the_cli_says_what_to_change_after_a_moderation_failure() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (why, fix) in [
        (Moderation::RealPerson, "-face"),
        (Moderation::SensitiveAudio, "generate_audio"),
    ] {
        let server = runtime
            .block_on(SimServer::start_loopback(Simulator::new(SimConfig {
                moderation: Some(why),
                ..SimConfig::instant()
            })))
            .unwrap();
        let (result, _dir) =
            seedance_tests::generate_over_http(&server.api_url(), "a portrait comes alive");
        assert_eq!(result.code, 1, "{}", result.stderr);
        assert!(result.stderr.contains(why.message()), "{}", result.stderr);
        assert!(result.stderr.contains("hint:"), "{}", result.stderr);
        assert!(result.stderr.contains(fix), "{why:?}: {}", result.stderr);
    }
}
