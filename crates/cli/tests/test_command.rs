//! `switchboard test`: a passing scenario directory with a JUnit report (exit 0), a failing
//! scenario (exit 1), a scenario file that does not load (exit 2, at file:line:col).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{repo, switchboard};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scenarios")
        .join(rel)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_shipped_suite_passes_with_a_junit_report() {
    let junit = std::env::temp_dir().join(format!("switchboard-junit-{}.xml", std::process::id()));
    // Every example agent's `scenarios` directory, found from the top.
    let examples = repo("examples/agents");
    let out = switchboard(&[
        "test",
        &examples.display().to_string(),
        "--junit",
        &junit.display().to_string(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("✓ outage and refund"), "{stdout}");
    // Every agent's `scenarios` directory, with its subdirectories (the adversarial suites).
    fn yaml_below(dir: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        entries
            .map(|e| e.expect("an entry").path())
            .map(|p| {
                if p.is_dir() {
                    yaml_below(&p)
                } else {
                    usize::from(p.extension().is_some_and(|x| x == "yaml"))
                }
            })
            .sum()
    }
    let mut files = 0;
    let mut adversarial = 0;
    for agent in std::fs::read_dir(&examples).expect("the directory reads") {
        let scenarios = agent.expect("an entry").path().join("scenarios");
        files += yaml_below(&scenarios);
        adversarial += yaml_below(&scenarios.join("adversarial"));
    }
    assert!(files >= 12, "{files} shipped scenarios");
    assert!(adversarial >= 30, "{adversarial} adversarial scenarios");
    assert!(
        stdout.contains("scenarios/adversarial/"),
        "the adversarial suites ran: {stdout}"
    );
    assert!(
        stdout.ends_with(&format!("{files} passed, 0 failed\n")),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).expect("the report is written");
    let _ = std::fs::remove_file(&junit);
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite "),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("tests=\"{files}\" failures=\"0\"")),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"outage and refund\""),
        "{xml}"
    );
    assert!(xml.trim_end().ends_with("</testsuite>"), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}

#[test]
fn a_failing_scenario_exits_one_and_says_why() {
    let junit =
        std::env::temp_dir().join(format!("switchboard-junit-fail-{}.xml", std::process::id()));
    let out = switchboard(&[
        "test",
        &data("refund-without-asking.yaml").display().to_string(),
        "--junit",
        &junit.display().to_string(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("✗ refund <without> asking"), "{stdout}");
    assert!(
        stdout.contains("✗ confirmed_before: refund_credit"),
        "{stdout}"
    );
    assert!(stdout.contains("held_for_confirmation"), "{stdout}");
    assert!(stdout.ends_with("0 passed, 1 failed\n"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).expect("the report is written");
    let _ = std::fs::remove_file(&junit);
    assert!(
        xml.contains("name=\"refund &lt;without&gt; asking\""),
        "escaped: {xml}"
    );
    assert!(
        xml.contains("<failure message=\"1 of 1 assertions failed\""),
        "{xml}"
    );
}

#[test]
fn an_unknown_key_exits_two_at_its_place() {
    let file = data("unknown-key.yaml");
    let out = switchboard(&["test", &file.display().to_string()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:3:1: unknown key `retries`", file.display())),
        "{stderr}"
    );
}

#[test]
fn the_live_model_needs_an_api_key() {
    let dir = repo("examples/agents/northloop/scenarios");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["test", &dir.display().to_string(), "--model", "openai"])
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("set OPENAI_API_KEY"),
        "{}",
        text(&out.stderr)
    );
}
