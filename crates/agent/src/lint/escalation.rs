//! Rules about the hand-off to a person.

use super::Rule;
use super::prose::Context;
use crate::diagnostic::Diagnostic;
use crate::load::common_tool_name;
use crate::model::{Builtin, CommonTool, Run};

/// SB0119. The guide: "having a reliable way to escalate to a human is important … modify the
/// instructions on WHEN to escalate". An escalation tool (named `escalate…`, run by the
/// `escalate_to_human` builtin, or the common `escalate_to_human`) without a Safety &
/// Escalation section leaves the model to guess when to hand off, and what to say while it
/// does ("MANDATORY" in the guide).
pub(super) fn escalation_without_section(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    if a.escalation.is_some() {
        return;
    }
    let mut found: Vec<(String, String)> = a
        .tools
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.name.to_lowercase().starts_with("escalate")
                || matches!(t.run, Run::Builtin(Builtin::EscalateToHuman))
        })
        .map(|(i, t)| (t.name.clone(), format!("tools[{i}].name")))
        .collect();
    for (i, c) in a.common_tools.iter().enumerate() {
        if *c == CommonTool::EscalateToHuman {
            found.push((
                common_tool_name(*c).to_owned(),
                format!("common_tools[{i}]"),
            ));
        }
    }
    for (name, path) in found {
        out.push(
            Rule::EscalationWithoutSection
                .diagnostic(format!(
                    "escalation tool `{name}` is offered but there is no Safety & Escalation section"
                ))
                .at_opt(cx.doc.span_of(&path))
                .hint(format!(
                    "add `escalation:` with `triggers` (when to hand off), `say` (the line said while calling it) and `tool: {name}`"
                )),
        );
    }
}

/// SB0120. The escalation section renders "Then call the tool: `<tool>`"; if that tool is not
/// offered, the one instruction that must work under pressure names a tool the model does not
/// have — the guide's warning about tools mentioned but not passed, at the worst moment.
pub(super) fn escalation_tool_undefined(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(e) = &cx.agent.escalation else {
        return;
    };
    if cx.known_tools().contains(e.tool.as_str()) {
        return;
    }
    let hint = if e.tool == common_tool_name(CommonTool::EscalateToHuman) {
        "add `common_tools: [escalate_to_human]`, or define the tool under `tools`".to_owned()
    } else {
        format!(
            "define `{}` under `tools`, or set `escalation.tool` to a tool you offer",
            e.tool
        )
    };
    let written = cx.doc.value_at("escalation.tool").is_some();
    let mut d = Rule::EscalationToolUndefined
        .diagnostic(format!(
            "the escalation section calls `{}`, which is not defined",
            e.tool
        ))
        .at_opt(if written {
            cx.doc.span_of("escalation.tool")
        } else {
            cx.doc.key_span_of("escalation")
        });
    if !written {
        d = d.note("`escalation.tool` defaults to `escalate_to_human`");
    }
    out.push(d.hint(hint));
}
