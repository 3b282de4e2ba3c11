//! What the live service says about its models, parsed leniently: the
//! model list (`GET /v1/models`), a model's input schema (`GET
//! /v1/model-schema?model=&operation=video_generation`) and its public
//! price (`GET /api/pricing/model?model=`). Sources: github
//! apimart-ai/apimart-skills, `skills/apimart-generate-media/references/api-contract.md`;
//! github martianzhang/apimart-cli, `docs/api-reference.md` and
//! `internal/types/types.go` (the pricing shape). None of these is part of
//! the generation reference: every shape seen or plausible is accepted, and
//! an answer that fits none is an error the caller can fall back from.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::account::lenient_number;

/// One model the service lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// The model id (`id`, `model`, `model_name` or `name`).
    pub id: String,
    /// Who owns it (`owned_by`), when said.
    pub owned_by: Option<String>,
    /// Its kind (`media_type`, `type`), when said.
    pub kind: Option<String>,
}

/// Why a discovery answer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// Not JSON.
    #[error("the answer is not JSON")]
    NotJson,
    /// JSON, but not in any shape known for this endpoint.
    #[error("the answer has no {0}")]
    Shape(&'static str),
    /// `success: false`.
    #[error("the service refused: {0}")]
    Refused(String),
}

fn json(body: &[u8]) -> Result<Value, DiscoveryError> {
    serde_json::from_slice(body).map_err(|_| DiscoveryError::NotJson)
}

fn refused(v: &Value) -> Result<(), DiscoveryError> {
    if v.get("success").and_then(Value::as_bool) == Some(false) {
        let m = v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message");
        return Err(DiscoveryError::Refused(m.to_owned()));
    }
    Ok(())
}

fn model_of(item: &Value) -> Option<ModelInfo> {
    if let Some(id) = item.as_str() {
        return Some(ModelInfo {
            id: id.to_owned(),
            owned_by: None,
            kind: None,
        });
    }
    let o = item.as_object()?;
    let id = ["id", "model", "model_name", "name"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())?;
    let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(ModelInfo {
        id: id.to_owned(),
        owned_by: text("owned_by"),
        kind: text("media_type").or_else(|| text("type")),
    })
}

/// Parses a model list: OpenAI's `{data: [{id, ...}]}`, apimart's
/// marketplace `{success, data: {models: [{model_name, ...}]}}`, a bare
/// array, or `{models: [...]}`; items may be objects or plain ids.
pub fn parse_models_body(body: &[u8]) -> Result<Vec<ModelInfo>, DiscoveryError> {
    let v = json(body)?;
    refused(&v)?;
    let list = [
        v.get("data").filter(|d| d.is_array()),
        v.get("data").and_then(|d| d.get("models")),
        v.get("models"),
        Some(&v).filter(|v| v.is_array()),
    ]
    .into_iter()
    .flatten()
    .find_map(Value::as_array)
    .ok_or(DiscoveryError::Shape("model list"))?;
    Ok(list.iter().filter_map(model_of).collect())
}

fn looks_like_schema(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.contains_key("properties") || o.contains_key("$schema") || o.get("type").is_some()
    })
}

/// The JSON Schema in a model-schema answer: the body itself, or under
/// `schema`, `input_schema`, `data`, `data.schema` or `data.input_schema`.
pub fn parse_schema_body(body: &[u8]) -> Result<Value, DiscoveryError> {
    let v = json(body)?;
    refused(&v)?;
    let candidates = [
        v.get("data").and_then(|d| d.get("input_schema")),
        v.get("data").and_then(|d| d.get("schema")),
        v.get("input_schema"),
        v.get("schema"),
        v.get("data"),
        Some(&v),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|c| looks_like_schema(c) && c.get("properties").is_some())
        .or_else(|| {
            candidates
                .into_iter()
                .flatten()
                .find(|c| looks_like_schema(c))
        })
        .cloned()
        .ok_or(DiscoveryError::Shape("JSON Schema"))
}

