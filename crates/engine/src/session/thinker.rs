//! The supervisor (thinker) exchange, as a sans-IO sub-state.
//!
//! The responder calls the supervisor tool; the engine builds the Chat Completions request
//! itself (the supervisor's instructions as the system message, the call so far and the
//! responder's context as one user message, the supervisor's tools as function tools) and
//! hands it to the driver ([`Output::SupervisorRequest`]). The driver only POSTs it and feeds
//! the body back as it arrives ([`Input::SupervisorChunk`], [`Input::SupervisorStreamEnded`]);
//! the engine reads it with `wire::chat`'s [`ReplyReader`] (server-sent events, chunks,
//! tool-call deltas by index, a size bound).
//!
//! A reply with tool calls becomes ordinary tool calls: each goes through the path the
//! responder's calls take (`run_agent_tool`: the tool's state, its schema and limits, its
//! consent rule, fixtures answered here, webhooks through [`Output::RunTool`]), is recorded as
//! a `ToolCall` after a `supervisor_tool_call` guard that marks it as the supervisor's, and
//! counts towards escalation when it fails. Only the result's destination differs: it goes
//! back to the supervisor as a `tool` message instead of to the model. A confirmation-first
//! tool never runs for the supervisor, which cannot hear the caller agree. When every call of
//! a round is answered the next request goes out, at most [`MAX_TOOL_ROUNDS`] times.
//!
//! The final text is made speakable and answers the responder's call. Whatever goes wrong
//! (the endpoint, the stream, an empty answer, too many rounds, the deadline) answers it with
//! the agent's fallback line and counts as a failed attempt of the supervisor tool.

use switchboard_agent::model::Supervisor;
use switchboard_wire::chat::{self, Message, Progress, Reply, ReplyReader};

use super::tools::By;
use super::*;
use crate::io::{SupervisorFailure, SupervisorRequest, SupervisorRequestId};

/// How many rounds of tool calls the supervisor may make before it must answer: the
/// question, up to this many rounds of results, then one last request.
pub(super) const MAX_TOOL_ROUNDS: u32 = 5;

/// How long the supervisor has when the agent file does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);

/// Every supervisor exchange in progress, and the tool calls they are waiting on.
#[derive(Debug, Default)]
pub(super) struct Thinking {
    /// By the responder's supervisor call each exchange answers.
    exchanges: BTreeMap<CallId, Exchange>,
    /// The supervisor's tool calls not answered yet: the engine's call id → the exchange.
    /// Kept past the exchange's end, so a late result is recorded and goes nowhere.
    calls: BTreeMap<CallId, CallId>,
}

impl Thinking {
    /// Whether a question is waiting for the supervisor.
    pub(super) fn busy(&self) -> bool {
        !self.exchanges.is_empty()
    }

    /// Each waiting question's deadline, when the fallback line answers instead.
    pub(super) fn deadlines(&self) -> impl Iterator<Item = (&CallId, Instant)> {
        self.exchanges.iter().map(|(id, e)| (id, e.deadline))
    }

    /// Whether `call_id` is one of the supervisor's tool calls, not yet answered.
    pub(super) fn owns(&self, call_id: &CallId) -> bool {
        self.calls.contains_key(call_id)
    }
}

/// One question being answered.
#[derive(Debug)]
struct Exchange {
    /// When the responder asked.
    asked: Instant,
    /// When the fallback line answers instead.
    deadline: Instant,
    /// The conversation with the supervisor so far, sent again each round.
    request: chat::Request,
    /// The request in flight (from 1).
    round: u32,
    stage: Stage,
}

#[derive(Debug)]
enum Stage {
    /// Reading the reply to the request of this round.
    Reading(ReplyReader),
    /// The reply called tools: their results, in the order it called them.
    Calling(Vec<PendingCall>),
}

#[derive(Debug)]
struct PendingCall {
    /// The engine's id for the call (unique per exchange and round).
    call_id: CallId,
    /// The supervisor's id for it, which its `tool` message names.
    supervisor_id: String,
    /// The output, once answered.
    output: Option<Value>,
}

