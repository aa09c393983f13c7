//! A/B comparisons (`switchboard test --compare A B`): the same scenarios run against two
//! variants (two agent versions, two model scripts, two models), set side by side per
//! scenario and assertion — the guide's before/after tables.

use std::fmt::Write as _;

use crate::runs::{ScenarioRuns, Tally};

/// One side of a comparison: what ran, and how each scenario went.
#[derive(Debug, Clone)]
pub struct Side {
    /// What this side is (an agent file, `script:PATH`, a model), for headings.
    pub label: String,
    /// Each scenario's runs, in the same order on both sides.
    pub suite: Vec<ScenarioRuns>,
}

/// Two sides over the same scenarios: A, the baseline, and B, the variant.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The baseline.
    pub a: Side,
    /// The variant.
    pub b: Side,
}

/// One scenario, side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRow {
    /// The scenario's name.
    pub name: String,
    /// Its runs on A (passed when every assertion held).
    pub a: Tally,
    /// Its runs on B.
    pub b: Tally,
    /// Each assertion, side by side.
    pub assertions: Vec<AssertionRow>,
}

/// One assertion of a scenario, side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionRow {
    /// The assertion's label (`tool_called: lookup_account`), or `run` for problems running
    /// the call.
    pub label: String,
    /// How it did over A's runs.
    pub a: Tally,
    /// How it did over B's runs.
    pub b: Tally,
}

impl AssertionRow {
    /// Held in every run of A, but not in every run of B.
    pub fn broken(&self) -> bool {
        self.a.all_held() && !self.b.all_held()
    }

    /// Held in every run of B, but not in every run of A.
    pub fn fixed(&self) -> bool {
        self.b.all_held() && !self.a.all_held()
    }
}

/// The comparison's bottom line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Scenarios compared.
    pub scenarios: usize,
    /// Scenarios whose every run passed on A.
    pub a_passed: usize,
    /// Scenarios whose every run passed on B.
    pub b_passed: usize,
    /// Assertion rows compared.
    pub assertions: usize,
    /// Assertions that held in every run on A.
    pub a_held: usize,
    /// Assertions that held in every run on B.
    pub b_held: usize,
    /// Assertions B holds that A does not.
    pub fixed: usize,
    /// Assertions A holds that B does not: regressions.
    pub broken: usize,
}

