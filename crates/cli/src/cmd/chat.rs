//! `switchboard chat`: a text conversation with an agent in the terminal.
//!
//! The gateway runs in-process on a free local port, live or as a rehearsal exactly as
//! `serve` would run it, and this command is an ordinary Realtime client of it that opts in
//! to the gateway's observation events (`?observe=true`). [`View`] turns the server's events
//! into lines of text; [`run`] only moves lines and frames.

use std::collections::VecDeque;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use switchboard_engine::CompiledAgent;
use switchboard_gateway::{
    AgentEntry, Gateway, GatewayConfig, HttpExecutor, OPENAI_BASE_URL, Upstream,
};
use switchboard_testkit::Emulator;
use switchboard_testkit::client::{ClientError, RealtimeClient, Received};
use switchboard_wire::observe::{self, ObservationEvent};
use switchboard_wire::{
    ClientEvent, ConversationItemCreate, Modality, ResponseCreate, Role, ServerEvent, Session,
    SessionUpdate,
};
use tokio::sync::mpsc;

use super::{Error, Outcome};
use crate::cli::{ChatArgs, ColorChoice};

/// What the caller types to leave.
const QUIT: &str = "/quit";
/// The longest tool argument or result shown inline, in characters.
const SHOWN_CHARS: usize = 160;
/// Starts and ends a dimmed span.
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(crate) fn run(args: ChatArgs) -> Result<Outcome, Error> {
    let file = super::agent_file(&args.agent)?;
    let loaded = super::load_agent(&file)?;
    let agent =
        Arc::new(CompiledAgent::new(loaded.agent).map_err(|e| format!("{}: {e}", file.display()))?);
    let api_key = std::env::var("OPENAI_API_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let rehearsal = args.rehearsal || (api_key.is_none() && args.upstream_url.is_none());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    init_logging();
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let mut emulator = None;
        let (upstream, banner) = if rehearsal {
            let (script, from) = super::serve::rehearsal_script(&file)?;
            let started = Emulator::start("127.0.0.1:0", script, super::serve::long_running())
                .await
                .map_err(|e| format!("cannot start the rehearsal emulator: {e}"))?;
            let base_url = started.url();
            emulator = Some(started);
            let why = if args.rehearsal {
                "--rehearsal was given"
            } else {
                "OPENAI_API_KEY is not set"
            };
            let banner = format!(
                "REHEARSAL MODE ({why}): the emulator plays {from}, with the agent's fixture tools."
            );
            (
                Upstream {
                    base_url,
                    api_key: None,
                    auth: switchboard_gateway::UpstreamAuth::Bearer,
                },
                banner,
            )
        } else {
            let base_url = args
                .upstream_url
                .clone()
                .unwrap_or_else(|| OPENAI_BASE_URL.to_owned());
            let banner = format!("LIVE: {} at {base_url}", agent.file().model);
            let auth = switchboard_gateway::UpstreamAuth::Bearer;
            (
                Upstream {
                    base_url,
                    api_key,
                    auth,
                },
                banner,
            )
        };
        let name = agent.file().name.clone();
        let config = GatewayConfig {
            agents: vec![AgentEntry {
                agent,
                upstream,
                supervisor: None,
                path: Some(std::fs::canonicalize(&file).unwrap_or(file)),
            }],
            default_agent: None,
            keys: Vec::new(),
            drain_timeout: Duration::from_secs(2),
            rehearsal,
            store: None,
        };
        let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(HttpExecutor::new()))
            .await
            .map_err(|e| format!("cannot start the gateway: {e}"))?;
        let mut out = Terminal::new(color);
        out.write(&format!("switchboard chat with {name}: {banner}\n"));
        out.write(&format!("Type a message; {QUIT} or end of input leaves.\n"));
        let url = format!(
            "ws://{}/v1/realtime?{}=true",
            gateway.local_addr(),
            observe::QUERY_PARAMETER
        );
        let ended = converse(&url, &mut out).await;
        let _ = gateway.shutdown().await;
        if let Some(emulator) = emulator {
            emulator.shutdown().await;
        }
        ended
    })
}

