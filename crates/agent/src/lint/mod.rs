//! The linter: advice about how an agent will behave, drawn from the Realtime Prompting Guide.
//!
//! [`crate::load`] rejects files that cannot work at all (codes `SB00xx`). The linter looks at
//! a file that loaded and reports what will make the model misbehave (codes `SB01xx`): a tool
//! the prompt names but the session does not offer, rules that contradict each other, flows
//! with holes, sample phrases without a variety rule, and so on. Each rule is a small function
//! whose doc comment says why it matters; [`RULES`] lists them all for SARIF and the docs.
//!
//! ```
//! use switchboard_agent::Date;
//!
//! let text = "name: a\nrole: When asked, call lookup_order(order_id).\n";
//! let loaded = switchboard_agent::load(text).expect("a valid agent");
//! let today = Date::parse("2026-12-07").expect("a date");
//! let found = switchboard_agent::lint(&loaded, today);
//! assert_eq!(found[0].code, "SB0101");
//! assert_eq!(found[0].span.map(|s| (s.line, s.column)), Some((2, 24)));
//! ```
//!
//! Everything here is pure and deterministic: the same file and the same `today` give the same
//! diagnostics, in file order. Today's date matters only to rules about dates (a model's
//! shutdown); the caller reads the clock, or passes a fixed day for reproducible runs.

use std::collections::BTreeSet;

use crate::date::Date;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::LoadedAgent;

mod budget;
mod escalation;
mod flow;
mod guards;
mod language;
mod length;
mod mcp;
mod models;
mod phrases;
mod prose;
mod readback;
mod schema;
mod tools;

use prose::Context;

/// Declares the rules once: the [`Rule`] enum the checks emit through, and [`RULES`].
macro_rules! rules {
    ($($name:ident = $code:literal, $severity:ident, $summary:literal;)*) => {
        /// A lint rule; the only way the linter creates a diagnostic, so every code it can
        /// emit is in [`RULES`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Rule {
            $($name,)*
        }

        impl Rule {
            /// The rule's stable code.
            pub(crate) const fn code(self) -> &'static str {
                match self {
                    $(Rule::$name => $code,)*
                }
            }

            const fn severity(self) -> Severity {
                match self {
                    $(Rule::$name => Severity::$severity,)*
                }
            }
        }

        /// Every lint rule: its stable code and a one-line summary (for SARIF and the docs).
        pub const RULES: &[(&str, &str)] = &[$(($code, $summary),)*];
    };
}

rules! {
    UndefinedTool = "SB0101", Error, "A tool named in the instructions is not defined (or not offered in that state).";
    UnusedTool = "SB0102", Warning, "A tool is defined but nothing says when to call it, or no dynamic state offers it.";
    ConfirmationContradicted = "SB0103", Error, "A global \"do not ask for confirmation\" or \"be proactive\" rule contradicts a confirmation-first tool.";
    UnknownPlaceholder = "SB0104", Error, "A preamble or confirmation phrase uses a {placeholder} that is not a parameter of its tool.";
    InvalidSchema = "SB0105", Error, "A tool's `parameters` is not a valid JSON Schema for an object.";
    RequiredNotProperty = "SB0106", Error, "A schema's `required` names a property it does not define.";
    UnknownLimitArgument = "SB0107", Error, "`limits.arguments` names a parameter the tool does not have.";
    WebhookNotHttp = "SB0108", Error, "A webhook URL is not an http(s) URL.";
    MissingReadback = "SB0109", Warning, "A tool takes a phone, card, account or ID number but no readback rule covers it.";
    UnknownState = "SB0110", Error, "A transition goes to a state that does not exist.";
    UnreachableState = "SB0111", Warning, "A state cannot be reached from the first (or initial) state.";
    DeadEndState = "SB0112", Warning, "A conversation state has no transitions but is not the last or a closing state.";
    NoTerminalState = "SB0113", Error, "No terminal state can be reached from the initial state of a dynamic flow.";
    UnknownSlot = "SB0114", Error, "A dynamic state requires a slot that is not defined, or a slot comes from an unknown tool or argument.";
    UnknownPhase = "SB0115", Error, "A flow phase's `next` names a phase that does not exist.";
    PhrasesWithoutVariety = "SB0116", Warning, "Sample phrases are given without a variety rule (`personality.variety`).";
    MixedLanguages = "SB0117", Warning, "Examples and sample phrases are in several languages but there is no language rule.";
    ConflictingLength = "SB0118", Warning, "Length rules ask for different numbers of sentences.";
    EscalationWithoutSection = "SB0119", Warning, "An escalation tool is offered without a Safety & Escalation section.";
    EscalationToolUndefined = "SB0120", Error, "The Safety & Escalation section calls a tool that is not defined.";
    OverTokenBudget = "SB0121", Warning, "The rendered instructions are longer than `lint.max_instruction_tokens`.";
    UnknownAllowCode = "SB0122", Warning, "`lint.allow` lists a code that is not a lint rule.";
    ModelShutdown = "SB0123", Warning, "The model is shut down, or will be within 60 days.";
    UnknownModel = "SB0124", Warning, "The model is not one of the Realtime models Switchboard knows.";
    PromptShutDown = "SB0125", Error, "`prompt` names a stored prompt, and the prompt-objects API was shut down on 2026-11-30.";
    ReasoningUnsupported = "SB0126", Warning, "`reasoning` is set for a model that does not reason, or with an effort the model does not take.";
    McpToolNotAllowed = "SB0127", Error, "An MCP tool with guidance is not in its server's `allowed_tools`, or a confirmation-first one is on a server without `allowed_tools`.";
    McpApprovalContradicted = "SB0128", Error, "A hand-written `require_approval` lets a confirmation-first MCP tool run without approval.";
    ModelProtocol = "SB0129", Error, "The model speaks the GPT-Live protocol, which Switchboard does not serve.";
    UnknownGuardName = "SB0130", Error, "A guard's rule reads a name, tool, slot, capture or argument that does not exist.";
    UnknownGuardField = "SB0131", Error, "A guard's rule reads a field that the tool's `output_schema` (or the value's schema) does not define.";
    GuardTypeMismatch = "SB0132", Error, "A guard's rule compares a field with a literal of another type, or with a value its `enum` does not allow.";
    GuardResultUnavailable = "SB0133", Error, "A guard's rule reads the result of a tool that cannot have run before it.";
}