impl Session {
    /// The responder asked the supervisor: send the first request, and fill the silence.
    pub(super) fn ask_supervisor(&mut self, call_id: CallId, args: &Value, now: Instant) {
        let Some(s) = self.agent.file.supervisor.clone() else {
            return;
        };
        let context = args
            .get("relevantContextFromLastUserMessage")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let deadline = now + s.timeout_ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        let request = self.first_request(&s, context);
        self.thinking.exchanges.insert(
            call_id.clone(),
            Exchange {
                asked: now,
                deadline,
                request: request.clone(),
                round: 1,
                stage: Stage::Reading(ReplyReader::default()),
            },
        );
        self.outputs
            .push_back(Output::SupervisorRequest(SupervisorRequest {
                id: SupervisorRequestId { call_id, round: 1 },
                request,
                deadline,
            }));
        let silent = self
            .calling_response
            .as_ref()
            .is_none_or(|r| !self.audio_responses.contains(r));
        if silent && !s.fillers.is_empty() {
            let filler = self.next_phrase(&s.tool_name, &s.fillers);
            self.guard(
                GuardDecision::SupervisorFiller,
                format!("the model said nothing while asking: “{filler}”"),
            );
            self.say_out_of_band(&filler);
        }
    }

    /// The question's request: the supervisor's instructions, then one user message with the
    /// call so far and the responder's summary of the latest turn (the layout of the guide's
    /// `getNextResponseFromSupervisor`: the supervisor reads the transcript as a record to act
    /// on, not as turns of its own conversation), and its tools in the order
    /// `supervisor.tools` names them.
    fn first_request(&self, s: &Supervisor, context: &str) -> chat::Request {
        let mut history = String::new();
        for (speaker, text) in &self.history {
            let who = match speaker {
                Speaker::Caller => "Caller",
                Speaker::Agent => "Agent",
            };
            history.push_str(who);
            history.push_str(": ");
            history.push_str(text.trim());
            history.push('\n');
        }
        if history.is_empty() {
            history.push_str("(nothing said yet)\n");
        }
        let context = match context.trim() {
            "" => "(none)",
            context => context,
        };
        // Names that are not tools of the agent are the linter's to report; offering them
        // would only invite calls that cannot run.
        let tools = s
            .tools
            .iter()
            .filter_map(|name| self.agent.tools.get(name))
            .map(|spec| {
                chat::Tool::function(
                    &spec.tool.name,
                    &spec.tool.description,
                    spec.tool.parameters.clone(),
                )
            })
            .collect();
        chat::Request {
            model: String::new(),
            messages: vec![
                Message::system(s.instructions.clone()),
                Message::user(format!(
                    "==== Conversation History ====\n{history}\n==== Relevant Context From Last User Message ====\n{context}\n"
                )),
            ],
            tools,
            tool_choice: None,
            stream: true,
            stream_options: None,
        }
    }

    /// More of a reply arrived.
    pub(super) fn supervisor_bytes(
        &mut self,
        id: &SupervisorRequestId,
        bytes: &[u8],
        now: Instant,
    ) {
        // Bytes of an exchange that has ended (answered, or out of time), or of a round whose
        // reply is already whole, are leftovers.
        let Some(reader) = self.reading(id) else {
            return;
        };
        match reader.push(bytes) {
            Ok(Progress::More) => {}
            Ok(Progress::Complete(reply)) => self.supervisor_read(&id.call_id, reply, now),
            Err(e) => {
                let why = format!("the supervisor endpoint {e}");
                self.supervisor_replied(&id.call_id, Err(ToolError::Failed(why)), now);
            }
        }
    }

    /// A reply ended: whole, or not.
    pub(super) fn supervisor_stream_ended(
        &mut self,
        id: &SupervisorRequestId,
        result: Result<(), SupervisorFailure>,
        now: Instant,
    ) {
        let Some(exchange) = self.thinking.exchanges.get_mut(&id.call_id) else {
            // The end of a reply to a question already answered (its `[DONE]` came first, or
            // its deadline) is expected; one for a call never asked is worth a record.
            if !self.handled_calls.contains(&id.call_id) {
                self.guard(
                    GuardDecision::UnknownSupervisorReply,
                    format!(
                        "a reply arrived for `{}`, which was never asked",
                        id.call_id
                    ),
                );
            }
            return;
        };
        if exchange.round != id.round {
            return;
        }
        let Stage::Reading(reader) = &mut exchange.stage else {
            // The reply was whole at its `[DONE]`; the end of the body adds nothing.
            return;
        };
        let reader = std::mem::take(reader);
        let read = match result {
            Ok(()) => reader
                .end()
                .map_err(|e| format!("the supervisor endpoint {e}")),
            Err(failure) => Err(failure.to_string()),
        };
        match read {
            Ok(reply) => self.supervisor_read(&id.call_id, reply, now),
            Err(why) => self.supervisor_replied(&id.call_id, Err(ToolError::Failed(why)), now),
        }
    }

