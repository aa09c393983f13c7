//! Counters and histograms for `GET /metrics`, in the Prometheus text format.
//!
//! Written by hand: a few atomics and a map under a short lock cost less than a metrics
//! framework, and the exposition format is small.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds: from 50 µs (relay work) to 10 s (turns).
const BUCKETS: [f64; 16] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 10.0,
];

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
pub(crate) struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    /// Observations above the last bucket.
    over: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub(crate) fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        match BUCKETS.iter().position(|b| secs <= *b) {
            Some(i) => self.counts[i].fetch_add(1, Ordering::Relaxed),
            None => self.over.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.over.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

/// Counters keyed by label values.
#[derive(Debug, Default)]
struct Family {
    values: Mutex<BTreeMap<Vec<String>, u64>>,
}

impl Family {
    fn add(&self, labels: &[&str], by: u64) {
        let key: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
        // Per tool call, guard decision or call, not per frame: events have `EventCounts`.
        *self
            .values
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_insert(0) += by;
    }

    fn write(&self, out: &mut String, name: &str, help: &str, kind: &str, label_names: &[&str]) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        let values = self
            .values
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (labels, value) in values.iter() {
            let pairs: Vec<String> = label_names
                .iter()
                .zip(labels)
                .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
                .collect();
            let _ = writeln!(out, "{name}{{{}}} {value}", pairs.join(","));
        }
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Which way an event went.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Flow {
    /// From the caller to the gateway.
    FromCaller,
    /// From the gateway to the caller.
    ToCaller,
    /// From the model to the gateway.
    FromModel,
    /// From the gateway to the model.
    ToModel,
}

impl Flow {
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Flow::FromCaller => ("in", "caller"),
            Flow::ToCaller => ("out", "caller"),
            Flow::FromModel => ("in", "model"),
            Flow::ToModel => ("out", "model"),
        }
    }
}

/// Event counts by flow and type, without a lock: every relayed frame counts once, so this
/// sits on the hot path of every call.
#[derive(Debug)]
struct EventCounts {
    /// Column of each known type; unknown kinds share the last column.
    columns: BTreeMap<&'static str, usize>,
    names: Vec<&'static str>,
    counts: Vec<AtomicU64>,
}

/// The four flows, in the order of their rows in [`EventCounts`].
const FLOWS: [Flow; 4] = [
    Flow::FromCaller,
    Flow::ToCaller,
    Flow::FromModel,
    Flow::ToModel,
];

impl Default for EventCounts {
    fn default() -> Self {
        let mut names: Vec<&'static str> = switchboard_wire::ClientEvent::TYPES
            .iter()
            .chain(switchboard_wire::ServerEvent::TYPES)
            .copied()
            .chain(["malformed", "binary", "other"])
            .collect();
        names.sort_unstable();
        names.dedup();
        let columns = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let counts = (0..names.len() * FLOWS.len())
            .map(|_| AtomicU64::new(0))
            .collect();
        EventCounts {
            columns,
            names,
            counts,
        }
    }
}

impl EventCounts {
    fn add(&self, flow: Flow, kind: &str) {
        let column = match self.columns.get(kind) {
            Some(c) => *c,
            None => self.columns.get("other").copied().unwrap_or(0),
        };
        if let Some(count) = self.counts.get(flow as usize * self.names.len() + column) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn write(&self, out: &mut String) {
        let name = "switchboard_events_total";
        let _ = writeln!(
            out,
            "# HELP {name} Realtime events relayed, by direction, side and type.\n# TYPE {name} counter"
        );
        for (row, flow) in FLOWS.iter().enumerate() {
            let (direction, side) = flow.labels();
            for (column, kind) in self.names.iter().enumerate() {
                let n = self.counts[row * self.names.len() + column].load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "{name}{{direction=\"{direction}\",side=\"{side}\",type=\"{kind}\"}} {n}"
                    );
                }
            }
        }
    }
}

/// The gateway's metrics, shared by every session.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) active_sessions: AtomicI64,
    sessions: Family,
    events: EventCounts,
    tool_calls: Family,
    guards: Family,
    escalations: Family,
    upstream: Family,
    rate_limits: Family,
    pub(crate) added_latency: Histogram,
    pub(crate) first_audio: Histogram,
}

impl Metrics {
    pub(crate) fn event(&self, flow: Flow, kind: &str) {
        self.events.add(flow, kind);
    }

