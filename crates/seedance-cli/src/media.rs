//! The media store options: where local reference videos and audio (and,
//! on request, images) are published before a request is sent.

use std::sync::Arc;

use seedance_workflows::Destinations;
use seedance_workflows::media_store::{MEDIA_STORE_ENV, MediaStore};

use crate::cli::{GlobalArgs, ImagesVia};
use crate::failure::Failure;

/// The store URL from `--media-store`, else `SEEDANCE_MEDIA_STORE`.
pub(crate) fn store_url(global: &GlobalArgs) -> Option<String> {
    global.media_store.clone().or_else(|| {
        std::env::var(MEDIA_STORE_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
    })
}

/// Where a local file would be published, for a dry run.
/// `inline_images`: the provider takes images inside the request.
pub(crate) fn destination_of(
    file: &seedance_workflows::LocalFile,
    media: &Destinations,
    inline_images: bool,
) -> String {
    let image = file.dimensions.is_some();
    match &media.store {
        Some(store) if !image || media.images_via_store => {
            format!(
                "{} (key {}.{})",
                store.display().trim_end_matches('/'),
                file.sha256,
                file.format
            )
        }
        _ if inline_images && image => "the request itself (inline, base64)".to_owned(),
        // Audio goes inline as WAV or MP3 only (checked again by its bytes
        // before the request is sent).
        _ if inline_images && matches!(file.format.as_str(), "wav" | "mp3") => {
            "the request itself (inline, base64)".to_owned()
        }
        _ if inline_images && !matches!(file.format.as_str(), "mp4" | "mov") => {
            "nowhere: audio goes inline as WAV or MP3 only; publish other formats with --media-store".to_owned()
        }
        _ if image => "apimart's upload endpoint".to_owned(),
        _ => "nowhere: no --media-store".to_owned(),
    }
}

/// Which local clips are accepted in requests: videos and audio where a
/// store will publish them (from the options of this run, not a global);
/// audio also where the provider takes it inline (Ark, BytePlus).
pub(crate) fn local_av(global: &GlobalArgs) -> seedance_workflows::LocalMediaPolicy {
    local_media_policy(
        store_url(global).is_some(),
        global
            .provider()
            .is_ok_and(|p| p.capabilities().inline_media),
    )
}

/// The one rule behind [`local_av`] and the context's policy: a store takes
/// any clip; a provider that takes media inline (Ark) takes audio too, but
/// a video must still be a URL.
pub(crate) fn local_media_policy(
    store: bool,
    inline_media: bool,
) -> seedance_workflows::LocalMediaPolicy {
    seedance_workflows::LocalMediaPolicy {
        video: store,
        audio: store || inline_media,
    }
}

/// Where local files go for this run.
pub(crate) fn destinations(global: &GlobalArgs) -> Result<Destinations, Failure> {
    let store = match store_url(global) {
        Some(url) => Some(Arc::new(
            MediaStore::from_url(url.trim())
                .map_err(|e| Failure::usage(format!("--media-store: {e}")))?
                .with_ttl(global.link_ttl),
        )),
        None => None,
    };
    let images_via_store = global.images_via == ImagesVia::Store;
    if images_via_store && store.is_none() {
        return Err(Failure::usage(
            "--images-via store needs a store: --media-store URL or SEEDANCE_MEDIA_STORE",
        ));
    }
    Ok(Destinations {
        store,
        images_via_store,
    })
}
