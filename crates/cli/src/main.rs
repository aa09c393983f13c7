//! `switchboard`: a runtime for realtime voice agents.
//!
//! `main` only parses flags and maps outcomes to exit codes: 0 success, 1 a failure was found
//! (an event that does not parse, …), 2 a usage or input error.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod cmd;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cmd::run(args) {
        Ok(cmd::Outcome::Success) => ExitCode::SUCCESS,
        Ok(cmd::Outcome::FailureFound) => ExitCode::from(1),
        Err(err) => {
            eprintln!("switchboard: {err:#}");
            ExitCode::from(2)
        }
    }
}
