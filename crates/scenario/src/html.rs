//! The HTML report (`switchboard test --html FILE`): one self-contained page, with inline CSS
//! and inline SVG and no script, so it can be attached to a CI run and opened anywhere.
//!
//! For every scenario and run: the verdict, the failed assertions with their messages, the
//! call's timeline (speech, tool calls, transitions, guard decisions, escalations, latency
//! marks, each at its offset), the per-turn latencies and their histogram. A comparison adds
//! the side-by-side table on top and then each side's runs.

use std::fmt::Write as _;
use std::time::Duration;

use switchboard_engine::Speaker;
use switchboard_speech::markup::escape;
use switchboard_store::{Event, SessionRecord};

use crate::compare::{Comparison, assertion_cell, verdict_cell};
use crate::run::Report;
use crate::runs::{ScenarioRuns, pass_hat_k};

/// The report page of one suite's runs.
pub fn report(title: &str, suite: &[ScenarioRuns]) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(title));
    summary(&mut body, suite);
    for scenario in suite {
        scenario_section(&mut body, scenario, None);
    }
    page(title, &body)
}

/// The report page of a comparison: the side-by-side table, then each side's runs.
pub fn comparison(title: &str, comparison: &Comparison) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(title));
    comparison_table(&mut body, comparison);
    for (letter, side) in [("A", &comparison.a), ("B", &comparison.b)] {
        let _ = writeln!(
            body,
            "<h2 class=\"side\">{letter}: {}</h2>",
            escape(&side.label)
        );
        summary(&mut body, &side.suite);
        for scenario in &side.suite {
            scenario_section(&mut body, scenario, Some(letter));
        }
    }
    page(title, &body)
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2329}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin:0}h2.side{margin-top:2.5rem;border-bottom:2px solid #ccd}
h3{font-size:1rem;margin:1rem 0 .3rem}
section.scenario{border:1px solid #d5d9de;border-left:6px solid;border-radius:4px;margin:1rem 0;padding:.8rem 1rem}
section.pass{border-left-color:#2e8540}section.fail{border-left-color:#c0392b}
.mark.pass,.pass>.mark{color:#2e8540}.mark.fail,.fail>.mark{color:#c0392b}
.path,.muted{color:#68717a;font-weight:normal}
details{margin:.5rem 0;padding:.3rem .6rem;background:#f7f8fa;border-radius:4px}
summary{cursor:pointer;font-weight:600}
table{border-collapse:collapse;margin:.3rem 0}
th,td{text-align:left;vertical-align:top;padding:.2rem .6rem;border-bottom:1px solid #e3e6e9}
td.at,td.turn{font-variant-numeric:tabular-nums;white-space:nowrap;color:#68717a}
td.who{white-space:nowrap;font-weight:600}
tr.caller td.who{color:#1f5fa8}tr.agent td.who{color:#6b3fa0}tr.tool td.who{color:#8a5a00}
tr.guard td.who{color:#b03a2e}tr.state td.who{color:#1e7b6b}tr.escalation td.who{color:#c0392b}
tr.latency td{color:#68717a}
tr.broken td{background:#fdecea}tr.fixed td{background:#e8f5ea}
ul.failures{margin:.3rem 0;padding-left:1.2rem}ul.failures li{margin:.3rem 0}
pre{white-space:pre-wrap;word-break:break-word;margin:.2rem 0;font-size:12.5px}
code{font-size:12.5px}
svg text{font:11px system-ui,sans-serif;fill:#1d2329}svg rect.bar{fill:#4a78b5}
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// A line with the counts and, for repeated runs, pass^k for every k.
fn summary(out: &mut String, suite: &[ScenarioRuns]) {
    let passed = suite.iter().filter(|s| s.passed()).count();
    let runs = suite.iter().map(|s| s.runs.len()).max().unwrap_or(0);
    let _ = write!(
        out,
        "<p class=\"summary\">{} scenario{}: <span class=\"mark pass\">{passed} passed</span>, \
         <span class=\"mark fail\">{} failed</span>",
        suite.len(),
        if suite.len() == 1 { "" } else { "s" },
        suite.len() - passed
    );
    if runs > 1 {
        let _ = write!(
            out,
            " over {runs} runs each (a scenario passes if every run passed)"
        );
        let figures: Vec<String> = (1..=runs)
            .filter_map(|k| pass_hat_k(suite, k).map(|p| format!("pass^{k} = {p:.2}")))
            .collect();
        if !figures.is_empty() {
            let _ = write!(out, "; {}", figures.join(", "));
        }
    }
    out.push_str("</p>\n");
}

fn comparison_table(out: &mut String, comparison: &Comparison) {
    let totals = comparison.totals();
    let _ = writeln!(
        out,
        "<table class=\"comparison\">\n<tr><th>scenario / assertion</th><th>A: {}</th><th>B: {}</th></tr>",
        escape(&comparison.a.label),
        escape(&comparison.b.label)
    );
    for row in comparison.rows() {
        let _ = writeln!(
            out,
            "<tr class=\"scenario\"><th>{}</th><th>{}</th><th>{}</th></tr>",
            escape(&row.name),
            escape(&verdict_cell(row.a)),
            escape(&verdict_cell(row.b))
        );
        for assertion in &row.assertions {
            let class = if assertion.broken() {
                " class=\"broken\""
            } else if assertion.fixed() {
                " class=\"fixed\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<tr{class}><td>&nbsp;&nbsp;{}</td><td>{}</td><td>{}</td></tr>",
                escape(&assertion.label),
                escape(&assertion_cell(assertion.a)),
                escape(&assertion_cell(assertion.b))
            );
        }
    }
    let _ = writeln!(
        out,
        "<tr><th>scenarios passed</th><th>{}/{}</th><th>{}/{}</th></tr>\n\
         <tr><th>assertions held</th><th>{}/{}</th><th>{}/{}</th></tr>\n</table>\n\
         <p class=\"summary\">B against A: {} fixed, {} broken</p>",
        totals.a_passed,
        totals.scenarios,
        totals.b_passed,
        totals.scenarios,
        totals.a_held,
        totals.assertions,
        totals.b_held,
        totals.assertions,
        totals.fixed,
        totals.broken
    );
}

fn scenario_section(out: &mut String, scenario: &ScenarioRuns, side: Option<&str>) {
    let (class, mark) = if scenario.passed() {
        ("pass", "✓")
    } else {
        ("fail", "✗")
    };
    let verdict = scenario.verdict();
    let _ = writeln!(
        out,
        "<section class=\"scenario {class}\">\n<h2 class=\"{class}\"><span class=\"mark\">{mark}</span> {}{} \
         <span class=\"path\">({})</span> <span class=\"muted\">{}/{} runs passed</span></h2>",
        side.map(|s| format!("{s}: ")).unwrap_or_default(),
        escape(&scenario.name),
        escape(&scenario.path.display().to_string()),
        verdict.held,
        verdict.runs()
    );
    for (i, run) in scenario.runs.iter().enumerate() {
        run_details(out, i + 1, run);
    }
    out.push_str("</section>\n");
}

fn run_details(out: &mut String, number: usize, run: &Report) {
    let (class, verdict) = if run.passed() {
        ("pass", "✓ passed")
    } else {
        ("fail", "✗ failed")
    };
    // Failed runs open, so the reason is the first thing seen.
    let _ = writeln!(
        out,
        "<details{}>\n<summary>Run {number}: <span class=\"mark {class}\">{verdict}</span> \
         <span class=\"muted\">in {:.1} s, {} of {} assertions failed</span></summary>",
        if run.passed() { "" } else { " open" },
        run.duration.as_secs_f64(),
        run.failures
            .iter()
            .filter(|f| f.assertion != crate::runs::RUN_PROBLEM)
            .count(),
        run.checked
    );
    if !run.failures.is_empty() {
        out.push_str("<h3>Failed</h3>\n<ul class=\"failures\">\n");
        for failure in &run.failures {
            let _ = writeln!(
                out,
                "<li><code>{}</code><pre>{}</pre></li>",
                escape(&failure.assertion),
                escape(&failure.message)
            );
        }
        out.push_str("</ul>\n");
    }
    let latencies = &run.turn_latencies;
    out.push_str("<h3>Per-turn latency <span class=\"muted\">(end of the caller's speech to the agent's first audio)</span></h3>\n");
    if latencies.is_empty() {
        out.push_str("<p class=\"muted\">None measured: no turn of this call ended in speech the agent answered with audio.</p>\n");
    } else {
        out.push_str("<table class=\"latency\">\n<tr><th>turn</th><th>latency</th></tr>\n");
        for (turn, latency) in latencies {
            let _ = writeln!(
                out,
                "<tr><td class=\"turn\">{turn}</td><td>{} ms</td></tr>",
                latency.as_millis()
            );
        }
        out.push_str("</table>\n");
        let values: Vec<Duration> = latencies.iter().map(|(_, d)| *d).collect();
        out.push_str(&histogram(&values));
    }
    out.push_str("<h3>Timeline</h3>\n");
    match &run.record {
        Some(record) => timeline(out, record),
        None => out.push_str("<p class=\"muted\">The call left no record.</p>\n"),
    }
    out.push_str("</details>\n");
}

fn timeline(out: &mut String, record: &SessionRecord) {
    let turns = crate::check::turns(record);
    out.push_str(
        "<table class=\"timeline\">\n<tr><th>at</th><th>turn</th><th>who</th><th>what</th></tr>\n",
    );
    for (entry, turn) in record.timeline.iter().zip(turns) {
        let (class, who, what) = match &entry.event {
            Event::Utterance { speaker, text, end } => {
                let who = match speaker {
                    Speaker::Caller => "caller",
                    Speaker::Agent => "agent",
                };
                // Text turns have no duration; spoken ones show when the speech ended.
                let until = if *end > entry.at {
                    format!(" <span class=\"muted\">(until {})</span>", offset(*end))
                } else {
                    String::new()
                };
                (who, who.to_owned(), format!("{}{until}", escape(text)))
            }
            Event::ToolCall {
                name,
                arguments,
                outcome,
                result,
                duration,
                ..
            } => (
                "tool",
                "tool call".to_owned(),
                format!(
                    "<code>{}({})</code> → <b>{}</b> <span class=\"muted\">in {} ms</span><pre>{}</pre>",
                    escape(name),
                    escape(&arguments.to_string()),
                    escape(outcome.as_str()),
                    duration.as_millis(),
                    escape(&result.to_string())
                ),
            ),
            Event::Guard {
                decision, detail, ..
            } => (
                "guard",
                "guard".to_owned(),
                format!(
                    "<code>{}</code> {}",
                    escape(decision.as_str()),
                    escape(detail)
                ),
            ),
            Event::Transition { from, to } => (
                "state",
                "state".to_owned(),
                format!("{} → {}", escape(from), escape(to)),
            ),
            Event::Escalation { reason, summary } => (
                "escalation",
                "escalation".to_owned(),
                match summary {
                    Some(summary) => format!(
                        "{}<pre>{}</pre>",
                        escape(reason),
                        escape(&summary.to_string())
                    ),
                    None => escape(reason),
                },
            ),
            Event::Latency { kind, duration } => (
                "latency",
                "latency".to_owned(),
                format!("{}: {} ms", escape(kind.as_str()), duration.as_millis()),
            ),
        };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td class=\"at\">{}</td><td class=\"turn\">{turn}</td><td class=\"who\">{who}</td><td>{what}</td></tr>",
            offset(entry.at)
        );
    }
    out.push_str("</table>\n");
    if let Some(outcome) = &record.summary.outcome {
        let _ = writeln!(
            out,
            "<p class=\"muted\">The call ended: {}.</p>",
            escape(outcome)
        );
    }
}

/// `m:ss.mmm` since the call started.
fn offset(at: Duration) -> String {
    let ms = at.as_millis();
    format!("{}:{:02}.{:03}", ms / 60_000, (ms / 1000) % 60, ms % 1000)
}

/// Bucket widths a histogram may use, in milliseconds: round numbers.
const BUCKET_WIDTHS_MS: &[u128] = &[
    10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 30_000, 60_000,
];

/// At most this many bars.
const MAX_BUCKETS: u128 = 12;

/// The histogram's bucket width and how many latencies fall in each bucket, from 0 up to the
/// largest: the narrowest round width that needs at most [`MAX_BUCKETS`] bars.
fn buckets(latencies: &[Duration]) -> (u128, Vec<usize>) {
    let max = latencies.iter().map(Duration::as_millis).max().unwrap_or(0);
    let width = BUCKET_WIDTHS_MS
        .iter()
        .copied()
        .find(|w| max / w < MAX_BUCKETS)
        .unwrap_or_else(|| max / (MAX_BUCKETS - 1) + 1);
    let mut counts = vec![0; usize::try_from(max / width + 1).unwrap_or(1)];
    for latency in latencies {
        let i = usize::try_from(latency.as_millis() / width).unwrap_or(0);
        if let Some(count) = counts.get_mut(i) {
            *count += 1;
        }
    }
    (width, counts)
}

/// An SVG bar chart of `latencies`: one bar per bucket, its count above it and its lower
/// bound below, with a tooltip.
fn histogram(latencies: &[Duration]) -> String {
    const BAR: usize = 44;
    const CHART: usize = 120;
    const TOP: usize = 18;
    let (width, counts) = buckets(latencies);
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    // Wide enough for the axis caption even with one bar.
    let total_width = (16 + counts.len() * BAR).max(240);
    let height = TOP + CHART + 34;
    let mut svg = format!(
        "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_width}\" \
         height=\"{height}\" role=\"img\" aria-label=\"latency histogram\">\n"
    );
    for (i, &count) in counts.iter().enumerate() {
        let x = 8 + i * BAR;
        let bar = CHART * count / most;
        let y = TOP + CHART - bar;
        let low = width * i as u128;
        let _ = writeln!(
            svg,
            "<g><title>{low}–{} ms: {count} turn{}</title>\
             <rect class=\"bar\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{bar}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{count}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{low}</text></g>",
            low + width,
            if count == 1 { "" } else { "s" },
            x + 2,
            BAR - 4,
            x + BAR / 2,
            y.saturating_sub(4),
            x + BAR / 2,
            TOP + CHART + 14
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"8\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#68717a\"/>\
         <text x=\"8\" y=\"{2}\">ms, in buckets of {width}</text>\n</svg>",
        TOP + CHART,
        8 + counts.len() * BAR,
        TOP + CHART + 30
    );
    svg
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::UNIX_EPOCH;

    use serde_json::json;
    use switchboard_engine::{GuardDecision, LatencyKind, ToolOutcome};
    use switchboard_store::{Entry, Redaction, SessionSummary};

    use super::*;
    use crate::compare::Side;
    use crate::runs::tests::{run_report, runs};

    fn at(ms: u64, event: Event) -> Entry {
        Entry {
            response_id: None,
            out_of_band: false,
            at: Duration::from_millis(ms),
            event,
        }
    }

    /// A short call: greeting, a caller turn, a tool call, a guard, a transition, an
    /// escalation, and two turn latencies; text with characters HTML must escape.
    pub(crate) fn record() -> SessionRecord {
        let millis = Duration::from_millis;
        SessionRecord {
            summary: SessionSummary {
                id: "sess_1".to_owned(),
                agent: "northloop".to_owned(),
                model: "gpt-realtime".to_owned(),
                started_at: UNIX_EPOCH,
                ended_at: Some(UNIX_EPOCH + millis(9000)),
                outcome: Some("hung_up".to_owned()),
                utterances: 3,
                tool_calls: 1,
                escalated: true,
            },
            redaction: Redaction::default(),
            agent_path: None,
            timeline: vec![
                at(
                    100,
                    Event::Utterance {
                        speaker: Speaker::Agent,
                        text: "Thanks for calling <NorthLoop> & co.".to_owned(),
                        end: millis(1500),
                    },
                ),
                at(
                    2000,
                    Event::Utterance {
                        speaker: Speaker::Caller,
                        text: "My \"internet\" keeps dropping.".to_owned(),
                        end: millis(3000),
                    },
                ),
                at(
                    3420,
                    Event::Latency {
                        kind: LatencyKind::SpeechStoppedToFirstAudio,
                        duration: millis(420),
                    },
                ),
                at(
                    3500,
                    Event::ToolCall {
                        call_id: "call_1".to_owned(),
                        name: "lookup_account".to_owned(),
                        arguments: json!({"email_or_phone": "4155550123"}),
                        outcome: ToolOutcome::Ok,
                        called_by: switchboard_engine::CalledBy::Model,
                        result: json!({"account_id": "NL-10482"}),
                        duration: millis(35),
                    },
                ),
                at(
                    3600,
                    Event::Guard {
                        decision: GuardDecision::ConfirmationRequested,
                        tool: Some("refund_credit".to_owned()),
                        detail: "held refund_credit until the caller answers".to_owned(),
                    },
                ),
                at(
                    3700,
                    Event::Transition {
                        from: "greeting".to_owned(),
                        to: "verify".to_owned(),
                    },
                ),
                at(
                    5000,
                    Event::Utterance {
                        speaker: Speaker::Caller,
                        text: "Get me a person.".to_owned(),
                        end: millis(5800),
                    },
                ),
                at(
                    6900,
                    Event::Latency {
                        kind: LatencyKind::SpeechStoppedToFirstAudio,
                        duration: millis(1100),
                    },
                ),
                at(
                    7000,
                    Event::Escalation {
                        reason: "caller asked for a human".to_owned(),
                        summary: Some(json!({"intent": "outage"})),
                    },
                ),
            ],
        }
    }

    #[test]
    fn hostile_names_and_messages_stay_text() {
        use crate::runs::tests::{run_report, runs};
        let hostile = "<script>\"x\"&";
        let mut failing = run_report(hostile, &[hostile], true);
        failing.failures[0].message = "expected \"a\" & got <img src=x onerror='y'>".to_owned();
        let suite = [runs(hostile, vec![failing])];
        let html = report(hostile, &suite);
        for raw in ["<script", "<img", "onerror='"] {
            assert!(!html.contains(raw), "{raw} reached the page: {html}");
        }
        assert!(html.contains("<title>&lt;script&gt;&quot;x&quot;&amp;</title>"));
        assert!(html.contains("<h1>&lt;script&gt;&quot;x&quot;&amp;</h1>"));
        assert!(
            html.contains("expected &quot;a&quot; &amp; got &lt;img src=x onerror=&#39;y&#39;&gt;")
        );
        // The page's elements are the report's own: the body parses as XML (once the one
        // HTML-only form it uses, the bare `open` attribute, is spelled out) and holds only
        // the tags the report writes.
        let body = &html[html.find("<body>").expect("body")..html.find("</html>").expect("end")];
        let body = body.replace("<details open>", "<details open=\"\">");
        let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        for node in doc.descendants().filter(roxmltree::Node::is_element) {
            let tag = node.tag_name().name();
            assert!(!["script", "img"].contains(&tag), "<{tag}> in the page");
        }
    }

    #[test]
    fn a_report_is_one_self_contained_page() {
        let suite = [runs(
            "outage <and> refund",
            vec![run_report("x", &[], true)],
        )];
        let html = report("switchboard test", &suite);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.trim_end().ends_with("</html>"));
        assert!(html.contains("<style>"));
        for external in ["<script", "<link", "src=", "@import", "url("] {
            assert!(!html.contains(external), "no external assets: {external}");
        }
        // Every tag that opens within the body also closes.
        for tag in ["section", "details", "table", "svg", "ul"] {
            assert_eq!(
                html.matches(&format!("<{tag}")).count(),
                html.matches(&format!("</{tag}>")).count(),
                "<{tag}> balanced"
            );
        }
    }

    #[test]
    fn a_run_shows_its_timeline_escaped() {
        let suite = [runs(
            "outage <and> refund",
            vec![run_report("x", &[], true)],
        )];
        let html = report("switchboard test", &suite);
        assert!(html.contains("outage &lt;and&gt; refund"), "{html}");
        assert!(!html.contains("<and>"), "raw text never reaches the page");
        assert!(html.contains(
            "<td class=\"who\">agent</td><td>Thanks for calling &lt;NorthLoop&gt; &amp; co. \
             <span class=\"muted\">(until 0:01.500)</span></td>"
        ));
        assert!(html.contains("My &quot;internet&quot; keeps dropping."));
        assert!(html.contains("<td class=\"at\">0:03.500</td><td class=\"turn\">1</td>"));
        assert!(html.contains(
            "<code>lookup_account({&quot;email_or_phone&quot;:&quot;4155550123&quot;})</code> → <b>ok</b>"
        ));
        assert!(html.contains("{&quot;account_id&quot;:&quot;NL-10482&quot;}"));
        assert!(html.contains("<code>confirmation_requested</code> held refund_credit"));
        assert!(html.contains("greeting → verify"));
        assert!(html.contains("caller asked for a human"));
        assert!(html.contains("The call ended: hung_up."));
        // A passing run is folded.
        assert!(html.contains("<details>\n<summary>Run 1: "));
    }

    #[test]
    fn per_turn_latencies_and_their_histogram() {
        let run = run_report("x", &[], true);
        let html = report("t", &[runs("s", vec![run])]);
        assert!(html.contains("<tr><td class=\"turn\">1</td><td>420 ms</td></tr>"));
        assert!(html.contains("<tr><td class=\"turn\">2</td><td>1100 ms</td></tr>"));
        assert!(html.contains("<svg class=\"histogram\""));
        // 420 and 1100 ms in buckets of 100: the 400 and 1100 bars hold one turn each.
        assert!(html.contains("<title>400–500 ms: 1 turn</title>"), "{html}");
        assert!(
            html.contains("<title>1100–1200 ms: 1 turn</title>"),
            "{html}"
        );
        assert!(
            html.contains("<title>500–600 ms: 0 turns</title>"),
            "{html}"
        );
        let unrecorded = run_report("y", &["run"], false);
        let html = report("t", &[runs("s", vec![unrecorded])]);
        assert!(html.contains("None measured"));
        assert!(html.contains("The call left no record."));
        assert!(!html.contains("<svg"));
    }

    #[test]
    fn buckets_are_round_and_few() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            buckets(&ms(&[420, 1100])),
            (100, {
                let mut c = vec![0; 12];
                c[4] = 1;
                c[11] = 1;
                c
            })
        );
        assert_eq!(
            buckets(&ms(&[5, 7, 95])),
            (10, vec![2, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        );
        let (width, counts) = buckets(&ms(&[100_000_000]));
        assert!(
            counts.len() as u128 <= MAX_BUCKETS,
            "{width} {}",
            counts.len()
        );
        assert_eq!(counts.iter().sum::<usize>(), 1);
    }

    #[test]
    fn failed_assertions_are_listed_and_open() {
        let suite = [runs(
            "s",
            vec![
                run_report("s", &[], true),
                run_report("s", &["tool_called: <a>"], true),
            ],
        )];
        let html = report("t", &suite);
        assert!(html.contains("1/2 runs passed"));
        assert!(
            html.contains(
                "<details open>\n<summary>Run 2: <span class=\"mark fail\">✗ failed</span>"
            )
        );
        assert!(html.contains("<li><code>tool_called: &lt;a&gt;</code><pre>tool_called: &lt;a&gt; did not hold</pre></li>"));
        assert!(html.contains("pass^1 = 0.50, pass^2 = 0.00"), "{html}");
    }

    #[test]
    fn a_comparison_page_has_the_table_and_both_sides() {
        let cmp = Comparison {
            a: Side {
                label: "agent.yaml".to_owned(),
                suite: vec![runs("s", vec![run_report("s", &[], true)])],
            },
            b: Side {
                label: "script:<b>.yaml".to_owned(),
                suite: vec![runs("s", vec![run_report("s", &["tool_called: a"], true)])],
            },
        };
        let html = comparison("switchboard test --compare", &cmp);
        assert!(html.contains("<th>A: agent.yaml</th><th>B: script:&lt;b&gt;.yaml</th>"));
        assert!(
            html.contains(
                "<tr class=\"broken\"><td>&nbsp;&nbsp;tool_called: a</td><td>✓</td><td>✗</td></tr>"
            ),
            "{html}"
        );
        assert!(html.contains("B against A: 0 fixed, 1 broken"));
        assert!(html.contains("<h2 class=\"side\">A: agent.yaml</h2>"));
        assert!(html.contains("<h2 class=\"side\">B: script:&lt;b&gt;.yaml</h2>"));
        assert_eq!(html.matches("<section class=\"scenario").count(), 2);
    }
}
