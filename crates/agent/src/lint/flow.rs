//! Rules about conversation flows: the guide's phases, its JSON state machine, and dynamic
//! flows swapped with `session.update`.

use std::collections::{BTreeSet, VecDeque};

use super::Rule;
use super::prose::{Context, parameter_names};
use crate::diagnostic::Diagnostic;
use crate::model::SlotSource;

/// Indexes reachable from `start` in a graph given as successor lists.
fn reachable(start: usize, next: &[Vec<usize>]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for &to in &next[at] {
            if seen.insert(to) {
                queue.push_back(to);
            }
        }
    }
    seen
}

fn with_closest(d: Diagnostic, word: &str, ids: &[String]) -> Diagnostic {
    match crate::load::closest(word, ids) {
        Some(best) => d.hint(format!("did you mean `{best}`?")),
        None => d.hint(format!("known ids: {}", ids.join(", "))),
    }
}

/// SB0110. The guide's flows "define the concrete exit criteria for transitioning to the next"
/// state; a transition to a state that does not exist sends the model nowhere, so it stalls
/// or invents a step.
pub(super) fn unknown_state(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let ids: Vec<String> = a.states.iter().map(|s| s.id.clone()).collect();
    for (i, state) in a.states.iter().enumerate() {
        for (k, t) in state.transitions.iter().enumerate() {
            if !ids.contains(&t.next_step) {
                let d = Rule::UnknownState
                    .diagnostic(format!(
                        "state `{}` transitions to `{}`, which is not a state",
                        state.id, t.next_step
                    ))
                    .at_opt(
                        cx.doc
                            .span_of(&format!("states[{i}].transitions[{k}].next_step")),
                    );
                out.push(with_closest(d, &t.next_step, &ids));
            }
        }
    }
    let Some(flow) = &a.dynamic else { return };
    let ids: Vec<String> = flow.states.iter().map(|s| s.id.clone()).collect();
    for (i, state) in flow.states.iter().enumerate() {
        for (k, to) in state.transitions.iter().enumerate() {
            if !ids.contains(to) {
                let d = Rule::UnknownState
                    .diagnostic(format!(
                        "dynamic state `{}` transitions to `{to}`, which is not a state",
                        state.id
                    ))
                    .at_opt(
                        cx.doc
                            .span_of(&format!("dynamic.states[{i}].transitions[{k}]")),
                    );
                out.push(with_closest(d, to, &ids));
            }
        }
    }
}

/// Successor lists by index, dropping unknown targets (SB0110 reports those).
/// The dynamic states reachable from `initial`, by index; `None` when `initial` is unknown.
fn dynamic_reachable(flow: &crate::model::DynamicFlow) -> Option<BTreeSet<usize>> {
    let ids: Vec<&str> = flow.states.iter().map(|s| s.id.as_str()).collect();
    let start = ids.iter().position(|id| *id == flow.initial)?;
    let next = graph(
        &ids,
        flow.states
            .iter()
            .map(|s| s.transitions.iter().map(String::as_str).collect()),
    );
    Some(reachable(start, &next))
}

fn graph<'a>(ids: &[&str], edges: impl Iterator<Item = Vec<&'a str>>) -> Vec<Vec<usize>> {
    edges
        .map(|targets| {
            targets
                .iter()
                .filter_map(|t| ids.iter().position(|id| id == t))
                .collect()
        })
        .collect()
}

/// SB0111. A state no transition leads to is dead text: it costs tokens in every turn and, in
/// the guide's state machine, invites the model to jump into it out of order. Reachability
/// starts at the first conversation state, or at a dynamic flow's `initial`.
pub(super) fn unreachable_state(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    if !a.states.is_empty() {
        let ids: Vec<&str> = a.states.iter().map(|s| s.id.as_str()).collect();
        let next = graph(
            &ids,
            a.states
                .iter()
                .map(|s| s.transitions.iter().map(|t| t.next_step.as_str()).collect()),
        );
        let seen = reachable(0, &next);
        for (i, state) in a.states.iter().enumerate() {
            if !seen.contains(&i) {
                out.push(
                    Rule::UnreachableState
                        .diagnostic(format!(
                            "state `{}` cannot be reached from the first state `{}`",
                            state.id, ids[0]
                        ))
                        .at_opt(cx.doc.span_of(&format!("states[{i}].id")))
                        .hint("add a transition to it, or remove it"),
                );
            }
        }
    }
    let Some(flow) = &a.dynamic else { return };
    let Some(seen) = dynamic_reachable(flow) else {
        return;
    };
    for (i, state) in flow.states.iter().enumerate() {
        if !seen.contains(&i) {
            out.push(
                Rule::UnreachableState
                    .diagnostic(format!(
                        "dynamic state `{}` cannot be reached from the initial state `{}`",
                        state.id, flow.initial
                    ))
                    .at_opt(cx.doc.span_of(&format!("dynamic.states[{i}].id")))
                    .hint("list it in the `transitions` of a reachable state, or remove it"),
            );
        }
    }
}

