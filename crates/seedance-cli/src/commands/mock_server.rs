//! `seedance mock-server`: the simulator over loopback HTTP.

use std::io::Write;
use std::net::SocketAddr;

use seedance_core::provider::ProviderKind;
use seedance_sim::{FaultRates, GenerationTime, SimConfig, SimServer, Simulator};
use serde_json::json;

use crate::cli::{GlobalArgs, MockServerArgs};
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::write_json;

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &MockServerArgs,
    out: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let base = if args.realistic {
        SimConfig::default()
    } else if args.instant {
        SimConfig::instant()
    } else {
        SimConfig::quick()
    };
    let config = SimConfig {
        seed: args.seed,
        submits_per_second: args.rate_limit,
        rate_limiter: args.rate_limiter,
        balance_video_seconds: args.balance,
        video_padding_bytes: args.video_padding,
        faults: FaultRates {
            server_error: args.server_error_rate,
            cut: args.cut_rate,
            malformed: args.malformed_rate,
            task_failure: args.task_failure_rate,
            ..FaultRates::default()
        },
        status_spelling: args.status_spelling,
        expires_skew_secs: args.expires_skew,
        dead_first_url: args.dead_first_url,
        visibility_delay: std::time::Duration::from_secs_f64(args.visibility_delay),
        echo_key_in_errors: args.echo_key,
        ignore_idempotency_keys: args.ignore_idempotency,
        moderation: args.moderation,
        webhook_faults: seedance_sim::WebhookFaults {
            duplicate: args.webhook_fault.iter().any(|f| f == "duplicate"),
            out_of_order: args.webhook_fault.iter().any(|f| f == "late"),
            never: args.webhook_fault.iter().any(|f| f == "never"),
            ..seedance_sim::WebhookFaults::default()
        },
        progress_shape: args.progress_shape,
        estimate_factor: args.estimate_factor,
        shapes: seedance_sim::ResponseShapes {
            cost_as_string: args.shape.iter().any(|s| s == "cost-string"),
            no_envelope: args.shape.iter().any(|s| s == "no-envelope"),
            last_frame_in_content: args.shape.iter().any(|s| s == "last-frame-in-content"),
            task_info_on_submit: args.shape.iter().any(|s| s == "task-info"),
        },
        generation: if args.realistic {
            GenerationTime::default()
        } else {
            base.generation.clone()
        },
        ..base
    };
    let config = SimConfig {
        ark_max_queued: args.max_queued.unwrap_or(config.ark_max_queued),
        queue_secs: args.queue.map_or(config.queue_secs, |q| (q, q)),
        ..config
    };
    let key = config.api_key.clone();
    let provider = global.provider()?;
    let api: SocketAddr = ([127, 0, 0, 1], args.port).into();
    let media: SocketAddr = ([127, 0, 0, 1], args.media_port).into();
    let sim = Simulator::new(config);
    for (route, fault, times) in &args.fault {
        for _ in 0..*times {
            sim.inject(*route, fault.clone());
        }
    }
    let server = SimServer::start(sim, api, media)
        .await
        .map_err(|e| Failure::failed(format!("cannot listen on {api}: {e}")))?;
    // Both dialects are served at once: apimart's paths at the root, Ark's
    // under /api/v3 (Ark's base URLs end there).
    let base_url = match provider {
        ProviderKind::Apimart => server.api_url(),
        _ => format!("{}/api/v3", server.api_url()),
    };
    let written = if global.json {
        write_json(
            out,
            &json!({
                "provider": provider.as_str(),
                "api_url": server.api_url(),
                "base_url": base_url,
                "media_url": server.media_url(),
                "api_key": key,
            }),
        )
    } else if provider == ProviderKind::Apimart {
        writeln!(
            out,
            "simulator listening: API {} (media {})\nkey: {key}\ntry:  APIMART_BASE_URL={} APIMART_API_KEY={key} seedance generate examples/requests/01-text-to-video.json --out out/\nCtrl-C to stop",
            server.api_url(),
            server.media_url(),
            server.api_url()
        )
    } else {
        let flag = format!("--provider {provider} ");
        writeln!(
            out,
            "simulator listening: API {} (media {}; {} dialect at {base_url})\nkey: {key}\ntry:  {}={base_url} {}={key} seedance {flag}generate examples/requests/01-text-to-video.json --out out/\nCtrl-C to stop",
            server.api_url(),
            server.media_url(),
            provider.display_name(),
            provider.base_url_env(),
            provider.api_key_envs()[0],
        )
    };
    written.and_then(|_| out.flush()).map_err(Failure::output)?;
    interrupt.wait().await;
    let stats = server.simulator().stats();
    let _ = writeln!(
        out,
        "stopped: {} tasks created, {} status requests, {} media requests",
        stats.tasks_created, stats.status_requests, stats.media_requests
    );
    Ok(())
}
