//! # seedance-py
//!
//! The native half of the `seedance` Python package (`seedance._native`):
//! validation, price estimates, the client, chains, batches and the
//! simulator of the Rust crates, with JSON text across the boundary. The
//! Python half (`python/seedance/__init__.py`) gives it types, exceptions
//! and `asyncio` methods.
//!
//! Blocking calls run on one shared tokio runtime while the calling thread
//! waits without the GIL, waking every 50 ms to pass progress to the
//! caller's callback, to let Ctrl-C through (`KeyboardInterrupt`) and to
//! honour a [`Cancel`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use seedance_core::GenerationRequest;
use seedance_core::pricing::PriceTable;
use seedance_sim::{SimConfig, SimTransport, Simulator as Sim};
use seedance_transport::{
    ApiKey, Client as RustClient, ClientConfig, ClientError, ReqwestTransport,
};
use seedance_workflows::{BatchOptions, ChainOptions, Event, Plan, StopSignal, WorkflowError};
use serde_json::{Value, json};
use tokio::sync::mpsc;

create_exception!(
    _native,
    NativeError,
    PyException,
    "A failure: args are (message, kind, data as JSON)."
);
create_exception!(
    _native,
    NativeInterrupted,
    PyKeyboardInterrupt,
    "Ctrl-C during a call: args are (message, task id or None)."
);

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

fn error(message: impl Into<String>, kind: &str, data: Value) -> PyErr {
    NativeError::new_err((message.into(), kind.to_owned(), data.to_string()))
}

fn client_error(e: &ClientError) -> PyErr {
    let task_id = match e {
        ClientError::WaitTimeout { task_id, .. } => Some(task_id.clone()),
        _ => None,
    };
    error(
        e.to_string(),
        "client",
        json!({"may_have_created_task": e.may_have_created_task(), "status": e.status(), "task_id": task_id}),
    )
}

fn workflow_error(e: &WorkflowError) -> PyErr {
    error(
        e.to_string(),
        "workflow",
        json!({"may_have_created_task": e.may_have_created_task()}),
    )
}

fn invalid(report: &seedance_core::ValidationReport) -> PyErr {
    let n = report.errors.len();
    error(
        format!(
            "invalid request: {n} problem{}",
            if n == 1 { "" } else { "s" }
        ),
        "invalid",
        json!({"errors": report.errors, "warnings": report.warnings}),
    )
}

fn parse_json(text: &str, what: &str) -> PyResult<Value> {
    serde_json::from_str(text)
        .map_err(|e| PyValueError::new_err(format!("{what} is not JSON: {e}")))
}

/// A flag a Python thread raises to stop a call running on another thread
/// (the `asyncio` methods raise it when their task is cancelled).
#[pyclass(module = "seedance._native")]
#[derive(Debug, Default, Clone)]
pub struct Cancel(Arc<AtomicBool>);

#[pymethods]
impl Cancel {
    #[new]
    fn new() -> Self {
        Cancel::default()
    }

    /// Stops the call at its next check (within 50 ms).
    fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`Cancel::cancel`] was called.
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why a blocking call ended early.
enum Stopped {
    /// Ctrl-C (or the progress callback raised).
    Raised(PyErr),
    /// The [`Cancel`] was raised.
    Cancelled,
}

/// Runs `work` on the runtime; this thread waits without the GIL, passing
/// progress `events` to `progress`, and stops at Ctrl-C or `cancel`. With
/// `graceful` (a chain or batch), a stop is first requested through it and
/// the work runs on to its next safe point (a second Ctrl-C drops it);
/// otherwise the future is dropped at once (a wait ends, the task keeps
/// running on the server).
fn block<T: Send + 'static>(
    py: Python<'_>,
    work: impl std::future::Future<Output = T> + Send + 'static,
    mut events: Option<mpsc::UnboundedReceiver<Value>>,
    progress: Option<&Py<PyAny>>,
    cancel: Option<&Cancel>,
    graceful: Option<&StopSignal>,
) -> Result<T, Stopped> {
    let mut handle = runtime().spawn(work);
    let mut pending: Option<Stopped> = None;
    loop {
        let done = py.detach(|| {
            runtime().block_on(async {
                tokio::time::timeout(Duration::from_millis(50), &mut handle).await
            })
        });
        if let (Some(rx), Some(cb)) = (events.as_mut(), progress) {
            while let Ok(e) = rx.try_recv() {
                if let Err(err) = cb.call1(py, (e.to_string(),)) {
                    pending.get_or_insert(Stopped::Raised(err));
                    if let Some(stop) = graceful {
                        stop.request();
                    } else {
                        handle.abort();
                        return Err(pending.unwrap_or(Stopped::Cancelled));
                    }
                }
            }
        }
        match done {
            Ok(Ok(v)) => return pending.map_or(Ok(v), Err),
            Ok(Err(join)) => {
                return Err(pending.unwrap_or_else(|| {
                    Stopped::Raised(error(
                        format!("the call stopped: {join}"),
                        "internal",
                        Value::Null,
                    ))
                }));
            }
            Err(_) => {}
        }
        let stop = match py.check_signals() {
            Err(e) => Some(Stopped::Raised(e)),
            Ok(()) if pending.is_none() && cancel.is_some_and(Cancel::cancelled) => {
                Some(Stopped::Cancelled)
            }
            Ok(()) => None,
        };
        if let Some(reason) = stop {
            match (graceful, pending.is_some()) {
                (Some(signal), false) => {
                    signal.request();
                    pending = Some(reason);
                }
                _ => {
                    handle.abort();
                    return Err(reason);
                }
            }
        }
    }
}

