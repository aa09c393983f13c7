//! The session the model runs: every `session.update` the engine sends, and what the model
//! answered.
//!
//! The engine's view of the session (the flow's state, the caller's settings) is what the
//! model has confirmed, never what was only asked:
//!
//! - Updates go one at a time, each with an event id of its own, so an answer is known to be
//!   for the update in flight: `session.updated` (the Realtime API does not echo the id there)
//!   or an `error` naming the id. Later requests wait, and are built on the view as it stands
//!   when they are sent. The caller's events after its own waiting update wait with it, so the
//!   model gets them in the order the caller sent them.
//! - A caller's update applies once confirmed. Refused, it changes nothing, and the caller
//!   gets the model's error under its own event id.
//! - A state change is confirmed only by a `session.updated` that reports the instructions and
//!   tools that were asked; only then is the transition recorded and `set_conversation_state`
//!   answered ok. A refusal naming a field the state can do without (`param`) is retried once
//!   without it; any other refusal, or a confirmation of something else, refuses the
//!   transition (`session_update_refused`, the call answered with an error).
//! - An update the model leaves unanswered for [`UPDATE_TIMEOUT`] counts as refused, so
//!   nothing waits on it for ever (the caller is told, a state change is refused).

use super::*;

/// How long the model may take to answer a `session.update`.
pub(super) const UPDATE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the engine asks the model to change its session.
#[derive(Debug, Clone)]
pub(super) enum Request {
    /// The agent's configuration, when the call starts.
    Initial,
    /// A caller's `session.update`, with what the agent does not allow taken out.
    Caller {
        /// The caller's event id, under which it hears of a refusal.
        event_id: Option<EventId>,
        /// The caller's fields, without tools.
        patch: wire::Session,
        /// The caller's own tools, when the update declared tools.
        tools: Option<Vec<wire::Tool>>,
    },
    /// The dynamic flow moves, as the model asked with `set_conversation_state`.
    StateChange {
        call_id: CallId,
        args: Value,
        from: String,
        to: String,
        /// The response that made the call, for the records.
        response_id: Option<wire::ResponseId>,
    },
}

/// What the engine's view is made of: the flow's state and the caller's settings.
#[derive(Debug, Clone)]
struct View {
    state: Option<String>,
    caller: wire::Session,
    caller_tools: Vec<wire::Tool>,
}

/// The update the model has not answered yet.
#[derive(Debug)]
struct InFlight {
    event_id: EventId,
    request: Request,
    /// The view once the model confirms.
    view: View,
    /// What was sent.
    sent: wire::Session,
    /// Sent again once already, without a field the model refused.
    retried: bool,
    /// When it counts as refused if the model has not answered.
    deadline: Instant,
}

/// The `session.update` in flight and those waiting for it.
#[derive(Debug, Default)]
pub(super) struct Updates {
    in_flight: Option<InFlight>,
    queued: VecDeque<Request>,
    /// Caller events that came after a caller's update still waiting to be sent.
    held: VecDeque<ClientEvent>,
    /// Updates given up on: a refusal naming one of them comes too late to matter.
    abandoned: BTreeSet<EventId>,
}

impl Updates {
    /// Whether an update waits for the model's answer.
    pub(super) fn busy(&self) -> bool {
        self.in_flight.is_some() || !self.queued.is_empty()
    }

    /// Whether a state change waits for the model's answer.
    pub(super) fn changes_state(&self) -> bool {
        self.in_flight
            .iter()
            .map(|f| &f.request)
            .chain(&self.queued)
            .any(|r| matches!(r, Request::StateChange { .. }))
    }

    /// Whether a caller's update waits to be sent: the caller's next events wait behind it.
    pub(super) fn holds_caller(&self) -> bool {
        self.queued
            .iter()
            .any(|r| matches!(r, Request::Caller { .. }))
    }

    /// Keeps a caller event until the caller's update before it has been sent.
    pub(super) fn hold(&mut self, event: ClientEvent) {
        self.held.push_back(event);
    }

    /// Whether `event_id` names the update in flight.
    pub(super) fn in_flight_is(&self, event_id: Option<&EventId>) -> bool {
        event_id.is_some_and(|id| self.in_flight.as_ref().is_some_and(|f| f.event_id == *id))
    }

    /// Whether `event_id` names an update given up on.
    pub(super) fn abandoned(&self, event_id: Option<&EventId>) -> bool {
        event_id.is_some_and(|id| self.abandoned.contains(id))
    }

    /// When the update in flight counts as refused.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.in_flight.as_ref().map(|f| f.deadline)
    }
}

impl Session {
    /// Asks the model for a change of session: sent now, or once the update in flight has
    /// been answered.
    pub(super) fn ask_model(&mut self, request: Request) {
        self.updates.queued.push_back(request);
        self.send_next_update();
    }

