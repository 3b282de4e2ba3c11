//! Knowing before paying: `--dry-run` (every request exactly as it would be
//! sent, what would be uploaded, the estimated cost; nothing sent, uploaded
//! or written) and `--max-cost` (refuse to start above a budget).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use seedance_core::GenerationRequest;
use seedance_core::pricing::{CostEstimate, CostLine, PriceTable};
use seedance_core::provider::ark::TokenPriceTable;
use seedance_workflows::LocalFile;
use serde_json::{Value, json};

use crate::failure::Failure;
use crate::output::write_json;

/// Cost options of every command that pays.
#[derive(Debug, Default, Args)]
pub struct CostArgs {
    /// Validate everything and print each request exactly as it would be
    /// sent, what would be uploaded and the estimated cost; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A price table (JSON) instead of the built-in one: `{"source",
    /// "observed", "currency", "per_second": {MODEL: {RESOLUTION: PRICE}}}`.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Refuse to start when the estimated cost is above this amount (in
    /// the provider's currency: USD on apimart and BytePlus, CNY on Ark).
    #[arg(long, value_name = "AMOUNT")]
    pub max_cost: Option<f64>,
    /// The provider the estimate is for (set from `--provider`): apimart
    /// bills seconds, Ark and BytePlus bill tokens.
    #[arg(skip)]
    pub provider: seedance_core::provider::ProviderKind,
}

impl CostArgs {
    /// Estimates `requests` with the provider's table: apimart's price per
    /// second, or a token table (Ark, BytePlus; `--prices` then names a
    /// token table, `TokenPriceTable`'s JSON).
    pub(crate) fn estimate<'a>(
        &self,
        requests: impl IntoIterator<Item = &'a GenerationRequest>,
    ) -> Result<CostEstimate, Failure> {
        if self.provider.capabilities().cost_in_money {
            return Ok(self.table()?.estimate(requests));
        }
        Ok(token_estimate(&self.token_table()?, requests))
    }

    /// The token table of an Ark platform.
    fn token_table(&self) -> Result<TokenPriceTable, Failure> {
        match &self.prices {
            None => TokenPriceTable::builtin(self.provider).ok_or_else(|| {
                Failure::usage(format!(
                    "no built-in token prices for {}",
                    self.provider.display_name()
                ))
            }),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Failure::usage(format!("cannot read --prices {}: {e}", path.display()))
                })?;
                TokenPriceTable::from_json(&text).map_err(|e| {
                    Failure::usage(format!(
                        "--prices {}: not a token price table: {e}",
                        path.display()
                    ))
                })
            }
        }
    }

    /// Whether the provider takes local images inside the request.
    pub(crate) fn inline_images(&self) -> bool {
        let c = self.provider.capabilities();
        c.inline_media && !c.upload
    }

    /// The body each request is sent as (Ark's `content[]` body on Ark).
    pub(crate) fn wire_body(&self, request: &GenerationRequest) -> Value {
        self.provider
            .submit_json(request)
            .unwrap_or_else(|_| request.to_json())
    }

    /// The price table to estimate with.
    pub(crate) fn table(&self) -> Result<PriceTable, Failure> {
        match &self.prices {
            None => Ok(PriceTable::builtin()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Failure::usage(format!("cannot read --prices {}: {e}", path.display()))
                })?;
                PriceTable::from_json(&text).map_err(|e| {
                    Failure::usage(format!(
                        "--prices {}: not a price table: {e}",
                        path.display()
                    ))
                })
            }
        }
    }

    /// Estimates `requests`; refuses above `--max-cost`.
    pub(crate) fn check<'a>(
        &self,
        requests: impl IntoIterator<Item = &'a GenerationRequest>,
    ) -> Result<CostEstimate, Failure> {
        let estimate = self.estimate(requests)?;
        if let Some(max) = self.max_cost {
            if !estimate.unpriced.is_empty() {
                return Err(Failure::failed(format!(
                    "cannot hold to --max-cost {max}: the price table has no price for {} (give one with --prices FILE)",
                    estimate.unpriced.join(", ")
                )));
            }
            if estimate.total > max {
                return Err(Failure::failed(format!(
                    "the estimated cost {} is above --max-cost {max}; nothing was sent\n{}",
                    money(estimate.total, &estimate.currency),
                    lines(&estimate)
                )));
            }
        }
        Ok(estimate)
    }
}

