//! Knowing before paying: `--dry-run` (every request exactly as it would be
//! sent, what would be uploaded, the estimated cost; nothing sent, uploaded
//! or written) and `--max-cost` (refuse to start above a budget). The
//! options themselves, [`CostArgs`], are declared with the grammar.

use std::io::Write;

use seedance_core::GenerationRequest;
use seedance_core::account::Balance;
use seedance_core::pricing::{CostEstimate, CostLine, PriceTable};
use seedance_core::provider::ark::TokenPriceTable;
use seedance_workflows::LocalFile;
use serde_json::{Value, json};

use crate::cli::CostArgs;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, write_json};

impl CostArgs {
    /// Estimates `requests` with the provider's table: apimart's price per
    /// second, or a token table (Ark, BytePlus; `--prices` then names a
    /// token table, `TokenPriceTable`'s JSON).
    pub(crate) fn estimate<'a>(
        &self,
        requests: impl IntoIterator<Item = &'a GenerationRequest>,
    ) -> Result<CostEstimate, Failure> {
        if self.provider().capabilities().cost_in_money {
            return Ok(self.table()?.estimate(requests));
        }
        Ok(token_estimate(&self.token_table()?, requests))
    }

    /// The token table of an Ark platform.
    fn token_table(&self) -> Result<TokenPriceTable, Failure> {
        // `--prices live` reads apimart's public prices; Ark has no such
        // API (`resolve` said so): the built-in token table stands.
        match self.prices_file() {
            None => TokenPriceTable::builtin(self.provider()).ok_or_else(|| {
                Failure::usage(format!(
                    "no built-in token prices for {}",
                    self.provider().display_name()
                ))
            }),
            Some(path) => crate::context::token_table_file(path, self.provider()),
        }
    }

    /// The provider the estimate is for (apimart until [`Self::resolve`]).
    pub(crate) fn provider(&self) -> seedance_core::provider::ProviderKind {
        self.provider.get().copied().unwrap_or_default()
    }

    /// Whether the provider takes local images inside the request.
    pub(crate) fn inline_images(&self) -> bool {
        let c = self.provider().capabilities();
        c.inline_media && !c.upload
    }

    /// The body each request is sent as (Ark's `content[]` body on Ark).
    pub(crate) fn wire_body(&self, request: &GenerationRequest) -> Value {
        self.provider()
            .submit_json(request)
            .unwrap_or_else(|_| request.to_json())
    }

    /// The price table to estimate with.
    pub(crate) fn table(&self) -> Result<PriceTable, Failure> {
        if let Some(table) = self.resolved.get() {
            return Ok(table.clone());
        }
        match &self.prices {
            None => Ok(PriceTable::builtin()),
            // Not resolved (a command that sends nothing): the built-in table.
            Some(_) if self.wants_live() => Ok(PriceTable::builtin()),
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

    /// Settles what these options leave to the run, before anything reads
    /// them: the provider (the context's client's), and the live prices
    /// when `--prices live` asks for them.
    pub(crate) async fn resolve(&self, ctx: &Context, err: &mut dyn Write) {
        let _ = self.provider.set(ctx.client.provider());
        if self.wants_live() && !self.provider().capabilities().discovery {
            let _ = writeln!(
                err,
                "warning: --prices live: {} publishes no price list to read; estimating with the built-in token prices (or give a token table with --prices FILE)",
                self.provider().display_name()
            );
            return;
        }
        if self.wants_live() && self.resolved.get().is_none() {
            let table = crate::live_prices::resolve(ctx, err).await;
            let _ = self.resolved.set(table);
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
                with_video: !r.video_urls.is_empty(),
                input_seconds: 0,
                input_assumed: false,
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
        let seconds = if l.with_video {
            format!(
                "{} s + {} s of reference video{}",
                l.seconds,
                l.input_seconds,
                if l.input_assumed {
                    " (length unknown: counted at the 15 s most)"
                } else {
                    ""
                }
            )
        } else {
            format!("{} s", l.seconds)
        };
        let price = match (l.per_second, l.cost) {
            (Some(p), Some(c)) => format!("{seconds} x {p} = {}", money(c, &e.currency)),
            _ => format!("{seconds}, no price known"),
        };
        out.push_str(&format!(
            "  {} {}: {} request{}, {price}\n",
            l.model,
            l.resolution,
            l.requests,
            if l.requests == 1 { "" } else { "s" }
        ));
    }
    let priced = e.lines.iter().any(|l| l.cost.is_some());
    out.push_str(&format!(
        "  total: {} (prices: {}, observed {}; the task's own cost is what is billed)",
        match (e.unpriced.is_empty(), priced) {
            (true, _) => money(e.total, &e.currency),
            (false, true) => format!(
                "at least {}, plus an unknown amount for {}",
                money(e.total, &e.currency),
                e.unpriced.join(", ")
            ),
            (false, false) => format!(
                "unknown: no price for {} (give one with --prices FILE)",
                e.unpriced.join(", ")
            ),
        },
        e.source,
        e.observed
    ));
    out
}

/// What a dry run prints.
pub(crate) struct DryRun<'a> {
    /// Where local files would be published.
    pub(crate) media: &'a seedance_workflows::Destinations,
    /// Each request with its label (`segment 3`, `line 7`, `request`).
    pub(crate) requests: Vec<(String, Value)>,
    /// Local files that would be uploaded.
    pub(crate) uploads: &'a [LocalFile],
    /// The estimate.
    pub(crate) estimate: CostEstimate,
    /// The validator's warnings (printed on stderr without `--json`).
    pub(crate) warnings: &'a [seedance_core::Violation],
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
                    "warnings": self.warnings,
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
                let to = crate::media::destination_of(u, self.media, self.inline_images);
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

/// The balance read before paying, when the service told it: the lowest of
/// the key's and the account's remaining balances that are not unlimited.
fn lowest_remaining(balances: &[&Balance]) -> Option<Balance> {
    balances
        .iter()
        .filter(|b| !b.is_unlimited())
        .min_by(|a, b| a.remain_balance.total_cmp(&b.remain_balance))
        .map(|b| (*b).clone())
        .or_else(|| balances.first().map(|b| (*b).clone()))
}

/// Before paying `estimate`: reads the remaining balance (the key's, and
/// the account's when the key's is unlimited or unreadable) and refuses,
/// sending nothing, when the estimate exceeds it. When the balance cannot be
/// read (the endpoint missing, an error), says so on `err` and lets the
/// run go on as it would without the check. The balance's unit depends on
/// the account; the estimate is in the price table's currency.
pub(crate) async fn check_balance(
    ctx: &Context,
    estimate: &CostEstimate,
    err: &mut dyn Write,
) -> Result<Option<Balance>, Failure> {
    // Ark and BytePlus have no balance endpoint: nothing to ask, nothing
    // to warn about (the estimate and --max-cost still hold).
    if estimate.total <= 0.0 || !ctx.client.capabilities().balance {
        return Ok(None);
    }
    let key = ctx.client.balance().await;
    let account = match &key {
        Ok(b) if !b.is_unlimited() => None,
        _ => Some(ctx.client.account_balance().await),
    };
    let known: Vec<&Balance> = [
        key.as_ref().ok(),
        account.as_ref().and_then(|a| a.as_ref().ok()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let Some(balance) = lowest_remaining(&known) else {
        let why = key
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no answer".to_owned());
        let _ = writeln!(
            err,
            "warning: cannot read the remaining balance ({}); going on without checking it",
            printable(&why)
        );
        return Ok(None);
    };
    if let Some(by) = balance.shortfall(estimate.total) {
        let left = balance.remain_balance;
        let mut failure = Failure::failed(format!(
            "estimated {:.2} {} exceeds the remaining balance {left:.2} by {by:.2}; nothing was sent\n{}",
            estimate.total,
            estimate.currency,
            lines(estimate)
        ));
        failure.hint = Some(
            "top up your apimart balance, or send fewer or cheaper requests (see --dry-run)"
                .to_owned(),
        );
        failure.details = Some(json!({
            "estimate": estimate,
            "balance": balance,
            "shortfall": by,
        }));
        return Err(failure);
    }
    Ok(Some(balance))
}

/// What [`before_paying`] decided.
pub(crate) enum BeforePaying {
    /// `--dry-run`: the plan was printed; stop.
    DryRunPrinted,
    /// Go on and pay.
    Go {
        /// The estimated total of every request.
        estimate: f64,
        /// The remaining balance read before paying, when known.
        balance: Option<Balance>,
    },
}

/// The requests of a run in `out_dir` still to be paid for: those its
/// manifest does not record as sent (a rerun resumes the others).
fn still_to_pay<'a>(
    requests: &'a [GenerationRequest],
    out_dir: &std::path::Path,
) -> Vec<&'a GenerationRequest> {
    use seedance_workflows::manifest::JobState;
    // An unreadable record counts as nothing sent: the estimate is then an
    // upper bound, and the run itself stops on the same record, naming it.
    let sent: std::collections::HashSet<usize> = seedance_workflows::read_run(out_dir)
        .ok()
        .flatten()
        .map(|m| {
            m.jobs
                .iter()
                .filter(|j| !matches!(j.state, JobState::Planned | JobState::Failed))
                .map(|j| j.index)
                .collect()
        })
        .unwrap_or_default();
    requests
        .iter()
        .enumerate()
        .filter(|(k, _)| !sent.contains(k))
        .map(|(_, r)| r)
        .collect()
}

/// Before a chain or batch pays: checks its local images by their bytes,
/// prices every request (refusing above `--max-cost`), with `--dry-run`
/// prints the plan and returns [`BeforePaying::DryRunPrinted`] (the caller
/// stops there); otherwise refuses when the requests not yet sent cost more
/// than the remaining balance ([`check_balance`]). `label(k)` names request
/// `k` (`segment 3`, `job 7`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn before_paying(
    ctx: &Context,
    cost: &CostArgs,
    requests: &[GenerationRequest],
    local: &[LocalFile],
    label: impl Fn(usize) -> String,
    out_dir: &std::path::Path,
    json_mode: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<BeforePaying, Failure> {
    let mut facts = seedance_workflows::media_facts(local);
    facts.extend(crate::probe::local_clips(local).map_err(Failure::failed)?);
    // One pass over the media facts: errors stop the run; warnings (a frame
    // of another size than the video...) are said before paying, the first
    // few of a large batch and how many more.
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for (k, r) in requests.iter().enumerate() {
        let prefix = label(k);
        let report = seedance_core::validate_media(r, &facts);
        let named = |mut v: seedance_core::Violation| {
            v.path = format!("{prefix}: {}", v.path);
            v
        };
        errors.extend(report.errors.into_iter().map(named));
        warnings.extend(report.warnings.into_iter().map(named));
    }
    if !json_mode {
        const SHOWN: usize = 5;
        for w in warnings.iter().take(SHOWN) {
            let _ = writeln!(err, "warning: {}", crate::output::printable(&w.to_string()));
        }
        if warnings.len() > SHOWN {
            let _ = writeln!(
                err,
                "warning: ... and {} more like these",
                warnings.len() - SHOWN
            );
        }
    }
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
            media: &ctx.media,
            requests: requests
                .iter()
                .enumerate()
                .map(|(k, r)| (label(k), cost.wire_body(r)))
                .collect(),
            uploads: local,
            estimate,
            // A plan's warnings were printed when it was read.
            warnings: &[],
            inline_images: cost.inline_images(),
        }
        .print(json_mode, out)?;
        return Ok(BeforePaying::DryRunPrinted);
    }
    let pending = cost.table()?.estimate(still_to_pay(requests, out_dir));
    let balance = check_balance(ctx, &pending, err).await?;
    Ok(BeforePaying::Go {
        estimate: estimate.total,
        balance,
    })
}
