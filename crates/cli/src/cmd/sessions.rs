//! `switchboard sessions`: list, show and export the call records of a data directory.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use switchboard_engine::{CalledBy, Speaker};
use switchboard_store::{
    Entry, Event, FILE_NAME, SessionFilter, SessionRecord, SessionSummary, Store, timestamp,
};

use super::{Error, Outcome};
use crate::cli::{ExportFormat, SessionsCommand};

/// Runs `switchboard sessions …`.
pub(crate) fn run(cmd: SessionsCommand) -> Result<Outcome, Error> {
    match cmd {
        SessionsCommand::List {
            data,
            agent,
            since,
            limit,
        } => {
            let since = since
                .map(|text| parse_since(&text, SystemTime::now()))
                .transpose()?;
            let filter = SessionFilter {
                agent,
                since,
                limit,
            };
            let sessions = match open(&data)? {
                Some(store) => store.sessions(&filter)?,
                None => Vec::new(),
            };
            if sessions.is_empty() {
                println!("no sessions");
            } else {
                print!("{}", table(&sessions));
            }
        }
        SessionsCommand::Show { id, data } => {
            print!("{}", transcript(&find(&data, &id)?));
        }
        SessionsCommand::Export {
            id,
            data,
            format,
            as_scenario,
            agent,
            out,
        } => {
            let record = find(&data, &id)?;
            let text = if as_scenario {
                scenario(&record, agent.as_deref(), out.as_deref())?
            } else {
                match format {
                    ExportFormat::Json => format!("{}\n", serde_json::to_string_pretty(&record)?),
                }
            };
            match &out {
                Some(path) => std::fs::write(path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(Outcome::Success)
}

/// The store in `dir`, or `None` when nothing was ever recorded there (reading does not
/// create a data directory).
fn open(dir: &Path) -> Result<Option<Store>, Error> {
    if !dir.join(FILE_NAME).is_file() {
        return Ok(None);
    }
    Ok(Some(Store::open(dir)?))
}

fn find(dir: &Path, id: &str) -> Result<SessionRecord, Error> {
    let record = match open(dir)? {
        Some(store) => store.session(id)?,
        None => None,
    };
    record.ok_or_else(|| format!("no session `{id}` in {}", dir.display()).into())
}

/// The scenario that replays `record`, its `agent` written relative to where it goes (`out`),
/// or absolute when it goes to standard output.
fn scenario(
    record: &SessionRecord,
    agent: Option<&Path>,
    out: Option<&Path>,
) -> Result<String, Error> {
    let s = &record.summary;
    let file = match (agent, &record.agent_path) {
        (Some(path), _) => super::agent_file(path)?,
        (None, Some(path)) if path.is_file() => path.clone(),
        (None, Some(path)) => {
            return Err(format!(
                "session `{}` was served from the agent file {}, which is not there any more; \
                 pass --agent PATH",
                s.id,
                path.display()
            )
            .into());
        }
        (None, None) => {
            return Err(format!(
                "the record of session `{}` does not say which agent file served it (agent \
                 `{}`); pass --agent PATH",
                s.id, s.agent
            )
            .into());
        }
    };
    let loaded = super::load_agent(&file)?;
    if loaded.agent.name != s.agent {
        return Err(format!(
            "{} is agent `{}`, but session `{}` was a call to agent `{}`; pass the agent file \
             it was served with (--agent PATH)",
            file.display(),
            loaded.agent.name,
            s.id,
            s.agent
        )
        .into());
    }
    let absolute =
        std::fs::canonicalize(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let (written, place) = match out {
        Some(out) => {
            let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
            let dir = std::fs::canonicalize(parent.unwrap_or(Path::new(".")))
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            let name = out
                .file_name()
                .ok_or_else(|| format!("--out {}: not a file name", out.display()))?;
            (relative(&dir, &absolute), dir.join(name))
        }
        None => (
            absolute.display().to_string(),
            std::env::current_dir()?.join("exported.yaml"),
        ),
    };
    let text = switchboard_scenario::scenario_from_record(record, &loaded.agent, &written);
    // Read back as `switchboard test` will read it: a problem here is the export's own.
    switchboard_scenario::from_text(&text, &place)
        .map_err(|e| format!("the exported scenario does not load ({e}); this is a bug"))?;
    Ok(text)
}

/// `to` as a path from the directory `from` (both absolute), with `/` between components.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path = PathBuf::new();
    for _ in common..from.len() {
        path.push("..");
    }
    for part in &to[common..] {
        path.push(part.as_os_str());
    }
    path.to_string_lossy().replace('\\', "/")
}

/// `--since`: an RFC 3339 time, a date, or a duration before `now` (`30m`, `2h`, `7d`).
fn parse_since(text: &str, now: SystemTime) -> Result<SystemTime, Error> {
    let relative = || -> Option<SystemTime> {
        let split = text.find(|c: char| !c.is_ascii_digit())?;
        let (n, unit) = text.split_at(split);
        let n: u64 = n.parse().ok()?;
        let unit = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return None,
        };
        now.checked_sub(Duration::from_secs(n.checked_mul(unit)?))
    };
    relative()
        .or_else(|| timestamp::parse(text))
        .ok_or_else(|| {
            format!(
                "--since {text:?}: expected an RFC 3339 time (2026-11-24T10:00:00Z), a date \
                 (2026-11-24) or a duration ago (30m, 2h, 7d)"
            )
            .into()
        })
}

/// `2026-11-24 10:00:00`, UTC.
fn utc(t: SystemTime) -> String {
    timestamp::to_utc(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `45s`, `2m 35s`, `1h 02m`.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s / 60 % 60),
    }
}

/// `[mm:ss.mmm]`, minutes growing past 59 rather than adding hours.
fn offset(d: Duration) -> String {
    let ms = d.as_millis();
    format!(
        "[{:02}:{:02}.{:03}]",
        ms / 60_000,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

fn table(sessions: &[SessionSummary]) -> String {
    let header = [
        "ID",
        "AGENT",
        "STARTED (UTC)",
        "DURATION",
        "OUTCOME",
        "TURNS",
        "TOOLS",
        "ESCALATED",
    ];
    let rows: Vec<[String; 8]> = sessions
        .iter()
        .map(|s| {
            [
                s.id.clone(),
                s.agent.clone(),
                utc(s.started_at),
                s.duration().map_or_else(|| "-".to_owned(), duration),
                s.outcome.clone().unwrap_or_else(|| "-".to_owned()),
                s.utterances.to_string(),
                s.tool_calls.to_string(),
                if s.escalated { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 8]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Counts are right-aligned; the last column needs no padding.
            match i {
                5 | 6 => {
                    let _ = write!(text, "{cell:>width$}  ");
                }
                7 => text.push_str(cell),
                _ => {
                    let _ = write!(text, "{cell:<width$}  ");
                }
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line(row.each_ref().map(String::as_str));
    }
    out
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn transcript(record: &SessionRecord) -> String {
    let s = &record.summary;
    let mut out = String::new();
    let _ = writeln!(out, "session   {}", s.id);
    let _ = writeln!(out, "agent     {} ({})", s.agent, s.model);
    let _ = writeln!(out, "started   {} UTC", utc(s.started_at));
    match (s.ended_at, s.duration()) {
        (Some(ended), Some(lasted)) => {
            let _ = writeln!(
                out,
                "ended     {} UTC, after {}: {}",
                utc(ended),
                duration(lasted),
                s.outcome.as_deref().unwrap_or("-")
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "ended     - (still running, or the gateway stopped first)"
            );
        }
    }
    let r = &record.redaction;
    let redacted: Vec<&str> = [
        (r.phone_numbers, "phone numbers"),
        (r.card_numbers, "card numbers"),
        (r.emails, "emails"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if !redacted.is_empty() {
        let _ = writeln!(out, "redacted  {}", redacted.join(", "));
    }
    out.push('\n');

    let indent = " ".repeat(offset(Duration::ZERO).len() + 1);
    let mut latency: Vec<(&str, Vec<Duration>)> = Vec::new();
    for Entry {
        at,
        event,
        out_of_band,
        ..
    } in &record.timeline
    {
        let at = offset(*at);
        match event {
            Event::Utterance { speaker, text, .. } => {
                let who = match speaker {
                    Speaker::Caller => "caller",
                    Speaker::Agent => "agent",
                };
                let aside = if *out_of_band { " (out of band)" } else { "" };
                let _ = writeln!(out, "{at} {who}{aside}: {text}");
            }
            Event::ToolCall {
                name,
                arguments,
                outcome,
                called_by,
                result,
                duration,
                ..
            } => {
                let by = match called_by {
                    CalledBy::Model => "",
                    CalledBy::Supervisor => " (supervisor)",
                    CalledBy::Provider => " (MCP, at the provider)",
                };
                let _ = writeln!(
                    out,
                    "{at} tool{by} {name} {} -> {outcome} in {}",
                    compact(arguments),
                    millis(*duration)
                );
                let _ = writeln!(out, "{indent}result: {}", compact(result));
            }
            Event::Guard {
                decision, detail, ..
            } => {
                let _ = writeln!(out, "{at} guard {decision}: {detail}");
            }
            Event::Transition { from, to } => {
                let _ = writeln!(out, "{at} transition {from} -> {to}");
            }
            Event::Escalation { reason, summary } => {
                let _ = writeln!(out, "{at} escalated: {reason}");
                if let Some(summary) = summary {
                    escalation_summary(&mut out, &indent, summary);
                }
            }
            Event::Latency { kind, duration } => {
                match latency.iter_mut().find(|(k, _)| *k == kind.as_str()) {
                    Some((_, marks)) => marks.push(*duration),
                    None => latency.push((kind.as_str(), vec![*duration])),
                }
            }
        }
    }
    if !latency.is_empty() {
        out.push_str("\nlatency\n");
        let width = latency.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (kind, mut marks) in latency {
            marks.sort();
            let n = marks.len();
            // Both indexes are in range: `marks` holds at least the mark that created it.
            let (median, max) = (marks[(n - 1) / 2], marks[n - 1]);
            let _ = writeln!(
                out,
                "  {kind:<width$}  {n} mark{}, median {}, max {}",
                if n == 1 { "" } else { "s" },
                millis(median),
                millis(max)
            );
        }
    }
    out
}

fn escalation_summary(out: &mut String, indent: &str, summary: &Value) {
    let text = |key: &str| summary.get(key).and_then(Value::as_str);
    if let Some(intent) = text("intent") {
        let _ = writeln!(out, "{indent}intent: {intent}");
    }
    if let Some(state) = text("state") {
        let _ = writeln!(out, "{indent}state: {state}");
    }
    if let Some(slots) = summary.get("slots").and_then(Value::as_object)
        && !slots.is_empty()
    {
        let slots: Vec<String> = slots
            .iter()
            .map(|(name, value)| format!("{name} = {}", compact(value)))
            .collect();
        let _ = writeln!(out, "{indent}slots: {}", slots.join(", "));
    }
    if let Some(tools) = summary.get("tools").and_then(Value::as_array)
        && !tools.is_empty()
    {
        let tools: Vec<String> = tools
            .iter()
            .map(|t| {
                let field = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("?");
                format!("{} ({})", field("name"), field("outcome"))
            })
            .collect();
        let _ = writeln!(out, "{indent}tools: {}", tools.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_times_dates_and_durations_ago() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_514_400);
        let ago = |secs| now - Duration::from_secs(secs);
        assert_eq!(parse_since("30m", now).unwrap(), ago(1800));
        assert_eq!(parse_since("2h", now).unwrap(), ago(7200));
        assert_eq!(parse_since("7d", now).unwrap(), ago(7 * 86_400));
        assert_eq!(parse_since("45s", now).unwrap(), ago(45));
        assert_eq!(parse_since("1w", now).unwrap(), ago(7 * 86_400));
        assert_eq!(parse_since("2026-11-24T10:00:00Z", now).unwrap(), now);
        assert_eq!(parse_since("2026-11-24", now).unwrap(), ago(36_000));
        for bad in ["", "30", "m", "2 h", "2x", "yesterday", "2026-11-32", "-5m"] {
            assert!(parse_since(bad, now).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn start_times_read_as_utc_to_the_second() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_514_400_999);
        assert_eq!(utc(t), "2026-11-24 10:00:00");
        assert_eq!(utc(SystemTime::UNIX_EPOCH), "1970-01-01 00:00:00");
    }

    #[test]
    fn relative_paths_climb_to_the_common_directory() {
        let at = |from: &str, to: &str| relative(Path::new(from), Path::new(to));
        assert_eq!(at("/a/b/scenarios", "/a/b/agent.yaml"), "../agent.yaml");
        assert_eq!(at("/a/b", "/a/b/agent.yaml"), "agent.yaml");
        assert_eq!(at("/x/y", "/a/b/agent.yaml"), "../../a/b/agent.yaml");
        assert_eq!(at("/", "/a/agent.yaml"), "a/agent.yaml");
    }

    #[test]
    fn durations_and_offsets_read_well() {
        assert_eq!(duration(Duration::from_secs(45)), "45s");
        assert_eq!(duration(Duration::from_secs(155)), "2m 35s");
        assert_eq!(duration(Duration::from_secs(3_720)), "1h 02m");
        assert_eq!(offset(Duration::from_millis(400)), "[00:00.400]");
        assert_eq!(offset(Duration::from_millis(4_512_345)), "[75:12.345]");
    }
}
