//! A checker for the subset of JSON Schema a model-schema answer uses:
//! `type` (one or a list), `enum`, `const`, `minimum`/`maximum`,
//! `exclusiveMinimum`/`exclusiveMaximum` (numbers), `minLength`/`maxLength`,
//! `minItems`/`maxItems`, `required`, `properties`, `additionalProperties:
//! false`, `items` and `anyOf`/`oneOf` (an instance must match one branch).
//! Keywords outside the subset are ignored (they can only make the schema
//! stricter than this check, never looser). Pure; no I/O.
//!
//! ```
//! use seedance_core::json_schema::check;
//! use serde_json::json;
//!
//! let schema = json!({"type": "object", "required": ["model"],
//!     "properties": {"duration": {"type": "integer", "minimum": 4, "maximum": 15}}});
//! let found = check(&schema, &json!({"duration": 20}));
//! let paths: Vec<_> = found.iter().map(|v| v.path.as_str()).collect();
//! assert_eq!(paths, ["model", "duration"]);
//! ```

use serde::Serialize;
use serde_json::Value;

/// One place where an instance does not match the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaViolation {
    /// Where, in the same notation as validation paths
    /// (`image_with_roles[0].role`; empty for the whole body).
    pub path: String,
    /// The keyword that failed (`maximum`, `enum`...).
    pub keyword: String,
    /// What the schema asks, in words.
    pub message: String,
}

