//! What business rules (a tool's `guards`) cost per tool call, and what compiling them costs.
//!
//! `guards/tool_call/N` is one call of a fixture tool guarded by N CEL rules, handled by a
//! session that has already looked the account up: the model's five events for the call, the
//! outputs drained, the fixture's result answered. Only the rules change from one N to the
//! next, so the difference from `guards/tool_call/0` is the cost of checking N rules on a call.
//! Each iteration gets a fresh session (made outside the timing), so facts such as earlier
//! calls do not pile up across iterations.
//!
//! `guards/compile_agent/N` is `CompiledAgent::new` for the same agent: the rules are parsed
//! and compiled there, once per agent, not per call.

use std::sync::Arc;
use std::time::Instant;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use switchboard_engine::{
    CompiledAgent, Input, Output, Record, Session, SessionConfig, ToolOutcome,
};
use switchboard_wire::{ClientEvent, EventId, ServerEvent, SessionEvent};

/// How many rules guard the tool in each benchmark.
const RULE_COUNTS: [usize; 4] = [0, 1, 5, 20];

/// The `i`th rule: the three kinds of fact a rule reads, in turn (the call's arguments, an
/// earlier result, an earlier call), each true for the benchmark's call, so every rule is
/// evaluated and the call runs.
fn rule(i: usize) -> String {
    match i % 3 {
        0 => format!("args.minutes <= {}", 60 + i),
        1 => format!(r#"results.lookup.plan != "basic_{i}""#),
        _ => r#"called("lookup", {"account_id": args.account_id})"#.to_owned(),
    }
}

/// An agent whose `refund` tool is guarded by `rules` rules; both tools answer from fixtures.
fn agent_file(rules: usize) -> String {
    let mut yaml = String::from(
        r#"
name: bench
role: You are NorthLoop Internet Support.
tools:
  - name: lookup
    description: Fetch the account.
    parameters: {type: object, properties: {account_id: {type: string}}, required: [account_id]}
    run: {fixtures: [{result: {account_id: "NL-10482", plan: "fiber"}}]}
  - name: refund
    description: Issue a credit.
    parameters:
      type: object
      properties: {account_id: {type: string}, minutes: {type: integer}}
      required: [account_id, minutes]
    run: {fixtures: [{result: {status: applied}}]}
"#,
    );
    if rules > 0 {
        yaml.push_str("    guards:\n");
        for i in 0..rules {
            // YAML single quotes: the rules hold double quotes and braces.
            yaml.push_str(&format!(
                "      - rule: '{}'\n        say: Rule {i} does not allow this credit.\n",
                rule(i)
            ));
        }
    }
    yaml
}

fn load(rules: usize) -> switchboard_agent::AgentFile {
    switchboard_agent::load(&agent_file(rules))
        .expect("the bench agent loads")
        .agent
}

fn model(v: Value) -> Input {
    Input::Model(ServerEvent::from_value(v).expect("valid bench event"))
}

/// One model response that calls `name`, in the GA event order.
fn call(n: &str, name: &str, arguments: Value) -> Vec<Input> {
    let (resp, item, call_id) = (
        format!("resp_{n}"),
        format!("item_{n}"),
        format!("call_{n}"),
    );
    let args = arguments.to_string();
    let call = json!({"type":"function_call","id":item,"call_id":call_id,"name":name,"arguments":args,"status":"completed"});
    vec![
        model(
            json!({"type":"response.created","event_id":"e","response":{"id":resp,"status":"in_progress","output":[]}}),
        ),
        model(
            json!({"type":"response.output_item.added","event_id":"e","response_id":resp,"output_index":0,
            "item":{"type":"function_call","id":item,"call_id":call_id,"name":name,"arguments":"","status":"in_progress"}}),
        ),
        model(
            json!({"type":"response.function_call_arguments.done","event_id":"e","response_id":resp,"item_id":item,
            "output_index":0,"call_id":call_id,"name":name,"arguments":args}),
        ),
        model(
            json!({"type":"response.output_item.done","event_id":"e","response_id":resp,"output_index":0,"item":call}),
        ),
        model(
            json!({"type":"response.done","event_id":"e","response":{"id":resp,"status":"completed","output":[call]}}),
        ),
    ]
}

/// Feeds `inputs`, then runs the timers that are due (a fixture answers when its delay is
/// over: at once here) and drains every output, as a driver would with a model that confirms
/// each `session.update`. Returns the outcome of each tool call recorded.
fn handle(session: &mut Session, inputs: Vec<Input>, now: Instant) -> Vec<(String, ToolOutcome)> {
    let mut calls = Vec::new();
    for input in inputs {
        session.handle_input(input, now);
        drain(session, now, &mut calls);
    }
    while session.poll_timeout().is_some_and(|t| t <= now) {
        session.handle_timeout(now);
        drain(session, now, &mut calls);
    }
    calls
}

fn drain(session: &mut Session, now: Instant, calls: &mut Vec<(String, ToolOutcome)>) {
    loop {
        let mut answers = Vec::new();
        while let Some(out) = session.poll_output() {
            match &out {
                Output::ToModel(ClientEvent::SessionUpdate(update)) => {
                    answers.push(Input::Model(ServerEvent::SessionUpdated(SessionEvent {
                        event_id: EventId::new("e"),
                        session: update.session.clone(),
                        extra: Default::default(),
                    })));
                }
                Output::Record(stamped) => {
                    if let Record::ToolCall { name, outcome, .. } = &stamped.record {
                        calls.push((name.clone(), *outcome));
                    }
                }
                _ => {}
            }
            std::hint::black_box(out);
        }
        if answers.is_empty() {
            return;
        }
        for input in answers {
            session.handle_input(input, now);
        }
    }
}

/// A session that has looked the account up (so every rule can be evaluated), and the
/// refund call's events, parsed: everything the timed part does not include.
fn ready(agent: &Arc<CompiledAgent>, now: Instant) -> (Session, Vec<Input>) {
    let mut session = Session::new(Arc::clone(agent), SessionConfig::new("bench"), now);
    handle(&mut session, Vec::new(), now);
    let lookup = handle(
        &mut session,
        call("lookup", "lookup", json!({"account_id": "NL-10482"})),
        now,
    );
    assert_eq!(lookup, [("lookup".to_owned(), ToolOutcome::Ok)]);
    let refund = call(
        "refund",
        "refund",
        json!({"account_id": "NL-10482", "minutes": 60}),
    );
    (session, refund)
}

fn bench(c: &mut Criterion) {
    let now = Instant::now();
    let mut group = c.benchmark_group("guards");
    for rules in RULE_COUNTS {
        let agent = Arc::new(CompiledAgent::new(load(rules)).expect("compiles"));
        // The call must run, every rule having said yes: a refusal would stop at the first
        // false rule and take another path.
        let (mut session, refund) = ready(&agent, now);
        assert_eq!(
            handle(&mut session, refund, now),
            [("refund".to_owned(), ToolOutcome::Ok)],
            "with {rules} rules"
        );
        group.bench_with_input(BenchmarkId::new("tool_call", rules), &rules, |b, _| {
            b.iter_batched(
                || ready(&agent, now),
                |(mut session, refund)| {
                    std::hint::black_box(handle(&mut session, refund, now));
                    // Dropped outside the timing.
                    session
                },
                BatchSize::SmallInput,
            )
        });
    }
    for rules in RULE_COUNTS {
        group.bench_with_input(BenchmarkId::new("compile_agent", rules), &rules, |b, _| {
            b.iter_batched(
                || load(rules),
                |file| CompiledAgent::new(file).expect("compiles"),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
