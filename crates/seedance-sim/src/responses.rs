//! The bodies the service answers with: its JSON envelope and error body,
//! and the XML errors of the storage origin that serves media.

use std::time::Duration;

use bytes::Bytes;
use seedance_transport::wire::{ApiResponse, Headers};
use serde_json::{Value, json};

use crate::reply::SimReply;

/// A reply sent at once.
pub(crate) fn respond(response: ApiResponse) -> SimReply {
    SimReply::Respond {
        response,
        delay: Duration::ZERO,
    }
}

fn json_headers() -> Headers {
    let mut h = Headers::new();
    h.insert("Content-Type", "application/json");
    h
}

/// 200 with a JSON body.
pub(crate) fn ok_json(v: Value) -> ApiResponse {
    ApiResponse {
        status: 200,
        headers: json_headers(),
        body: Bytes::from(v.to_string()),
    }
}

/// The documented error body: `{"error": {"code", "message", "type"}}`.
pub(crate) fn error_response(status: u16, kind: &str, message: &str) -> ApiResponse {
    error_with(status, kind, message, None)
}

/// The error body with upstream's `param` (the field at fault) when known.
pub(crate) fn error_with(
    status: u16,
    kind: &str,
    message: &str,
    param: Option<&str>,
) -> ApiResponse {
    let mut error = json!({"code": status, "message": message, "type": kind});
    if let Some(param) = param {
        error["param"] = json!(param);
    }
    ApiResponse {
        status,
        headers: json_headers(),
        body: Bytes::from(json!({ "error": error }).to_string()),
    }
}

/// 403 from the storage origin (expired or tampered signed URL).
pub(crate) fn access_denied(message: &str) -> ApiResponse {
    let mut headers = Headers::new();
    headers.insert("Content-Type", "application/xml");
    ApiResponse {
        status: 403,
        headers,
        body: Bytes::from(format!(
            "<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
        )),
    }
}

/// 404 from the storage origin.
pub(crate) fn not_found() -> ApiResponse {
    let mut headers = Headers::new();
    headers.insert("Content-Type", "application/xml");
    ApiResponse {
        status: 404,
        headers,
        body: Bytes::from_static(b"<Error><Code>NoSuchKey</Code></Error>"),
    }
}

/// 200 with an HTML page where a file was expected (a CDN interstitial).
pub(crate) fn html_interstitial() -> ApiResponse {
    let mut headers = Headers::new();
    headers.insert("Content-Type", "text/html");
    ApiResponse {
        status: 200,
        headers,
        body: Bytes::from_static(
            b"<!DOCTYPE html><html><body><h1>Almost there</h1><p>Your download will start shortly.</p></body></html>",
        ),
    }
}
