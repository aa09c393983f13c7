//! Loading an agent file: text → [`Document`] → [`AgentFile`], with every problem reported as
//! a [`Diagnostic`] at its line and column.
//!
//! Loading checks what makes a file unusable: syntax, unknown keys, wrong types, missing
//! fields, duplicate ids and settings that contradict each other. Advice about how the agent
//! will behave is the linter's job.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Span};
use crate::model::{
    AgentFile, Behaviour, CallerField, Capture, CommonTool, Escalation, MAX_ESCALATION_GRACE_MS,
    RULE_NAMES,
};
use crate::source::{self, Document};
use serde_json::Value;

/// An agent file that loaded, with its positions for later diagnostics.
#[derive(Debug, Clone)]
pub struct LoadedAgent {
    /// The agent.
    pub agent: AgentFile,
    /// The parsed file, for positions.
    pub document: Document,
}

/// Loads an agent from YAML or JSON text. On failure, every problem found is returned.
pub fn load(text: &str) -> Result<LoadedAgent, Vec<Diagnostic>> {
    let document = source::parse(text).map_err(|d| vec![d])?;
    let agent: AgentFile = match serde_path_to_error::deserialize(document.value.clone()) {
        Ok(agent) => agent,
        Err(err) => {
            let path = err.path().to_string();
            return Err(vec![type_error(&document, &path, &err.inner().to_string())]);
        }
    };
    let problems = check(&agent, &document);
    if problems.is_empty() {
        Ok(LoadedAgent { agent, document })
    } else {
        Err(problems)
    }
}

