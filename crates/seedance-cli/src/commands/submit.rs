//! `seedance submit`: validate and submit; print the task id.

use std::io::{Read, Write};

use seedance_core::{GenerationRequest, Violation};
use seedance_transport::Submitted;
use serde_json::json;

use crate::cli::{CostArgs, GlobalArgs, RequestArgs, SubmitArgs};
use crate::commands::interrupted;
use crate::context::Context;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::{printable, write_json};
use crate::request_args::ReadRequest;

/// Prints warnings on stderr, before anything is sent (human mode; `--json`
/// output carries them in its `warnings` array).
pub(crate) fn print_warnings(err: &mut dyn Write, warnings: &[Violation]) {
    for w in warnings {
        let _ = writeln!(err, "warning: {}", printable(&w.to_string()));
    }
}

/// Submits `request`, letting a submit already on the wire finish when
/// Ctrl-C arrives (dropping it would lose the id of a task that may exist),
/// then reports the interruption with the task id.
pub(crate) async fn submit_through_interrupt(
    ctx: &Context,
    request: &GenerationRequest,
    err: &mut dyn Write,
    interrupt: &Interrupt,
    resume: impl FnOnce(&str) -> String,
) -> Result<Submitted, Failure> {
    let submit = ctx.client.submit(request);
    tokio::pin!(submit);
    let submitted = tokio::select! {
        r = &mut submit => r,
        () = interrupt.wait() => {
            let _ = writeln!(
                err,
                "finishing the submit already under way so its task id is not lost (Ctrl-C again to quit now)"
            );
            submit.await
        }
    }?;
    if interrupt.requested() {
        let _ = writeln!(err, "submitted {}", printable(&submitted.task_id));
        return Err(interrupted(Some(resume(&submitted.task_id))));
    }
    Ok(submitted)
}

/// A request read from a file and/or flags, validated, with its local
/// images and its estimated cost.
pub(crate) struct Prepared {
    pub(crate) read: ReadRequest,
    pub(crate) local: Vec<seedance_workflows::LocalFile>,
    pub(crate) estimate: seedance_core::pricing::CostEstimate,
    /// The body as the provider receives it (for the dry run).
    pub(crate) wire_body: serde_json::Value,
    /// The provider takes local images inline.
    pub(crate) inline_images: bool,
    /// What `--fit-frames` did, a line per frame.
    pub(crate) fitted: Vec<String>,
}

/// Reads, validates and prices the request of `submit`/`generate`.
pub(crate) fn prepare(
    file: Option<&std::path::PathBuf>,
    flags: &RequestArgs,
    cost: &CostArgs,
    local_av: seedance_workflows::LocalMediaPolicy,
    stdin: &mut dyn Read,
) -> Result<Prepared, Failure> {
    let raw = crate::request_args::read_request_with_flags(file, flags, local_av, stdin)?;
    let read = crate::request_args::validate_with_flags(
        &raw.value,
        &raw.flagged,
        flags.allow_unknown_model,
        &flags.force_field,
    )?;
    let mut read = read;
    // Local images are checked by their bytes (size, format, pixels) before
    // anything is uploaded or paid for.
    let media = seedance_core::validate_media(&read.request, &{
        let mut facts = seedance_workflows::media_facts(&raw.local);
        facts.extend(crate::probe::local_clips(&raw.local).map_err(Failure::failed)?);
        facts
    });
    if !media.is_valid() {
        return Err(Failure::failed(
            seedance_core::ValidationError { report: media }.to_string(),
        ));
    }
    let media_count = media.warnings.len();
    read.warnings.extend(media.warnings);
    // The rules that differ by provider, checked before paying.
    if cost.provider() != seedance_core::provider::ProviderKind::Apimart {
        let report = cost.provider().validate(&read.request);
        if !report.is_valid() {
            return Err(Failure::failed(
                seedance_core::ValidationError { report }.to_string(),
            ));
        }
        // Only the warnings that hold on this provider (apimart's page
        // disputes say nothing about Ark).
        let media_warnings = read.warnings.split_off(read.warnings.len() - media_count);
        read.warnings.retain(|w| {
            let path = w.path.split(" (--").next().unwrap_or(&w.path);
            report
                .warnings
                .iter()
                .any(|x| x.code == w.code && x.path == path)
        });
        read.warnings.extend(media_warnings);
    }
    let estimate = cost.check([&read.request])?;
    let wire_body = cost.wire_body(&read.request);
    Ok(Prepared {
        read,
        local: raw.local,
        estimate,
        wire_body,
        inline_images: cost.inline_images(),
        fitted: raw.fitted,
    })
}

impl Prepared {
    /// Says on `err` what was done to the request (frames fitted) and,
    /// outside `--json`, the validator's warnings.
    pub(crate) fn print_notes(&self, json_mode: bool, err: &mut dyn Write) {
        for line in &self.fitted {
            let _ = writeln!(err, "{line}");
        }
        if !json_mode {
            print_warnings(err, &self.read.warnings);
        }
    }

    /// Prints the dry run of this request.
    pub(crate) fn print_dry_run(
        self,
        json_mode: bool,
        media: &seedance_workflows::Destinations,
        out: &mut dyn Write,
    ) -> Result<(), Failure> {
        crate::cost::DryRun {
            media,
            requests: vec![("request".to_owned(), self.wire_body.clone())],
            uploads: &self.local,
            estimate: self.estimate,
            warnings: &self.read.warnings,
            inline_images: self.inline_images,
        }
        .print(json_mode, out)
    }

    /// The request to send: local images uploaded, placeholders replaced.
    pub(crate) async fn publish(&self, ctx: &Context) -> Result<GenerationRequest, Failure> {
        if self.local.is_empty() {
            return Ok(self.read.request.clone());
        }
        let mut body = self.read.request.to_json();
        let files = seedance_workflows::LocalFiles::from_found(&self.local);
        seedance_workflows::local_media::publish_to(
            &ctx.client,
            &ctx.media,
            &mut body,
            &files,
            &seedance_workflows::local_media::NoCache,
        )
        .await
        .map_err(|e| Failure::from(seedance_workflows::WorkflowError::from(e)))?;
        // Parsed under the base model's id (an opted-in unknown id would not
        // parse), then given back its own.
        body["model"] = serde_json::json!(self.read.request.model.base().as_str());
        let mut request = GenerationRequest::from_json(&body)
            .map(|(r, _)| r)
            .map_err(|e| Failure::failed(e.to_string()))?;
        request.model = self.read.request.model.clone();
        Ok(request)
    }
}

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &SubmitArgs,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let prepared = prepare(
        args.file.as_ref(),
        &args.request,
        &args.cost,
        crate::media::local_av(global),
        stdin,
    )?;
    prepared.print_notes(global.json, err);
    if args.cost.dry_run {
        return prepared.print_dry_run(global.json, &ctx.media, out);
    }
    let balance = crate::cost::check_balance(ctx, &prepared.estimate, err).await?;
    let request = prepared.publish(ctx).await?;
    let submitted = submit_through_interrupt(ctx, &request, err, interrupt, |id| {
        format!("the task was created; follow it with: seedance wait {id}")
    })
    .await?;
    let result = if global.json {
        write_json(
            out,
            &json!({"task_id": submitted.task_id, "warnings": prepared.read.warnings, "estimate": prepared.estimate.total, "balance": balance}),
        )
    } else {
        writeln!(out, "{}", printable(&submitted.task_id))
    };
    result.map_err(Failure::output)
}
