//! What the account can still spend: the balance bodies of `GET /v1/balance`
//! (the key's own quota) and `GET /v1/user/balance` (the whole account),
//! documented on docs.apimart.ai/en/api-reference/account/token-balance and
//! .../user-balance as `{success, remain_balance, used_balance,
//! unlimited_quota, message?}` (apimart's own client also reads
//! `remain_credits` and `used_credits`). `remain_balance` is -1 when the
//! quota is unlimited; the unit depends on the account.
//!
//! Parsed leniently: numbers or numeric strings, the fields at the top level
//! or under a `data` envelope. A body without a usable `remain_balance`
//! (and not unlimited) is an error, so a read can ask again.
//!
//! ```
//! use seedance_core::account::{Balance, parse_balance_body};
//!
//! let b = parse_balance_body(br#"{"success":true,"remain_balance":"10.5","used_balance":2,"unlimited_quota":false}"#).unwrap();
//! assert_eq!(b.remaining(), Some(10.5));
//! let unlimited = parse_balance_body(br#"{"success":true,"remain_balance":-1,"used_balance":0}"#).unwrap();
//! assert_eq!(unlimited.remaining(), None);
//! assert!(b.shortfall(12.3).is_some_and(|s| (s - 1.8).abs() < 1e-9));
//! ```

use serde::Serialize;
use serde_json::Value;

/// A balance as the service reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Balance {
    /// What is left (`remain_balance`); `-1` means unlimited.
    pub remain_balance: f64,
    /// What was spent so far (`used_balance`), when reported.
    pub used_balance: Option<f64>,
    /// `unlimited_quota`, when reported.
    pub unlimited_quota: bool,
    /// Credits left (`remain_credits`), when reported.
    pub remain_credits: Option<f64>,
    /// Credits spent (`used_credits`), when reported.
    pub used_credits: Option<f64>,
    /// The service's `message`, when any.
    pub message: Option<String>,
}

impl Balance {
    /// Whether there is no limit to spend against (`unlimited_quota`, or
    /// `remain_balance` -1).
    pub fn is_unlimited(&self) -> bool {
        self.unlimited_quota || self.remain_balance == -1.0
    }

    /// What is left, `None` when unlimited.
    pub fn remaining(&self) -> Option<f64> {
        (!self.is_unlimited()).then_some(self.remain_balance)
    }

    /// By how much `estimate` exceeds what is left (`None`: it does not, or
    /// the balance is unlimited).
    pub fn shortfall(&self, estimate: f64) -> Option<f64> {
        let left = self.remaining()?;
        (estimate > left + 1e-9).then_some(estimate - left)
    }
}

/// Why a balance body cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BalanceError {
    /// Not JSON, or not an object.
    #[error("the balance answer is not a JSON object")]
    NotJson,
    /// `success: false`, with the service's message.
    #[error("the service refused the balance query: {0}")]
    Refused(String),
    /// No usable `remain_balance`.
    #[error("the balance answer has no usable `remain_balance`")]
    MissingRemain,
}

/// A number, or a string holding one.
pub fn lenient_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

fn lenient_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Parses a balance body (see the module docs).
pub fn parse_balance_body(body: &[u8]) -> Result<Balance, BalanceError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| BalanceError::NotJson)?;
    let top = v.as_object().ok_or(BalanceError::NotJson)?;
    let obj = top
        .get("data")
        .and_then(Value::as_object)
        .filter(|d| d.contains_key("remain_balance"))
        .unwrap_or(top);
    let message = obj
        .get("message")
        .or_else(|| top.get("message"))
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .map(str::to_owned);
    if top.get("success").and_then(lenient_bool) == Some(false) {
        return Err(BalanceError::Refused(
            message.unwrap_or_else(|| "no message".to_owned()),
        ));
    }
    let unlimited_quota = obj
        .get("unlimited_quota")
        .and_then(lenient_bool)
        .unwrap_or(false);
    let remain_balance = match obj.get("remain_balance").and_then(lenient_number) {
        Some(r) => r,
        None if unlimited_quota => -1.0,
        None => return Err(BalanceError::MissingRemain),
    };
    let num = |k: &str| obj.get(k).and_then(lenient_number);
    Ok(Balance {
        remain_balance,
        used_balance: num("used_balance"),
        unlimited_quota,
        remain_credits: num("remain_credits"),
        used_credits: num("used_credits"),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_strings_and_envelopes_are_read() {
        let b = parse_balance_body(
            br#"{"data":{"remain_balance":"3.25","used_balance":"1","unlimited_quota":"false"},"success":true}"#,
        )
        .unwrap();
        assert_eq!(b.remaining(), Some(3.25));
        assert_eq!(b.used_balance, Some(1.0));
        let u = parse_balance_body(br#"{"success":true,"unlimited_quota":true}"#).unwrap();
        assert!(u.is_unlimited());
        assert_eq!(u.shortfall(1e9), None);
    }

    #[test]
    fn unusable_bodies_are_errors() {
        assert_eq!(parse_balance_body(b"<html>"), Err(BalanceError::NotJson));
        assert_eq!(
            parse_balance_body(br#"{"success":true,"remain_balance":null}"#),
            Err(BalanceError::MissingRemain)
        );
        assert_eq!(
            parse_balance_body(br#"{"success":false,"message":"token expired"}"#),
            Err(BalanceError::Refused("token expired".to_owned()))
        );
    }

    #[test]
    fn shortfall_is_the_difference() {
        let b = parse_balance_body(br#"{"remain_balance":10}"#).unwrap();
        assert!((b.shortfall(12.3).unwrap() - 2.3).abs() < 1e-9);
        assert_eq!(b.shortfall(10.0), None);
    }
}
