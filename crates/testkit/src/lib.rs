//! Test kit: an emulator of the OpenAI Realtime API (GA), driven by a script.
//!
//! The emulator plays the model's side of a call from a [`Script`] (YAML or JSON, see
//! `docs/emulator.md`): each in-band response takes the next entry and says its `say`, makes
//! its `calls`, sends its `raw` frames or `disconnect`s, in the exact GA event order. It
//! cannot understand speech; a script's `heard` is what it reports the caller said.
//!
//! - [`Emulator`] serves it over WebSocket at `{url}/realtime?model=…`, for tests and for
//!   `switchboard emulate`; [`serve`] runs it in the foreground. The same server plays an
//!   agent's supervisor (the text model it asks) from the script's `supervisor` replies, as
//!   an OpenAI-compatible Chat Completions endpoint at `POST {chat_url}/chat/completions`.
//! - [`client`] is a Realtime client over the wire types (server events, the gateway's
//!   observation events, the close), for the scenario runner, `switchboard chat` and the
//!   relay benchmark.
//! - [`EmulatedSession`] is the sans-IO core of one connection, for tests that want no
//!   sockets: feed frames and time in, poll events out.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use switchboard_testkit::{EmulatedSession, Output, Rehearsal, Script};
//! use switchboard_wire::ServerEvent;
//!
//! let script = Script::from_text("responses:\n  - say: Hello there.\n", "inline.yaml")?;
//! let mut session = EmulatedSession::new(Arc::new(Rehearsal::new(script)), "gpt-realtime", Instant::now());
//! session.handle_frame(r#"{"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}"#, Instant::now());
//! session.handle_frame(r#"{"type":"response.create"}"#, Instant::now());
//! let mut text = String::new();
//! while let Some(output) = session.poll_output() {
//!     if let Output::Event(ServerEvent::ResponseOutputTextDone(done)) = output {
//!         text = done.text;
//!     }
//! }
//! assert_eq!(text, "Hello there.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod chat;
pub mod client;
mod config;
mod echo;
mod profile;
mod rehearsal;
pub mod relay;
mod script;
mod server;
mod session;
mod voice;

pub use echo::EchoModel;
pub use profile::Profile;
pub use rehearsal::Rehearsal;
pub use script::{Entry, Pace, Script, ScriptError, ScriptedCall, ScriptedStep, SupervisorReply};
pub use server::{Emulator, EmulatorOptions, serve};
pub use session::{EmulatedSession, Output};
