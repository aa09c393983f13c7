//! Reading records back: the list of sessions and one session's timeline.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params_from_iter, types::Value as Sql};
use serde::{Serialize, Serializer};
use serde_json::Value;
use switchboard_engine::{CalledBy, GuardDecision, LatencyKind, Speaker, ToolOutcome};

use crate::{Redaction, StoreError, timestamp};

/// Which sessions [`Store::sessions`](crate::Store::sessions) lists. The default lists all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFilter {
    /// Only this agent's sessions.
    pub agent: Option<String>,
    /// Only sessions started at or after this time.
    pub since: Option<SystemTime>,
    /// At most this many (the most recent).
    pub limit: Option<usize>,
}

/// One session, as listed: who, when, how it ended and how much happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionSummary {
    /// The session id.
    pub id: String,
    /// The agent's name.
    pub agent: String,
    /// The model.
    pub model: String,
    /// When it started (RFC 3339 in JSON).
    #[serde(serialize_with = "time")]
    pub started_at: SystemTime,
    /// When it ended; `None` while it runs, or when the process stopped before it ended.
    #[serde(serialize_with = "optional_time")]
    pub ended_at: Option<SystemTime>,
    /// How it ended (`completed`, `hung_up`, `dropped`, …), as the gateway said.
    pub outcome: Option<String>,
    /// Utterances, caller's and agent's.
    pub utterances: usize,
    /// Tool calls.
    pub tool_calls: usize,
    /// Whether it was escalated to a person.
    pub escalated: bool,
}

impl SessionSummary {
    /// How long it lasted, once it has ended.
    pub fn duration(&self) -> Option<Duration> {
        self.ended_at?.duration_since(self.started_at).ok()
    }
}

/// A whole session: its summary, the redaction its records went through and everything that
/// happened, in time order. Serialized, it is the output of `switchboard sessions export`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRecord {
    /// The session as listed.
    #[serde(flatten)]
    pub summary: SessionSummary,
    /// What was redacted before the records were written.
    pub redaction: Redaction,
    /// The agent file the gateway served the call from (`null` in JSON when it is not known:
    /// the agent did not come from a file, or the call was recorded before this was kept).
    pub agent_path: Option<PathBuf>,
    /// What happened, in the order it was recorded.
    pub timeline: Vec<Entry>,
}

/// One thing that happened in a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// When, since the session started (`at_ms` in JSON). A tool call is placed where it
    /// started; an utterance where its speech started.
    #[serde(rename = "at_ms", serialize_with = "millis")]
    pub at: Duration,
    /// The model response a line or a tool call belongs to, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    /// Whether that response ran outside the conversation (preambles, fillers, a caller's
    /// own out-of-band request).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub out_of_band: bool,
    /// What.
    #[serde(flatten)]
    pub event: Event,
}

/// What happened. In JSON, `type` names the variant (`utterance`, `tool_call`, …) and
/// durations are integer milliseconds (`*_ms`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Something said; agent lines hold only what the caller heard.
    Utterance {
        /// Who spoke (`caller` or `agent`).
        #[serde(serialize_with = "serialize_speaker")]
        speaker: Speaker,
        /// What they said.
        text: String,
        /// When the speech ended, since the session started.
        #[serde(rename = "end_ms", serialize_with = "millis")]
        end: Duration,
    },
    /// A tool call and how it ended.
    ToolCall {
        /// The model's call id.
        call_id: String,
        /// The tool.
        name: String,
        /// Its arguments.
        arguments: Value,
        /// How it ended.
        outcome: ToolOutcome,
        /// Who made the call: the model, or the supervisor while answering it.
        called_by: CalledBy,
        /// The result or error sent to the model.
        result: Value,
        /// How long it took.
        #[serde(rename = "duration_ms", serialize_with = "millis")]
        duration: Duration,
    },
    /// A guard acted.
    Guard {
        /// Which guard acted.
        decision: GuardDecision,
        /// The tool it acted on, when it concerns one.
        #[serde(skip_serializing_if = "Option::is_none")]
        tool: Option<String>,
        /// What happened, for a person.
        detail: String,
    },
    /// The dynamic flow moved.
    Transition {
        /// From this state.
        from: String,
        /// To this state.
        to: String,
    },
    /// The call was handed to a person.
    Escalation {
        /// Why.
        reason: String,
        /// The hand-off summary (`intent`, `slots`, `tools`, `state`), when the gateway
        /// passed it on.
        summary: Option<Value>,
    },
    /// A latency measurement.
    Latency {
        /// What was measured.
        kind: LatencyKind,
        /// How long.
        #[serde(rename = "duration_ms", serialize_with = "millis")]
        duration: Duration,
    },
}