/// An estimate in tokens × price per million, in the shape of apimart's
/// (one line per model and resolution; `per_second` is the effective rate).
/// Tokens: (input video seconds + output seconds) × width × height × 24 /
/// 1024, at the lower rate when a reference video is sent; input video
/// lengths are not known here, so they count as none (a lower bound).
fn token_estimate<'a>(
    table: &TokenPriceTable,
    requests: impl IntoIterator<Item = &'a GenerationRequest>,
) -> CostEstimate {
    let mut lines: std::collections::BTreeMap<(String, String), CostLine> = Default::default();
    let mut unpriced = Vec::new();
    for r in requests {
        let e = table.estimate(r, None);
        let resolution = r
            .resolution
            .map_or_else(|| "720p".to_owned(), |x| x.as_str().to_owned());
        let model = r.model.as_str().to_owned();
        let line = lines
            .entry((model.clone(), resolution.clone()))
            .or_insert_with(|| CostLine {
                model: model.clone(),
                resolution: resolution.clone(),
                requests: 0,
                seconds: 0,
                per_second: None,
                cost: Some(0.0),
            });
        line.requests += 1;
        line.seconds += u64::from(r.effective_duration());
        match (e.cost, line.cost) {
            (Some(c), Some(sum)) => line.cost = Some(sum + c),
            _ => {
                line.cost = None;
                let name = format!("{model} {resolution}");
                if !unpriced.contains(&name) {
                    unpriced.push(name);
                }
            }
        }
    }
    let lines: Vec<CostLine> = lines
        .into_values()
        .map(|mut l| {
            l.per_second = l
                .cost
                .map(|c| (c / l.seconds.max(1) as f64 * 1e6).round() / 1e6);
            l
        })
        .collect();
    CostEstimate {
        total: lines.iter().filter_map(|l| l.cost).sum(),
        lines,
        currency: table.currency.clone(),
        source: format!("{} (tokens)", table.source),
        observed: table.observed.clone(),
        unpriced,
    }
}

pub(crate) fn money(amount: f64, currency: &str) -> String {
    format!("{amount:.4} {currency}")
}

fn lines(e: &CostEstimate) -> String {
    let mut out = String::new();
    for l in &e.lines {
        let price = match (l.per_second, l.cost) {
            (Some(p), Some(c)) => format!("{} s x {p} = {}", l.seconds, money(c, &e.currency)),
            _ => format!("{} s, no price known", l.seconds),
        };
        out.push_str(&format!(
            "  {} {}: {} request{}, {price}\n",
            l.model,
            l.resolution,
            l.requests,
            if l.requests == 1 { "" } else { "s" }
        ));
    }
    out.push_str(&format!(
        "  total: {}{} (prices: {}, observed {}; the task's own cost is what is billed)",
        money(e.total, &e.currency),
        if e.unpriced.is_empty() {
            String::new()
        } else {
            format!(" plus unpriced {}", e.unpriced.join(", "))
        },
        e.source,
        e.observed
    ));
    out
}

/// What a dry run prints.
pub(crate) struct DryRun<'a> {
    /// Each request with its label (`segment 3`, `line 7`, `request`).
    pub(crate) requests: Vec<(String, Value)>,
    /// Local files that would be uploaded.
    pub(crate) uploads: &'a [LocalFile],
    /// The estimate.
    pub(crate) estimate: CostEstimate,
    /// The provider takes images inline (nothing is uploaded).
    pub(crate) inline_images: bool,
}

impl DryRun<'_> {
    pub(crate) fn print(&self, json_mode: bool, out: &mut dyn Write) -> Result<(), Failure> {
        let written = if json_mode {
            write_json(
                out,
                &json!({
                    "dry_run": true,
                    "requests": self.requests.iter().map(|(label, body)| json!({"label": label, "body": body})).collect::<Vec<_>>(),
                    "uploads": self.uploads,
                    "estimate": self.estimate,
                }),
            )
        } else {
            let mut text = String::new();
            for (label, body) in &self.requests {
                text.push_str(&format!(
                    "{label}:\n{}\n",
                    serde_json::to_string_pretty(body).unwrap_or_default()
                ));
            }
            for u in self.uploads {
                let to = crate::media::destination_of(u, self.inline_images);
                text.push_str(&format!(
                    "would publish {} ({} bytes) for {} to {to}\n",
                    u.path.display(),
                    u.bytes,
                    u.field
                ));
            }
            text.push_str(&format!(
                "estimated cost:\n{}\ndry run: nothing was sent, uploaded or written\n",
                lines(&self.estimate)
            ));
            out.write_all(text.as_bytes())
        };
        written.map_err(Failure::output)
    }
}

/// Before a chain or batch pays: checks its local images by their bytes,
/// prices every request (refusing above `--max-cost`), and with `--dry-run`
/// prints the plan and returns `Ok(true)`: the caller stops there.
/// `label(k)` names request `k` (`segment 3`, `job 7`).
pub(crate) fn before_paying(
    cost: &CostArgs,
    requests: &[GenerationRequest],
    local: &[LocalFile],
    label: impl Fn(usize) -> String,
    json_mode: bool,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    let mut facts = seedance_workflows::media_facts(local);
    facts.extend(crate::probe::local_clips(local).map_err(Failure::failed)?);
    let errors: Vec<_> = requests
        .iter()
        .enumerate()
        .flat_map(|(k, r)| {
            let prefix = label(k);
            seedance_core::validate_media(r, &facts)
                .errors
                .into_iter()
                .map(move |mut v| {
                    v.path = format!("{prefix}: {}", v.path);
                    v
                })
        })
        .collect();
    if !errors.is_empty() {
        return Err(Failure::failed(
            seedance_workflows::PlanError {
                errors,
                warnings: Vec::new(),
            }
            .to_string(),
        ));
    }
    let estimate = cost.check(requests)?;
    if cost.dry_run {
        DryRun {
            requests: requests
                .iter()
                .enumerate()
                .map(|(k, r)| (label(k), cost.wire_body(r)))
                .collect(),
            uploads: local,
            estimate,
            inline_images: cost.inline_images(),
        }
        .print(json_mode, out)?;
        return Ok(true);
    }
    Ok(false)
}
