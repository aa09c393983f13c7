//! Scenario tests for Switchboard agents (`switchboard test`).
//!
//! A scenario file names an agent, the model's side as an emulator script, the caller's turns
//! and what must hold once the call is over. [`run`] plays it through the real gateway and the
//! emulator over sockets on 127.0.0.1, records the call into a temporary store, and checks the
//! expectations against that record. [`junit`] writes reports as JUnit XML.
//! `docs/scenarios.md` describes the format.

mod check;
pub mod junit;
mod run;
mod scenario;

pub use check::{Failure, evaluate, subset};
pub use run::{Model, Report, RunOptions, run};
pub use scenario::{
    DEFAULT_TURN_TIMEOUT, Ender, Expectation, Scenario, ScenarioError, ToolMatch, Turn, from_text,
    load,
};

/// The scenario files under `path`: the file itself, or, for a directory, every `*.yaml` /
/// `*.yml` in it when it is a `scenarios` directory or holds such files directly, and else
/// those of every `scenarios` directory found below it. Sorted.
///
/// # Errors
/// The path cannot be read.
pub fn discover(path: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let direct = yaml_files(path)?;
    let mut found = if !direct.is_empty() {
        direct
    } else {
        let mut found = Vec::new();
        scenarios_dirs(path, &mut found)?;
        found
    };
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
