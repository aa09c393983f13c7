//! Checking the model's readback of captured values, character by character.

use super::*;

impl Session {
    /// Compares what the model said with captured slots marked for readback; on a mismatch it
    /// has the model correct itself.
    pub(super) fn check_readback(&mut self, said: &str) {
        let Some(flow) = &self.agent.file.dynamic else {
            return;
        };
        let marked: Vec<(String, String)> = flow
            .slots
            .iter()
            .filter(|s| s.readback)
            .filter_map(|s| {
                let value = match self.slots.get(&s.name)? {
                    Value::String(v) => v.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((s.name.clone(), value))
            })
            .collect();
        for (name, value) in marked {
            match switchboard_speech::readback_matches(said, &value) {
                switchboard_speech::Comparison::Match => {
                    self.guard(
                        GuardDecision::ReadbackVerified,
                        format!("`{name}` was read back correctly"),
                    );
                }
                // A difference at the very first character means another number was spoken,
                // not this value, so only later differences count.
                switchboard_speech::Comparison::Mismatch {
                    index,
                    expected,
                    heard,
                } if index > 0 => {
                    let detail = format!(
                        "`{name}` read back wrong at character {}: said {}, the value has {}",
                        index + 1,
                        heard.map_or("nothing".to_owned(), |c| format!("“{c}”")),
                        expected.map_or("nothing more".to_owned(), |c| format!("“{c}”")),
                    );
                    self.guard(GuardDecision::ReadbackMismatch, detail.clone());
                    let correct =
                        switchboard_speech::spell(&value, switchboard_speech::Style::HYPHENS);
                    let text = format!(
                        "Correction: you read the {name} back incorrectly ({detail}). Apologise briefly and read it again exactly: {correct}."
                    );
                    self.system_message(text);
                    self.request_response();
                }
                _ => {}
            }
        }
    }
}