fn time<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&timestamp::format(*t))
}

fn optional_time<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => time(t, s),
        None => s.serialize_none(),
    }
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn serialize_speaker<S: Serializer>(speaker: &Speaker, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(speaker_name(*speaker))
}

pub(crate) fn speaker_name(speaker: Speaker) -> &'static str {
    match speaker {
        Speaker::Caller => "caller",
        Speaker::Agent => "agent",
    }
}

fn system_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

const SUMMARY_COLUMNS: &str = "
    s.id, s.agent, s.model, s.started_at, s.ended_at, s.outcome,
    (SELECT count(*) FROM utterances u WHERE u.session_id = s.id),
    (SELECT count(*) FROM tool_calls t WHERE t.session_id = s.id),
    EXISTS (SELECT 1 FROM escalations e WHERE e.session_id = s.id),
    s.redaction";

fn summary(row: &Row<'_>) -> rusqlite::Result<(SessionSummary, String)> {
    Ok((
        SessionSummary {
            id: row.get(0)?,
            agent: row.get(1)?,
            model: row.get(2)?,
            started_at: system_time(row.get(3)?),
            ended_at: row.get::<_, Option<i64>>(4)?.map(system_time),
            outcome: row.get(5)?,
            utterances: count(row.get(6)?),
            tool_calls: count(row.get(7)?),
            escalated: row.get(8)?,
        },
        row.get(9)?,
    ))
}

