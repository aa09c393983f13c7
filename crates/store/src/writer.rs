//! The writer thread: it takes what recorders queue, redacts it and writes it in batches, one
//! transaction per batch, retrying a failed batch with backoff before giving it up.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::{Map, Value, json};
use switchboard_engine::{CallSummary, Record};

use crate::read::speaker_name;
use crate::{Redaction, epoch_ms};

/// A session as the writer needs it: shared by every item its recorder queues.
#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) id: String,
    pub(crate) agent: String,
    pub(crate) model: String,
    pub(crate) agent_path: Option<std::path::PathBuf>,
    pub(crate) started_at: SystemTime,
    pub(crate) redaction: Redaction,
}

/// What travels on the channel.
pub(crate) enum Message {
    Write(Item),
    /// Answer once everything queued before this is written (or given up).
    Flush(SyncSender<()>),
}

/// One thing to write for a session.
pub(crate) struct Item {
    pub(crate) session: Arc<Meta>,
    /// Arrival order within the session.
    pub(crate) seq: u64,
    /// Since the session started: when it happened (see [`Recorder`](crate::Recorder)).
    pub(crate) at: Duration,
    pub(crate) what: What,
}

pub(crate) enum What {
    Begin,
    Record {
        record: Record,
        /// The model response it belongs to.
        response_id: Option<String>,
        /// Whether that response ran outside the conversation.
        out_of_band: bool,
    },
    /// The summary of an escalation. It completes the session's last escalation when that one
    /// has the same reason and no summary yet (the engine records `Escalated` and then hands
    /// out the `Escalation`), else it is an escalation of its own.
    Escalation {
        reason: String,
        summary: CallSummary,
    },
    End {
        outcome: String,
    },
}

/// Tuning of the writer; tests shorten the waits.
pub(crate) struct Config {
    /// How long SQLite itself waits for a lock held by another connection.
    pub(crate) busy_timeout: Duration,
    /// Waits before each retry of a failed batch; its length is the number of retries.
    pub(crate) backoff: Vec<Duration>,
    /// At most this many items per transaction.
    pub(crate) batch: usize,
    /// How long to wait for more items once one has arrived.
    pub(crate) linger: Duration,
    /// Test hooks.
    #[cfg(test)]
    pub(crate) hooks: Hooks,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            busy_timeout: Duration::from_millis(500),
            backoff: vec![
                Duration::from_millis(100),
                Duration::from_millis(500),
                Duration::from_secs(2),
            ],
            batch: 512,
            linger: Duration::from_millis(5),
            #[cfg(test)]
            hooks: Hooks::default(),
        }
    }
}

/// Ways for tests to reach inside the writer.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Hooks {
    /// Attempts to fail with `SQLITE_FULL` before touching the database.
    pub(crate) fail_attempts: Arc<std::sync::atomic::AtomicU32>,
    /// Told the attempt number (1-based) of each failed attempt.
    pub(crate) failed_attempt: Option<std::sync::mpsc::Sender<usize>>,
}

/// A row to insert, redacted: built once per item, so a retry does not redact again.
enum Row {
    Session,
    Utterance {
        speaker: &'static str,
        text: String,
        end_ms: i64,
        response_id: Option<String>,
        out_of_band: bool,
    },
    ToolCall {
        call_id: String,
        name: String,
        arguments: String,
        result: String,
        outcome: &'static str,
        called_by: &'static str,
        duration_ms: i64,
        response_id: Option<String>,
        out_of_band: bool,
    },
    Guard {
        decision: &'static str,
        tool: Option<String>,
        detail: String,
    },
    Transition {
        from: String,
        to: String,
    },
    Escalated {
        reason: String,
    },
    EscalationSummary {
        reason: String,
        summary: String,
    },
    Latency {
        kind: &'static str,
        duration_ms: i64,
    },
    End {
        outcome: String,
        ended_at: i64,
    },
}

