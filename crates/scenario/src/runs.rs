//! Repeated runs of a scenario (`switchboard test --repeat K`) and the pass^k they add up to.
//!
//! Live models answer differently from one call to the next, so one passing run says little.
//! As τ-bench does, a scenario passes only if every one of its runs passed, and a suite's
//! pass^k is the chance that k runs of a scenario taken at random all pass.

use std::path::PathBuf;
use std::time::Duration;

use crate::run::Report;
use crate::scenario::Scenario;

/// The assertion name under which [`Report::failures`] lists problems running the call.
pub const RUN_PROBLEM: &str = "run";

/// Every run of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioRuns {
    /// The scenario's name.
    pub name: String,
    /// The scenario file.
    pub path: PathBuf,
    /// Its assertions' labels, in the order of the file.
    pub assertions: Vec<String>,
    /// The runs, first run first.
    pub runs: Vec<Report>,
}

/// How one assertion (or a whole scenario) did over the runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Runs where it held.
    pub held: usize,
    /// Runs where it was checked and did not hold.
    pub failed: usize,
    /// Runs that left no record of the call, so it could not be checked.
    pub unchecked: usize,
}

impl Tally {
    /// How many runs there were.
    pub fn runs(&self) -> usize {
        self.held + self.failed + self.unchecked
    }

    /// Whether it held in every run (and there was at least one).
    pub fn all_held(&self) -> bool {
        self.held > 0 && self.held == self.runs()
    }
}

impl ScenarioRuns {
    /// No runs yet of `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        ScenarioRuns {
            name: scenario.name.clone(),
            path: scenario.path.clone(),
            assertions: scenario.expect.iter().map(|e| e.label()).collect(),
            runs: Vec::new(),
        }
    }

    /// Whether every run passed (pass^k for this scenario); false without runs.
    pub fn passed(&self) -> bool {
        self.verdict().all_held()
    }

    /// How many runs passed.
    pub fn passes(&self) -> usize {
        self.runs.iter().filter(|r| r.passed()).count()
    }

    /// The runs that passed and those that failed.
    pub fn verdict(&self) -> Tally {
        let held = self.passes();
        Tally {
            held,
            failed: self.runs.len() - held,
            unchecked: 0,
        }
    }

    /// How long all runs took together.
    pub fn duration(&self) -> Duration {
        self.runs.iter().map(|r| r.duration).sum()
    }

    /// Everything a report lists per scenario: its assertions in file order, then anything
    /// else that failed in some run (problems running the call, under [`RUN_PROBLEM`]), each
    /// once.
    pub fn labels(&self) -> Vec<String> {
        let mut labels = self.assertions.clone();
        for failure in self.runs.iter().flat_map(|r| &r.failures) {
            if !labels.contains(&failure.assertion) {
                labels.push(failure.assertion.clone());
            }
        }
        labels
    }

    /// How the assertion labelled `label` did in each run.
    pub fn tally(&self, label: &str) -> Tally {
        let mut tally = Tally::default();
        for run in &self.runs {
            if run.failures.iter().any(|f| f.assertion == label) {
                tally.failed += 1;
            } else if checked(run) || label == RUN_PROBLEM {
                tally.held += 1;
            } else {
                tally.unchecked += 1;
            }
        }
        tally
    }
}

/// Whether a run's assertions were checked: a run that left no record of the call reports
/// only the problem that stopped it, and says nothing about the assertions.
fn checked(run: &Report) -> bool {
    run.record.is_some() || run.passed()
}

