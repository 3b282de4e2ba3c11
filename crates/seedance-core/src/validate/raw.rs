//! Raw JSON to [`Draft`]: every type and value error, with its path, and a
//! draft the cross-field rules can read.

use serde_json::{Map, Value};

use super::draft::{Draft, Field, RoleItem, UrlList};
use super::violation::{Code, ValidationReport};
use crate::media_url::MediaUrl;
use crate::model::{ImageRole, Model, Resolution, Size, ToolType};
use crate::wire_enum::{UnknownValue, expected_list};

/// Every top-level field the reference documents.
pub const KNOWN_FIELDS: &[&str] = &[
    "model",
    "prompt",
    "duration",
    "size",
    "resolution",
    "seed",
    "generate_audio",
    "return_last_frame",
    "tools",
    "image_urls",
    "image_with_roles",
    "video_urls",
    "audio_urls",
    "camera_fixed",
    "watermark",
    "webhook",
];

/// Field names that would buy a different video than the one asked for:
/// the service ignores them, so the setting the user meant is silently lost.
/// Each is refused with the field to use instead.
const WRONG_NAMES: &[(&str, &str)] = &[
    ("aspect_ratio", "size"),
    ("ratio", "size"),
    ("aspect", "size"),
    ("audio", "generate_audio"),
    ("with_audio", "generate_audio"),
    ("sound", "generate_audio"),
    ("image_url", "image_urls (a list)"),
    ("image", "image_urls (a list)"),
    ("images", "image_urls"),
    ("first_frame", "image_with_roles with role first_frame"),
    ("last_frame", "image_with_roles with role last_frame"),
    (
        "first_frame_image",
        "image_with_roles with role first_frame",
    ),
    ("video_url", "video_urls (a list)"),
    ("audio_url", "audio_urls (a list)"),
    ("length", "duration"),
    ("seconds", "duration"),
    ("quality", "resolution"),
    ("fixed_camera", "camera_fixed"),
];

/// The documented field a misspelt `name` means, when it is a known mistake
/// or a documented field in another case (`Resolution`).
fn correction(name: &str) -> Option<String> {
    if let Some((_, fix)) = WRONG_NAMES.iter().find(|(wrong, _)| *wrong == name) {
        return Some((*fix).to_owned());
    }
    let lower = name.to_ascii_lowercase();
    if lower != name {
        if KNOWN_FIELDS.contains(&lower.as_str()) {
            return Some(lower);
        }
        return correction(&lower);
    }
    None
}

pub(crate) fn parse<'a>(value: &'a Value, report: &mut ValidationReport) -> Option<Draft<'a>> {
    let Value::Object(obj) = value else {
        report.error(
            Code::NotAnObject,
            "",
            format!(
                "the request body must be a JSON object, not {}",
                json_kind(value)
            ),
        );
        return None;
    };
    let mut draft = Draft::empty();
    for (key, v) in obj {
        if v.is_null() {
            continue; // null means "not set", as serde reads it.
        }
        match key.as_str() {
            "model" => {
                draft.model = enum_field::<Model>(v, "model", Code::UnknownModel, "model", report)
            }
            "prompt" => draft.prompt = string(v, "prompt", report),
            "duration" => draft.duration = duration(v, report),
            "size" => draft.size = enum_field::<Size>(v, "size", Code::UnknownSize, "size", report),
            "resolution" => {
                draft.resolution = enum_field::<Resolution>(
                    v,
                    "resolution",
                    Code::UnknownResolution,
                    "resolution",
                    report,
                )
            }
            "seed" => match v.as_i64() {
                None => {
                    report.error(
                        Code::InvalidType,
                        "seed",
                        format!(
                            "must be a whole number from {} to {}, not {}",
                            crate::limits::SEED_MIN,
                            crate::limits::SEED_MAX,
                            json_kind(v)
                        ),
                    );
                    draft.seed = Field::Invalid;
                }
                Some(n) => draft.seed = Field::Present(n),
            },
            "generate_audio" | "return_last_frame" => {
                if !v.is_boolean() {
                    report.error(
                        Code::InvalidType,
                        key.as_str(),
                        format!("must be true or false, not {}", json_kind(v)),
                    );
                }
            }
            "tools" => tools(v, report),
            "image_urls" => draft.image_urls = url_list(v, "image_urls", report),
            "video_urls" => draft.video_urls = url_list(v, "video_urls", report),
            "audio_urls" => draft.audio_urls = url_list(v, "audio_urls", report),
            "image_with_roles" => draft.image_with_roles = roles(v, report),
            "camera_fixed" | "watermark" => {
                if !v.is_boolean() {
                    report.error(
                        Code::InvalidType,
                        key.as_str(),
                        format!("must be true or false, not {}", json_kind(v)),
                    );
                } else if key == "camera_fixed" {
                    report.warn(
                        Code::CameraFixedRefusedUpstream,
                        "camera_fixed",
                        "is listed on apimart's page but refused upstream for the Seedance 2.0 family (a 400 after the request is accepted)",
                    );
                }
            }
            "webhook" => webhook(v, report),
            other => match correction(other) {
                Some(fix) => report.error(
                    Code::WrongFieldName,
                    other,
                    format!("is not a field of this API and would be ignored, buying a different video than the one asked for: use `{fix}`"),
                ),
                None => report.warn(
                    Code::UnknownField,
                    other,
                    format!(
                        "is not a documented field; it is sent as written in case the service knows it (documented: {})",
                        KNOWN_FIELDS.join(", ")
                    ),
                ),
            },
        }
    }
    Some(draft)
}

