//! The Realtime models Switchboard knows: their protocol, what they can do and when OpenAI shuts
//! them down. One table, read by the linter, the emulator's model profiles, the engine and the
//! gateway; docs/models.md explains it.
//!
//! ```
//! use switchboard_agent::models::{self, Effort, Protocol};
//!
//! let model = models::lookup("gpt-realtime-2025-08-28").expect("a dated snapshot of gpt-realtime");
//! assert_eq!(model.name, "gpt-realtime");
//! assert_eq!(model.protocol, Protocol::Realtime);
//! assert_eq!(model.shutdown.map(|d| d.to_string()).as_deref(), Some("2027-01-20"));
//! assert_eq!(model.capabilities.supports_effort(Effort::High), Some(false));
//!
//! let newest = models::lookup("gpt-realtime-2.1").expect("known");
//! assert_eq!(newest.capabilities.parallel_tool_calls, Some(true));
//! ```
//!
//! Facts come from OpenAI's published model list and SDK types as of December 2026. A fact
//! they do not give is `None` ("unknown"), never a guess: code that needs it must decide what
//! to do without it. The one reading the table relies on: reasoning effort, parallel tool calls
//! and several messages per response are listed as arriving with `gpt-realtime-2` (2026-05), so
//! the models released before it are recorded without them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::date::Date;

/// The model a new agent runs on when its file names none.
pub const DEFAULT_MODEL: &str = "gpt-realtime-2.1";

/// A model, by the name an agent file or a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// The family name, e.g. `gpt-realtime`.
    pub name: &'static str,
    /// Dated snapshots that are this model, e.g. `gpt-realtime-2025-08-28`.
    pub snapshots: &'static [&'static str],
    /// The protocol it speaks.
    pub protocol: Protocol,
    /// Year and month of release, as published (`2026-05`).
    pub released: &'static str,
    /// What it can do.
    pub capabilities: Capabilities,
    /// The day OpenAI shuts it down; `None` when none is announced.
    pub shutdown: Option<Date>,
    /// The model of the same line to move to before the shutdown, if any.
    pub successor: Option<&'static str>,
}

/// The wire protocol a model speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The GA Realtime API (`/v1/realtime`): the one Switchboard serves and sends upstream.
    Realtime,
    /// GPT-Live (`/v1/live/sessions`): its own full-duplex protocol, which Switchboard does not
    /// speak.
    Live,
}

/// What a model can do. `None` is "not published", not "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Reasoning, and the efforts it takes.
    pub reasoning: Option<Reasoning>,
    /// Several `function_call` items in one response (`parallel_tool_calls`).
    pub parallel_tool_calls: Option<bool>,
    /// Several assistant `message` items in one response (a spoken preamble, then the answer).
    pub multi_message_responses: Option<bool>,
    /// Context window in tokens, rounded as published (32k, 128k).
    pub context_window: Option<u32>,
}

impl Capabilities {
    /// Whether `session.reasoning.effort` may be `effort`; `None` when unknown.
    pub fn supports_effort(&self, effort: Effort) -> Option<bool> {
        match self.reasoning? {
            Reasoning::Unsupported => Some(false),
            Reasoning::Efforts(efforts) => Some(efforts.contains(&effort)),
        }
    }
}

/// Whether a model reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reasoning {
    /// It does not: a session must not set `reasoning`.
    Unsupported,
    /// It does, with these efforts.
    Efforts(&'static [Effort]),
}

/// A reasoning effort (`session.reasoning.effort`), from least to most thinking before
/// speaking.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Effort {
    /// `minimal`.
    Minimal,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `xhigh`.
    Xhigh,
}

impl Effort {
    /// Every effort, least first.
    pub const ALL: &'static [Effort] = &[
        Effort::Minimal,
        Effort::Low,
        Effort::Medium,
        Effort::High,
        Effort::Xhigh,
    ];

    /// The wire spelling: `minimal` … `xhigh`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Minimal => "minimal",
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
            Effort::Xhigh => "xhigh",
        }
    }
}

impl std::fmt::Display for Effort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the models released before `gpt-realtime-2` lack.
const BEFORE_REASONING: Capabilities = Capabilities {
    reasoning: Some(Reasoning::Unsupported),
    parallel_tool_calls: Some(false),
    multi_message_responses: Some(false),
    context_window: None,
};

/// What `gpt-realtime-2` brought, which its successor keeps.
const REASONING_LINE: Capabilities = Capabilities {
    reasoning: Some(Reasoning::Efforts(Effort::ALL)),
    parallel_tool_calls: Some(true),
    multi_message_responses: Some(true),
    context_window: None,
};

