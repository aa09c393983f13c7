//! Agent files: the model of the guide's prompt skeleton, a loader that reports problems at
//! `file:line:column`, and their diagnostics.
//!
//! ```
//! let text = "name: northloop\nrole: You are NorthLoop Internet Support.\n";
//! let loaded = switchboard_agent::load(text).expect("a valid agent");
//! assert_eq!(loaded.agent.name, "northloop");
//! ```
//!
//! [`models`] is the table of known Realtime models (capabilities, shutdown dates) the linter,
//! the emulator and the gateway share.
//!
//! This package does no IO and reads no clock: callers read files and pass their text, and
//! pass today's date to [`lint`].

// Diagnostics are returned on the cold path of loading a file; boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod date;
pub mod diagnostic;
mod lint;
mod load;
pub mod model;
pub mod models;
pub mod render;
mod source;

pub use date::Date;
pub use diagnostic::{Diagnostic, Located, Severity, Span};
pub use lint::{RULES, lint};
pub use load::{LoadedAgent, common_tool_name, load};
pub use model::AgentFile;
pub use render::{
    MissingVariable, RenderError, Rendered, render, render_all, with_mcp_credentials,
};
pub use source::{Document, parse as parse_document};

/// The JSON Schema of agent files, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(AgentFile)).expect("a schema is plain JSON")
}
