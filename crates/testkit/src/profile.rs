//! Model profiles: which generation of Realtime model the emulator plays.
//!
//! The models on the GA protocol differ in behaviour a runtime must handle: the 2025
//! `gpt-realtime` speaks at most one assistant message per response and reports no reasoning;
//! `gpt-realtime-2` and later (`gpt-realtime-2.1`, `gpt-realtime-2.1-mini`) may speak several
//! messages in one response (a preamble, then more), call several tools at once, and reason.
//! A profile is chosen from the model a connection asks for, or forced by a script's `model`;
//! what each model can do comes from the agent crate's table of models.

use switchboard_agent::models::{self, Protocol};
use switchboard_wire::Extra;
use switchboard_wire::{Reasoning, ReasoningEffort};

/// The behaviour the emulator plays, by model generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// `gpt-realtime` (2025) and its contemporaries (`gpt-realtime-mini`, `gpt-realtime-1.5`):
    /// one assistant message per response (a response's scripted messages are spoken as one),
    /// no reasoning, `parallel_tool_calls` not reported.
    #[default]
    GptRealtime,
    /// `gpt-realtime-2` and later: each scripted message is its own `message` item, the
    /// session reports `parallel_tool_calls: true` and a reasoning effort.
    GptRealtime21,
}

/// Whether a script's `model` may name `name`: a Realtime model of the table (the emulator
/// does not speak GPT-Live's protocol).
pub(crate) fn known_realtime_model(name: &str) -> bool {
    models::lookup(name).is_some_and(|m| m.protocol == Protocol::Realtime)
}

/// Every name a script's `model` may take, for error messages.
pub(crate) fn known_realtime_models() -> Vec<&'static str> {
    models::names()
        .filter(|n| known_realtime_model(n))
        .collect()
}

/// The reasoning effort the newer models report before a client sets one. The SDK types
/// document the field but not its default; `low` is what the emulator assumes.
const DEFAULT_EFFORT: ReasoningEffort = ReasoningEffort::Low;

impl Profile {
    /// The profile for a model name as a client asks for it (`?model=…`): what the table of
    /// models says the model does (several messages, parallel calls or reasoning: the newer
    /// behaviour). A model the table does not know, or whose abilities are not published, is
    /// judged by its name: versions 2 and later of `gpt-realtime` (`gpt-realtime-2.1-mini`)
    /// play the newer behaviour, anything else (dated snapshots of the 2025 model included)
    /// the 2025 one.
    pub fn for_model(name: &str) -> Profile {
        let name = name.trim();
        if let Some(model) = models::lookup(name) {
            let abilities = model.capabilities;
            let newer = [
                abilities.multi_message_responses,
                abilities.parallel_tool_calls,
                abilities
                    .reasoning
                    .map(|r| matches!(r, models::Reasoning::Efforts(_))),
            ];
            if newer.contains(&Some(true)) {
                return Profile::GptRealtime21;
            }
            if newer.iter().all(Option::is_some) {
                return Profile::GptRealtime;
            }
        }
        let Some(rest) = name.strip_prefix("gpt-realtime-") else {
            return Profile::GptRealtime;
        };
        let version = rest.split('-').next().unwrap_or("");
        let major = version.split('.').next().unwrap_or("");
        // A dated snapshot starts with a four-digit year, which is no version.
        match major.parse::<u32>() {
            Ok(major) if (2..100).contains(&major) => Profile::GptRealtime21,
            _ => Profile::GptRealtime,
        }
    }

    /// The model name the profile is documented under.
    pub fn name(self) -> &'static str {
        match self {
            Profile::GptRealtime => "gpt-realtime",
            Profile::GptRealtime21 => "gpt-realtime-2.1",
        }
    }

    /// Whether one response may hold several assistant messages.
    pub fn several_messages(self) -> bool {
        matches!(self, Profile::GptRealtime21)
    }

    /// `parallel_tool_calls` as `session.created` reports it.
    pub(crate) fn parallel_tool_calls(self) -> Option<bool> {
        match self {
            Profile::GptRealtime => None,
            Profile::GptRealtime21 => Some(true),
        }
    }

    /// `reasoning` as `session.created` reports it.
    pub(crate) fn reasoning(self) -> Option<Reasoning> {
        match self {
            Profile::GptRealtime => None,
            Profile::GptRealtime21 => Some(Reasoning {
                effort: Some(DEFAULT_EFFORT),
                extra: Extra::default(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_two_and_later_play_the_newer_models() {
        for name in [
            "gpt-realtime-2",
            "gpt-realtime-2.1",
            "gpt-realtime-2.1-mini",
            "gpt-realtime-2-2026-05-01",
            "gpt-realtime-3",
        ] {
            assert_eq!(Profile::for_model(name), Profile::GptRealtime21, "{name}");
        }
        for name in [
            "gpt-realtime",
            "gpt-realtime-2025-08-28",
            "gpt-realtime-mini",
            "gpt-realtime-mini-2025-12-15",
            "gpt-realtime-1.5",
            "gpt-4o-realtime-preview",
            "",
        ] {
            assert_eq!(Profile::for_model(name), Profile::GptRealtime, "{name}");
        }
    }

    #[test]
    fn every_known_realtime_model_has_the_profile_its_name_says() {
        let known = known_realtime_models();
        assert!(known.contains(&"gpt-realtime-2.1") && known.contains(&"gpt-realtime"));
        assert!(!known.iter().any(|n| n.starts_with("gpt-live")));
        for name in known {
            let newer = name.starts_with("gpt-realtime-2") && !name.starts_with("gpt-realtime-202");
            assert_eq!(Profile::for_model(name).several_messages(), newer, "{name}");
        }
    }
}
