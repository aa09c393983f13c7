//! `switchboard lint`: check agent files against the Realtime Prompting Guide, or have a model
//! critique one (`--critique`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use switchboard_agent::diagnostic::{Located, render_human, render_json, render_sarif};
use switchboard_agent::{Date, Diagnostic, RULES, Severity};

use super::{Error, Outcome};
use crate::cli::{LintArgs, LintFormat};

mod critique;

pub(crate) fn run(args: LintArgs) -> Result<Outcome, Error> {
    if args.critique {
        return critique::run(&args);
    }
    let files = agent_files(&args.paths)?;
    let today = args.today.unwrap_or_else(today_utc);

    // One entry per file: its name, its text and what was found in it.
    let mut checked: Vec<(String, String, Vec<Diagnostic>)> = Vec::new();
    let mut broken = 0usize;
    for path in &files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => {
                eprintln!("switchboard: cannot read {name}: {err}");
                broken += 1;
                continue;
            }
        };
        let diagnostics = match switchboard_agent::load(&text) {
            Ok(loaded) => switchboard_agent::lint(&loaded, today),
            Err(diagnostics) => {
                broken += 1;
                diagnostics
            }
        };
        checked.push((name, text, diagnostics));
    }

    let located: Vec<Located<'_>> = checked
        .iter()
        .flat_map(|(file, text, diagnostics)| {
            diagnostics.iter().map(move |diagnostic| Located {
                diagnostic,
                file,
                text,
            })
        })
        .collect();
    let errors = located
        .iter()
        .filter(|l| l.diagnostic.severity == Severity::Error)
        .count();
    let warnings = located.len() - errors;
    let mut out = io::stdout().lock();
    match args.format {
        LintFormat::Human => {
            write!(out, "{}", render_human(&located))?;
            eprintln!("{}", summary(errors, warnings, files.len()));
        }
        LintFormat::Json => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&render_json(&located))?
            )?;
        }
        LintFormat::Sarif => {
            let log = render_sarif(&located, RULES);
            writeln!(out, "{}", serde_json::to_string_pretty(&log)?)?;
        }
    }
    out.flush()?;

    if broken > 0 {
        let n = files.len();
        return Err(format!(
            "{broken} of {n} file{} could not be read or did not load",
            plural(n)
        )
        .into());
    }
    Ok(if errors > 0 {
        Outcome::FailureFound
    } else {
        Outcome::Success
    })
}

/// Today in UTC, from the system clock: the one place `lint` reads it.
fn today_utc() -> Date {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days_since_epoch(i64::try_from(secs / 86_400).unwrap_or(i64::MAX))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `2 errors, 1 warning in 3 files`.
fn summary(errors: usize, warnings: usize, files: usize) -> String {
    format!(
        "{errors} error{}, {warnings} warning{} in {files} file{}",
        plural(errors),
        plural(warnings),
        plural(files)
    )
}

/// The files to lint: each path that is a file, and every `agent.yaml`, `agent.yml` and
/// `agent.json` beneath each path that is a directory (sorted). A path that does not exist is
/// kept, so that reading it reports the error with the others.
fn agent_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            if found.is_empty() {
                return Err(format!(
                    "no agent files (agent.yaml, agent.yml, agent.json) under {}",
                    path.display()
                )
                .into());
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk(&path, found)?;
        } else if matches!(name.as_ref(), "agent.yaml" | "agent.yml" | "agent.json") {
            found.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_in_words() {
        assert_eq!(summary(2, 1, 3), "2 errors, 1 warning in 3 files");
        assert_eq!(summary(0, 0, 1), "0 errors, 0 warnings in 1 file");
    }
}
