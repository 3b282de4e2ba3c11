//! Serving media: signed URLs checked, uploads returned as stored, and a
//! task's video and last frame rendered for its request (its start picture
//! resolved first: an upload, another task's last frame, or a pattern).

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use seedance_transport::wire::Headers;

use crate::fault::{Fault, Route, pre_effect};
use crate::media;
use crate::reply::{MediaBody, MediaReply};
use crate::responses::{access_denied, error_response, html_interstitial, not_found, respond};
use crate::signing::UrlRefusal;
use crate::simulator::{Simulator, State};

impl Simulator {
    /// Handles a media request for `url`; `has_authorization` says whether
    /// the request carried an `Authorization` header (it never should).
    pub fn fetch(&self, url: &str, has_authorization: bool) -> MediaReply {
        let mut state = self.lock();
        state.stats.media_requests += 1;
        if has_authorization {
            state.stats.media_requests_with_auth += 1;
        }
        let fault = state
            .scripted
            .get_mut(&Route::Media)
            .and_then(VecDeque::pop_front);
        if let Some(reply) = fault.as_ref().and_then(pre_effect) {
            return MediaReply::Api(reply);
        }
        let path = match state.signer.check(url, self.unix_now()) {
            Ok(path) => path,
            Err(UrlRefusal::NotFound) => return MediaReply::Api(respond(not_found())),
            Err(UrlRefusal::BadSignature) => {
                return MediaReply::Api(respond(access_denied("Signature does not match")));
            }
            Err(UrlRefusal::Expired) => {
                return MediaReply::Api(respond(access_denied("Request has expired")));
            }
        };
        let rate = self.config.media_bytes_per_second;
        if let Some(upload) = state.uploads.get(path.owner) {
            let mut headers = Headers::new();
            headers.insert("Content-Type", upload.content_type);
            return MediaReply::Body(MediaBody::whole(headers, upload.bytes.clone(), rate));
        }
        let Some(task) = state.tasks.get(path.owner) else {
            return MediaReply::Api(respond(not_found()));
        };
        if !task.video_ready(self.now_ms()) || !matches!(path.file, "video.mp4" | "last_frame.png")
        {
            return MediaReply::Api(respond(not_found()));
        }
        let (owner, file) = (path.owner.to_owned(), path.file.to_owned());
        let tag = format!("{owner}:{}", task.accepted.prompt);
        // Rendering takes milliseconds; other requests need not wait for it.
        drop(state);
        let rendered = match self.rendered(&owner) {
            Ok(r) => r,
            Err(e) => {
                return MediaReply::Api(respond(error_response(
                    500,
                    "server_error",
                    &format!("the video could not be produced: {}", e.0),
                )));
            }
        };
        let (head, padding, content_type) = if file == "video.mp4" {
            let (head, padding) =
                media::video(&rendered.mp4, &tag, self.config.video_padding_bytes);
            (head, padding, "video/mp4")
        } else {
            (media::last_frame(&rendered.last_png, &tag), 0, "image/png")
        };
        if fault == Some(Fault::HtmlInsteadOfMedia) {
            return MediaReply::Api(respond(html_interstitial()));
        }
        let mut headers = Headers::new();
        headers.insert("Content-Type", content_type);
        if fault == Some(Fault::GzipEncoded) {
            let mut plain = head.to_vec();
            plain.resize(plain.len() + padding as usize, 0);
            headers.insert("Content-Encoding", "gzip");
            return MediaReply::Body(MediaBody::whole(
                headers,
                Bytes::from(media::gzip(&plain)),
                rate,
            ));
        }
        let full = head.len() as u64 + padding;
        let (truncate_at, padding) = match fault {
            Some(Fault::ShortBody) => (Some(full / 2), padding),
            Some(Fault::LongBody) => (None, padding + 1024),
            _ => (None, padding),
        };
        MediaReply::Body(MediaBody {
            status: 200,
            headers,
            content_length: full,
            head,
            padding,
            truncate_at,
            bytes_per_second: rate,
        })
    }
}

impl Simulator {
    /// The rendered clip of task `id` (its start picture resolved first,
    /// which may be another task's last frame).
    fn rendered(&self, id: &str) -> Result<Arc<media::Rendered>, media::EncodeError> {
        let (seconds, size, start) = {
            let state = self.lock();
            let task = state
                .tasks
                .get(id)
                .ok_or_else(|| media::EncodeError(format!("no task {id}")))?;
            let start = task
                .accepted
                .start_image
                .as_deref()
                .map(|url| self.picture_at(&state, url));
            (task.accepted.seconds, task.accepted.size.clone(), start)
        };
        let source = match start {
            None => media::Source::Pattern(media::seed_of(size.as_bytes())),
            Some(Picture::Decoded(rgb)) => media::Source::Picture(rgb),
            Some(Picture::Seed(seed)) => media::Source::Pattern(seed),
            Some(Picture::LastFrameOf(task)) => {
                media::Source::Picture(self.rendered(&task)?.last.clone())
            }
        };
        self.renderer.render(&source, seconds, &size)
    }

    /// What the picture at `url` is, as far as the simulator can see it.
    fn picture_at(&self, state: &State, url: &str) -> Picture {
        if let Ok(path) = state.signer.check(url, self.unix_now()) {
            if let Some(upload) = state.uploads.get(path.owner) {
                return media::decode_png(&upload.bytes).map_or_else(
                    || Picture::Seed(media::seed_of(&upload.bytes)),
                    Picture::Decoded,
                );
            }
            if state.tasks.contains_key(path.owner) && path.file == "last_frame.png" {
                return Picture::LastFrameOf(path.owner.to_owned());
            }
        }
        // A picture elsewhere on the internet: the simulator cannot see it,
        // so a pattern stands for it, the same for the same URL.
        Picture::Seed(media::seed_of(url.as_bytes()))
    }
}

/// A request's start picture, resolved.
enum Picture {
    Decoded(media::Rgb),
    Seed(u64),
    LastFrameOf(String),
}
