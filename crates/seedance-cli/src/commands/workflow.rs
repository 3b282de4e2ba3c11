//! The skeleton `chain` and `batch` share, from their requests to their
//! outcome: check and price before paying (`--dry-run` stops there), show
//! what a rerun would change and ask before paying for it again, run with
//! progress bars and a Ctrl-C that stops at a safe point (offering to
//! cancel tasks still queued), and turn the workflow's error into the
//! CLI's. Each command keeps only what is its own: reading its input and
//! writing its result.

use std::future::Future;
use std::io::{Read, Write};

use seedance_core::GenerationRequest;
use seedance_core::account::Balance;
use seedance_workflows::changes::PlanChanges;
use seedance_workflows::{EventSink, LocalFile, StopSignal, WorkflowError};

use crate::cli::{CostArgs, GlobalArgs, ResumeArgs};
use crate::commands::{interrupted, this_command_line, with_stop};
use crate::context::Context;
use crate::cost::BeforePaying;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::progress::{self, Mode, RunBars};

/// A chain or batch about to run: its requests as they will be sent.
pub(crate) struct WorkflowRun<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) global: &'a GlobalArgs,
    pub(crate) resume: &'a ResumeArgs,
    pub(crate) cost: &'a CostArgs,
    /// What one request is called: "segment" or "job".
    pub(crate) noun: &'static str,
    /// Every request, in order (a chain's linked frames as placeholders).
    pub(crate) requests: &'a [GenerationRequest],
    /// The local files the requests name.
    pub(crate) local: &'a [LocalFile],
}

/// What the workflow runs with: the consent given and how to report and stop.
pub(crate) struct Steering {
    /// Whether changes to jobs already paid for were accepted.
    pub(crate) apply_changes: bool,
    /// Where progress goes (the bars).
    pub(crate) events: EventSink,
    /// Raised by the first Ctrl-C.
    pub(crate) stop: StopSignal,
}

/// A run that went through.
pub(crate) struct Ran<T> {
    /// What the workflow returned.
    pub(crate) outcome: T,
    /// The estimate made before paying.
    pub(crate) estimate: f64,
    /// The balance read before paying, when known.
    pub(crate) balance: Option<Balance>,
}

/// The standard streams of a command.
pub(crate) struct Streams<'a> {
    pub(crate) stdin: &'a mut dyn Read,
    pub(crate) out: &'a mut dyn Write,
    pub(crate) err: &'a mut dyn Write,
}

impl WorkflowRun<'_> {
    /// Runs `work` through the skeleton. `preview`, called once the cost is
    /// accepted, checks what is left to check before paying and says what
    /// the run would change (read only; `None` when it need not be asked,
    /// and the run itself refuses unconsented changes); `work` runs
    /// the workflow with the [`Steering`] it is given. `Ok(None)`: a dry
    /// run, printed.
    pub(crate) async fn run<T, Fut>(
        &self,
        io: &mut Streams<'_>,
        interrupt: &Interrupt,
        preview: impl FnOnce() -> Result<Option<PlanChanges>, Failure>,
        work: impl FnOnce(Steering) -> Fut,
    ) -> Result<Option<Ran<T>>, Failure>
    where
        Fut: Future<Output = Result<T, WorkflowError>>,
    {
        let noun = self.noun;
        let (estimate, balance) = match crate::cost::before_paying(
            self.ctx,
            self.cost,
            self.requests,
            self.local,
            |k| format!("{noun} {k}"),
            &self.resume.out,
            self.global.json,
            io.out,
            io.err,
        )
        .await?
        {
            BeforePaying::DryRunPrinted => return Ok(None),
            BeforePaying::Go { estimate, balance } => (estimate, balance),
        };
        let mut apply_changes = self.resume.apply_changes;
        if let Some(mut changes) = preview()? {
            changes.fill_requests(self.requests);
            apply_changes = crate::consent::ask(
                &changes,
                apply_changes,
                self.cost,
                self.global,
                io.stdin,
                io.err,
            )?;
        }
        let (lines, lines_rx) = progress::line_channel();
        let bars = RunBars::new(Mode::detect(), noun, self.requests.len(), lines.clone());
        let stop = StopSignal::new();
        let steering = Steering {
            apply_changes,
            events: bars.sink(),
            stop: stop.clone(),
        };
        let outcome = progress::drive(
            with_stop(interrupt, &stop, &lines, work(steering)),
            lines_rx,
            io.err,
        )
        .await;
        bars.clear();
        match outcome {
            Ok(outcome) => Ok(Some(Ran {
                outcome,
                estimate,
                balance,
            })),
            Err(WorkflowError::Stopped) => {
                let out_dir = &self.resume.out;
                let cancel =
                    crate::queued::offer_cancel(self.ctx, self.global, out_dir, io.stdin, io.err)
                        .await;
                Err(interrupted(Some(format!(
                    "the manifest in {} records every step; rerun to resume: {}{}",
                    out_dir.display(),
                    this_command_line(self.global),
                    cancel.map(|c| format!("\n{c}")).unwrap_or_default()
                ))))
            }
            Err(WorkflowError::ChangesNeedConfirmation(mut changes)) => {
                changes.fill_requests(self.requests);
                Err(crate::consent::refused(&changes, self.cost))
            }
            Err(other) => Err(Failure::from(other)),
        }
    }
}
