//! Business rules: the agent's `guards` on a tool, CEL expressions compiled once per agent and
//! checked before every call of the tool, whatever the model does. A rule that is false, or
//! that cannot be evaluated (a missing value, a wrong type), refuses the call: the rules fail
//! closed.
//!
//! Captured values (`tools[].captures`) are kept here too. One kept per key is an entity (the
//! reservation per `reservation_id`): a rule of a call whose arguments name an entity sees
//! that entity under the capture's name, and no other, so that looking up one reservation
//! never stands for another. A call naming an entity never looked up sees nothing under that
//! name, and a rule reading it refuses.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::{Context, ExecutionError, Program};
use serde_json::Value;
use switchboard_agent::model::{Capture, Guard};

use crate::vocabulary::ToolOutcome;

/// A tool's rule, compiled.
pub(crate) struct CompiledGuard {
    program: Program,
    pub(crate) guard: Guard,
}

impl std::fmt::Debug for CompiledGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledGuard")
            .field("rule", &self.guard.rule)
            .finish()
    }
}

/// Compiles a tool's rules; the error names the rule that does not parse and why.
pub(crate) fn compile(guards: &[Guard]) -> Result<Vec<CompiledGuard>, (String, String)> {
    guards
        .iter()
        .map(|guard| match parse(&guard.rule) {
            Ok(program) => Ok(CompiledGuard {
                program,
                guard: guard.clone(),
            }),
            Err(why) => Err((guard.rule.clone(), why)),
        })
        .collect()
}

/// Parses a rule. The parser is generated code: a panic in it is a bad rule, not a crash.
fn parse(rule: &str) -> Result<Program, String> {
    std::panic::catch_unwind(|| Program::compile(rule))
        .map_err(|_| "the rule could not be parsed".to_owned())?
        .map_err(|e| e.to_string())
}

/// The values kept under one capture name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Captured {
    /// The argument that names an entity of this capture, when it is kept per key.
    selecting: Option<String>,
    /// The value captured last.
    last: Option<Value>,
    /// Per key, when kept per key; otherwise every value, in order, under its position.
    all: Vec<(String, Value)>,
}

impl Captured {
    /// Nothing kept yet under a capture whose entities `selecting` names.
    pub(crate) fn new(capture: &Capture) -> Self {
        Self {
            selecting: capture.selecting_argument().map(str::to_owned),
            ..Self::default()
        }
    }

    /// Keeps what `capture` takes from a tool's successful `result`; a result without the
    /// value (or without its key) keeps nothing.
    pub(crate) fn keep(&mut self, capture: &Capture, result: &Value) {
        let Some(value) = at_path(result, capture.path.as_deref()).filter(|v| !v.is_null()) else {
            return;
        };
        match &capture.key {
            Some(key) => {
                let Some(id) = at_path(value, Some(key)).and_then(key_text) else {
                    return;
                };
                self.all.retain(|(k, _)| *k != id);
                self.all.push((id, value.clone()));
            }
            None => {
                let at = self.all.len().to_string();
                self.all.push((at, value.clone()));
            }
        }
        self.last = Some(value.clone());
    }

    /// What a rule of a call with `args` sees under the capture's name: the entity the
    /// arguments name, or the last value when they name none; `Err` says why nothing is
    /// seen.
    fn bound(&self, name: &str, args: &Value) -> Result<&Value, String> {
        if let Some(argument) = &self.selecting
            && let Some(wanted) = args.get(argument)
        {
            let id = key_text(wanted).ok_or_else(|| {
                format!("`{name}` cannot be chosen by `{argument}`, which is not a single value")
            })?;
            return self
                .all
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    format!("no `{name}` with {argument} {wanted} was looked up in this call")
                });
        }
        self.last
            .as_ref()
            .ok_or_else(|| format!("no `{name}` was looked up in this call"))
    }

    /// Every value kept: per key for entities, else as a list in order.
    fn every(&self) -> Value {
        if self.selecting.is_some() {
            Value::Object(self.all.iter().cloned().collect())
        } else {
            Value::Array(self.all.iter().map(|(_, v)| v.clone()).collect())
        }
    }
}

