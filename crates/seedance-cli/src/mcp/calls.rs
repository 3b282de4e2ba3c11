//! What each tool does, on the CLI's own pieces.

use std::path::PathBuf;
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::service::RequestContext;
use seedance_core::pricing::CostEstimate;
use seedance_core::{GenerationRequest, Violation};
use seedance_workflows::{
    BatchOptions, ChainOptions, LocalFile, Plan, StopSignal, WorkflowError, run_batch, run_chain,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::progress::Reporter;
use super::{Inner, ToolError};
use crate::output::{download_json, task_json};

type Outcome = Result<Value, ToolError>;

/// Runs tool `name` with `args`.
pub(super) async fn call(
    inner: &Inner,
    name: &str,
    args: Value,
    context: &RequestContext<RoleServer>,
) -> Outcome {
    match name {
        "validate" => validate(inner, parse(args)?),
        "estimate_cost" => estimate_cost(inner, parse(args)?),
        "generate" => generate(inner, parse(args)?, context).await,
        "status" => status(inner, parse(args)?).await,
        "wait" => wait(inner, parse(args)?, context).await,
        "download" => download(inner, parse(args)?, context).await,
        "chain" => chain(inner, parse(args)?, context).await,
        "batch" => batch(inner, parse(args)?, context).await,
        "takes" => takes(inner, parse(args)?),
        "select" => select(inner, parse(args)?).await,
        "balance" => {
            let _: NoArgs = parse(args)?;
            crate::commands::balance::balances_json(&inner.ctx)
                .await
                .map_err(ToolError::from)
        }
        other => Err(ToolError::new(format!("no tool named `{other}`"))),
    }
}

/// A tool that takes no arguments (unknown ones are refused by name).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

/// The arguments of a tool, refusing unknown ones by name.
fn parse<T: serde::de::DeserializeOwned>(args: Value) -> Result<T, ToolError> {
    serde_json::from_value(args).map_err(|e| ToolError::new(format!("arguments: {e}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestArg {
    request: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EstimateArgs {
    request: Option<Value>,
    plan: Option<Value>,
    jobs: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateArgs {
    request: Value,
    max_cost: Option<f64>,
    wait: Option<bool>,
    out: Option<String>,
    timeout_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskArgs {
    task_id: String,
    timeout_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DownloadArgs {
    task_id: Option<String>,
    out: Option<String>,
    url: Option<String>,
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainArgs {
    plan: Value,
    out: String,
    max_cost: Option<f64>,
    confirm_cost: Option<f64>,
    #[serde(default)]
    apply_changes: bool,
    #[serde(default)]
    regenerate: Vec<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchArgs {
    jobs: Vec<Value>,
    out: String,
    max_cost: Option<f64>,
    confirm_cost: Option<f64>,
    concurrency: Option<usize>,
    #[serde(default)]
    apply_changes: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutArg {
    out: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectArgs {
    out: String,
    segment: usize,
    take: u32,
}

fn invalid(what: &str, errors: Vec<Violation>, warnings: Vec<Violation>) -> ToolError {
    let n = errors.len();
    ToolError::with(
        format!(
            "{what} is invalid: {n} problem{}; nothing was sent",
            if n == 1 { "" } else { "s" }
        ),
        json!({"problems": errors, "warnings": warnings}),
    )
}

/// Replaces local image paths in `value` (relative to the root) with
/// placeholders, refusing files outside the root.
fn localize(inner: &Inner, value: &mut Value) -> Result<Vec<LocalFile>, ToolError> {
    let local =
        seedance_workflows::localize_media(value, inner.root.path(), inner.ctx.local_media())
            .map_err(|errors| invalid("the input", errors, Vec::new()))?;
    check_local(inner, &local)?;
    Ok(local)
}

fn check_local(inner: &Inner, local: &[LocalFile]) -> Result<(), ToolError> {
    for f in local {
        if !inner.root.contains(&f.path) {
            return Err(ToolError::new(format!(
                "{}: {} is outside the server's output root {}; local files are read only from under it",
                f.field,
                f.path.display(),
                inner.root.path().display()
            )));
        }
    }
    Ok(())
}

/// Checks local files' bytes against the requests (`label(k)` names request k).
fn check_media(
    requests: &[GenerationRequest],
    local: &[LocalFile],
    label: impl Fn(usize) -> String,
) -> Result<(), ToolError> {
    let mut facts = seedance_workflows::media_facts(local);
    facts.extend(crate::probe::local_clips(local).map_err(ToolError::new)?);
    let errors: Vec<Violation> = requests
        .iter()
        .enumerate()
        .flat_map(|(k, r)| {
            let prefix = label(k);
            seedance_core::validate_media(r, &facts)
                .errors
                .into_iter()
                .map(move |mut v| {
                    if !prefix.is_empty() {
                        v.path = format!("{prefix}.{}", v.path);
                    }
                    v
                })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid("the input", errors, Vec::new()))
    }
}

/// A request checked like `seedance submit` checks it.
struct Checked {
    request: GenerationRequest,
    warnings: Vec<Violation>,
    local: Vec<LocalFile>,
}

fn check_request(inner: &Inner, mut value: Value) -> Result<Checked, ToolError> {
    let local = localize(inner, &mut value)?;
    let report = seedance_core::validate_json(&value);
    if !report.is_valid() {
        return Err(invalid("the request", report.errors, report.warnings));
    }
    let (request, warnings) = GenerationRequest::from_json(&value)
        .map_err(|e| invalid("the request", e.report.errors, e.report.warnings))?;
    check_media(std::slice::from_ref(&request), &local, |_| String::new())?;
    Ok(Checked {
        request,
        warnings,
        local,
    })
}

fn validate(inner: &Inner, args: RequestArg) -> Outcome {
    let mut value = args.request;
    let mut report = match localize(inner, &mut value) {
        Ok(local) => {
            let mut r = seedance_core::validate_json(&value);
            if let (true, Ok((request, _))) = (r.is_valid(), GenerationRequest::from_json(&value)) {
                let mut facts = seedance_workflows::media_facts(&local);
                facts.extend(crate::probe::local_clips(&local).map_err(ToolError::new)?);
                let media = seedance_core::validate_media(&request, &facts);
                r.errors.extend(media.errors);
                r.warnings.extend(media.warnings);
            }
            r
        }
        Err(e) => return Err(e),
    };
    report.errors.dedup();
    Ok(json!({
        "valid": report.is_valid(),
        "errors": report.errors,
        "warnings": report.warnings,
    }))
}

/// A plan checked for a run.
struct PlanRun {
    plan: Plan,
    /// Each segment's request as it will be sent (the chained frame a placeholder).
    requests: Vec<GenerationRequest>,
    local: Vec<LocalFile>,
    warnings: Vec<Violation>,
}

fn plan_requests(inner: &Inner, mut value: Value) -> Result<PlanRun, ToolError> {
    let local = localize(inner, &mut value)?;
    let (plan, warnings) =
        Plan::from_json(&value).map_err(|e| invalid("the plan", e.errors, e.warnings))?;
    let placeholder = seedance_core::MediaUrl::parse(seedance_workflows::plan::PLACEHOLDER_FRAME)
        .map_err(|e| ToolError::new(e.to_string()))?;
    let requests = (0..plan.len())
        .map(|k| plan.segment_request(k, (k > 0).then_some(&placeholder)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ToolError::new(e.to_string()))?;
    check_media(&requests, &local, |k| format!("segments[{k}]"))?;
    Ok(PlanRun {
        plan,
        requests,
        local,
        warnings,
    })
}

fn jobs_requests(
    inner: &Inner,
    jobs: &[Value],
) -> Result<(Vec<GenerationRequest>, Vec<LocalFile>), ToolError> {
    let text: String = jobs.iter().map(|j| format!("{j}\n")).collect();
    let (requests, local) = seedance_workflows::parse_jobs_with_local_media(
        &text,
        Some(inner.root.path()),
        inner.ctx.local_media(),
    )
    .map_err(|e| invalid("the jobs", e.errors, e.warnings))?;
    check_local(inner, &local)?;
    check_media(&requests, &local, |k| format!("jobs[{k}]"))?;
    Ok((requests, local))
}

fn estimate_json(e: &CostEstimate) -> Value {
    let mut v = json!(e);
    v["total"] = json!(round(e.total));
    v
}

/// Money rounded to millionths, as totals are reported.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn estimate_cost(inner: &Inner, args: EstimateArgs) -> Outcome {
    let requests = match (args.request, args.plan, args.jobs) {
        (Some(r), None, None) => vec![check_request(inner, r)?.request],
        (None, Some(p), None) => plan_requests(inner, p)?.requests,
        (None, None, Some(j)) => jobs_requests(inner, &j)?.0,
        _ => {
            return Err(ToolError::new(
                "give exactly one of `request`, `plan` or `jobs`",
            ));
        }
    };
    let estimate = inner.prices.estimate(&requests);
    Ok(json!({"requests": requests.len(), "estimate": estimate_json(&estimate)}))
}

/// The budget of a paying call: its own `max_cost`, or the server's.
fn budget(inner: &Inner, given: Option<f64>) -> Result<f64, ToolError> {
    match (given, inner.max_cost) {
        (Some(m), _) if !(m.is_finite() && m >= 0.0) => Err(ToolError::new(format!(
            "max_cost: {m} is not an amount of at least 0"
        ))),
        (Some(m), Some(s)) if m > s => Err(ToolError::new(format!(
            "max_cost: {m} is above the server's --max-cost {s}; nothing was sent"
        ))),
        (Some(m), _) => Ok(m),
        (None, Some(s)) => Ok(s),
        (None, None) => Err(ToolError::new(
            "max_cost: required: this tool pays for video generation, and the server was started without --max-cost; give the most you accept to pay (see estimate_cost). Nothing was sent",
        )),
    }
}

/// Refuses an estimate above `max` (or one with unpriced models).
fn hold(estimate: &CostEstimate, max: f64) -> Result<(), ToolError> {
    if !estimate.unpriced.is_empty() {
        return Err(ToolError::with(
            format!(
                "max_cost: cannot hold to {max}: the price table has no price for {}; nothing was sent",
                estimate.unpriced.join(", ")
            ),
            json!({"estimate": estimate_json(estimate)}),
        ));
    }
    if estimate.total > max {
        return Err(ToolError::with(
            format!(
                "max_cost: the estimated cost {} is above {max}; nothing was sent",
                crate::cost::money(estimate.total, &estimate.currency)
            ),
            json!({"estimate": estimate_json(estimate)}),
        ));
    }
    Ok(())
}

fn timeout_of(secs: Option<f64>) -> Result<Option<Duration>, ToolError> {
    match secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(ToolError::new(format!(
            "timeout_secs: {s} is not a positive number of seconds"
        ))),
    }
}

/// Runs `work` until done, the client cancels the call, or `timeout`.
async fn waiting<T>(
    context: &RequestContext<RoleServer>,
    timeout: Option<Duration>,
    task_id: &str,
    work: impl std::future::Future<Output = Result<T, ToolError>>,
) -> Result<T, ToolError> {
    let limit = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = work => r,
        () = context.ct.cancelled() => Err({
            super::note(&format!("a call was cancelled by the client; task {task_id} keeps running on the server"));
            ToolError::with(
            format!("cancelled; task {task_id} keeps running on the server: call `wait` or `download` with its id to resume"),
            json!({"task_id": task_id, "cancelled": true}),
        )}),
        () = limit => Err(ToolError::with(
            format!("timed out; task {task_id} keeps running on the server: call `wait` with its id to resume"),
            json!({"task_id": task_id}),
        )),
    }
}

fn wait_reporter(reporter: &Reporter) -> impl FnMut(&seedance_transport::WaitEvent) + Send + use<> {
    let reporter = reporter.clone();
    move |e| {
        let eta = e
            .eta
            .map(|d| format!(", about {} s left", d.as_secs()))
            .unwrap_or_default();
        reporter.report(
            f64::from(e.progress.unwrap_or(0)),
            100.0,
            format!("{} {}{eta}", e.task_id, e.status.as_str()),
        );
    }
}

async fn generate(
    inner: &Inner,
    args: GenerateArgs,
    context: &RequestContext<RoleServer>,
) -> Outcome {
    let max = budget(inner, args.max_cost)?;
    let timeout = timeout_of(args.timeout_secs)?;
    let checked = check_request(inner, args.request)?;
    let estimate = inner.prices.estimate([&checked.request]);
    hold(&estimate, max)?;
    let wait = args.wait.unwrap_or(true);
    let out = if wait {
        Some(
            inner
                .root
                .dir("out", args.out.as_deref().unwrap_or("generate"), true)
                .map_err(ToolError::new)?,
        )
    } else {
        None
    };
    let warnings = checked.warnings.clone();
    let wire_body = checked.request.to_json();
    let prepared = crate::commands::submit::Prepared {
        read: crate::request_args::ReadRequest {
            request: checked.request,
            warnings: checked.warnings,
        },
        local: checked.local,
        estimate,
        wire_body,
        // The MCP server runs on the provider the client was built for; its
        // images are published as the client's capabilities say.
        inline_images: inner.ctx.client.inlines_images(),
        // The MCP tools take no `fit_frames`: nothing was fitted.
        fitted: Vec::new(),
    };
    let request = prepared.publish(&inner.ctx).await?;
    // Not raced against cancellation: a submit on the wire finishes, so the
    // id of a task that may exist is never lost.
    let submitted = inner
        .ctx
        .client
        .submit(&request)
        .await
        .map_err(|e| ToolError::from(crate::failure::Failure::from(e)))?;
    let task_id = submitted.task_id;
    let estimated = estimate_json(&prepared.estimate);
    let Some(out) = out else {
        return Ok(json!({"task_id": task_id, "estimate": estimated, "warnings": warnings}));
    };
    let (reporter, forwarder) = Reporter::start(context);
    let on_event = wait_reporter(&reporter);
    let generated = waiting(context, timeout, &task_id, async {
        inner
            .ctx
            .client
            .finish(&task_id, &out, on_event)
            .await
            .map_err(|e| ToolError::from(crate::failure::Failure::from(e)))
    })
    .await;
    forwarder.finish(reporter).await;
    let generated = generated.map_err(|e| with_task_id(e, &task_id))?;
    Ok(json!({
        "task_id": task_id,
        "video": download_json(&generated.video),
        "last_frame": generated.last_frame.as_ref().map(download_json),
        "billed": generated.task.billed(),
        "estimate": estimated,
        "warnings": warnings,
    }))
}

/// Adds the task id to an error, so the caller can resume.
fn with_task_id(mut e: ToolError, task_id: &str) -> ToolError {
    if let Some(o) = e.0.as_object_mut() {
        o.entry("task_id").or_insert_with(|| json!(task_id));
    }
    e
}

async fn status(inner: &Inner, args: TaskArgs) -> Outcome {
    if args.timeout_secs.is_some() {
        return Err(ToolError::new("timeout_secs: `status` does not wait"));
    }
    let task = inner
        .ctx
        .client
        .task(&args.task_id)
        .await
        .map_err(|e| ToolError::from(crate::failure::Failure::from(e)))?;
    Ok(task_json(&task))
}

async fn wait(inner: &Inner, args: TaskArgs, context: &RequestContext<RoleServer>) -> Outcome {
    let timeout = timeout_of(args.timeout_secs)?;
    let (reporter, forwarder) = Reporter::start(context);
    let on_event = wait_reporter(&reporter);
    let task = waiting(context, timeout, &args.task_id, async {
        inner
            .ctx
            .client
            .wait_with(&args.task_id, on_event)
            .await
            .map_err(|e| ToolError::from(crate::failure::Failure::from(e)))
    })
    .await;
    forwarder.finish(reporter).await;
    Ok(task_json(
        &task.map_err(|e| with_task_id(e, &args.task_id))?,
    ))
}

async fn download(
    inner: &Inner,
    args: DownloadArgs,
    context: &RequestContext<RoleServer>,
) -> Outcome {
    match (args.task_id, args.out, args.url, args.path) {
        (Some(task_id), out, None, None) => {
            let out = inner
                .root
                .dir("out", out.as_deref().unwrap_or("generate"), true)
                .map_err(ToolError::new)?;
            let (reporter, forwarder) = Reporter::start(context);
            let on_event = wait_reporter(&reporter);
            let generated = waiting(context, None, &task_id, async {
                inner
                    .ctx
                    .client
                    .finish(&task_id, &out, on_event)
                    .await
                    .map_err(|e| ToolError::from(crate::failure::Failure::from(e)))
            })
            .await;
            forwarder.finish(reporter).await;
            let generated = generated.map_err(|e| with_task_id(e, &task_id))?;
            Ok(json!({
                "task_id": task_id,
                "video": download_json(&generated.video),
                "last_frame": generated.last_frame.as_ref().map(download_json),
                "billed": generated.task.billed(),
            }))
        }
        (None, None, Some(url), Some(path)) => {
            let dest = inner.root.file("path", &path).map_err(ToolError::new)?;
            let d = tokio::select! {
                r = inner.ctx.client.download(&url, &dest, None) => {
                    r.map_err(|e| ToolError::from(crate::failure::Failure::from(e)))?
                }
                () = context.ct.cancelled() => return Err(ToolError::new("cancelled; nothing was written")),
            };
            Ok(download_json(&d))
        }
        _ => Err(ToolError::new(
            "give either `task_id` (and optionally `out`), or `url` and `path`",
        )),
    }
}

/// The dry run of a chain or batch, or a refusal of a confirmation that
/// does not match the estimate; `None` when the run is confirmed.
fn confirmation(
    kind: &str,
    confirm: Option<f64>,
    estimate: &CostEstimate,
    requests: &[(String, &GenerationRequest)],
    local: &[LocalFile],
    warnings: &[Violation],
) -> Option<Outcome> {
    let total = round(estimate.total);
    let dry = || {
        json!({
            "dry_run": true,
            "requests": requests.iter().map(|(label, r)| json!({"label": label, "body": r.to_json()})).collect::<Vec<_>>(),
            "uploads": local.iter().map(|f| json!({"field": f.field, "path": f.path, "bytes": f.bytes})).collect::<Vec<_>>(),
            "estimate": estimate_json(estimate),
            "warnings": warnings,
        })
    };
    match confirm {
        None => {
            let mut v = dry();
            v["next"] = json!(format!(
                "nothing was sent. To run this {kind} and pay for it, call `{kind}` again with the same arguments, `confirm_cost`: {total} and a `max_cost` of at least {total}"
            ));
            Some(Ok(v))
        }
        Some(c) if (c - total).abs() > 5e-5 => Some(Err(ToolError::with(
            format!(
                "confirm_cost: {c} is not the estimate of this {kind} ({total}); nothing was sent. Check the estimate below and confirm it"
            ),
            dry(),
        ))),
        Some(_) => None,
    }
}

/// Per-job progress of a chain or batch, as one notification stream.
fn run_events(
    reporter: &Reporter,
    jobs: usize,
    noun: &'static str,
) -> seedance_workflows::EventSink {
    use seedance_workflows::Event;
    let reporter = reporter.clone();
    let done = std::sync::Mutex::new(vec![0.0f64; jobs]);
    let total = (jobs * 100) as f64;
    std::sync::Arc::new(move |event: &Event| {
        let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
        let (index, value, message) = match event {
            Event::Submitted { index, task_id } => {
                (*index, None, format!("{noun} {index}: submitted {task_id}"))
            }
            Event::Progress {
                index,
                status,
                progress,
                ..
            } => (
                *index,
                progress.map(f64::from),
                format!(
                    "{noun} {index}: {}{}",
                    status.as_str(),
                    progress.map(|p| format!(" {p}%")).unwrap_or_default()
                ),
            ),
            Event::Completed { index } => {
                (*index, Some(100.0), format!("{noun} {index}: completed"))
            }
            Event::Downloaded { index, video, .. } => (
                *index,
                Some(100.0),
                format!("{noun} {index}: downloaded {}", video.path),
            ),
            Event::Failed { index, message } => {
                (*index, None, format!("{noun} {index}: failed: {message}"))
            }
            _ => return,
        };
        if let (Some(slot), Some(v)) = (done.get_mut(index), value) {
            *slot = slot.max(v);
        }
        let sum: f64 = done.iter().sum();
        reporter.report(sum, total, message);
    })
}

/// Runs a chain or batch `work` until it ends; a cancelled call stops it
/// at the next safe point (submits on the wire finish and are recorded).
async fn until_stopped<T>(
    context: &RequestContext<RoleServer>,
    stop: &StopSignal,
    work: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(work);
    tokio::select! {
        r = &mut work => r,
        () = context.ct.cancelled() => {
            super::note("a run was cancelled by the client; stopping at the next safe point (submits on the wire finish and are recorded)");
            stop.request();
            work.await
        }
    }
}

fn workflow_error(e: WorkflowError, kind: &str, out: &std::path::Path) -> ToolError {
    match e {
        WorkflowError::Stopped => ToolError::with(
            format!(
                "cancelled at a safe point; the manifest in {} records every step: call `{kind}` again with the same arguments to resume (nothing paid is lost or paid twice)",
                out.display()
            ),
            json!({"cancelled": true, "out": out}),
        ),
        WorkflowError::ChangesNeedConfirmation(changes) => ToolError::with(
            format!(
                "the run in {} already generated parts this call changes; nothing was sent. Call again with `apply_changes`: true to pay for them:\n{}",
                out.display(),
                changes.summary()
            ),
            json!({"changes_need_confirmation": true}),
        ),
        other => ToolError::from(crate::failure::Failure::from(other)),
    }
}

async fn chain(inner: &Inner, args: ChainArgs, context: &RequestContext<RoleServer>) -> Outcome {
    // The path is checked before anything else, and created only to run.
    inner
        .root
        .dir("out", &args.out, false)
        .map_err(ToolError::new)?;
    let PlanRun {
        plan,
        requests,
        local,
        warnings,
    } = plan_requests(inner, args.plan)?;
    let estimate = inner.prices.estimate(&requests);
    let labelled: Vec<_> = requests
        .iter()
        .enumerate()
        .map(|(k, r)| (format!("segment {k}"), r))
        .collect();
    if let Some(o) = confirmation(
        "chain",
        args.confirm_cost,
        &estimate,
        &labelled,
        &local,
        &warnings,
    ) {
        return o;
    }
    let max = budget(inner, args.max_cost)?;
    hold(&estimate, max)?;
    let out = inner
        .root
        .dir("out", &args.out, true)
        .map_err(ToolError::new)?;
    let (reporter, forwarder) = Reporter::start(context);
    let stop = StopSignal::new();
    let options = ChainOptions {
        regenerate: args.regenerate,
        apply_changes: args.apply_changes,
        events: run_events(&reporter, plan.len(), "segment"),
        stop: stop.clone(),
        local_files: seedance_workflows::LocalFiles::from_found(&local),
        media: inner.ctx.media.clone(),
        ..ChainOptions::default()
    };
    let outcome = until_stopped(
        context,
        &stop,
        run_chain(&inner.ctx.client, &plan, &out, &options),
    )
    .await;
    drop(options);
    forwarder.finish(reporter).await;
    let outcome = outcome.map_err(|e| workflow_error(e, "chain", &out))?;
    let segments: Vec<_> = outcome
        .manifest
        .jobs
        .iter()
        .map(|j| json!({"index": j.index, "task_id": j.task_id, "video": j.video.as_ref().map(|v| out.join(&v.path)), "last_frame": j.last_frame.as_ref().map(|v| out.join(&v.path)), "cost": j.cost}))
        .collect();
    let billed = outcome.manifest.billed();
    Ok(json!({
        "out": out,
        "segments": segments,
        "videos": outcome.videos,
        "estimate": estimate_json(&estimate),
        "billed": billed.total,
        "credits_billed": billed.credits,
        "billed_selected": billed.selected,
        "storyboard": out.join("index.html"),
        "warnings": warnings,
    }))
}

async fn batch(inner: &Inner, args: BatchArgs, context: &RequestContext<RoleServer>) -> Outcome {
    inner
        .root
        .dir("out", &args.out, false)
        .map_err(ToolError::new)?;
    let concurrency = args.concurrency.unwrap_or(4);
    if !(1..=64).contains(&concurrency) {
        return Err(ToolError::new(format!(
            "concurrency: {concurrency} is not from 1 to 64"
        )));
    }
    let (jobs, local) = jobs_requests(inner, &args.jobs)?;
    let estimate = inner.prices.estimate(&jobs);
    let labelled: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(k, r)| (format!("job {k}"), r))
        .collect();
    if let Some(o) = confirmation(
        "batch",
        args.confirm_cost,
        &estimate,
        &labelled,
        &local,
        &[],
    ) {
        return o;
    }
    let max = budget(inner, args.max_cost)?;
    hold(&estimate, max)?;
    let out = inner
        .root
        .dir("out", &args.out, true)
        .map_err(ToolError::new)?;
    let (reporter, forwarder) = Reporter::start(context);
    let stop = StopSignal::new();
    let options = BatchOptions {
        concurrency,
        apply_changes: args.apply_changes,
        resubmit_uncertain: false,
        regenerate: Vec::new(),
        events: run_events(&reporter, jobs.len(), "job"),
        stop: stop.clone(),
        local_files: seedance_workflows::LocalFiles::from_found(&local),
        media: inner.ctx.media.clone(),
    };
    let summary = until_stopped(
        context,
        &stop,
        run_batch(&inner.ctx.client, &jobs, &out, &options),
    )
    .await;
    drop(options);
    forwarder.finish(reporter).await;
    let summary = summary.map_err(|e| workflow_error(e, "batch", &out))?;
    let recorded = read_recorded(&out)?;
    let videos: Vec<Value> = recorded
        .as_ref()
        .map(|m| {
            m.jobs
                .iter()
                .filter_map(|j| j.video.as_ref().map(|v| json!({"index": j.index, "task_id": j.task_id, "path": out.join(&v.path), "cost": j.cost})))
                .collect()
        })
        .unwrap_or_default();
    let billed = recorded.as_ref().map(|m| m.billed()).unwrap_or_default();
    let failed: Vec<_> = summary
        .failed
        .iter()
        .map(|f| json!({"index": f.index, "error": f.error.to_string(), "task_may_exist": f.error.may_have_created_task()}))
        .collect();
    Ok(json!({
        "out": out,
        "done": summary.done,
        "failed": failed,
        "videos": videos,
        "estimate": estimate_json(&estimate),
        "billed": billed.total,
        "credits_billed": billed.credits,
        "billed_selected": billed.selected,
    }))
}

fn run_dir(inner: &Inner, out: &str) -> Result<PathBuf, ToolError> {
    inner.root.dir("out", out, false).map_err(ToolError::new)
}

/// The run recorded in `dir` (`None`: no run there yet); an unreadable
/// record is an error naming the directory, never an empty run.
fn read_recorded(dir: &std::path::Path) -> Result<Option<seedance_workflows::Manifest>, ToolError> {
    seedance_workflows::read_run(dir).map_err(|e| {
        ToolError::new(format!(
            "out: cannot read the run in {}: {e}",
            dir.display()
        ))
    })
}

fn takes(inner: &Inner, args: OutArg) -> Outcome {
    let dir = run_dir(inner, &args.out)?;
    let manifest = read_recorded(&dir)?
        .ok_or_else(|| ToolError::new(format!("out: no run in {} (no manifest)", dir.display())))?;
    let stale = manifest.stale_links();
    let jobs: Vec<_> = manifest
        .jobs
        .iter()
        .map(|j| json!({"index": j.index, "selected": j.current_take(), "takes": crate::commands::takes::takes_json(j), "stale": stale.contains(&j.index)}))
        .collect();
    Ok(json!({"out": dir, "jobs": jobs, "stale": stale}))
}

async fn select(inner: &Inner, args: SelectArgs) -> Outcome {
    let dir = run_dir(inner, &args.out)?;
    let selected = seedance_workflows::takes::select_take(&dir, args.segment, args.take)
        .await
        .map_err(|e| ToolError::from(crate::failure::Failure::from(e)))?;
    seedance_workflows::storyboard::write_async(&dir).await;
    Ok(json!({"segment": args.segment, "selected": args.take, "stale": selected.stale}))
}
