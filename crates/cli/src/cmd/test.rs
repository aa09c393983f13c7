//! `switchboard test`: scenario files run through the gateway against the emulator or a live
//! model, each run K times, optionally for two variants side by side, and reported as text,
//! JUnit XML and HTML.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use switchboard_scenario::compare::{Comparison, Side};
use switchboard_scenario::{Model, RunOptions, Scenario, ScenarioRuns, ToolServer, pass_hat_k};
use switchboard_testkit::Script;

use super::{Error, Outcome};
use crate::cli::{TestArgs, TestModel};

/// The environment variable holding the live model's API key.
const API_KEY_VAR: &str = "OPENAI_API_KEY";

/// The scenarios as one variant runs them.
struct Variant {
    /// `A` or `B` in a comparison; `None` for a plain run.
    letter: Option<&'static str>,
    /// What the variant is, as given on the command line.
    label: String,
    scenarios: Vec<Scenario>,
    options: RunOptions,
}

pub(crate) fn run(args: TestArgs) -> Result<Outcome, Error> {
    if let Some(url) = &args.tool_server {
        super::check_tool_server(url, &args.tool_secret_env)?;
    }
    let model = match args.model {
        TestModel::Emulator => Model::Emulator,
        TestModel::Openai => live_model(&args)?,
    };
    let scenarios = load_scenarios(&args.paths)?;
    // Report files are checked before anything runs: a typo should not cost a whole run.
    for path in args.junit.iter().chain(&args.html) {
        writable(path)?;
    }
    let mut variants = match &args.compare {
        None => vec![Variant {
            letter: None,
            label: String::new(),
            scenarios,
            options: options(model),
        }],
        Some(pair) => {
            let [a, b] = pair.as_slice() else {
                return Err("--compare takes two variants: A B".into());
            };
            vec![
                variant(a, "A", &scenarios, &model, &args)?,
                variant(b, "B", &scenarios, &model, &args)?,
            ]
        }
    };
    if let Some(url) = &args.tool_server {
        // After the variants are made, so a `--compare` agent's tools go there too.
        let server = ToolServer {
            url: url.clone(),
            secret_env: args.tool_secret_env.clone(),
        };
        for scenario in variants.iter_mut().flat_map(|v| &mut v.scenarios) {
            scenario.tool_server = Some(server.clone());
        }
        eprintln!(
            "switchboard: tools: {}",
            super::tool_server_line(url, &args.tool_secret_env)
        );
    }
    for v in &variants {
        if let Model::Live {
            base_url, model, ..
        } = &v.options.model
        {
            eprintln!(
                "switchboard: LIVE{}: scenarios run against {model} at {base_url}; their \
                 scripts are not used",
                v.letter.map(|l| format!(" ({l})")).unwrap_or_default()
            );
        }
    }

    let repeat = usize::try_from(args.repeat).unwrap_or(1).max(1);
    let mut suites = run_all(&variants, repeat)?.into_iter();
    match (suites.next(), suites.next()) {
        (Some(suite), None) => report_suite(&args, &suite, repeat),
        (Some(a), Some(b)) => {
            let mut labels = variants.into_iter().map(|v| v.label);
            let comparison = Comparison {
                a: Side {
                    label: labels.next().unwrap_or_default(),
                    suite: a,
                },
                b: Side {
                    label: labels.next().unwrap_or_default(),
                    suite: b,
                },
            };
            report_comparison(&args, &comparison, repeat)
        }
        _ => Err("nothing ran".into()),
    }
}

/// The summary of a plain run, and its report files.
fn report_suite(args: &TestArgs, suite: &[ScenarioRuns], repeat: usize) -> Result<Outcome, Error> {
    let mut out = std::io::stdout().lock();
    let failed = suite.iter().filter(|s| !s.passed()).count();
    if repeat > 1 {
        writeln!(out, "{}", pass_hat_line(suite, repeat))?;
    }
    writeln!(
        out,
        "{} passed, {failed} failed{}",
        suite.len() - failed,
        tools_note(args)
    )?;
    out.flush()?;
    if let Some(path) = &args.junit {
        write_file(
            path,
            &switchboard_scenario::junit::render("switchboard test", suite),
        )?;
    }
    if let Some(path) = &args.html {
        write_file(
            path,
            &switchboard_scenario::html::report("switchboard test", suite),
        )?;
    }
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::FailureFound
    })
}

