//! Consent for confirmation-first tools: the pending action, the question the caller heard,
//! the caller's answer, and the one call it allows.
//!
//! A confirmation-first call is a **pending action**: the tool and its exact arguments,
//! normalised (key order, `30` and `30.0`, strings in one typography, case and spacing). It
//! runs only when all of these hold, in this order:
//!
//! 1. **A question about this action was heard.** After the hold, the caller heard (see
//!    `playback.rs`: words a barge-in cut off were not heard; text is heard whole) an agent
//!    line with the tool's `confirmation_phrase`, or a question (`?`) naming the action's key
//!    arguments. Key arguments are the tool's `confirm.arguments` and the phrase's
//!    `{placeholders}`; when there are some, the line must name each one's value as the held
//!    call has it ("thirty" or "30" names `minutes: 30`, "sixty" does not), phrase or not. A
//!    line with the phrase that names other values, or heard before any call was held, asks
//!    about the tool's *next* call instead: it counts for that call only if it named the
//!    arguments the call carries.
//! 2. **The caller's next turn agrees.** The first caller turn after the question is
//!    classified (`affirm.rs`): only an explicit yes is consent; a refusal, a question, a hedge,
//!    a condition, a request to wait or to explain is not, and the question is spent either way.
//! 3. **The model's next call of the tool carries exactly what was agreed.** That call uses the
//!    consent up, whether it matches or not: any change is a new pending action, held for its
//!    own question and answer.
//!
//! A yes never carries over to another tool (each tool has its own state), to another question
//! (a new question about the tool replaces an earlier one and its unused yes) or to other
//! arguments; a later "no" from the caller withdraws an unused yes. Each step is recorded as a
//! guard decision: `confirmation_requested` (held), `confirmation_asked` (the question was
//! heard), `consent_given` / `consent_not_given` (the answer), `consent_missing` (a held call
//! came back without consent for exactly its arguments).

use super::*;

use crate::affirm::Answer;

/// What consent needs of a confirmation-first tool, function or MCP: the phrase that asks,
/// and the arguments its question must name.
#[derive(Debug, Clone)]
pub(super) struct Confirmable {
    phrase: Option<String>,
    key_arguments: Vec<String>,
}

impl Confirmable {
    fn new(phrase: Option<&str>, confirm_arguments: &[String]) -> Self {
        Self {
            phrase: phrase.map(str::to_owned),
            key_arguments: key_arguments(phrase, confirm_arguments),
        }
    }
}

/// Where consent stands for each confirmation-first tool.
#[derive(Debug, Default)]
pub(super) struct Consents {
    tools: BTreeMap<String, ToolConsent>,
}

#[derive(Debug, Default)]
struct ToolConsent {
    /// The call held last, waiting for its question and answer.
    pending: Option<Action>,
    /// The last question about the tool the caller heard and has not answered yet.
    question: Option<Question>,
    /// The caller agreed to a question; the tool's next call uses it up.
    consent: Option<Question>,
    /// The tool was held or ran before: a call without consent now is a repeat.
    seen: bool,
}

/// A call: its arguments as the model sent them, and normalised for comparing.
#[derive(Debug, Clone)]
struct Action {
    arguments: Value,
    key: Value,
}

/// A confirmation question the caller heard.
#[derive(Debug, Clone)]
struct Question {
    said: String,
    about: About,
}

#[derive(Debug, Clone)]
enum About {
    /// The held call: a yes covers exactly its arguments.
    Held(Action),
    /// No held call it names: a yes covers the next call whose key arguments it names.
    NextCall,
}

impl Session {
    /// The caller heard `text` from the agent, spoken in `response`: is it a confirmation
    /// question of a confirmation-first tool?
    pub(super) fn agent_heard(&mut self, text: &str, response: &wire::ResponseId) {
        for (name, tool) in self.confirmables() {
            let key_arguments = tool.key_arguments;
            let phrase = tool.phrase.as_deref().is_some_and(|p| phrase_said(p, text));
            let state = self.consents.tools.entry(name.clone()).or_default();
            let about = match &state.pending {
                Some(held)
                    if (phrase || (!key_arguments.is_empty() && text.contains('?')))
                        && names_all(text, &held.arguments, &key_arguments) =>
                {
                    About::Held(held.clone())
                }
                _ if phrase => About::NextCall,
                _ => continue,
            };
            let detail = format!(
                "{}; asked: “{text}”",
                subject(&name, &about, state.pending.as_ref(), &key_arguments)
            );
            // A new question replaces an earlier one, and the yes given to it.
            state.question = Some(Question {
                said: text.to_owned(),
                about,
            });
            state.consent = None;
            self.record_for(
                Record::Guard {
                    decision: GuardDecision::ConfirmationAsked,
                    tool: Some(name.clone()),
                    detail,
                },
                Some(response.clone()),
            );
        }
    }

