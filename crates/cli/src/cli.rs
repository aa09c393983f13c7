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
    /// Convert audio between the Realtime formats and tune voice activity detection.
    #[command(subcommand)]
    Audio(AudioCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum AudioCommand {
    /// Convert a WAV file to another rate or encoding (mixing down to mono).
    ///
    /// G.711 (µ-law, A-law) is always 8 kHz; PCM16 may be 8, 16, 24 or 48 kHz.
    Convert {
        /// WAV file to read (PCM16, µ-law or A-law, any channel count).
        input: PathBuf,
        /// WAV file to write.
        output: PathBuf,
        /// Output sample rate in Hz; the input's rate for PCM16, 8000 for G.711.
        #[arg(long)]
        rate: Option<u32>,
        /// Output encoding.
        #[arg(long, value_enum, default_value_t = Encoding::Pcm16)]
        encoding: Encoding,
    },
    /// Run voice activity detection with `server_vad` semantics and print turn boundaries.
    ///
    /// Prints one line per event: `speech_started audio_start_ms=N` or
    /// `speech_stopped audio_end_ms=N`, offsets counted from the start of the file, as the
    /// Realtime API reports them.
    Vad {
        /// WAV file to analyse.
        input: PathBuf,
        /// Activation threshold 0.0–1.0; higher needs louder speech.
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
        /// Audio kept before detected speech, in ms.
        #[arg(long, default_value_t = 300)]
        prefix_padding_ms: u64,
        /// Silence that ends a turn, in ms.
        #[arg(long, default_value_t = 500)]
        silence_duration_ms: u64,
    },
}

/// A sample encoding of the Realtime API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Encoding {
    /// 16-bit signed little-endian PCM.
    Pcm16,
    /// G.711 µ-law, 8 kHz.
    Ulaw,
    /// G.711 A-law, 8 kHz.
    Alaw,
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
