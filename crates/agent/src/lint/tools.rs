//! Rules about tools: the prompt and the tool list must agree.

use super::Rule;
use super::prose::{
    Context, Owner, normalize, parameter_names, placeholders, tool_mentions, word_positions,
};
use crate::diagnostic::Diagnostic;
use crate::load::common_tool_name;
use crate::model::{Behaviour, Run, Webhook};

/// SB0101. The guide: "if you have conflicting instructions in your prompt to what the model
/// is expecting, such as mentioning tools in your prompt NOT passed in the tools list, it can
/// lead to bad responses." A mention is a function-shaped name followed by `(` or between
/// backticks, or any name after "call"; parameters, slots and state ids are not tools.
///
/// In a dynamic flow only the current state's tools are passed, so a state's own text may only
/// name the tools it lists (plus the common, supervisor and state-change tools), text sent in
/// every state may only name tools every state lists, and a state listing a tool that is not
/// defined cannot even be rendered.
pub(super) fn undefined_tool(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let known = cx.known_tools();
    let others = cx.other_identifiers();
    let known_names: Vec<String> = known.iter().map(|s| (*s).to_owned()).collect();
    for prose in &cx.prose {
        for m in tool_mentions(prose.text) {
            if others.contains(m.name) {
                continue;
            }
            let span = cx.span_within(&prose.path, m.start, m.len);
            if !known.contains(m.name) {
                let mut d = Rule::UndefinedTool
                    .diagnostic(format!(
                        "tool `{}` is named in the instructions but not defined",
                        m.name
                    ))
                    .at_opt(span)
                    .note("the model follows the prompt closely: naming a tool it was not given leads to bad responses");
                d = match crate::load::closest(m.name, &known_names) {
                    Some(best) => d.hint(format!("did you mean `{best}`?")),
                    None => {
                        d.hint("define it under `tools` (or `common_tools`), or remove the mention")
                    }
                };
                out.push(d);
                continue;
            }
            let defined = a.tools.iter().any(|t| t.name == m.name);
            if let (Owner::Global, Some(flow), true) = (prose.owner, &a.dynamic, defined) {
                let missing: Vec<String> = flow
                    .states
                    .iter()
                    .filter(|s| !s.tools.iter().any(|t| t == m.name))
                    .map(|s| format!("`{}`", s.id))
                    .collect();
                if !missing.is_empty() {
                    out.push(
                        Rule::UndefinedTool
                            .diagnostic(format!(
                                "tool `{}` is named in text sent in every state, but {} {} not offer it",
                                m.name,
                                missing.join(", "),
                                if missing.len() == 1 { "does" } else { "do" }
                            ))
                            .at_opt(span)
                            .note("a dynamic state passes only the tools it lists")
                            .hint("move the mention into the instructions of the states that offer the tool, or offer it in every state"),
                    );
                }
            }
            if let (Owner::DynamicState(i), Some(flow)) = (prose.owner, &a.dynamic) {
                let state = &flow.states[i];
                let offered = !defined || state.tools.iter().any(|t| t == m.name);
                if !offered {
                    out.push(
                        Rule::UndefinedTool
                            .diagnostic(format!(
                                "tool `{}` is named in state `{}` but not offered in it",
                                m.name, state.id
                            ))
                            .at_opt(span)
                            .note("a dynamic state passes only the tools it lists")
                            .hint(format!(
                                "add `{}` to `dynamic.states[{i}].tools`, or remove the mention",
                                m.name
                            )),
                    );
                }
            }
        }
    }
    let tool_names: Vec<String> = a.tools.iter().map(|t| t.name.clone()).collect();
    let mut listed = |path: String, name: &str, whose: &str| {
        let common = a.common_tools.iter().any(|c| common_tool_name(*c) == name);
        if tool_names.iter().any(|t| t == name) {
            return;
        }
        let d = if common {
            Rule::UndefinedTool
                .diagnostic(format!(
                    "{whose} lists common tool `{name}`, which is offered everywhere already"
                ))
                .at_opt(cx.doc.span_of(&path))
                .hint("only tools defined under `tools` belong in this list; remove it")
        } else {
            let d = Rule::UndefinedTool
                .diagnostic(format!("{whose} lists tool `{name}`, which is not defined"))
                .at_opt(cx.doc.span_of(&path));
            match crate::load::closest(name, &tool_names) {
                Some(best) => d.hint(format!("did you mean `{best}`?")),
                None => d.hint("define it under `tools`, or remove it from the list"),
            }
        };
        out.push(d);
    };
    if let Some(flow) = &a.dynamic {
        for (i, state) in flow.states.iter().enumerate() {
            for (j, name) in state.tools.iter().enumerate() {
                let whose = format!("dynamic state `{}`", state.id);
                listed(format!("dynamic.states[{i}].tools[{j}]"), name, &whose);
            }
        }
    }
    if let Some(s) = &a.supervisor {
        for (j, name) in s.tools.iter().enumerate() {
            listed(format!("supervisor.tools[{j}]"), name, "the supervisor");
        }
    }
}

