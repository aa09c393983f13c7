//! Events as servers sent them before the GA shapes settled are read, and relayed, as they
//! came: `conversation.item.input_audio_transcription.completed` carried no `usage` until at
//! least mid-2025 (the shape of OpenAI's own 2025 Realtime examples and SDK captures).

use serde_json::Value;
use switchboard_wire::ServerEvent;

fn recorded(name: &str) -> String {
    let path = format!(
        "{}/tests/data/recorded/ga/server/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn a_transcription_without_usage_is_read_and_written_back_without_it() {
    let text = recorded("transcription-completed-without-usage.json");
    let event = ServerEvent::from_json(&text).expect("an older server's event parses");
    let ServerEvent::InputTranscriptionCompleted(done) = &event else {
        panic!("parsed as {}", event.event_type());
    };
    assert_eq!(done.transcript, "Hello, how are you?");
    assert!(done.usage.is_none());
    let written: Value = serde_json::from_str(&event.to_json()).expect("JSON");
    let original: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(written, original, "relayed as it came, no usage invented");
}