    /// The agent's session for `state`, with the caller's settings and tools on top.
    pub(super) fn session_with(
        &self,
        state: Option<&str>,
        caller: &wire::Session,
        caller_tools: &[wire::Tool],
    ) -> wire::Session {
        let mut s = self.agent.session_for(state).clone();
        s.merge(caller.clone());
        if !caller_tools.is_empty() {
            let tools = s.tools.get_or_insert_with(Vec::new);
            // A caller's tool of the same name replaces the agent's, when the agent allows it.
            let declared = |name: &str| {
                caller_tools
                    .iter()
                    .any(|t| matches!(t, wire::Tool::Function(f) if f.name == name))
            };
            tools.retain(|t| !matches!(t, wire::Tool::Function(f) if declared(&f.name)));
            tools.extend(caller_tools.iter().cloned());
        }
        s
    }

    fn send_next_update(&mut self) {
        if self.updates.in_flight.is_some() || self.rolling_over() {
            return;
        }
        let Some(request) = self.updates.queued.pop_front() else {
            return;
        };
        let mut view = View {
            state: self.state.clone(),
            caller: self.caller_session.clone(),
            caller_tools: self.caller_tools.clone(),
        };
        match &request {
            Request::Initial => {}
            Request::Caller { patch, tools, .. } => {
                view.caller.merge(patch.clone());
                if let Some(tools) = tools {
                    view.caller_tools = tools.clone();
                }
            }
            Request::StateChange { to, .. } => view.state = Some(to.clone()),
        }
        let sent = self.session_with(view.state.as_deref(), &view.caller, &view.caller_tools);
        self.send_update(request, view, sent, false);
    }