    /// The caller's turn `text` answers every question they heard and have not answered.
    pub(super) fn caller_answered(&mut self, text: &str) {
        let answer = self.lexicon.classify(text);
        let mut guards = Vec::new();
        let confirmables: BTreeMap<String, Confirmable> = self.confirmables().into_iter().collect();
        for (name, state) in &mut self.consents.tools {
            let key_arguments = confirmables
                .get(name)
                .map(|c| c.key_arguments.clone())
                .unwrap_or_default();
            if let Some(question) = state.question.take() {
                let detail = format!(
                    "{}; asked: “{}”; caller: “{text}” → {answer}",
                    subject(
                        name,
                        &question.about,
                        state.pending.as_ref(),
                        &key_arguments
                    ),
                    question.said
                );
                if answer.is_consent() {
                    state.consent = Some(question);
                    guards.push((GuardDecision::ConsentGiven, name.clone(), detail));
                } else {
                    guards.push((GuardDecision::ConsentNotGiven, name.clone(), detail));
                }
            } else if answer == Answer::Deny
                && let Some(question) = state.consent.take()
            {
                guards.push((
                    GuardDecision::ConsentNotGiven,
                    name.clone(),
                    format!(
                        "{}; the yes to “{}” is withdrawn: caller: “{text}” → {answer}",
                        subject(
                            name,
                            &question.about,
                            state.pending.as_ref(),
                            &key_arguments
                        ),
                        question.said
                    ),
                ));
            }
        }
        for (decision, tool, detail) in guards {
            self.guard_tool(decision, &tool, detail);
        }
    }

    /// Whether the responder's call of confirmation-first `name` with `args` may run: the
    /// caller agreed to exactly it. The consent is used up either way.
    pub(super) fn take_consent(&mut self, name: &str, args: &Value) -> Result<(), Missing> {
        let key_arguments = self
            .confirmable(name)
            .map(|c| c.key_arguments)
            .unwrap_or_default();
        let state = self.consents.tools.entry(name.to_owned()).or_default();
        let repeat = state.seen || state.pending.is_some() || state.question.is_some();
        state.seen = true;
        let Some(consent) = state.consent.take() else {
            let why = match &state.question {
                Some(q) => format!("the caller has not answered “{}” yet", q.said),
                None if state.pending.is_some() => {
                    "no question about it was heard since the call was held".to_owned()
                }
                None => "nothing was asked since the last call".to_owned(),
            };
            return Err(Missing { repeat, why });
        };
        let agreed = match &consent.about {
            About::Held(held) => held.key == normalise(args),
            About::NextCall => names_all(&consent.said, args, &key_arguments),
        };
        if agreed {
            state.pending = None;
            return Ok(());
        }
        let why = match &consent.about {
            About::Held(held) => format!(
                "the caller agreed to {} (“{}”), not to these arguments",
                call(name, &held.arguments),
                consent.said
            ),
            About::NextCall => format!(
                "the question the caller agreed to (“{}”) did not name {}",
                consent.said,
                named(args, &key_arguments)
            ),
        };
        Err(Missing { repeat: true, why })
    }

    /// Holds a confirmation-first call as the tool's pending action, and tells the model what
    /// to ask.
    pub(super) fn hold_for_consent(
        &mut self,
        call_id: &CallId,
        name: &str,
        args: Value,
        missing: Missing,
    ) {
        let Some(output) = self.hold(name, &args, missing) else {
            return;
        };
        self.answer(
            call_id,
            name,
            args,
            ToolOutcome::HeldForConfirmation,
            output,
            Duration::ZERO,
        );
    }

    /// Makes `args` the pending action of confirmation-first `name` and records why; returns
    /// what the model is told to ask.
    pub(super) fn hold(&mut self, name: &str, args: &Value, missing: Missing) -> Option<Value> {
        let Confirmable {
            phrase,
            key_arguments,
        } = self.confirmable(name)?;
        let phrase = phrase.unwrap_or_default();
        if missing.repeat {
            self.guard_tool(
                GuardDecision::ConsentMissing,
                name,
                format!(
                    "{} came back without consent for exactly these arguments: {}",
                    call(name, args),
                    missing.why
                ),
            );
        }
        let state = self.consents.tools.entry(name.to_owned()).or_default();
        state.pending = Some(Action {
            key: normalise(args),
            arguments: args.clone(),
        });
        let mut detail = format!("held: {}; to ask: “{phrase}”", call(name, args));
        if !key_arguments.is_empty() {
            detail.push_str(&format!(", naming {}", named(args, &key_arguments)));
        }
        self.guard_tool(GuardDecision::ConfirmationRequested, name, detail);
        Some(confirmation_needed(name, &phrase, args, &key_arguments))
    }

