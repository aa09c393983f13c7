//! Scenarios run end to end: the shipped NorthLoop one passes, a misbehaving model fails.

use std::path::{Path, PathBuf};

use switchboard_scenario::RunOptions;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_northloop_scenario_passes() {
    let scenario = switchboard_scenario::load(&repo(
        "examples/agents/northloop/scenarios/outage-and-refund.yaml",
    ))
    .expect("loads");
    let report = switchboard_scenario::run(&scenario, &RunOptions::default()).await;
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(report.checked, scenario.expect.len());
    assert!(
        report.checked >= 14,
        "every assertion kind the call can show"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_without_asking_fails_with_reasons() {
    let scenario = switchboard_scenario::load(&data("refund-without-asking.yaml")).expect("loads");
    let report = switchboard_scenario::run(&scenario, &RunOptions::default()).await;
    let failed: Vec<&str> = report
        .failures
        .iter()
        .map(|f| f.assertion.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "confirmed_before: refund_credit",
            "tool_called: refund_credit"
        ],
        "{:#?}",
        report.failures
    );
    for failure in &report.failures {
        assert!(
            failure.message.contains("held_for_confirmation"),
            "says what happened to the call: {}",
            failure.message
        );
    }
}

fn failed(report: &switchboard_scenario::Report) -> Vec<(&str, &str)> {
    report
        .failures
        .iter()
        .map(|f| (f.assertion.as_str(), f.message.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inverted_expectation_fails_with_what_happened() {
    let scenario = switchboard_scenario::load(&data("rehearsal-inverted.yaml")).expect("loads");
    let report = switchboard_scenario::run(&scenario, &RunOptions::default()).await;
    let failed = failed(&report);
    assert_eq!(failed.len(), 7, "every one fails: {failed:#?}");
    let expect = [
        ("tool_called: lookup_account", "4155550123"),
        ("tool_not_called: check_outage", "it ran in turn 3"),
        (
            "tool_order: [refund_credit, lookup_account]",
            "tools that ran, in order: lookup_account → check_outage → refund_credit",
        ),
        ("transcript_contains: \"I promise\"", "nobody said it"),
        ("transcript_not_contains", "turn 2, the agent said"),
        ("call_ended_by: caller", "`hung_up`"),
        ("escalated: true", "never called `escalate_to_human`"),
    ];
    for ((assertion, message), (want_assertion, want_message)) in failed.iter().zip(expect) {
        assert!(assertion.starts_with(want_assertion), "{assertion}");
        assert!(message.contains(want_message), "{assertion}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repetition_escalation_and_no_finish_fail() {
    let scenario = switchboard_scenario::load(&data("repeats-and-escalates.yaml")).expect("loads");
    let report = switchboard_scenario::run(&scenario, &RunOptions::default()).await;
    let failed = failed(&report);
    assert_eq!(failed.len(), 3, "{failed:#?}");
    assert!(
        failed[0]
            .1
            .contains("\"let me see what i can do\" was said in turn 1 and again in turn 2"),
        "{}",
        failed[0].1
    );
    assert!(
        failed[1].1.contains("turn 2: escalated because"),
        "{}",
        failed[1].1
    );
    assert!(failed[2].1.contains("never called it"), "{}", failed[2].1);
}

#[test]
fn bad_turns_and_unknown_tools_are_refused_at_their_place() {
    let path = data("inline.yaml");
    let head = "name: x\nagent: ../../../../examples/agents/northloop/agent.yaml\nmodel:\n  responses: []\n";
    let err =
        switchboard_scenario::from_text(&format!("{head}caller:\n  - wav: hello.wav\n"), &path)
            .expect_err("refused");
    assert_eq!(err.place, Some((6, 10)), "{err}");
    assert!(
        err.message
            .contains("`hello.wav`: cannot read the WAV file"),
        "{err}"
    );

    let err = switchboard_scenario::from_text(
        &format!("{head}caller:\n  - say: hi\nexpect:\n  - tool_called: refund_creditt\n"),
        &path,
    )
    .expect_err("refused");
    assert_eq!(err.place, Some((8, 18)), "{err}");
    assert!(err.message.contains("no tool `refund_creditt`"), "{err}");

    let err = switchboard_scenario::from_text(
        "name: x\nagent: ../../../../examples/agents/northloop/agent.yaml\nmodel:\n  responses:\n    - sya: hi\ncaller:\n  - say: hi\n",
        &path,
    )
    .expect_err("refused");
    assert_eq!(err.place, Some((5, 7)), "{err}");
    assert!(err.message.contains("unknown key `sya`"), "{err}");
}

#[test]
fn guard_assertions_are_refused_at_their_place() {
    let path = data("inline.yaml");
    let refused = |expect: &str| {
        switchboard_scenario::from_text(
            &format!(
                "name: x\nagent: ../../../../examples/agents/northloop/agent.yaml\nmodel:\n  \
                 responses: []\ncaller:\n  - say: hi\nexpect:\n{expect}"
            ),
            &path,
        )
        .expect_err("refused")
    };
    for (expect, place, message) in [
        (
            "  - tool_outcome: {name: refund_credit, outcome: done}\n",
            (8, 50),
            "`done` is not a tool call outcome; expected one of: ok, failed, timeout, invalid, \
             refused, passed_through, held_for_confirmation",
        ),
        (
            "  - tool_outcome: {name: refund_creditt, outcome: refused}\n",
            (8, 26),
            "the agent has no tool `refund_creditt`",
        ),
        (
            "  - tool_outcome: {name: refund_credit}\n",
            (8, 19),
            "missing required key `outcome`",
        ),
        (
            "  - tool_runs: {name: refund_credit, count: -1}\n",
            (8, 45),
            "`count` must be a whole number (0 or more)",
        ),
        (
            "  - guard_recorded: max_call_reached\n",
            (8, 21),
            "`max_call_reached` is not a guard decision; expected one of: ",
        ),
        (
            "  - guard_recorded: {decision: max_calls_reached, detial: once}\n",
            (8, 51),
            "unknown key `detial`",
        ),
        (
            "  - must_fail: {language: English, escalated: true}\n",
            (8, 36),
            "holds one assertion (and `because`); `escalated` is a second one",
        ),
        (
            "  - must_fail: {because: French}\n",
            (8, 16),
            "needs the assertion that must fail",
        ),
        (
            "  - must_fail: {must_fail: {escalated: true}}\n",
            (8, 17),
            "`must_fail` inside `must_fail`",
        ),
        (
            "  - must_fail: {escalatd: true}\n",
            (8, 17),
            "unknown assertion `escalatd`",
        ),
    ] {
        let err = refused(expect);
        assert_eq!(err.place, Some(place), "{expect}: {err}");
        assert!(err.message.contains(message), "{expect}: {err}");
    }
}
