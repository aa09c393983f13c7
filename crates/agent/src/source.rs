//! Agent file text → a JSON value, with the position of every key and value.
//!
//! YAML and JSON go through the same YAML 1.2 parser (JSON is YAML's flow syntax), so both
//! get the same positions and the same errors. Positions are recorded under the path that
//! `serde_path_to_error` reports (`tools[2].parameters`), which is how a type error found
//! later by serde is turned into `file:line:column`.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, Span};

/// Deepest nesting accepted. Real agent files stay under ten levels; the limit keeps a
/// hostile file from exhausting the stack of the recursive builder (and of serde after it).
const MAX_DEPTH: usize = 64;

/// Most values a file may expand to, aliases included.
const MAX_NODES: usize = 200_000;

/// A parsed agent file: its value and where each part of it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file's content as JSON.
    pub value: Value,
    spans: BTreeMap<String, NodeSpans>,
    /// The file's text, to place a word inside a string value.
    text: String,
}

#[derive(Debug, Clone, Copy)]
struct NodeSpans {
    key: Option<Span>,
    value: Span,
}

impl Document {
    /// Where the value at `path` is, or the nearest enclosing value that has a position.
    pub fn span_of(&self, path: &str) -> Option<Span> {
        self.lookup(path, |n| n.value)
    }

    /// Where the key of the entry at `path` is (falls back to the value, then to parents).
    pub fn key_span_of(&self, path: &str) -> Option<Span> {
        self.lookup(path, |n| n.key.unwrap_or(n.value))
    }

    /// Where `len` characters starting `start` characters into the string value at `path`
    /// are, when the value is written on one line exactly as it reads (plain, or quoted
    /// without escapes); otherwise the whole value's span, as [`Document::span_of`].
    pub fn span_within(&self, path: &str, start: usize, len: usize) -> Option<Span> {
        let whole = self.span_of(path)?;
        let Some(value) = self.value_at(path).and_then(Value::as_str) else {
            return Some(whole);
        };
        let written: String = self
            .text
            .chars()
            .skip(whole.offset)
            .take(whole.len)
            .collect();
        let quoted = |q: char| {
            written.len() == value.len() + 2
                && written.starts_with(q)
                && written.ends_with(q)
                && &written[1..written.len() - 1] == value
        };
        let shift = if written == value {
            0
        } else if quoted('"') || quoted('\'') {
            1
        } else {
            return Some(whole);
        };
        if value.contains('\n') || start + len > value.chars().count() {
            return Some(whole);
        }
        Some(Span::new(
            whole.line,
            whole.column + shift + start,
            whole.offset + shift + start,
            len,
        ))
    }

    /// The value at a serde path such as `tools[2].use_when`.
    pub(crate) fn value_at(&self, path: &str) -> Option<&Value> {
        let mut value = &self.value;
        for part in path.trim_start_matches('.').split('.') {
            let (key, mut indexes) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                value = value.get(key)?;
            }
            while let Some(rest) = indexes.strip_prefix('[') {
                let (index, tail) = rest.split_once(']')?;
                value = value.get(index.parse::<usize>().ok()?)?;
                indexes = tail;
            }
        }
        Some(value)
    }

    fn lookup(&self, path: &str, pick: impl Fn(&NodeSpans) -> Span) -> Option<Span> {
        let mut path = path.trim_start_matches('.');
        loop {
            if let Some(node) = self.spans.get(path) {
                return Some(pick(node));
            }
            if path.is_empty() {
                return None;
            }
            path = parent(path);
        }
    }
}

fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(i) => &path[..i],
        None => "",
    }
}

fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Parses YAML or JSON text into a [`Document`].
pub fn parse(text: &str) -> Result<Document, Diagnostic> {
    let mut events = Vec::new();
    for event in Parser::new_from_str(text) {
        match event {
            Ok(event) => events.push(event),
            Err(err) => {
                let marker = err.marker();
                let span = Span::point(marker.line(), marker.col() + 1, marker.index());
                return Err(Diagnostic::error(
                    "SB0001",
                    format!("not valid YAML or JSON: {}", err.info()),
                )
                .at(span)
                .hint("check indentation, quotes and brackets around this point"));
            }
        }
    }
    let mut builder = Builder {
        events: events.into_iter().peekable(),
        spans: BTreeMap::new(),
        anchors: BTreeMap::new(),
        nodes: 0,
    };
    let mut document = builder.document()?;
    document.text = text.to_owned();
    Ok(document)
}

