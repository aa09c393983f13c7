//! Scenario tests for Switchboard agents (`switchboard test`).
//!
//! A scenario file names an agent, the model's side as an emulator script, the caller's turns
//! and what must hold once the call is over. [`run`] plays it through the real gateway and the
//! emulator over sockets on 127.0.0.1, records the call into a temporary store, and checks the
//! expectations against that record. [`ScenarioRuns`] gathers repeated runs (pass^k),
//! [`compare`] sets two variants side by side, [`junit`] and [`html`] write reports.
//! [`scenario_from_record`] turns a recorded call into a scenario that replays it.
//! `docs/scenarios.md` describes the format.

mod check;
pub mod compare;
mod export;
pub mod html;
pub mod junit;
mod latency;
mod run;
mod runs;
mod scenario;
mod voice;

pub use check::{Failure, evaluate, subset};
pub use export::scenario_from_record;
pub use latency::turn_latencies;
pub use run::{Model, Report, RunOptions, run};
pub use runs::{RUN_PROBLEM, ScenarioRuns, Tally, pass_hat_k};
pub use scenario::{
    AudioTurn, DEFAULT_TURN_TIMEOUT, Ender, Expectation, Scenario, ScenarioError, Sound, Threshold,
    ToolMatch, Turn, from_text, load,
};
pub use voice::WavClip;

/// The scenario files under `path`: the file itself, or, for a directory, the `*.yaml` /
/// `*.yml` files of every `scenarios` directory at or below it, and when there is none, those
/// directly in it. (An agent's directory holds its agent file and a `scenarios` directory: the
/// agent file is not a scenario.) Sorted.
///
/// # Errors
/// The path cannot be read.
pub fn discover(path: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    if path.file_name().is_some_and(|n| n == "scenarios") {
        found = yaml_files(path)?;
    } else {
        scenarios_dirs(path, &mut found)?;
    }
    if found.is_empty() {
        found = yaml_files(path)?;
    }
    found.sort();
    Ok(found)
}

fn yaml_files(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(out)
}

fn scenarios_dirs(
    dir: &std::path::Path,
    found: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "scenarios") {
            found.extend(yaml_files(&path)?);
        } else if path
            .file_name()
            .is_some_and(|n| !n.to_string_lossy().starts_with('.') && n != "target")
        {
            scenarios_dirs(&path, found)?;
        }
    }
    Ok(())
}
