//! The agent file reference (`docs/agent-file.md`) cannot rot: every fenced ```yaml block
//! that begins with `name:` is a whole agent that must load and render, and a ```text block
//! that comes right after one (the next fenced block) must appear, verbatim, in what that
//! agent renders (any state).

use std::fs;
use std::path::Path;

/// A fenced block: its info string, its body and the line its fence opens on.
struct Block {
    info: String,
    body: String,
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match (&mut open, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_owned(),
                    body: String::new(),
                    line: i + 1,
                });
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => {
                out.extend(open.take());
            }
            (Some(block), _) => {
                block.body.push_str(line);
                block.body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a fenced block is never closed");
    out
}

#[test]
fn every_agent_in_the_reference_loads_and_renders_what_it_shows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/agent-file.md");
    let markdown = fs::read_to_string(&path).expect("docs/agent-file.md");
    let blocks = blocks(&markdown);
    let mut agents = 0;
    let mut snippets = 0;
    for (i, block) in blocks.iter().enumerate() {
        if block.info != "yaml" || !block.body.starts_with("name:") {
            continue;
        }
        agents += 1;
        let loaded = switchboard_agent::load(&block.body).unwrap_or_else(|diagnostics| {
            panic!(
                "the agent at docs/agent-file.md:{} does not load:\n{diagnostics:#?}",
                block.line
            )
        });
        let rendered = switchboard_agent::render_all(&loaded.agent).unwrap_or_else(|e| {
            panic!(
                "the agent at docs/agent-file.md:{} does not render: {e}",
                block.line
            )
        });
        if let Some(next) = blocks.get(i + 1).filter(|b| b.info == "text") {
            snippets += 1;
            assert!(
                rendered.iter().any(|r| r.instructions.contains(&next.body)),
                "docs/agent-file.md:{} shows text the agent above it does not render.\nShown:\n{}\nRendered:\n{}",
                next.line,
                next.body,
                rendered
                    .iter()
                    .map(|r| r.instructions.as_str())
                    .collect::<Vec<_>>()
                    .join("\n---\n")
            );
        }
    }
    assert!(agents >= 15, "only {agents} agents found in the reference");
    assert!(snippets >= 10, "only {snippets} rendered snippets checked");
}

/// Every word written inside `inline code` in the reference, outside fenced blocks.
fn code_words(markdown: &str) -> std::collections::BTreeSet<String> {
    let mut words = std::collections::BTreeSet::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for span in line.split('`').skip(1).step_by(2) {
            words.extend(
                span.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    words
}

fn property_names(schema: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            for value in map.values() {
                property_names(value, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| property_names(v, out)),
        _ => {}
    }
}

#[test]
fn every_field_of_the_model_is_documented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/agent-file.md");
    let markdown = fs::read_to_string(&path).expect("docs/agent-file.md");
    let documented = code_words(&markdown);
    let mut fields = std::collections::BTreeSet::new();
    property_names(&switchboard_agent::json_schema(), &mut fields);
    assert!(
        fields.len() > 50,
        "the schema has only {} fields",
        fields.len()
    );
    let missing: Vec<&String> = fields.iter().filter(|f| !documented.contains(*f)).collect();
    assert!(
        missing.is_empty(),
        "docs/agent-file.md does not mention these fields in `code`: {missing:?}"
    );
}
