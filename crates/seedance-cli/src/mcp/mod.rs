//! `seedance mcp`: the Model Context Protocol over standard input and
//! output (rmcp), for AI agents. The tools reuse the CLI's pieces:
//! validation, price estimates, the client, chains, batches and takes.
//!
//! Money: every tool that pays needs a budget (`max_cost`, or the server's
//! `--max-cost`), and chains and batches are dry runs until the caller
//! confirms the estimate it was shown. Files: only under `--out-root`.
//! The key: from the environment or `--api-key-file`, never an argument;
//! tool results carry server text only after the transport redacted it.

mod calls;
mod paths;
mod progress;
mod tools;

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use seedance_core::pricing::PriceTable;
use serde_json::{Value, json};

use crate::cli::{GlobalArgs, McpArgs};
use crate::context::Context;
use crate::failure::Failure;
use crate::interrupt::Interrupt;

/// The server's state, shared by every tool call.
pub(crate) struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Context,
    root: paths::Root,
    max_cost: Option<f64>,
    prices: PriceTable,
    tools: Vec<rmcp::model::Tool>,
}

/// A tool's refusal or failure: shown to the caller as an error result.
#[derive(Debug)]
pub(crate) struct ToolError(Value);

impl ToolError {
    /// A failure with a message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ToolError(json!({"error": message.into()}))
    }

    /// A failure with a message and more fields (`problems`, `estimate`...).
    pub(crate) fn with(message: impl Into<String>, extra: Value) -> Self {
        let mut v = json!({"error": message.into()});
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        ToolError(v)
    }
}

impl From<Failure> for ToolError {
    fn from(f: Failure) -> Self {
        ToolError::new(f.message)
    }
}

/// A line on standard error, the log of an MCP server over stdio.
pub(crate) fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "seedance mcp: {}",
        crate::output::printable(line)
    );
}

/// Runs the server until the client closes standard input.
pub(crate) async fn run(
    global: &GlobalArgs,
    args: &McpArgs,
    interrupt: &Interrupt,
) -> Result<(), Failure> {
    let root = paths::Root::open(&args.out_root).map_err(|e| {
        Failure::usage(format!(
            "--out-root {}: cannot create or open it: {e}",
            args.out_root.display()
        ))
    })?;
    if let Some(m) = args.max_cost
        && !(m.is_finite() && m >= 0.0)
    {
        return Err(Failure::usage(format!(
            "--max-cost {m}: must be a number of at least 0"
        )));
    }
    let prices = crate::cli::CostArgs {
        prices: args.prices.clone(),
        ..Default::default()
    }
    .table()?;
    let config = seedance_transport::ClientConfig {
        download_digest: global.digest.into(),
        wait_timeout: args.timeout,
        ..Default::default()
    };
    // --mock keeps the simulator's tasks under the root, so a restarted
    // server still knows the tasks an earlier one paid for.
    let mock_state = global
        .mock_state
        .clone()
        .unwrap_or_else(|| root.path().join(crate::context::MOCK_STATE_DIR));
    let ctx = crate::context::build(global, config, true, Some(&mock_state))?;
    let server = Server {
        inner: Arc::new(Inner {
            ctx,
            root,
            max_cost: args.max_cost,
            prices,
            tools: tools::all(),
        }),
    };
    let service = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Failure::failed(format!("MCP: the client did not initialize: {e}")))?;
    let cancel = service.cancellation_token();
    tokio::select! {
        r = service.waiting() => {
            r.map_err(|e| Failure::failed(format!("MCP server stopped: {e}")))?;
        }
        () = interrupt.wait() => cancel.cancel(),
    }
    Ok(())
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("seedance", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Seedance 2.0 video generation. Validate requests and estimate costs before \
                 paying; generate, chain and batch pay and need max_cost; chain and batch are \
                 dry runs until called again with confirm_cost equal to the estimate's total. \
                 Files are written only under the server's output root.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.inner.tools.clone()))
    }

    fn get_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        self.inner.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if !self.inner.tools.iter().any(|t| t.name == request.name) {
            return Err(ErrorData::invalid_params(
                format!("no tool named `{}`", request.name),
                None,
            ));
        }
        let args = Value::Object(request.arguments.unwrap_or_default());
        let inner = self.inner.clone();
        let outcome = calls::call(&inner, &request.name, args, &context).await;
        Ok(match outcome {
            Ok(v) => CallToolResult::structured(v),
            Err(ToolError(v)) => CallToolResult::structured_error(v),
        }
        .into())
    }
}
