//! `switchboard test`: scenario files run through the gateway and the emulator.

use std::io::Write as _;
use std::path::PathBuf;

use switchboard_scenario::{Report, Scenario};

use super::{Error, Outcome};
use crate::cli::TestArgs;

pub(crate) fn run(args: TestArgs) -> Result<Outcome, Error> {
    match args.model.as_str() {
        "emulator" => {}
        "openai" => {
            return Err(
                "--model openai is not in this version; scenarios run on the emulator \
                 (--model emulator)"
                    .into(),
            );
        }
        other => return Err(format!("--model is `emulator`, not `{other}`").into()),
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for path in &args.paths {
        let found = switchboard_scenario::discover(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if found.is_empty() {
            return Err(format!("no scenario files in {}", path.display()).into());
        }
        files.extend(found);
    }
    // Every file loads before any runs: a bad file is a usage error, found at once.
    let scenarios: Vec<Scenario> = files
        .iter()
        .map(|f| switchboard_scenario::load(f))
        .collect::<Result<_, _>>()?;

    let options = switchboard_scenario::RunOptions::default();
    let runtime = super::runtime()?;
    let mut out = std::io::stdout().lock();
    let mut reports: Vec<Report> = Vec::with_capacity(scenarios.len());
    for scenario in &scenarios {
        let report = runtime.block_on(switchboard_scenario::run(scenario, &options));
        let mark = if report.passed() { "✓" } else { "✗" };
        writeln!(
            out,
            "{mark} {} ({}) {:.1}s",
            report.name,
            report.path.display(),
            report.duration.as_secs_f64()
        )?;
        for failure in &report.failures {
            writeln!(out, "    ✗ {}", failure.assertion)?;
            writeln!(out, "      {}", failure.message)?;
        }
        out.flush()?;
        reports.push(report);
    }
    let failed = reports.iter().filter(|r| !r.passed()).count();
    writeln!(out, "{} passed, {failed} failed", reports.len() - failed)?;
    if let Some(path) = &args.junit {
        std::fs::write(
            path,
            switchboard_scenario::junit::render("switchboard test", &reports),
        )
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::FailureFound
    })
}
