//! `switchboard lint`: exit codes 0 (no errors), 1 (errors), 2 (a file unreadable or not
//! loading); human, JSON and SARIF output; and `--critique` against a fake Chat Completions
//! server on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::{self, JoinHandle};

use serde_json::Value;

fn data(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lint")
        .join(rel)
        .display()
        .to_string()
}

/// Runs `switchboard` with the critique settings removed from the environment.
fn switchboard(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args);
    for var in [
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
        "SWITCHBOARD_CRITIQUE_MODEL",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

// ---------------------------------------------------------------------------------------
// Exit codes and formats

#[test]
fn a_clean_agent_exits_zero_with_a_summary() {
    let out = switchboard(&["lint", &data("ok/clean/agent.yaml")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "0 errors, 0 warnings in 1 file\n");
}

#[test]
fn warnings_alone_exit_zero() {
    let out = switchboard(&["lint", &data("ok/warns/agent.yml")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("warning[SB0116]: 2 sample phrases but no variety rule\n"));
    assert_eq!(stderr(&out), "0 errors, 1 warning in 1 file\n");
}

#[test]
fn a_directory_is_searched_for_agent_files_in_order() {
    // `ok/notes.yaml` is not named agent.* and is not valid YAML: it must be skipped.
    let out = switchboard(&["lint", "--format", "json", &data("ok")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let found = json(&out);
    let files: Vec<&str> = found
        .as_array()
        .expect("an array")
        .iter()
        .map(|d| d["file"].as_str().expect("a file"))
        .collect();
    assert_eq!(files, [data("ok/warns/agent.yml")]);
}

#[test]
fn errors_exit_one_and_point_at_the_line() {
    let file = data("errors/agent.yaml");
    let out = switchboard(&["lint", &file], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(
        "error[SB0101]: tool `check_outage` is named in the instructions but not defined\n"
    ));
    assert!(text.contains(&format!(" --> {file}:5:30\n")), "{text}");
    assert!(text.contains("warning[SB0116]"), "{text}");
    assert_eq!(stderr(&out), "1 error, 1 warning in 1 file\n");
}

#[test]
fn json_output_has_code_severity_message_file_line_and_column() {
    let file = data("errors/agent.yaml");
    let out = switchboard(&["lint", "--format", "json", &file], &[]);
    assert_eq!(out.status.code(), Some(1));
    let found = json(&out);
    let first = &found[0];
    assert_eq!(first["code"], "SB0101");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        first["message"],
        "tool `check_outage` is named in the instructions but not defined"
    );
    assert_eq!(first["file"], file.as_str());
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(5), Some(30))
    );
    assert!(first["hint"].is_string());
    assert_eq!(found[1]["code"], "SB0116");
    assert_eq!(found[1]["severity"], "warning");
    assert_eq!(found.as_array().map(Vec::len), Some(2));
}

#[test]
fn sarif_output_lists_every_rule_and_locates_results() {
    let file = data("errors/agent.yaml");
    let out = switchboard(&["lint", "--format", "sarif", &file], &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = json(&out);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let expected: Vec<&str> = switchboard_agent::RULES.iter().map(|(c, _)| *c).collect();
    assert_eq!(ids, expected);
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "SB0101");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], file.as_str());
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 30);
    assert_eq!(run["results"][1]["level"], "warning");
}

#[test]
fn a_file_that_does_not_load_exits_two_with_its_diagnostics() {
    let file = data("broken/agent.json");
    let out = switchboard(&["lint", &file], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).starts_with("error[SB0007]: duplicate state id `1_greeting`\n"));
    assert!(stdout(&out).contains(&format!(" --> {file}:6:12\n")));
    assert!(stderr(&out).ends_with("switchboard: 1 of 1 file could not be read or did not load\n"));

    // The load diagnostics come in the chosen format too, beside the other files' findings.
    let out = switchboard(&["lint", "--format", "json", &data("")], &[]);
    assert_eq!(out.status.code(), Some(2));
    let codes: Vec<(String, String)> = json(&out)
        .as_array()
        .expect("an array")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or_default().to_owned(),
                d["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            (file.clone(), "SB0007".to_owned()),
            (data("errors/agent.yaml"), "SB0101".to_owned()),
            (data("errors/agent.yaml"), "SB0116".to_owned()),
            (data("ok/warns/agent.yml"), "SB0116".to_owned()),
        ]
    );
}