struct Builder<'a> {
    events: std::iter::Peekable<std::vec::IntoIter<(Event<'a>, YamlSpan)>>,
    spans: BTreeMap<String, NodeSpans>,
    /// Anchored values, with how many nodes each holds.
    anchors: BTreeMap<usize, (Value, usize)>,
    /// Nodes built so far, aliases counted in full.
    nodes: usize,
}

fn span(s: &YamlSpan) -> Span {
    let len = s.end.index().saturating_sub(s.start.index()).max(1);
    Span::new(s.start.line(), s.start.col() + 1, s.start.index(), len)
}

impl Builder<'_> {
    fn document(&mut self) -> Result<Document, Diagnostic> {
        let mut value = None;
        while let Some((event, at)) = self.events.next() {
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    if value.is_some() {
                        return Err(Diagnostic::error(
                            "SB0001",
                            "an agent file holds one document, and this is a second",
                        )
                        .at(span(&at))
                        .hint("remove the `---` line, or split the agents into separate files"));
                    }
                    value = Some(self.node("", None, 0)?);
                }
                other => {
                    return Err(Diagnostic::error(
                        "SB0001",
                        format!("unexpected YAML event {other:?}"),
                    )
                    .at(span(&at)));
                }
            }
        }
        match value {
            Some(value) => Ok(Document {
                value,
                spans: std::mem::take(&mut self.spans),
                text: String::new(),
            }),
            None => Err(Diagnostic::error("SB0001", "the file is empty")
                .hint("start with `name: my-agent`")),
        }
    }

    fn node(&mut self, path: &str, key: Option<Span>, depth: usize) -> Result<Value, Diagnostic> {
        let Some((event, at)) = self.events.next() else {
            return Err(Diagnostic::error(
                "SB0001",
                "the file ends in the middle of a value",
            ));
        };
        let here = span(&at);
        let first = self.nodes;
        self.nodes += 1;
        if depth > MAX_DEPTH {
            return Err(Diagnostic::error(
                "SB0001",
                format!("values are nested more than {MAX_DEPTH} levels deep"),
            )
            .at(here)
            .hint("agent files need only a few levels; flatten this value"));
        }
        let (value, end) = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let value = if plain {
                    resolve_plain(&text)
                } else {
                    Value::String(text.into_owned())
                };
                self.remember(anchor, &value, first);
                (value, here)
            }
            Event::SequenceStart(anchor, _) => {
                let mut list = Vec::new();
                loop {
                    if let Some((Event::SequenceEnd, end)) = self.events.peek() {
                        let end = span(end);
                        self.events.next();
                        let value = Value::Array(list);
                        self.remember(anchor, &value, first);
                        break (value, here.to(end));
                    }
                    let item = self.node(&format!("{path}[{}]", list.len()), None, depth + 1)?;
                    list.push(item);
                }
            }
            Event::MappingStart(anchor, _) => {
                let mut map = Map::new();
                loop {
                    if let Some((Event::MappingEnd, end)) = self.events.peek() {
                        let end = span(end);
                        self.events.next();
                        let value = Value::Object(map);
                        self.remember(anchor, &value, first);
                        break (value, here.to(end));
                    }
                    let Some((key_event, key_at)) = self.events.next() else {
                        return Err(Diagnostic::error(
                            "SB0001",
                            "the file ends in the middle of a mapping",
                        )
                        .at(here));
                    };
                    let key_span = span(&key_at);
                    let key = match key_event {
                        Event::Scalar(text, ..) => text.into_owned(),
                        _ => {
                            return Err(Diagnostic::error(
                                "SB0001",
                                "a mapping key must be a plain string",
                            )
                            .at(key_span)
                            .hint("agent files use string keys only"));
                        }
                    };
                    let key_path = child(path, &key);
                    if map.contains_key(&key) {
                        let first = self.spans.get(&key_path).and_then(|n| n.key);
                        let mut diag =
                            Diagnostic::error("SB0002", format!("duplicate key `{key}`"))
                                .at(key_span)
                                .hint("each key may appear once in a mapping; remove one of them");
                        if let Some(first) = first {
                            diag = diag.note(format!("first defined at line {}", first.line));
                        }
                        return Err(diag);
                    }
                    let value = self.node(&key_path, Some(key_span), depth + 1)?;
                    map.insert(key, value);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((value, size)) => {
                    // Aliases can multiply a file's size exponentially ("billion laughs").
                    self.nodes += size;
                    if self.nodes > MAX_NODES {
                        return Err(Diagnostic::error(
                            "SB0001",
                            format!("the file expands to more than {MAX_NODES} values"),
                        )
                        .at(here)
                        .hint("aliases (`*name`) copy whole values; use fewer of them"));
                    }
                    (value.clone(), here)
                }
                None => {
                    return Err(Diagnostic::error(
                        "SB0001",
                        "an alias refers to an unknown anchor",
                    )
                    .at(here));
                }
            },
            other => {
                return Err(Diagnostic::error(
                    "SB0001",
                    format!("unexpected YAML event {other:?}"),
                )
                .at(here));
            }
        };
        self.spans
            .insert(path.to_owned(), NodeSpans { key, value: end });
        Ok(value)
    }

    fn remember(&mut self, anchor: usize, value: &Value, first: usize) {
        // saphyr numbers anchors from 1; 0 means "no anchor".
        if anchor != 0 {
            self.anchors
                .insert(anchor, (value.clone(), self.nodes - first));
        }
    }
}

