//! The supervisor (thinker) exchange.

use super::*;

impl Session {
    /// The responder asked the supervisor: yield the question, and fill the silence.
    pub(super) fn ask_supervisor(&mut self, call_id: CallId, args: &Value, now: Instant) {
        let Some(s) = self.agent.file.supervisor.clone() else {
            return;
        };
        let context = args
            .get("relevantContextFromLastUserMessage")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let deadline = now
            + s.timeout_ms
                .map_or(Duration::from_secs(8), Duration::from_millis);
        self.asking.insert(call_id.clone(), (deadline, now));
        self.outputs
            .push_back(Output::AskSupervisor(SupervisorQuestion {
                session_id: self.config.id.clone(),
                call_id,
                context: context.to_owned(),
                transcript: self.history.clone(),
                instructions: s.instructions.clone(),
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

    /// The supervisor answered (or did not): the responder gets speakable text to rephrase,
    /// or the fallback line.
    pub(super) fn supervisor_replied(
        &mut self,
        call_id: &CallId,
        outcome: Result<String, ToolError>,
        now: Instant,
    ) {
        let Some((_, asked)) = self.asking.remove(call_id) else {
            self.guard(
                GuardDecision::UnknownSupervisorReply,
                format!("a reply arrived for `{call_id}`, which is not waiting"),
            );
            return;
        };
        let Some(s) = self.agent.file.supervisor.clone() else {
            return;
        };
        let duration = now.saturating_duration_since(asked);
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
                self.failures.remove(&s.tool_name);
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
