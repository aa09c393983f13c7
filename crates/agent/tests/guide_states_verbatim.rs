//! The guide's `# Conversation States` JSON is accepted verbatim, trailing comma included,
//! and the Snowy Peak example carries its states 1–3 unchanged.
//!
//! `tests/data/guide-states-1-3.json` is the guide's text cut after state 3 and closed with
//! `]`; it is not strict JSON (the guide leaves a comma after the last instruction of state
//! 3), which is why the example itself is written without it.

use std::fs;
use std::path::Path;

use switchboard_agent::model::GuideState;

fn load_states(text: &str) -> Vec<GuideState> {
    switchboard_agent::load(text)
        .unwrap_or_else(|d| panic!("does not load: {d:#?}"))
        .agent
        .states
}

#[test]
fn the_guides_states_load_as_written_and_match_the_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = fs::read_to_string(root.join("tests/data/guide-states-1-3.json")).expect("data");
    assert!(
        serde_json::from_str::<serde_json::Value>(&guide).is_err(),
        "the guide's text is expected to have its trailing comma"
    );
    let from_guide = load_states(&format!(
        "{{\"name\": \"guide\", \"role\": \"r\", \"states\": {guide}}}"
    ));
    assert_eq!(from_guide.len(), 3);
    assert_eq!(
        from_guide[2].instructions.len(),
        3,
        "trailing comma adds no entry"
    );

    let example = fs::read_to_string(root.join("../../examples/agents/snowy-peak/agent.json"))
        .expect("example");
    serde_json::from_str::<serde_json::Value>(&example).expect("the example is strict JSON");
    let mut states = load_states(&example);
    assert!(states[2].readback, "the phone state reads digits back");
    states[2].readback = false;
    assert_eq!(states[..3], from_guide[..]);

    // Every transition resolves to a state of the machine.
    let ids: Vec<&str> = states.iter().map(|s| s.id.as_str()).collect();
    for state in &states {
        for t in &state.transitions {
            assert!(
                ids.contains(&t.next_step.as_str()),
                "{} → {} names no state",
                state.id,
                t.next_step
            );
        }
    }
}