/// The value at a dot path (the whole value for none).
fn at_path<'v>(value: &'v Value, path: Option<&str>) -> Option<&'v Value> {
    match path {
        None | Some("") => Some(value),
        Some(path) => path.split('.').try_fold(value, |v, key| v.get(key)),
    }
}

/// An entity's key as text: strings as they are, numbers and booleans written out; a key
/// that is an object, a list or null names nothing.
fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A call made earlier in the session, as rules see it (`calls`, `called`).
#[derive(Debug, Clone)]
pub(crate) struct PastCall {
    pub(crate) tool: String,
    pub(crate) arguments: Value,
    pub(crate) outcome: ToolOutcome,
}

/// What the rules of one call see.
pub(crate) struct Facts<'a> {
    /// The call's arguments.
    pub(crate) args: &'a Value,
    /// The values kept by the tools' captures, by name.
    pub(crate) captured: &'a BTreeMap<String, Captured>,
    /// The agent's name.
    pub(crate) agent: &'a str,
    /// Who called, when the gateway knows (the caller key's name).
    pub(crate) caller: Option<&'a str>,
    /// The last successful result of each tool, by name.
    pub(crate) results: &'a BTreeMap<String, Value>,
    /// The dynamic flow's captured values.
    pub(crate) slots: &'a BTreeMap<String, Value>,
    /// The flow's state.
    pub(crate) state: Option<&'a str>,
    /// The wall-clock time of the call, when the session knows it.
    pub(crate) now: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Every call recorded so far, in order.
    pub(crate) history: Arc<Vec<PastCall>>,
}

/// A rule that refused a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) rule: String,
    pub(crate) say: String,
    /// Whether the refusal counts as a failed attempt (the rule's `counts_as_failure`).
    pub(crate) counts_as_failure: bool,
    /// Why the rule could not be evaluated, when it could not.
    pub(crate) error: Option<String>,
}

/// The first of `guards` that does not allow the call, if any.
pub(crate) fn first_refusal(guards: &[&CompiledGuard], facts: &Facts<'_>) -> Option<Refusal> {
    if guards.is_empty() {
        return None;
    }
    // `called` reads the history of the call being checked; it is set for this check only,
    // on this thread (rules run synchronously, start to finish, right here).
    CHECKED_HISTORY.with(|h| *h.borrow_mut() = facts.history.clone());
    let refused = BASE.with(|base| {
        let mut context = base.new_inner_scope();
        let unbound = match fill(&mut context, facts) {
            Ok(unbound) => unbound,
            Err(error) => {
                let guard = &guards[0].guard;
                return Some(refusal(guard, Some(error)));
            }
        };
        guards
            .iter()
            .find_map(|g| match g.program.execute(&context) {
                Ok(cel::Value::Bool(true)) => None,
                Ok(cel::Value::Bool(false)) => Some(refusal(&g.guard, None)),
                Ok(other) => Some(refusal(
                    &g.guard,
                    Some(format!("the rule gave {other:?}, not true or false")),
                )),
                Err(ExecutionError::UndeclaredReference(name)) if unbound.contains_key(&*name) => {
                    Some(refusal(&g.guard, unbound.get(&*name).cloned()))
                }
                Err(e) => Some(refusal(&g.guard, Some(e.to_string()))),
            })
    });
    CHECKED_HISTORY.with(|h| *h.borrow_mut() = Arc::default());
    refused
}

impl Refusal {
    /// What the record says: `what` was refused by the rule, and why it could not be
    /// evaluated when it could not.
    pub(crate) fn detail(&self, what: &str) -> String {
        let mut detail = format!("{what} refused by the rule `{}`", self.rule);
        if let Some(error) = &self.error {
            detail.push_str(&format!(" (it could not be evaluated: {error})"));
        }
        detail
    }
}

