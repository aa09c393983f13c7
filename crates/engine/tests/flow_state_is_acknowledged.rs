//! A dynamic flow's state changes only when the model has taken the new state's session: the
//! transition is recorded, and `set_conversation_state` answered ok, once `session.updated`
//! reports the instructions and tools that were asked. A refusal is retried once without the
//! field the model named, or refuses the transition; it is never ignored.

mod common;

use std::collections::VecDeque;
use std::time::Duration;

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use switchboard_engine::{GuardDecision, Output, Record, ToolOutcome};
use switchboard_wire::{ServerEvent, Session};

/// The state whose instructions `session` carries, from its `# Conversation (state)` heading.
fn state_of(session: &Session) -> Option<String> {
    let instructions = session.instructions.as_deref()?;
    let start = instructions.find("# Conversation (")? + "# Conversation (".len();
    let len = instructions[start..].find(')')?;
    Some(instructions[start..start + len].to_owned())
}

fn updated(session: &Session) -> Value {
    let mut session = serde_json::to_value(session).expect("serializable");
    session["object"] = json!("realtime.session");
    session["id"] = json!("sess_model");
    json!({"type":"session.updated","event_id":"event_model_u","session":session})
}

fn refusal(id: &str, code: &str, param: Option<&str>) -> Value {
    json!({"type":"error","event_id":"event_model_e","error":{"type":"invalid_request_error",
        "code":code,"message":"The update was refused.","param":param,"event_id":id}})
}

/// A harness whose model answers `session.update`s only when told, in the `verify` state with
/// the account captured, so `resolve` may be asked for.
fn ready() -> Harness {
    let mut h = Harness::agent();
    h.model_calls(
        "call_lookup",
        "lookup_account",
        json!({"email_or_phone": "4155551234"}),
    );
    h.advance(Duration::from_millis(1));
    h.confirms_sessions = false;
    h
}

