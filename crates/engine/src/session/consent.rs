//! Consent for confirmation-first tools.

use super::*;

impl Session {
    /// Whether the caller affirmed a request for exactly these arguments since it was made.
    pub(super) fn confirmed(&self, name: &str, args: &Value) -> bool {
        // A question the model asked on its own names no arguments: the caller's yes covers
        // the call that follows it.
        self.confirmations
            .get(name)
            .is_some_and(|c| c.affirmed && (c.arguments.is_null() || &c.arguments == args))
    }

    /// The model asked a tool's confirmation question before calling it, as the prompt tells
    /// it to: the caller's next answer decides, as if the engine had asked.
    pub(super) fn note_confirmation_question(&mut self, said: &str) {
        let said = normalise_phrase(said);
        let asked: Vec<String> = self
            .agent
            .tools
            .iter()
            .filter(|(_, spec)| spec.tool.behaviour == Behaviour::ConfirmationFirst)
            .filter(|(_, spec)| {
                spec.tool
                    .confirmation_phrase
                    .as_deref()
                    .map(normalise_phrase)
                    .is_some_and(|phrase| !phrase.is_empty() && said.contains(&phrase))
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in asked {
            self.guard(
                GuardDecision::ConfirmationAsked,
                format!("the model asked before calling `{name}`"),
            );
            self.confirmations.insert(
                name,
                Confirmation {
                    arguments: Value::Null,
                    asked_at_turn: self.caller_turns,
                    affirmed: false,
                },
            );
        }
    }
}

/// Lowercase words only, so punctuation and dashes don't hide a phrase the model said.
pub(super) fn normalise_phrase(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text sent to the model when a confirmation-first tool is called before the caller agreed.
pub(super) fn confirmation_needed(phrase: &str) -> Value {
    json!({
        "status": "confirmation_required",
        "message": format!("Nothing was done. Ask the caller first, with: “{phrase}” Call the tool again with the same arguments only after the caller agrees."),
    })
}
