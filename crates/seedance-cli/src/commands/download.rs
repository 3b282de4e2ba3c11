//! `seedance download`: stream a URL to a file.

use std::io::Write;

use crate::cli::{DownloadArgs, GlobalArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{download_json, write_json};

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    args: &DownloadArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let d = ctx.client.download(&args.url, &args.out, None).await?;
    let result = if global.json {
        write_json(out, &download_json(&d))
    } else {
        writeln!(out, "{}  {} bytes  {}", d.path.display(), d.bytes, d.digest)
    };
    result.map_err(Failure::output)
}