/// Turns a serde message at `path` into a diagnostic placed on the offending key or value.
fn type_error(doc: &Document, path: &str, message: &str) -> Diagnostic {
    let path = if path == "." { "" } else { path };
    let place = if path.is_empty() {
        "the top level".to_owned()
    } else {
        format!("`{path}`")
    };
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((key, expected)) = rest.split_once('`')
    {
        let expected = expected_list(expected);
        // serde_path_to_error may already have stepped into the unknown key.
        let container = path
            .strip_suffix(key)
            .map_or(path, |p| p.trim_end_matches('.'));
        let place = if container.is_empty() {
            "the top level".to_owned()
        } else {
            format!("`{container}`")
        };
        let full = if container.is_empty() {
            key.to_owned()
        } else {
            format!("{container}.{key}")
        };
        let mut d = Diagnostic::error("SB0003", format!("unknown key `{key}` in {place}"))
            .at_opt(doc.key_span_of(&full));
        d = match closest(key, &expected) {
            Some(best) => d.hint(format!("did you mean `{best}`?")),
            None if !expected.is_empty() => {
                d.hint(format!("expected one of: {}", expected.join(", ")))
            }
            None => d,
        };
        return d;
    }
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        return Diagnostic::error(
            "SB0004",
            format!("missing required key `{field}` in {place}"),
        )
        .at_opt(doc.key_span_of(path))
        .hint(format!("add `{field}:` here"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((found, expected)) = rest.split_once('`')
    {
        let expected = expected_list(expected);
        let d = Diagnostic::error(
            "SB0005",
            format!("`{found}` is not a valid value for {place}"),
        )
        .at_opt(doc.span_of(path));
        return match closest(found, &expected) {
            Some(best) => d.hint(format!("did you mean `{best}`?")),
            None => d.hint(format!("expected one of: {}", expected.join(", "))),
        };
    }
    let detail =
        message
            .strip_prefix("invalid type: ")
            .map_or(message.to_owned(), |rest| {
                match rest.split_once(", expected ") {
                    Some((got, want)) => format!("expected {want}, found {got}"),
                    None => rest.to_owned(),
                }
            });
    Diagnostic::error("SB0005", format!("wrong value for {place}: {detail}"))
        .at_opt(doc.span_of(path))
}

/// Parses serde's "expected one of `a`, `b`" tail into names.
fn expected_list(tail: &str) -> Vec<String> {
    tail.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The candidate within edit distance 2 of `word`, if there is a single best one.
pub(crate) fn closest<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Capture names rules can read (SB0016): identifiers, none of the names rules already
/// have, and one name kept alike by every tool that keeps it (same key and argument), since a
/// rule reads one value under it.
fn captures(out: &mut Vec<Diagnostic>, agent: &AgentFile, doc: &Document) {
    let mut seen: BTreeMap<&str, (&str, &Capture)> = BTreeMap::new();
    for (i, tool) in agent.tools.iter().enumerate() {
        for (j, capture) in tool.captures.iter().enumerate() {
            let at = |field: &str| doc.span_of(&format!("tools[{i}].captures[{j}].{field}"));
            let name = capture.name.as_str();
            let identifier = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let problem = if !identifier {
                Some(format!(
                    "the capture name `{name}` of tool `{}` is not an identifier",
                    tool.name
                ))
            } else if RULE_NAMES.contains(&name) || CEL_WORDS.contains(&name) {
                Some(format!(
                    "the capture name `{name}` of tool `{}` is a name rules already use",
                    tool.name
                ))
            } else if let Some((other, first)) = seen.get(name)
                && (first.key != capture.key
                    || first.selecting_argument() != capture.selecting_argument())
            {
                Some(format!(
                    "tools `{other}` and `{}` keep `{name}` with different keys",
                    tool.name
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                out.push(
                    Diagnostic::error("SB0016", message)
                        .at_opt(at("name"))
                        .hint(format!("a capture name is an identifier other than {} and CEL's own words; tools keeping one name give it the same `key` and `argument`", RULE_NAMES.join(", "))),
                );
            }
            for (field, path) in [("path", &capture.path), ("key", &capture.key)] {
                if path
                    .as_deref()
                    .is_some_and(|p| p.split('.').any(str::is_empty))
                {
                    out.push(
                        Diagnostic::error("SB0016", format!("the capture `{name}` of tool `{}` has an empty segment in its `{field}`", tool.name))
                            .at_opt(at(field))
                            .hint("a dot path such as `reservation.id`"),
                    );
                }
            }
            seen.entry(name).or_insert((&tool.name, capture));
        }
    }
}

/// CEL's reserved words and literals: never a capture name.
const CEL_WORDS: [&str; 17] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
];

/// The escalation tool's reason argument must be one of its parameters (SB0017), when the
/// agent defines the tool with a schema that lists them.
fn reason_argument(out: &mut Vec<Diagnostic>, agent: &AgentFile, e: &Escalation, doc: &Document) {
    let Some(tool) = agent.tools.iter().find(|t| t.name == e.tool) else {
        return;
    };
    let Some(properties) = tool.parameters.get("properties").and_then(Value::as_object) else {
        return;
    };
    if !properties.is_empty() && !properties.contains_key(&e.reason_argument) {
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        out.push(
            Diagnostic::error(
                "SB0017",
                format!(
                    "the escalation tool `{}` has no argument `{}` to carry the reason",
                    e.tool, e.reason_argument
                ),
            )
            .at_opt(
                doc.span_of("escalation.reason_argument")
                    .or_else(|| doc.span_of("escalation.tool")),
            )
            .hint(format!(
                "set `escalation.reason_argument` to one of: {}",
                names.join(", ")
            )),
        );
    }
}

/// A guard's rule that is not CEL is load error SB0014 at `at`; `owner` names the tool or the
/// state the guard is on.
fn check_rule(out: &mut Vec<Diagnostic>, owner: &str, rule: &str, at: Option<Span>) {
    if let Err(why) = parse_rule(rule) {
        out.push(
            Diagnostic::error(
                "SB0014",
                format!("the rule of a guard of {owner} is not a CEL expression: {why}"),
            )
            .at_opt(at)
            .hint("a rule is a CEL expression over args, results, slots, state, now and called(tool, args), e.g. `results.get_reservation_details.cabin != \"basic_economy\"`"),
        );
    }
}

/// Parses a guard's rule as CEL; the error says where in the rule it went wrong. The parser is
/// generated code: a panic in it is a bad rule, not a crash.
fn parse_rule(rule: &str) -> Result<(), String> {
    match std::panic::catch_unwind(|| cel::Program::compile(rule).map(|_| ())) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the rule could not be parsed".to_owned()),
    }
}

/// Checks that need the whole file: ids, and settings that must go together.
fn check(agent: &AgentFile, doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if agent.name.is_empty()
        || !agent
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        out.push(
            Diagnostic::error(
                "SB0006",
                format!(
                    "agent name `{}` may only use letters, digits, `-` and `_`",
                    agent.name
                ),
            )
            .at_opt(doc.span_of("name"))
            .hint("the name appears in URLs and records; use e.g. `northloop-support`"),
        );
    }

    if agent.role.is_empty() && !agent.leaves(CallerField::Instructions) {
        out.push(
            Diagnostic::error("SB0004", "missing `role`".to_owned())
                .at_opt(doc.span_of(""))
                .hint("say who the agent is and what done means, or add `leave_to_caller: [instructions]` for a pass-through agent"),
        );
    }

    let mut tool_names: Vec<(String, String)> = agent
        .tools
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), format!("tools[{i}].name")))
        .collect();
    for (i, common) in agent.common_tools.iter().enumerate() {
        tool_names.push((
            common_tool_name(*common).to_owned(),
            format!("common_tools[{i}]"),
        ));
    }
    if let Some(s) = &agent.supervisor {
        tool_names.push((s.tool_name.clone(), "supervisor.tool_name".to_owned()));
    }
    duplicates(&mut out, doc, "tool", &tool_names);

    for (i, state) in agent
        .dynamic
        .iter()
        .flat_map(|d| d.states.iter())
        .enumerate()
    {
        for (j, guard) in state.guards.iter().enumerate() {
            let at = |field: &str| doc.span_of(&format!("dynamic.states[{i}].guards[{j}].{field}"));
            let owner = format!("state `{}`", state.id);
            check_rule(&mut out, &owner, &guard.rule, at("rule"));
            if let Some(to) = &guard.to
                && !state.transitions.contains(to)
            {
                out.push(
                    Diagnostic::error(
                        "SB0015",
                        format!("a guard of state `{}` is for the exit to `{to}`, which is not one of its transitions", state.id),
                    )
                    .at_opt(at("to"))
                    .hint(format!("the state's transitions: {}", state.transitions.join(", "))),
                );
            }
        }
    }
    for (i, tool) in agent.tools.iter().enumerate() {
        for (j, guard) in tool.guards.iter().enumerate() {
            let at = doc.span_of(&format!("tools[{i}].guards[{j}].rule"));
            check_rule(&mut out, &format!("`{}`", tool.name), &guard.rule, at);
        }
    }
    for (i, server) in agent.mcp_servers.iter().enumerate() {
        for (j, tool) in server.tools.iter().enumerate() {
            for (k, guard) in tool.guards.iter().enumerate() {
                let at = doc.span_of(&format!("mcp_servers[{i}].tools[{j}].guards[{k}].rule"));
                let owner = format!("MCP tool `{}.{}`", server.server_label, tool.name);
                check_rule(&mut out, &owner, &guard.rule, at);
            }
        }
    }
    captures(&mut out, agent, doc);
    if let Some(e) = &agent.escalation {
        reason_argument(&mut out, agent, e, doc);
    }

    let phases: Vec<_> = agent
        .flow
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), format!("flow[{i}].id")))
        .collect();
    duplicates(&mut out, doc, "phase", &phases);
    let states: Vec<_> = agent
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), format!("states[{i}].id")))
        .collect();
    duplicates(&mut out, doc, "state", &states);
    if let Some(dynamic) = &agent.dynamic {
        let ids: Vec<_> = dynamic
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), format!("dynamic.states[{i}].id")))
            .collect();
        duplicates(&mut out, doc, "state", &ids);
        let slots: Vec<_> = dynamic
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), format!("dynamic.slots[{i}].name")))
            .collect();
        duplicates(&mut out, doc, "slot", &slots);
        if !dynamic.states.iter().any(|s| s.id == dynamic.initial) {
            out.push(
                Diagnostic::error(
                    "SB0008",
                    format!(
                        "initial state `{}` is not one of the dynamic states",
                        dynamic.initial
                    ),
                )
                .at_opt(doc.span_of("dynamic.initial")),
            );
        }
    }

    for (i, tool) in agent.tools.iter().enumerate() {
        let at = |field: &str| doc.span_of(&format!("tools[{i}].{field}"));
        behaviour_settings(
            &mut out,
            doc,
            &format!("tools[{i}]"),
            &Behaved {
                name: &tool.name,
                behaviour: tool.behaviour,
                confirmation_phrase: tool.confirmation_phrase.is_some(),
                confirm: !tool.confirm.is_empty(),
                preamble_phrases: !tool.preamble_phrases.is_empty(),
            },
        );
        // The engine holds a call until its question names these arguments: one the tool
        // does not have could never be named, and the tool would never run.
        let parameters: Vec<&str> = tool
            .parameters
            .get("properties")
            .and_then(|p| p.as_object())
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for (j, argument) in tool.confirm.arguments.iter().enumerate() {
            if !parameters.contains(&argument.as_str()) {
                out.push(
                    Diagnostic::error(
                        "SB0010",
                        format!(
                            "`confirm.arguments` of tool `{}` names `{argument}`, which is not one of its parameters",
                            tool.name
                        ),
                    )
                    .at_opt(at(&format!("confirm.arguments[{j}]")))
                    .hint(if parameters.is_empty() {
                        "the tool's `parameters` defines no properties".to_owned()
                    } else {
                        format!("its parameters are: {}", parameters.join(", "))
                    }),
                );
            }
        }
        if !tool.parameters.is_object() {
            out.push(
                Diagnostic::error(
                    "SB0005",
                    format!(
                        "`parameters` of tool `{}` must be a JSON Schema object",
                        tool.name
                    ),
                )
                .at_opt(at("parameters")),
            );
        }
    }

    reasoning_settings(&mut out, agent, doc);
    mcp_servers(&mut out, agent, doc);

    if let Some(e) = &agent.escalation {
        // The engine escalates after exactly these counts: none of them can be zero.
        for (field, value) in [
            ("failed_tool_attempts", e.thresholds.failed_tool_attempts),
            ("no_input_or_match", e.thresholds.no_input_or_match),
        ] {
            if value == 0 {
                out.push(
                    Diagnostic::error(
                        "SB0005",
                        format!("`escalation.thresholds.{field}` must be at least 1"),
                    )
                    .at_opt(doc.span_of(&format!("escalation.thresholds.{field}"))),
                );
            }
        }
        if e.grace_ms > MAX_ESCALATION_GRACE_MS {
            out.push(
                Diagnostic::error(
                    "SB0005",
                    format!(
                        "`escalation.grace_ms` is {}, more than {MAX_ESCALATION_GRACE_MS}",
                        e.grace_ms
                    ),
                )
                .at_opt(doc.span_of("escalation.grace_ms"))
                .hint("past a threshold the caller waits for the hand-off; 0 escalates at once"),
            );
        }
    }
    out
}

