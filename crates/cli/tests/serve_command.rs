//! `switchboard serve` and `switchboard emulate` as processes: the README's main job.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Starts the binary and reads its banner up to the "listening" line.
fn start(args: &[&str], envs: &[(&str, &str)]) -> (Child, Vec<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command.args(args);
    if args.first() == Some(&"serve") {
        // These tests are about serving, not records: leave no data directory behind.
        command.arg("--no-records");
    }
    command
        .env_remove("OPENAI_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("the binary runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8");
        let done = line.contains("listening on");
        banner.push(line);
        if done {
            break;
        }
    }
    (child, banner)
}

fn address(banner: &[String]) -> String {
    let line = banner
        .iter()
        .find(|l| l.contains("listening on"))
        .unwrap_or_else(|| panic!("no listening line in {banner:?}"));
    let rest = line
        .split_once("http://")
        .or_else(|| line.split_once("ws://"))
        .expect("an address")
        .1;
    rest.split(['/', ' ']).next().expect("host:port").to_owned()
}

/// SIGTERM, as a service manager stops it; the exit status.
fn terminate(mut child: Child) -> Option<i32> {
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the process did not stop on SIGTERM");
}

#[test]
fn serve_without_a_key_rehearses_and_stops_cleanly_on_sigterm() {
    let dir = repo("examples/agents/northloop");
    let (child, banner) = start(
        &[
            "serve",
            dir.to_str().expect("path"),
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let text = banner.join("\n");
    assert!(text.contains("REHEARSAL MODE"), "{text}");
    assert!(text.contains("rehearsal.yaml"), "{text}");
    let addr = address(&banner);
    let health = reqwest::blocking::get(format!("http://{addr}/healthz")).expect("GET");
    assert_eq!(health.status().as_u16(), 200);
    let metrics = reqwest::blocking::get(format!("http://{addr}/metrics"))
        .expect("GET")
        .text()
        .expect("body");
    assert!(
        metrics.contains("switchboard_active_sessions 0"),
        "{metrics}"
    );
    assert_eq!(terminate(child), Some(0));
}

#[test]
fn serve_with_an_upstream_url_is_live() {
    let dir = repo("examples/agents/northloop");
    let (child, banner) = start(
        &[
            "serve",
            dir.to_str().expect("path"),
            "--listen",
            "127.0.0.1:0",
            "--upstream-url",
            "ws://127.0.0.1:9/v1",
        ],
        &[],
    );
    let text = banner.join("\n");
    assert!(
        text.contains("LIVE") && !text.contains("REHEARSAL"),
        "{text}"
    );
    assert_eq!(terminate(child), Some(0));
}

#[test]
fn serve_refuses_bad_agents_and_settings_with_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "/nonexistent/agent.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let dir = tempdir();
    let settings = dir.join("gateway.yaml");
    std::fs::write(&settings, "keys:\n  - name: web\n    kee: x\n").expect("write");
    let agent = repo("examples/agents/northloop");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", agent.to_str().expect("path"), "--config"])
        .arg(&settings)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("gateway.yaml:3:5"), "{stderr}");
}

#[test]
fn emulate_serves_a_script() {
    let script = repo("examples/agents/northloop/rehearsal.yaml");
    let (child, banner) = start(
        &[
            "emulate",
            "--listen",
            "127.0.0.1:0",
            "--script",
            script.to_str().expect("path"),
        ],
        &[],
    );
    let addr = address(&banner);
    // A plain HTTP request to the WebSocket route is refused as not an upgrade.
    let response = reqwest::blocking::get(format!("http://{addr}/v1/realtime")).expect("GET");
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_eq!(terminate(child), Some(0));
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