/// Every violation of `schema` by `instance`.
pub fn check(schema: &Value, instance: &Value) -> Vec<SchemaViolation> {
    let mut out = Vec::new();
    walk(schema, instance, "", &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(want: &str, v: &Value) -> bool {
    let have = type_name(v);
    have == want || (want == "number" && have == "integer")
}

fn push(out: &mut Vec<SchemaViolation>, path: &str, keyword: &str, message: String) {
    out.push(SchemaViolation {
        path: path.to_owned(),
        keyword: keyword.to_owned(),
        message,
    });
}

fn walk(schema: &Value, v: &Value, path: &str, out: &mut Vec<SchemaViolation>) {
    let Some(s) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            push(out, path, "false", "is not allowed".to_owned());
        }
        return;
    };
    if let Some(t) = s.get("type") {
        let wanted: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !wanted.is_empty() && !wanted.iter().any(|w| type_matches(w, v)) {
            push(
                out,
                path,
                "type",
                format!(
                    "is {}; the schema wants {}",
                    type_name(v),
                    wanted.join(" or ")
                ),
            );
            return;
        }
    }
    if let Some(Value::Array(options)) = s.get("enum")
        && !options.contains(v)
    {
        let list: Vec<String> = options.iter().map(Value::to_string).collect();
        push(
            out,
            path,
            "enum",
            format!("is {v}; the schema allows {}", list.join(", ")),
        );
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        push(out, path, "const", format!("is {v}; the schema wants {c}"));
    }
    if let Some(n) = v.as_f64() {
        let bound = |k: &str| s.get(k).and_then(Value::as_f64);
        if let Some(m) = bound("minimum")
            && n < m
        {
            push(
                out,
                path,
                "minimum",
                format!("is {v}; the schema's minimum is {m}"),
            );
        }
        if let Some(m) = bound("maximum")
            && n > m
        {
            push(
                out,
                path,
                "maximum",
                format!("is {v}; the schema's maximum is {m}"),
            );
        }
        if let Some(m) = bound("exclusiveMinimum")
            && n <= m
        {
            push(
                out,
                path,
                "exclusiveMinimum",
                format!("is {v}; it must be above {m}"),
            );
        }
        if let Some(m) = bound("exclusiveMaximum")
            && n >= m
        {
            push(
                out,
                path,
                "exclusiveMaximum",
                format!("is {v}; it must be below {m}"),
            );
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as u64;
        if let Some(m) = s.get("minLength").and_then(Value::as_u64)
            && len < m
        {
            push(
                out,
                path,
                "minLength",
                format!("has {len} characters; the schema wants at least {m}"),
            );
        }
        if let Some(m) = s.get("maxLength").and_then(Value::as_u64)
            && len > m
        {
            push(
                out,
                path,
                "maxLength",
                format!("has {len} characters; the schema allows at most {m}"),
            );
        }
    }
    if let Some(items) = v.as_array() {
        let len = items.len() as u64;
        if let Some(m) = s.get("minItems").and_then(Value::as_u64)
            && len < m
        {
            push(
                out,
                path,
                "minItems",
                format!("has {len} items; the schema wants at least {m}"),
            );
        }
        if let Some(m) = s.get("maxItems").and_then(Value::as_u64)
            && len > m
        {
            push(
                out,
                path,
                "maxItems",
                format!("has {len} items; the schema allows at most {m}"),
            );
        }
        if let Some(item_schema) = s.get("items").filter(|i| i.is_object() || i.is_boolean()) {
            for (k, item) in items.iter().enumerate() {
                walk(item_schema, item, &format!("{path}[{k}]"), out);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        if let Some(Value::Array(required)) = s.get("required") {
            for key in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(key) {
                    push(
                        out,
                        &join(path, key),
                        "required",
                        "is required by the schema".to_owned(),
                    );
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (key, value) in obj {
            match props.and_then(|p| p.get(key)) {
                Some(sub) => walk(sub, value, &join(path, key), out),
                None if s.get("additionalProperties") == Some(&Value::Bool(false)) => push(
                    out,
                    &join(path, key),
                    "additionalProperties",
                    "is not a property the schema knows".to_owned(),
                ),
                None => {
                    if let Some(extra) = s.get("additionalProperties").filter(|a| a.is_object()) {
                        walk(extra, value, &join(path, key), out);
                    }
                }
            }
        }
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = s.get(keyword)
            && !branches.is_empty()
            && !branches.iter().any(|b| check_at(b, v, path).is_empty())
        {
            push(
                out,
                path,
                keyword,
                "matches none of the schema's alternatives".to_owned(),
            );
        }
    }
}

fn check_at(schema: &Value, v: &Value, path: &str) -> Vec<SchemaViolation> {
    let mut out = Vec::new();
    walk(schema, v, path, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_keyword_of_the_subset() {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "model": {"type": "string", "enum": ["a", "b"]},
                "prompt": {"type": "string", "maxLength": 3},
                "seed": {"type": "integer", "minimum": -1, "exclusiveMaximum": 10},
                "image_urls": {"type": "array", "maxItems": 1, "items": {"type": "string", "minLength": 1}},
                "generate_audio": {"type": "boolean"}
            }
        });
        let v = json!({"model": "c", "prompt": "long", "seed": 10, "image_urls": ["", "x"],
            "generate_audio": "yes", "other": 1});
        let found: Vec<(String, String)> = check(&schema, &v)
            .into_iter()
            .map(|x| (x.path, x.keyword))
            .collect();
        let expect = [
            ("model", "enum"),
            ("prompt", "maxLength"),
            ("seed", "exclusiveMaximum"),
            ("image_urls", "maxItems"),
            ("image_urls[0]", "minLength"),
            ("generate_audio", "type"),
            ("other", "additionalProperties"),
        ];
        for (p, k) in expect {
            assert!(
                found.contains(&(p.to_owned(), k.to_owned())),
                "{p} {k}: {found:?}"
            );
        }
        assert_eq!(found.len(), expect.len(), "{found:?}");
    }

    #[test]
    fn integers_are_numbers_and_branches_need_one_match() {
        let schema = json!({"anyOf": [{"type": "number"}, {"type": "string"}]});
        assert!(check(&schema, &json!(5)).is_empty());
        assert_eq!(check(&schema, &json!(true))[0].keyword, "anyOf");
        assert!(check(&json!({"type": "integer"}), &json!(5.0)).is_empty());
    }
}