struct Prepared {
    session: Arc<Meta>,
    seq: i64,
    offset_ms: i64,
    row: Row,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn prepare(item: Item) -> Prepared {
    let r = item.session.redaction;
    let text = |s: &str| r.redact(s).into_owned();
    let mut offset = item.at;
    let (response_id, out_of_band) = match &item.what {
        What::Record {
            response_id,
            out_of_band,
            ..
        } => (response_id.clone(), *out_of_band),
        _ => (None, false),
    };
    let row = match item.what {
        What::Begin => Row::Session,
        What::Record {
            record:
                Record::Utterance {
                    speaker,
                    text: said,
                    start,
                    end,
                },
            ..
        } => {
            offset = start;
            Row::Utterance {
                speaker: speaker_name(speaker),
                text: text(&said),
                end_ms: ms(end),
                response_id,
                out_of_band,
            }
        }
        What::Record {
            record:
                Record::ToolCall {
                    call_id,
                    name,
                    arguments,
                    outcome,
                    called_by,
                    result,
                    duration,
                },
            ..
        } => {
            // Recorded when it finished; placed where it started.
            offset = item.at.saturating_sub(duration);
            Row::ToolCall {
                call_id: call_id.as_str().to_owned(),
                name,
                arguments: r.redact_json(&arguments).to_string(),
                result: r.redact_json(&result).to_string(),
                outcome: outcome.as_str(),
                called_by: called_by.as_str(),
                duration_ms: ms(duration),
                response_id,
                out_of_band,
            }
        }
        What::Record {
            record:
                Record::Guard {
                    decision,
                    tool,
                    detail,
                },
            ..
        } => Row::Guard {
            decision: decision.as_str(),
            tool,
            detail: text(&detail),
        },
        What::Record {
            record: Record::Transition { from, to },
            ..
        } => Row::Transition { from, to },
        What::Record {
            record: Record::Escalated { reason },
            ..
        } => Row::Escalated {
            reason: text(&reason),
        },
        What::Record {
            record: Record::Latency { kind, duration },
            ..
        } => Row::Latency {
            kind: kind.as_str(),
            duration_ms: ms(duration),
        },
        What::Escalation { reason, summary } => Row::EscalationSummary {
            reason: text(&reason),
            summary: r.redact_json(&summary_json(&summary)).to_string(),
        },
        What::End { outcome } => Row::End {
            outcome,
            ended_at: epoch_ms(item.session.started_at + item.at),
        },
    };
    Prepared {
        seq: i64::try_from(item.seq).unwrap_or(i64::MAX),
        offset_ms: ms(offset),
        session: item.session,
        row,
    }
}

fn summary_json(summary: &CallSummary) -> Value {
    let slots: Map<String, Value> = summary.slots.iter().cloned().collect();
    let tools: Vec<Value> = summary
        .tools
        .iter()
        .map(|(name, outcome)| json!({"name": name, "outcome": outcome.as_str()}))
        .collect();
    json!({
        "intent": summary.intent,
        "slots": slots,
        "tools": tools,
        "state": summary.state,
    })
}

/// Runs until every sender is gone.
pub(crate) fn run(
    mut conn: Connection,
    messages: Receiver<Message>,
    failed: Arc<AtomicU64>,
    config: Config,
) {
    let mut open = true;
    while open {
        let Ok(first) = messages.recv() else {
            return;
        };
        let mut items = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        let deadline = Instant::now() + config.linger;
        while let Some(message) = next.take() {
            match message {
                Message::Write(item) => items.push(prepare(item)),
                Message::Flush(done) => {
                    flushes.push(done);
                    break;
                }
            }
            if items.len() >= config.batch {
                break;
            }
            match messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(message) => next = Some(message),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => open = false,
            }
        }
        if !items.is_empty() {
            write_with_retries(&mut conn, &items, &failed, &config);
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

fn write_with_retries(
    conn: &mut Connection,
    items: &[Prepared],
    failed: &AtomicU64,
    config: &Config,
) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match write(conn, items, config) {
            Ok(()) => return,
            Err(error) => error,
        };
        #[cfg(test)]
        if let Some(hook) = &config.hooks.failed_attempt {
            let _ = hook.send(attempt);
        }
        let Some(wait) = config.backoff.get(attempt - 1) else {
            failed.fetch_add(1, Ordering::Relaxed);
            // Codes only: a message could quote a value, and records hold personal data.
            tracing::error!(
                records = items.len(),
                attempts = attempt,
                error = %describe(&error),
                "could not write call records; this batch is lost"
            );
            return;
        };
        tracing::warn!(
            records = items.len(),
            attempt,
            error = %describe(&error),
            "could not write call records; retrying"
        );
        std::thread::sleep(*wait);
    }
}

/// The error without anything that might come from a record.
fn describe(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqliteFailure(e, _) => {
            format!("{:?} (SQLite code {})", e.code, e.extended_code)
        }
        _ => "unexpected error".to_owned(),
    }
}