pub(crate) fn sessions(
    conn: &Connection,
    filter: &SessionFilter,
) -> Result<Vec<SessionSummary>, StoreError> {
    let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM sessions s WHERE 1");
    let mut args: Vec<Sql> = Vec::new();
    if let Some(agent) = &filter.agent {
        sql.push_str(" AND s.agent = ?");
        args.push(Sql::Text(agent.clone()));
    }
    if let Some(since) = filter.since {
        sql.push_str(" AND s.started_at >= ?");
        args.push(Sql::Integer(crate::epoch_ms(since)));
    }
    sql.push_str(" ORDER BY s.started_at DESC, s.id DESC");
    if let Some(limit) = filter.limit {
        sql.push_str(" LIMIT ?");
        args.push(Sql::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    }
    let mut statement = conn.prepare(&sql).map_err(StoreError::Read)?;
    let rows = statement
        .query_map(params_from_iter(args), |row| summary(row).map(|(s, _)| s))
        .map_err(StoreError::Read)?;
    rows.collect::<Result<_, _>>().map_err(StoreError::Read)
}

pub(crate) fn session(conn: &Connection, id: &str) -> Result<Option<SessionRecord>, StoreError> {
    let found = conn
        .query_row(
            &format!("SELECT {SUMMARY_COLUMNS}, s.agent_path FROM sessions s WHERE s.id = ?1"),
            [id],
            |row| {
                let (summary, redaction) = summary(row)?;
                let agent_path: Option<String> = row.get(10)?;
                Ok((summary, redaction, agent_path.map(PathBuf::from)))
            },
        )
        .optional()
        .map_err(StoreError::Read)?;
    let Some((summary, redaction, agent_path)) = found else {
        return Ok(None);
    };
    let mut timeline: Vec<(i64, Entry)> = Vec::new();
    let mut read = |sql: &str, event: fn(&Row<'_>) -> rusqlite::Result<Event>| {
        let mut statement = conn.prepare(sql)?;
        // Lines and tool calls also name their response (columns of their tables only).
        let stamped = statement.column_index("response_id").is_ok();
        let rows = statement.query_map([id], |row| {
            let (response_id, out_of_band) = if stamped {
                (row.get("response_id")?, row.get("out_of_band")?)
            } else {
                (None, false)
            };
            let entry = Entry {
                at: duration(row.get(0)?),
                response_id,
                out_of_band,
                event: event(row)?,
            };
            Ok((row.get::<_, i64>(1)?, entry))
        })?;
        for row in rows {
            timeline.push(row?);
        }
        rusqlite::Result::Ok(())
    };
    read(
        "SELECT offset_ms, seq, speaker, text, end_ms, response_id, out_of_band
         FROM utterances WHERE session_id = ?1",
        |row| {
            Ok(Event::Utterance {
                speaker: if row.get::<_, String>(2)? == "caller" {
                    Speaker::Caller
                } else {
                    Speaker::Agent
                },
                text: row.get(3)?,
                end: duration(row.get(4)?),
            })
        },
    )
    .map_err(StoreError::Read)?;
    read(
        "SELECT offset_ms, seq, call_id, name, arguments, outcome, result, duration_ms,
                called_by, response_id, out_of_band
         FROM tool_calls WHERE session_id = ?1",
        |row| {
            Ok(Event::ToolCall {
                call_id: row.get(2)?,
                name: row.get(3)?,
                arguments: json(row, 4)?,
                outcome: name_of(row, 5)?,
                called_by: name_of(row, 8)?,
                result: json(row, 6)?,
                duration: duration(row.get(7)?),
            })
        },
    )
    .map_err(StoreError::Read)?;
    read(
        "SELECT offset_ms, seq, decision, detail, tool FROM guard_decisions WHERE session_id = ?1",
        |row| {
            Ok(Event::Guard {
                decision: name_of(row, 2)?,
                tool: row.get(4)?,
                detail: row.get(3)?,
            })
        },
    )
    .map_err(StoreError::Read)?;
    read(
        "SELECT offset_ms, seq, from_state, to_state FROM transitions WHERE session_id = ?1",
        |row| {
            Ok(Event::Transition {
                from: row.get(2)?,
                to: row.get(3)?,
            })
        },
    )
    .map_err(StoreError::Read)?;
    read(
        "SELECT offset_ms, seq, reason, summary FROM escalations WHERE session_id = ?1",
        |row| {
            Ok(Event::Escalation {
                reason: row.get(2)?,
                summary: match row.get::<_, Option<String>>(3)? {
                    Some(_) => Some(json(row, 3)?),
                    None => None,
                },
            })
        },
    )
    .map_err(StoreError::Read)?;
    read(
        "SELECT offset_ms, seq, kind, duration_ms FROM latency_marks WHERE session_id = ?1",
        |row| {
            Ok(Event::Latency {
                kind: name_of(row, 2)?,
                duration: duration(row.get(3)?),
            })
        },
    )
    .map_err(StoreError::Read)?;
    // In the order the call recorded them: utterances carry the engine's offsets and the
    // rest the recorder's, a few milliseconds apart, so sorting by time could put a caller's
    // "yes" before the question it answered.
    timeline.sort_by_key(|(seq, _)| *seq);
    Ok(Some(SessionRecord {
        summary,
        redaction: crate::redaction_from_column(&redaction),
        agent_path,
        timeline: timeline.into_iter().map(|(_, entry)| entry).collect(),
    }))
}

/// A JSON column. Written by the store from a `serde_json::Value`, so it always parses; if
/// someone edited the file by hand, the text is kept as a JSON string.
fn json(row: &Row<'_>, column: usize) -> rusqlite::Result<Value> {
    let text: String = row.get(column)?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A column holding a name of the engine's vocabulary, parsed back into its type.
fn name_of<T>(row: &Row<'_>, index: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = switchboard_engine::UnknownName>,
{
    let name: String = row.get(index)?;
    name.parse().map_err(|e: switchboard_engine::UnknownName| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}