/// SB0102. The guide asks to "explicitly guide the model on when to use each tool and just as
/// importantly, when not to". A tool with no `use_when` that no other text names leaves the
/// model to guess from its description. In a dynamic flow, a tool no state lists is never
/// passed to the model at all.
pub(super) fn unused_tool(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    for (i, tool) in a.tools.iter().enumerate() {
        let name = tool.name.as_str();
        let for_supervisor = a
            .supervisor
            .as_ref()
            .is_some_and(|s| s.tools.iter().any(|t| t == name));
        let at = cx.doc.span_of(&format!("tools[{i}].name"));
        if let Some(flow) = &a.dynamic {
            if !for_supervisor
                && !flow
                    .states
                    .iter()
                    .any(|s| s.tools.iter().any(|t| t == name))
            {
                out.push(
                    Rule::UnusedTool
                        .diagnostic(format!("tool `{name}` is defined but no dynamic state offers it"))
                        .at_opt(at)
                        .note("a dynamic state passes only the tools it lists, so the model never sees this one")
                        .hint("add it to the `tools` of the states that need it, or remove it"),
                );
            }
            continue;
        }
        let guided = tool
            .use_when
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty());
        let escalates = a.escalation.as_ref().is_some_and(|e| e.tool == name);
        let mentioned = cx
            .prose
            .iter()
            .any(|p| p.owner != Owner::Tool(i) && !word_positions(p.text, name).is_empty());
        if !(guided || escalates || mentioned || for_supervisor) {
            out.push(
                Rule::UnusedTool
                    .diagnostic(format!("tool `{name}` is defined but nothing says when to call it"))
                    .at_opt(at)
                    .hint(format!(
                        "add `use_when` (and `avoid_when`), or name `{name}` where the flow needs it"
                    )),
            );
        }
    }
}

/// Phrases of a global rule that tell the model never to confirm before calling tools.
const NO_CONFIRMATION: &[&str] = &[
    "do not ask for any user confirmation",
    "do not ask for confirmation",
    "do not ask for any confirmation",
    "don't ask for confirmation",
    "don't ask for any confirmation",
    "never ask for confirmation",
    "never ask for any confirmation",
    "never ask for permission",
    "do not ask for permission",
    "don't ask for permission",
    "without asking for confirmation",
    "without asking for permission",
    "without asking first",
    "no confirmation needed",
    "be proactive",
];

/// Words that scope a rule to some tools, so that it is not global.
const SCOPED: &[&str] = &[
    "marked",
    "proactive tools",
    "read tools",
    "read-only",
    "except",
    "unless",
];

