//! Scenarios against a tool server (`switchboard test --tool-server`): the agent's fixture
//! tools are sent to the server as signed webhooks, as `switchboard serve --tool-server` sends
//! them, and the server's answers are held to the fixtures they replace.
//!
//! A scripted model says what its script says whatever a tool answers, so a server that fails
//! every call (a wrong secret, a server that is down, a record another run already changed)
//! would leave every assertion holding. The script was written against the fixtures: a call
//! they answer with a result must get a result from the server too. A call they answer with an
//! error may fail at the server as well (a scenario about failed lookups still passes).

use serde_json::Value;
use switchboard_agent::AgentFile;
use switchboard_agent::model::{Fixture, Run};
use switchboard_engine::ToolOutcome;
use switchboard_gateway::webhook;
use switchboard_store::{Event, SessionRecord};

use crate::check::{Failure, turns};

/// The label of the failure that lists the calls a tool server failed where the agent's
/// fixtures answer them (beside the file's assertions and [`crate::RUN_PROBLEM`]).
pub const TOOL_SERVER_PROBLEM: &str = "tool_server";

/// A tool server that answers the agent's fixture tools in a scenario's place: each tool
/// whose `run` is `fixtures` becomes a webhook to `URL/tools/NAME`, signed with the secret in
/// an environment variable (read by the gateway on every call). Webhook, built-in and caller
/// tools are left as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolServer {
    /// The server's base URL (`http://127.0.0.1:9100`).
    pub url: String,
    /// The environment variable holding the signing secret.
    pub secret_env: String,
}

impl ToolServer {
    /// Sends `agent`'s fixture tools to the server instead.
    pub(crate) fn serve(&self, agent: &mut AgentFile) {
        webhook::replace_fixtures(agent, &self.url, &self.secret_env);
    }
}

/// The calls of `record` that the tool server failed (an error or no answer in time) although
/// `agent`'s fixtures answer them with a result, as one failure naming each call and the
/// server's reason; `None` when there is none.
pub(crate) fn unlike_fixtures(agent: &AgentFile, record: &SessionRecord) -> Option<Failure> {
    let turns = turns(record);
    let mut calls = Vec::new();
    for (index, entry) in record.timeline.iter().enumerate() {
        let Event::ToolCall {
            name,
            arguments,
            outcome,
            result,
            ..
        } = &entry.event
        else {
            continue;
        };
        if !matches!(outcome, ToolOutcome::Failed | ToolOutcome::Timeout) {
            continue;
        }
        let fixtures = agent.tools.iter().find_map(|t| match &t.run {
            Run::Fixtures(fixtures) if t.name == *name => Some(fixtures),
            _ => None,
        });
        if fixtures.is_some_and(|f| answered(f, arguments)) {
            let why = result
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            calls.push(format!(
                "turn {}: {name} {arguments} → {outcome}: {why}",
                turns[index]
            ));
        }
    }
    (!calls.is_empty()).then(|| Failure {
        assertion: TOOL_SERVER_PROBLEM.to_owned(),
        message: format!(
            "the tool server failed calls that the agent's fixtures answer with a result: {}",
            calls.join("; ")
        ),
    })
}

/// Whether `fixtures` answer a call with `args` with a result: the fixture the engine picks
/// (the first whose `when` values all equal the arguments') has no `error`. No fixture
/// matching is an error too.
fn answered(fixtures: &[Fixture], args: &Value) -> bool {
    Fixture::answering(fixtures, args).is_some_and(|f| f.error.is_none())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use serde_json::json;
    use switchboard_engine::CalledBy;
    use switchboard_store::{Entry, Redaction, SessionSummary};

    use super::*;

    const AGENT: &str = r#"
name: desk
role: You are a help desk.
tools:
  - name: lookup
    description: Find the account.
    parameters: {type: object, properties: {phone: {type: string}}, required: [phone]}
    run:
      fixtures:
        - when: {phone: "4155550123"}
          result: {account_id: NL-1}
        - error: not found
  - name: ticket
    description: Open a ticket.
    parameters: {type: object, properties: {}}
    run: {webhook: {url: "https://desk.example/ticket"}}
"#;

    fn call(name: &str, arguments: Value, outcome: ToolOutcome, result: Value) -> Event {
        Event::ToolCall {
            call_id: format!("call_{name}"),
            name: name.to_owned(),
            arguments,
            outcome,
            called_by: CalledBy::Model,
            result,
            duration: Duration::ZERO,
        }
    }

    fn failed(name: &str, arguments: Value, outcome: ToolOutcome, why: &str) -> Event {
        call(
            name,
            arguments,
            outcome,
            json!({"status": "error", "error": why}),
        )
    }

    fn record(events: Vec<Event>) -> SessionRecord {
        SessionRecord {
            summary: SessionSummary {
                id: "sess_1".to_owned(),
                agent: "desk".to_owned(),
                model: "gpt-realtime".to_owned(),
                started_at: UNIX_EPOCH,
                ended_at: None,
                outcome: None,
                utterances: 0,
                tool_calls: 0,
                escalated: false,
            },
            redaction: Redaction::default(),
            agent_path: None,
            timeline: events
                .into_iter()
                .map(|event| Entry {
                    response_id: None,
                    out_of_band: false,
                    at: Duration::ZERO,
                    event,
                })
                .collect(),
        }
    }

    fn agent() -> AgentFile {
        switchboard_agent::load(AGENT).expect("loads").agent
    }

    #[test]
    fn a_call_the_fixtures_answer_must_not_fail_at_the_server() {
        let failure = unlike_fixtures(
            &agent(),
            &record(vec![
                failed(
                    "lookup",
                    json!({"phone": "4155550123"}),
                    ToolOutcome::Failed,
                    "`lookup` refused the call (HTTP 401)",
                ),
                // The fixtures fail this one too: a scenario may be about it.
                failed(
                    "lookup",
                    json!({"phone": "4155559999"}),
                    ToolOutcome::Failed,
                    "`lookup` refused the call (HTTP 404)",
                ),
                // Not a fixture tool, so not sent to the tool server.
                failed("ticket", json!({}), ToolOutcome::Timeout, "no answer"),
                failed(
                    "lookup",
                    json!({"phone": "4155550123"}),
                    ToolOutcome::Timeout,
                    "the tool did not answer in time",
                ),
            ]),
        )
        .expect("calls failed where their fixture answers");
        assert_eq!(failure.assertion, TOOL_SERVER_PROBLEM);
        assert_eq!(
            failure.message,
            "the tool server failed calls that the agent's fixtures answer with a result: \
             turn 0: lookup {\"phone\":\"4155550123\"} → failed: `lookup` refused the call \
             (HTTP 401); turn 0: lookup {\"phone\":\"4155550123\"} → timeout: the tool did \
             not answer in time"
        );
    }

    #[test]
    fn answers_like_the_fixtures_and_refusals_before_the_server_are_no_failure() {
        let ok = call(
            "lookup",
            json!({"phone": "4155550123"}),
            ToolOutcome::Ok,
            json!({"account_id": "NL-1"}),
        );
        let refused = failed(
            "lookup",
            json!({"phone": "4155550123"}),
            ToolOutcome::Refused,
            "a guard refused it before it reached the server",
        );
        let invalid = failed(
            "lookup",
            json!({"phone": 415}),
            ToolOutcome::Invalid,
            "invalid arguments",
        );
        assert_eq!(
            unlike_fixtures(&agent(), &record(vec![ok, refused, invalid])),
            None
        );
    }
}
