//! Validation: every rule of the reference, checked locally before anything
//! is sent, with every problem reported at once.
//!
//! Two entry points share one set of rules:
//! - [`GenerationRequest::validate`] for typed requests (types already rule
//!   out unknown enum values and malformed URLs);
//! - [`validate_json`] for raw request bodies, which also reports type errors,
//!   unknown values and undocumented fields with their paths.

mod draft;
mod media;
mod raw;
mod rules;
mod violation;

pub use media::{MediaFacts, MediaInfo, validate_media};
pub use raw::KNOWN_FIELDS;
pub use violation::{Code, ValidationError, ValidationReport, Violation};

use serde_json::Value;

use crate::request::GenerationRequest;

impl GenerationRequest {
    /// Checks every rule of the reference that can be checked without the
    /// media themselves. Warnings never make a request invalid.
    pub fn validate(&self) -> ValidationReport {
        let mut report = ValidationReport::default();
        rules::check(&draft::Draft::from_request(self), &mut report);
        report
    }

    /// Parses and validates a raw request body: `Ok` with the typed request
    /// and any warnings, or every problem found.
    pub fn from_json(
        value: &Value,
    ) -> Result<(GenerationRequest, Vec<Violation>), ValidationError> {
        let warnings = validate_json(value).into_result()?;
        // `"duration": 5.0` was accepted with a warning; it is sent as `5`.
        let mut value = value.clone();
        if let Some(n) = value.get("duration").and_then(raw::whole_decimal) {
            value["duration"] = Value::from(n);
        }
        match serde_json::from_value::<GenerationRequest>(value) {
            Ok(request) => Ok((request, warnings)),
            // The raw checks mirror the typed ones; this is a safety net that
            // still names the problem rather than panicking.
            Err(e) => Err(ValidationError {
                report: ValidationReport {
                    errors: vec![Violation::new(Code::InvalidType, "", e.to_string())],
                    warnings,
                },
            }),
        }
    }
}

/// Validates a raw request body (any JSON value): type errors, unknown values
/// and undocumented fields, then every rule [`GenerationRequest::validate`]
/// checks. Never panics.
pub fn validate_json(value: &Value) -> ValidationReport {
    let mut report = ValidationReport::default();
    if let Some(draft) = raw::parse(value, &mut report) {
        rules::check(&draft, &mut report);
    }
    report
}
