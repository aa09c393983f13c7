//! The text the model reads, gathered once with the serde path of each piece, and the small
//! scanners the rules share: tool mentions, whole words, `{placeholders}`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::diagnostic::Span;
use crate::load::{LoadedAgent, common_tool_name};
use crate::model::{AgentFile, Lines, Tool, Variety};
use crate::render::STATE_TOOL;
use crate::source::Document;

/// Where a piece of prose belongs, which decides what it may refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// Sent in every state: role, personality, rules, sections, escalation, …
    Global,
    /// Part of the definition of `tools[i]` (sent with the tool itself).
    Tool(usize),
    /// The supervisor's texts.
    Supervisor,
    /// `flow[i]`.
    Phase(usize),
    /// `states[i]`.
    GuideState(usize),
    /// `dynamic.states[i]`: sent only while in that state.
    DynamicState(usize),
}

/// One string of the agent file that ends up in front of a model.
#[derive(Debug, Clone)]
pub(crate) struct Prose<'a> {
    /// Serde path, for positions (`flow[2].respond[0]`).
    pub(crate) path: String,
    /// The text.
    pub(crate) text: &'a str,
    /// What it belongs to.
    pub(crate) owner: Owner,
    /// A line the agent may say (a sample phrase or an example), not an instruction.
    pub(crate) phrase: bool,
}

