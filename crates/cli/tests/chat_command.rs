//! `switchboard chat` with the NorthLoop agent in rehearsal: typed at a real terminal under
//! tmux, piped from a file, and given an agent file that does not load.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one wait may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(30);

/// The caller's side of the rehearsal call (examples/agents/northloop/scenarios/outage-and-refund.yaml).
const CALLER: [&str; 5] = [
    "My internet keeps dropping.",
    "It's 415 555 0123.",
    "Yes, that's right.",
    "Yes please.",
    "No, that's all, thanks.",
];

fn northloop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents/northloop")
}

fn chat_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .arg("chat")
        .arg(northloop())
        .env_remove("OPENAI_API_KEY")
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG");
    command
}

/// The lines of the whole call, in order, as `chat` prints them without colour.
fn assert_whole_call(text: &str) {
    let expected = [
        "REHEARSAL MODE",
        "agent> Thanks for calling NorthLoop Internet",
        "agent> Thanks. I have 4-1-5-5-5-5-0-1-2-3. Is that correct?",
        "· tool lookup_account({\"email_or_phone\":\"4155550123\"}) → ok",
        "agent> Found your account, Alex.",
        "· guard confirmation_asked: nothing held yet, a question before a call of `refund_credit`",
        "· guard consent_given: nothing held yet, a question before a call of `refund_credit`",
        "· tool refund_credit({\"account_id\":\"NL-10482\",\"minutes\":60}) → ok: {\"status\":\"applied\"",
        "agent> Happy to help.",
        "-- the agent ended the call",
    ];
    let mut from = 0;
    for needle in expected {
        let Some(at) = text[from..].find(needle) else {
            panic!("{needle:?} missing, or out of order, in:\n{text}");
        };
        from += at + needle.len();
    }
}

#[test]
fn piped_input_makes_a_plain_transcript() {
    let mut child = chat_command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    for line in CALLER {
        writeln!(stdin, "{line}").expect("write a line");
    }
    // End of input: the chat still waits for each reply, then the agent hangs up.
    drop(stdin);
    let out = child.wait_with_output().expect("the chat ends");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_whole_call(&stdout);
    // Each line the caller typed is echoed once, before the agent's answer to it.
    for line in CALLER {
        assert_eq!(
            stdout.matches(&format!("you> {line}\n")).count(),
            1,
            "{stdout}"
        );
    }
    assert!(
        !stdout.contains('\x1b'),
        "no colour codes off a terminal: {stdout:?}"
    );
}

#[test]
fn quit_leaves_before_the_call_ends() {
    let mut child = chat_command()
        .args(["--color", "always"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(
        stdin,
        "{}\n{}\n{}\n/quit\n{}",
        CALLER[0], CALLER[1], CALLER[2], CALLER[3]
    )
    .expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("the chat ends");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // Colour forced: the gateway's own lines are dimmed, the conversation is not.
    let lookup = stdout
        .lines()
        .find(|l| l.contains("tool lookup_account"))
        .unwrap_or_else(|| panic!("no lookup line: {stdout}"));
    assert!(
        lookup.starts_with("\x1b[2m") && lookup.ends_with("\x1b[0m"),
        "{lookup:?}"
    );
    assert!(
        stdout.contains("\nagent> Found your account, Alex."),
        "{stdout}"
    );
    // Nothing after /quit was sent: no credit, and the agent never hung up.
    assert!(!stdout.contains("refund_credit("), "{stdout}");
    assert!(!stdout.contains("ended the call"), "{stdout}");
}

#[test]
fn with_a_key_the_chat_is_live_against_the_upstream_url() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let script = switchboard_testkit::Script::load(northloop().join("rehearsal.yaml"))
        .expect("the script loads");
    let emulator = runtime
        .block_on(switchboard_testkit::Emulator::start(
            "127.0.0.1:0",
            script,
            switchboard_testkit::EmulatorOptions::default(),
        ))
        .expect("the emulator starts");
    let mut child = chat_command()
        .args(["--upstream-url", &emulator.url()])
        .env("OPENAI_API_KEY", "sk-test-key")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}\n/quit", CALLER[0]).expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("the chat ends");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.contains("LIVE") && first.contains(&emulator.url()),
        "{first}"
    );
    assert!(!stdout.contains("REHEARSAL"), "{stdout}");
    assert!(
        stdout.contains("agent> That's frustrating—let's fix it."),
        "{stdout}"
    );
    // The model was asked for text, and got the caller's line as a user message.
    let received = emulator.received().concat();
    assert!(
        received.iter().any(|e| e["type"] == "session.update"
            && e["session"]["output_modalities"] == serde_json::json!(["text"])),
        "{received:?}"
    );
    assert!(
        received
            .iter()
            .any(|e| e["type"] == "conversation.item.create"
                && e["item"]["content"][0]["text"] == CALLER[0]),
        "{received:?}"
    );
    runtime.block_on(emulator.shutdown());
}

