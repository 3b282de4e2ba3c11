//! `seedance models`: the models the service lists (`GET /v1/models`), one
//! id per line, with whether this version of seedance knows its rules.

use std::io::Write;

use seedance_core::Model;
use serde_json::json;

use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let models = ctx
        .client
        .models()
        .await
        .map_err(|e| Failure::from(e).context("listing the models (GET /v1/models)"))?;
    let known = |id: &str| Model::WIRE_VALUES.contains(&id);
    let written = if global.json {
        let list: Vec<_> = models
            .iter()
            .map(|m| json!({"id": m.id, "owned_by": m.owned_by, "kind": m.kind, "known_rules": known(&m.id)}))
            .collect();
        write_json(out, &json!({"models": list}))
    } else {
        let mut r = Ok(());
        for m in &models {
            let note = if known(&m.id) {
                ""
            } else if m.id.contains("seedance") {
                "\t(no built-in rules: --allow-unknown-model to send it)"
            } else {
                ""
            };
            r = r.and_then(|_| writeln!(out, "{}{note}", printable(&m.id)));
        }
        r
    };
    written.map_err(Failure::output)
}
