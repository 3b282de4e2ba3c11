//! `seedance publish FILE...`: local files to the media store, each printed
//! with its signed URL (and expiry), for requests written by hand.

use std::io::Write;

use serde_json::json;

use crate::cli::{GlobalArgs, PublishArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::write_json;

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &PublishArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let Some(store) = ctx.media.store.clone() else {
        return Err(Failure::usage(
            "publish needs a store: --media-store s3://BUCKET/PREFIX (or SEEDANCE_MEDIA_STORE)",
        ));
    };
    let mut published = Vec::new();
    for path in &args.files {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
        let sha = seedance_workflows::manifest::sha256_hex(&bytes);
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let record = store
            .publish(path, &sha, &ext, ctx.client.unix_now())
            .await
            .map_err(|e| Failure::failed(e.to_string()))?;
        published.push(json!({"file": path.display().to_string(), "key": store.key_for(&sha, &ext), "url": record.url, "expires_at": record.expires_at, "bytes": record.bytes}));
    }
    let written = if global.json {
        write_json(
            out,
            &json!({"store": store.display(), "published": published}),
        )
    } else {
        let mut r = Ok(());
        for p in &published {
            r = r.and_then(|_| {
                writeln!(
                    out,
                    "{}\t{}",
                    p["file"].as_str().unwrap_or_default(),
                    p["url"].as_str().unwrap_or_default()
                )
            });
        }
        r
    };
    written.map_err(Failure::output)
}
