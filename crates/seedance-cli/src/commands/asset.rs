//! `seedance asset create`: registers files as private assets of a group
//! (`POST /v1/seedance2/private-avatar`), waits for the review task and
//! prints the usable `asset://` ids and the refused files with reasons.
//! Everything is checked before anything is sent: at most 20 files, each a
//! type the endpoint takes (by its name, or for local images by its bytes).
//! Local images go through the upload endpoint; local videos and audio
//! through the media store, as everywhere else.

use std::io::Write;
use std::path::PathBuf;

use seedance_core::asset::{AssetGroup, AssetInput, AssetType, MAX_ASSETS};
use serde_json::json;

use crate::cli::{AssetCreateArgs, GlobalArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, write_json};

/// One argument, checked.
enum Source {
    Url(String, AssetType),
    Image(PathBuf, Vec<u8>),
    Clip(PathBuf, AssetType),
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("https://") || l.starts_with("http://")
}

fn check(arg: &str) -> Result<Source, Failure> {
    if arg.to_ascii_lowercase().starts_with("asset://") {
        return Err(Failure::usage(format!(
            "{arg}: already an asset id; give the file or URL it was made from"
        )));
    }
    let unknown = || {
        Failure::usage(format!(
            "{arg}: cannot tell whether it is an image, a video or audio from its name \
             (images: jpg, png, webp, gif, bmp, tiff; videos: mp4, mov, webm; audio: wav, mp3, m4a, aac, flac, ogg)"
        ))
    };
    if is_url(arg) {
        let kind = AssetType::from_name(arg).ok_or_else(unknown)?;
        return Ok(Source::Url(arg.to_owned(), kind));
    }
    let path = PathBuf::from(arg);
    let bytes =
        std::fs::read(&path).map_err(|e| Failure::usage(format!("cannot read {arg}: {e}")))?;
    let by_name = AssetType::from_name(arg);
    match seedance_transport::client::check_uploadable(arg, &bytes) {
        Ok(_) => Ok(Source::Image(path, bytes)),
        Err(e) if by_name == Some(AssetType::Image) => Err(Failure::failed(e.to_string())),
        Err(_) => match by_name {
            Some(kind) => Ok(Source::Clip(path, kind)),
            None => Err(unknown()),
        },
    }
}

/// Turns each checked source into a URL the service can fetch.
async fn publish(ctx: &Context, source: &Source) -> Result<AssetInput, Failure> {
    match source {
        Source::Url(url, kind) => Ok(AssetInput {
            url: url.clone(),
            asset_type: *kind,
        }),
        Source::Image(path, bytes) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "image".to_owned());
            let uploaded =
                ctx.client.upload_image(bytes, &name).await.map_err(|e| {
                    Failure::from(e).context(&format!("uploading {}", path.display()))
                })?;
            Ok(AssetInput {
                url: uploaded.url,
                asset_type: AssetType::Image,
            })
        }
        Source::Clip(path, kind) => {
            let Some(store) = ctx.media.store.clone() else {
                let mut f = Failure::usage(format!(
                    "{}: apimart uploads images only; a local {} needs the media store",
                    path.display(),
                    kind.as_str().to_ascii_lowercase()
                ));
                f.hint = Some(
                    "name your bucket with --media-store s3://BUCKET/PREFIX (or SEEDANCE_MEDIA_STORE), or give an http(s) URL"
                        .to_owned(),
                );
                return Err(f);
            };
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
            Ok(AssetInput {
                url: record.url,
                asset_type: *kind,
            })
        }
    }
}

pub(crate) async fn create(
    ctx: &Context,
    global: &GlobalArgs,
    args: &AssetCreateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    if args.files.len() > MAX_ASSETS {
        return Err(Failure::usage(format!(
            "FILE: {} given; one request registers at most {MAX_ASSETS} assets (run asset create once per {MAX_ASSETS})",
            args.files.len()
        )));
    }
    let group = match (&args.group, &args.group_id) {
        (Some(name), _) => AssetGroup::Name(name.clone()),
        (None, Some(id)) => AssetGroup::Id(id.clone()),
        (None, None) => return Err(Failure::usage("--group NAME or --group-id ID is required")),
    };
    // Every file is checked before the first upload.
    let sources = args
        .files
        .iter()
        .map(|f| check(f))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inputs = Vec::with_capacity(sources.len());
    for s in &sources {
        inputs.push(publish(ctx, s).await?);
    }
    let task_id = ctx
        .client
        .create_assets(&group, args.project.as_deref(), &inputs)
        .await
        .map_err(|e| Failure::from(e).context("registering the assets"))?;
    let _ = writeln!(
        err,
        "asset task {}: waiting for the review",
        printable(&task_id)
    );
    let done =
        ctx.client.wait_assets(&task_id).await.map_err(|e| {
            Failure::from(e).context(&format!("asset task {}", printable(&task_id)))
        })?;
    // Name each asset by the argument it came from, not the upload's URL.
    let name_of = |source: Option<&str>| -> Option<String> {
        let s = source?;
        inputs
            .iter()
            .position(|i| i.url == s)
            .map(|k| args.files[k].clone())
            .or_else(|| Some(s.to_owned()))
    };
    let outcome = &done.outcome;
    let written = if global.json {
        let usable: Vec<_> = outcome
            .usable
            .iter()
            .map(|a| json!({"asset_url": a.asset_url, "file": name_of(a.source.as_deref()), "asset_type": a.asset_type}))
            .collect();
        let failed: Vec<_> = outcome
            .failed
            .iter()
            .map(|a| json!({"file": name_of(a.source.as_deref()), "reason": a.reason}))
            .collect();
        write_json(
            out,
            &json!({"task_id": task_id, "usable_assets": usable, "failed_assets": failed}),
        )
    } else {
        let mut r = Ok(());
        for a in &outcome.usable {
            let from = name_of(a.source.as_deref()).unwrap_or_default();
            r = r.and_then(|_| writeln!(out, "{}\t{}", printable(&a.asset_url), printable(&from)));
        }
        for a in &outcome.failed {
            let from = name_of(a.source.as_deref()).unwrap_or_else(|| "(unnamed)".to_owned());
            r = r.and_then(|_| {
                writeln!(
                    out,
                    "refused: {}: {}",
                    printable(&from),
                    printable(&a.reason)
                )
            });
        }
        r
    };
    written.map_err(Failure::output)?;
    if outcome.failed.is_empty() {
        return Ok(());
    }
    Err(Failure::failed(format!(
        "{} of {} assets were refused; the others are usable",
        outcome.failed.len(),
        inputs.len()
    )))
}