/// A stop during a wait on `task_id`: Ctrl-C becomes `NativeInterrupted`
/// carrying the id; a cancel becomes a `cancelled` error carrying it.
fn stopped(s: Stopped, py: Python<'_>, task_id: Option<&str>) -> PyErr {
    match s {
        Stopped::Raised(e) if e.is_instance_of::<PyKeyboardInterrupt>(py) => {
            let message = match task_id {
                Some(id) => format!(
                    "interrupted; task {id} keeps running on the server: wait for it with Client.wait(\"{id}\")"
                ),
                None => "interrupted".to_owned(),
            };
            NativeInterrupted::new_err((message, task_id.map(str::to_owned)))
        }
        Stopped::Raised(e) => e,
        Stopped::Cancelled => error("cancelled", "cancelled", json!({"task_id": task_id})),
    }
}

/// A chain or batch stopped by Ctrl-C (at its next safe point) or a cancel.
fn run_stopped(s: Stopped, py: Python<'_>, out: &std::path::Path) -> PyErr {
    match s {
        Stopped::Raised(e) if e.is_instance_of::<PyKeyboardInterrupt>(py) => {
            NativeInterrupted::new_err((
                format!(
                    "interrupted at a safe point; the manifest in {} records every step: run the same call again to resume (nothing is paid twice)",
                    out.display()
                ),
                None::<String>,
            ))
        }
        other => stopped(other, py, None),
    }
}

/// Checks a request given as JSON: `{"valid", "errors", "warnings"}`, each
/// problem `{"code", "path", "message"}`.
#[pyfunction]
fn validate(request: &str) -> PyResult<String> {
    let value = parse_json(request, "the request")?;
    let report = seedance_core::validate_json(&value);
    Ok(
        json!({"valid": report.is_valid(), "errors": report.errors, "warnings": report.warnings})
            .to_string(),
    )
}

/// The request as it would be sent (JSON), or a `NativeError` of kind `invalid`.
#[pyfunction]
fn wire(request: &str) -> PyResult<String> {
    let value = parse_json(request, "the request")?;
    let (request, _) = GenerationRequest::from_json(&value).map_err(|e| invalid(&e.report))?;
    Ok(request.to_json().to_string())
}

/// The built-in price table's estimate for a JSON array of requests.
#[pyfunction]
fn estimate(requests: &str) -> PyResult<String> {
    let values = parse_json(requests, "the requests")?;
    let list = values.as_array().cloned().unwrap_or_else(|| vec![values]);
    let mut requests = Vec::new();
    for (k, v) in list.iter().enumerate() {
        let (r, _) = GenerationRequest::from_json(v).map_err(|e| {
            let mut p = invalid(&e.report);
            if list.len() > 1 {
                p = error(
                    format!("request {k}: {p}"),
                    "invalid",
                    json!({"errors": e.report.errors, "warnings": e.report.warnings}),
                );
            }
            p
        })?;
        requests.push(r);
    }
    Ok(json!(PriceTable::builtin().estimate(&requests)).to_string())
}

/// The service simulated in process: no key, no network, real videos.
#[pyclass(module = "seedance._native")]
#[derive(Clone)]
pub struct Simulator {
    sim: Sim,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Simulator")
    }
}

#[pymethods]
impl Simulator {
    /// `instant`: tasks finish in well under a second (default: 1-8 s).
    #[new]
    #[pyo3(signature = (seed=None, instant=false))]
    fn new(seed: Option<u64>, instant: bool) -> Self {
        let seed = seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
        let base = if instant {
            SimConfig::instant()
        } else {
            SimConfig::quick()
        };
        // The simulator runs on the shared runtime's clock.
        let _guard = runtime().enter();
        Simulator {
            sim: Sim::new(SimConfig { seed, ..base }),
        }
    }
}

