//! The variety rule for sample phrases.

use super::Rule;
use super::prose::Context;
use crate::diagnostic::Diagnostic;
use crate::model::Variety;

/// SB0116. The guide: the model "can follow sample phrases closely to stay on-brand, but it
/// may overuse them, making responses sound robotic or repetitive", and "if your voice system
/// ends up consistently only repeating the sample phrases … try adding the Variety
/// constraint. We've seen this fix the issue." Sample phrases (top level, in phases) and
/// state examples therefore want `personality.variety`.
pub(super) fn phrases_without_variety(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let has_variety = match &a.personality.variety {
        Some(Variety::Guide(on)) => *on,
        Some(Variety::Custom(lines)) => !lines.is_empty(),
        None => false,
    };
    if has_variety {
        return;
    }
    let mut places: Vec<(String, usize)> = Vec::new();
    let count: usize = a.sample_phrases.iter().map(|g| g.phrases.len()).sum();
    if count > 0 {
        places.push(("sample_phrases".to_owned(), count));
    }
    for (i, phase) in a.flow.iter().enumerate() {
        if !phase.sample_phrases.is_empty() {
            places.push((
                format!("flow[{i}].sample_phrases"),
                phase.sample_phrases.len(),
            ));
        }
    }
    for (i, state) in a.states.iter().enumerate() {
        if !state.examples.is_empty() {
            places.push((format!("states[{i}].examples"), state.examples.len()));
        }
    }
    let mut places: Vec<_> = places
        .into_iter()
        .map(|(path, n)| (cx.doc.key_span_of(&path), path, n))
        .collect();
    places.sort_by_key(|(span, _, _)| span.map_or(usize::MAX, |s| s.offset));
    let Some((span, _, _)) = places.first() else {
        return;
    };
    let total: usize = places.iter().map(|(_, _, n)| n).sum();
    let mut d = Rule::PhrasesWithoutVariety
        .diagnostic(format!(
            "{total} sample phrase{} but no variety rule",
            if total == 1 { "" } else { "s" }
        ))
        .at_opt(*span)
        .note("the model may repeat sample phrases word for word and sound robotic");
    if places.len() > 1 {
        let lines: Vec<String> = places
            .iter()
            .filter_map(|(s, _, _)| s.map(|s| s.line.to_string()))
            .collect();
        d = d.note(format!("phrases are given at lines {}", lines.join(", ")));
    }
    out.push(d.hint("add `personality: {variety: true}` for the guide's rule, or your own lines"));
}