fn write(conn: &mut Connection, items: &[Prepared], _config: &Config) -> rusqlite::Result<()> {
    #[cfg(test)]
    {
        let fail = &_config.hooks.fail_attempts;
        if fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                None,
            ));
        }
    }
    // IMMEDIATE: take the write lock now, so a busy database fails here rather than halfway.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for item in items {
        let s = &item.session;
        let at = epoch_ms(s.started_at) + item.offset_ms;
        // Every item makes sure its session exists, so a lost batch holding the `Begin` does
        // not orphan the records that follow it.
        if known.insert(&s.id) {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO sessions (id, agent, model, started_at, redaction,
                     agent_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                s.id,
                s.agent,
                s.model,
                epoch_ms(s.started_at),
                crate::redaction_column(s.redaction),
                s.agent_path
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned())
            ])?;
        }
        let (id, seq, offset) = (&s.id, item.seq, item.offset_ms);
        match &item.row {
            Row::Session => {}
            Row::Utterance {
                speaker,
                text,
                end_ms,
                response_id,
                out_of_band,
            } => {
                tx.prepare_cached(
                    "INSERT INTO utterances (session_id, seq, speaker, text, offset_ms, end_ms, at,
                         response_id, out_of_band)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    id,
                    seq,
                    speaker,
                    text,
                    offset,
                    end_ms,
                    at,
                    response_id,
                    out_of_band
                ])?;
            }
            Row::ToolCall {
                call_id,
                name,
                arguments,
                result,
                outcome,
                called_by,
                duration_ms,
                response_id,
                out_of_band,
            } => {
                tx.prepare_cached(
                    "INSERT INTO tool_calls (session_id, seq, call_id, name, arguments, result,
                         outcome, duration_ms, offset_ms, at, called_by, response_id, out_of_band)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?
                .execute(params![
                    id,
                    seq,
                    call_id,
                    name,
                    arguments,
                    result,
                    outcome,
                    duration_ms,
                    offset,
                    at,
                    called_by,
                    response_id,
                    out_of_band
                ])?;
            }
            Row::Guard {
                decision,
                tool,
                detail,
            } => {
                tx.prepare_cached(
                    "INSERT INTO guard_decisions (session_id, seq, decision, detail, offset_ms, at,
                         tool)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![id, seq, decision, detail, offset, at, tool])?;
            }
            Row::Transition { from, to } => {
                tx.prepare_cached(
                    "INSERT INTO transitions (session_id, seq, from_state, to_state, offset_ms, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![id, seq, from, to, offset, at])?;
            }
            Row::Escalated { reason } => {
                insert_escalation(&tx, id, seq, reason, None, offset, at)?;
            }
            Row::EscalationSummary { reason, summary } => {
                let completed = tx
                    .prepare_cached(
                        "UPDATE escalations SET summary = ?3
                         WHERE id = (SELECT max(id) FROM escalations WHERE session_id = ?1)
                           AND reason = ?2 AND summary IS NULL",
                    )?
                    .execute(params![id, reason, summary])?;
                if completed == 0 {
                    insert_escalation(&tx, id, seq, reason, Some(summary), offset, at)?;
                }
            }
            Row::Latency { kind, duration_ms } => {
                tx.prepare_cached(
                    "INSERT INTO latency_marks (session_id, seq, kind, duration_ms, offset_ms, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![id, seq, kind, duration_ms, offset, at])?;
            }
            Row::End { outcome, ended_at } => {
                tx.prepare_cached("UPDATE sessions SET ended_at = ?2, outcome = ?3 WHERE id = ?1")?
                    .execute(params![id, ended_at, outcome])?;
            }
        }
    }
    tx.commit()
}

fn insert_escalation(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    seq: i64,
    reason: &str,
    summary: Option<&str>,
    offset: i64,
    at: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO escalations (session_id, seq, reason, summary, offset_ms, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, seq, reason, summary, offset, at])?;
    Ok(())
}