/// The seedance client (blocking methods; the Python `Client` wraps it).
#[pyclass(module = "seedance._native")]
pub struct NativeClient {
    client: Arc<RustClient>,
}

impl std::fmt::Debug for NativeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client's Debug prints no key.
        self.client.fmt(f)
    }
}

fn checked_request(request: &str) -> PyResult<GenerationRequest> {
    let value = parse_json(request, "the request")?;
    GenerationRequest::from_json(&value)
        .map(|(r, _)| r)
        .map_err(|e| invalid(&e.report))
}

fn wait_events(
    tx: mpsc::UnboundedSender<Value>,
) -> impl FnMut(&seedance_transport::WaitEvent) + Send {
    move |e| {
        let _ = tx.send(json!({
            "task_id": e.task_id,
            "status": e.status.as_str(),
            "progress": e.progress,
            "elapsed": e.elapsed.as_secs_f64(),
            "eta": e.eta.map(|d| d.as_secs_f64()),
        }));
    }
}

fn run_events(tx: mpsc::UnboundedSender<Value>) -> seedance_workflows::EventSink {
    Arc::new(move |e: &Event| {
        let v = match e {
            Event::Submitted { index, task_id } => {
                json!({"index": index, "event": "submitted", "task_id": task_id})
            }
            Event::Progress {
                index,
                status,
                progress,
                ..
            } => {
                json!({"index": index, "event": "progress", "status": status.as_str(), "progress": progress})
            }
            Event::Completed { index } => json!({"index": index, "event": "completed"}),
            Event::Downloaded { index, video, .. } => {
                json!({"index": index, "event": "downloaded", "path": video.path})
            }
            Event::Failed { index, message } => {
                json!({"index": index, "event": "failed", "message": message})
            }
            _ => return,
        };
        let _ = tx.send(v);
    })
}

fn task_json(task: &seedance_core::Task) -> Value {
    let mut v = json!({
        "id": task.id,
        "status": task.status.as_str(),
        "progress": task.progress,
        "cost": task.billed(),
    });
    if let Some(r) = &task.result {
        v["video_url"] = json!(r.video_url());
        v["last_frame_url"] = json!(r.last_frame_url);
    }
    if let Some(e) = &task.error {
        v["error"] = json!(e.message);
    }
    v
}

fn download_json(d: &seedance_transport::Download) -> Value {
    json!({"path": d.path, "bytes": d.bytes, "digest": d.digest.hex(), "algorithm": d.digest.algorithm().name()})
}

fn generated_json(g: &seedance_transport::Generated) -> Value {
    json!({
        "task": task_json(&g.task),
        "video": download_json(&g.video),
        "last_frame": g.last_frame.as_ref().map(download_json),
    })
}

