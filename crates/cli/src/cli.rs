//! Command-line flags, as parsed by clap. Validation beyond their shape happens in `cmd`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Switchboard: a runtime for realtime voice agents built on speech-to-speech models.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check and translate Realtime API events (GA or beta).
    #[command(subcommand)]
    Events(EventsCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum EventsCommand {
    /// Parse events and write them back in canonical form, one JSON line per event.
    ///
    /// Input is JSON Lines (one event per line), or a file holding a single JSON event.
    /// An event that does not parse is answered by the Realtime `error` event it would get
    /// from a server, on the same output line, and makes the exit code 1.
    Parse {
        /// Files to read; standard input when none is given.
        files: Vec<PathBuf>,
        /// Who sent the events.
        #[arg(long, value_enum, default_value_t = Side::Client)]
        side: Side,
        /// The dialect the events are written in.
        #[arg(long = "from", value_enum, default_value_t = Dialect::Ga)]
        from: Dialect,
        /// The dialect to write. Server events that beta lacks are written as `null`.
        #[arg(long = "to", value_enum, default_value_t = Dialect::Ga)]
        to: Dialect,
    },
    /// List the event types Switchboard models, one per line.
    Types {
        /// Whose events to list.
        #[arg(long, value_enum, default_value_t = Side::Client)]
        side: Side,
    },
}

/// Which side of a Realtime connection sent an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Side {
    /// Events a client sends (`session.update`, `input_audio_buffer.append`, …).
    Client,
    /// Events the server sends (`session.created`, `response.output_audio.delta`, …).
    Server,
}

/// A version of the Realtime protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Dialect {
    /// The generally available protocol (gpt-realtime).
    Ga,
    /// The 2024 preview protocol (`OpenAI-Beta: realtime=v1`).
    Beta,
}