/// SB0103. The guide's global rule "When calling a tool, do not ask for any user
/// confirmation. Be proactive" removes confirmation loops; its per-tool pattern marks WRITE
/// tools "CONFIRMATION FIRST: always ask for confirmation". Both at once is a contradiction,
/// and the guide warns that conflicting instructions lead to bad responses (and "proactive"
/// makes the model jump to calls).
pub(super) fn confirmation_contradicted(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let confirming: Vec<&str> = a
        .tools
        .iter()
        .filter(|t| t.behaviour == Behaviour::ConfirmationFirst)
        .map(|t| t.name.as_str())
        .collect();
    if confirming.is_empty() {
        return;
    }
    let global = cx
        .prose
        .iter()
        .filter(|p| p.path.starts_with("tool_rules") || p.path.starts_with("instructions.rules"));
    for prose in global {
        let text = normalize(prose.text);
        if SCOPED.iter().any(|s| text.contains(s))
            || a.tools
                .iter()
                .any(|t| !word_positions(prose.text, &t.name).is_empty())
        {
            continue;
        }
        let Some((byte, phrase)) = NO_CONFIRMATION
            .iter()
            .filter_map(|p| text.find(p).map(|at| (at, *p)))
            .min()
        else {
            continue;
        };
        // `normalize` keeps characters one for one, so char offsets match the original.
        let start = text[..byte].chars().count();
        let list: Vec<String> = confirming.iter().map(|n| format!("`{n}`")).collect();
        out.push(
            Rule::ConfirmationContradicted
                .diagnostic(format!(
                    "this global rule says \"{phrase}\", but {} {} confirmation-first",
                    list.join(", "),
                    if list.len() == 1 { "is" } else { "are" }
                ))
                .at_opt(cx.span_within(&prose.path, start, phrase.chars().count()))
                .note("the renderer tells the model to always ask before calling a CONFIRMATION FIRST tool")
                .hint("scope the rule to the other tools (give them `behaviour: proactive`, which renders the guide's PROACTIVE rule), or remove it"),
        );
    }
}

/// SB0104. Preamble phrases may use `{parameter}` placeholders ("Let me look up your account
/// by {email} now."), which the model fills from the call's arguments. A placeholder that is
/// no parameter cannot be filled: the model says the braces or makes a value up.
pub(super) fn unknown_placeholder(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, tool) in cx.agent.tools.iter().enumerate() {
        let params = parameter_names(tool);
        let mut phrases: Vec<(String, &str)> = tool
            .preamble_phrases
            .iter()
            .enumerate()
            .map(|(j, p)| (format!("tools[{i}].preamble_phrases[{j}]"), p.as_str()))
            .collect();
        if let Some(p) = &tool.confirmation_phrase {
            phrases.push((format!("tools[{i}].confirmation_phrase"), p));
        }
        for (path, phrase) in phrases {
            for (name, start, len) in placeholders(phrase) {
                if params.contains(&name) {
                    continue;
                }
                let hint = if params.is_empty() {
                    format!(
                        "`{}` takes no parameters; remove the placeholder",
                        tool.name
                    )
                } else {
                    format!("its parameters are: {}", params.join(", "))
                };
                out.push(
                    Rule::UnknownPlaceholder
                        .diagnostic(format!(
                            "placeholder `{{{name}}}` is not a parameter of tool `{}`",
                            tool.name
                        ))
                        .at_opt(cx.span_within(&path, start, len))
                        .hint(hint),
                );
            }
        }
    }
}

/// SB0108. A webhook tool is POSTed over HTTP; any other scheme (or a bare host) fails on
/// every call, which the model experiences as a tool that always errors.
pub(super) fn webhook_not_http(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, tool) in cx.agent.tools.iter().enumerate() {
        let Run::Webhook(hook) = &tool.run else {
            continue;
        };
        let url = hook.url.trim();
        // A variable stands for a base URL the gateway knows when it runs.
        // A `${` left open is no URL at all.
        let lower = Webhook {
            url: url.to_owned(),
            secret_env: None,
        }
        .url_with(|_| Some("https://variable.invalid".to_owned()))
        .map(|u| u.to_ascii_lowercase())
        .unwrap_or_default();
        let host = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
        if host.is_some_and(|h| !h.is_empty() && !h.contains(char::is_whitespace)) {
            continue;
        }
        out.push(
            Rule::WebhookNotHttp
                .diagnostic(format!(
                    "webhook URL `{url}` of tool `{}` is not an http(s) URL",
                    tool.name
                ))
                .at_opt(cx.doc.span_of(&format!("tools[{i}].run.webhook.url")))
                .hint("use a full URL such as `https://tools.example.com/lookup`"),
        );
    }
}
