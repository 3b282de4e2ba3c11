//! Uploading a local image: `POST /v1/uploads/images` (multipart, field
//! `file`) returns a public URL valid for 72 hours that generation requests
//! accept. Formats (JPEG, PNG, WebP, GIF) and the 20 MB limit are checked
//! before anything is sent. An upload creates no paid task, so it is
//! retried like a read on 429 and 5xx.

use seedance_core::media_check::MediaKind;
use serde_json::Value;

use super::call::Idempotency;
use super::{Client, ClientError};
use crate::wire::{ApiRequest, ApiResponse};

/// Path of the image upload endpoint.
pub const UPLOAD_PATH: &str = "/v1/uploads/images";
/// Largest image the endpoint takes.
pub const UPLOAD_MAX_BYTES: u64 = 20 * 1024 * 1024;
/// How long an uploaded image's URL lives.
pub const UPLOAD_URL_TTL_SECS: i64 = 72 * 3600;

/// An uploaded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedImage {
    /// The public URL to put in a request.
    pub url: String,
    /// The file name the server recorded.
    pub filename: String,
    /// The content type the server recorded.
    pub content_type: String,
    /// Its size.
    pub bytes: u64,
    /// When it was uploaded (unix seconds; the client's clock if the server
    /// did not say).
    pub created_at: i64,
    /// When its URL stops working: 72 hours after the upload.
    pub expires_at: i64,
}

/// Why an image cannot be uploaded, found before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadRefusal {
    /// Not JPEG, PNG, WebP or GIF by its bytes.
    #[error("{file}: not a JPEG, PNG, WebP or GIF image (the upload endpoint takes only those)")]
    Format {
        /// The file name.
        file: String,
    },
    /// Over 20 MB.
    #[error("{file}: {bytes} bytes is over the upload limit of 20 MB")]
    TooLarge {
        /// The file name.
        file: String,
        /// Its size.
        bytes: u64,
    },
}

/// The format of `bytes` if the upload endpoint takes it, else why not.
pub fn check_uploadable(file_name: &str, bytes: &[u8]) -> Result<MediaKind, UploadRefusal> {
    if bytes.len() as u64 > UPLOAD_MAX_BYTES {
        return Err(UploadRefusal::TooLarge {
            file: file_name.to_owned(),
            bytes: bytes.len() as u64,
        });
    }
    match MediaKind::sniff(&bytes[..bytes.len().min(16)]) {
        Some(kind) if kind.is_image() => Ok(kind),
        _ => Err(UploadRefusal::Format {
            file: file_name.to_owned(),
        }),
    }
}

pub(crate) fn content_type(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Png => "image/png",
        MediaKind::Jpeg => "image/jpeg",
        MediaKind::Webp => "image/webp",
        MediaKind::Gif => "image/gif",
        _ => "application/octet-stream",
    }
}

/// The URL of an upload's answer, and the answer: the documented body is
/// flat; a `data` envelope is accepted too.
fn parse_upload_answer(response: &ApiResponse) -> Result<(String, Value), ClientError> {
    let unexpected = |detail: String| ClientError::UnexpectedResponse {
        status: response.status,
        detail,
    };
    let v: Value = serde_json::from_slice(&response.body)
        .map_err(|e| unexpected(format!("the upload answer is not JSON: {e}")))?;
    let body = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
    let url = body
        .get("url")
        .and_then(|u| match u {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        })
        .filter(|u| seedance_core::MediaUrl::parse(u).is_ok())
        .ok_or_else(|| unexpected("the upload answer has no usable `url`".to_owned()))?;
    Ok((url, v))
}

impl Client {
    /// Uploads an image and returns its public URL (valid 72 h).
    pub async fn upload_image(
        &self,
        bytes: &[u8],
        file_name: &str,
    ) -> Result<UploadedImage, ClientError> {
        let kind = check_uploadable(file_name, bytes)?;
        let request =
            ApiRequest::post_file(UPLOAD_PATH, "file", file_name, content_type(kind), bytes);
        let sent_at = self.unix_now();
        // An upload has no idempotency key: repeating one whose answer was
        // lost makes a second URL for the same bytes, which costs nothing
        // and is never billed, so a lost or unusable answer is retried
        // like a read's.
        let (url, v) = self
            .call_parsed(request, Idempotency::Idempotent, parse_upload_answer)
            .await?;
        let body = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
        let created_at = body
            .get("created_at")
            .and_then(Value::as_i64)
            .unwrap_or(sent_at);
        Ok(UploadedImage {
            url,
            filename: body
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or(file_name)
                .to_owned(),
            content_type: body
                .get("content_type")
                .and_then(Value::as_str)
                .unwrap_or(content_type(kind))
                .to_owned(),
            bytes: body
                .get("bytes")
                .and_then(Value::as_u64)
                .unwrap_or(bytes.len() as u64),
            created_at,
            // From our own send time: a server clock ahead of ours must not
            // make a URL look longer-lived than it is.
            expires_at: created_at.min(sent_at) + UPLOAD_URL_TTL_SECS,
        })
    }
}
