//! `switchboard events`: parse, check and translate Realtime events.

use std::io::{self, Read, Write};
use std::path::Path;

use serde_json::Value;
use switchboard_wire::{ClientEvent, EventId, ServerEvent, WireError, beta};

use super::{Error, Outcome};
use crate::cli::{Dialect, EventsCommand, Side};

pub(crate) fn run(cmd: EventsCommand) -> Result<Outcome, Error> {
    match cmd {
        EventsCommand::Types { side } => {
            let types = match side {
                Side::Client => ClientEvent::TYPES,
                Side::Server => ServerEvent::TYPES,
            };
            let mut out = io::stdout().lock();
            for ty in types {
                writeln!(out, "{ty}")?;
            }
            Ok(Outcome::Success)
        }
        EventsCommand::Parse {
            files,
            side,
            from,
            to,
        } => {
            let mut inputs = Vec::new();
            if files.is_empty() {
                let mut text = String::new();
                io::stdin().read_to_string(&mut text)?;
                inputs.push(("<stdin>".to_owned(), text));
            }
            for path in &files {
                inputs.push((path.display().to_string(), read(path)?));
            }
            let mut out = io::stdout().lock();
            let mut failed = 0usize;
            for (name, text) in &inputs {
                for (line, frame) in frames(text) {
                    match translate(frame, side, from, to) {
                        Ok(json) => writeln!(out, "{json}")?,
                        Err(err) => {
                            failed += 1;
                            eprintln!(
                                "{name}:{line}: {} (code {}, param {})",
                                err.message(),
                                err.code(),
                                err.param().unwrap_or("-")
                            );
                            let event = ServerEvent::error(
                                EventId::new(format!("event_parse_{line}")),
                                err.to_error_object(),
                            );
                            writeln!(out, "{}", event.to_json())?;
                        }
                    }
                }
            }
            Ok(if failed == 0 {
                Outcome::Success
            } else {
                Outcome::FailureFound
            })
        }
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// Splits input into event frames: the whole text when it is one JSON document (a pretty
/// printed fixture), else one frame per non-blank line, each with its line number.
fn frames(text: &str) -> Vec<(usize, &str)> {
    if serde_json::from_str::<Value>(text).is_ok() {
        return vec![(1, text)];
    }
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect()
}

fn translate(frame: &str, side: Side, from: Dialect, to: Dialect) -> Result<String, WireError> {
    match side {
        Side::Client => {
            let event = match from {
                Dialect::Ga => ClientEvent::from_json(frame)?,
                Dialect::Beta => beta::client_event_from_json(frame)?.event,
            };
            Ok(match to {
                Dialect::Ga => event.to_json(),
                Dialect::Beta => beta::client_event_to_value(&event).to_string(),
            })
        }
        Side::Server => {
            let event = match from {
                Dialect::Ga => ServerEvent::from_json(frame)?,
                Dialect::Beta => beta::server_event_from_json(frame)?,
            };
            Ok(match to {
                Dialect::Ga => event.to_json(),
                Dialect::Beta => {
                    beta::server_event_to_json(&event).unwrap_or_else(|| "null".into())
                }
            })
        }
    }
}
