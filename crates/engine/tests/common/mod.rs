//! A scripted model and caller around a `Session`, with a fake clock.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_engine::{
    CompiledAgent, Input, Output, Record, Session, SessionConfig, ToolError, ToolOutcome,
};
use switchboard_wire::{ClientEvent, ServerEvent};

/// A NorthLoop-like agent with one tool of each kind, escalation and a dynamic flow.
pub const AGENT: &str = r#"
name: test-agent
role: You are NorthLoop Internet Support.
audio: {lock_turn_detection: true}
tools:
  - name: lookup_account
    description: Fetch the account.
    parameters:
      type: object
      properties: {email_or_phone: {type: string, minLength: 3}}
      required: [email_or_phone]
    run:
      fixtures:
        - when: {email_or_phone: "4155551234"}
          result: {account_id: "A-100", plan: "fiber"}
        - error: not found
  - name: refund_credit
    description: Issue a credit.
    behaviour: confirmation_first
    confirmation_phrase: I can issue a credit for this outage—would you like me to go ahead?
    access: write
    parameters:
      type: object
      properties: {account_id: {type: string}, minutes: {type: integer}}
      required: [account_id, minutes]
    limits: {arguments: {minutes: {max: 60}}, timeout_ms: 2000}
    run: {webhook: {url: "https://tools.example/refund"}}
  - name: check_outage
    description: Check outages.
    behaviour: preamble
    preamble_phrases: ["Let me check {address} now.", One sec—checking the network status.]
    parameters: {type: object, properties: {address: {type: string}}}
    run:
      fixtures:
        - result: {outage: false}
          delay_ms: 1500
common_tools: [finish_session]
escalation:
  triggers: [User asks for a human]
  say: Thanks for your patience—I’m connecting you with a specialist now.
dynamic:
  initial: verify
  states:
    - id: verify
      instructions: [Ask for the phone number.]
      tools: [lookup_account, check_outage]
      transitions: [resolve]
      requires: [account_id]
    - id: resolve
      instructions: [Offer a credit.]
      tools: [refund_credit]
  slots:
    - name: account_id
      tool: lookup_account
      from: {result: account_id}
      readback: true
"#;

pub struct Harness {
    pub session: Session,
    pub now: Instant,
    pub out: Vec<Output>,
    /// Whether the scripted model answers every `session.update` it is sent with the
    /// `session.updated` that confirms it, as the Realtime API does. Tests of refusals turn it
    /// off and answer themselves.
    pub confirms_sessions: bool,
    next: u64,
}

impl Harness {
    pub fn new(yaml: &str) -> Self {
        let file = switchboard_agent::load(yaml)
            .expect("test agent loads")
            .agent;
        let agent = Arc::new(CompiledAgent::new(file).expect("test agent compiles"));
        let now = Instant::now();
        let mut h = Self {
            session: Session::new(agent, SessionConfig::new("sess_test"), now),
            now,
            out: Vec::new(),
            confirms_sessions: true,
            next: 0,
        };
        let got = h.drain();
        h.confirm_sessions(got);
        h
    }

    pub fn agent() -> Self {
        Self::new(AGENT)
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_{}", self.next)
    }

    /// Collects outputs, running timeouts that are due.
    pub fn drain(&mut self) -> Vec<Output> {
        let mut got = Vec::new();
        while let Some(o) = self.session.poll_output() {
            got.push(o);
        }
        self.out.extend(got.iter().cloned());
        got
    }

    /// Advances the fake clock, firing every deadline on the way.
    pub fn advance(&mut self, by: Duration) -> Vec<Output> {
        let until = self.now + by;
        let mut got = Vec::new();
        while let Some(at) = self.session.poll_timeout().filter(|at| *at <= until) {
            self.now = self.now.max(at);
            self.session.handle_timeout(self.now);
            let drained = self.drain();
            got.extend(self.confirm_sessions(drained));
        }
        self.now = until;
        got
    }

