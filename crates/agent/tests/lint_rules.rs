//! Every lint rule fires on its failing fixture, at the lines marked there, and stays quiet on
//! its passing fixture.
//!
//! Fixtures live in `tests/data/lint/<rule-name>.{fail,pass}.yaml`. A failing fixture marks
//! each line a diagnostic must point at with a trailing `# <- SB01xx` comment; the linter must
//! report exactly those (line, code) pairs, nothing more. Extra `*.fail.yaml` files (variants
//! such as `unknown-state-dynamic`) are held to their markers too.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use switchboard_agent::{Date, Diagnostic, RULES, lint, load};

/// Each rule's fixture name and code.
const RULE_FIXTURES: &[(&str, &str)] = &[
    ("undefined-tool", "SB0101"),
    ("unused-tool", "SB0102"),
    ("confirmation-contradicted", "SB0103"),
    ("unknown-placeholder", "SB0104"),
    ("invalid-schema", "SB0105"),
    ("required-not-property", "SB0106"),
    ("unknown-limit-argument", "SB0107"),
    ("webhook-not-http", "SB0108"),
    ("missing-readback", "SB0109"),
    ("unknown-state", "SB0110"),
    ("unreachable-state", "SB0111"),
    ("dead-end-state", "SB0112"),
    ("no-terminal-state", "SB0113"),
    ("unknown-slot", "SB0114"),
    ("unknown-phase", "SB0115"),
    ("phrases-without-variety", "SB0116"),
    ("mixed-languages", "SB0117"),
    ("conflicting-length", "SB0118"),
    ("escalation-without-section", "SB0119"),
    ("escalation-tool-undefined", "SB0120"),
    ("over-token-budget", "SB0121"),
    ("unknown-allow-code", "SB0122"),
    ("model-shutdown", "SB0123"),
    ("unknown-model", "SB0124"),
    ("prompt-shut-down", "SB0125"),
    ("reasoning-unsupported", "SB0126"),
    ("mcp-tool-not-allowed", "SB0127"),
    ("mcp-approval-contradicted", "SB0128"),
    ("model-protocol", "SB0129"),
    ("unknown-guard-name", "SB0130"),
    ("unknown-guard-field", "SB0131"),
    ("guard-type-mismatch", "SB0132"),
    ("guard-result-unavailable", "SB0133"),
];

/// The day the fixtures are linted on: `gpt-realtime` is 44 days from its shutdown.
fn today() -> Date {
    Date::parse("2026-12-07").expect("a date")
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lint")
}

fn read(name: &str) -> String {
    let path = data().join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lint_text(name: &str, text: &str) -> Vec<Diagnostic> {
    let loaded = load(text).unwrap_or_else(|d| panic!("{name} does not load: {d:#?}"));
    lint(&loaded, today())
}

/// The `# <- CODE` markers of a fixture, as (line, code).
fn markers(text: &str) -> BTreeSet<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (_, code) = line.split_once("# <- ")?;
            Some((i + 1, code.trim().to_owned()))
        })
        .collect()
}

fn found(diagnostics: &[Diagnostic]) -> BTreeSet<(usize, String)> {
    diagnostics
        .iter()
        .map(|d| (d.span.map_or(0, |s| s.line), d.code.to_owned()))
        .collect()
}

fn assert_fails_as_marked(name: &str) {
    let text = read(name);
    let expected = markers(&text);
    assert!(!expected.is_empty(), "{name} marks no expected finding");
    let diagnostics = lint_text(name, &text);
    assert_eq!(
        found(&diagnostics),
        expected,
        "{name}: (line, code) found vs marked\n{diagnostics:#?}"
    );
    for d in &diagnostics {
        assert!(d.hint.is_some(), "{name}: {} has no hint", d.code);
    }
}

#[test]
fn each_rule_fires_on_its_failing_fixture_at_the_marked_lines() {
    for (rule, code) in RULE_FIXTURES {
        let name = format!("{rule}.fail.yaml");
        let marked: BTreeSet<String> = markers(&read(&name)).into_iter().map(|(_, c)| c).collect();
        assert_eq!(
            marked,
            BTreeSet::from([(*code).to_owned()]),
            "{name} marks other codes"
        );
        assert_fails_as_marked(&name);
    }
}