#[test]
fn an_unreadable_file_exits_two() {
    let missing = data("nowhere/agent.yaml");
    let out = switchboard(&["lint", &missing, &data("ok/clean/agent.yaml")], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&format!("switchboard: cannot read {missing}: ")));
    assert!(stderr(&out).contains("1 of 2 files could not be read or did not load"));
}

#[test]
fn the_example_agents_have_no_errors() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents");
    let out = switchboard(&["lint", &examples.display().to_string()], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn today_can_be_given_so_date_rules_repeat() {
    let file = data("old-model.yaml");
    let out = switchboard(&["lint", "--today", "2026-12-07", &file], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(
            "warning[SB0123]: model `gpt-realtime` is shut down on 2027-01-20, in 44 days\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(&format!(" --> {file}:2:8\n")));
    assert_eq!(stderr(&out), "0 errors, 1 warning in 1 file\n");

    // Two months earlier there is nothing to say yet.
    let out = switchboard(&["lint", "--today", "2026-10-01", &file], &[]);
    assert_eq!(stderr(&out), "0 errors, 0 warnings in 1 file\n");

    let out = switchboard(&["lint", "--today", "2026-02-30", &file], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`2026-02-30` is not a day written YYYY-MM-DD"),
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------
// --critique

/// A request as the fake server saw it.
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Serves one request on 127.0.0.1 with `status` and `body`; returns the base URL and the
/// request it received.
fn fake_server(status: &'static str, body: &'static str) -> (String, JoinHandle<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let base = format!("http://{}/v1", listener.local_addr().expect("an address"));
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).expect("a request line");
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).expect("a header");
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').expect("name: value");
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().expect("a length"))
            .expect("a content-length");
        let mut raw = vec![0; length];
        reader.read_exact(&mut raw).expect("the body");
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = reader.into_inner();
        stream.write_all(response.as_bytes()).expect("the response");
        Request {
            line: line.trim_end().to_owned(),
            headers,
            body: serde_json::from_slice(&raw).expect("a JSON body"),
        }
    });
    (base, handle)
}

const ANSWER: &str = r##"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"# Issues\n1. \"2–3 sentences\" conflicts with nothing.\n"},"finish_reason":"stop"}]}"##;

fn rendered(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("the agent");
    let agent = switchboard_agent::load(&text).expect("loads").agent;
    switchboard_agent::render(&agent, None)
        .expect("renders")
        .instructions
}

#[test]
fn critique_sends_the_meta_prompt_and_the_compiled_prompt_and_prints_the_answer() {
    let (base, server) = fake_server("200 OK", ANSWER);
    let agent = PathBuf::from(data("ok/clean/agent.yaml"));
    let out = switchboard(
        &[
            "lint",
            "--critique",
            "--base-url",
            &base,
            "--model",
            "gpt-test",
            &agent.display().to_string(),
        ],
        &[("OPENAI_API_KEY", "sk-test-secret")],
    );
    let request = server.join().expect("the server");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "# Issues\n1. \"2–3 sentences\" conflicts with nothing.\n"
    );

    assert_eq!(request.line, "POST /v1/chat/completions HTTP/1.1");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-test-secret")
    );
    assert_eq!(request.body["model"], "gpt-test");
    let messages = request.body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    let meta = messages[0]["content"].as_str().expect("text");
    assert!(meta.starts_with("## Role & Objective\nYou are a **Prompt-Critique Expert**."));
    assert!(meta.contains("- Unstated assumptions: Does the prompt assume the model has to be able to do something that is not explicitly stated?"));
    assert!(meta.contains("# Revised Prompt\n- Revised prompt where you have applied all your improvements surgically with minimal edits to the original prompt"));
    assert_eq!(messages[1]["role"], "user");
    assert_eq!(messages[1]["content"], rendered(&agent).as_str());
    assert!(!stdout(&out).contains("sk-test-secret") && !stderr(&out).contains("sk-test-secret"));
}