    /// The reader of the reply `id` answers, if it is still being read.
    fn reading(&mut self, id: &SupervisorRequestId) -> Option<&mut ReplyReader> {
        let exchange = self.thinking.exchanges.get_mut(&id.call_id)?;
        match &mut exchange.stage {
            Stage::Reading(reader) if exchange.round == id.round => Some(reader),
            _ => None,
        }
    }

    /// A whole reply: the answer, or tool calls to run.
    fn supervisor_read(&mut self, question: &CallId, reply: Reply, now: Instant) {
        if reply.tool_calls.is_empty() {
            let outcome = match reply.content.trim() {
                "" => Err(ToolError::Failed(
                    "the supervisor answered with no text".to_owned(),
                )),
                answer => Ok(answer.to_owned()),
            };
            return self.supervisor_replied(question, outcome, now);
        }
        let Some(exchange) = self.thinking.exchanges.get_mut(question) else {
            return;
        };
        let round = exchange.round;
        if round > MAX_TOOL_ROUNDS {
            let why =
                format!("the supervisor was still calling tools after {MAX_TOOL_ROUNDS} rounds");
            return self.supervisor_replied(question, Err(ToolError::Failed(why)), now);
        }
        exchange.request.messages.push(reply.to_message());
        // Every call is pending before any runs: one answered at once must not find the
        // round complete while the others are still to start.
        let pending: Vec<PendingCall> = reply
            .tool_calls
            .iter()
            .enumerate()
            .map(|(position, call)| PendingCall {
                call_id: CallId::new(format!("{question}/{round}/{position}")),
                supervisor_id: call.id.clone(),
                output: None,
            })
            .collect();
        let ids: Vec<CallId> = pending.iter().map(|p| p.call_id.clone()).collect();
        exchange.stage = Stage::Calling(pending);
        let until = exchange.deadline;
        for id in &ids {
            self.thinking.calls.insert(id.clone(), question.clone());
        }
        // The supervisor's calls belong to no model response.
        let calling = self.calling_response.take();
        for (call_id, call) in ids.into_iter().zip(reply.tool_calls) {
            self.supervisor_calls(question, call_id, call, until, now);
        }
        self.calling_response = calling;
    }

    /// One of the supervisor's calls, through the same path as the responder's.
    fn supervisor_calls(
        &mut self,
        question: &CallId,
        call_id: CallId,
        call: chat::ToolCall,
        until: Instant,
        now: Instant,
    ) {
        let name = call.function.name;
        self.guard_tool(
            GuardDecision::SupervisorToolCall,
            &name,
            format!(
                "the supervisor, answering `{question}`, called `{name}` (its call `{}`) as `{call_id}`",
                call.id
            ),
        );
        self.handled_calls.insert(call_id.clone());
        let offered = self
            .agent
            .file
            .supervisor
            .as_ref()
            .is_some_and(|s| s.tools.contains(&name))
            && self.agent.tools.contains_key(&name);
        if !offered {
            let why = format!("`{name}` is not one of your tools");
            return self.fail_call(call_id, &name, Value::Null, ToolOutcome::Invalid, why, now);
        }
        let arguments = call.function.arguments;
        let parsed = if arguments.trim().is_empty() {
            Ok(json!({}))
        } else {
            serde_json::from_str::<Value>(&arguments)
                .map_err(|e| format!("the arguments for `{name}` are not JSON: {e}"))
        };
        let args = match parsed {
            Ok(args @ Value::Object(_)) => args,
            Ok(_) => {
                let why = format!("the arguments for `{name}` must be a JSON object");
                return self.fail_call(call_id, &name, Value::Null, ToolOutcome::Invalid, why, now);
            }
            Err(why) => {
                return self.fail_call(call_id, &name, Value::Null, ToolOutcome::Invalid, why, now);
            }
        };
        self.run_agent_tool(call_id, &name, args, By::Supervisor { until }, now);
    }