    pub fn model(&mut self, event: Value) -> Vec<Output> {
        let event = ServerEvent::from_value(event).expect("scripted model events are valid");
        self.session.handle_input(Input::Model(event), self.now);
        let got = self.drain();
        self.confirm_sessions(got)
    }

    pub fn caller(&mut self, event: Value) -> Vec<Output> {
        let event = ClientEvent::from_value(event).expect("scripted caller events are valid");
        self.session.handle_input(Input::Caller(event), self.now);
        let got = self.drain();
        self.confirm_sessions(got)
    }

    /// When the model confirms sessions, answers each `session.update` in `got` with a
    /// `session.updated` reporting what was asked; returns `got` with what that caused.
    fn confirm_sessions(&mut self, mut got: Vec<Output>) -> Vec<Output> {
        if !self.confirms_sessions {
            return got;
        }
        let asked: Vec<switchboard_wire::Session> = got
            .iter()
            .filter_map(|o| match o {
                Output::ToModel(ClientEvent::SessionUpdate(u)) => Some(u.session.clone()),
                _ => None,
            })
            .collect();
        for session in asked {
            let mut session = serde_json::to_value(&session).expect("serializable");
            session["object"] = json!("realtime.session");
            session["id"] = json!("sess_model");
            let event_id = self.id("event");
            got.extend(
                self.model(json!({"type":"session.updated","event_id":event_id,"session":session})),
            );
        }
        got
    }

    /// A model response that calls one function, in the GA event order.
    pub fn model_calls(&mut self, call_id: &str, name: &str, args: Value) -> Vec<Output> {
        let resp = self.id("resp");
        let item = self.id("item");
        let args = args.to_string();
        let mut got = Vec::new();
        for event in [
            json!({"type":"response.created","event_id":self.id("event"),"response":{"id":resp,"status":"in_progress","output":[]}}),
            json!({"type":"response.output_item.added","event_id":self.id("event"),"response_id":resp,"output_index":0,
                   "item":{"type":"function_call","id":item,"call_id":call_id,"name":name,"arguments":"","status":"in_progress"}}),
            json!({"type":"response.function_call_arguments.done","event_id":self.id("event"),"response_id":resp,"item_id":item,
                   "output_index":0,"call_id":call_id,"name":name,"arguments":args}),
            json!({"type":"response.output_item.done","event_id":self.id("event"),"response_id":resp,"output_index":0,
                   "item":{"type":"function_call","id":item,"call_id":call_id,"name":name,"arguments":args,"status":"completed"}}),
            // As upstream does, the finished response lists its output again.
            json!({"type":"response.done","event_id":self.id("event"),"response":{"id":resp,"status":"completed",
                   "output":[{"type":"function_call","id":item,"call_id":call_id,"name":name,"arguments":args,"status":"completed"}]}}),
        ] {
            got.extend(self.model(event));
        }
        got
    }

