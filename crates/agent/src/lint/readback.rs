//! The readback rule: numbers and codes are read back one character at a time.

use serde_json::Value;

use super::Rule;
use super::prose::{Context, Owner, word_positions};
use crate::diagnostic::Diagnostic;
use crate::model::SlotSource;

/// Name parts (split on `_`, `-` and camelCase) that mark a parameter as a number or code
/// the caller dictates.
const IDENTIFIER_WORDS: &[&str] = &[
    "phone",
    "mobile",
    "tel",
    "telephone",
    "msisdn",
    "card",
    "cvv",
    "cvc",
    "account",
    "acct",
    "iban",
    "bic",
    "swift",
    "routing",
    "ssn",
    "passport",
    "id",
    "serial",
    "imei",
    "vin",
    "otp",
    "pin",
    "passcode",
    "2fa",
    "mfa",
    "zip",
    "postcode",
    "postal",
    "tracking",
];

/// JSON Schema `format`s of identifiers.
const IDENTIFIER_FORMATS: &[&str] = &[
    "uuid",
    "phone",
    "phone-number",
    "tel",
    "credit-card",
    "iban",
];

fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        let boundary = c == '_' || c == '-' || c == ' ' || (c.is_uppercase() && prev_lower);
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Name parts of dates and times, which are read as spoken dates rather than digit by digit.
const DATE_WORDS: &[&str] = &[
    "date", "dob", "birth", "birthday", "time", "day", "month", "year",
];

/// The name parts that make a parameter an identifier the caller spells out, by its name
/// (`phone`, `card_number`, `order_id`, `accountId`), its `format`, or a `pattern` made of
/// digits; `None` when it is not one. Dates, enums and non-scalar values are not.
fn identifier_words(name: &str, schema: &Value) -> Option<Vec<String>> {
    let kind = schema.get("type").and_then(Value::as_str);
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let parts = name_parts(name);
    if matches!(kind, Some("boolean" | "object" | "array" | "null"))
        || schema.get("enum").is_some()
        || parts.iter().any(|p| DATE_WORDS.contains(&p.as_str()))
        || format
            .as_deref()
            .is_some_and(|f| f.starts_with("date") || f == "time")
    {
        return None;
    }
    let words: Vec<String> = parts
        .into_iter()
        .filter(|p| IDENTIFIER_WORDS.contains(&p.as_str()))
        .collect();
    let by_format = format.is_some_and(|f| IDENTIFIER_FORMATS.contains(&f.as_str()));
    let by_pattern = schema
        .get("pattern")
        .and_then(Value::as_str)
        .is_some_and(|p| p.contains("\\d") || p.contains("0-9"));
    (!words.is_empty() || by_format || by_pattern).then_some(words)
}

/// True when the agent gets the value from another tool's result rather than from the
/// caller: a dynamic slot captured from a result, or a description that says so ("the
/// customer_id returned by authenticate_user_information").
fn from_a_result(cx: &Context<'_>, tool: usize, name: &str, schema: &Value) -> bool {
    let a = cx.agent;
    let slot = a.dynamic.as_ref().is_some_and(|flow| {
        flow.slots
            .iter()
            .any(|s| s.name == name && matches!(s.from, SlotSource::Result(_)))
    });
    let description = schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let lower = description.to_lowercase();
    let said = [
        "returned by",
        "returned from",
        "from the result",
        "result of",
    ]
    .iter()
    .any(|p| lower.contains(p))
        || a.tools
            .iter()
            .enumerate()
            .any(|(i, t)| i != tool && !word_positions(description, &t.name).is_empty());
    slot || said
}

/// SB0109. The guide: "Realtime S2S can blur or merge digits/letters when reading back key
/// info (phone, credit card, order IDs). Explicit character-by-character confirmation prevents
/// mishearing." A tool that takes such a value from the caller needs a readback rule where
/// the value is handled: the global `instructions.readback`; or `readback: true` on a flow
/// phase or conversation state that names the tool or talks about the value ("phone",
/// "card", …); or, in a dynamic flow, on every state that offers the tool.
pub(super) fn missing_readback(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    if a.instructions.readback.is_some() {
        return;
    }
    for (i, tool) in a.tools.iter().enumerate() {
        let Some(props) = tool.parameters.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let readback_prose: Vec<&str> = cx
            .prose
            .iter()
            .filter(|p| match p.owner {
                Owner::Phase(k) => a.flow[k].readback,
                Owner::GuideState(k) => a.states[k].readback,
                _ => false,
            })
            .map(|p| p.text)
            .collect();
        let names_tool = readback_prose
            .iter()
            .any(|t| !word_positions(t, &tool.name).is_empty());
        let offering_all = a.dynamic.as_ref().is_some_and(|flow| {
            let offering: Vec<_> = flow
                .states
                .iter()
                .filter(|s| s.tools.contains(&tool.name))
                .collect();
            !offering.is_empty() && offering.iter().all(|s| s.readback)
        });
        let found: Vec<&str> = props
            .iter()
            .filter(|(name, schema)| !from_a_result(cx, i, name, schema))
            .filter_map(|(name, schema)| identifier_words(name, schema).map(|w| (name, w)))
            .filter(|(name, words)| {
                let talks_about = |t: &&str| {
                    let lower = t.to_lowercase();
                    !word_positions(&lower, &name.to_lowercase()).is_empty()
                        || words.iter().any(|w| !word_positions(&lower, w).is_empty())
                };
                !(names_tool || offering_all || readback_prose.iter().any(talks_about))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let Some(first) = found.first() else { continue };
        let list: Vec<String> = found.iter().map(|n| format!("`{n}`")).collect();
        out.push(
            Rule::MissingReadback
                .diagnostic(format!(
                    "tool `{}` takes {} but no readback rule covers it",
                    tool.name,
                    list.join(", ")
                ))
                .at_opt(cx.doc.key_span_of(&format!("tools[{i}].parameters.properties.{first}")))
                .note("speech-to-speech models blur digits and letters unless told to read them back one by one")
                .hint(if a.dynamic.is_some() {
                    "add `instructions: {readback: {}}`, or `readback: true` to every dynamic state that offers the tool"
                } else {
                    "add `instructions: {readback: {}}`, or `readback: true` on the phase or state that uses the tool"
                }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_are_recognised_by_name_format_and_pattern() {
        let yes = |name: &str, schema: serde_json::Value| identifier_words(name, &schema).is_some();
        let s = json!({"type": "string"});
        assert!(yes("email_or_phone", s.clone()));
        assert!(yes("accountId", s.clone()));
        assert!(yes("order_id", s.clone()));
        assert!(yes(
            "code",
            json!({"type": "string", "pattern": "^[0-9]{6}$"})
        ));
        assert!(yes("ref", json!({"format": "uuid"})));
        assert!(!yes("address", s.clone()));
        assert!(!yes("reason", s.clone()));
        assert!(!yes("identity_verified", json!({"type": "boolean"})));
        assert!(!yes("window", json!({"type": "string", "enum": ["a"]})));
        assert!(!yes(
            "date_of_birth",
            json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"})
        ));
    }
}