/// `webhook`: an http(s) URL the service can push to. apimart appends
/// `/callback` and pushes only to ports 80 and 443 on a public address
/// (docs.apimart.ai/en/api-reference/tasks/webhook).
fn webhook(v: &Value, report: &mut ValidationReport) {
    let Some(text) = v.as_str() else {
        report.error(
            Code::InvalidType,
            "webhook",
            format!("must be a URL string, not {}", json_kind(v)),
        );
        return;
    };
    let url = match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => u,
        _ => {
            report.error(
                Code::InvalidUrl,
                "webhook",
                "must be an http(s) URL with a host (apimart appends /callback and POSTs the task's status there)",
            );
            return;
        }
    };
    let port_ok = matches!(url.port_or_known_default(), Some(80 | 443));
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    };
    if !port_ok || local {
        report.warn(
            Code::WebhookNotReachable,
            "webhook",
            "apimart pushes only to public addresses on ports 80 and 443: expose a local listener (seedance webhook-listen) through a tunnel; runs still poll, so nothing is lost",
        );
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string<'a>(v: &'a Value, path: &str, report: &mut ValidationReport) -> Field<&'a str> {
    match v.as_str() {
        Some(s) => Field::Present(s),
        None => {
            report.error(
                Code::InvalidType,
                path,
                format!("must be a string, not {}", json_kind(v)),
            );
            Field::Invalid
        }
    }
}

fn enum_field<T>(
    v: &Value,
    path: &str,
    code: Code,
    what: &str,
    report: &mut ValidationReport,
) -> Field<T>
where
    T: std::str::FromStr<Err = UnknownValue>,
{
    match string(v, path, report) {
        Field::Present(s) => match s.parse::<T>() {
            Ok(t) => Field::Present(t),
            Err(e) => {
                report.error(
                    code,
                    path,
                    format!(
                        "`{}` is not a supported {what}; expected one of {}",
                        e.value,
                        expected_list(e.expected)
                    ),
                );
                Field::Invalid
            }
        },
        _ => Field::Invalid,
    }
}

fn duration(v: &Value, report: &mut ValidationReport) -> Field<i64> {
    if let Some(n) = v.as_i64() {
        return Field::Present(n);
    }
    if let Some(n) = whole_decimal(v) {
        report.warn(
            Code::WholeNumberAsDecimal,
            "duration",
            format!("{v} is read as {n} seconds and sent as `{n}`"),
        );
        return Field::Present(n);
    }
    if v.as_u64().is_some() {
        // Larger than i64::MAX: certainly out of range.
        return Field::Present(i64::MAX);
    }
    report.error(
        Code::InvalidType,
        "duration",
        format!("must be a whole number of seconds, not {}", json_kind(v)),
    );
    Field::Invalid
}

