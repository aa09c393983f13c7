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

/// Reads and loads an agent file. When it does not load, its diagnostics are printed to stderr
/// and the error says how many there were.
pub(crate) fn load_agent(path: &std::path::Path) -> Result<switchboard_agent::LoadedAgent, Error> {
    use switchboard_agent::diagnostic::{Located, render_human};

    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    switchboard_agent::load(&text).map_err(|diagnostics| {
        let located: Vec<Located<'_>> = diagnostics
            .iter()
            .map(|diagnostic| Located {
                diagnostic,
                file: &name,
                text: &text,
            })
            .collect();
        eprint!("{}", render_human(&located));
        let n = diagnostics.len();
        format!(
            "{name}: {n} error{} in the agent file",
            if n == 1 { "" } else { "s" }
        )
        .into()
    })
}
