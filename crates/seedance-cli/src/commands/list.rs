//! `seedance list`: recent tasks, newest first, with filters (Ark and
//! BytePlus keep 7 days); apimart has no list.

use std::io::Write;

use seedance_core::Model;
use seedance_core::provider::ark::ListQuery;
use serde_json::json;

use crate::cli::{GlobalArgs, ListArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, task_json_in, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &ListArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let provider = ctx.client.provider();
    let mut query = ListQuery::page(args.page, args.page_size);
    if let Some(s) = args.status {
        query = query.with_status(s);
    }
    if let Some(m) = &args.model {
        // The project's ids are mapped to the platform's; others go as written.
        let model: Model = m.parse().unwrap_or_else(|_| Model::other(m.clone()));
        let id = provider.model_id(&model).unwrap_or_else(|_| m.clone());
        query = query.with_model(id);
    }
    for id in &args.tasks {
        query = query.with_task_id(id.clone());
    }
    let page = ctx.client.list_tasks(&query).await?;
    let written = if global.json {
        write_json(
            out,
            &json!({
                "provider": provider.as_str(),
                "total": page.total,
                "page": args.page,
                "page_size": args.page_size,
                "tasks": page.tasks.iter().map(|t| task_json_in(t, &ctx.client)).collect::<Vec<_>>(),
            }),
        )
    } else {
        let mut text = String::new();
        for t in &page.tasks {
            let model = t
                .raw
                .get("model")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("-");
            text.push_str(&format!(
                "{}  {}  {}  created {}",
                printable(&t.id),
                printable(t.status.as_str()),
                printable(model),
                t.created.map_or_else(|| "-".to_owned(), crate::output::utc)
            ));
            if let Some(c) = t.billed() {
                text.push_str(&format!("  billed {c:.4}"));
            }
            text.push('\n');
        }
        text.push_str(&format!(
            "{} of {} task{} (page {}, {} per page; {} keeps 7 days){}\n",
            page.tasks.len(),
            page.total,
            if page.total == 1 { "" } else { "s" },
            args.page,
            args.page_size,
            provider.display_name(),
            match crate::output::billed_unit(&ctx.client) {
                u if u.is_empty() => String::new(),
                u => format!("; billed in{u}"),
            }
        ));
        out.write_all(text.as_bytes())
    };
    written.map_err(Failure::output)
}
