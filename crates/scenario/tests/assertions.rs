//! The assertions end to end: each scenario under `tests/data/assertions/` runs through the
//! real gateway and the emulator; the misbehaving ones must fail with the reason, the others
//! pass. Also the load errors of the assertion syntax, at their line and column.

use std::path::{Path, PathBuf};

use switchboard_scenario::{Report, RunOptions};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/assertions")
        .join(name)
}

async fn run(name: &str) -> Report {
    let scenario = switchboard_scenario::load(&data(name)).expect("loads");
    switchboard_scenario::run(&scenario, &RunOptions::default()).await
}

/// The failures as (assertion, message).
fn failed(report: &Report) -> Vec<(&str, &str)> {
    report
        .failures
        .iter()
        .map(|f| (f.assertion.as_str(), f.message.as_str()))
        .collect()
}

/// The report failed exactly these assertions, each with a message containing its parts.
#[track_caller]
fn expect_failures(report: &Report, want: &[(&str, &[&str])]) {
    let failed = failed(report);
    let names: Vec<&str> = failed.iter().map(|(a, _)| *a).collect();
    let wanted: Vec<&str> = want.iter().map(|(a, _)| *a).collect();
    assert_eq!(names, wanted, "{failed:#?}");
    for ((assertion, message), (_, parts)) in failed.iter().zip(want) {
        for part in *parts {
            assert!(
                message.contains(part),
                "{assertion}: {part:?} not in {message}"
            );
        }
    }
}

