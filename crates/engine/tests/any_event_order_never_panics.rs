//! Every event type of either side, in any order, with tool results, supervisor replies and
//! timeouts interleaved: the session never panics and keeps answering.

mod common;

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use common::*;
use proptest::prelude::*;
use switchboard_engine::Input;
use switchboard_wire::{ClientEvent, ServerEvent};

/// Every GA fixture of the wire package: one event of each type, for each side.
fn fixtures(side: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../wire/tests/data/ga")
        .join(side);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the wire fixtures exist")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable fixture"))
        .collect()
}

static CLIENT: LazyLock<Vec<ClientEvent>> = LazyLock::new(|| {
    fixtures("client")
        .iter()
        .map(|t| ClientEvent::from_json(t).expect("valid fixture"))
        .collect()
});

static SERVER: LazyLock<Vec<ServerEvent>> = LazyLock::new(|| {
    fixtures("server")
        .iter()
        .map(|t| ServerEvent::from_json(t).expect("valid fixture"))
        .collect()
});

#[derive(Debug, Clone)]
enum Step {
    Caller(usize),
    Model(usize),
    Tool(u8, bool),
    Supervisor(u8, bool),
    Played(u64),
    RolledOver,
    Malformed,
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0usize..64).prop_map(Step::Caller),
        6 => (0usize..64).prop_map(Step::Model),
        1 => (0u8..4, any::<bool>()).prop_map(|(c, ok)| Step::Tool(c, ok)),
        1 => (0u8..4, any::<bool>()).prop_map(|(c, ok)| Step::Supervisor(c, ok)),
        1 => (0u64..5_000).prop_map(Step::Played),
        1 => Just(Step::RolledOver),
        1 => Just(Step::Malformed),
        2 => (0u64..10_000).prop_map(Step::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_order_of_any_events_never_panics(steps in proptest::collection::vec(step(), 1..80)) {
        let (client, server) = (&*CLIENT, &*SERVER);
        prop_assert!(client.len() >= 11 && server.len() >= 46);
        let mut h = Harness::agent();
        for s in steps {
            let input = match s {
                Step::Caller(i) => Input::Caller(client[i % client.len()].clone()),
                Step::Model(i) => Input::Model(server[i % server.len()].clone()),
                Step::Tool(c, ok) => Input::ToolResult {
                    call_id: format!("call_{c}").into(),
                    outcome: if ok { Ok(serde_json::json!({"ok": true})) } else { Err(switchboard_engine::ToolError::Failed("boom".into())) },
                },
                Step::Supervisor(c, ok) => {
                    let id = switchboard_engine::SupervisorRequestId { call_id: format!("call_{c}").into(), round: 1 };
                    if ok {
                        let bytes = b"data: {\"choices\":[{\"delta\":{\"content\":\"$12.50 on 2025-01-02\"}}]}\n\ndata: [DONE]\n\n".to_vec();
                        Input::SupervisorChunk { id, bytes }
                    } else {
                        Input::SupervisorStreamEnded { id, result: Err(switchboard_engine::SupervisorFailure::Unreachable("boom".into())) }
                    }
                }
                Step::Played(ms) => Input::Played { item_id: "item_1".into(), until: Duration::from_millis(ms) },
                Step::RolledOver => Input::ModelConnected,
                Step::Malformed => Input::CallerMalformed(ClientEvent::from_json("{").expect_err("malformed")),
                Step::Advance(ms) => {
                    h.advance(Duration::from_millis(ms));
                    continue;
                }
            };
            h.session.handle_input(input, h.now);
            h.drain();
        }
        h.advance(Duration::from_secs(3_600));
        // A move to a new model connection the engine asked for is carried out: the new
        // connection opens and acknowledges the replay.
        if h.session.awaits_model_connection() {
            h.session.handle_input(Input::ModelConnected, h.now);
            h.drain();
            h.model(serde_json::json!({"type":"session.updated","event_id":"m","session":{"type":"realtime"}}));
            for _ in 0..64 {
                h.model(serde_json::json!({"type":"conversation.item.done","event_id":"m","item":{"type":"message","role":"user","content":[]}}));
            }
        }
        // Still answering: a caller frame goes through to the model.
        let out = h.caller(serde_json::json!({"type":"input_audio_buffer.append","audio":"AAAA"}));
        prop_assert!(to_model_types(&out).contains(&"input_audio_buffer.append"));
    }
}