fn array<'a>(v: &'a Value, path: &str, report: &mut ValidationReport) -> Option<&'a Vec<Value>> {
    match v {
        Value::Array(items) => Some(items),
        _ => {
            report.error(
                Code::InvalidType,
                path,
                format!("must be an array, not {}", json_kind(v)),
            );
            None
        }
    }
}

fn object<'a>(
    v: &'a Value,
    path: &str,
    report: &mut ValidationReport,
) -> Option<&'a Map<String, Value>> {
    match v {
        Value::Object(o) => Some(o),
        _ => {
            report.error(
                Code::InvalidType,
                path,
                format!("must be an object, not {}", json_kind(v)),
            );
            None
        }
    }
}

fn url(v: &Value, path: &str, report: &mut ValidationReport) -> Option<crate::media_url::UrlKind> {
    let Field::Present(s) = string(v, path, report) else {
        return None;
    };
    match MediaUrl::parse(s) {
        Ok(u) => Some(u.kind()),
        Err(e) => {
            report.error(
                Code::InvalidUrl,
                path,
                format!("must be an http(s) URL or asset://ID: {e}"),
            );
            None
        }
    }
}

fn url_list(v: &Value, field: &str, report: &mut ValidationReport) -> UrlList {
    let Some(items) = array(v, field, report) else {
        return Field::Invalid;
    };
    if items.is_empty() {
        return Field::Absent; // An empty list is the same as no list.
    }
    Field::Present(
        items
            .iter()
            .enumerate()
            .map(|(i, item)| url(item, &format!("{field}[{i}]"), report))
            .collect(),
    )
}

fn tools(v: &Value, report: &mut ValidationReport) {
    let Some(items) = array(v, "tools", report) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("tools[{i}]");
        let Some(obj) = object(item, &path, report) else {
            continue;
        };
        match obj.get("type").filter(|t| !t.is_null()) {
            None => report.error(
                Code::Required,
                format!("{path}.type"),
                "is required (the only tool is `web_search`)",
            ),
            Some(t) => {
                enum_field::<ToolType>(
                    t,
                    &format!("{path}.type"),
                    Code::UnknownTool,
                    "tool type",
                    report,
                );
            }
        }
        for key in obj.keys().filter(|k| k.as_str() != "type") {
            report.warn(
                Code::UnknownField,
                format!("{path}.{key}"),
                "is not a documented tool field and would be ignored",
            );
        }
    }
}

fn roles(v: &Value, report: &mut ValidationReport) -> Field<Vec<RoleItem>> {
    let Some(items) = array(v, "image_with_roles", report) else {
        return Field::Invalid;
    };
    if items.is_empty() {
        return Field::Absent;
    }
    let parsed = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("image_with_roles[{i}]");
            let Some(obj) = object(item, &path, report) else {
                return RoleItem {
                    url: None,
                    role: None,
                };
            };
            let url = match obj.get("url").filter(|u| !u.is_null()) {
                None => {
                    report.error(Code::Required, format!("{path}.url"), "is required");
                    None
                }
                Some(u) => url(u, &format!("{path}.url"), report),
            };
            let role = match obj.get("role").filter(|r| !r.is_null()) {
                None => {
                    report.error(
                        Code::Required,
                        format!("{path}.role"),
                        "is required: one of `first_frame`, `last_frame`, `reference_image`",
                    );
                    None
                }
                Some(r) => enum_field::<ImageRole>(
                    r,
                    &format!("{path}.role"),
                    Code::UnknownRole,
                    "image role",
                    report,
                )
                .present()
                .copied(),
            };
            for key in obj.keys().filter(|k| !matches!(k.as_str(), "url" | "role")) {
                report.warn(
                    Code::UnknownField,
                    format!("{path}.{key}"),
                    "is not a documented field and would be ignored",
                );
            }
            RoleItem { url, role }
        })
        .collect();
    Field::Present(parsed)
}

/// A whole number written as a decimal (`5.0`), as many JSON encoders do.
pub(crate) fn whole_decimal(v: &Value) -> Option<i64> {
    let f = v.as_f64().filter(|_| v.is_f64())?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}