// It asserts the language, which a build without language identification refuses to load.
#[cfg(feature = "language-id")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn northloop_readback_language_variety_and_preamble_pass() {
    let report = run("northloop-passes.yaml").await;
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(report.checked, 6);
    // The outage check was silent: the gateway spoke the preamble, and recorded it.
    let record = report.record.expect("recorded");
    assert!(
        record.timeline.iter().any(|e| matches!(&e.event,
            switchboard_store::Event::Guard { decision, detail, .. }
                if decision.as_str() == "preamble_spoken" && detail.contains("`check_outage`"))),
        "{:#?}",
        record.timeline
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grouped_readback_fails() {
    let report = run("readback-grouped.yaml").await;
    expect_failures(
        &report,
        &[
            (
                "readback: {tool: lookup_account, argument: email_or_phone}",
                &[
                    "(4-1-5-5-5-5-0-1-2-3) before `lookup_account` ran (turn 3)",
                    "turn 2: the agent read it as a grouped number (\"415\"",
                ],
            ),
            (
                "readback: \"4155550123\"",
                &["turn 2: the agent read it as a grouped number"],
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readback_with_a_wrong_digit_fails() {
    let report = run("readback-wrong-digit.yaml").await;
    expect_failures(
        &report,
        &[(
            "readback: {tool: lookup_account, argument: email_or_phone}",
            &[
                "turn 2: the agent read back \"I have 4-1-5-5-5-5-0-1-2-4\"",
                "character 10 is `4` where the value has `3`",
            ],
        )],
    );
}

#[cfg(feature = "language-id")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn french_while_english_is_locked_fails() {
    let report = run("french-while-english-locked.yaml").await;
    expect_failures(
        &report,
        &[(
            "language: English",
            &["turn 1: the agent spoke French: \"Bonjour ! Je suis désolé"],
        )],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_opener_twice_fails() {
    let report = run("repeated-opener.yaml").await;
    expect_failures(
        &report,
        &[(
            "no_identical_opener: true",
            &["turns 1 and 2 both open with \"got it let\""],
        )],
    );
}

/// Issue 13, item 6: curly and straight apostrophes and quotes, an em dash and a hyphen, a
/// full-width letter and its ASCII twin make the same sentence and the same opener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_sentence_in_another_typography_is_repeated() {
    let report = run("repeated-sentence-typographic.yaml").await;
    expect_failures(
        &report,
        &[
            (
                "no_repeated_sentence: true",
                &["\"that's frustrating i'm sorry\" was said in turn 1 and again in turn 2"],
            ),
            (
                "no_identical_opener: true",
                &["turns 1 and 2 both open with \"that's frustrating i'm\""],
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_after_two_failures_passes() {
    let report = run("escalation-after-two-failures.yaml").await;
    assert!(report.passed(), "{:#?}", report.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_escalation_after_one_failure_fails() {
    let report = run("escalates-too-early.yaml").await;
    expect_failures(
        &report,
        &[
            (
                "escalated_after: {failures: 2}",
                &["turn 3: escalated after only 1 (there were never 2)"],
            ),
            (
                "preamble_spoken: escalate_to_human",
                &[
                    "turn 3: `escalate_to_human` ran",
                    "the agent said nothing before or with the call",
                ],
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_unclear_means_nothing_to_check() {
    let report = run("nothing-unclear.yaml").await;
    expect_failures(
        &report,
        &[
            (
                "clarifies_unclear_audio: true",
                &["no turn had unclear audio", "nothing to check"],
            ),
            (
                "escalated_after: {no_input: 3}",
                &["there was none, and never 3 such (at most 0)"],
            ),
            (
                "escalated_after: {no_match: 3}",
                &["consecutive no-match turns; there was none"],
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flow_as_designed_passes() {
    let report = run("flow-passes.yaml").await;
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(report.checked, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_that_never_gets_there_fails() {
    let report = run("flow-skips-verification.yaml").await;
    expect_failures(
        &report,
        &[
            (
                "state_reached: resolve",
                &[
                    "it went through `verify`",
                    "turn 1: to `resolve` (refused: cannot leave `verify` yet: missing account_id)",
                ],
            ),
            (
                "states: [verify, resolve]",
                &["state 2: expected `resolve`, was nothing more"],
            ),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_out_of_a_terminal_state_fails() {
    let report = run("flow-goes-back.yaml").await;
    expect_failures(
        &report,
        &[(
            "only_allowed_transitions: true",
            &[
                "turn 3: the model asked to move from `resolve` to `verify`",
                "(from `resolve`: none (a terminal state))",
            ],
        )],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unclear_audio_answered_with_a_short_question_passes() {
    let report = run("unclear-audio-clarified.yaml").await;
    assert!(report.passed(), "{:#?}", report.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unclear_audio_answered_with_a_guess_fails() {
    let report = run("unclear-audio-guessed.yaml").await;
    expect_failures(
        &report,
        &[(
            "clarifies_unclear_audio: true",
            &[
                "turn 1: the caller's audio could not be understood, yet the model called \
                 `check_outage` with {\"address\":\"12 Harbor Way, Portland\"} (ok)",
            ],
        )],
    );
}

// ---- load errors --------------------------------------------------------------------

const NORTHLOOP: &str = "name: x\nagent: ../../../../../examples/agents/northloop/agent.yaml\nmodel:\n  responses: []\ncaller:\n  - say: hi\nexpect:\n";
const FLOW: &str = "name: x\nagent: ../../../../../examples/agents/dynamic-verify-resolve/agent.yaml\nmodel:\n  responses: []\ncaller:\n  - say: hi\nexpect:\n";

/// Loads `head` followed by `expect`; the error's line, column and message.
fn refused(head: &str, expect: &str) -> ((usize, usize), String) {
    let err = switchboard_scenario::from_text(&format!("{head}{expect}"), &data("inline.yaml"))
        .expect_err("refused");
    assert!(err.file.ends_with("inline.yaml"), "{err}");
    (err.place.expect("placed"), err.message)
}

#[test]
fn state_assertions_are_checked_against_the_flow() {
    let (place, message) = refused(FLOW, "  - state_reached: resolved\n");
    assert_eq!(place, (8, 20), "{message}");
    assert!(
        message.contains("no state `resolved`; its states: verify, resolve"),
        "{message}"
    );
    let (place, message) = refused(FLOW, "  - states: [verify, close]\n");
    assert_eq!(place, (8, 22), "{message}");
    assert!(message.contains("no state `close`"), "{message}");
    let (place, message) = refused(NORTHLOOP, "  - only_allowed_transitions: true\n");
    assert_eq!(place, (8, 31), "{message}");
    assert!(
        message.contains("`only_allowed_transitions` needs an agent with a dynamic flow"),
        "{message}"
    );
    let (_, message) = refused(FLOW, "  - only_allowed_transitions: false\n");
    assert!(message.contains("checks nothing"), "{message}");
}

#[test]
fn preamble_readback_and_threshold_syntax_is_checked() {
    let (place, message) = refused(NORTHLOOP, "  - preamble_spoken: lookup_account\n");
    assert_eq!(place, (8, 22), "{message}");
    assert!(
        message.contains("`lookup_account` is not a preamble tool")
            && message.contains("check_outage, escalate_to_human"),
        "{message}"
    );
    let (_, message) = refused(FLOW, "  - preamble_spoken: true\n");
    assert!(message.contains("this agent has none"), "{message}");
    let (place, message) = refused(
        NORTHLOOP,
        "  - readback: {tool: lookup_account, argument: phone}\n",
    );
    assert_eq!(place, (8, 48), "{message}");
    assert!(
        message.contains("`lookup_account` has no argument `phone`; its arguments: email_or_phone"),
        "{message}"
    );
    let (place, message) = refused(
        NORTHLOOP,
        "  - readback: {tool: lookup_acount, argument: x}\n",
    );
    assert_eq!(place, (8, 22), "{message}");
    assert!(message.contains("no tool `lookup_acount`"), "{message}");
    let (place, message) = refused(NORTHLOOP, "  - escalated_after: {failure: 2}\n");
    assert_eq!(place, (8, 23), "{message}");
    assert!(
        message.contains(
            "unknown key `failure` in `expect[0].escalated_after`; expected one of: failures, no_input, no_match"
        ),
        "{message}"
    );
    let (place, message) = refused(NORTHLOOP, "  - escalated_after: {no_input: 0}\n");
    assert_eq!(place, (8, 33), "{message}");
    assert!(message.contains("at least 1"), "{message}");
    let (place, message) = refused(NORTHLOOP, "  - clarify_unclear_audio: true\n");
    assert_eq!(place, (8, 5), "{message}");
    assert!(message.contains("clarifies_unclear_audio"), "{message}");
}

#[test]
fn readback_values_and_every_preamble_tool_load() {
    use switchboard_scenario::Expectation;
    let text = format!(
        "{NORTHLOOP}  - readback: 4155550123\n  - readback: \" 415-555-0123 \"\n  - preamble_spoken: true\n  - escalated_after: {{no_match: 3}}\n"
    );
    let scenario = switchboard_scenario::from_text(&text, &data("inline.yaml")).expect("loads");
    assert_eq!(
        scenario.expect,
        [
            Expectation::ReadbackValue("4155550123".to_owned()),
            Expectation::ReadbackValue("415-555-0123".to_owned()),
            Expectation::PreambleSpoken(None),
            Expectation::EscalatedAfter(switchboard_scenario::Threshold::NoMatch(3)),
        ]
    );
    let labels: Vec<String> = scenario.expect.iter().map(Expectation::label).collect();
    assert_eq!(
        labels,
        [
            "readback: \"4155550123\"",
            "readback: \"415-555-0123\"",
            "preamble_spoken: true",
            "escalated_after: {no_match: 3}",
        ]
    );
}

#[test]
fn language_names_and_codes() {
    let (place, message) = refused(NORTHLOOP, "  - language: Klingon\n");
    assert_eq!(place, (8, 15), "{message}");
    assert!(
        message.contains("cannot identify `Klingon`; it knows English (en), French (fr)"),
        "{message}"
    );
    let text = format!("{NORTHLOOP}  - language: fr\n");
    let loaded = switchboard_scenario::from_text(&text, &data("inline.yaml"));
    if cfg!(feature = "language-id") {
        let scenario = loaded.expect("loads");
        assert_eq!(
            scenario.expect,
            [switchboard_scenario::Expectation::Language(
                "French".to_owned()
            )]
        );
    } else {
        let err = loaded.expect_err("refused without language identification");
        assert_eq!(err.place, Some((8, 15)), "{err}");
        assert!(err.message.contains("`language-id` feature"), "{err}");
    }
}