/// What the behaviour checks need to know of a function tool or an MCP tool.
struct Behaved<'a> {
    name: &'a str,
    behaviour: Behaviour,
    confirmation_phrase: bool,
    confirm: bool,
    preamble_phrases: bool,
}

/// A confirmation-first tool needs the question it asks, a preamble tool its lines, and
/// neither setting means anything on a tool of another behaviour.
fn behaviour_settings(out: &mut Vec<Diagnostic>, doc: &Document, path: &str, tool: &Behaved<'_>) {
    let at = |field: &str| doc.span_of(&format!("{path}.{field}"));
    let name = tool.name;
    match tool.behaviour {
        Behaviour::ConfirmationFirst if !tool.confirmation_phrase => out.push(
            Diagnostic::error("SB0009", format!("confirmation-first tool `{name}` has no `confirmation_phrase`"))
                .at_opt(at("behaviour"))
                .hint("add the question the agent asks, e.g. \"I can issue a credit—would you like me to go ahead?\""),
        ),
        Behaviour::Preamble if !tool.preamble_phrases => out.push(
            Diagnostic::error("SB0009", format!("preamble tool `{name}` has no `preamble_phrases`"))
                .at_opt(at("behaviour"))
                .hint("add one or more short lines such as \"I’m checking that now.\""),
        ),
        _ => {}
    }
    if tool.behaviour != Behaviour::ConfirmationFirst && tool.confirmation_phrase {
        out.push(
            Diagnostic::error(
                "SB0009",
                format!("tool `{name}` has a `confirmation_phrase` but is not confirmation-first"),
            )
            .at_opt(at("confirmation_phrase"))
            .hint("set `behaviour: confirmation_first`, or remove the phrase"),
        );
    }
    if tool.behaviour != Behaviour::ConfirmationFirst && tool.confirm {
        out.push(
            Diagnostic::error(
                "SB0009",
                format!("tool `{name}` has `confirm` but is not confirmation-first"),
            )
            .at_opt(at("confirm"))
            .hint("set `behaviour: confirmation_first`, or remove `confirm`"),
        );
    }
}

