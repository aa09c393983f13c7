//! Scenario tests for Switchboard agents (`switchboard test`).
//!
//! A scenario file names an agent, the model's side as an emulator script, the caller's turns
//! and what must hold once the call is over. [`run`] plays it through the real gateway and the
//! emulator over sockets on 127.0.0.1, records the call into a temporary store, and checks the
//! expectations against that record. [`ScenarioRuns`] gathers repeated runs (pass^k),
//! [`compare`] sets two variants side by side, [`junit`] and [`html`] write reports. A
//! scenario's fixture tools can be sent to a [`ToolServer`] instead, whose answers are then
//! held to the fixtures'.
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
mod tool_server;
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
pub use tool_server::{TOOL_SERVER_PROBLEM, ToolServer};
pub use voice::WavClip;

/// The scenario files under `path`: the file itself, or, for a directory, the `*.yaml` /
/// `*.yml` files of every `scenarios` directory at or below it (with their subdirectories, such
/// as `scenarios/adversarial/`), and when there is none, those directly in it. (An agent's
/// directory holds its agent file and a `scenarios` directory: the agent file is not a
/// scenario.) Hidden directories and `target` are skipped. Sorted.
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
        yaml_files_below(path, &mut found)?;
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

/// Whether a directory is searched: not hidden, not a build directory.
fn searched(dir: &std::path::Path) -> bool {
    dir.file_name()
        .is_some_and(|n| !n.to_string_lossy().starts_with('.') && n != "target")
}

/// The `*.yaml` / `*.yml` files in `dir` and its subdirectories.
fn yaml_files_below(
    dir: &std::path::Path,
    found: &mut Vec<std::path::PathBuf>,
) -> std::io::Result<()> {
    found.extend(yaml_files(dir)?);
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() && searched(&path) {
            yaml_files_below(&path, found)?;
        }
    }
    Ok(())
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
            yaml_files_below(&path, found)?;
        } else if searched(&path) {
            scenarios_dirs(&path, found)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::discover;

    /// A directory tree of empty files, removed when dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str, files: &[&str]) -> Self {
            let root = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            for file in files {
                let path = root.join(file);
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
                std::fs::write(&path, "").expect("write");
            }
            Tree(root)
        }

        fn found(&self, at: &str) -> Vec<String> {
            discover(&self.0.join(at))
                .expect("discovers")
                .iter()
                .map(|p| {
                    p.strip_prefix(&self.0)
                        .unwrap_or(Path::new("?"))
                        .display()
                        .to_string()
                })
                .collect()
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn scenarios_directories_are_searched_with_their_subdirectories() {
        let tree = Tree::new(
            "switchboard-discover",
            &[
                "agents/a/agent.yaml",
                "agents/a/scenarios/one.yaml",
                "agents/a/scenarios/adversarial/two.yml",
                "agents/a/scenarios/adversarial/deeper/three.yaml",
                "agents/a/scenarios/adversarial/notes.md",
                "agents/a/scenarios/.hidden/four.yaml",
                "agents/a/target/scenarios/five.yaml",
                "agents/b/scenarios/six.yaml",
            ],
        );
        let all = [
            "agents/a/scenarios/adversarial/deeper/three.yaml",
            "agents/a/scenarios/adversarial/two.yml",
            "agents/a/scenarios/one.yaml",
            "agents/b/scenarios/six.yaml",
        ];
        assert_eq!(tree.found(""), all);
        assert_eq!(tree.found("agents/a"), all[..3]);
        assert_eq!(tree.found("agents/a/scenarios"), all[..3]);
        // A folder that is not `scenarios` and holds none: its own files only.
        assert_eq!(
            tree.found("agents/a/scenarios/adversarial"),
            ["agents/a/scenarios/adversarial/two.yml"]
        );
        assert_eq!(
            tree.found("agents/a/scenarios/one.yaml"),
            ["agents/a/scenarios/one.yaml"]
        );
    }
}