const UNKNOWN: Capabilities = Capabilities {
    reasoning: None,
    parallel_tool_calls: None,
    multi_message_responses: None,
    context_window: None,
};

/// OpenAI's announced shutdown of the 2025 models (`gpt-realtime`, `gpt-realtime-mini` and
/// their snapshots).
const SHUTDOWN_2025_MODELS: Date = Date::known(2027, 1, 20);

/// Every model Switchboard knows, oldest first.
pub const MODELS: &[Model] = &[
    Model {
        name: "gpt-realtime",
        snapshots: &["gpt-realtime-2025-08-28"],
        protocol: Protocol::Realtime,
        released: "2025-08",
        capabilities: BEFORE_REASONING,
        shutdown: Some(SHUTDOWN_2025_MODELS),
        successor: Some("gpt-realtime-2.1"),
    },
    Model {
        name: "gpt-realtime-mini",
        snapshots: &[
            "gpt-realtime-mini-2025-10-06",
            "gpt-realtime-mini-2025-12-15",
        ],
        protocol: Protocol::Realtime,
        released: "2025-10",
        capabilities: BEFORE_REASONING,
        shutdown: Some(SHUTDOWN_2025_MODELS),
        successor: Some("gpt-realtime-2.1-mini"),
    },
    Model {
        name: "gpt-realtime-1.5",
        snapshots: &[],
        protocol: Protocol::Realtime,
        released: "2026-02",
        capabilities: Capabilities {
            context_window: Some(32_000),
            ..BEFORE_REASONING
        },
        shutdown: None,
        successor: None,
    },
    Model {
        name: "gpt-realtime-2",
        snapshots: &[],
        protocol: Protocol::Realtime,
        released: "2026-05",
        capabilities: Capabilities {
            context_window: Some(128_000),
            ..REASONING_LINE
        },
        shutdown: None,
        successor: None,
    },
    Model {
        name: "gpt-realtime-2.1",
        snapshots: &[],
        protocol: Protocol::Realtime,
        released: "2026-07",
        capabilities: REASONING_LINE,
        shutdown: None,
        successor: None,
    },
    Model {
        name: "gpt-realtime-2.1-mini",
        snapshots: &[],
        protocol: Protocol::Realtime,
        released: "2026-07",
        capabilities: UNKNOWN,
        shutdown: None,
        successor: None,
    },
    Model {
        name: "gpt-live-1",
        snapshots: &[],
        protocol: Protocol::Live,
        released: "2026-09",
        capabilities: UNKNOWN,
        shutdown: None,
        successor: None,
    },
    Model {
        name: "gpt-live-1.1",
        snapshots: &[],
        protocol: Protocol::Live,
        released: "2026-11",
        capabilities: UNKNOWN,
        shutdown: None,
        successor: None,
    },
];

/// The model called `name`: a family name, or one of its dated snapshots. Exact match: model
/// names are case-sensitive upstream.
pub fn lookup(name: &str) -> Option<&'static Model> {
    MODELS
        .iter()
        .find(|m| m.name == name || m.snapshots.contains(&name))
}

/// Every name [`lookup`] knows, families and snapshots, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODELS
        .iter()
        .flat_map(|m| std::iter::once(m.name).chain(m.snapshots.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_a_known_realtime_model_without_a_shutdown() {
        let m = lookup(DEFAULT_MODEL).expect("known");
        assert_eq!(m.protocol, Protocol::Realtime);
        assert_eq!(m.shutdown, None);
    }

    #[test]
    fn snapshots_map_to_their_family_and_unknown_names_to_none() {
        assert_eq!(
            lookup("gpt-realtime-mini-2025-12-15").map(|m| m.name),
            Some("gpt-realtime-mini")
        );
        assert_eq!(lookup("gpt-realtime-3"), None);
        assert_eq!(lookup("GPT-REALTIME"), None);
    }

    #[test]
    fn names_are_unique_and_successors_are_in_the_table() {
        let all: Vec<&str> = names().collect();
        let unique: std::collections::BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(all.len(), unique.len());
        for m in MODELS {
            if let Some(next) = m.successor {
                let next = lookup(next).expect("a successor in the table");
                assert_eq!(next.protocol, m.protocol);
                assert_eq!(next.shutdown, None);
            }
        }
    }

    #[test]
    fn efforts_follow_the_reasoning_capability() {
        let old = lookup("gpt-realtime").expect("known").capabilities;
        let new = lookup("gpt-realtime-2").expect("known").capabilities;
        let unknown = lookup("gpt-live-1").expect("known").capabilities;
        assert_eq!(old.supports_effort(Effort::Low), Some(false));
        assert_eq!(new.supports_effort(Effort::Xhigh), Some(true));
        assert_eq!(unknown.supports_effort(Effort::Low), None);
    }
}