/// A state's effort replaces the agent's while the call is in it. Leaving it must put an
/// effort back, and `session.update` only replaces what it carries: without an effort of the
/// agent's to send, the next state would keep this one's.
fn reasoning_settings(out: &mut Vec<Diagnostic>, agent: &AgentFile, doc: &Document) {
    if agent.reasoning.is_some() {
        return;
    }
    let Some(flow) = &agent.dynamic else { return };
    for (i, state) in flow.states.iter().enumerate() {
        if state.reasoning.is_some() {
            out.push(
                Diagnostic::error(
                    "SB0011",
                    format!(
                        "dynamic state `{}` sets `reasoning` but the agent does not",
                        state.id
                    ),
                )
                .at_opt(doc.span_of(&format!("dynamic.states[{i}].reasoning")))
                .hint("add `reasoning: {effort: …}` at the top level: the other states use it, and leaving this state returns to it"),
            );
        }
    }
}

/// MCP servers: how to reach each, credentials only by environment variable, unique labels and
/// tool guidance that makes sense for its behaviour.
fn mcp_servers(out: &mut Vec<Diagnostic>, agent: &AgentFile, doc: &Document) {
    let labels: Vec<(String, String)> = agent
        .mcp_servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                s.server_label.clone(),
                format!("mcp_servers[{i}].server_label"),
            )
        })
        .collect();
    duplicates(out, doc, "MCP server", &labels);
    for (i, server) in agent.mcp_servers.iter().enumerate() {
        let path = format!("mcp_servers[{i}]");
        let at = |field: &str| doc.span_of(&format!("{path}.{field}"));
        let label = &server.server_label;
        if label.is_empty()
            || !label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            out.push(
                Diagnostic::error(
                    "SB0005",
                    format!("MCP server label `{label}` may only use letters, digits, `-` and `_`"),
                )
                .at_opt(at("server_label")),
            );
        }
        match (&server.server_url, &server.connector_id) {
            (Some(_), Some(_)) => out.push(
                Diagnostic::error(
                    "SB0012",
                    format!("MCP server `{label}` has both `server_url` and `connector_id`"),
                )
                .at_opt(at("connector_id"))
                .hint("keep the one the provider should call"),
            ),
            (None, None) => out.push(
                Diagnostic::error(
                    "SB0012",
                    format!("MCP server `{label}` has neither `server_url` nor `connector_id`"),
                )
                .at_opt(at("server_label"))
                .hint("add `server_url: https://…`, or the `connector_id` of a built-in connector"),
            ),
            _ => {}
        }
        // Secrets stay out of agent files, which are checked in and shown in reviews; a value
        // that is no variable name is most likely the secret itself, so it is not repeated.
        let mut variables: Vec<(String, &str)> = Vec::new();
        if let Some(var) = &server.authorization_env {
            variables.push((format!("{path}.authorization_env"), var));
        }
        for (header, var) in &server.headers_env {
            variables.push((format!("{path}.headers_env.{header}"), var));
        }
        for (at_path, var) in variables {
            if !is_variable_name(var) {
                out.push(
                    Diagnostic::error(
                        "SB0013",
                        format!(
                            "`{}` must name an environment variable, not hold a value",
                            at_path.strip_prefix(&format!("{path}.")).unwrap_or(&at_path)
                        ),
                    )
                    .at_opt(doc.span_of(&at_path))
                    .hint("put the secret in an environment variable of the gateway and write its name here, e.g. `CALENDAR_TOKEN`"),
                );
            }
        }
        let tools: Vec<(String, String)> = server
            .tools
            .iter()
            .enumerate()
            .map(|(j, t)| (t.name.clone(), format!("{path}.tools[{j}].name")))
            .collect();
        duplicates(out, doc, "MCP tool", &tools);
        for (j, tool) in server.tools.iter().enumerate() {
            behaviour_settings(
                out,
                doc,
                &format!("{path}.tools[{j}]"),
                &Behaved {
                    name: &tool.name,
                    behaviour: tool.behaviour,
                    confirmation_phrase: tool.confirmation_phrase.is_some(),
                    confirm: !tool.confirm.is_empty(),
                    preamble_phrases: !tool.preamble_phrases.is_empty(),
                },
            );
        }
    }
}

