//! Rules about MCP servers: the provider runs their tools, so a confirmation-first MCP tool is
//! only held if the provider asks for approval before running it.

use super::Rule;
use super::prose::Context;
use crate::diagnostic::Diagnostic;

/// SB0127. Guidance for a tool the model may not call is guidance about nothing (the guide's
/// warning about tools named but not passed). And a confirmation-first tool on a server
/// without `allowed_tools` is not contained: the model may call any tool the server lists,
/// including ones added later that nobody marked confirmation-first.
pub(super) fn mcp_tool_not_allowed(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, server) in cx.agent.mcp_servers.iter().enumerate() {
        let label = &server.server_label;
        for (j, tool) in server.tools.iter().enumerate() {
            let at = cx.doc.span_of(&format!("mcp_servers[{i}].tools[{j}].name"));
            let name = &tool.name;
            if !server.allows(name) {
                out.push(
                    Rule::McpToolNotAllowed
                        .diagnostic(format!(
                            "MCP tool `{name}` has guidance, but server `{label}`'s `allowed_tools` does not list it"
                        ))
                        .at_opt(at)
                        .hint(format!(
                            "add `{name}` to `allowed_tools`, or remove its guidance"
                        )),
                );
            } else if tool.is_confirmation_first() && server.allowed_tools.is_none() {
                out.push(
                    Rule::McpToolNotAllowed
                        .diagnostic(format!(
                            "confirmation-first MCP tool `{name}` is on server `{label}`, which has no `allowed_tools`"
                        ))
                        .at_opt(at)
                        .note("without it the model may call any tool the server lists, without asking")
                        .hint(format!(
                            "list the tools the model may call: `allowed_tools: [{name}, …]`"
                        )),
                );
            }
        }
    }
}

/// SB0128. The engine can hold an MCP call only when the provider asks before running it
/// (`mcp_approval_request`); a hand-written `require_approval` that lets a confirmation-first
/// tool run at once means the call happens before the caller is asked.
pub(super) fn mcp_approval_contradicted(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, server) in cx.agent.mcp_servers.iter().enumerate() {
        for tool in server.unheld_confirmations() {
            out.push(
                Rule::McpApprovalContradicted
                    .diagnostic(format!(
                        "`require_approval` of server `{}` lets confirmation-first tool `{}` run without approval",
                        server.server_label, tool.name
                    ))
                    .at_opt(cx.doc.span_of(&format!("mcp_servers[{i}].require_approval")))
                    .note("the provider runs MCP tools itself: without an approval request the call happens before the caller is asked")
                    .hint("remove `require_approval` (Switchboard computes it from the tools' behaviours), or list the tool under `always: {tool_names: […]}`"),
            );
        }
    }
}
