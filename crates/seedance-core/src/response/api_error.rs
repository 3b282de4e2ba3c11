//! The error envelope: `{"error":{"code":400,"message":"...","type":"invalid_request_error"}}`.

use std::fmt;

use serde_json::Value;

/// The API's error category, with the raw string kept for unknown ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorType {
    /// `invalid_request_error` (400): the request breaks a rule.
    InvalidRequest,
    /// `authentication_error` (401): missing or wrong API key.
    Authentication,
    /// `payment_required` (402): balance spent.
    PaymentRequired,
    /// `rate_limit_error` (429): too many requests.
    RateLimit,
    /// `server_error` (500).
    Server,
    /// Any other string, kept verbatim.
    Unknown(String),
}

impl ErrorType {
    /// Parses a wire string.
    pub fn from_wire(s: &str) -> Self {
        match s {
            "invalid_request_error" => ErrorType::InvalidRequest,
            "authentication_error" => ErrorType::Authentication,
            "payment_required" => ErrorType::PaymentRequired,
            "rate_limit_error" => ErrorType::RateLimit,
            "server_error" => ErrorType::Server,
            other => ErrorType::Unknown(other.to_owned()),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorType::InvalidRequest => "invalid_request_error",
            ErrorType::Authentication => "authentication_error",
            ErrorType::PaymentRequired => "payment_required",
            ErrorType::RateLimit => "rate_limit_error",
            ErrorType::Server => "server_error",
            ErrorType::Unknown(s) => s,
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error `code`: an integer in HTTP errors, sometimes a string in task errors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A numeric code such as 400.
    Number(i64),
    /// A string code such as `task_failed`.
    Text(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Number(n) => write!(f, "{n}"),
            ErrorCode::Text(s) => f.write_str(s),
        }
    }
}

/// An error reported by the API, in an HTTP error body or a failed task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The `code`, when present.
    pub code: Option<ErrorCode>,
    /// The `message` (possibly empty).
    pub message: String,
    /// The `type`, when present.
    pub kind: Option<ErrorType>,
    /// The request field the error is about (upstream's `param`, e.g.
    /// `content[1].image_url`), when present.
    pub param: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.code) {
            (Some(k), _) => write!(f, "{k}: {}", self.message)?,
            (None, Some(c)) => write!(f, "{c}: {}", self.message)?,
            (None, None) => f.write_str(&self.message)?,
        }
        if let Some(p) = &self.param {
            write!(f, " (param: {p})")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// Reads an error object (`{"code","message","type"}`) or a bare string.
    pub fn from_value(v: &Value) -> Option<ApiError> {
        match v {
            Value::String(s) => Some(ApiError {
                code: None,
                message: s.clone(),
                kind: None,
                param: None,
            }),
            Value::Object(o) => {
                let code = match o.get("code") {
                    Some(Value::Number(n)) => n.as_i64().map(ErrorCode::Number),
                    Some(Value::String(s)) => Some(ErrorCode::Text(s.clone())),
                    _ => None,
                };
                let message = match o.get("message") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) if !other.is_null() => other.to_string(),
                    _ => String::new(),
                };
                let kind = o
                    .get("type")
                    .and_then(Value::as_str)
                    .map(ErrorType::from_wire);
                let param = o.get("param").and_then(Value::as_str).map(str::to_owned);
                (code.is_some() || !message.is_empty() || kind.is_some()).then_some(ApiError {
                    code,
                    message,
                    kind,
                    param,
                })
            }
            _ => None,
        }
    }
}

/// Reads an HTTP error body: `{"error": {...}}` or `{"error": "text"}`.
/// Returns `None` when the body is not such an envelope (an HTML page from a
/// proxy, say); callers then fall back to the HTTP status.
pub fn parse_error_body(body: &[u8]) -> Option<ApiError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object()?;
    if let Some(err) = obj.get("error") {
        return ApiError::from_value(err);
    }
    // Some gateways put the fields at the top level.
    let msg = obj.get("message").and_then(Value::as_str)?;
    Some(ApiError {
        code: match obj.get("code") {
            Some(Value::Number(n)) => n.as_i64().map(ErrorCode::Number),
            Some(Value::String(s)) => Some(ErrorCode::Text(s.clone())),
            _ => None,
        },
        message: msg.to_owned(),
        kind: obj
            .get("type")
            .and_then(Value::as_str)
            .map(ErrorType::from_wire),
        param: obj.get("param").and_then(Value::as_str).map(str::to_owned),
    })
}