/// A model's public price, per generated second.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelPrice {
    /// The model id.
    pub model: String,
    /// Resolution (`720p`...) or `*` -> price per second.
    pub per_second: BTreeMap<String, f64>,
    /// `billing_type` as the service said it.
    pub billing_type: Option<String>,
}

/// Parses `GET /api/pricing/model?model=` (`{success, data: {model_name,
/// billing_type, model_price, resolution_prices: {RES: PRICE}}}`), for
/// `model`. Prices billed otherwise than per second (a `billing_type` that
/// names requests, generations or tokens) cannot price a video by its
/// length: they are an error, and the caller falls back.
pub fn parse_pricing_body(body: &[u8], model: &str) -> Result<ModelPrice, DiscoveryError> {
    let v = json(body)?;
    refused(&v)?;
    let data: &Map<String, Value> = v
        .get("data")
        .and_then(Value::as_object)
        .or_else(|| v.as_object())
        .ok_or(DiscoveryError::Shape("price"))?;
    let billing_type = data
        .get("billing_type")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(b) = &billing_type {
        let b = b.to_ascii_lowercase();
        if ["request", "generation", "token", "call", "times"]
            .iter()
            .any(|w| b.contains(w))
        {
            return Err(DiscoveryError::Shape("price per second"));
        }
    }
    let mut per_second = BTreeMap::new();
    if let Some(prices) = data.get("resolution_prices").and_then(Value::as_object) {
        for (res, p) in prices {
            if let Some(p) = lenient_number(p).filter(|p| *p >= 0.0) {
                per_second.insert(res.to_ascii_lowercase(), p);
            }
        }
    }
    if per_second.is_empty()
        && let Some(p) = data
            .get("model_price")
            .and_then(lenient_number)
            .filter(|p| *p >= 0.0)
    {
        per_second.insert("*".to_owned(), p);
    }
    if per_second.is_empty() {
        return Err(DiscoveryError::Shape("price"));
    }
    Ok(ModelPrice {
        model: data
            .get("model_name")
            .and_then(Value::as_str)
            .unwrap_or(model)
            .to_owned(),
        per_second,
        billing_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn model_lists_in_every_shape() {
        let openai =
            json!({"object":"list","data":[{"id":"doubao-seedance-2.0","owned_by":"bytedance"}]});
        let market = json!({"success":true,"data":{"models":[{"model_name":"doubao-seedance-2.0-fast","media_type":"video"}]}});
        let bare = json!(["doubao-seedance-2.0-mini"]);
        for (v, id) in [
            (openai, "doubao-seedance-2.0"),
            (market, "doubao-seedance-2.0-fast"),
            (bare, "doubao-seedance-2.0-mini"),
        ] {
            let m = parse_models_body(v.to_string().as_bytes()).unwrap();
            assert_eq!(m[0].id, id);
        }
        assert_eq!(
            parse_models_body(b"{\"data\":{}}"),
            Err(DiscoveryError::Shape("model list"))
        );
    }

    #[test]
    fn schemas_are_found_under_envelopes() {
        let s = json!({"type":"object","properties":{"duration":{"type":"integer"}}});
        for body in [
            s.clone(),
            json!({"data": s}),
            json!({"data": {"operation": "video_generation", "input_schema": s}}),
        ] {
            assert_eq!(parse_schema_body(body.to_string().as_bytes()).unwrap(), s);
        }
        assert!(parse_schema_body(b"[1]").is_err());
    }

    #[test]
    fn prices_per_resolution_or_flat() {
        let p = parse_pricing_body(
            br#"{"success":true,"data":{"model_name":"m","billing_type":"per_second","resolution_prices":{"720P":"0.2","480p":0.1}}}"#,
            "m",
        )
        .unwrap();
        assert_eq!(p.per_second.get("720p"), Some(&0.2));
        let flat = parse_pricing_body(br#"{"data":{"model_price":0.05}}"#, "mini").unwrap();
        assert_eq!(flat.per_second.get("*"), Some(&0.05));
        assert!(
            parse_pricing_body(
                br#"{"data":{"billing_type":"per_request","model_price":1}}"#,
                "m"
            )
            .is_err()
        );
    }
}