/// `CALENDAR_TOKEN`: what a shell accepts as a variable name.
fn is_variable_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn duplicates(out: &mut Vec<Diagnostic>, doc: &Document, what: &str, ids: &[(String, String)]) {
    // In file order, so the second occurrence is the one reported.
    let mut ids: Vec<&(String, String)> = ids.iter().collect();
    ids.sort_by_key(|(_, path)| doc.span_of(path).map_or(usize::MAX, |s| s.offset));
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, path) in ids {
        match seen.get(id.as_str()) {
            Some(first) => {
                let first_line = doc.span_of(first).map(|s: Span| s.line);
                let mut d = Diagnostic::error("SB0007", format!("duplicate {what} id `{id}`"))
                    .at_opt(doc.span_of(path))
                    .hint(format!("each {what} needs its own id"));
                if let Some(line) = first_line {
                    d = d.note(format!("first defined at line {line}"));
                }
                out.push(d);
            }
            None => {
                seen.insert(id, path);
            }
        }
    }
}

/// The guide's name of a common tool.
pub fn common_tool_name(tool: CommonTool) -> &'static str {
    match tool {
        CommonTool::Answer => "answer",
        CommonTool::EscalateToHuman => "escalate_to_human",
        CommonTool::FinishSession => "finish_session",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        load(text).expect_err("the file is invalid")
    }

    #[test]
    fn a_minimal_agent_loads_with_defaults() {
        let loaded = load("name: tiny\nrole: You are a helpful agent.\n").expect("valid");
        assert_eq!(loaded.agent.model, "gpt-realtime-2.1");
        assert_eq!(loaded.agent.audio.voice, "marin");
    }

    #[test]
    fn an_unknown_key_is_reported_at_the_key_with_a_suggestion() {
        let d = &errors(
            "name: a\nrole: r\ntools:\n  - name: t\n    description: d\n    use_wen: always\n",
        )[0];
        assert_eq!(d.code, "SB0003");
        assert_eq!(d.message, "unknown key `use_wen` in `tools[0]`");
        assert_eq!(d.span.map(|s| (s.line, s.column)), Some((6, 5)));
        assert_eq!(d.hint.as_deref(), Some("did you mean `use_when`?"));
    }

    #[test]
    fn a_wrong_type_is_reported_at_the_value() {
        let d = &errors("name: a\nrole: r\naudio:\n  speed: fast\n")[0];
        assert_eq!(d.code, "SB0005");
        assert_eq!(d.span.map(|s| (s.line, s.column)), Some((4, 10)));
        assert!(d.message.contains("audio.speed"), "{}", d.message);
    }

    #[test]
    fn duplicate_tool_names_are_caught_across_common_tools() {
        let d = &errors(
            "name: a\nrole: r\ncommon_tools: [finish_session]\ntools:\n  - name: finish_session\n    description: d\n",
        )[0];
        assert_eq!(d.code, "SB0007");
        assert_eq!(d.span.map(|s| s.line), Some(5));
    }

    #[test]
    fn capture_names_are_identifiers_not_taken_and_kept_alike() {
        let two = |first: &str, second: &str| {
            format!(
                "name: a\nrole: r\ntools:\n  - name: by_email\n    description: d\n    captures: [{first}]\n  - name: by_zip\n    description: d\n    captures: [{second}]\n"
            )
        };
        let loaded = load(&two(
            "{name: user_id}",
            "{name: order, path: order, key: order_id}",
        ))
        .expect("valid");
        assert_eq!(
            loaded.agent.tools[1].captures[0].selecting_argument(),
            Some("order_id")
        );
        load(&two("{name: user_id}", "{name: user_id}")).expect("one name, kept alike");
        let d = &errors(&two("{name: user_id}", "{name: user-id}"))[0];
        assert_eq!(d.code, "SB0016");
        assert!(d.message.contains("not an identifier"), "{}", d.message);
        assert_eq!(d.span.map(|s| (s.line, s.column)), Some((9, 23)));
        let d = &errors(&two("{name: args}", "{name: x}"))[0];
        assert_eq!(d.code, "SB0016");
        assert!(
            d.message.contains("a name rules already use"),
            "{}",
            d.message
        );
        let d = &errors(&two("{name: o, key: id}", "{name: o, key: order_id}"))[0];
        assert_eq!(d.code, "SB0016");
        assert!(d.message.contains("different keys"), "{}", d.message);
        let d = &errors(&two("{name: o, key: 'a..b'}", "{name: x}"))[0];
        assert_eq!(d.code, "SB0016");
        assert!(
            d.message.contains("empty segment in its `key`"),
            "{}",
            d.message
        );
    }

    #[test]
    fn escalation_grace_defaults_to_none_and_is_bounded() {
        let agent =
            |rest: &str| format!("name: a\nrole: r\nescalation:\n  triggers: t\n  say: s\n{rest}");
        let loaded = load(&agent("")).expect("valid");
        assert_eq!(loaded.agent.escalation.map(|e| e.grace_ms), Some(0));
        let loaded = load(&agent("  grace_ms: 8000\n")).expect("valid");
        assert_eq!(loaded.agent.escalation.map(|e| e.grace_ms), Some(8_000));
        let d = &errors(&agent("  grace_ms: 60000\n"))[0];
        assert_eq!(d.code, "SB0005");
        assert_eq!(d.span.map(|s| s.line), Some(6));
        let d = &errors(&agent("  thresholds: {failed_tool_attempts: 0}\n"))[0];
        assert_eq!(d.code, "SB0005");
        assert!(d.message.contains("failed_tool_attempts"), "{}", d.message);
    }

    #[test]
    fn confirm_names_parameters_of_a_confirmation_first_tool() {
        let tool = |rest: &str| {
            format!(
                "name: a\nrole: r\ntools:\n  - name: refund\n    description: d\n{rest}    parameters: {{type: object, properties: {{minutes: {{type: integer}}}}}}\n"
            )
        };
        let first = "    behaviour: confirmation_first\n    confirmation_phrase: Shall I?\n";
        let loaded = load(&tool(&format!(
            "{first}    confirm: {{arguments: [minutes]}}\n"
        )))
        .expect("valid");
        assert_eq!(loaded.agent.tools[0].confirm.arguments, ["minutes"]);
        let d = &errors(&tool(&format!(
            "{first}    confirm:\n      arguments: [minutes, hours]\n"
        )))[0];
        assert_eq!(d.code, "SB0010");
        assert!(d.message.contains("`hours`"), "{}", d.message);
        assert_eq!(d.span.map(|s| (s.line, s.column)), Some((9, 28)));
        let d = &errors(&tool("    confirm: {arguments: [minutes]}\n"))[0];
        assert_eq!(d.code, "SB0009");
    }

    #[test]
    fn a_confirmation_first_tool_needs_its_phrase() {
        let d = &errors(
            "name: a\nrole: r\ntools:\n  - name: refund\n    description: d\n    behaviour: confirmation_first\n",
        )[0];
        assert_eq!(d.code, "SB0009");
    }

    #[test]
    fn a_state_effort_needs_one_of_the_agents_to_return_to() {
        let flow = "dynamic:\n  initial: a\n  states:\n    - id: a\n      instructions: x\n      reasoning: {effort: high}\n";
        let d = &errors(&format!("name: a\nrole: r\n{flow}"))[0];
        assert_eq!(d.code, "SB0011");
        assert_eq!(d.span.map(|s| s.line), Some(8));
        load(&format!(
            "name: a\nrole: r\nreasoning: {{effort: low}}\n{flow}"
        ))
        .expect("valid");
        let d = &errors("name: a\nrole: r\nreasoning: {effort: huge}\n")[0];
        assert_eq!(d.code, "SB0005");
        assert_eq!(d.hint.as_deref(), Some("did you mean `high`?"));
    }

    #[test]
    fn a_guard_rule_that_is_not_cel_is_placed_at_its_line() {
        let agent = |rule: &str| {
            format!(
                "name: a\nrole: r\ntools:\n  - name: t\n    description: d\n    guards:\n      - rule: '{rule}'\n        say: No.\n"
            )
        };
        load(&agent("args.minutes <= 60")).expect("valid");
        let d = &errors(&agent("args.minutes <="))[0];
        assert_eq!((d.code, d.span.map(|s| s.line)), ("SB0014", Some(7)));
        assert!(d.message.contains("`t`"), "{}", d.message);
    }

    #[test]
    fn an_exit_guard_is_for_one_of_the_states_exits() {
        let agent = |to: &str| {
            format!(
                "name: a\nrole: r\ndynamic:\n  initial: v\n  states:\n    - id: v\n      instructions: [x]\n      transitions: [w]\n      guards:\n        - to: {to}\n          rule: 'true'\n          say: No.\n    - id: w\n      instructions: [y]\n"
            )
        };
        load(&agent("w")).expect("valid");
        let d = &errors(&agent("z"))[0];
        assert_eq!((d.code, d.span.map(|s| s.line)), ("SB0015", Some(10)));
    }

    #[test]
    fn an_mcp_server_is_reached_one_way_with_credentials_named_not_written() {
        let server =
            |rest: &str| format!("name: a\nrole: r\nmcp_servers:\n  - server_label: cal\n{rest}");
        load(&server(
            "    server_url: https://mcp.example.com\n    authorization_env: CAL_TOKEN\n",
        ))
        .expect("valid");
        let d = &errors(&server("    authorization_env: CAL_TOKEN\n"))[0];
        assert_eq!((d.code, d.span.map(|s| s.line)), ("SB0012", Some(4)));
        let d = &errors(&server(
            "    server_url: https://x\n    connector_id: connector_gmail\n",
        ))[0];
        assert_eq!(d.code, "SB0012");
        let secret = "Bearer sk-live-1234";
        let d = &errors(&server(&format!(
            "    server_url: https://x\n    headers_env:\n      Authorization: {secret}\n"
        )))[0];
        assert_eq!(d.code, "SB0013");
        assert_eq!(d.span.map(|s| s.line), Some(7));
        assert!(
            !d.message.contains(secret) && !d.hint.as_deref().unwrap_or_default().contains(secret)
        );
        let d = &errors(&server(
            "    server_url: https://x\n    tools:\n      - name: book\n        behaviour: confirmation_first\n",
        ))[0];
        assert_eq!((d.code, d.span.map(|s| s.line)), ("SB0009", Some(8)));
        let d = &errors(
            "name: a\nrole: r\nmcp_servers:\n  - {server_label: cal, server_url: 'https://x'}\n  - {server_label: cal, server_url: 'https://y'}\n",
        )[0];
        assert_eq!((d.code, d.span.map(|s| s.line)), ("SB0007", Some(5)));
    }
}