#[pymethods]
impl NativeClient {
    /// A client of the real service (`api_key`, else `APIMART_API_KEY`;
    /// `base_url`, else `APIMART_BASE_URL` or api.apimart.ai), or of `simulator`.
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, simulator=None, timeout_secs=1800.0))]
    fn new(
        api_key: Option<String>,
        base_url: Option<String>,
        simulator: Option<&Simulator>,
        timeout_secs: f64,
    ) -> PyResult<Self> {
        if !(timeout_secs.is_finite() && timeout_secs > 0.0) {
            return Err(PyValueError::new_err(format!(
                "timeout_secs: {timeout_secs} is not a positive number of seconds"
            )));
        }
        let config = ClientConfig {
            wait_timeout: Duration::from_secs_f64(timeout_secs),
            ..ClientConfig::default()
        };
        let _guard = runtime().enter();
        let client = if let Some(s) = simulator {
            if api_key.is_some() || base_url.is_some() {
                return Err(PyValueError::new_err(
                    "simulator: give no api_key or base_url with it",
                ));
            }
            let key = ApiKey::new(SimConfig::default().api_key).ok();
            let clock = s.sim.clone();
            RustClient::with_config(Arc::new(SimTransport::new(s.sim.clone(), key)), config)
                .with_unix_clock(Arc::new(move || clock.unix_now()))
        } else {
            let key = match api_key {
                Some(k) => ApiKey::new(k),
                None => ApiKey::from_env(),
            }
            .map_err(|e| PyValueError::new_err(format!("api_key: {e}")))?;
            let mut builder = ReqwestTransport::builder().base_url_from_env().api_key(key);
            if let Some(url) = base_url {
                builder = builder.base_url(url);
            }
            let transport = builder
                .build()
                .map_err(|e| error(e.to_string(), "client", Value::Null))?;
            RustClient::with_config(Arc::new(transport), config)
        };
        Ok(NativeClient {
            client: Arc::new(client),
        })
    }

    /// Submits a request (JSON); returns the task id. Ctrl-C lets a submit
    /// on the wire finish, then raises `NativeInterrupted` with the id.
    fn submit(&self, py: Python<'_>, request: &str) -> PyResult<String> {
        let request = checked_request(request)?;
        let client = self.client.clone();
        let handle = runtime().spawn(async move { client.submit(&request).await });
        let submitted = py
            .detach(|| runtime().block_on(handle))
            .map_err(|e| error(format!("the submit stopped: {e}"), "internal", Value::Null))?
            .map_err(|e| client_error(&e))?;
        if let Err(e) = py.check_signals() {
            return Err(stopped(Stopped::Raised(e), py, Some(&submitted.task_id)));
        }
        Ok(submitted.task_id)
    }

    /// One status request (JSON of the task).
    fn status(&self, py: Python<'_>, task_id: String) -> PyResult<String> {
        let client = self.client.clone();
        let id = task_id.clone();
        let task = block(
            py,
            async move { client.task(&id).await },
            None,
            None,
            None,
            None,
        )
        .map_err(|s| stopped(s, py, None))?
        .map_err(|e| client_error(&e))?;
        Ok(task_json(&task).to_string())
    }

    /// Waits for a task, calling `progress(json)` after every poll.
    #[pyo3(signature = (task_id, progress=None, cancel=None))]
    fn wait(
        &self,
        py: Python<'_>,
        task_id: String,
        progress: Option<Py<PyAny>>,
        cancel: Option<PyRef<'_, Cancel>>,
    ) -> PyResult<String> {
        let client = self.client.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let id = task_id.clone();
        let task = block(
            py,
            async move { client.wait_with(&id, wait_events(tx)).await },
            Some(rx),
            progress.as_ref(),
            cancel.as_deref(),
            None,
        )
        .map_err(|s| stopped(s, py, Some(&task_id)))?
        .map_err(|e| client_error(&e))?;
        Ok(task_json(&task).to_string())
    }

    /// Waits for a task and downloads its video (and last frame) into `out`.
    #[pyo3(signature = (task_id, out, progress=None, cancel=None))]
    fn finish(
        &self,
        py: Python<'_>,
        task_id: String,
        out: PathBuf,
        progress: Option<Py<PyAny>>,
        cancel: Option<PyRef<'_, Cancel>>,
    ) -> PyResult<String> {
        let client = self.client.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let id = task_id.clone();
        let g = block(
            py,
            async move { client.finish(&id, &out, wait_events(tx)).await },
            Some(rx),
            progress.as_ref(),
            cancel.as_deref(),
            None,
        )
        .map_err(|s| stopped(s, py, Some(&task_id)))?
        .map_err(|e| client_error(&e))?;
        Ok(generated_json(&g).to_string())
    }

    /// Downloads one URL to the file `path`.
    #[pyo3(signature = (url, path, cancel=None))]
    fn download_url(
        &self,
        py: Python<'_>,
        url: String,
        path: PathBuf,
        cancel: Option<PyRef<'_, Cancel>>,
    ) -> PyResult<String> {
        let client = self.client.clone();
        let d = block(
            py,
            async move { client.download(&url, &path, None).await },
            None,
            None,
            cancel.as_deref(),
            None,
        )
        .map_err(|s| stopped(s, py, None))?
        .map_err(|e| client_error(&e))?;
        Ok(download_json(&d).to_string())
    }

    /// Runs a chain plan (JSON) into `out`; resumable. Refuses above `max_cost`.
    #[pyo3(signature = (plan, out, max_cost=None, progress=None, cancel=None))]
    fn chain(
        &self,
        py: Python<'_>,
        plan: &str,
        out: PathBuf,
        max_cost: Option<f64>,
        progress: Option<Py<PyAny>>,
        cancel: Option<PyRef<'_, Cancel>>,
    ) -> PyResult<String> {
        let value = parse_json(plan, "the plan")?;
        let (plan, _) = Plan::from_json(&value).map_err(|e| {
            error(
                e.to_string(),
                "invalid",
                json!({"errors": e.errors, "warnings": e.warnings}),
            )
        })?;
        let placeholder =
            seedance_core::MediaUrl::parse(seedance_workflows::plan::PLACEHOLDER_FRAME)
                .map_err(|e| error(e.to_string(), "internal", Value::Null))?;
        let requests = (0..plan.len())
            .map(|k| plan.segment_request(k, (k > 0).then_some(&placeholder)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error(e.to_string(), "invalid", Value::Null))?;
        hold(&requests, max_cost)?;
        let client = self.client.clone();
        let dir = out.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = StopSignal::new();
        let options = ChainOptions {
            events: run_events(tx),
            stop: stop.clone(),
            ..ChainOptions::default()
        };
        let outcome = block(
            py,
            async move { seedance_workflows::run_chain(&client, &plan, &out, &options).await },
            Some(rx),
            progress.as_ref(),
            cancel.as_deref(),
            Some(&stop),
        )
        .map_err(|s| run_stopped(s, py, &dir))?
        .map_err(|e| workflow_error(&e))?;
        let billed = outcome.manifest.billed().total;
        let segments: Vec<Value> = outcome
            .manifest
            .jobs
            .iter()
            .map(|j| json!({"index": j.index, "task_id": j.task_id, "cost": j.cost}))
            .collect();
        Ok(json!({"videos": outcome.videos, "segments": segments, "billed": billed}).to_string())
    }

    /// Runs jobs (a JSON array of requests) into `out`; resumable.
    #[pyo3(signature = (jobs, out, concurrency=4, max_cost=None, progress=None, cancel=None))]
    #[allow(clippy::too_many_arguments)]
    fn batch(
        &self,
        py: Python<'_>,
        jobs: &str,
        out: PathBuf,
        concurrency: usize,
        max_cost: Option<f64>,
        progress: Option<Py<PyAny>>,
        cancel: Option<PyRef<'_, Cancel>>,
    ) -> PyResult<String> {
        let values = parse_json(jobs, "the jobs")?;
        let Some(list) = values.as_array() else {
            return Err(PyValueError::new_err("jobs: expected a list of requests"));
        };
        let text: String = list.iter().map(|j| format!("{j}\n")).collect();
        let jobs = seedance_workflows::parse_jobs(&text).map_err(|e| {
            error(
                e.to_string(),
                "invalid",
                json!({"errors": e.errors, "warnings": e.warnings}),
            )
        })?;
        hold(&jobs, max_cost)?;
        if concurrency == 0 {
            return Err(PyValueError::new_err("concurrency: must be at least 1"));
        }
        let client = self.client.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = StopSignal::new();
        let options = BatchOptions {
            concurrency,
            events: run_events(tx),
            stop: stop.clone(),
            ..BatchOptions::default()
        };
        let dir = out.clone();
        let summary = block(
            py,
            async move { seedance_workflows::run_batch(&client, &jobs, &dir, &options).await },
            Some(rx),
            progress.as_ref(),
            cancel.as_deref(),
            Some(&stop),
        )
        .map_err(|s| run_stopped(s, py, &out))?
        .map_err(|e| workflow_error(&e))?;
        let manifest = seedance_workflows::manifest::read_run(&out).ok().flatten();
        let videos: Vec<Value> = manifest
            .as_ref()
            .map(|m| {
                m.jobs
                    .iter()
                    .filter_map(|j| {
                        j.video
                            .as_ref()
                            .map(|v| json!({"index": j.index, "path": out.join(&v.path)}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let failed: Vec<Value> = summary
            .failed
            .iter()
            .map(|f| json!({"index": f.index, "error": f.error.to_string()}))
            .collect();
        Ok(json!({"done": summary.done, "failed": failed, "videos": videos, "billed": manifest.as_ref().and_then(|m| m.billed().total)}).to_string())
    }
}

/// Refuses requests estimated above `max_cost` (or unpriced, with one).
fn hold(requests: &[GenerationRequest], max_cost: Option<f64>) -> PyResult<()> {
    let Some(max) = max_cost else { return Ok(()) };
    let e = PriceTable::builtin().estimate(requests);
    if !e.unpriced.is_empty() || e.total > max {
        return Err(error(
            format!(
                "the estimated cost {:.4} {} is above max_cost {max}{}; nothing was sent",
                e.total,
                e.currency,
                if e.unpriced.is_empty() {
                    String::new()
                } else {
                    format!(" (no price for {})", e.unpriced.join(", "))
                }
            ),
            "max_cost",
            json!({"estimate": e}),
        ));
    }
    Ok(())
}

/// The module `seedance._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(wire, m)?)?;
    m.add_function(wrap_pyfunction!(estimate, m)?)?;
    m.add_class::<Cancel>()?;
    m.add_class::<Simulator>()?;
    m.add_class::<NativeClient>()?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add("NativeInterrupted", m.py().get_type::<NativeInterrupted>())?;
    Ok(())
}