fn refusal(guard: &Guard, error: Option<String>) -> Refusal {
    Refusal {
        rule: guard.rule.clone(),
        say: guard.say.clone(),
        counts_as_failure: guard.counts_as_failure,
        error,
    }
}

thread_local! {
    /// CEL's standard functions and `called`, registered once per thread: building them
    /// was most of a guarded call's cost (`benches/guards.rs`). Each check adds its facts
    /// in a scope of its own.
    static BASE: Context<'static, 'static> = base_context();
    /// The history `called` reads, set for the duration of one check.
    static CHECKED_HISTORY: std::cell::RefCell<Arc<Vec<PastCall>>> =
        std::cell::RefCell::new(Arc::default());
}

fn base_context() -> Context<'static, 'static> {
    let mut context = Context::default();
    // Cannot fail: the name is not taken by CEL's own functions.
    let _ = context.add_function("called", |tool: Arc<String>, wanted: cel::Value| -> bool {
        let Ok(wanted) = wanted.json() else {
            return false;
        };
        CHECKED_HISTORY.with(|history| {
            history.borrow().iter().any(|c| {
                c.outcome == ToolOutcome::Ok && *c.tool == *tool && contains(&c.arguments, &wanted)
            })
        })
    });
    context
}

/// Adds the call's facts to `context`; returns why each capture name it does not hold is
/// missing.
fn fill(
    context: &mut Context<'_, 'static>,
    facts: &Facts<'_>,
) -> Result<BTreeMap<String, String>, String> {
    let add = |context: &mut Context<'_, 'static>, name: &str, value: &Value| {
        context
            .add_variable(name, value.clone())
            .map_err(|e| format!("`{name}` cannot be given to the rule: {e}"))
    };
    add(context, "args", facts.args)?;
    add(
        context,
        "results",
        &Value::Object(facts.results.clone().into_iter().collect()),
    )?;
    add(
        context,
        "slots",
        &Value::Object(facts.slots.clone().into_iter().collect()),
    )?;
    add(
        context,
        "state",
        &facts
            .state
            .map_or(Value::Null, |s| Value::String(s.to_owned())),
    )?;
    if let Some(now) = facts.now {
        context.add_variable_from_value("now", cel::Value::Timestamp(now));
    }
    add(context, "agent", &Value::String(facts.agent.to_owned()))?;
    add(
        context,
        "caller",
        &facts
            .caller
            .map_or(Value::Null, |c| Value::String(c.to_owned())),
    )?;
    let mut every = serde_json::Map::new();
    let mut unbound = BTreeMap::new();
    for (name, captured) in facts.captured {
        every.insert(name.clone(), captured.every());
        match captured.bound(name, facts.args) {
            Ok(value) => add(context, name, value)?,
            Err(why) => {
                unbound.insert(name.clone(), why);
            }
        }
    }
    add(context, "captures", &Value::Object(every))?;
    let calls: Vec<Value> = facts
        .history
        .iter()
        .map(|c| serde_json::json!({"tool": c.tool, "arguments": c.arguments, "outcome": c.outcome.as_str()}))
        .collect();
    add(context, "calls", &Value::Array(calls))?;
    Ok(unbound)
}