/// The side-by-side table of a comparison and each side's summary, and the report files.
fn report_comparison(
    args: &TestArgs,
    comparison: &Comparison,
    repeat: usize,
) -> Result<Outcome, Error> {
    let mut out = std::io::stdout().lock();
    writeln!(out)?;
    write!(out, "{}", comparison.table())?;
    for (letter, side) in [("A", &comparison.a), ("B", &comparison.b)] {
        let failed = side.suite.iter().filter(|s| !s.passed()).count();
        write!(
            out,
            "{letter}: {} passed, {failed} failed",
            side.suite.len() - failed
        )?;
        if repeat > 1 {
            write!(out, " ({})", pass_hat_line(&side.suite, repeat))?;
        }
        writeln!(out, "{}", tools_note(args))?;
    }
    out.flush()?;
    if let Some(path) = &args.junit {
        let a_name = format!("A: {}", comparison.a.label);
        let b_name = format!("B: {}", comparison.b.label);
        let xml = switchboard_scenario::junit::render_suites(&[
            (&a_name, &comparison.a.suite),
            (&b_name, &comparison.b.suite),
        ]);
        write_file(path, &xml)?;
    }
    if let Some(path) = &args.html {
        let page = switchboard_scenario::html::comparison("switchboard test --compare", comparison);
        write_file(path, &page)?;
    }
    // A comparison is there to show differences: it fails only when B does worse than A.
    Ok(if comparison.totals().broken == 0 {
        Outcome::Success
    } else {
        Outcome::FailureFound
    })
}

/// `; tools: URL/tools/NAME (…)` after a summary when the tools went to a tool server, so a
/// result is never taken for one of the agent's fixtures.
fn tools_note(args: &TestArgs) -> String {
    args.tool_server
        .as_ref()
        .map(|url| {
            format!(
                "; tools: {}",
                super::tool_server_line(url, &args.tool_secret_env)
            )
        })
        .unwrap_or_default()
}

/// The live model from the flags and the environment. The key is never printed.
fn live_model(args: &TestArgs) -> Result<Model, Error> {
    let api_key = std::env::var(API_KEY_VAR)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| format!("the live model (openai) needs an API key: set {API_KEY_VAR}"))?;
    Ok(Model::Live {
        base_url: args.upstream_url.clone(),
        api_key,
        model: args.live_model.clone(),
    })
}

fn options(model: Model) -> RunOptions {
    RunOptions { model }
}

/// Every scenario file under `paths`, loaded: a bad file is a usage error, found before
/// anything runs.
fn load_scenarios(paths: &[PathBuf]) -> Result<Vec<Scenario>, Error> {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        let found = switchboard_scenario::discover(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if found.is_empty() {
            return Err(format!("no scenario files in {}", path.display()).into());
        }
        files.extend(found);
    }
    Ok(files
        .iter()
        .map(|f| switchboard_scenario::load(f))
        .collect::<Result<_, _>>()?)
}

/// The scenarios as `text` (one side of `--compare`) changes them: an agent file replaces
/// each scenario's agent, `script:PATH` the model's script, `emulator` / `openai` the model.
fn variant(
    text: &str,
    letter: &'static str,
    scenarios: &[Scenario],
    model: &Model,
    args: &TestArgs,
) -> Result<Variant, Error> {
    let mut scenarios = scenarios.to_vec();
    let mut model = model.clone();
    match text {
        "emulator" => model = Model::Emulator,
        "openai" => model = live_model(args)?,
        _ => {
            if let Some(path) = text.strip_prefix("script:") {
                let script = Script::load(path).map_err(|e| e.to_string())?;
                for scenario in &mut scenarios {
                    scenario.script = script.clone();
                }
            } else if Path::new(text).exists() {
                let file = super::agent_file(Path::new(text))?;
                let loaded = super::load_agent(&file)?;
                for scenario in &mut scenarios {
                    scenario.agent = loaded.agent.clone();
                    scenario.agent_path = file.clone();
                }
            } else {
                return Err(format!(
                    "--compare: `{text}` is not a variant: give an agent file, script:PATH, \
                     emulator or openai"
                )
                .into());
            }
        }
    }
    Ok(Variant {
        letter: Some(letter),
        label: text.to_owned(),
        scenarios,
        options: options(model),
    })
}