    pub(crate) fn session_ended(&self, agent: &str, outcome: &str) {
        self.sessions.add(&[agent, outcome], 1);
    }

    pub(crate) fn tool_call(&self, tool: &str, outcome: &str) {
        self.tool_calls.add(&[tool, outcome], 1);
    }

    pub(crate) fn guard(&self, decision: &str) {
        self.guards.add(&[decision], 1);
    }

    pub(crate) fn escalation(&self, agent: &str) {
        self.escalations.add(&[agent], 1);
    }

    pub(crate) fn upstream(&self, what: &str) {
        self.upstream.add(&[what], 1);
    }

    pub(crate) fn rate_limit(&self, name: &str, remaining: u64) {
        let mut values = self
            .rate_limits
            .values
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        values.insert(vec![name.to_owned()], remaining);
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP switchboard_active_sessions Calls in progress.\n# TYPE switchboard_active_sessions gauge\nswitchboard_active_sessions {}",
            self.active_sessions.load(Ordering::Relaxed)
        );
        self.sessions.write(
            &mut out,
            "switchboard_sessions_total",
            "Calls ended, by agent and outcome.",
            "counter",
            &["agent", "outcome"],
        );
        self.events.write(&mut out);
        self.tool_calls.write(
            &mut out,
            "switchboard_tool_calls_total",
            "Tool calls, by tool and outcome.",
            "counter",
            &["tool", "outcome"],
        );
        self.guards.write(
            &mut out,
            "switchboard_guard_decisions_total",
            "Decisions of the engine's guards.",
            "counter",
            &["decision"],
        );
        self.escalations.write(
            &mut out,
            "switchboard_escalations_total",
            "Calls handed to a person, by agent.",
            "counter",
            &["agent"],
        );
        self.upstream.write(
            &mut out,
            "switchboard_upstream_events_total",
            "Upstream connections: connected, refused, lost, reconnected.",
            "counter",
            &["event"],
        );
        self.rate_limits.write(
            &mut out,
            "switchboard_upstream_rate_limit_remaining",
            "The latest rate_limits.updated from the model, by limit.",
            "gauge",
            &["name"],
        );
        self.added_latency.write(
            &mut out,
            "switchboard_gateway_added_latency_seconds",
            "Time from receiving a frame to sending what it caused, per event sent.",
        );
        self.first_audio.write(
            &mut out,
            "switchboard_speech_stopped_to_first_audio_seconds",
            "Time from the caller's end of speech to the agent's first audio.",
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flow_has_its_own_row() {
        for (row, flow) in FLOWS.iter().enumerate() {
            assert_eq!(*flow as usize, row);
        }
        let m = Metrics::default();
        m.event(Flow::ToModel, "response.create");
        m.event(Flow::FromModel, "something.new");
        let text = m.render();
        assert!(text.contains(
            "switchboard_events_total{direction=\"out\",side=\"model\",type=\"response.create\"} 1"
        ));
        assert!(text.contains("side=\"model\",type=\"other\"} 1"), "{text}");
        assert!(!text.contains("side=\"caller\",type=\"response.create\""));
    }

    #[test]
    fn histograms_are_cumulative_and_counters_labelled() {
        let m = Metrics::default();
        m.added_latency.observe(Duration::from_micros(80));
        m.added_latency.observe(Duration::from_millis(3));
        m.added_latency.observe(Duration::from_secs(60));
        m.event(Flow::FromCaller, "session.update");
        m.event(Flow::FromCaller, "session.update");
        m.tool_call("lookup_account", "ok");
        m.guard("confirmation_requested");
        let text = m.render();
        assert!(text.contains("switchboard_gateway_added_latency_seconds_bucket{le=\"0.0001\"} 1"));
        assert!(text.contains("switchboard_gateway_added_latency_seconds_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("switchboard_gateway_added_latency_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("switchboard_gateway_added_latency_seconds_count 3"));
        assert!(text.contains(
            "switchboard_events_total{direction=\"in\",side=\"caller\",type=\"session.update\"} 2"
        ));
        assert!(
            text.contains("switchboard_tool_calls_total{tool=\"lookup_account\",outcome=\"ok\"} 1")
        );
        assert!(
            text.contains(
                "switchboard_guard_decisions_total{decision=\"confirmation_requested\"} 1"
            )
        );
    }
}
