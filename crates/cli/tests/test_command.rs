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

/// The retail agent's reference tool server (`retail-tools`), on a runtime of its own that
/// serves while a test waits for the binary; its tools are webhooks to `${RETAIL_TOOLS_URL}`
/// signed with the secret in `RETAIL_TOOLS_SECRET`, which [`RetailTools::env`] gives the child.
struct RetailTools {
    runtime: tokio::runtime::Runtime,
    server: Option<retail_tools::ToolServer>,
    secret: String,
}

impl RetailTools {
    fn start() -> RetailTools {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let secret = format!("retail-test-{}-{nanos}", std::process::id());
        let server = runtime
            .block_on(retail_tools::ToolServer::start(
                "127.0.0.1:0",
                secret.as_bytes().to_vec(),
            ))
            .expect("the retail tool server starts");
        RetailTools {
            runtime,
            server: Some(server),
            secret,
        }
    }

    /// The variables the agent's webhooks read.
    fn env(&self) -> [(&'static str, String); 2] {
        let url = self.server.as_ref().expect("running").url();
        [
            ("RETAIL_TOOLS_URL", url),
            (retail_tools::SECRET_ENV, self.secret.clone()),
        ]
    }

    /// What each session changed (`GET /state`).
    fn state(&self) -> serde_json::Value {
        let url = format!("{}/state", self.server.as_ref().expect("running").url());
        self.runtime.block_on(async {
            reqwest::get(&url)
                .await
                .expect("GET /state")
                .json()
                .await
                .expect("JSON")
        })
    }
}

impl Drop for RetailTools {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

#[test]
fn every_shipped_suite_passes_with_a_junit_report() {
    let junit = std::env::temp_dir().join(format!("switchboard-junit-{}.xml", std::process::id()));
    // Every example agent's `scenarios` directory, found from the top. The retail agent's
    // tools are webhooks: its reference server runs here, and the child gets its address and
    // secret.
    let examples = repo("examples/agents");
    let retail = RetailTools::start();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "test",
            &examples.display().to_string(),
            "--junit",
            &junit.display().to_string(),
        ])
        .env_remove("OPENAI_API_KEY")
        .envs(retail.env())
        .output()
        .expect("the binary runs");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("✓ outage and refund"), "{stdout}");
    assert!(
        stdout.contains("✓ retail task 0: exchange a keyboard and a thermostat"),
        "{stdout}"
    );
    assert!(
        stdout.contains("retail/scenarios/adversarial/"),
        "the retail adversarial suite ran: {stdout}"
    );
    // The retail calls reached the server, each scenario in a session of its own: task 0's
    // exchange is recorded there.
    let state = retail.state();
    let sessions = state["sessions"].as_object().expect("sessions");
    assert!(
        sessions
            .values()
            .any(|s| s["changed_orders"]["#W2378156"]["status"] == "exchange requested"),
        "{state}"
    );
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
