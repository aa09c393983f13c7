//! Rules about the model an agent runs on and the session settings that depend on it: its
//! shutdown date, whether Switchboard can serve it, reasoning, and stored prompts.

use super::Rule;
use super::prose::Context;
use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::models::{self, Capabilities, Effort, Protocol, Reasoning};

/// How long before a shutdown SB0123 starts warning: two months to move an agent, test it on
/// the new model and roll it out.
pub(crate) const SHUTDOWN_NOTICE_DAYS: i64 = 60;

/// The day OpenAI shut down the prompt-objects API behind `session.prompt`.
const PROMPT_OBJECTS_SHUTDOWN: Date = Date::known(2026, 11, 30);

/// SB0123. Past its shutdown date the upstream refuses sessions with the model, so every call
/// of the agent fails at once; within [`SHUTDOWN_NOTICE_DAYS`] of it there is just time to move.
pub(super) fn model_shutdown(cx: &Context<'_>, today: Date, out: &mut Vec<Diagnostic>) {
    let name = &cx.agent.model;
    let Some(model) = models::lookup(name) else {
        return;
    };
    let Some(shutdown) = model.shutdown else {
        return;
    };
    let left = today.days_until(shutdown);
    if left > SHUTDOWN_NOTICE_DAYS {
        return;
    }
    let message = if left <= 0 {
        format!("model `{name}` was shut down on {shutdown}")
    } else {
        format!(
            "model `{name}` is shut down on {shutdown}, in {left} day{}",
            if left == 1 { "" } else { "s" }
        )
    };
    let hint = match model.successor {
        Some(next) => format!(
            "move to `{next}`, its successor on the same protocol; check the agent's scenarios on it first (docs/models.md)"
        ),
        None => "move to a model without an announced shutdown (docs/models.md)".to_owned(),
    };
    let note = if left <= 0 {
        "the upstream refuses sessions with a model that is shut down: every call fails"
    } else {
        "after that day the upstream refuses sessions with it: every call fails"
    };
    out.push(
        Rule::ModelShutdown
            .diagnostic(message)
            .at_opt(cx.doc.span_of("model"))
            .note(note)
            .hint(hint),
    );
}

/// SB0124. A name missing from the table is a typo, a model newer than this Switchboard, or
/// an Azure deployment name: the session may work, but nothing checks the model's lifecycle
/// or what it supports, and the emulator plays it with the default profile.
pub(super) fn unknown_model(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let name = &cx.agent.model;
    if models::lookup(name).is_some() {
        return;
    }
    let known: Vec<String> = models::names().map(str::to_owned).collect();
    let hint = match crate::load::closest(name, &known) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!(
            "known Realtime models: {}; behind an Azure deployment, name the model it runs",
            models::MODELS
                .iter()
                .filter(|m| m.protocol == Protocol::Realtime)
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    out.push(
        Rule::UnknownModel
            .diagnostic(format!(
                "model `{name}` is not a Realtime model Switchboard knows"
            ))
            .at_opt(cx.doc.span_of("model"))
            .note("its shutdown date and capabilities are unknown, so nothing checks them")
            .hint(hint),
    );
}

/// SB0129. Switchboard serves and sends the GA Realtime protocol only; a GPT-Live model
/// answers another protocol on another endpoint, so no session of the agent could start.
pub(super) fn model_protocol(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let name = &cx.agent.model;
    let Some(model) = models::lookup(name) else {
        return;
    };
    if model.protocol == Protocol::Realtime {
        return;
    }
    out.push(
        Rule::ModelProtocol
            .diagnostic(format!(
                "model `{name}` speaks the GPT-Live protocol, which Switchboard does not serve"
            ))
            .at_opt(cx.doc.span_of("model"))
            .note("Switchboard connects to the GA Realtime API (/v1/realtime) only")
            .hint(format!(
                "use a Realtime model such as `{}`",
                models::DEFAULT_MODEL
            )),
    );
}

/// SB0126. A model that does not reason refuses `reasoning`, or ignores it; one that reasons
/// may not take every effort. Either way the setting the author counted on does not apply.
pub(super) fn reasoning_unsupported(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let Some(model) = models::lookup(&a.model) else {
        return;
    };
    let mut settings: Vec<(Effort, String)> = Vec::new();
    if let Some(r) = a.reasoning {
        settings.push((r.effort, "reasoning.effort".to_owned()));
    }
    for (i, state) in a.dynamic.iter().flat_map(|d| d.states.iter().enumerate()) {
        if let Some(r) = state.reasoning {
            settings.push((r.effort, format!("dynamic.states[{i}].reasoning.effort")));
        }
    }
    for (effort, path) in settings {
        if let Some(problem) = effort_problem(&a.model, &model.capabilities, effort) {
            out.push(
                Rule::ReasoningUnsupported
                    .diagnostic(problem)
                    .at_opt(cx.doc.span_of(&path))
                    .hint(format!(
                        "remove `reasoning`, or run the agent on a model that reasons, such as `{}`",
                        models::DEFAULT_MODEL
                    )),
            );
        }
    }
}

/// What is wrong with `effort` on a model of these capabilities; nothing when it is fine or
/// the capabilities are not known.
fn effort_problem(model: &str, capabilities: &Capabilities, effort: Effort) -> Option<String> {
    match capabilities.reasoning? {
        Reasoning::Unsupported => Some(format!(
            "`reasoning` is set, but model `{model}` does not reason"
        )),
        Reasoning::Efforts(efforts) if !efforts.contains(&effort) => {
            let supported: Vec<&str> = efforts.iter().map(|e| e.as_str()).collect();
            Some(format!(
                "model `{model}` does not take reasoning effort `{effort}` (it takes {})",
                supported.join(", ")
            ))
        }
        Reasoning::Efforts(_) => None,
    }
}

/// SB0125. The prompt-objects API was shut down: the upstream refuses a session that names a
/// stored prompt, so the agent's calls fail before the first word.
pub(super) fn prompt_shut_down(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(prompt) = &cx.agent.prompt else {
        return;
    };
    out.push(
        Rule::PromptShutDown
            .diagnostic(format!(
                "`prompt` names stored prompt `{}`, but OpenAI shut the prompt-objects API down on {PROMPT_OBJECTS_SHUTDOWN}",
                prompt.id
            ))
            .at_opt(cx.doc.key_span_of("prompt"))
            .note("the upstream refuses a session that names a stored prompt: every call fails")
            .hint("copy the prompt's text into the agent (`role`, `instructions`, sections) and remove `prompt`"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_effort_outside_the_models_list_is_a_problem() {
        let some = Capabilities {
            reasoning: Some(Reasoning::Efforts(&[Effort::Low, Effort::Medium])),
            parallel_tool_calls: None,
            multi_message_responses: None,
            context_window: None,
        };
        assert_eq!(effort_problem("m", &some, Effort::Low), None);
        assert_eq!(
            effort_problem("m", &some, Effort::Xhigh).as_deref(),
            Some("model `m` does not take reasoning effort `xhigh` (it takes low, medium)")
        );
        let unknown = Capabilities {
            reasoning: None,
            ..some
        };
        assert_eq!(effort_problem("m", &unknown, Effort::Xhigh), None);
    }
}