/// Words of a state's id or description that say the call ends (or leaves the flow) there.
const CLOSING_WORDS: &[&str] = &[
    "close",
    "closing",
    "end",
    "ending",
    "goodbye",
    "bye",
    "farewell",
    "wrap",
    "finish",
    "finished",
    "done",
    "complete",
    "escalate",
    "escalation",
    "handoff",
    "transfer",
    "terminal",
    "hangup",
];

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// SB0112. The guide's states each carry `transitions` so the model "knows exactly what to do
/// at each step" and does not stall. A state without transitions is a dead end unless it is
/// the end of the conversation: it is the last state, or its id or description says it closes
/// the call (close, end, goodbye, wrap, finish, done, escalate, transfer, …). Dynamic states
/// are terminal by definition when they have no transitions (see SB0113 instead).
pub(super) fn dead_end_state(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let states = &cx.agent.states;
    for (i, state) in states.iter().enumerate() {
        if !state.transitions.is_empty() || i + 1 == states.len() {
            continue;
        }
        let closing = words(&state.id)
            .chain(words(&state.description))
            .any(|w| CLOSING_WORDS.contains(&w.as_str()));
        if closing {
            continue;
        }
        out.push(
            Rule::DeadEndState
                .diagnostic(format!(
                    "state `{}` has no transitions, so the conversation cannot leave it",
                    state.id
                ))
                .at_opt(cx.doc.span_of(&format!("states[{i}].id")))
                .note("only the last state, or one whose id or description says it closes the call, may have no exits")
                .hint(format!(
                    "add `transitions` with a `next_step` and a `condition`, or move `{}` last if the call ends there",
                    state.id
                )),
        );
    }
}

/// SB0113. In a dynamic flow a state with no transitions is terminal: its prompt tells the
/// model to end the call politely. If no terminal state can be reached from `initial`, the
/// model is never told how the conversation ends and can only loop between states.
pub(super) fn no_terminal_state(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(flow) = &cx.agent.dynamic else {
        return;
    };
    let Some(seen) = dynamic_reachable(flow) else {
        return;
    };
    if seen.iter().any(|&i| flow.states[i].transitions.is_empty()) {
        return;
    }
    out.push(
        Rule::NoTerminalState
            .diagnostic(format!(
                "no terminal state can be reached from the initial state `{}`",
                flow.initial
            ))
            .at_opt(cx.doc.span_of("dynamic.initial"))
            .note("a dynamic state with no `transitions` is terminal: its prompt says to end the call")
            .hint("add a closing state with no transitions, and a transition to it"),
    );
}

/// SB0114. `requires` holds a state until its slots are captured (enforced by the engine); a
/// slot that is not defined can never be captured, so the state can never be left. A slot
/// taken from an unknown tool, or from an argument the tool does not have, is never filled
/// either.
pub(super) fn unknown_slot(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let Some(flow) = &a.dynamic else { return };
    let names: Vec<String> = flow.slots.iter().map(|s| s.name.clone()).collect();
    for (i, state) in flow.states.iter().enumerate() {
        for (j, slot) in state.requires.iter().enumerate() {
            if names.contains(slot) {
                continue;
            }
            let d = Rule::UnknownSlot
                .diagnostic(format!(
                    "dynamic state `{}` requires slot `{slot}`, which is not defined",
                    state.id
                ))
                .at_opt(
                    cx.doc
                        .span_of(&format!("dynamic.states[{i}].requires[{j}]")),
                );
            out.push(match crate::load::closest(slot, &names) {
                Some(best) => d.hint(format!("did you mean `{best}`?")),
                None => d.hint(
                    "define it under `dynamic.slots` with the `tool` and `from` it is captured from",
                ),
            });
        }
    }
    let tools: Vec<String> = a.tools.iter().map(|t| t.name.clone()).collect();
    for (k, slot) in flow.slots.iter().enumerate() {
        let Some(tool) = a.tools.iter().find(|t| t.name == slot.tool) else {
            let d = Rule::UnknownSlot
                .diagnostic(format!(
                    "slot `{}` is captured from tool `{}`, which is not defined",
                    slot.name, slot.tool
                ))
                .at_opt(cx.doc.span_of(&format!("dynamic.slots[{k}].tool")));
            out.push(match crate::load::closest(&slot.tool, &tools) {
                Some(best) => d.hint(format!("did you mean `{best}`?")),
                None => d.hint("name a tool defined under `tools`"),
            });
            continue;
        };
        if let SlotSource::Argument(arg) = &slot.from {
            let params: Vec<String> = parameter_names(tool)
                .into_iter()
                .map(str::to_owned)
                .collect();
            if !params.contains(arg) {
                let d = Rule::UnknownSlot
                    .diagnostic(format!(
                        "slot `{}` is captured from argument `{arg}`, which tool `{}` does not have",
                        slot.name, tool.name
                    ))
                    .at_opt(cx.doc.span_of(&format!("dynamic.slots[{k}].from.argument")));
                out.push(with_closest(d, arg, &params));
            }
        }
    }
}

/// SB0115. A phase's `next` renders as "Exit to <phase>"; naming a phase that does not exist
/// leaves the model without the next goal, which the guide's flows exist to prevent
/// ("stalling, skipping steps, or jumping ahead").
pub(super) fn unknown_phase(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let flow = &cx.agent.flow;
    let ids: Vec<String> = flow.iter().map(|p| p.id.clone()).collect();
    for (i, phase) in flow.iter().enumerate() {
        let Some(next) = &phase.next else { continue };
        if ids.contains(next) {
            continue;
        }
        let d = Rule::UnknownPhase
            .diagnostic(format!(
                "phase `{}` exits to `{next}`, which is not a phase",
                phase.id
            ))
            .at_opt(cx.doc.span_of(&format!("flow[{i}].next")));
        out.push(with_closest(d, next, &ids));
    }
}