/// The agent, its positions and its prose, shared by every rule.
pub(crate) struct Context<'a> {
    pub(crate) agent: &'a AgentFile,
    pub(crate) doc: &'a Document,
    pub(crate) prose: Vec<Prose<'a>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(loaded: &'a LoadedAgent) -> Self {
        let mut cx = Self {
            agent: &loaded.agent,
            doc: &loaded.document,
            prose: Vec::new(),
        };
        cx.gather();
        cx
    }

    /// The span of `len` characters at character `start` of the string at `path`.
    pub(crate) fn span_within(&self, path: &str, start: usize, len: usize) -> Option<Span> {
        self.doc.span_within(path, start, len)
    }

    /// Names of the tools the whole agent offers: defined, common, the supervisor's, and the
    /// state-change tool of a dynamic flow.
    pub(crate) fn known_tools(&self) -> BTreeSet<&'a str> {
        let a = self.agent;
        let mut names: BTreeSet<&str> = a.tools.iter().map(|t| t.name.as_str()).collect();
        names.extend(a.common_tools.iter().map(|c| common_tool_name(*c)));
        if let Some(s) = &a.supervisor {
            names.insert(s.tool_name.as_str());
        }
        if a.dynamic.is_some() {
            names.insert(STATE_TOOL);
        }
        // MCP servers are offered in every state; the tools the agent names on them are the
        // ones it can know of (the rest the server lists at run time).
        for server in &a.mcp_servers {
            names.extend(server.tools.iter().map(|t| t.name.as_str()));
            names.extend(server.allowed_tools.iter().flatten().map(String::as_str));
        }
        names
    }

    /// Names that are not tools although they look like function names: parameters, slots,
    /// state and phase ids.
    pub(crate) fn other_identifiers(&self) -> BTreeSet<&'a str> {
        let a = self.agent;
        let mut names = BTreeSet::new();
        for tool in &a.tools {
            names.extend(parameter_names(tool));
        }
        names.extend(a.flow.iter().map(|p| p.id.as_str()));
        names.extend(a.states.iter().map(|s| s.id.as_str()));
        if let Some(d) = &a.dynamic {
            names.extend(d.states.iter().map(|s| s.id.as_str()));
            names.extend(d.slots.iter().map(|s| s.name.as_str()));
        }
        names.insert("next_state");
        names.insert("next_step");
        names.insert("relevantContextFromLastUserMessage");
        names
    }

    fn gather(&mut self) {
        let a = self.agent;
        use Owner::*;
        self.lines("role", &a.role, Global);
        let p = &a.personality;
        self.lines("personality.personality", &p.personality, Global);
        self.lines("personality.tone", &p.tone, Global);
        self.lines("personality.length", &p.length, Global);
        self.lines("personality.pacing", &p.pacing, Global);
        if let Some(language) = &p.language {
            for (i, mode) in language.modes.iter().enumerate() {
                self.text(
                    format!("personality.language.modes[{i}].rule"),
                    &mode.rule,
                    Global,
                );
            }
        }
        if let Some(Variety::Custom(lines)) = &p.variety {
            self.lines("personality.variety", lines, Global);
        }
        for (i, extra) in p.extra.iter().enumerate() {
            self.lines(
                &format!("personality.extra[{i}].lines"),
                &extra.lines,
                Global,
            );
        }
        self.lines("context", &a.context, Global);
        self.lines("tool_rules", &a.tool_rules, Global);
        for (i, tool) in a.tools.iter().enumerate() {
            let at = |field: &str| format!("tools[{i}].{field}");
            self.text(at("description"), &tool.description, Tool(i));
            for (field, text) in [
                ("use_when", &tool.use_when),
                ("avoid_when", &tool.avoid_when),
                ("on_failure", &tool.on_failure),
                ("confirmation_phrase", &tool.confirmation_phrase),
            ] {
                if let Some(text) = text {
                    self.text(at(field), text, Tool(i));
                }
            }
            for (j, phrase) in tool.preamble_phrases.iter().enumerate() {
                self.phrase(at(&format!("preamble_phrases[{j}]")), phrase, Tool(i));
            }
        }
        // MCP guidance is rendered into `# Tools` in every state.
        for (i, server) in a.mcp_servers.iter().enumerate() {
            if let Some(text) = &server.server_description {
                self.text(format!("mcp_servers[{i}].server_description"), text, Global);
            }
            for (j, tool) in server.tools.iter().enumerate() {
                let at = |field: &str| format!("mcp_servers[{i}].tools[{j}].{field}");
                for (field, text) in [
                    ("use_when", &tool.use_when),
                    ("avoid_when", &tool.avoid_when),
                    ("on_failure", &tool.on_failure),
                    ("confirmation_phrase", &tool.confirmation_phrase),
                ] {
                    if let Some(text) = text {
                        self.text(at(field), text, Global);
                    }
                }
                for (k, phrase) in tool.preamble_phrases.iter().enumerate() {
                    self.phrase(at(&format!("preamble_phrases[{k}]")), phrase, Global);
                }
            }
        }
        if let Some(s) = &a.supervisor {
            self.lines("supervisor.when_to_call", &s.when_to_call, Supervisor);
            self.lines(
                "supervisor.when_not_to_call",
                &s.when_not_to_call,
                Supervisor,
            );
            self.text(
                "supervisor.instructions".to_owned(),
                &s.instructions,
                Supervisor,
            );
            if let Some(fallback) = &s.fallback {
                self.text("supervisor.fallback".to_owned(), fallback, Supervisor);
            }
        }
        self.lines("instructions.rules", &a.instructions.rules, Global);
        for (i, section) in a.sections.iter().enumerate() {
            self.lines(&format!("sections[{i}].lines"), &section.lines, Global);
        }
        for (i, phase) in a.flow.iter().enumerate() {
            let at = |field: &str| format!("flow[{i}].{field}");
            self.text(at("goal"), &phase.goal, Phase(i));
            self.lines(&at("respond"), &phase.respond, Phase(i));
            for (j, phrase) in phase.sample_phrases.iter().enumerate() {
                self.phrase(at(&format!("sample_phrases[{j}]")), phrase, Phase(i));
            }
            self.text(at("exit"), &phase.exit, Phase(i));
        }
        for (i, state) in a.states.iter().enumerate() {
            let at = |field: &str| format!("states[{i}].{field}");
            self.text(at("description"), &state.description, GuideState(i));
            for (j, line) in state.instructions.iter().enumerate() {
                self.text(at(&format!("instructions[{j}]")), line, GuideState(i));
            }
            for (j, line) in state.examples.iter().enumerate() {
                self.phrase(at(&format!("examples[{j}]")), line, GuideState(i));
            }
            for (j, t) in state.transitions.iter().enumerate() {
                let path = at(&format!("transitions[{j}].condition"));
                self.text(path, &t.condition, GuideState(i));
            }
        }
        if let Some(d) = &a.dynamic {
            for (i, state) in d.states.iter().enumerate() {
                let at = |field: &str| format!("dynamic.states[{i}].{field}");
                self.lines(&at("objective"), &state.objective, DynamicState(i));
                self.lines(&at("instructions"), &state.instructions, DynamicState(i));
                if let Some(exit) = &state.exit {
                    self.text(at("exit"), exit, DynamicState(i));
                }
            }
        }
        for (i, group) in a.sample_phrases.iter().enumerate() {
            for (j, phrase) in group.phrases.iter().enumerate() {
                self.phrase(format!("sample_phrases[{i}].phrases[{j}]"), phrase, Global);
            }
        }
        if let Some(e) = &a.escalation {
            self.lines("escalation.triggers", &e.triggers, Global);
            self.text("escalation.say".to_owned(), &e.say, Global);
            self.lines("escalation.examples", &e.examples, Global);
        }
    }

    fn text(&mut self, path: String, text: &'a str, owner: Owner) {
        self.prose.push(Prose {
            path,
            text,
            owner,
            phrase: false,
        });
    }

    fn phrase(&mut self, path: String, text: &'a str, owner: Owner) {
        self.prose.push(Prose {
            path,
            text,
            owner,
            phrase: true,
        });
    }

    /// `Lines` are written either as one string (`base`) or as a list (`base[i]`).
    fn lines(&mut self, base: &str, lines: &'a Lines, owner: Owner) {
        let listed = matches!(self.doc.value_at(base), Some(Value::Array(_)));
        for (i, line) in lines.0.iter().enumerate() {
            let path = if listed {
                format!("{base}[{i}]")
            } else {
                base.to_owned()
            };
            self.text(path, line, owner);
        }
    }
}