/// Logs to standard error, warnings only unless `RUST_LOG` says otherwise: the chat itself
/// is on standard output and the gateway's routine lines would drown it.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The conversation: greeting, then one caller line per agent turn, until the caller leaves
/// or the call ends.
async fn converse(url: &str, out: &mut Terminal) -> Result<Outcome, Error> {
    let mut client = RealtimeClient::connect(url, &[])
        .await
        .map_err(|e| format!("cannot reach the gateway: {e}"))?;
    let lines = read_lines();
    let mut lines = Some(lines);
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut view = View::default();
    let interactive = std::io::stdin().is_terminal();
    let mut turn = Turn::Waiting { responded: false };
    let mut prompted = false;

    let text_only = ClientEvent::SessionUpdate(SessionUpdate {
        event_id: None,
        session: Session {
            output_modalities: Some(vec![Modality::Text]),
            ..Session::default()
        },
    });
    for event in [text_only, response_create()] {
        send(&mut client, &event).await?;
    }
    loop {
        if turn == Turn::Idle {
            if let Some(line) = queue.pop_front() {
                if !interactive {
                    out.write(&format!("you> {line}\n"));
                }
                prompted = false;
                if line == QUIT {
                    break;
                }
                send(&mut client, &user_message(&line)).await?;
                send(&mut client, &response_create()).await?;
                turn = Turn::Waiting { responded: false };
                continue;
            }
            if lines.is_none() {
                break;
            }
            if interactive && !prompted {
                out.write("you> ");
                prompted = true;
            }
        }
        tokio::select! {
            received = client.recv() => match received {
                Ok(Received::Closed { code, reason }) => {
                    out.write_view(&view.close());
                    return ended(code, &reason, out);
                }
                // A frame neither enum models says nothing the chat can show.
                Ok(Received::Unparsed { .. }) => {}
                Ok(event) => {
                    turn = turn.after(&event);
                    out.write_view(&view.render(&event));
                }
                Err(ClientError::Ended) => return Err("the gateway closed the connection".into()),
                Err(e) => return Err(format!("the connection to the gateway failed: {e}").into()),
            },
            line = next_line(&mut lines) => match line {
                Some(line) => {
                    let line = line.trim().to_owned();
                    if line.is_empty() {
                        prompted = false;
                    } else {
                        queue.push_back(line);
                    }
                }
                None => lines = None,
            },
        }
    }
    out.write_view(&view.close());
    client.close().await;
    Ok(Outcome::Success)
}

/// What the chat says when the gateway ends the call.
fn ended(code: u16, reason: &str, out: &mut Terminal) -> Result<Outcome, Error> {
    let reason = if reason.is_empty() {
        "no reason given"
    } else {
        reason
    };
    if code == 1000 {
        out.write(&format!("-- the agent ended the call: {reason}\n"));
        Ok(Outcome::Success)
    } else {
        Err(format!("the call ended: {reason} (WebSocket code {code})").into())
    }
}

async fn send(client: &mut RealtimeClient, event: &ClientEvent) -> Result<(), Error> {
    client
        .send(event)
        .await
        .map_err(|e| format!("cannot send to the gateway: {e}").into())
}

fn response_create() -> ClientEvent {
    ClientEvent::ResponseCreate(ResponseCreate::default())
}

fn user_message(text: &str) -> ClientEvent {
    ClientEvent::ConversationItemCreate(ConversationItemCreate::text_message(Role::User, text))
}

