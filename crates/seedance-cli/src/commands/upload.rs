//! `seedance upload`: local images to URLs that requests accept.

use std::io::Write;

use serde_json::json;

use crate::cli::{GlobalArgs, UploadArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &UploadArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let provider = ctx.client.provider();
    if !ctx.client.capabilities().upload {
        let mut f = Failure::from(seedance_transport::ClientError::NotOffered {
            provider,
            operation: "an upload endpoint",
        });
        f.hint = Some(format!(
            "on {} local images travel inside the request: put the file's path where the image URL goes (request files, --image, --first-frame, plans, job lines)",
            provider.display_name()
        ));
        return Err(f);
    }
    // Every file is read and checked before the first upload.
    let mut files = Vec::new();
    for path in &args.files {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
        seedance_transport::client::check_uploadable(&path.display().to_string(), &bytes)
            .map_err(|e| Failure::failed(e.to_string()))?;
        files.push((path, bytes));
    }
    let mut uploaded = Vec::new();
    for (path, bytes) in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "image".to_owned());
        let u = ctx
            .client
            .upload_image(bytes, &name)
            .await
            .map_err(|e| Failure::from(e).context(&format!("uploading {}", path.display())))?;
        if !global.json {
            writeln!(out, "{}", printable(&u.url)).map_err(Failure::output)?;
        }
        uploaded.push(json!({
            "file": path,
            "url": u.url,
            "bytes": u.bytes,
            "content_type": u.content_type,
            "expires_at": u.expires_at,
        }));
    }
    if global.json {
        write_json(out, &json!({"uploads": uploaded})).map_err(Failure::output)?;
    }
    Ok(())
}