#[test]
fn an_agent_file_that_does_not_load_is_an_input_error() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/render-broken-agent.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("chat")
        .arg(&file)
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("--> {}:6:5", file.display())),
        "{stderr}"
    );
}

/// A tmux server of this test's own, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pane's text, with its scrollback; `escapes` keeps the colour codes.
    fn pane(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-J", "-S", "-500", "-t", "chat"];
        if escapes {
            args.push("-e");
        }
        self.run(&args)
    }

    /// Waits until the pane shows `needle` `times` times.
    fn wait_for(&self, needle: &str, times: usize) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let pane = self.pane(false);
            if pane.matches(needle).count() >= times {
                return pane;
            }
            assert!(
                Instant::now() < deadline,
                "the pane never showed {needle:?} {times} time(s):\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn type_line(&self, line: &str) {
        self.run(&["send-keys", "-t", "chat", "-l", line]);
        self.run(&["send-keys", "-t", "chat", "Enter"]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[test]
fn a_chat_at_a_terminal_shows_the_call_inline() {
    if Command::new("tmux").arg("-V").output().is_err() {
        if std::env::var_os("SWITCHBOARD_REQUIRE_EXTERNAL").is_some() {
            panic!("tmux is not installed and SWITCHBOARD_REQUIRE_EXTERNAL is set");
        }
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let tmux = Tmux {
        socket: format!("switchboard-chat-test-{}", std::process::id()),
    };
    // The shell stays after the chat ends, so the pane can still be read, with the exit code.
    let command = format!(
        "env -u OPENAI_API_KEY -u NO_COLOR -u RUST_LOG {} chat {}; echo \"[exit $?]\"; exec sleep 600",
        shell_quote(env!("CARGO_BIN_EXE_switchboard")),
        shell_quote(&northloop().display().to_string()),
    );
    tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "chat",
        "-x",
        "200",
        "-y",
        "50",
        &command,
    ]);

    tmux.wait_for("how can I help today?", 1);
    tmux.wait_for("you> ", 1);
    let replies = [
        "What's the email or phone number on the account?",
        "Is that correct?",
        "would you like me to go ahead?",
        "Anything else before we wrap?",
        "-- the agent ended the call",
    ];
    for (n, (line, reply)) in CALLER.iter().zip(replies).enumerate() {
        tmux.type_line(line);
        tmux.wait_for(reply, 1);
        if n + 1 < CALLER.len() {
            // The prompt comes back once the agent's turn is over.
            tmux.wait_for("you> ", n + 2);
        }
    }
    let pane = tmux.wait_for("[exit 0]", 1);
    assert_whole_call(&pane);

    // On a terminal the gateway's own lines are dimmed; the agent's are not.
    let coloured = tmux.pane(true);
    let lookup = coloured
        .lines()
        .find(|l| l.contains("tool lookup_account"))
        .unwrap_or_else(|| panic!("no lookup line:\n{coloured}"));
    assert!(lookup.contains("\x1b[2m"), "{lookup:?}");
    let greeting = coloured
        .lines()
        .find(|l| l.contains("agent> Thanks for calling"))
        .unwrap_or_else(|| panic!("no greeting:\n{coloured}"));
    assert!(!greeting.contains("\x1b[2m"), "{greeting:?}");
}
