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
