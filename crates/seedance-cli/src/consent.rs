//! Asking before paying for changes: a rerun that would generate segments
//! already generated (an edited plan, `--regenerate`) says what changes,
//! how many seconds of video and what that is estimated to cost, and goes
//! on only with `--apply-changes` or a "yes" typed on a terminal.

use std::io::{IsTerminal, Read, Write};

use seedance_core::GenerationRequest;
use seedance_workflows::changes::PlanChanges;

use crate::cli::{CostArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::output::printable_lines;

/// Whether to apply `changes`: `true` when accepted, an error (exit 1, with
/// the summary) when they need consent that was not given.
pub(crate) fn ask(
    changes: &PlanChanges,
    apply_changes: bool,
    cost: &CostArgs,
    global: &GlobalArgs,
    stdin: &mut dyn Read,
    err: &mut dyn Write,
) -> Result<bool, Failure> {
    if !changes.needs_consent() {
        return Ok(apply_changes);
    }
    let summary = summary_with_cost(changes, cost)?;
    if apply_changes {
        if !global.json {
            let _ = writeln!(err, "{}", printable_lines(&summary));
        }
        return Ok(true);
    }
    if can_ask(global) {
        let _ = write!(err, "{}\nGenerate them? [y/N] ", printable_lines(&summary));
        let _ = err.flush();
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = stdin.read(&mut byte) {
            if byte[0] == b'\n' {
                break;
            }
            answer.push(byte[0]);
        }
        let answer = String::from_utf8_lossy(&answer).trim().to_ascii_lowercase();
        if answer == "y" || answer == "yes" {
            return Ok(true);
        }
        return Err(Failure {
            status: ExitStatus::Failed,
            message: "nothing was generated or changed".to_owned(),
            hint: None,
            details: None,
        });
    }
    Err(refusal(summary))
}

/// What `changes` would generate, with the estimated cost.
fn summary_with_cost(changes: &PlanChanges, cost: &CostArgs) -> Result<String, Failure> {
    let requests: Vec<GenerationRequest> = changes
        .generate
        .iter()
        .filter_map(|(_, v)| GenerationRequest::from_json(v).ok().map(|(r, _)| r))
        .collect();
    let estimate = cost.estimate(&requests)?;
    let unpriced = if estimate.unpriced.is_empty() {
        String::new()
    } else {
        format!("; no price known for {}", estimate.unpriced.join(", "))
    };
    Ok(format!(
        "{}\nestimated cost: {} (prices: {}, observed {}{unpriced})",
        changes.summary(),
        crate::cost::money(estimate.total, &estimate.currency),
        estimate.source,
        estimate.observed
    ))
}

/// The refusal of a run whose changes were not accepted: the summary, and
/// how to accept them.
fn refusal(summary: String) -> Failure {
    Failure {
        status: ExitStatus::Failed,
        message: summary,
        hint: Some(
            "rerun with --apply-changes to generate them (new takes; the current ones are kept), or restore the plan"
                .to_owned(),
        ),
        details: None,
    }
}

/// The refusal for changes a run found itself (without a preview), with
/// the same summary and cost `ask` shows.
pub(crate) fn refused(changes: &PlanChanges, cost: &CostArgs) -> Failure {
    match summary_with_cost(changes, cost) {
        Ok(summary) => refusal(summary),
        Err(e) => e,
    }
}

/// Whether a question can be asked: a person at a terminal, no `--json`.
pub(crate) fn can_ask(global: &GlobalArgs) -> bool {
    !global.json && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
