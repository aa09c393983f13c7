//! Scripts load from YAML or JSON, and a bad one is reported at file:line:column.

use switchboard_testkit::{Pace, Script};

#[test]
fn a_full_script_loads_with_its_settings() {
    let script = Script::from_text(
        r#"
audio_chunk_ms: 40
pace: realtime
voice_rate: 160
responses:
  - say: Hello.
  - heard: My internet keeps dropping.
    say: Let me check.
    calls: [{name: check_outage, arguments: {address: 12 Harbor Way}, call_id: call_fixed_1}]
  - raw: ['{"type":"response.output_text.delta"}']
  - disconnect: true
"#,
        "good.yaml",
    )
    .unwrap();
    assert_eq!(script.audio_chunk().as_millis(), 40);
    assert_eq!(script.pace(), Pace::Realtime);
    assert_eq!(script.voice_rate(), Some(160));
    let entries = script.entries();
    assert_eq!(entries.len(), 4);
    assert_eq!(
        entries[1].heard.as_deref(),
        Some("My internet keeps dropping.")
    );
    assert_eq!(
        entries[1].calls[0].arguments,
        r#"{"address":"12 Harbor Way"}"#
    );
    assert_eq!(entries[1].calls[0].call_id.as_deref(), Some("call_fixed_1"));
    assert_eq!(entries[2].raw.len(), 1);
    assert!(entries[3].disconnect);
}

#[test]
fn json_scripts_load_too() {
    let script = Script::from_text(r#"{"responses": [{"say": "Hi."}]}"#, "good.json").unwrap();
    assert_eq!(script.entries()[0].say.as_deref(), Some("Hi."));
    assert_eq!(script.pace(), Pace::Instant);
}

#[test]
fn an_unknown_key_is_reported_at_its_line_and_column() {
    let err = Script::from_text(
        "responses:\n  - say: Hello.\n  - sya: Oops.\n",
        "scripts/bad.yaml",
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("scripts/bad.yaml:3:5: unknown key `sya`"),
        "{text}"
    );
    assert!(text.contains("say"), "lists the keys it knows: {text}");
}

#[test]
fn a_wrong_type_is_reported_at_the_value() {
    let err = Script::from_text(
        "pace: instant\nresponses:\n  - say: Hello.\n    calls:\n      - name: f\n        call_id: [1, 2]\n",
        "bad.yaml",
    )
    .unwrap_err();
    assert_eq!((err.line(), err.column()), (Some(6), Some(18)), "{err}");
    assert!(err.to_string().starts_with("bad.yaml:6:18: "), "{err}");
    assert!(
        err.message().contains("responses[0].calls[0].call_id"),
        "{err}"
    );
}

#[test]
fn an_unknown_pace_and_bad_arguments_are_refused() {
    let err = Script::from_text("pace: slow\nresponses: []\n", "bad.yaml").unwrap_err();
    assert_eq!(err.line(), Some(1), "{err}");
    let err = Script::from_text(
        "responses:\n  - calls: [{name: f, arguments: 3}]\n",
        "bad.yaml",
    )
    .unwrap_err();
    assert_eq!(err.line(), Some(2), "{err}");
    assert!(err.message().contains("arguments"), "{err}");
}

#[test]
fn a_syntax_error_has_a_place() {
    let err = Script::from_text("responses:\n  - say: [unclosed\n", "bad.yaml").unwrap_err();
    assert!(err.line().is_some(), "{err}");
    assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
}

#[test]
fn a_missing_file_names_the_file() {
    let err = Script::load("/nonexistent/rehearsal.yaml").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/rehearsal.yaml: cannot read"),
        "{err}"
    );
}

#[test]
fn messages_and_steps_load_in_order_with_their_summaries() {
    use switchboard_testkit::ScriptedStep;
    let script = Script::from_text(
        r#"
model: gpt-realtime-2.1
responses:
  - messages: ["Let me check that for you.", "Your refund is on its way."]
    calls: [{name: a}, {name: b}]
  - steps:
      - say: One moment.
      - call: {name: lookup, arguments: {id: 7}, call_id: call_x}
      - say_from_output: answer
"#,
        "steps.yaml",
    )
    .unwrap();
    let [first, second] = script.entries() else {
        panic!("two entries");
    };
    assert_eq!(first.steps.len(), 4);
    assert_eq!(
        first.say.as_deref(),
        Some("Let me check that for you. Your refund is on its way.")
    );
    assert_eq!(
        first
            .calls
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    let [
        ScriptedStep::Say(said),
        ScriptedStep::Call(call),
        ScriptedStep::SayFromOutput(key),
    ] = second.steps.as_slice()
    else {
        panic!("{:?}", second.steps);
    };
    assert_eq!(
        (said.as_str(), call.arguments.as_str(), key.as_str()),
        ("One moment.", r#"{"id":7}"#, "answer")
    );
    assert_eq!(call.call_id.as_deref(), Some("call_x"));
    assert_eq!(second.calls.len(), 1, "calls sums up every call");
}

#[test]
fn impossible_combinations_of_the_new_shapes_are_refused_where_they_are() {
    for (text, place, says) in [
        (
            "responses:\n  - say: Hi.\n    messages: [a, b]\n",
            (3, 5),
            "`messages`",
        ),
        (
            "responses:\n  - steps: [{say: a}]\n    calls: [{name: f}]\n",
            (2, 5),
            "`steps`",
        ),
        ("responses:\n  - messages: []\n", (2, 15), "at least one"),
        (
            "responses:\n  - steps:\n      - say: a\n        call: {name: f}\n",
            (3, 9),
            "exactly one",
        ),
        (
            "responses:\n  - steps:\n      - call: {name: ' '}\n",
            (3, 22),
            "function `name`",
        ),
        (
            "responses:\n  - messages: [a]\n    disconnect: true\n",
            (3, 5),
            "`disconnect`",
        ),
    ] {
        let err = Script::from_text(text, "s.yaml").unwrap_err();
        assert_eq!(
            (err.line(), err.column()),
            (Some(place.0), Some(place.1)),
            "{err}"
        );
        assert!(err.message().contains(says), "{err}");
    }
    let err = Script::from_text("responses:\n  - steps: [{sya: a}]\n", "s.yaml").unwrap_err();
    assert!(err.message().contains("unknown key `sya`"), "{err}");
}