/// pass^k over `suite`, as τ-bench defines it: for each scenario with n runs of which c
/// passed, the chance C(c, k) / C(n, k) that k runs drawn from its n all passed, averaged over
/// the scenarios. `None` when k is 0, exceeds a scenario's runs, or the suite is empty.
pub fn pass_hat_k(suite: &[ScenarioRuns], k: usize) -> Option<f64> {
    if k == 0 || suite.is_empty() {
        return None;
    }
    let mut sum = 0.0;
    for scenario in suite {
        let n = scenario.runs.len();
        let c = scenario.passes();
        if k > n {
            return None;
        }
        // C(c, k) / C(n, k) = Π_{i<k} (c − i) / (n − i), zero once c < k.
        let mut chance = 1.0;
        for i in 0..k {
            chance *= c.saturating_sub(i) as f64 / (n - i) as f64;
        }
        sum += chance;
    }
    Some(sum / suite.len() as f64)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::Failure;

    /// A report of one run: failed `failures` (assertion labels), with or without a record.
    pub(crate) fn run_report(name: &str, failures: &[&str], recorded: bool) -> Report {
        Report {
            name: name.to_owned(),
            path: PathBuf::from(format!("{name}.yaml")),
            duration: Duration::from_millis(1500),
            checked: 2,
            failures: failures
                .iter()
                .map(|a| Failure {
                    assertion: (*a).to_owned(),
                    message: format!("{a} did not hold"),
                })
                .collect(),
            turn_latencies: if recorded {
                crate::latency::turn_latencies(&crate::html::tests::record())
            } else {
                Vec::new()
            },
            record: recorded.then(crate::html::tests::record),
        }
    }

    pub(crate) fn runs(name: &str, reports: Vec<Report>) -> ScenarioRuns {
        ScenarioRuns {
            name: name.to_owned(),
            path: PathBuf::from(format!("{name}.yaml")),
            assertions: vec!["escalated: false".to_owned(), "tool_called: a".to_owned()],
            runs: reports,
        }
    }

    #[test]
    fn a_scenario_passes_only_if_every_run_passed() {
        let all = runs(
            "s",
            vec![run_report("s", &[], true), run_report("s", &[], true)],
        );
        assert!(all.passed());
        assert_eq!(all.passes(), 2);
        let one_failed = runs(
            "s",
            vec![
                run_report("s", &[], true),
                run_report("s", &["tool_called: a"], true),
            ],
        );
        assert!(!one_failed.passed());
        assert_eq!(
            one_failed.verdict(),
            Tally {
                held: 1,
                failed: 1,
                unchecked: 0
            }
        );
        assert!(!runs("s", Vec::new()).passed(), "no runs is no pass");
    }

    #[test]
    fn assertions_are_tallied_per_run_and_unrecorded_runs_check_nothing() {
        let suite = runs(
            "s",
            vec![
                run_report("s", &["tool_called: a"], true),
                run_report("s", &[], true),
                run_report("s", &[RUN_PROBLEM], false),
            ],
        );
        assert_eq!(
            suite.tally("tool_called: a"),
            Tally {
                held: 1,
                failed: 1,
                unchecked: 1
            }
        );
        assert_eq!(
            suite.tally("escalated: false"),
            Tally {
                held: 2,
                failed: 0,
                unchecked: 1
            }
        );
        assert_eq!(
            suite.tally(RUN_PROBLEM),
            Tally {
                held: 2,
                failed: 1,
                unchecked: 0
            }
        );
        assert_eq!(
            suite.labels(),
            ["escalated: false", "tool_called: a", RUN_PROBLEM]
        );
    }

    #[test]
    fn pass_hat_k_follows_tau_bench() {
        // Scenario x: 3 of 4 runs passed; y: 4 of 4; z: 1 of 4.
        let make = |passing: usize| {
            let reports = (0..4)
                .map(|i| {
                    run_report(
                        "s",
                        if i < passing {
                            &[]
                        } else {
                            &["tool_called: a"]
                        },
                        true,
                    )
                })
                .collect();
            runs("s", reports)
        };
        let suite = [make(3), make(4), make(1)];
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        // k = 1: the pass rate, (3/4 + 1 + 1/4) / 3.
        assert!(close(pass_hat_k(&suite, 1), 2.0 / 3.0));
        // k = 2: (C(3,2)/C(4,2) + 1 + 0) / 3 = (1/2 + 1) / 3.
        assert!(close(pass_hat_k(&suite, 2), 0.5));
        // k = 4: only the scenario whose every run passed counts.
        assert!(close(pass_hat_k(&suite, 4), 1.0 / 3.0));
        assert_eq!(pass_hat_k(&suite, 5), None);
        assert_eq!(pass_hat_k(&suite, 0), None);
        assert_eq!(pass_hat_k(&[], 1), None);
    }
}