    fn send_update(&mut self, request: Request, view: View, sent: wire::Session, retried: bool) {
        let event_id = self.event_id();
        self.send_to_model(ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: Some(event_id.clone()),
            session: sent.clone(),
        }));
        self.updates.in_flight = Some(InFlight {
            event_id,
            request,
            view,
            sent,
            retried,
            deadline: self.now + UPDATE_TIMEOUT,
        });
    }

    /// The model's `session.updated`: it answers the update in flight.
    pub(super) fn session_updated(&mut self, session: &wire::Session) {
        if let Some(format) = session.output_format() {
            self.output_format = format;
        }
        let Some(flight) = self.updates.in_flight.take() else {
            return;
        };
        let differs = differences(&flight.sent, session);
        match flight.request {
            Request::StateChange {
                call_id,
                args,
                from,
                to,
                response_id,
            } => {
                if let Some(differs) = differs {
                    let why = format!("the model's session.updated reports {differs}");
                    self.state_change_refused(call_id, args, &from, &to, response_id, &why);
                } else {
                    self.apply(flight.view);
                    self.state_change_confirmed(call_id, args, from, to, response_id);
                }
            }
            Request::Initial | Request::Caller { .. } => {
                self.apply(flight.view);
                if let Some(differs) = differs {
                    self.guard(
                        GuardDecision::SessionUpdateRefused,
                        format!("the model's session.updated reports {differs}"),
                    );
                }
            }
        }
        self.send_next_update();
        self.release_held_caller_events();
    }

    /// Hands on the caller's events that waited behind its update, now sent, up to the next
    /// caller's update that has to wait in turn.
    fn release_held_caller_events(&mut self) {
        while !self.updates.holds_caller()
            && let Some(event) = self.updates.held.pop_front()
        {
            self.handle_caller(event, self.now);
        }
    }

    /// The model refused the update in flight (an `error` naming its event id).
    pub(super) fn session_update_refused(&mut self, error: wire::RealtimeError) {
        let Some(flight) = self.updates.in_flight.take() else {
            return;
        };
        let code = error.code.clone().unwrap_or_else(|| error.kind.clone());
        match flight.request {
            Request::Caller { event_id, .. } => {
                self.guard(
                    GuardDecision::SessionUpdateRefused,
                    format!("the model refused the caller's session.update ({code}); the session stays as it was"),
                );
                let error = error.for_event(event_id);
                let id = self.event_id();
                self.send_to_caller(ServerEvent::error(id, error));
            }
            request => {
                let retry = error
                    .param
                    .as_deref()
                    .filter(|p| !flight.retried && !essential(p))
                    .and_then(|p| flight.sent.without(p).map(|s| (p.to_owned(), s)));
                if let Some((param, without)) = retry {
                    self.guard(
                        GuardDecision::SessionUpdateRefused,
                        format!("the model refused `{param}` ({code}); sent again without it"),
                    );
                    return self.send_update(request, flight.view, without, true);
                }
                match request {
                    Request::StateChange {
                        call_id,
                        args,
                        from,
                        to,
                        response_id,
                    } => {
                        let why = format!("the model refused its session ({code})");
                        self.state_change_refused(call_id, args, &from, &to, response_id, &why);
                    }
                    _ => self.guard(
                        GuardDecision::SessionUpdateRefused,
                        format!("the model refused the agent's session ({code})"),
                    ),
                }
            }
        }
        self.send_next_update();
        self.release_held_caller_events();
    }

    /// The model has not answered the update in flight in time: it counts as refused.
    pub(super) fn session_update_unanswered(&mut self) {
        let Some(flight) = self.updates.in_flight.take() else {
            return;
        };
        self.updates.abandoned.insert(flight.event_id);
        let why = format!("no answer from the model in {} s", UPDATE_TIMEOUT.as_secs());
        match flight.request {
            Request::Caller { event_id, .. } => {
                self.guard(
                    GuardDecision::SessionUpdateRefused,
                    format!("{why} to the caller's session.update; the session stays as it was"),
                );
                let error = wire::RealtimeError::server_error(
                    "session_update_unanswered",
                    format!("The model did not answer this session.update in {} s; the session is unchanged.", UPDATE_TIMEOUT.as_secs()),
                )
                .for_event(event_id);
                let id = self.event_id();
                self.send_to_caller(ServerEvent::error(id, error));
            }
            Request::StateChange {
                call_id,
                args,
                from,
                to,
                response_id,
            } => self.state_change_refused(call_id, args, &from, &to, response_id, &why),
            Request::Initial => self.guard(
                GuardDecision::SessionUpdateRefused,
                format!("{why} to the agent's session.update"),
            ),
        }
        self.send_next_update();
        self.release_held_caller_events();
    }

    /// The model's connection closed: what it had not answered never will be. A caller's
    /// update is asked again of the new connection, after the replay; a state change is
    /// refused (its call is gone with the old connection); the replay carries the agent's
    /// session.
    pub(super) fn updates_lost(&mut self) {
        let in_flight = self.updates.in_flight.take().map(|f| f.request);
        let lost: Vec<Request> = in_flight
            .into_iter()
            .chain(self.updates.queued.drain(..))
            .collect();
        for request in lost {
            match request {
                Request::Initial => {}
                Request::Caller {
                    event_id,
                    mut patch,
                    tools,
                } => {
                    patch.tools = tools;
                    self.defer_caller(ClientEvent::SessionUpdate(wire::SessionUpdate {
                        event_id,
                        session: patch,
                    }));
                }
                Request::StateChange {
                    call_id,
                    args,
                    from,
                    to,
                    response_id,
                } => {
                    let why = "the model connection closed before it confirmed it".to_owned();
                    let previous = std::mem::replace(&mut self.calling_response, response_id);
                    self.guard(
                        GuardDecision::SessionUpdateRefused,
                        format!("the change from `{from}` to `{to}` was not taken: {why}; the state stays `{from}`"),
                    );
                    // The call went with the old connection: recorded, answered to nobody.
                    self.tool_record(
                        &call_id,
                        STATE_TOOL,
                        args,
                        ToolOutcome::Refused,
                        json!({"status": "error", "error": why}),
                        Duration::ZERO,
                    );
                    self.calling_response = previous;
                }
            }
        }
        // Then the caller's events that waited behind its update, in their order.
        for event in std::mem::take(&mut self.updates.held) {
            self.defer_caller(event);
        }
    }

    fn apply(&mut self, view: View) {
        self.state = view.state;
        self.caller_session = view.caller;
        self.caller_tools = view.caller_tools;
    }
}

/// Fields a session cannot go without: a refusal of one of them is not retried.
fn essential(param: &str) -> bool {
    let path = param.strip_prefix("session.").unwrap_or(param);
    ["instructions", "tools", "type"].iter().any(|f| {
        path == *f || path.starts_with(&format!("{f}.")) || path.starts_with(&format!("{f}["))
    })
}

/// How what the model reports differs from what was asked, in the fields a state is made of:
/// the instructions, and the names of the function tools.
fn differences(asked: &wire::Session, got: &wire::Session) -> Option<String> {
    let mut differs = Vec::new();
    if asked.instructions.is_some() && got.instructions != asked.instructions {
        differs.push("other instructions");
    }
    let names = |s: &wire::Session| -> Option<BTreeSet<String>> {
        s.tools.as_ref().map(|tools| {
            tools
                .iter()
                .filter_map(|t| match t {
                    wire::Tool::Function(f) => Some(f.name.clone()),
                    wire::Tool::Mcp(_) => None,
                })
                .collect()
        })
    };
    if asked.tools.is_some() && names(asked) != names(got) {
        differs.push("other tools");
    }
    (!differs.is_empty()).then(|| format!("{} than were asked", differs.join(" and ")))
}
