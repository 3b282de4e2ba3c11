//! Building the client from the global options: the simulator in process
//! (`--mock`) or the real API over reqwest.

use std::sync::Arc;

use seedance_core::provider::ProviderKind;
use seedance_sim::SimTransport;
use seedance_sim::{SimConfig, Simulator};
use seedance_transport::{ApiKey, ApiKeyError, Client, ClientConfig, ReqwestTransport};

use crate::cli::{Facts, GlobalArgs};
use crate::failure::{Failure, key_vars};

/// Where `--mock` keeps the simulator's state under an output directory.
pub(crate) const MOCK_STATE_DIR: &str = ".seedance-mock";

/// A ready client; `mock` says it runs on the in-process simulator.
pub(crate) struct Context {
    pub(crate) client: Client,
    pub(crate) mock: bool,
    /// Where local files are published.
    pub(crate) media: seedance_workflows::Destinations,
}

impl Context {
    /// Which local clips this run's requests may name: videos and audio
    /// where the media store will publish them, audio also where the
    /// provider takes it inside the request (Ark, BytePlus).
    pub(crate) fn local_media(&self) -> seedance_workflows::LocalMediaPolicy {
        crate::media::local_media_policy(
            self.media.store.is_some(),
            self.client.capabilities().inline_media,
        )
    }
}

fn api_key(global: &GlobalArgs, provider: ProviderKind) -> Result<ApiKey, Failure> {
    if let Some(path) = &global.api_key_file {
        return ApiKey::from_file(path)
            .map_err(|e| Failure::usage(format!("{e} ({})", path.display())));
    }
    ApiKey::from_env_vars(provider.api_key_envs()).map_err(|e| match e {
        ApiKeyError::Missing => Failure::usage(format!(
            "no API key: set {} or pass --api-key-file (or use --mock to run on the built-in simulator)",
            key_vars(provider)
        )),
        other => Failure::usage(other.to_string()),
    })
}

/// Ark's base URLs end in `/api/v3` (the SDKs' and the platforms'): one
/// given as a bare origin (`http://127.0.0.1:8787`) gets it, so that
/// Ark's paths land where Ark serves them.
fn with_ark_prefix(provider: ProviderKind, base_url: &str) -> String {
    let trimmed = base_url.trim_end_matches('/');
    let bare_origin = trimmed
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'));
    if provider.is_ark_dialect() && bare_origin {
        format!("{trimmed}/api/v3")
    } else {
        base_url.to_owned()
    }
}

/// Refuses `--api-key VALUE`: other users can read it from the process list.
pub(crate) fn refuse_key_argument(global: &GlobalArgs) -> Result<(), Failure> {
    if global.api_key.is_some() {
        let vars = global
            .provider()
            .map_or_else(|_| "the key variable".to_owned(), key_vars);
        return Err(Failure::usage(format!(
            "--api-key is refused: command-line arguments are visible to every user of this machine (ps). \
             Set {vars} or pass --api-key-file instead"
        )));
    }
    Ok(())
}

