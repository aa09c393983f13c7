//! The calls of one response, answered together. The newer Realtime models call several tools
//! in one response (`parallel_tool_calls`); the model is asked to go on only once the response
//! has ended and every one of its calls has an output, or it answers with half the results
//! and then again.
//!
//! Every call is also judged against the flow state the response was made in: a
//! `set_conversation_state` in the same response takes effect after the batch, so a model
//! cannot move to a state and use that state's tools in one breath. The move itself is judged
//! once the response has ended and the batch's other calls have their outputs, so a lookup
//! that captures what the state requires counts in whichever order the model made the two
//! calls and whenever its result comes back.

use std::collections::BTreeSet;

use serde_json::Value;
use switchboard_wire::{CallId, ResponseId};

/// The in-band responses whose calls are not all answered yet, oldest first.
#[derive(Debug, Default)]
pub(super) struct Batches {
    open: Vec<Batch>,
}

#[derive(Debug)]
struct Batch {
    response_id: ResponseId,
    /// The flow's state when the response began.
    state: Option<String>,
    /// Calls the engine answers that have no output yet.
    engine: BTreeSet<CallId>,
    /// Calls the client runs whose output the client has not sent yet.
    client: BTreeSet<CallId>,
    /// The client runs calls of this response: asking the model to go on is the client's.
    client_goes_on: bool,
    /// A `set_conversation_state` call waiting for the batch's other calls.
    deferred_move: Option<(CallId, Value)>,
    /// The response has ended: no more calls will come.
    ended: bool,
}

impl Batch {
    fn finished(&self) -> bool {
        self.ended && self.engine.is_empty() && self.client.is_empty()
    }
}

/// What finished batches leave to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Finished {
    /// A finished batch had calls the client ran: the client asks for the next response.
    pub(super) client_goes_on: bool,
}

impl Batches {
    /// An in-band response began, in flow state `state`.
    pub(super) fn response_started(&mut self, id: ResponseId, state: Option<String>) {
        if self.open.iter().any(|b| b.response_id == id) {
            return;
        }
        self.open.push(Batch {
            response_id: id,
            state,
            engine: BTreeSet::new(),
            client: BTreeSet::new(),
            client_goes_on: false,
            deferred_move: None,
            ended: false,
        });
    }

    /// The response ended (completed, cancelled, failed or lost).
    pub(super) fn response_ended(&mut self, id: &ResponseId) {
        if let Some(b) = self.open.iter_mut().find(|b| b.response_id == *id) {
            b.ended = true;
        }
    }

    /// The model connection is gone: its open responses will never end by themselves.
    pub(super) fn all_ended(&mut self) {
        for b in &mut self.open {
            b.ended = true;
        }
    }

    /// A call of `response` the engine answers.
    pub(super) fn engine_call(&mut self, response: &ResponseId, call: CallId) {
        if let Some(b) = self.find(response) {
            b.engine.insert(call);
        }
    }

    /// A call of `response` the client runs.
    pub(super) fn client_call(&mut self, response: &ResponseId, call: CallId) {
        if let Some(b) = self.find(response) {
            b.client.insert(call);
            b.client_goes_on = true;
        }
    }

    /// The model got the output of `call`, from the engine or the client.
    pub(super) fn answered(&mut self, call: &CallId) {
        for b in &mut self.open {
            b.engine.remove(call);
            b.client.remove(call);
        }
    }

    /// Whether `response` may still make calls, or calls of it other than `call` have no
    /// output yet: a move is judged after them.
    pub(super) fn others_pending(&self, response: &ResponseId, call: &CallId) -> bool {
        self.open
            .iter()
            .find(|b| b.response_id == *response)
            .is_some_and(|b| !b.ended || b.engine.iter().any(|c| c != call))
    }

    /// Keeps a move of `response` until its other calls have their outputs.
    pub(super) fn defer_move(&mut self, response: &ResponseId, call: CallId, args: Value) {
        if let Some(b) = self.find(response) {
            b.deferred_move = Some((call, args));
        }
    }

    /// A deferred move whose batch has no other call waiting: the move to judge now.
    pub(super) fn take_ready_move(&mut self) -> Option<(ResponseId, CallId, Value)> {
        self.open.iter_mut().find_map(|b| {
            let (call, _) = b.deferred_move.as_ref()?;
            if !b.ended || b.engine.iter().any(|c| c != call) {
                return None;
            }
            let (call, args) = b.deferred_move.take()?;
            Some((b.response_id.clone(), call, args))
        })
    }

    /// Whether a response is still going or a call of one still has no output.
    pub(super) fn waiting(&self) -> bool {
        self.open.iter().any(|b| !b.finished())
    }

    /// Drops the batches that are done, saying what they leave to do.
    pub(super) fn take_finished(&mut self) -> Finished {
        let mut finished = Finished::default();
        self.open.retain(|b| {
            if b.finished() {
                finished.client_goes_on |= b.client_goes_on;
                false
            } else {
                true
            }
        });
        finished
    }

    /// The flow state `response` was made in, when it is one of these.
    pub(super) fn state_of(&self, response: &ResponseId) -> Option<Option<&str>> {
        self.open
            .iter()
            .find(|b| b.response_id == *response)
            .map(|b| b.state.as_deref())
    }

    fn find(&mut self, response: &ResponseId) -> Option<&mut Batch> {
        self.open.iter_mut().find(|b| b.response_id == *response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ResponseId {
        ResponseId::new(s)
    }

    #[test]
    fn a_batch_waits_for_its_end_and_every_output() {
        let mut b = Batches::default();
        b.response_started(id("r1"), None);
        assert!(b.waiting(), "the response is still going");
        b.engine_call(&id("r1"), CallId::new("a"));
        b.engine_call(&id("r1"), CallId::new("b"));
        b.response_ended(&id("r1"));
        b.answered(&CallId::new("a"));
        assert!(b.waiting(), "`b` has no output");
        b.answered(&CallId::new("b"));
        assert!(!b.waiting());
        assert_eq!(b.take_finished(), Finished::default());
        assert!(b.open.is_empty());
    }

    #[test]
    fn a_batch_with_client_calls_leaves_going_on_to_the_client() {
        let mut b = Batches::default();
        b.response_started(id("r1"), Some("verify".into()));
        b.client_call(&id("r1"), CallId::new("c"));
        b.response_ended(&id("r1"));
        assert_eq!(b.state_of(&id("r1")), Some(Some("verify")));
        b.answered(&CallId::new("c"));
        assert!(b.take_finished().client_goes_on);
    }

    #[test]
    fn a_lost_connection_ends_every_response() {
        let mut b = Batches::default();
        b.response_started(id("r1"), None);
        b.all_ended();
        assert!(!b.waiting());
    }
}