    /// A model response with several output items in order, as the newer models make them:
    /// spoken messages and function calls. With `done`, the response ends; without, it stays
    /// open (the test sends `response.done` itself). Returns the response id and the outputs.
    pub fn model_response(&mut self, parts: &[Part], done: bool) -> (String, Vec<Output>) {
        let resp = self.id("resp");
        let mut got = self.model_event(json!({"type":"response.created",
            "response":{"id":resp,"status":"in_progress","output":[]}}));
        let mut listed = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            let (opened, finished) = part.items(&format!("item_{resp}_{index}"));
            got.extend(self.model_event(json!({"type":"response.output_item.added",
                "response_id":resp,"output_index":index,"item":opened})));
            let id = opened["id"].as_str().expect("items have ids").to_owned();
            match part {
                Part::Say { transcript, bytes } => {
                    let chunk = "A".repeat(bytes / 3 * 4);
                    for event in [
                        json!({"type":"response.content_part.added","response_id":resp,"item_id":id,"output_index":index,
                            "content_index":0,"part":{"type":"audio","transcript":""}}),
                        json!({"type":"response.output_audio.delta","response_id":resp,"item_id":id,"output_index":index,
                            "content_index":0,"delta":chunk}),
                        json!({"type":"response.output_audio_transcript.delta","response_id":resp,"item_id":id,
                            "output_index":index,"content_index":0,"delta":transcript}),
                        json!({"type":"response.output_audio.done","response_id":resp,"item_id":id,"output_index":index,
                            "content_index":0}),
                        json!({"type":"response.output_audio_transcript.done","response_id":resp,"item_id":id,
                            "output_index":index,"content_index":0,"transcript":transcript}),
                        json!({"type":"response.content_part.done","response_id":resp,"item_id":id,"output_index":index,
                            "content_index":0,"part":{"type":"audio","transcript":transcript}}),
                    ] {
                        got.extend(self.model_event(event));
                    }
                }
                Part::Call {
                    call_id,
                    name,
                    args,
                } => {
                    got.extend(self.model_event(json!({"type":"response.function_call_arguments.done",
                        "response_id":resp,"item_id":id,"output_index":index,"call_id":call_id,"name":name,
                        "arguments":args.to_string()})));
                }
            }
            got.extend(self.model_event(json!({"type":"response.output_item.done",
                "response_id":resp,"output_index":index,"item":finished})));
            listed.push(finished);
        }
        if done {
            got.extend(self.model_event(json!({"type":"response.done",
                "response":{"id":resp,"status":"completed","output":listed}})));
        }
        (resp, got)
    }

    /// A model event, given a fresh event id.
    fn model_event(&mut self, mut event: Value) -> Vec<Output> {
        event["event_id"] = json!(self.id("event"));
        self.model(event)
    }

    /// The caller says something (as the model's input transcription reports it).
    pub fn caller_says(&mut self, text: &str) -> Vec<Output> {
        let (item, event) = (self.id("item"), self.id("event"));
        self.model(json!({"type":"conversation.item.input_audio_transcription.completed","event_id":event,
            "item_id":item,"content_index":0,"transcript":text,"usage":{"type":"duration","seconds":1.0}}))
    }

    /// A model response that speaks `bytes` of PCM16 audio with `transcript`.
    pub fn model_speaks(&mut self, item: &str, transcript: &str, bytes: usize) -> Vec<Output> {
        let resp = self.id("resp");
        let chunk = "A".repeat(bytes / 3 * 4);
        let ids: Vec<String> = (0..4).map(|_| self.id("event")).collect();
        let events = [
            json!({"type":"response.created","event_id":ids[0],"response":{"id":resp,"status":"in_progress"}}),
            json!({"type":"response.output_audio.delta","event_id":ids[1],"response_id":resp,"item_id":item,
                "output_index":0,"content_index":0,"delta":chunk}),
            json!({"type":"response.output_audio_transcript.delta","event_id":ids[2],"response_id":resp,"item_id":item,
                "output_index":0,"content_index":0,"delta":transcript}),
            json!({"type":"response.done","event_id":ids[3],"response":{"id":resp,"status":"completed"}}),
        ];
        events.into_iter().flat_map(|e| self.model(e)).collect()
    }

    pub fn tool_result(&mut self, call_id: &str, outcome: Result<Value, String>) -> Vec<Output> {
        self.session.handle_input(
            Input::ToolResult {
                call_id: call_id.into(),
                outcome: outcome.map_err(ToolError::Failed),
            },
            self.now,
        );
        self.drain()
    }
}

/// The `session.update`s sent to the model in `out`, with their event ids.
pub fn session_updates(out: &[Output]) -> Vec<(Option<String>, switchboard_wire::Session)> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::SessionUpdate(u)) => Some((
                u.event_id.as_ref().map(|id| id.as_str().to_owned()),
                u.session.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// The `error`s sent to the caller in `out`.
pub fn caller_errors(out: &[Output]) -> Vec<switchboard_wire::RealtimeError> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToCaller(ServerEvent::Error(e)) => Some(e.error.clone()),
            _ => None,
        })
        .collect()
}

