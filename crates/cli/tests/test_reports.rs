//! `switchboard test` runs, reports and comparisons: `--repeat` (pass^k) with its JUnit and
//! HTML reports, `--compare` (two variants side by side, exit 1 when B breaks what A passes),
//! variants that do not load (exit 2), and `--model openai` against an upstream URL.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod common;
use common::{repo, switchboard};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("switchboard-{name}-{}", std::process::id()))
}

fn read_and_remove(path: &Path) -> String {
    let content = std::fs::read_to_string(path).expect("the report is written");
    let _ = std::fs::remove_file(path);
    content
}

#[test]
fn repeated_runs_report_pass_hat_k_in_text_junit_and_html() {
    let (junit, html) = (temp("repeat.xml"), temp("repeat.html"));
    let out = switchboard(&[
        "test",
        &data("scenarios/refund-without-asking.yaml")
            .display()
            .to_string(),
        "--repeat",
        "2",
        "--junit",
        &junit.display().to_string(),
        "--html",
        &html.display().to_string(),
    ]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("✗ refund <without> asking ("),
        "{stdout}"
    );
    assert!(stdout.contains(") 0/2 runs passed "), "{stdout}");
    for run in 1..=2 {
        assert!(
            stdout.contains(&format!(
                "    ✗ run {run}: confirmed_before: refund_credit\n"
            )),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("pass^1 = 0.00, pass^2 = 0.00 (1 scenario × 2 runs)\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 passed, 1 failed\n"), "{stdout}");
    // Without a terminal, progress is plain lines on standard error.
    assert!(
        stderr.contains("[2/2] scenario 1/1: refund <without> asking, run 2/2"),
        "{stderr}"
    );

    let xml = read_and_remove(&junit);
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    assert!(
        xml.contains("<failure message=\"2 of 2 runs failed\""),
        "{xml}"
    );
    assert!(
        xml.contains("run 1: confirmed_before: refund_credit: ")
            && xml.contains("\nrun 2: confirmed_before: refund_credit: "),
        "{xml}"
    );

    let page = read_and_remove(&html);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(!page.contains("<script"), "no script: {page}");
    assert!(page.contains("refund &lt;without&gt; asking"), "{page}");
    assert!(page.contains("0/2 runs passed"), "{page}");
    assert!(page.contains("<summary>Run 2: "), "{page}");
    assert!(
        page.contains("<code>confirmed_before: refund_credit</code><pre>expected `refund_credit`"),
        "{page}"
    );
    // The call's timeline: both sides' speech and the held tool call.
    assert!(
        page.contains("<td class=\"who\">caller</td><td>My internet was down all week."),
        "{page}"
    );
    assert!(
        page.contains("<td class=\"who\">agent</td><td>Your credit is on its way."),
        "{page}"
    );
    assert!(
        page.contains("<code>refund_credit({&quot;account_id&quot;:&quot;NL-10482&quot;,&quot;minutes&quot;:60})</code> → <b>held_for_confirmation</b>"),
        "{page}"
    );
    assert!(
        page.contains("<code>confirmation_requested</code>"),
        "{page}"
    );
}

#[test]
fn compare_sets_two_variants_side_by_side_and_fails_when_b_breaks_something() {
    let (junit, html) = (temp("compare.xml"), temp("compare.html"));
    let agent = repo("examples/agents/northloop/agent.yaml")
        .display()
        .to_string();
    let grouped = format!("script:{}", data("scripts/grouped-readback.yaml").display());
    let out = switchboard(&[
        "test",
        &repo("examples/agents/northloop/scenarios/outage-and-refund.yaml")
            .display()
            .to_string(),
        "--compare",
        &agent,
        &grouped,
        "--junit",
        &junit.display().to_string(),
        "--html",
        &html.display().to_string(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "B broke an assertion A passes: {stdout}{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("✓ A: outage and refund ("), "{stdout}");
    assert!(stdout.contains("✗ B: outage and refund ("), "{stdout}");
    let row = |label: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert!(
        row("A: ").ends_with(&format!("A: {agent} B: {grouped}")),
        "{stdout}"
    );
    assert_eq!(
        row("outage and refund"),
        "outage and refund ✓ passed ✗ failed"
    );
    assert_eq!(
        row("transcript_contains:"),
        "transcript_contains: \"4-1-5-5-5-5-0-1-2-3\" ✓ ✗"
    );
    assert_eq!(
        row("confirmed_before:"),
        "confirmed_before: refund_credit ✓ ✓"
    );
    assert_eq!(row("scenarios passed"), "scenarios passed 1/1 0/1");
    // A grouped readback breaks two of the scenario's assertions: the transcript's
    // one-character-at-a-time number, and `readback` itself.
    assert_eq!(
        row("readback:"),
        "readback: {tool: lookup_account, argument: email_or_phone} ✓ ✗"
    );
    assert_eq!(row("assertions held"), "assertions held 14/14 12/14");
    assert!(
        stdout.contains(
            "B against A: 0 fixed, 2 broken\nA: 1 passed, 0 failed\nB: 0 passed, 1 failed\n"
        ),
        "{stdout}"
    );

    let xml = read_and_remove(&junit);
    assert!(xml.contains("<testsuites>"), "{xml}");
    assert!(
        xml.contains(&format!(
            "<testsuite name=\"A: {agent}\" tests=\"1\" failures=\"0\""
        )),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<testsuite name=\"B: {grouped}\" tests=\"1\" failures=\"1\""
        )),
        "{xml}"
    );

    let page = read_and_remove(&html);
    assert!(
        page.contains(&format!("<th>A: {agent}</th><th>B: {grouped}</th>")),
        "{page}"
    );
    assert!(
        page.contains("<tr class=\"broken\"><td>&nbsp;&nbsp;transcript_contains: &quot;4-1-5-5-5-5-0-1-2-3&quot;</td><td>✓</td><td>✗</td></tr>"),
        "{page}"
    );
    // Each side's call, with B's grouped readback in its timeline.
    assert_eq!(
        page.matches("<section class=\"scenario").count(),
        2,
        "{page}"
    );
    assert!(page.contains("Thanks. I have 415 555 0123."), "{page}");
    assert!(
        page.contains("Thanks. I have 4-1-5-5-5-5-0-1-2-3."),
        "{page}"
    );
}

#[test]
fn compare_variants_that_do_not_load_are_usage_errors() {
    let scenario = repo("examples/agents/northloop/scenarios/outage-and-refund.yaml")
        .display()
        .to_string();
    let script = data("scripts/unknown-key.yaml");
    let out = switchboard(&[
        "test",
        &scenario,
        "--compare",
        "emulator",
        &format!("script:{}", script.display()),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:4:5: unknown key `shout`", script.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out.stdout));

    let agent = data("render-broken-agent.yaml");
    let out = switchboard(&[
        "test",
        &scenario,
        "--compare",
        &agent.display().to_string(),
        "emulator",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("--> {}:6:5", agent.display())),
        "{stderr}"
    );
    assert!(stderr.contains("unknown key `use_wen`"), "{stderr}");

    let out = switchboard(&["test", &scenario, "--compare", "opnai", "emulator"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`opnai` is not a variant"), "{stderr}");

    let out = switchboard(&["test", &scenario, "--compare", "emulator", "openai"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("set OPENAI_API_KEY"), "{stderr}");
}

#[test]
fn repeat_must_be_at_least_one_and_reports_need_a_directory() {
    let scenario = repo("examples/agents/northloop/scenarios/outage-and-refund.yaml")
        .display()
        .to_string();
    let out = switchboard(&["test", &scenario, "--repeat", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let missing = temp("no-such-dir").join("report.html");
    let out = switchboard(&["test", &scenario, "--html", &missing.display().to_string()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "checked before running: {}",
        text(&out.stdout)
    );
}

/// `switchboard emulate`, stopped when dropped.
struct EmulatorProcess {
    child: Child,
    /// Its base URL, `ws://ADDR/v1`.
    url: String,
}

impl EmulatorProcess {
    fn start(script: &Path) -> EmulatorProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["emulate", "--listen", "127.0.0.1:0", "--script"])
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the emulator says where it listens");
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|u| u.strip_suffix("/realtime"))
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        EmulatorProcess { child, url }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_live_model_runs_against_the_upstream_url_without_showing_the_key() {
    let emulator = EmulatorProcess::start(&repo("examples/agents/northloop/rehearsal.yaml"));
    let key = "sk-test-not-a-real-key-7c1d";
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["test"])
        .arg(repo(
            "examples/agents/northloop/scenarios/outage-and-refund.yaml",
        ))
        .args([
            "--model",
            "openai",
            "--upstream-url",
            &emulator.url,
            "--live-model",
            "gpt-realtime-test",
        ])
        .env("OPENAI_API_KEY", key)
        .output()
        .expect("the binary runs");
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("✓ outage and refund"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "LIVE: scenarios run against gpt-realtime-test at {}",
            emulator.url
        )),
        "{stderr}"
    );
    assert!(
        !stdout.contains(key) && !stderr.contains(key),
        "the key is never shown"
    );
}

#[test]
fn the_live_model_is_reached_at_the_upstream_url() {
    // A port nobody listens on: the run fails, saying the model could not be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("test")
        .arg(data("scenarios/refund-without-asking.yaml"))
        .args([
            "--model",
            "openai",
            "--upstream-url",
            &format!("ws://{closed}/v1"),
        ])
        .env("OPENAI_API_KEY", "sk-test-unused")
        .output()
        .expect("the binary runs");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("    ✗ run\n"), "{stdout}");
    assert!(stdout.contains("could not be reached"), "{stdout}");
}