/// Resolves a plain (unquoted) scalar with the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(n) = text.parse::<i64>() {
        return Value::Number(n.into());
    }
    if let Ok(n) = text.parse::<u64>() {
        return Value::Number(n.into());
    }
    let looks_numeric = text
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && !text.contains(|c: char| c.is_alphabetic() && c != 'e' && c != 'E');
    if looks_numeric
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_positions_by_serde_path() {
        let doc = parse("name: a\ntools:\n  - name: lookup\n    parameters: {type: object}\n")
            .expect("valid");
        let span = doc.span_of("tools[0].parameters").expect("has a span");
        assert_eq!((span.line, span.column), (4, 17));
        let key = doc.key_span_of("tools[0].name").expect("has a span");
        assert_eq!((key.line, key.column), (3, 5));
        // Unknown paths fall back to the nearest parent.
        assert_eq!(
            doc.span_of("tools[0].parameters.properties.x")
                .map(|s| s.line),
            Some(4)
        );
    }

    #[test]
    fn json_is_read_with_positions_too() {
        let doc = parse("{\n  \"name\": \"a\",\n  \"states\": [1, 2, ]\n}").expect("valid");
        assert_eq!(doc.value["states"], serde_json::json!([1, 2]));
        assert_eq!(
            doc.span_of("states[1]").map(|s| (s.line, s.column)),
            Some((3, 17))
        );
    }

    #[test]
    fn plain_scalars_get_core_schema_types_and_quoted_stay_strings() {
        let doc = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 1-2-3\ng: e5\n").expect("valid");
        assert_eq!(
            doc.value,
            serde_json::json!({"a":1,"b":1.5,"c":true,"d":null,"e":"1","f":"1-2-3","g":"e5"})
        );
    }

    #[test]
    fn a_word_inside_a_one_line_scalar_gets_its_own_column() {
        let doc =
            parse("a: call x now\nb: \"call x\"\nc: 'call x'\nd: \"call\\tx\"\ne: call\n  x\n")
                .expect("valid");
        let at = |path: &str| doc.span_within(path, 5, 1).map(|s| (s.line, s.column));
        assert_eq!(at("a"), Some((1, 9)));
        assert_eq!(at("b"), Some((2, 10)));
        assert_eq!(at("c"), Some((3, 10)));
        // An escape or a line break: the value's own span.
        assert_eq!(at("d"), Some((4, 4)));
        assert_eq!(at("e"), Some((5, 4)));
    }

    #[test]
    fn alias_bombs_are_an_error_not_an_exhausted_memory() {
        let mut text = String::from("name: a\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..=9 {
            let p = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let err = parse(&text).expect_err("too big");
        assert!(
            err.message.contains("expands to more than"),
            "{}",
            err.message
        );
        // A few aliases are fine.
        let doc = parse("name: a\nx: &w [1, 2]\ny: *w\n").expect("small aliases are fine");
        assert_eq!(doc.value["y"], serde_json::json!([1, 2]));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut text = String::from("name: a\nx:\n");
        for i in 1..=3_000 {
            text.push_str(&"  ".repeat(i));
            text.push_str("k:\n");
        }
        let err = parse(&text).expect_err("too deep");
        assert!(
            err.message.contains("nested more than 64 levels"),
            "{}",
            err.message
        );
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second_one() {
        let err = parse("name: a\nvoice: marin\nname: b\n").expect_err("duplicate");
        assert_eq!(err.code, "SB0002");
        assert_eq!(err.span.map(|s| (s.line, s.column)), Some((3, 1)));
    }
}
