//! The transport-neutral request and response types that cross the
//! [`Transport`](crate::Transport) boundary. Only our own types: no reqwest
//! or http-crate type appears in the public API.

use std::fmt;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;

use crate::error::TransportError;

/// HTTP method of an API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// DELETE (Ark: cancel a queued task, delete a finished one's record).
    Delete,
}

impl Method {
    /// The method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// Header list with case-insensitive lookup. Small and ordered; duplicates kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }
    /// Appends a header.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }
    /// The first value of `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Every header in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// A call to the API, relative to the transport's base URL.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// Path from the base URL, starting with `/` (e.g. `/v1/tasks/task_1`).
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Extra headers (the transport adds authorization and content type).
    pub headers: Headers,
    /// JSON body, for POST.
    pub body: Option<Bytes>,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

impl ApiRequest {
    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            method: Method::Get,
            path: path.into(),
            query: Vec::new(),
            headers: Headers::new(),
            body: None,
        }
    }
    /// A DELETE of `path`.
    pub fn delete(path: impl Into<String>) -> Self {
        ApiRequest {
            method: Method::Delete,
            ..ApiRequest::get(path)
        }
    }
    /// A POST of a JSON `body` to `path`.
    pub fn post_json(path: impl Into<String>, body: impl Into<Bytes>) -> Self {
        ApiRequest {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            headers: Headers::new(),
            body: Some(body.into()),
        }
    }
    /// A POST of a `multipart/form-data` body with one file field, as the
    /// upload endpoint takes it.
    pub fn post_file(
        path: impl Into<String>,
        field: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Self {
        // A boundary that cannot occur in the file: derived from its digest.
        use sha2::Digest;
        let digest = sha2::Sha256::digest(bytes);
        let boundary = format!("seedance-{}", seedance_core::hex::encode(&digest[..12]));
        let safe_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        let mut body = Vec::with_capacity(bytes.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{safe_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut headers = Headers::new();
        headers.insert(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        );
        ApiRequest {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            headers,
            body: Some(Bytes::from(body)),
        }
    }

    /// Adds a query parameter.
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
    /// The path and query as one string (`/v1/tasks/x?language=en`).
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let q: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode_path(k), percent_encode_path(v)))
            .collect();
        format!("{}?{}", self.path, q.join("&"))
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so a
/// task id is always one path segment.
pub fn percent_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A complete API response.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// The body.
    pub body: Bytes,
}

impl fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field(
                "body",
                &String::from_utf8_lossy(&self.body[..self.body.len().min(512)]),
            )
            .finish()
    }
}

/// A stream of body chunks.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send>>;

/// A media download in progress: status and headers now, the body as a stream.
pub struct MediaResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// `Content-Length`, when the server sent one.
    pub content_length: Option<u64>,
    /// The body, chunk by chunk.
    pub body: ByteStream,
}

impl fmt::Debug for MediaResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}
