//! `seedance webhook-listen`: receive apimart's webhook pushes and print
//! each task's new status once (duplicates and late pushes are answered but
//! not printed), until Ctrl-C.

use std::io::Write;
use std::sync::Arc;

use seedance_transport::webhook::{Received, WebhookInbox};
use serde_json::json;

use crate::cli::{GlobalArgs, WebhookListenArgs};
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::output::printable;

pub(crate) async fn run(
    global: &GlobalArgs,
    args: &WebhookListenArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let on_push: crate::webhook_listener::OnPush = Arc::new(move |received, task| {
        let _ = tx.send((received, task.clone()));
    });
    let inbox = Arc::new(WebhookInbox::default());
    let addr = crate::webhook_listener::start(&args.host, args.port, inbox, on_push)
        .await
        .map_err(|e| {
            Failure::failed(format!("cannot listen on {}:{}: {e}", args.host, args.port))
        })?;
    let _ = writeln!(
        err,
        "listening for webhook pushes on http://{addr}/callback (name your tunnel's URL with --webhook); Ctrl-C to stop"
    );
    loop {
        let (received, task) = tokio::select! {
            () = interrupt.wait() => return Ok(()),
            pushed = rx.recv() => match pushed {
                Some(p) => p,
                None => return Ok(()),
            },
        };
        let id = printable(&task.id).into_owned();
        if received != Received::New {
            let why = if received == Received::Duplicate {
                "a duplicate"
            } else {
                "older than one already received"
            };
            let _ = writeln!(err, "{id}: {} push ignored ({why})", task.status.as_str());
            continue;
        }
        let written = if global.json {
            crate::output::write_json(
                out,
                &json!({"task_id": task.id, "status": task.status.as_str(), "progress": task.progress, "video_url": task.result.as_ref().and_then(|r| r.video_url())}),
            )
        } else {
            writeln!(out, "{id}  {}", task.status.as_str())
        };
        written.map_err(Failure::output)?;
        let _ = out.flush();
    }
}
