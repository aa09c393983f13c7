//! JUnit XML: a `testsuite` of one `testcase` per scenario, with a `failure` listing what failed
//! in any of its runs; a comparison writes one `testsuite` per side under `testsuites`.

use std::fmt::Write as _;

use switchboard_speech::markup::escape;

use crate::runs::ScenarioRuns;

/// The JUnit XML report of `suite`, as one test suite named `name`.
pub fn render(name: &str, suite: &[ScenarioRuns]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_suite(&mut out, name, suite, "");
    out
}

/// The JUnit XML report of several suites (the sides of a comparison), each named.
pub fn render_suites(suites: &[(&str, &[ScenarioRuns])]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (name, suite) in suites {
        write_suite(&mut out, name, suite, "  ");
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_suite(out: &mut String, name: &str, suite: &[ScenarioRuns], indent: &str) {
    let failures = suite.iter().filter(|s| !s.passed()).count();
    let total: f64 = suite.iter().map(|s| s.duration().as_secs_f64()).sum();
    let _ = writeln!(
        out,
        "{indent}<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">",
        escape(name),
        suite.len()
    );
    for scenario in suite {
        let _ = write!(
            out,
            "{indent}  <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
            escape(&scenario.name),
            escape(name),
            escape(&scenario.path.display().to_string()),
            scenario.duration().as_secs_f64()
        );
        if scenario.passed() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let (summary, body) = failure_text(scenario);
        let _ = writeln!(
            out,
            "{indent}    <failure message=\"{}\" type=\"assertion\">{}</failure>",
            escape(&summary),
            escape(&body)
        );
        let _ = writeln!(out, "{indent}  </testcase>");
    }
    let _ = writeln!(out, "{indent}</testsuite>");
}

/// The `failure` element's message and text. One run: how many assertions failed, and each
/// with its message. Several: how many runs failed, and each failure under its run number.
fn failure_text(scenario: &ScenarioRuns) -> (String, String) {
    if let [run] = scenario.runs.as_slice() {
        let summary = format!(
            "{} of {} assertions failed",
            run.failures.len(),
            run.checked
        );
        let body: Vec<String> = run
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.assertion, f.message))
            .collect();
        return (summary, body.join("\n"));
    }
    let verdict = scenario.verdict();
    let summary = if verdict.runs() == 0 {
        "no runs".to_owned()
    } else {
        format!("{} of {} runs failed", verdict.failed, verdict.runs())
    };
    let mut body = Vec::new();
    for (i, run) in scenario.runs.iter().enumerate() {
        for f in &run.failures {
            body.push(format!("run {}: {}: {}", i + 1, f.assertion, f.message));
        }
    }
    (summary, body.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_and_messages_leave_the_xml_well_formed() {
        use crate::runs::tests::{run_report, runs};
        let hostile = "<script>\"x\"&'y'\u{1}";
        let mut failing = run_report(hostile, &[hostile], true);
        failing.failures[0].message = "expected \"a\" & got <b>\u{1b}</b>".to_owned();
        let suite = [runs(hostile, vec![failing])];
        for xml in [
            render(hostile, &suite),
            render_suites(&[(hostile, &suite[..]), ("b", &suite[..])]),
        ] {
            assert!(!xml.contains("<script"), "{xml}");
            let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
            let case = doc
                .descendants()
                .find(|n| n.has_tag_name("testcase"))
                .expect("a testcase");
            // What XML cannot carry is dropped; everything else comes back as it was.
            assert_eq!(case.attribute("name"), Some("<script>\"x\"&'y'"));
            assert_eq!(case.attribute("classname"), Some("<script>\"x\"&'y'"));
            let failure = case
                .children()
                .find(|n| n.has_tag_name("failure"))
                .expect("a failure");
            assert_eq!(
                failure.text(),
                Some("<script>\"x\"&'y': expected \"a\" & got <b></b>")
            );
        }
    }

    #[test]
    fn one_run_counts_assertions() {
        use crate::runs::tests::{run_report, runs};
        let suite = [
            runs("passes", vec![run_report("passes", &[], true)]),
            runs(
                "fails <here>",
                vec![run_report("fails <here>", &["tool_called: a"], true)],
            ),
        ];
        let xml = render("switchboard test", &suite);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("<testcase name=\"passes\" classname=\"switchboard test\" file=\"passes.yaml\" time=\"1.500\"/>"), "{xml}");
        assert!(
            xml.contains("<testcase name=\"fails &lt;here&gt;\""),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"1 of 2 assertions failed\" type=\"assertion\">tool_called: a: tool_called: a did not hold</failure>"),
            "{xml}"
        );
        assert!(!xml.contains("run 1"), "{xml}");
    }

    #[test]
    fn repeated_runs_make_one_testcase_listing_failures_by_run() {
        use crate::runs::tests::{run_report, runs};
        let suite = [runs(
            "flaky",
            vec![
                run_report("flaky", &[], true),
                run_report("flaky", &["tool_called: a", "escalated: false"], true),
                run_report("flaky", &["run"], false),
            ],
        )];
        let xml = render("switchboard test", &suite);
        assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
        assert!(xml.contains("time=\"4.500\""), "all runs' time: {xml}");
        assert!(
            xml.contains("<failure message=\"2 of 3 runs failed\""),
            "{xml}"
        );
        assert!(
            xml.contains("run 2: tool_called: a: tool_called: a did not hold\nrun 2: escalated: false: escalated: false did not hold\nrun 3: run: run did not hold</failure>"),
            "{xml}"
        );
    }

    #[test]
    fn a_comparison_writes_one_suite_per_side() {
        use crate::runs::tests::{run_report, runs};
        let a = [runs("s", vec![run_report("s", &[], true)])];
        let b = [runs("s", vec![run_report("s", &["tool_called: a"], true)])];
        let xml = render_suites(&[("A: agent.yaml", &a), ("B: other & new", &b)]);
        assert!(
            xml.contains(
                "<testsuites>\n  <testsuite name=\"A: agent.yaml\" tests=\"1\" failures=\"0\""
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"B: other &amp; new\" tests=\"1\" failures=\"1\""),
            "{xml}"
        );
        assert!(xml.trim_end().ends_with("</testsuites>"), "{xml}");
    }
}