    /// The agent's confirmation-first tools by the name their calls carry: function tools by
    /// name, MCP tools as `server_label.name` (a function name cannot hold a dot).
    pub(super) fn confirmables(&self) -> Vec<(String, Confirmable)> {
        let functions = self
            .agent
            .tools
            .iter()
            .filter(|(_, spec)| spec.tool.behaviour == Behaviour::ConfirmationFirst)
            .map(|(name, spec)| {
                let tool = &spec.tool;
                let c =
                    Confirmable::new(tool.confirmation_phrase.as_deref(), &tool.confirm.arguments);
                (name.clone(), c)
            });
        let mcp = self.agent.file.mcp_servers.iter().flat_map(|server| {
            server
                .tools
                .iter()
                .filter(|t| t.is_confirmation_first())
                .map(|t| {
                    let c =
                        Confirmable::new(t.confirmation_phrase.as_deref(), &t.confirm.arguments);
                    (mcp_name(&server.server_label, &t.name), c)
                })
        });
        functions.chain(mcp).collect()
    }

    fn confirmable(&self, name: &str) -> Option<Confirmable> {
        self.confirmables()
            .into_iter()
            .find_map(|(n, c)| (n == name).then_some(c))
    }
}

/// The name an MCP tool's calls are recorded and consented under.
pub(crate) fn mcp_name(server_label: &str, tool: &str) -> String {
    format!("{server_label}.{tool}")
}

/// Why a confirmation-first call has no consent.
#[derive(Debug)]
pub(super) struct Missing {
    /// The tool was held, asked about or run before: the record says why this call is held.
    repeat: bool,
    why: String,
}

/// The arguments a tool's question must name: `confirm.arguments`, then the phrase's
/// placeholders.
fn key_arguments(phrase: Option<&str>, confirm_arguments: &[String]) -> Vec<String> {
    let mut names = confirm_arguments.to_vec();
    if let Some(phrase) = phrase {
        for (_, placeholder) in fragments(phrase) {
            if let Some(p) = placeholder
                && !names.iter().any(|n| n == p)
            {
                names.push(p.to_owned());
            }
        }
    }
    names
}

/// The phrase as literal text and `{placeholder}` names, in order.
fn fragments(phrase: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let mut rest = phrase;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        out.push((&rest[..open], Some(&rest[open + 1..close])));
        rest = &rest[close + 1..];
    }
    out.push((rest, None));
    out
}

/// Whether `text` says `phrase`: its words in order, whatever the typography, with anything
/// in place of its placeholders.
fn phrase_said(phrase: &str, text: &str) -> bool {
    let said = key_words(text);
    let mut from = 0;
    let mut any = false;
    for (literal, _) in fragments(phrase) {
        let words = key_words(literal);
        if words.is_empty() {
            continue;
        }
        any = true;
        match said[from..]
            .windows(words.len())
            .position(|w| w == words.as_slice())
        {
            Some(at) => from += at + words.len(),
            None => return false,
        }
    }
    any
}

fn key_words(text: &str) -> Vec<String> {
    switchboard_speech::sentence_key(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn contains_words(text: &[String], words: &[String]) -> bool {
    !words.is_empty() && text.windows(words.len()).any(|w| w == words)
}

/// Whether `text` names the value of each of `key_arguments` that `args` has.
fn names_all(text: &str, args: &Value, key_arguments: &[String]) -> bool {
    key_arguments
        .iter()
        .all(|name| args.get(name).is_none_or(|value| names(text, value)))
}

/// Whether `text` names `value`, as a caller hears it: a number by its digits or its words
/// ("30", "thirty"), a string by its words, the way it is spoken ("10am" as "ten a.m.") or read
/// back character by character ("N-L-1-0-4-8-2").
fn names(text: &str, value: &Value) -> bool {
    match value {
        Value::Number(n) => n
            .as_f64()
            .is_some_and(|n| switchboard_speech::numbers_said(text).contains(&n)),
        Value::String(s) => {
            let said = key_words(text);
            if contains_words(&said, &key_words(s))
                || contains_words(&said, &key_words(&switchboard_speech::make_speakable(s)))
            {
                return true;
            }
            let characters: String = s
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            characters.len() >= 3
                && characters.chars().any(|c| c.is_ascii_digit())
                && switchboard_speech::parse_readback(text).contains(&characters)
        }
        Value::Array(items) => items.iter().all(|v| names(text, v)),
        Value::Object(fields) => fields.values().all(|v| names(text, v)),
        // A yes or no has no words of its own to hear.
        Value::Bool(_) | Value::Null => true,
    }
}

/// Arguments written one way for comparing: members in name order and without nulls,
/// whole numbers as integers (`30.0` is `30`), strings in one typography, lower case, single
/// spaces.
pub(super) fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(fields) => {
            let sorted: BTreeMap<&String, Value> = fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, normalise(v)))
                .collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
            _ => value.clone(),
        },
        Value::String(s) => Value::String(switchboard_speech::normalise_text(s)),
        Value::Bool(_) | Value::Null => value.clone(),
    }
}