#[test]
fn critique_with_an_issue_uses_the_targeted_meta_prompt() {
    let (base, server) = fake_server("200 OK", ANSWER);
    let agent = PathBuf::from(data("ok/clean/agent.yaml"));
    let out = switchboard(
        &[
            "lint",
            "--critique",
            "--issue",
            "It checks outages before asking for the address.",
            &agent.display().to_string(),
        ],
        &[
            ("OPENAI_BASE_URL", base.as_str()),
            ("OPENAI_API_KEY", "sk-test-secret"),
            ("SWITCHBOARD_CRITIQUE_MODEL", "gpt-env"),
        ],
    );
    let request = server.join().expect("the server");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(request.body["model"], "gpt-env");
    let messages = request.body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1);
    let content = messages[0]["content"].as_str().expect("text");
    let prompt = rendered(&agent);
    assert_eq!(
        content,
        format!(
            "Here's my current prompt to an LLM:\n[BEGIN OF CURRENT PROMPT]\n{}\n[END OF CURRENT PROMPT]\nBut I see this issue happening from the LLM:\n[BEGIN OF ISSUE]\nIt checks outages before asking for the address.\n[END OF ISSUE]\nCan you provide some variants of the prompt so that the model can better understand the constraints to alleviate the issue?",
            prompt.trim_end()
        )
    );
}

#[test]
fn critique_reports_an_http_error_clearly_without_the_key() {
    let (base, server) = fake_server(
        "500 Internal Server Error",
        r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}"#,
    );
    let out = switchboard(
        &[
            "lint",
            "--critique",
            "--base-url",
            &base,
            "--api-key",
            "sk-test-secret",
            "--model",
            "gpt-test",
            &data("ok/clean/agent.yaml"),
        ],
        &[],
    );
    server.join().expect("the server");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{base}/chat/completions answered HTTP 500 Internal Server Error: The server had an error while processing your request.")),
        "{err}"
    );
    assert!(!err.contains("sk-test-secret") && !stdout(&out).contains("sk-test-secret"));
    assert_eq!(stdout(&out), "");
}

#[test]
fn critique_reports_an_answer_that_is_not_a_chat_completion() {
    let (base, server) = fake_server("200 OK", r#"{"object":"list","data":[]}"#);
    let out = switchboard(
        &[
            "lint",
            "--critique",
            "--base-url",
            &base,
            "--api-key",
            "k",
            "--model",
            "m",
            &data("ok/clean/agent.yaml"),
        ],
        &[],
    );
    server.join().expect("the server");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("without `choices[0].message.content`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn critique_reports_an_answer_that_is_not_json() {
    let (base, server) = fake_server("200 OK", "<html>Welcome to nginx!</html>");
    let out = switchboard(
        &[
            "lint",
            "--critique",
            "--base-url",
            &base,
            "--api-key",
            "k",
            "--model",
            "m",
            &data("ok/clean/agent.yaml"),
        ],
        &[],
    );
    server.join().expect("the server");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("answered HTTP 200 OK, but not with JSON"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn critique_without_configuration_explains_how_and_exits_two() {
    let out = switchboard(&["lint", "--critique", &data("ok/clean/agent.yaml")], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for needle in [
        "--base-url",
        "OPENAI_BASE_URL",
        "--api-key",
        "OPENAI_API_KEY",
        "--model",
        "SWITCHBOARD_CRITIQUE_MODEL",
    ] {
        assert!(err.contains(needle), "{needle} missing from:\n{err}");
    }
    assert_eq!(stdout(&out), "");

    // Only the key missing: the message names just that.
    let out = switchboard(
        &[
            "lint",
            "--critique",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            &data("ok/clean/agent.yaml"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing an API key."),
        "{}",
        stderr(&out)
    );
}