/// Guard decisions recorded in `out`.
pub fn guards(out: &[Output]) -> Vec<switchboard_engine::GuardDecision> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::Guard { decision, .. } => Some(*decision),
            _ => None,
        })
        .collect()
}

/// The details of the guard records with `decision`, in order.
pub fn guard_details(out: &[Output], decision: switchboard_engine::GuardDecision) -> Vec<String> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::Guard {
                decision: d,
                detail,
                ..
            } if *d == decision => Some(detail.clone()),
            _ => None,
        })
        .collect()
}

/// Function call outputs sent to the model, parsed.
pub fn tool_outputs(out: &[Output]) -> Vec<(String, Value)> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ConversationItemCreate(c)) => match &c.item {
                switchboard_wire::Item::FunctionCallOutput(f) => Some((
                    f.call_id.to_string(),
                    serde_json::from_str(&f.output).expect("outputs are JSON"),
                )),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub fn records(out: &[Output]) -> Vec<&Record> {
    out.iter()
        .filter_map(|o| {
            if let Output::Record(r) = o {
                Some(&r.record)
            } else {
                None
            }
        })
        .collect()
}

/// Calls that actually ran: webhook runs and fixture/tool results recorded as `ok`/`failed`/`timeout`.
pub fn executed(out: &[Output]) -> Vec<(String, String)> {
    records(out)
        .into_iter()
        .filter_map(|r| match r {
            Record::ToolCall {
                call_id,
                name,
                outcome: ToolOutcome::Ok | ToolOutcome::Failed | ToolOutcome::Timeout,
                ..
            } => Some((call_id.to_string(), name.clone())),
            _ => None,
        })
        .collect()
}

pub fn to_caller_types(out: &[Output]) -> Vec<&'static str> {
    out.iter()
        .filter_map(|o| {
            if let Output::ToCaller(e) = o {
                Some(e.event_type())
            } else {
                None
            }
        })
        .collect()
}

pub fn to_model_types(out: &[Output]) -> Vec<&'static str> {
    out.iter()
        .filter_map(|o| {
            if let Output::ToModel(e) = o {
                Some(e.event_type())
            } else {
                None
            }
        })
        .collect()
}

/// One output item of a scripted model response.
pub enum Part {
    /// A spoken message: `bytes` of PCM16 audio with `transcript`.
    Say { transcript: String, bytes: usize },
    /// A function call.
    Call {
        call_id: String,
        name: String,
        args: Value,
    },
}

impl Part {
    pub fn say(transcript: &str, bytes: usize) -> Self {
        Self::Say {
            transcript: transcript.to_owned(),
            bytes,
        }
    }

    pub fn call(call_id: &str, name: &str, args: Value) -> Self {
        Self::Call {
            call_id: call_id.to_owned(),
            name: name.to_owned(),
            args,
        }
    }

    /// The item as `output_item.added` and as `output_item.done` carry it.
    fn items(&self, id: &str) -> (Value, Value) {
        match self {
            Part::Say { transcript, .. } => (
                json!({"type":"message","id":id,"role":"assistant","status":"in_progress","content":[]}),
                json!({"type":"message","id":id,"role":"assistant","status":"completed",
                    "content":[{"type":"output_audio","transcript":transcript}]}),
            ),
            Part::Call {
                call_id,
                name,
                args,
            } => (
                json!({"type":"function_call","id":id,"call_id":call_id,"name":name,"arguments":"","status":"in_progress"}),
                json!({"type":"function_call","id":id,"call_id":call_id,"name":name,"arguments":args.to_string(),
                    "status":"completed"}),
            ),
        }
    }
}

/// The `response.create`s sent to the model in `out`.
pub fn response_creates(out: &[Output]) -> Vec<&switchboard_wire::ResponseCreate> {
    out.iter()
        .filter_map(|o| match o {
            Output::ToModel(ClientEvent::ResponseCreate(c)) => Some(c),
            _ => None,
        })
        .collect()
}
