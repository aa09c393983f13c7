//! Diagnostics about agent files, and their three renderings: rustc-style text for people,
//! JSON for scripts and SARIF for code-scanning tools.

use serde::Serialize;
use serde_json::{Value, json};

/// A position in an agent file. Lines and columns count from 1, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Character offset from the start of the file.
    #[serde(skip)]
    pub offset: usize,
    /// Length in characters (at least 1).
    #[serde(skip)]
    pub len: usize,
}

impl Span {
    /// A span of `len` characters.
    pub fn new(line: usize, column: usize, offset: usize, len: usize) -> Self {
        Self {
            line,
            column,
            offset,
            len: len.max(1),
        }
    }

    /// A one-character span.
    pub fn point(line: usize, column: usize, offset: usize) -> Self {
        Self::new(line, column, offset, 1)
    }

    /// From the start of `self` to the end of `end`.
    pub fn to(self, end: Span) -> Self {
        let len = (end.offset + end.len).saturating_sub(self.offset);
        Self {
            len: len.max(1),
            ..self
        }
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; does not fail `lint`.
    Warning,
    /// The agent will misbehave or cannot load; fails `lint`.
    Error,
}

/// One finding, with a stable code, a place and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `SB0101`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where, if known.
    pub span: Option<Span>,
    /// Extra facts ("first defined at line 3").
    pub notes: Vec<String>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: None,
            notes: vec![],
            hint: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// Places the diagnostic.
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Places the diagnostic if a span is known.
    pub fn at_opt(mut self, span: Option<Span>) -> Self {
        self.span = span.or(self.span);
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A diagnostic together with the file it is about.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// The diagnostic.
    pub diagnostic: &'a Diagnostic,
    /// The file's name as given by the user.
    pub file: &'a str,
    /// The file's text, for the snippet (may be empty when it could not be read).
    pub text: &'a str,
}

/// Renders diagnostics the way rustc and clippy do:
///
/// ```text
/// error[SB0101]: tool `check_outage` is named in the instructions but not defined
///   --> agent.yaml:12:20
///    |
/// 12 |   - For connectivity, call check_outage(address).
///    |                            ^^^^^^^^^^^^
///    = hint: define it under `tools`, or remove the mention
/// ```
pub fn render_human(items: &[Located<'_>]) -> String {
    let mut out = String::new();
    for item in items {
        let d = item.diagnostic;
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{severity}[{}]: {}\n", d.code, d.message));
        match d.span {
            Some(span) => {
                let gutter = span.line.to_string().len();
                let pad = " ".repeat(gutter);
                out.push_str(&format!(
                    "{pad}--> {}:{}:{}\n",
                    item.file, span.line, span.column
                ));
                if let Some(line) = item.text.lines().nth(span.line - 1) {
                    let width = line.chars().count().saturating_sub(span.column - 1).max(1);
                    let marks = "^".repeat(span.len.min(width));
                    out.push_str(&format!("{pad} |\n{} | {line}\n", span.line));
                    out.push_str(&format!("{pad} | {}{marks}\n", " ".repeat(span.column - 1)));
                }
                for note in &d.notes {
                    out.push_str(&format!("{pad} = note: {note}\n"));
                }
                if let Some(hint) = &d.hint {
                    out.push_str(&format!("{pad} = hint: {hint}\n"));
                }
            }
            None => {
                out.push_str(&format!(" --> {}\n", item.file));
                for note in &d.notes {
                    out.push_str(&format!("  = note: {note}\n"));
                }
                if let Some(hint) = &d.hint {
                    out.push_str(&format!("  = hint: {hint}\n"));
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Renders diagnostics as a JSON array of objects with `code`, `severity`, `message`, `file`,
/// `line`, `column`, `hint` and `notes`.
pub fn render_json(items: &[Located<'_>]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|item| {
                let d = item.diagnostic;
                json!({
                    "code": d.code,
                    "severity": d.severity,
                    "message": d.message,
                    "file": item.file,
                    "line": d.span.map(|s| s.line),
                    "column": d.span.map(|s| s.column),
                    "hint": d.hint,
                    "notes": d.notes,
                })
            })
            .collect(),
    )
}

/// Renders diagnostics as a SARIF 2.1.0 log, with one rule per code seen.
pub fn render_sarif(items: &[Located<'_>], rules: &[(&str, &str)]) -> Value {
    let results: Vec<Value> = items
        .iter()
        .map(|item| {
            let d = item.diagnostic;
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": item.file}}});
            if let Some(span) = d.span {
                location["physicalLocation"]["region"] = json!({
                    "startLine": span.line,
                    "startColumn": span.column,
                    "charOffset": span.offset,
                    "charLength": span.len,
                });
            }
            let mut text = d.message.clone();
            if let Some(hint) = &d.hint {
                text.push_str(&format!(" Hint: {hint}"));
            }
            json!({
                "ruleId": d.code,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": {"text": text},
                "locations": [location],
            })
        })
        .collect();
    let rules: Vec<Value> = rules
        .iter()
        .map(|(code, summary)| json!({"id": code, "shortDescription": {"text": summary}}))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "switchboard-lint",
                "informationUri": "https://github.com/switchboard-voice/switchboard",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_rendering_points_at_the_span() {
        let d = Diagnostic::error("SB0101", "tool `x` is not defined")
            .at(Span::new(2, 9, 0, 4))
            .hint("define it");
        let text = "name: a\nrules: [call x()]\n";
        let out = render_human(&[Located {
            diagnostic: &d,
            file: "a.yaml",
            text,
        }]);
        assert_eq!(
            out,
            "error[SB0101]: tool `x` is not defined\n --> a.yaml:2:9\n  |\n2 | rules: [call x()]\n  |         ^^^^\n  = hint: define it\n\n"
        );
    }
}
