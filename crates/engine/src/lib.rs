//! The session engine: one [`Session`] per call, a deterministic state machine that enforces
//! the agent's guards whatever the model does.
//!
//! It takes [`Input`]s (caller events, model events, tool results) with the current time and
//! yields [`Output`]s (events for either side, tools to run, escalations, hang-ups, records).
//! It does no IO, spawns no tasks and reads no clock; a driver owns the sockets and timers:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use switchboard_engine::{CompiledAgent, Output, Session, SessionConfig, Timer};
//!
//! let file = switchboard_agent::load("name: demo\nrole: You are a demo agent.\n").expect("valid").agent;
//! let agent = Arc::new(CompiledAgent::new(file).expect("compiles"));
//! let now = Instant::now();
//! let mut session = Session::new(agent, SessionConfig::new("sess_1"), now);
//! // The model is configured first, then the caller learns the session.
//! assert!(matches!(session.poll_output(), Some(Output::ToModel(_))));
//! assert!(matches!(session.poll_output(), Some(Output::ToCaller(_))));
//! // Timers are named: the model must confirm the agent's session within 10 s, and the call
//! // moves to a fresh upstream session before the upstream's 60 minutes.
//! let timers: Vec<Timer> = session.timers().into_iter().map(|(_, t)| t).collect();
//! assert_eq!(timers, [Timer::SessionUpdateDeadline, Timer::Rollover]);
//! assert_eq!(session.poll_timeout(), Some(now + std::time::Duration::from_secs(10)));
//! ```
//!
//! Guards it enforces today: the agent's instructions, tools and locked turn detection survive
//! a caller's `session.update`; agent tools run server-side and caller tools pass through; a
//! call id runs at most once; a confirmation-first call is a pending action (the tool and its
//! normalised arguments) that runs only after the caller **heard** a question about exactly it
//! (its confirmation phrase, naming the values of its `confirm.arguments`), answered that
//! question with an explicit yes (questions, hedges, conditions, waits, requests to explain and
//! negations are not consent), and the model's next call of the tool carries exactly those
//! arguments; a consent is used once and never carries to another tool, question or arguments
//! (`session/consent.rs`, the answer's lexicon in `affirm.rs`); arguments are checked
//! against their schema and limits; dynamic-flow transitions follow allowed edges with their
//! requirements met; failed attempts and silence
//! count towards escalation, with the engine escalating itself if the model does not; barge-in
//! truncates the agent's audio where playback stopped and the transcript keeps only what was
//! heard; preamble tools that run silently get a spoken preamble; the supervisor (thinker)
//! exchange runs here (the engine builds the Chat Completions requests, reads the streamed
//! reply, runs the supervisor's tool calls through the same guards as the responder's) and its
//! answer is made speakable, with a filler while it thinks and a fallback line on timeout or
//! error; the model's readback of marked slots is checked character by
//! character; before the upstream session limit the call rolls over to a new session between
//! turns, replaying a summary, the state, the slots and the recent turns.

mod affirm;
mod compiled;
mod io;
mod policy;
mod session;
mod vocabulary;

pub use compiled::{CompileError, CompiledAgent};
pub use io::{
    CallSummary, Escalation, Input, Output, Record, RolloverPlan, Speaker, Stamped,
    SupervisorFailure, SupervisorRequest, SupervisorRequestId, ToolRun,
};
pub use session::{Session, SessionConfig, Timer};
pub use vocabulary::{
    CalledBy, GuardDecision, HangUpReason, LatencyKind, ToolError, ToolOutcome, UnknownName,
};
