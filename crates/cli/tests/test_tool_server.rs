//! `switchboard test --tool-server URL`: the scenarios' fixture tools go to a tool server as
//! signed webhooks, as `serve --tool-server` sends them, so the reference server's state shows
//! what the scenario's calls did. A server that refuses the calls fails the scenario with its
//! reason; without the signing secret, or with a URL that is not http(s), nothing runs.

use std::process::{Command, Output};

use northloop_tools::{SECRET_ENV, ToolServer};
use serde_json::{Value, json};

mod common;
use common::repo;

const SCENARIO: &str = "examples/agents/northloop/scenarios/outage-and-refund.yaml";

/// The NorthLoop reference tool server, on a runtime of its own that serves while the test
/// waits for the binary.
struct Server {
    runtime: tokio::runtime::Runtime,
    server: Option<ToolServer>,
}

impl Server {
    fn start(secret: &str) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime
            .block_on(ToolServer::start("127.0.0.1:0", secret.as_bytes().to_vec()))
            .expect("the tool server starts");
        Server {
            runtime,
            server: Some(server),
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().expect("running").url()
    }

    /// Everything the server holds (`GET /state`).
    fn state(&self) -> Value {
        let url = format!("{}/state", self.url());
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

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// `switchboard test ARGS…` offline, with `secret` (if any) in `NORTHLOOP_TOOLS_SECRET`.
fn switchboard_test(args: &[&str], secret: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .arg("test")
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .env_remove(SECRET_ENV)
        .env_remove("SWITCHBOARD_TOOL_SECRET");
    if let Some(secret) = secret {
        command.env(SECRET_ENV, secret);
    }
    command.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scenario() -> String {
    repo(SCENARIO).display().to_string()
}

#[test]
fn the_scenario_passes_and_its_refund_reaches_the_tool_server() {
    let server = Server::start("s3cret");
    let url = server.url();
    let out = switchboard_test(
        &[
            "--tool-server",
            &url,
            "--tool-secret-env",
            SECRET_ENV,
            &scenario(),
        ],
        Some("s3cret"),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("✓ outage and refund"), "{stdout}");
    let tools = format!("{url}/tools/NAME (fixtures replaced; signed with ${SECRET_ENV})");
    assert!(
        stderr.contains(&format!("switchboard: tools: {tools}")),
        "the header says where the tools go: {stderr}"
    );
    assert!(
        stdout.ends_with(&format!("1 passed, 0 failed; tools: {tools}\n")),
        "the summary says where the tools went: {stdout}"
    );

    // The credit was applied by the server, which alone numbers credits: no fixture answered.
    let state = server.state();
    assert_eq!(
        state["credits"],
        json!([{"credit_id": "CR-0001", "account_id": "NL-10482", "minutes": 60}]),
        "{state}"
    );
    assert_eq!(
        state["replies_recorded"], 1,
        "one write reached it: {state}"
    );
}

#[test]
fn both_agents_of_a_comparison_send_their_tools_to_the_tool_server() {
    let server = Server::start("s3cret");
    let url = server.url();
    let agent_dir = repo("examples/agents/northloop").display().to_string();
    let agent_file = repo("examples/agents/northloop/agent.yaml")
        .display()
        .to_string();
    let out = switchboard_test(
        &[
            "--tool-server",
            &url,
            "--tool-secret-env",
            SECRET_ENV,
            "--compare",
            &agent_dir,
            &agent_file,
            &scenario(),
        ],
        Some("s3cret"),
    );
    let stdout = text(&out.stdout);
    // A runs first and gets the credit; the server allows one credit per outage, so B's
    // refund, which a fixture would have granted again, is refused by the server.
    assert!(stdout.contains("✓ A: outage and refund"), "{stdout}");
    assert!(stdout.contains("✗ B: outage and refund"), "{stdout}");
    assert!(
        stdout.contains("HTTP 409"),
        "B's refund was refused: {stdout}"
    );
    let state = server.state();
    assert_eq!(
        state["credits"].as_array().map(Vec::len),
        Some(1),
        "{state}"
    );
    assert_eq!(
        state["replies_recorded"], 2,
        "each side's refund reached the server: {state}"
    );
    assert_eq!(out.status.code(), Some(1), "B broke what A passed");
}

#[test]
fn a_tool_server_that_refuses_the_calls_fails_the_scenario_and_says_why() {
    let server = Server::start("the server's secret");
    let url = server.url();
    let out = switchboard_test(
        &[
            "--tool-server",
            &url,
            "--tool-secret-env",
            SECRET_ENV,
            &scenario(),
        ],
        Some("another secret"),
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("✗ outage and refund"), "{stdout}");
    assert!(stdout.contains("    ✗ tool_server\n"), "{stdout}");
    assert!(
        stdout.contains("lookup_account` refused the call (HTTP 401)")
            && stdout.contains("signature refused"),
        "the failure names the server's refusal: {stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
    let state = server.state();
    assert_eq!(state["credits"], json!([]), "nothing was applied: {state}");
}

#[test]
fn without_the_secret_or_an_http_url_nothing_runs() {
    let scenario = scenario();
    for secret in [None, Some("  ")] {
        let out = switchboard_test(
            &[
                "--tool-server",
                "http://127.0.0.1:9",
                "--tool-secret-env",
                SECRET_ENV,
                &scenario,
            ],
            secret,
        );
        assert_eq!(out.status.code(), Some(2), "secret {secret:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("--tool-server: {SECRET_ENV} is not set")),
            "{stderr}"
        );
        assert!(text(&out.stdout).is_empty(), "no scenario ran");
    }

    // The default variable, named when it is missing.
    let out = switchboard_test(&["--tool-server", "http://127.0.0.1:9", &scenario], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("SWITCHBOARD_TOOL_SECRET is not set"),
        "{}",
        text(&out.stderr)
    );

    let out = switchboard_test(
        &[
            "--tool-server",
            "ftp://tools.example",
            "--tool-secret-env",
            SECRET_ENV,
            &scenario,
        ],
        Some("s3cret"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--tool-server: `ftp://tools.example` is not an http(s) URL"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).is_empty(), "no scenario ran");

    // The secret's name alone means nothing without a tool server.
    let out = switchboard_test(
        &["--tool-secret-env", SECRET_ENV, &scenario],
        Some("s3cret"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--tool-server"),
        "{}",
        text(&out.stderr)
    );
}
