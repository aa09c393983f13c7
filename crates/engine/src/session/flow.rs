//! The dynamic flow: states, allowed transitions, slots captured from tools.

use super::*;

impl Session {
    pub(super) fn change_state(&mut self, call_id: CallId, args: &Value, now: Instant) {
        let next = args
            .get("next_state")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let (Some(flow), Some(current)) = (&self.agent.file.dynamic, self.state.clone()) else {
            let why = "this agent has no conversation states".to_owned();
            return self.fail_call(
                call_id,
                STATE_TOOL,
                args.clone(),
                ToolOutcome::Refused,
                why,
                now,
            );
        };
        let Some(state) = flow.states.iter().find(|s| s.id == current) else {
            return;
        };
        let refusal = if !state.transitions.contains(&next) {
            let allowed = if state.transitions.is_empty() {
                "none (this state is terminal)".to_owned()
            } else {
                state.transitions.join(", ")
            };
            Some(format!(
                "cannot switch from `{current}` to `{next}`; allowed: {allowed}"
            ))
        } else {
            let missing: Vec<&str> = state
                .requires
                .iter()
                .filter(|r| !self.slots.contains_key(*r))
                .map(String::as_str)
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "cannot leave `{current}` yet: missing {}",
                    missing.join(", ")
                )
            })
        };
        if let Some(why) = refusal {
            self.guard(GuardDecision::TransitionRefused, why.clone());
            let result = json!({"status": "error", "error": why});
            self.answer(
                &call_id,
                STATE_TOOL,
                args.clone(),
                ToolOutcome::Refused,
                result,
                Duration::ZERO,
            );
            return;
        }
        self.state = Some(next.clone());
        self.record(Record::Transition {
            from: current,
            to: next.clone(),
        });
        let session = self.effective_session();
        self.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session,
        }));
        let result = json!({"status": "ok", "state": next});
        self.answer(
            &call_id,
            STATE_TOOL,
            args.clone(),
            ToolOutcome::Ok,
            result,
            Duration::ZERO,
        );
    }

    pub(super) fn capture_slots(&mut self, tool: &str, args: &Value, result: &Value) {
        let Some(flow) = &self.agent.file.dynamic else {
            return;
        };
        for slot in flow.slots.iter().filter(|s| s.tool == tool) {
            let value = match &slot.from {
                SlotSource::Argument(name) => args.get(name).cloned(),
                SlotSource::Result(path) => path
                    .split('.')
                    .try_fold(result, |v, key| v.get(key))
                    .cloned(),
            };
            if let Some(value) = value.filter(|v| !v.is_null()) {
                self.slots.insert(slot.name.clone(), value);
            }
        }
    }
}