impl Rule {
    /// A diagnostic of this rule, with the rule's severity.
    pub(crate) fn diagnostic(self, message: impl Into<String>) -> Diagnostic {
        match self.severity() {
            Severity::Error => Diagnostic::error(self.code(), message),
            Severity::Warning => Diagnostic::warning(self.code(), message),
        }
    }
}

/// Lints a loaded agent as of `today` (UTC): every finding, in file order, without the codes
/// the agent silences in `lint.allow`.
pub fn lint(loaded: &LoadedAgent, today: Date) -> Vec<Diagnostic> {
    let cx = Context::new(loaded);
    let mut out = Vec::new();
    tools::undefined_tool(&cx, &mut out);
    tools::unused_tool(&cx, &mut out);
    tools::confirmation_contradicted(&cx, &mut out);
    tools::unknown_placeholder(&cx, &mut out);
    tools::webhook_not_http(&cx, &mut out);
    schema::invalid_schema(&cx, &mut out);
    schema::required_not_property(&cx, &mut out);
    schema::unknown_limit_argument(&cx, &mut out);
    readback::missing_readback(&cx, &mut out);
    flow::unknown_state(&cx, &mut out);
    flow::unreachable_state(&cx, &mut out);
    flow::dead_end_state(&cx, &mut out);
    flow::no_terminal_state(&cx, &mut out);
    flow::unknown_slot(&cx, &mut out);
    flow::unknown_phase(&cx, &mut out);
    phrases::phrases_without_variety(&cx, &mut out);
    language::languages_without_rule(&cx, &mut out);
    length::conflicting_length(&cx, &mut out);
    escalation::escalation_without_section(&cx, &mut out);
    escalation::escalation_tool_undefined(&cx, &mut out);
    budget::over_token_budget(&cx, &mut out);
    models::model_shutdown(&cx, today, &mut out);
    models::unknown_model(&cx, &mut out);
    models::model_protocol(&cx, &mut out);
    models::reasoning_unsupported(&cx, &mut out);
    models::prompt_shut_down(&cx, &mut out);
    mcp::mcp_tool_not_allowed(&cx, &mut out);
    mcp::mcp_approval_contradicted(&cx, &mut out);
    guards::business_rules(&cx, &mut out);
    unknown_allow_code(&cx, &mut out);

    let allowed: BTreeSet<&str> = cx.agent.lint.allow.iter().map(String::as_str).collect();
    out.retain(|d| !allowed.contains(d.code));
    out.sort_by(|a, b| {
        let at = |d: &Diagnostic| d.span.map_or(usize::MAX, |s| s.offset);
        (at(a), a.code, &a.message).cmp(&(at(b), b.code, &b.message))
    });
    out
}

/// A code in `lint.allow` that is no lint rule silences nothing: usually a typo, which leaves
/// the finding it was meant to silence in place, or a loader code (`SB00xx`), which cannot be
/// silenced because the file would not load.
fn unknown_allow_code(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, code) in cx.agent.lint.allow.iter().enumerate() {
        if RULES.iter().any(|(known, _)| known == code) {
            continue;
        }
        let codes: Vec<String> = RULES.iter().map(|(c, _)| (*c).to_owned()).collect();
        let mut d = Rule::UnknownAllowCode
            .diagnostic(format!(
                "`lint.allow` lists `{code}`, which is not a lint rule"
            ))
            .at_opt(cx.doc.span_of(&format!("lint.allow[{i}]")));
        d = match crate::load::closest(code, &codes) {
            Some(best) => d.hint(format!("did you mean `{best}`?")),
            None => d.hint(format!(
                "lint codes run from {} to {}; see docs/lint.md",
                RULES[0].0,
                RULES[RULES.len() - 1].0
            )),
        };
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_the_lint_range() {
        let codes: BTreeSet<&str> = RULES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), RULES.len());
        assert!(codes.iter().all(|c| c.starts_with("SB01") && c.len() == 6));
    }

    #[test]
    fn allowed_codes_are_silenced() {
        let text = "name: a\nrole: Call lookup_order(id).\nlint:\n  allow: [SB0101]\n";
        let loaded = crate::load(text).expect("valid");
        assert_eq!(lint(&loaded, Date::known(2026, 12, 7)), vec![]);
    }
}
