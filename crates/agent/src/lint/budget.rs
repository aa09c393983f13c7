//! The token budget of the rendered instructions.

use super::Rule;
use super::prose::Context;
use crate::diagnostic::Diagnostic;
use crate::render::render;

/// Characters per token of the estimate: the usual rule of thumb for English text with
/// OpenAI tokenizers. Deterministic, and close enough for a budget.
const CHARS_PER_TOKEN: usize = 4;

/// The estimated tokens of `text`: characters ÷ 4, rounded up.
fn estimate(text: &str) -> usize {
    text.chars().count().div_ceil(CHARS_PER_TOKEN)
}

/// SB0121. Instructions are sent with every response. The guide's dynamic flows exist because
/// exposing the model "to all possible rules and tools at once" raises its cognitive load and
/// "too many rigid states can overload the model"; a budget keeps that in check. A dynamic
/// agent is checked state by state, since each state's instructions replace the last.
pub(super) fn over_token_budget(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let budget = usize::try_from(a.lint.max_instruction_tokens).unwrap_or(usize::MAX);
    let states: Vec<(Option<&str>, Option<usize>)> = match &a.dynamic {
        None => vec![(None, None)],
        Some(flow) => flow
            .states
            .iter()
            .enumerate()
            .map(|(i, s)| (Some(s.id.as_str()), Some(i)))
            .collect(),
    };
    for (state, index) in states {
        // A state that does not render lists an undefined tool, which SB0101 reports.
        let Ok(rendered) = render(a, state) else {
            continue;
        };
        let chars = rendered.instructions.chars().count();
        let tokens = estimate(&rendered.instructions);
        if tokens <= budget {
            continue;
        }
        let what = match state {
            Some(id) => format!("the instructions of state `{id}`"),
            None => "the rendered instructions".to_owned(),
        };
        let span = match index {
            Some(i) => cx.doc.span_of(&format!("dynamic.states[{i}].id")),
            None if cx.doc.value_at("lint.max_instruction_tokens").is_some() => {
                cx.doc.span_of("lint.max_instruction_tokens")
            }
            None => cx.doc.key_span_of("role"),
        };
        out.push(
            Rule::OverTokenBudget
                .diagnostic(format!(
                    "{what} are about {tokens} tokens ({chars} characters ÷ {CHARS_PER_TOKEN}), over the budget of {budget}"
                ))
                .at_opt(span)
                .hint("move detail into a dynamic flow, trim context and rules, or raise `lint.max_instruction_tokens`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_characters_over_four_rounded_up() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("abcd"), 1);
        assert_eq!(estimate("abcde"), 2);
        assert_eq!(estimate("éééé"), 1);
    }
}
