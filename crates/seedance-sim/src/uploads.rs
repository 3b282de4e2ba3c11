//! `POST /v1/uploads/images`: one multipart `file` field, JPEG, PNG, WebP or
//! GIF by content, at most 20 MB; stored and served for 72 hours.

use bytes::Bytes;
use seedance_transport::wire::{ApiRequest, ApiResponse};

use crate::media;
use crate::responses::error_response;

/// The service's size cap.
pub(crate) const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// How long an uploaded image's URL serves.
pub(crate) const UPLOAD_TTL_SECS: i64 = 72 * 3600;

/// An image the upload endpoint stored.
#[derive(Debug, Clone)]
pub(crate) struct SimUpload {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: &'static str,
}

/// An accepted upload: the name the client gave, a safe file name for the
/// URL, and the stored image.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) file_name: String,
    pub(crate) safe_name: String,
    pub(crate) upload: SimUpload,
}

/// The image type of `bytes` by its magic numbers, as the service sniffs it.
pub(crate) fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

/// Reads an upload request, or the error the service answers.
pub(crate) fn receive(request: &ApiRequest) -> Result<Received, ApiResponse> {
    let Some((file_name, bytes)) = request
        .headers
        .get("content-type")
        .and_then(|ct| media::multipart_file(ct, request.body.as_deref().unwrap_or_default()))
    else {
        return Err(error_response(
            400,
            "invalid_request_error",
            "Missing file field",
        ));
    };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(error_response(
            413,
            "invalid_request_error",
            "File too large (max 20MB)",
        ));
    }
    let Some(content_type) = image_type(&bytes) else {
        return Err(error_response(
            400,
            "invalid_request_error",
            "Unsupported file format. Supported: jpg, jpeg, png, webp, gif",
        ));
    };
    let safe: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    Ok(Received {
        safe_name: if safe.is_empty() {
            "image".to_owned()
        } else {
            safe
        },
        file_name,
        upload: SimUpload {
            bytes: Bytes::from(bytes),
            content_type,
        },
    })
}
