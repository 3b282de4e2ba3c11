//! `seedance balance`: what is left to spend, for the key in use
//! (`GET /v1/balance`) and for the whole account (`GET /v1/user/balance`).
//! When one endpoint fails the other is still shown, with the error; the
//! command fails only when neither answers.

use std::io::Write;

use seedance_core::account::Balance;
use serde_json::{Value, json};

use crate::cli::GlobalArgs;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{printable, write_json};

fn describe(b: &Balance) -> String {
    let mut text = if b.is_unlimited() {
        "unlimited".to_owned()
    } else {
        format!("{} left", b.remain_balance)
    };
    if let Some(used) = b.used_balance {
        text.push_str(&format!(", {used} used"));
    }
    if let Some(c) = b.remain_credits {
        text.push_str(&format!(", {c} credits left"));
    }
    if let Some(m) = &b.message {
        text.push_str(&format!(" ({})", printable(m)));
    }
    text
}

fn as_json(r: &Result<Balance, seedance_transport::ClientError>) -> Value {
    match r {
        Ok(b) => json!({"balance": b, "unlimited": b.is_unlimited()}),
        Err(e) => json!({"error": e.to_string()}),
    }
}

/// Both balances as JSON (`{"key": ..., "account": ...}`, each a balance
/// or an error), or the key's error when neither answers: what `--json`
/// prints and the MCP `balance` tool returns.
pub(crate) async fn balances_json(ctx: &Context) -> Result<Value, Failure> {
    let key = ctx.client.balance().await;
    let account = ctx.client.account_balance().await;
    let v = json!({"key": as_json(&key), "account": as_json(&account), "unit": "depends on the account"});
    match (key, account) {
        (Err(e), Err(_)) => Err(Failure::from(e).context("reading the balance")),
        _ => Ok(v),
    }
}

pub(crate) async fn run(
    ctx: &Context,
    global: &GlobalArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if global.json {
        let v = balances_json(ctx).await?;
        return write_json(out, &v).map_err(Failure::output);
    }
    let key = ctx.client.balance().await;
    let account = ctx.client.account_balance().await;
    let written = {
        let line = |what: &str, r: &Result<Balance, seedance_transport::ClientError>| match r {
            Ok(b) => format!("{what}: {}", describe(b)),
            Err(e) => format!("{what}: unavailable: {}", printable(&e.to_string())),
        };
        writeln!(
            out,
            "{}\n{}\n(the unit depends on the account)",
            line("key", &key),
            line("account", &account)
        )
    };
    written.map_err(Failure::output)?;
    match (key, account) {
        (Err(e), Err(_)) => Err(Failure::from(e).context("reading the balance")),
        _ => Ok(()),
    }
}
