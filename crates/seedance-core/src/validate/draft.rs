//! The view of a request that the rules read. Built either from a typed
//! [`GenerationRequest`] or from raw JSON; in the latter, a field that failed
//! to parse is `Invalid` (already reported), so the rules neither repeat that
//! error nor draw false conclusions from its absence.

use crate::media_url::UrlKind;
use crate::model::{ImageRole, Model, Resolution, Size};
use crate::request::GenerationRequest;

/// A field as seen by the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field<T> {
    /// Not in the request (or `null`).
    Absent,
    /// Present but unusable; an error was already reported for it.
    Invalid,
    /// Present and parsed.
    Present(T),
}

impl<T> Field<T> {
    /// Present or invalid: the user did send something here.
    pub(crate) fn is_given(&self) -> bool {
        !matches!(self, Field::Absent)
    }

    pub(crate) fn present(&self) -> Option<&T> {
        match self {
            Field::Present(v) => Some(v),
            Field::Absent | Field::Invalid => None,
        }
    }
}

/// One `image_with_roles` entry; `None` where the part failed to parse.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoleItem {
    pub(crate) url: Option<UrlKind>,
    pub(crate) role: Option<ImageRole>,
}

/// A list of URLs, each `None` where the element failed to parse (so indices
/// still match the user's input).
pub(crate) type UrlList = Field<Vec<Option<UrlKind>>>;

#[derive(Debug, Clone)]
pub(crate) struct Draft<'a> {
    pub(crate) model: Field<Model>,
    pub(crate) prompt: Field<&'a str>,
    pub(crate) duration: Field<i64>,
    pub(crate) seed: Field<i64>,
    pub(crate) size: Field<Size>,
    pub(crate) resolution: Field<Resolution>,
    pub(crate) image_urls: UrlList,
    pub(crate) image_with_roles: Field<Vec<RoleItem>>,
    pub(crate) video_urls: UrlList,
    pub(crate) audio_urls: UrlList,
}

impl<'a> Draft<'a> {
    pub(crate) fn empty() -> Self {
        Draft {
            model: Field::Absent,
            prompt: Field::Absent,
            duration: Field::Absent,
            seed: Field::Absent,
            size: Field::Absent,
            resolution: Field::Absent,
            image_urls: Field::Absent,
            image_with_roles: Field::Absent,
            video_urls: Field::Absent,
            audio_urls: Field::Absent,
        }
    }

    pub(crate) fn from_request(req: &'a GenerationRequest) -> Self {
        fn list(urls: &[crate::MediaUrl]) -> UrlList {
            if urls.is_empty() {
                Field::Absent
            } else {
                Field::Present(urls.iter().map(|u| Some(u.kind())).collect())
            }
        }
        fn opt<T: Copy>(v: Option<T>) -> Field<T> {
            v.map_or(Field::Absent, Field::Present)
        }
        Draft {
            model: Field::Present(req.model.clone()),
            prompt: opt(req.prompt.as_deref()),
            duration: opt(req.duration.map(i64::from)),
            seed: opt(req.seed),
            size: opt(req.size),
            resolution: opt(req.resolution),
            image_urls: list(&req.image_urls),
            image_with_roles: if req.image_with_roles.is_empty() {
                Field::Absent
            } else {
                Field::Present(
                    req.image_with_roles
                        .iter()
                        .map(|r| RoleItem {
                            url: Some(r.url.kind()),
                            role: Some(r.role),
                        })
                        .collect(),
                )
            },
            video_urls: list(&req.video_urls),
            audio_urls: list(&req.audio_urls),
        }
    }
}