    /// A confirmation-first tool called by the supervisor: held, with the reason. Only the
    /// responder can ask the caller, and the supervisor never hears the answer.
    pub(super) fn supervisor_needs_consent(&mut self, call_id: &CallId, name: &str, args: Value) {
        self.guard_tool(
            GuardDecision::SupervisorNeedsConsent,
            name,
            format!("the supervisor called `{name}` with {args}; only the caller can agree to it"),
        );
        let output = json!({
            "status": "confirmation_required",
            "message": format!(
                "Nothing was done. `{name}` needs the caller's agreement, which only the agent on the call can ask for. Do not call it; tell the agent what to ask the caller instead."
            ),
        });
        self.answer(
            call_id,
            name,
            args,
            ToolOutcome::HeldForConfirmation,
            output,
            Duration::ZERO,
        );
    }

    /// One of the supervisor's calls was answered (its record is written): the output goes
    /// back to the supervisor, and once the round is complete the next request goes out.
    pub(super) fn supervisor_tool_answered(&mut self, call_id: &CallId, output: Value) {
        let Some(question) = self.thinking.calls.remove(call_id) else {
            return;
        };
        // The question may have ended meanwhile (out of time): the result goes nowhere.
        let Some(exchange) = self.thinking.exchanges.get_mut(&question) else {
            return;
        };
        let Stage::Calling(pending) = &mut exchange.stage else {
            return;
        };
        if let Some(p) = pending.iter_mut().find(|p| &p.call_id == call_id) {
            p.output = Some(output);
        }
        if pending.iter().any(|p| p.output.is_none()) {
            return;
        }
        for p in std::mem::take(pending) {
            let content = p.output.unwrap_or(Value::Null).to_string();
            exchange
                .request
                .messages
                .push(Message::tool(p.supervisor_id, content));
        }
        exchange.round += 1;
        exchange.stage = Stage::Reading(ReplyReader::default());
        let next = SupervisorRequest {
            id: SupervisorRequestId {
                call_id: question,
                round: exchange.round,
            },
            request: exchange.request.clone(),
            deadline: exchange.deadline,
        };
        self.outputs.push_back(Output::SupervisorRequest(next));
    }

    /// The supervisor answered (or did not): the responder gets speakable text to rephrase,
    /// or the fallback line.
    pub(super) fn supervisor_replied(
        &mut self,
        call_id: &CallId,
        outcome: Result<String, ToolError>,
        now: Instant,
    ) {
        let Some(exchange) = self.thinking.exchanges.remove(call_id) else {
            self.guard(
                GuardDecision::UnknownSupervisorReply,
                format!("a reply arrived for `{call_id}`, which is not waiting"),
            );
            return;
        };
        let Some(s) = self.agent.file.supervisor.clone() else {
            return;
        };
        let duration = now.saturating_duration_since(exchange.asked);
        self.record(Record::Latency {
            kind: LatencyKind::SupervisorQuestionToAnswer,
            duration,
        });
        match outcome {
            Ok(text) => {
                let openers: Vec<String> = s
                    .rephrase
                    .openers
                    .iter()
                    .map(|o| format!("“{o}”"))
                    .collect();
                let result = json!({
                    "status": "ok",
                    "answer": switchboard_speech::make_speakable(&text),
                    "how_to_say_it": format!(
                        "Rephrase Supervisor: start with a brief opener ({}), then at most {} sentences.",
                        openers.join(", "),
                        s.rephrase.max_sentences
                    ),
                });
                self.clear_failures(&s.tool_name);
                self.tools_run.push((s.tool_name.clone(), ToolOutcome::Ok));
                self.answer(
                    call_id,
                    &s.tool_name,
                    json!({}),
                    ToolOutcome::Ok,
                    result,
                    duration,
                );
            }
            Err(error) => {
                let fallback = s.fallback.clone().unwrap_or_else(|| {
                    "I’m sorry, I can’t get that information right now.".to_owned()
                });
                let why = match &error {
                    ToolError::Timeout => "the supervisor did not answer in time".to_owned(),
                    ToolError::Failed(why) => why.clone(),
                };
                let why = format!("{why}. Say: “{fallback}”");
                self.fail_call_after(
                    call_id.clone(),
                    &s.tool_name,
                    json!({}),
                    error.outcome(),
                    why,
                    duration,
                );
            }
        }
    }
}
