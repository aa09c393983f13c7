//! Tools over HTTP: the signed webhook request, retries for reads, and clear errors for bad
//! replies.

use serde_json::Value;
use switchboard_agent::model::Tool;
use switchboard_engine::ToolRun;

/// Runs `run` against the tool's webhook.
pub(crate) async fn run_tool(
    _client: &reqwest::Client,
    tool: &Tool,
    _session_id: &str,
    _run: &ToolRun,
) -> Result<Value, String> {
    Err(format!("`{}` has no HTTP executor yet", tool.name))
}