/// Lines of standard input, read on a thread of their own: blocking reads cannot be
/// cancelled, and a runtime would wait for them when it shuts down. The channel closes at
/// end of input.
fn read_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next line, or never once input has ended.
async fn next_line(lines: &mut Option<mpsc::UnboundedReceiver<String>>) -> Option<String> {
    match lines {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Whether the agent is taking its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// The caller may speak.
    Idle,
    /// A response was asked for; `responded` once the model began one.
    Waiting { responded: bool },
}

impl Turn {
    /// The turn after the server sent `event`.
    fn after(self, event: &Received) -> Turn {
        match (self, event) {
            (Turn::Waiting { .. }, Received::Observation(ObservationEvent::TurnEnded(_))) => {
                Turn::Idle
            }
            (Turn::Waiting { .. }, Received::Server(ServerEvent::ResponseCreated(_))) => {
                Turn::Waiting { responded: true }
            }
            // Refused before any response began (a response already running, a bad event):
            // no turn will end, so the caller may go on.
            (Turn::Waiting { responded: false }, Received::Server(ServerEvent::Error(_))) => {
                Turn::Idle
            }
            (turn, _) => turn,
        }
    }
}

/// Text for the terminal, in pieces that are either the conversation or the gateway's own
/// notes (dimmed when colour is on).
#[derive(Debug, Default, PartialEq, Eq)]
struct Rendered {
    pieces: Vec<(Piece, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Said,
    Note,
}

impl Rendered {
    fn said(&mut self, text: impl Into<String>) {
        self.pieces.push((Piece::Said, text.into()));
    }

    fn note(&mut self, text: impl Into<String>) {
        self.pieces.push((Piece::Note, text.into()));
    }
}

/// Turns server events into the chat's lines. Pure: it only remembers whether an agent line
/// is still open.
#[derive(Debug, Default)]
struct View {
    /// An `agent> ` line has begun and not ended.
    line_open: bool,
    /// The reply being written came in pieces, so its final whole text is not written again.
    streamed: bool,
}

impl View {
    fn render(&mut self, event: &Received) -> Rendered {
        let mut out = Rendered::default();
        match event {
            Received::Server(
                ServerEvent::ResponseOutputTextDelta(delta)
                | ServerEvent::ResponseOutputAudioTranscriptDelta(delta),
            ) => {
                if !self.line_open {
                    out.said("agent> ");
                    self.line_open = true;
                }
                self.streamed = true;
                out.said(delta.delta.as_str());
            }
            Received::Server(ServerEvent::ResponseOutputTextDone(done)) => {
                self.end_reply(&mut out, &done.text);
            }
            Received::Server(ServerEvent::ResponseOutputAudioTranscriptDone(done)) => {
                self.end_reply(&mut out, &done.transcript);
            }
            Received::Server(ServerEvent::Error(error)) => {
                self.end_line(&mut out);
                out.said(format!("error: {}\n", error.error.message));
            }
            Received::Observation(observed) => self.observed(&mut out, observed),
            _ => {}
        }
        out
    }

    /// The gateway's own notes: what it did for the call.
    fn observed(&mut self, out: &mut Rendered, event: &ObservationEvent) {
        let note = match event {
            ObservationEvent::ToolCall(call) => format!(
                "tool {}({}) → {}: {}",
                call.name,
                shown(&call.arguments),
                call.outcome,
                shown(&call.result),
            ),
            ObservationEvent::Guard(guard) => format!("guard {}: {}", guard.decision, guard.detail),
            ObservationEvent::Transition(moved) => format!("state {} → {}", moved.from, moved.to),
            ObservationEvent::Escalation(escalation) => format!("escalated: {}", escalation.reason),
            ObservationEvent::Latency(_) | ObservationEvent::TurnEnded(_) => return,
        };
        self.note(out, note);
    }

    /// Ends whatever line is open, before the chat writes a line of its own.
    fn close(&mut self) -> Rendered {
        let mut out = Rendered::default();
        self.end_line(&mut out);
        out
    }

    fn end_reply(&mut self, out: &mut Rendered, whole: &str) {
        if self.streamed {
            self.end_line(out);
        } else if !whole.is_empty() {
            // No deltas came: the whole text at once.
            self.end_line(out);
            out.said(format!("agent> {whole}\n"));
        }
        self.streamed = false;
    }

    fn end_line(&mut self, out: &mut Rendered) {
        if self.line_open {
            out.said("\n");
            self.line_open = false;
        }
    }

    fn note(&mut self, out: &mut Rendered, text: String) {
        self.end_line(out);
        out.note(format!("  · {text}"));
        out.said("\n");
    }
}

/// A JSON value on one line, cut to [`SHOWN_CHARS`].
fn shown(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{cut}…")
}

/// Standard output, flushed after every write so partial lines show as they stream.
struct Terminal {
    color: bool,
}

impl Terminal {
    fn new(color: bool) -> Terminal {
        Terminal { color }
    }

    fn write(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        // Nothing sensible to do when the terminal is gone: the call ends on its own.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn write_view(&mut self, rendered: &Rendered) {
        for (piece, text) in &rendered.pieces {
            match piece {
                Piece::Note if self.color => self.write(&format!("{DIM}{text}{RESET}")),
                _ => self.write(text),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A server or observation event from `value`, with the ids a real one carries.
    fn event(mut value: Value) -> Received {
        let object = value.as_object_mut().expect("an object");
        object.entry("event_id").or_insert(json!("event_1"));
        let kind = object["type"].as_str().unwrap_or_default().to_owned();
        if kind.starts_with("response.output_") {
            for (key, id) in [
                ("response_id", json!("resp_1")),
                ("item_id", json!("item_1")),
                ("output_index", json!(0)),
                ("content_index", json!(0)),
            ] {
                object.entry(key).or_insert(id);
            }
        }
        if kind.starts_with("response.") && !kind.starts_with("response.output_") {
            object.entry("response").or_insert(json!({}));
        }
        if kind == "error" {
            object
                .entry("error")
                .or_insert(json!({"type": "invalid_request_error", "message": "no"}));
        }
        let received = Received::from_text(&value.to_string());
        assert!(
            !matches!(received, Received::Unparsed { .. }),
            "{received:?}"
        );
        received
    }

    fn plain(rendered: &Rendered) -> String {
        rendered.pieces.iter().map(|(_, t)| t.as_str()).collect()
    }

    #[test]
    fn streamed_text_makes_one_agent_line() {
        let mut view = View::default();
        let mut all = String::new();
        for value in [
            json!({"type": "response.output_text.delta", "delta": "Hello"}),
            json!({"type": "response.output_text.delta", "delta": " there"}),
            json!({"type": "response.output_text.done", "text": "Hello there"}),
        ] {
            all.push_str(&plain(&view.render(&event(value))));
        }
        assert_eq!(all, "agent> Hello there\n");
    }

    #[test]
    fn a_note_ends_an_open_line_and_is_marked_as_a_note() {
        let mut view = View::default();
        view.render(&event(
            json!({"type": "response.output_text.delta", "delta": "One moment"}),
        ));
        let rendered = view.render(&event(json!({
            "type": "switchboard.tool_call", "call_id": "call_1", "name": "lookup_account",
            "arguments": {"email_or_phone": "4155550123"}, "outcome": "ok",
            "called_by": "model", "result": {"account_id": "NL-1"}, "duration_ms": 0.0,
        })));
        assert_eq!(rendered.pieces[0], (Piece::Said, "\n".to_owned()));
        assert_eq!(
            rendered.pieces[1],
            (
                Piece::Note,
                r#"  · tool lookup_account({"email_or_phone":"4155550123"}) → ok: {"account_id":"NL-1"}"#
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_reply_interrupted_by_a_note_is_not_written_twice() {
        let mut view = View::default();
        let mut all = String::new();
        for value in [
            json!({"type": "response.output_text.delta", "delta": "Shall I?"}),
            json!({"type": "switchboard.guard", "decision": "confirmation_asked", "tool": null, "detail": "asked"}),
            json!({"type": "response.output_text.done", "text": "Shall I?"}),
            json!({"type": "response.output_text.done", "text": "Unstreamed."}),
        ] {
            all.push_str(&plain(&view.render(&event(value))));
        }
        assert_eq!(
            all,
            "agent> Shall I?\n  · guard confirmation_asked: asked\nagent> Unstreamed.\n"
        );
    }

    #[test]
    fn long_results_are_cut() {
        let long = Value::String("x".repeat(SHOWN_CHARS + 50));
        let text = shown(&long);
        assert_eq!(text.chars().count(), SHOWN_CHARS + 1);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn the_turn_ends_only_when_the_gateway_says_so() {
        let waiting = Turn::Waiting { responded: false };
        let turn = waiting.after(&event(json!({"type": "response.created"})));
        assert_eq!(turn, Turn::Waiting { responded: true });
        assert_eq!(turn.after(&event(json!({"type": "response.done"}))), turn);
        assert_eq!(turn.after(&event(json!({"type": "error"}))), turn);
        assert_eq!(
            turn.after(&event(json!({"type": "switchboard.turn_ended"}))),
            Turn::Idle
        );
        assert_eq!(waiting.after(&event(json!({"type": "error"}))), Turn::Idle);
    }
}