/// Asks for `resolve`; returns the update's event id and session.
fn ask_for_resolve(h: &mut Harness) -> (String, Session, Vec<Output>) {
    let out = h.model_calls(
        "call_state",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    let (id, session) = session_updates(&out).pop().expect("a session.update");
    (id.expect("with an event id"), session, out)
}

fn state_tool_answer(out: &[Output]) -> Option<Value> {
    tool_outputs(out)
        .into_iter()
        .find(|(id, _)| id == "call_state")
        .map(|(_, v)| v)
}

fn transitions(out: &[Output]) -> Vec<(String, String)> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::Transition { from, to } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_transition_waits_for_session_updated() {
    let mut h = ready();
    let (_, asked, out) = ask_for_resolve(&mut h);
    assert_eq!(state_of(&asked).as_deref(), Some("resolve"));
    assert_eq!(h.session.state(), Some("verify"), "not yet acknowledged");
    assert!(transitions(&out).is_empty());
    assert_eq!(state_tool_answer(&out), None, "the call waits");
    assert!(h.session.turn_in_progress());

    let out = h.model(updated(&asked));
    assert_eq!(h.session.state(), Some("resolve"));
    assert_eq!(transitions(&out), [("verify".into(), "resolve".into())]);
    assert_eq!(
        state_tool_answer(&out),
        Some(json!({"status": "ok", "state": "resolve"}))
    );
    assert!(guards(&out).contains(&GuardDecision::SessionUpdateConfirmed));
    assert!(to_model_types(&out).contains(&"response.create"));
}

#[test]
fn a_refusal_is_retried_once_without_the_field_the_model_named() {
    let mut h = ready();
    let (id, _, _) = ask_for_resolve(&mut h);
    let out = h.model(refusal(
        &id,
        "cannot_update_voice",
        Some("session.audio.output.voice"),
    ));
    assert!(caller_errors(&out).is_empty(), "the caller did not ask");
    let (retry_id, retry) = session_updates(&out).pop().expect("a retry");
    let retry_id = retry_id.expect("with its own event id");
    assert_ne!(retry_id, id);
    assert_eq!(
        retry
            .audio
            .as_ref()
            .and_then(|a| a.output.as_ref())
            .and_then(|o| o.voice.clone()),
        None,
        "without the voice"
    );
    assert_eq!(state_of(&retry).as_deref(), Some("resolve"));
    assert_eq!(h.session.state(), Some("verify"));

    let out = h.model(updated(&retry));
    assert_eq!(h.session.state(), Some("resolve"));
    assert_eq!(
        state_tool_answer(&out),
        Some(json!({"status": "ok", "state": "resolve"}))
    );
}

#[test]
fn a_second_refusal_refuses_the_transition() {
    let mut h = ready();
    let (id, _, _) = ask_for_resolve(&mut h);
    let out = h.model(refusal(
        &id,
        "cannot_update_voice",
        Some("session.audio.output.voice"),
    ));
    let (retry_id, _) = session_updates(&out).pop().expect("a retry");
    let out = h.model(refusal(
        &retry_id.expect("an id"),
        "invalid_value",
        Some("session.audio.output.speed"),
    ));
    assert_refused(&h, &out);
}

#[test]
fn a_refusal_of_the_instructions_or_tools_is_not_retried() {
    for param in [Some("session.instructions"), Some("session.tools[1]"), None] {
        let mut h = ready();
        let (id, _, _) = ask_for_resolve(&mut h);
        let out = h.model(refusal(&id, "invalid_value", param));
        assert!(session_updates(&out).is_empty(), "{param:?}: no retry");
        assert_refused(&h, &out);
    }
}

#[test]
fn a_session_updated_with_other_instructions_is_no_confirmation() {
    let mut h = ready();
    let (_, mut asked, _) = ask_for_resolve(&mut h);
    asked.instructions = Some("You are a pirate.".into());
    let out = h.model(updated(&asked));
    assert_refused(&h, &out);
}

#[test]
fn a_session_updated_without_the_states_tools_is_no_confirmation() {
    let mut h = ready();
    let (_, mut asked, _) = ask_for_resolve(&mut h);
    asked.tools = Some(Vec::new());
    let out = h.model(updated(&asked));
    assert_refused(&h, &out);
}

#[test]
fn another_change_while_one_waits_is_refused() {
    let mut h = ready();
    let (_, asked, _) = ask_for_resolve(&mut h);
    let out = h.model_calls(
        "call_again",
        "set_conversation_state",
        json!({"next_state": "resolve"}),
    );
    assert!(session_updates(&out).is_empty());
    let (_, answer) = tool_outputs(&out).pop().expect("answered at once");
    assert_eq!(answer["status"], "error", "{answer}");
    h.model(updated(&asked));
    assert_eq!(h.session.state(), Some("resolve"));
}

#[test]
fn a_lost_connection_refuses_the_waiting_change() {
    let mut h = ready();
    ask_for_resolve(&mut h);
    h.session
        .handle_input(switchboard_engine::Input::UpstreamLost, h.now);
    let out = h.drain();
    assert_eq!(h.session.state(), Some("verify"));
    assert!(guards(&out).contains(&GuardDecision::SessionUpdateRefused));
    let plan = out
        .iter()
        .find_map(|o| match o {
            Output::Rollover(plan) => Some(plan),
            _ => None,
        })
        .expect("a rollover plan");
    assert_eq!(state_of(&plan.session).as_deref(), Some("verify"));
}

fn assert_refused(h: &Harness, out: &[Output]) {
    assert_eq!(h.session.state(), Some("verify"));
    assert!(transitions(out).is_empty());
    let answer = state_tool_answer(out).expect("the call is answered");
    assert_eq!(answer["status"], "error", "{answer}");
    assert!(guards(out).contains(&GuardDecision::SessionUpdateRefused));
    assert!(records(out).iter().any(|r| matches!(r,
        Record::ToolCall { name, outcome: ToolOutcome::Refused, .. } if name == "set_conversation_state")));
    assert!(!h.session.turn_in_progress() || to_model_types(out).contains(&"response.create"));
}

/// What the scripted model and caller do next.
#[derive(Debug, Clone)]
enum Step {
    /// The model looks the account up (the slot `resolve` requires).
    Lookup,
    /// The model asks for a state.
    Change(&'static str),
    /// The model answers the oldest `session.update` it has not answered.
    Answer(Answer),
    /// The caller asks for another voice.
    CallerVoice,
    /// The model speaks (after which the voice is fixed upstream).
    Speaks,
    /// Time passes.
    Advance(u64),
}

#[derive(Debug, Clone)]
enum Answer {
    Confirm,
    Refuse(Option<&'static str>),
    OtherInstructions,
}

fn step() -> impl Strategy<Value = Step> {
    let states = prop_oneof![Just("resolve"), Just("verify"), Just("nowhere")];
    let params = prop_oneof![
        Just(Some("session.audio.output.voice")),
        Just(Some("session.instructions")),
        Just(Some("session.tools")),
        Just(None),
    ];
    let answers = prop_oneof![
        5 => Just(Answer::Confirm),
        3 => params.prop_map(Answer::Refuse),
        1 => Just(Answer::OtherInstructions),
    ];
    prop_oneof![
        1 => Just(Step::Lookup),
        3 => states.prop_map(Step::Change),
        6 => answers.prop_map(Step::Answer),
        2 => Just(Step::CallerVoice),
        1 => Just(Step::Speaks),
        1 => (0u64..2_000).prop_map(Step::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever the model answers, and whenever, the record's flow state is the state the
    /// model last acknowledged, and a caller only ever sees errors under its own event ids.
    #[test]
    fn the_recorded_state_is_the_one_the_model_last_acknowledged(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let mut h = Harness::agent();
        h.confirms_sessions = false;
        let mut unanswered: VecDeque<(String, Session)> = VecDeque::new();
        let mut acknowledged = "verify".to_owned();
        let mut caller_ids: Vec<String> = Vec::new();
        let mut calls = 0u32;
        for step in steps {
            let out = match step {
                Step::Lookup => {
                    calls += 1;
                    let mut out = h.model_calls(&format!("call_{calls}"), "lookup_account",
                        json!({"email_or_phone": "4155551234"}));
                    out.extend(h.advance(Duration::from_millis(1)));
                    out
                }
                Step::Change(next) => {
                    calls += 1;
                    h.model_calls(&format!("call_{calls}"), "set_conversation_state",
                        json!({"next_state": next}))
                }
                Step::Answer(answer) => match unanswered.pop_front() {
                    None => Vec::new(),
                    Some((id, asked)) => match answer {
                        Answer::Confirm => {
                            if let Some(state) = state_of(&asked) {
                                acknowledged = state;
                            }
                            h.model(updated(&asked))
                        }
                        Answer::Refuse(param) => h.model(refusal(&id, "invalid_value", param)),
                        Answer::OtherInstructions => {
                            let mut other = asked.clone();
                            other.instructions = Some("Something else entirely.".into());
                            h.model(updated(&other))
                        }
                    },
                },
                Step::CallerVoice => {
                    let id = format!("evt_c{}", caller_ids.len());
                    caller_ids.push(id.clone());
                    h.caller(json!({"type":"session.update","event_id":id,
                        "session":{"type":"realtime","audio":{"output":{"voice":"cedar"}}}}))
                }
                Step::Speaks => {
                    calls += 1;
                    h.model_speaks(&format!("item_{calls}"), "One moment.", 4_800)
                }
                Step::Advance(ms) => h.advance(Duration::from_millis(ms)),
            };
            for (id, session) in session_updates(&out) {
                let id = id.expect("every session.update carries an event id");
                prop_assert!(!caller_ids.contains(&id), "the engine's own id, not the caller's");
                unanswered.push_back((id, session));
            }
            for error in caller_errors(&out) {
                let id = error.event_id.as_ref().map(|id| id.as_str().to_owned());
                prop_assert!(id.is_none_or(|id| caller_ids.contains(&id)), "{error:?}");
            }
            prop_assert_eq!(h.session.state(), Some(acknowledged.as_str()));
            prop_assert!(unanswered.len() <= 1, "one session.update at a time");
        }
        let path = transitions(&h.out);
        let mut at = "verify".to_owned();
        for (from, to) in path {
            prop_assert_eq!(&from, &at);
            at = to;
        }
        prop_assert_eq!(at, acknowledged);
        prop_assert!(!h.out.iter().any(|o| matches!(o,
            Output::ToCaller(ServerEvent::Error(e)) if e.error.event_id.as_ref().is_some_and(|id| id.as_str().starts_with("event_sb")))));
    }
}