/// `needs_key`: false for commands that only fetch media (which never
/// carries the key), so `download` works without one.
/// `mock_state`: where `--mock` keeps the simulator's state (`None`: in memory).
pub(crate) fn build(
    global: &GlobalArgs,
    config: ClientConfig,
    needs_key: bool,
    mock_state: Option<&std::path::Path>,
) -> Result<Context, Failure> {
    refuse_key_argument(global)?;
    let provider = global.provider()?;
    let config = ClientConfig { provider, ..config };
    if global.mock {
        // Seeded from the clock so task ids (and file names) differ between runs.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        let sim_config = SimConfig {
            seed,
            ..SimConfig::quick()
        };
        let key = ApiKey::new(sim_config.api_key.clone()).ok();
        let sim = match mock_state {
            Some(dir) => Simulator::open(sim_config, dir)
                .map_err(|e| Failure::failed(format!("cannot read the simulator's state: {e}")))?,
            None => Simulator::new(sim_config),
        };
        let clock = sim.clone();
        let client = Client::with_config(Arc::new(SimTransport::new(sim, key)), config)
            .with_unix_clock(Arc::new(move || clock.unix_now()));
        return Ok(Context {
            client,
            mock: true,
            media: crate::media::destinations(global)?,
        });
    }
    let base_url = global
        .base_url
        .clone()
        .or_else(|| {
            provider
                .base_url_envs()
                .iter()
                .find_map(|var| std::env::var(var).ok().filter(|s| !s.trim().is_empty()))
        })
        .unwrap_or_else(|| provider.default_base_url().to_owned());
    if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
        return Err(Failure::usage(format!(
            "--base-url must start with http:// or https://, not `{base_url}`"
        )));
    }
    // The key and the base URL are read from separate variables (BytePlus
    // falls back to Ark's for both): a BytePlus key must not be sent to
    // Volcengine's host, which bills in another currency, or the reverse.
    if let Some(owner) = ProviderKind::official_for(base_url.trim())
        && owner != provider
    {
        return Err(Failure::usage(format!(
            "the base URL is {}'s host, but the provider is {}: set the provider's own base URL (or --provider {})",
            owner.display_name(),
            provider.display_name(),
            owner.as_str()
        )));
    }
    let base_url = with_ark_prefix(provider, base_url.trim());
    let mut builder = ReqwestTransport::builder().base_url(base_url.trim());
    match api_key(global, provider) {
        Ok(key) => builder = builder.api_key(key),
        Err(e) if needs_key => return Err(e),
        Err(_) => {}
    }
    let transport = builder
        .build()
        .map_err(|e| Failure::usage(format!("cannot set up HTTP: {e}")))?;
    Ok(Context {
        client: Client::with_config(Arc::new(transport), config),
        mock: false,
        media: crate::media::destinations(global)?,
    })
}

/// The token price table in `path` (`--prices FILE`), refused unless it is
/// for `provider`: a BytePlus table (USD) under Volcengine Ark (CNY) would
/// hold `--max-cost` in the wrong currency.
pub(crate) fn token_table_file(
    path: &std::path::Path,
    provider: ProviderKind,
) -> Result<seedance_core::provider::ark::TokenPriceTable, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read --prices {}: {e}", path.display())))?;
    let table = seedance_core::provider::ark::TokenPriceTable::from_json(&text).map_err(|e| {
        Failure::usage(format!(
            "--prices {}: not a token price table: {e}",
            path.display()
        ))
    })?;
    if table.provider != provider {
        return Err(Failure::usage(format!(
            "--prices {}: a table for {} ({}), but the provider is {}",
            path.display(),
            table.provider.display_name(),
            table.currency,
            provider.display_name()
        )));
    }
    Ok(table)
}

/// The context `facts`' command runs with: the client of the global
/// options, waiting as long as the command allows, and under `--mock` the
/// simulator's state kept next to the run it serves (so a rerun finds the
/// tasks the first run paid for).
pub(crate) fn for_command(global: &GlobalArgs, facts: &Facts<'_>) -> Result<Context, Failure> {
    let mut config = ClientConfig {
        download_digest: global.digest.into(),
        ..ClientConfig::default()
    };
    if let Some(timeout) = facts.wait_timeout {
        config.wait_timeout = timeout;
    }
    // `--prices FILE` on a provider that bills tokens prices what tasks
    // report too, not only the estimate: one table for the guard and the
    // bill.
    if let (Some(path), Ok(provider)) =
        (facts.cost.and_then(|c| c.prices_file()), global.provider())
        && !provider.capabilities().cost_in_money
    {
        config.token_prices = Some(token_table_file(path, provider)?);
    }
    let mock_state = global
        .mock_state
        .clone()
        .or_else(|| facts.run_dir.map(|dir| dir.join(MOCK_STATE_DIR)));
    build(global, config, facts.needs_key, mock_state.as_deref())
}