impl Comparison {
    /// Every scenario, side by side. Scenarios are paired by position (both sides ran the
    /// same list); assertions by label, so a row appears once even if only one side had a
    /// problem running the call.
    pub fn rows(&self) -> Vec<ScenarioRow> {
        self.a
            .suite
            .iter()
            .zip(&self.b.suite)
            .map(|(a, b)| {
                let mut labels = a.labels();
                for label in b.labels() {
                    if !labels.contains(&label) {
                        labels.push(label);
                    }
                }
                ScenarioRow {
                    name: a.name.clone(),
                    a: a.verdict(),
                    b: b.verdict(),
                    assertions: labels
                        .into_iter()
                        .map(|label| AssertionRow {
                            a: a.tally(&label),
                            b: b.tally(&label),
                            label,
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// The totals over [`rows`](Self::rows).
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for row in self.rows() {
            totals.scenarios += 1;
            totals.a_passed += usize::from(row.a.all_held());
            totals.b_passed += usize::from(row.b.all_held());
            for assertion in &row.assertions {
                totals.assertions += 1;
                totals.a_held += usize::from(assertion.a.all_held());
                totals.b_held += usize::from(assertion.b.all_held());
                totals.fixed += usize::from(assertion.fixed());
                totals.broken += usize::from(assertion.broken());
            }
        }
        totals
    }

    /// The comparison as a plain-text table, for a terminal.
    pub fn table(&self) -> String {
        let a_head = format!("A: {}", self.a.label);
        let b_head = format!("B: {}", self.b.label);
        let rows = self.rows();
        let totals = self.totals();
        // (first column, A, B), with blank lines kept as separators.
        let mut lines: Vec<Option<[String; 3]>> =
            vec![Some([String::new(), a_head.clone(), b_head.clone()])];
        for row in &rows {
            lines.push(Some([
                row.name.clone(),
                verdict_cell(row.a),
                verdict_cell(row.b),
            ]));
            for assertion in &row.assertions {
                lines.push(Some([
                    format!("  {}", assertion.label),
                    assertion_cell(assertion.a),
                    assertion_cell(assertion.b),
                ]));
            }
        }
        lines.push(None);
        lines.push(Some([
            "scenarios passed".to_owned(),
            format!("{}/{}", totals.a_passed, totals.scenarios),
            format!("{}/{}", totals.b_passed, totals.scenarios),
        ]));
        lines.push(Some([
            "assertions held".to_owned(),
            format!("{}/{}", totals.a_held, totals.assertions),
            format!("{}/{}", totals.b_held, totals.assertions),
        ]));
        let width = |i: usize| {
            lines
                .iter()
                .flatten()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1) = (width(0), width(1));
        let mut out = String::new();
        for line in &lines {
            match line {
                Some([first, a, b]) => {
                    let text = format!("{first:<w0$}  {a:<w1$}  {b}");
                    let _ = writeln!(out, "{}", text.trim_end());
                }
                None => out.push('\n'),
            }
        }
        let _ = writeln!(
            out,
            "B against A: {} fixed, {} broken",
            totals.fixed, totals.broken
        );
        out
    }
}

/// A scenario's verdict: `✓ passed`, `✗ failed`, or with several runs `✓ 3/3 runs`.
pub fn verdict_cell(tally: Tally) -> String {
    let mark = if tally.all_held() { "✓" } else { "✗" };
    match tally.runs() {
        0 => "– not run".to_owned(),
        1 if tally.all_held() => format!("{mark} passed"),
        1 => format!("{mark} failed"),
        n => format!("{mark} {}/{n} runs", tally.held),
    }
}

/// An assertion's verdict: `✓`, `✗`, `–` (not checked: the call left no record), or with
/// several runs how many held (`✗ 2/3`).
pub fn assertion_cell(tally: Tally) -> String {
    match tally.runs() {
        0 => "–".to_owned(),
        _ if tally.unchecked == tally.runs() => "– not checked".to_owned(),
        1 if tally.all_held() => "✓".to_owned(),
        1 => "✗".to_owned(),
        n if tally.all_held() => format!("✓ {n}/{n}"),
        n => format!("✗ {}/{n}", tally.held),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::tests::{run_report, runs};

    fn comparison() -> Comparison {
        Comparison {
            a: Side {
                label: "agent.yaml".to_owned(),
                suite: vec![
                    runs("first", vec![run_report("first", &[], true)]),
                    runs(
                        "second",
                        vec![run_report("second", &["tool_called: a"], true)],
                    ),
                ],
            },
            b: Side {
                label: "script:other.yaml".to_owned(),
                suite: vec![
                    runs(
                        "first",
                        vec![run_report("first", &["escalated: false"], true)],
                    ),
                    runs("second", vec![run_report("second", &[], true)]),
                ],
            },
        }
    }

    #[test]
    fn rows_pair_scenarios_and_assertions() {
        let rows = comparison().rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "first");
        assert!(rows[0].a.all_held() && !rows[0].b.all_held());
        let labels: Vec<&str> = rows[0]
            .assertions
            .iter()
            .map(|r| r.label.as_str())
            .collect();
        assert_eq!(labels, ["escalated: false", "tool_called: a"]);
        assert!(rows[0].assertions[0].broken());
        assert!(!rows[0].assertions[1].broken() && !rows[0].assertions[1].fixed());
        assert!(rows[1].assertions[1].fixed());
    }

    #[test]
    fn totals_count_fixes_and_regressions() {
        assert_eq!(
            comparison().totals(),
            Totals {
                scenarios: 2,
                a_passed: 1,
                b_passed: 1,
                assertions: 4,
                a_held: 3,
                b_held: 3,
                fixed: 1,
                broken: 1,
            }
        );
    }

    #[test]
    fn a_problem_running_one_side_gets_its_own_row() {
        let mut cmp = comparison();
        cmp.b.suite[1] = runs("second", vec![run_report("second", &["run"], false)]);
        let rows = cmp.rows();
        let second: Vec<(&str, String, String)> = rows[1]
            .assertions
            .iter()
            .map(|r| (r.label.as_str(), assertion_cell(r.a), assertion_cell(r.b)))
            .collect();
        assert_eq!(
            second,
            [
                (
                    "escalated: false",
                    "✓".to_owned(),
                    "– not checked".to_owned()
                ),
                ("tool_called: a", "✗".to_owned(), "– not checked".to_owned()),
                ("run", "✓".to_owned(), "✗".to_owned()),
            ]
        );
    }

    #[test]
    fn the_table_lines_up_both_sides() {
        let table = comparison().table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0].trim_start(), "A: agent.yaml  B: script:other.yaml");
        assert!(lines[1].starts_with("first "), "{table}");
        assert!(lines[1].ends_with("✗ failed"), "{table}");
        let column = |line: &str, text: &str| line.find(text).map(|i| line[..i].chars().count());
        // Each side's column starts at the same character on every row.
        assert_eq!(column(lines[0], "A:"), column(lines[1], "✓ passed"));
        assert_eq!(column(lines[0], "B:"), column(lines[1], "✗ failed"));
        assert!(lines[2].starts_with("  escalated: false "), "{table}");
        assert_eq!(column(lines[0], "A:"), column(lines[2], "✓"));
        assert_eq!(column(lines[0], "B:"), column(lines[2], "✗"));
        assert!(table.contains("scenarios passed"), "{table}");
        assert!(table.contains("assertions held"), "{table}");
        assert!(
            table.ends_with("B against A: 1 fixed, 1 broken\n"),
            "{table}"
        );
    }

    #[test]
    fn cells_show_runs_when_there_are_several() {
        let tally = |held, failed| Tally {
            held,
            failed,
            unchecked: 0,
        };
        assert_eq!(assertion_cell(tally(3, 0)), "✓ 3/3");
        assert_eq!(assertion_cell(tally(2, 1)), "✗ 2/3");
        assert_eq!(verdict_cell(tally(0, 3)), "✗ 0/3 runs");
        assert_eq!(verdict_cell(tally(1, 0)), "✓ passed");
    }
}