#[test]
fn each_rule_is_quiet_on_its_passing_fixture() {
    for (rule, _) in RULE_FIXTURES {
        let name = format!("{rule}.pass.yaml");
        let diagnostics = lint_text(&name, &read(&name));
        assert_eq!(diagnostics, vec![], "{name} should lint clean");
    }
}

#[test]
fn variant_fixtures_fire_as_marked() {
    let mut names: Vec<String> = fs::read_dir(data())
        .expect("the fixture directory")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".fail.yaml"))
        .collect();
    names.sort();
    for name in names {
        assert_fails_as_marked(&name);
    }
}

#[test]
fn rules_lists_every_code_and_each_has_fixtures() {
    let listed: BTreeSet<&str> = RULES.iter().map(|(code, _)| *code).collect();
    let covered: BTreeSet<&str> = RULE_FIXTURES.iter().map(|(_, code)| *code).collect();
    assert_eq!(listed, covered, "RULES and the fixture table disagree");
    for (code, summary) in RULES {
        assert!(
            summary.ends_with('.') && summary.len() > 20,
            "{code}: {summary}"
        );
    }
    // Every code any fixture produces is a listed rule.
    for entry in fs::read_dir(data()).expect("the fixture directory") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        for d in lint_text(&name, &read(&name)) {
            assert!(
                listed.contains(d.code),
                "{name}: {} is not in RULES",
                d.code
            );
        }
    }
}

#[test]
fn a_tool_named_inside_a_line_is_pointed_at_exactly() {
    let diagnostics = lint_text("undefined-tool", &read("undefined-tool.fail.yaml"));
    let places: Vec<(usize, usize, usize)> = diagnostics
        .iter()
        .map(|d| d.span.map(|s| (s.line, s.column, s.len)).expect("placed"))
        .collect();
    // `check_outage` after "    - For connectivity, call ", `escalate_to_human` inside backticks.
    assert_eq!(places, [(5, 30, 12), (6, 46, 17)]);
    assert_eq!(
        diagnostics[0].message,
        "tool `check_outage` is named in the instructions but not defined"
    );
}

#[test]
fn findings_come_in_file_order() {
    let text = "name: a\nrole: Call lookup_order(id).\ncommon_tools: [escalate_to_human]\ninstructions:\n  rules: [Call refund_order(id).]\n";
    let lines: Vec<usize> = lint_text("inline", text)
        .iter()
        .map(|d| d.span.map_or(0, |s| s.line))
        .collect();
    assert_eq!(lines, [2, 3, 5]);
}

#[test]
fn a_model_shutdown_is_announced_sixty_days_ahead_and_named_once_past() {
    let text = "name: a\nmodel: gpt-realtime-2025-08-28\nrole: r\n";
    let loaded = load(text).expect("valid");
    let on = |day: &str| lint(&loaded, Date::parse(day).expect("a date"));
    assert_eq!(on("2026-11-20"), vec![], "61 days ahead: quiet");
    let near = on("2026-11-21");
    assert_eq!(near.len(), 1);
    assert_eq!(
        near[0].message,
        "model `gpt-realtime-2025-08-28` is shut down on 2027-01-20, in 60 days"
    );
    assert_eq!(
        near[0].hint.as_deref(),
        Some(
            "move to `gpt-realtime-2.1`, its successor on the same protocol; check the agent's scenarios on it first (docs/models.md)"
        )
    );
    let past = on("2027-01-20");
    assert_eq!(
        past[0].message,
        "model `gpt-realtime-2025-08-28` was shut down on 2027-01-20"
    );
    assert_eq!(past[0].span.map(|s| (s.line, s.column)), Some((2, 8)));
}

#[test]
fn an_unknown_model_gets_the_closest_known_name() {
    let d = lint_text("typo", &read("unknown-model.fail.yaml"));
    assert_eq!(
        d[0].hint.as_deref(),
        Some("did you mean `gpt-realtime-2.1`?")
    );
}