/// The property names of a tool's parameters, in order.
pub(crate) fn parameter_names(tool: &Tool) -> Vec<&str> {
    tool.parameters
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// A name in prose that reads as a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mention<'t> {
    /// The name.
    pub(crate) name: &'t str,
    /// Character offset in the text.
    pub(crate) start: usize,
    /// Length in characters.
    pub(crate) len: usize,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Identifiers of `text` as (char start, char len, byte range).
fn identifiers(text: &str) -> Vec<(usize, usize, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut chars = 0;
    for (byte, c) in text.char_indices() {
        match (is_ident(c), current) {
            (true, None) => current = Some((chars, byte)),
            (false, Some((start, from))) => {
                out.push((start, chars - start, from..byte));
                current = None;
            }
            _ => {}
        }
        chars += 1;
    }
    if let Some((start, from)) = current {
        out.push((start, chars - start, from..text.len()));
    }
    out
}

/// True for `snake_case` (an inner `_`) and `camelCase` (a lower-case letter followed by an
/// upper-case one): the shapes of function names, which ordinary words do not have.
pub(crate) fn looks_like_function(name: &str) -> bool {
    let inner = name.trim_matches('_');
    if inner.is_empty() || !inner.starts_with(|c: char| c.is_alphabetic()) {
        return false;
    }
    let chars: Vec<char> = inner.chars().collect();
    inner.contains('_')
        || chars
            .windows(2)
            .any(|w| w[0].is_lowercase() && w[1].is_uppercase())
}

/// Tool mentions in `text`: a function-shaped name followed by `(` (`check_outage(address)`)
/// or between backticks (`` `escalate_to_human` ``), and any name called after the word
/// "call" (`call refund(account_id)`).
pub(crate) fn tool_mentions(text: &str) -> Vec<Mention<'_>> {
    let idents = identifiers(text);
    let mut out = Vec::new();
    for (k, (start, len, bytes)) in idents.iter().enumerate() {
        let name = &text[bytes.clone()];
        let before = text[..bytes.start].chars().next_back();
        let after = text[bytes.end..].chars().next();
        let called = after == Some('(');
        let backticked = before == Some('`') && after == Some('`');
        let after_call = k > 0 && {
            let (_, _, prev) = &idents[k - 1];
            let word = text[prev.clone()].to_lowercase();
            matches!(word.as_str(), "call" | "calls" | "calling")
                && text[prev.end..bytes.start].trim().is_empty()
        };
        let is_word = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if is_word && ((called || backticked) && looks_like_function(name) || called && after_call)
        {
            out.push(Mention {
                name,
                start: *start,
                len: *len,
            });
        }
    }
    out
}

/// Character offsets where `word` appears in `text` as a whole identifier.
pub(crate) fn word_positions(text: &str, word: &str) -> Vec<usize> {
    identifiers(text)
        .into_iter()
        .filter(|(_, _, bytes)| &text[bytes.clone()] == word)
        .map(|(start, _, _)| start)
        .collect()
}

/// `{name}` placeholders of a phrase, as (name, char start of `{`, char len with braces).
pub(crate) fn placeholders(text: &str) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (chars, (byte, c)) in text.char_indices().enumerate() {
        match c {
            '{' => open = Some((chars, byte)),
            '}' => {
                if let Some((start, from)) = open.take() {
                    let name = &text[from + 1..byte];
                    if !name.is_empty() && name.chars().all(is_ident) {
                        out.push((name, start, chars - start + 1));
                    }
                }
            }
            c if !is_ident(c) => open = None,
            _ => {}
        }
    }
    out
}

/// Lower case with typographic apostrophes and dashes made plain, for phrase matching.
pub(crate) fn normalize(text: &str) -> String {
    text.to_lowercase()
        .replace(['’', '‘'], "'")
        .replace(['–', '—'], "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_calls_backticks_and_called_names() {
        fn names(t: &str) -> Vec<&str> {
            tool_mentions(t).iter().map(|m| m.name).collect()
        }
        assert_eq!(
            names("Once ready, call lookup_account(email_or_phone) and `escalate_to_human`."),
            ["lookup_account", "escalate_to_human"]
        );
        assert_eq!(names("Then call refund(account_id)."), ["refund"]);
        assert_eq!(
            names("getNextResponseFromSupervisor(x)"),
            ["getNextResponseFromSupervisor"]
        );
        // Ordinary words and parentheses are not tools.
        assert!(names("Confirm the item(s) (twice) and say `yes`.").is_empty());
        let m = tool_mentions("é call x_y()")[0];
        assert_eq!((m.start, m.len), (7, 3));
    }

    #[test]
    fn placeholders_are_found_with_char_positions() {
        assert_eq!(
            placeholders("Let me look up {email}—or {phone}. {not a name}"),
            [("email", 15, 7), ("phone", 26, 7)]
        );
    }

    #[test]
    fn words_match_whole_identifiers_only() {
        assert_eq!(
            word_positions("check_outage, check_outage_x check", "check_outage"),
            [0]
        );
    }
}