/// `` `refund_credit`(account_id="NL-10482", minutes=60) ``, members in name order.
fn call(name: &str, args: &Value) -> String {
    let members: Vec<String> = match args {
        Value::Object(fields) => {
            let sorted: BTreeMap<&String, &Value> = fields.iter().collect();
            sorted.iter().map(|(k, v)| format!("{k}={v}")).collect()
        }
        _ => Vec::new(),
    };
    format!("`{name}`({})", members.join(", "))
}

/// The key arguments' values as the question must name them: `minutes=60 (“sixty”)`.
fn named(args: &Value, key_arguments: &[String]) -> String {
    let parts: Vec<String> = key_arguments
        .iter()
        .filter_map(|name| {
            let value = args.get(name)?;
            Some(match value {
                Value::Number(n) => match n.as_i64() {
                    Some(i) => format!("{name}={n} (“{}”)", switchboard_speech::cardinal(i)),
                    None => format!("{name}={n}"),
                },
                Value::String(s) => format!("{name}=“{s}”"),
                other => format!("{name}={other}"),
            })
        })
        .collect();
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join(" and ")
    }
}

/// What a question is about, for the records.
fn subject(
    name: &str,
    about: &About,
    pending: Option<&Action>,
    key_arguments: &[String],
) -> String {
    match (about, pending) {
        (About::Held(held), _) => format!("held: {}", call(name, &held.arguments)),
        (About::NextCall, Some(held)) => format!(
            "held: {}, which the question does not name ({} not said); it asks about the next call of `{name}`",
            call(name, &held.arguments),
            named(&held.arguments, key_arguments)
        ),
        (About::NextCall, None) => {
            format!("nothing held yet, a question before a call of `{name}`")
        }
    }
}

/// The held call's answer to the model: nothing was done, what to ask, and when to call again.
fn confirmation_needed(name: &str, phrase: &str, args: &Value, key_arguments: &[String]) -> Value {
    let mut message = format!(
        "Nothing was done: `{name}` runs only after the caller agrees to exactly this call. Ask the caller first, with: “{phrase}”"
    );
    let mut name_in_question = serde_json::Map::new();
    if !key_arguments.is_empty() {
        message.push_str(&format!(
            " In that question, say {}.",
            named(args, key_arguments)
        ));
        for key in key_arguments {
            if let Some(value) = args.get(key) {
                name_in_question.insert(key.clone(), value.clone());
            }
        }
    }
    message.push_str(&format!(
        " Call `{name}` again with exactly the same arguments only after the caller clearly says yes to that question; if they ask something, hesitate, set a condition, ask you to wait or say no, do not call it."
    ));
    let mut output = json!({
        "status": "confirmation_required",
        "message": message,
        "ask": phrase,
    });
    if !name_in_question.is_empty() {
        output["name_in_question"] = Value::Object(name_in_question);
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_named_the_way_a_caller_hears_it() {
        assert!(names("Shall I add thirty minutes?", &json!(30)));
        assert!(names("a 30-minute credit?", &json!(30.0)));
        assert!(!names("Shall I add sixty minutes?", &json!(30)));
        assert!(!names("thirty-five minutes", &json!(30)));
        assert!(names("for account N-L-1-0-4-8-2?", &json!("NL-10482")));
        assert!(names("in the 10am–12pm ET window?", &json!("10am-12pm ET")));
        assert!(!names("in the afternoon?", &json!("10am–12pm ET")));
    }

    #[test]
    fn a_phrase_is_said_whatever_its_typography_and_placeholders() {
        let phrase = "I can issue a credit for this outage—would you like me to go ahead?";
        assert!(phrase_said(
            phrase,
            "OK. I can issue a credit for this outage - would you like me to go ahead? Sixty minutes."
        ));
        assert!(!phrase_said(
            phrase,
            "I can issue a credit for this outage—would you like"
        ));
        let phrase = "Shall I add a {minutes}-minute credit?";
        assert!(phrase_said(phrase, "Shall I add a sixty-minute credit?"));
        assert!(!phrase_said(phrase, "Shall I add it?"));
    }

    #[test]
    fn arguments_compare_whatever_their_order_and_number_form() {
        assert_eq!(
            normalise(&json!({"minutes": 30.0, "account_id": " NL-10482 "})),
            normalise(&json!({"account_id": "nl-10482", "minutes": 30, "note": null}))
        );
        assert_ne!(
            normalise(&json!({"minutes": 30})),
            normalise(&json!({"minutes": 60}))
        );
    }
}