/// Whether `args` holds every member of `wanted` with an equal value (numbers by value).
fn contains(args: &Value, wanted: &Value) -> bool {
    match (args, wanted) {
        (Value::Object(args), Value::Object(wanted)) => wanted
            .iter()
            .all(|(k, v)| args.get(k).is_some_and(|a| contains(a, v))),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn guard(rule: &str) -> Vec<CompiledGuard> {
        compile(&[Guard {
            rule: rule.to_owned(),
            say: "No.".to_owned(),
            counts_as_failure: false,
        }])
        .expect("compiles")
    }

    fn check(
        rule: &str,
        args: Value,
        results: Value,
        ran: Vec<(String, Value)>,
    ) -> Option<Refusal> {
        let history = ran
            .into_iter()
            .map(|(tool, arguments)| PastCall {
                tool,
                arguments,
                outcome: ToolOutcome::Ok,
            })
            .collect();
        let results: BTreeMap<String, Value> = serde_json::from_value(results).expect("a map");
        let facts = Facts {
            args: &args,
            captured: &BTreeMap::new(),
            agent: "airline",
            caller: Some("front-desk"),
            results: &results,
            slots: &BTreeMap::new(),
            state: Some("verify"),
            now: chrono::DateTime::parse_from_rfc3339("2026-12-08T12:00:00Z").ok(),
            history: Arc::new(history),
        };
        let guards = guard(rule);
        let guards: Vec<&CompiledGuard> = guards.iter().collect();
        first_refusal(&guards, &facts)
    }

    #[test]
    fn a_field_of_an_earlier_result() {
        let rule = r#"results.get_reservation_details.cabin != "basic_economy""#;
        let economy = json!({"get_reservation_details": {"cabin": "economy"}});
        let basic = json!({"get_reservation_details": {"cabin": "basic_economy"}});
        assert_eq!(check(rule, json!({}), economy, vec![]), None);
        let refused = check(rule, json!({}), basic, vec![]).expect("refused");
        assert_eq!(refused.say, "No.");
        assert_eq!(refused.error, None);
    }

    #[test]
    fn an_argument_bound_to_what_a_tool_returned() {
        let rule = "args.reservation_id in results.get_user_details.reservations";
        let user = json!({"get_user_details": {"reservations": ["R1", "R2"]}});
        assert_eq!(
            check(rule, json!({"reservation_id": "R2"}), user.clone(), vec![]),
            None
        );
        assert!(check(rule, json!({"reservation_id": "R9"}), user, vec![]).is_some());
    }

    #[test]
    fn a_time_window_or_insurance() {
        let rule = r#"now - timestamp(results.get_reservation_details.created_at) < duration("24h") || results.get_reservation_details.insurance == "yes""#;
        let booked = |at: &str, insurance: &str| json!({"get_reservation_details": {"created_at": at, "insurance": insurance}});
        assert_eq!(
            check(
                rule,
                json!({}),
                booked("2026-12-08T01:00:00Z", "no"),
                vec![]
            ),
            None
        );
        assert_eq!(
            check(
                rule,
                json!({}),
                booked("2026-12-01T01:00:00Z", "yes"),
                vec![]
            ),
            None
        );
        assert!(
            check(
                rule,
                json!({}),
                booked("2026-12-01T01:00:00Z", "no"),
                vec![]
            )
            .is_some()
        );
    }

    #[test]
    fn a_tool_only_after_another_for_the_same_entity() {
        let rule = r#"called("cancel_reservation", {"reservation_id": args.reservation_id})"#;
        let ran = vec![(
            "cancel_reservation".to_owned(),
            json!({"reservation_id": "R1", "reason": "x"}),
        )];
        assert_eq!(
            check(
                rule,
                json!({"reservation_id": "R1"}),
                json!({}),
                ran.clone()
            ),
            None
        );
        assert!(check(rule, json!({"reservation_id": "R2"}), json!({}), ran).is_some());
    }

    #[test]
    fn a_rule_that_cannot_be_evaluated_refuses() {
        // No lookup ran: the field is missing, and the rule fails closed.
        let refused = check(
            r#"results.get_reservation_details.cabin != "basic_economy""#,
            json!({}),
            json!({}),
            vec![],
        )
        .expect("refused");
        assert!(refused.error.is_some(), "{refused:?}");
        let refused =
            check("args.minutes", json!({"minutes": 3}), json!({}), vec![]).expect("refused");
        assert!(refused.error.expect("why").contains("not true or false"));
    }

    #[test]
    fn a_rule_that_does_not_parse_is_named() {
        let err = compile(&[Guard {
            rule: "args.a ==".to_owned(),
            say: "No.".to_owned(),
            counts_as_failure: false,
        }])
        .expect_err("does not parse");
        assert_eq!(err.0, "args.a ==");
    }

    /// Every form of CEL a policy reaches for, against one order and one profile: each rule
    /// is checked where it holds and where it does not.
    #[test]
    fn each_expression_form_allows_and_refuses() {
        let results = json!({
            "get_order_details": {
                "order_id": "#W1", "status": "pending", "total": 120.5,
                "items": [{"item_id": "I1", "price": 100}, {"item_id": "I2", "price": 20.5}],
                "created_at": "2026-12-08T02:00:00Z"
            },
            "get_user_details": {
                "user_id": "ana_1", "zip": "94110",
                "payment_methods": {"gift_card_1": {"source": "gift_card", "balance": 50}}
            }
        });
        let forms: [(&str, Value, Value); 12] = [
            // membership in a list, and in a map's keys
            (
                r#"args.status in ["pending", "processed"]"#,
                json!({"status": "pending"}),
                json!({"status": "delivered"}),
            ),
            (
                "args.payment_id in results.get_user_details.payment_methods",
                json!({"payment_id": "gift_card_1"}),
                json!({"payment_id": "card_9"}),
            ),
            // a map read by an argument, and arithmetic across documents
            (
                "results.get_user_details.payment_methods[args.payment_id].balance >= args.amount",
                json!({"payment_id": "gift_card_1", "amount": 50}),
                json!({"payment_id": "gift_card_1", "amount": 50.01}),
            ),
            // macros over a result's lists
            (
                "args.item_ids.all(i, results.get_order_details.items.exists(x, x.item_id == i))",
                json!({"item_ids": ["I1", "I2"]}),
                json!({"item_ids": ["I1", "I3"]}),
            ),
            (
                "results.get_order_details.items.filter(x, x.item_id in args.item_ids).map(x, x.price).size() == size(args.item_ids)",
                json!({"item_ids": ["I2"]}),
                json!({"item_ids": ["I2", "I9"]}),
            ),
            (
                "size(args.item_ids) > 0 && size(args.item_ids) <= 2",
                json!({"item_ids": ["I1"]}),
                json!({"item_ids": []}),
            ),
            // presence, and a default for an optional argument
            (
                "!has(args.reason) || args.reason != \"\"",
                json!({}),
                json!({"reason": ""}),
            ),
            // strings
            (
                "args.email.endsWith(\"@example.com\") && args.email.contains(\"@\")",
                json!({"email": "ana@example.com"}),
                json!({"email": "ana@elsewhere.org"}),
            ),
            (
                "args.zip.matches(\"^[0-9]{5}$\") && args.zip == results.get_user_details.zip",
                json!({"zip": "94110"}),
                json!({"zip": "9411O"}),
            ),
            // time: a window after a result's timestamp, and now's own fields
            (
                "now - timestamp(results.get_order_details.created_at) < duration(\"24h\")",
                json!({}),
                json!({"unused": true}),
            ),
            // ternary and numeric conversion
            (
                "(args.kind == \"refund\" ? int(args.amount) : 0) <= 100",
                json!({"kind": "refund", "amount": 100}),
                json!({"kind": "refund", "amount": 101}),
            ),
            // the agent and the caller
            (
                "agent == \"airline\" && caller == \"front-desk\" && args.ok",
                json!({"ok": true}),
                json!({"ok": false}),
            ),
        ];
        for (rule, allowed, refused) in forms {
            assert_eq!(
                check(rule, allowed.clone(), results.clone(), vec![]),
                None,
                "{rule} allows {allowed}"
            );
            if rule.starts_with("now") {
                // The same rule a day later: outside the window.
                let later = check_at(rule, "2026-12-09T12:00:00Z", results.clone());
                assert!(later.is_some(), "{rule} refuses a day later");
            } else {
                let got = check(rule, refused.clone(), results.clone(), vec![]);
                assert!(got.is_some(), "{rule} refuses {refused}");
            }
        }
    }

    fn check_at(rule: &str, now: &str, results: Value) -> Option<Refusal> {
        let results: BTreeMap<String, Value> = serde_json::from_value(results).expect("a map");
        let facts = Facts {
            args: &json!({}),
            captured: &BTreeMap::new(),
            agent: "airline",
            caller: None,
            results: &results,
            slots: &BTreeMap::new(),
            state: None,
            now: chrono::DateTime::parse_from_rfc3339(now).ok(),
            history: Arc::new(vec![]),
        };
        let guards = guard(rule);
        let guards: Vec<&CompiledGuard> = guards.iter().collect();
        first_refusal(&guards, &facts)
    }

    #[test]
    fn an_entity_is_bound_by_the_calls_argument() {
        let capture = Capture {
            name: "order".to_owned(),
            path: Some("order".to_owned()),
            key: Some("order_id".to_owned()),
            argument: None,
        };
        let mut order = Captured::new(&capture);
        order.keep(
            &capture,
            &json!({"order": {"order_id": "#W1", "status": "pending"}}),
        );
        order.keep(
            &capture,
            &json!({"order": {"order_id": "#W2", "status": "delivered"}}),
        );
        order.keep(
            &capture,
            &json!({"order": {"order_id": "#W1", "status": "cancelled"}}),
        );
        order.keep(&capture, &json!({"no_order": true}));
        assert_eq!(
            order.bound("order", &json!({"order_id": "#W1"})).ok(),
            Some(&json!({"order_id": "#W1", "status": "cancelled"})),
            "the later lookup replaced it"
        );
        assert_eq!(
            order
                .bound("order", &json!({}))
                .ok()
                .map(|o| &o["order_id"]),
            Some(&json!("#W1")),
            "the last one kept"
        );
        assert!(
            order.bound("order", &json!({"order_id": ["#W1"]})).is_err(),
            "a list names no single order"
        );
        assert_eq!(order.every().as_object().map(|m| m.len()), Some(2));
        let numbered = Capture {
            key: Some("n".to_owned()),
            path: None,
            ..capture
        };
        let mut by_number = Captured::new(&numbered);
        by_number.keep(&numbered, &json!({"n": 7}));
        assert!(
            by_number.bound("order", &json!({"n": 7})).is_ok(),
            "numbers are keys by value"
        );
    }

    #[test]
    fn the_history_has_every_call_with_its_outcome_and_called_only_successes() {
        let past = |tool: &str, outcome| PastCall {
            tool: tool.to_owned(),
            arguments: json!({"order_id": "#W1"}),
            outcome,
        };
        let history = Arc::new(vec![
            past("verify_pin", ToolOutcome::Failed),
            past("verify_pin", ToolOutcome::Failed),
            past("cancel_order", ToolOutcome::Refused),
        ]);
        let rule_allows = |rule: &str| {
            let facts = Facts {
                args: &json!({"order_id": "#W1"}),
                captured: &BTreeMap::new(),
                agent: "retail",
                caller: None,
                results: &BTreeMap::new(),
                slots: &BTreeMap::new(),
                state: None,
                now: None,
                history: history.clone(),
            };
            let guards = guard(rule);
            let guards: Vec<&CompiledGuard> = guards.iter().collect();
            first_refusal(&guards, &facts).is_none()
        };
        assert!(!rule_allows(
            r#"calls.filter(c, c.tool == "verify_pin" && c.outcome == "failed").size() < 2"#
        ));
        assert!(rule_allows(
            r#"calls.exists(c, c.tool == "cancel_order" && c.outcome == "refused" && c.arguments.order_id == args.order_id)"#
        ));
        assert!(
            !rule_allows(r#"called("cancel_order", {"order_id": args.order_id})"#),
            "a refused call did not run"
        );
    }
}