/// Runs every scenario `repeat` times on every variant, scenario by scenario (so both sides of
/// a comparison run close together), printing each scenario's result as it completes. One
/// suite per variant.
fn run_all(variants: &[Variant], repeat: usize) -> Result<Vec<Vec<ScenarioRuns>>, Error> {
    let runtime = super::runtime()?;
    let count = variants.first().map_or(0, |v| v.scenarios.len());
    let progress = Progress::new(count * variants.len() * repeat);
    let mut suites: Vec<Vec<ScenarioRuns>> = vec![Vec::with_capacity(count); variants.len()];
    let mut done = 0;
    for index in 0..count {
        for (variant, suite) in variants.iter().zip(&mut suites) {
            let scenario = &variant.scenarios[index];
            let mut runs = ScenarioRuns::new(scenario);
            for number in 1..=repeat {
                let mut what = format!("scenario {}/{count}: {}", index + 1, scenario.name);
                if let Some(letter) = variant.letter {
                    what.push_str(&format!(", {letter}"));
                }
                if repeat > 1 {
                    what.push_str(&format!(", run {number}/{repeat}"));
                }
                progress.start(done, &what);
                runs.runs
                    .push(runtime.block_on(switchboard_scenario::run(scenario, &variant.options)));
                done += 1;
            }
            progress.print(|| print_scenario(&runs, variant.letter, repeat))?;
            suite.push(runs);
        }
    }
    progress.finish();
    Ok(suites)
}

/// A scenario's line, `✓ name (file) 1.2s` (with `k/K runs passed` when repeated), and under
/// it each failed assertion with its message (and run number when repeated).
fn print_scenario(runs: &ScenarioRuns, letter: Option<&str>, repeat: usize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let mark = if runs.passed() { "✓" } else { "✗" };
    let side = letter.map(|l| format!("{l}: ")).unwrap_or_default();
    let counted = if repeat > 1 {
        format!(" {}/{} runs passed", runs.passes(), runs.runs.len())
    } else {
        String::new()
    };
    writeln!(
        out,
        "{mark} {side}{} ({}){counted} {:.1}s",
        runs.name,
        runs.path.display(),
        runs.duration().as_secs_f64()
    )?;
    for (i, run) in runs.runs.iter().enumerate() {
        for failure in &run.failures {
            if repeat > 1 {
                writeln!(out, "    ✗ run {}: {}", i + 1, failure.assertion)?;
            } else {
                writeln!(out, "    ✗ {}", failure.assertion)?;
            }
            writeln!(out, "      {}", failure.message)?;
        }
    }
    out.flush()
}

/// `pass^1 = 0.83, pass^2 = 0.67, pass^3 = 0.50 (2 scenarios × 3 runs)`.
fn pass_hat_line(suite: &[ScenarioRuns], repeat: usize) -> String {
    let figures: Vec<String> = (1..=repeat)
        .filter_map(|k| pass_hat_k(suite, k).map(|p| format!("pass^{k} = {p:.2}")))
        .collect();
    format!(
        "{} ({} scenario{} × {repeat} runs)",
        figures.join(", "),
        suite.len(),
        if suite.len() == 1 { "" } else { "s" }
    )
}

/// Refuses a report path whose directory does not exist.
fn writable(path: &Path) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "cannot write {}: no directory {}",
            path.display(),
            dir.display()
        )
        .into())
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

/// Where the run stands: a progress bar on a terminal, plain lines on standard error
/// otherwise (CI logs, tests). Standard output carries only results, so it reads the same
/// either way.
enum Progress {
    Bar(ProgressBar),
    Lines { total: usize },
}

impl Progress {
    fn new(total: usize) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::Lines { total };
        }
        let bar = ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:24} {pos}/{len} runs  {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress::Bar(bar)
    }

    /// A run begins; `done` runs are finished.
    fn start(&self, done: usize, what: &str) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
                bar.set_message(what.to_owned());
            }
            Progress::Lines { total } => eprintln!("[{}/{total}] {what}", done + 1),
        }
    }

    /// Prints to standard output without tearing the bar.
    fn print(&self, print: impl FnOnce() -> std::io::Result<()>) -> std::io::Result<()> {
        match self {
            Progress::Bar(bar) => bar.suspend(print),
            Progress::Lines { .. } => print(),
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
