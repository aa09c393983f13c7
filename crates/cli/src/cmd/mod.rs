//! The subcommands.

use crate::cli::{Args, Command};

mod audio;
mod events;
mod lint;
mod render;
mod schema;

/// How a command ended, when it ran to the end.
pub(crate) enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran but found a problem in its input (exit code 1).
    FailureFound,
}

/// A usage or input error (exit code 2).
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs the chosen subcommand.
pub(crate) fn run(args: Args) -> Result<Outcome, Error> {
    match args.command {
        Command::Events(cmd) => events::run(cmd),
        Command::Audio(cmd) => audio::run(cmd),
        Command::Lint(args) => lint::run(args),
        Command::Render {
            agent,
            state,
            format,
        } => render::run(&agent, state.as_deref(), format),
        Command::Schema => schema::run(),
    }
}
