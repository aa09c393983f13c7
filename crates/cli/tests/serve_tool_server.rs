//! `switchboard serve --tool-server URL`: fixture tools go to a tool server instead, which the
//! banner says; without the signing secret the gateway refuses to start.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn northloop() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/agents/northloop")
        .to_str()
        .expect("path")
        .to_owned()
}

#[test]
fn the_banner_names_the_tool_server_and_still_ends_with_listening() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            &northloop(),
            "--listen",
            "127.0.0.1:0",
            "--no-records",
        ])
        .args(["--tool-server", "http://127.0.0.1:9100/"])
        .args(["--tool-secret-env", "NORTHLOOP_TOOLS_SECRET"])
        .env_remove("OPENAI_API_KEY")
        .env("NORTHLOOP_TOOLS_SECRET", "s3cret")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs");
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
    let text = banner.join("\n");
    assert!(
        text.contains(
            "tools: http://127.0.0.1:9100/tools/NAME (fixtures replaced; signed with $NORTHLOOP_TOOLS_SECRET)"
        ),
        "{text}"
    );
    assert!(text.contains("with its tool server's tools"), "{text}");
    assert!(
        banner.last().is_some_and(|l| l.contains("listening on")),
        "{text}"
    );

    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    for _ in 0..100 {
        if let Some(status) = child.try_wait().expect("wait") {
            assert_eq!(status.code(), Some(0));
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the process did not stop on SIGTERM");
}

#[test]
fn a_tool_server_without_its_secret_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            &northloop(),
            "--listen",
            "127.0.0.1:0",
            "--no-records",
        ])
        .args(["--tool-server", "http://127.0.0.1:9100"])
        .env_remove("SWITCHBOARD_TOOL_SECRET")
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SWITCHBOARD_TOOL_SECRET is not set"),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", &northloop(), "--tool-server", "ftp://tools"])
        .env("SWITCHBOARD_TOOL_SECRET", "s3cret")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not an http(s) URL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The secret's name alone means nothing without a tool server.
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", &northloop(), "--tool-secret-env", "X"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
