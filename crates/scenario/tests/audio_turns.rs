//! Audio caller turns, latency budgets and live-model runs, end to end through the gateway:
//! speech synthesised with espeak-ng, a WAV file, silence, noise and a barge-in, each checked
//! against the call's record.

use std::path::{Path, PathBuf};

use switchboard_audio::{SampleRate, Wav, WavEncoding, WavSpec};
use switchboard_engine::Speaker;
use switchboard_scenario::{Model, Report, RunOptions, Scenario};
use switchboard_store::{Event, SessionRecord};
use switchboard_testkit::{Emulator, EmulatorOptions};

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The order desk agent of `tests/data/audio`, as a scenario file would name it.
fn desk() -> String {
    crate_path("tests/data/audio/agent.yaml")
        .display()
        .to_string()
}

fn northloop() -> String {
    crate_path("../../examples/agents/northloop/agent.yaml")
        .display()
        .to_string()
}

/// A scenario from its text, placed in `tests/data/audio` (where relative paths resolve).
fn scenario(text: &str) -> Scenario {
    switchboard_scenario::from_text(text, &crate_path("tests/data/audio/inline.yaml"))
        .unwrap_or_else(|e| panic!("loads: {e}"))
}

/// espeak-ng is needed for `speak` turns; without it those tests have nothing to run, unless
/// the suite requires outside programs.
fn espeak() -> bool {
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok();
    assert!(
        found || std::env::var_os("SWITCHBOARD_REQUIRE_EXTERNAL").is_none(),
        "espeak-ng is required"
    );
    found
}

async fn run(scenario: &Scenario) -> Report {
    switchboard_scenario::run(scenario, &RunOptions::default()).await
}

fn record(report: &Report) -> &SessionRecord {
    report.record.as_ref().expect("a record")
}

fn guards<'a>(record: &'a SessionRecord, decision: &str) -> Vec<&'a str> {
    record
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Guard {
                decision: d,
                detail,
                ..
            } if d.as_str() == decision => Some(detail.as_str()),
            _ => None,
        })
        .collect()
}

fn said(record: &SessionRecord, who: Speaker) -> Vec<&str> {
    record
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Utterance { speaker, text, .. } if *speaker == who => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoken_turns_reach_the_tools_and_the_transcript() {
    if !espeak() {
        return;
    }
    // The script has no `heard`: what each `speak` turn says is what the emulator reports.
    let scenario = scenario(&format!(
        r#"
name: spoken account lookup
agent: {}
model:
  responses:
    - say: NorthLoop, how can I help?
    - say: What's the phone number?
    - say: I have 4-1-5-5-5-5-0-1-2-3. Right?
    - calls: [{{name: lookup_account, arguments: {{email_or_phone: "4155550123"}}}}]
    - say: Found you, Alex. Anything else?
    - say: Bye now.
      calls: [{{name: finish_session, arguments: {{}}}}]
latency_budget_ms: 10000
caller:
  - wait_for_agent: true
  - speak: My internet keeps dropping.
  - speak: It's 415 555 0123.
  - speak: Yes, that's right.
  - speak: No, that's all.
expect:
  - tool_called: {{name: lookup_account, arguments: {{email_or_phone: "4155550123"}}}}
  - transcript_contains: "It's 415 555 0123."
  - transcript_contains: "4-1-5-5-5-5-0-1-2-3"
  - call_ended_by: finish_session
"#,
        northloop()
    ));
    let report = run(&scenario).await;
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(report.checked, 8, "four assertions and four budgets");
    let record = record(&report);
    assert_eq!(
        said(record, Speaker::Caller),
        [
            "My internet keeps dropping.",
            "It's 415 555 0123.",
            "Yes, that's right.",
            "No, that's all."
        ]
    );
    let turns: Vec<usize> = report.turn_latencies.iter().map(|(t, _)| *t).collect();
    assert_eq!(turns, [1, 2, 3, 4], "each spoken turn is measured once");
    // The goodbye was heard to its last word before the gateway hung up.
    let goodbye = said(record, Speaker::Agent)
        .last()
        .copied()
        .unwrap_or_default();
    assert!(goodbye.ends_with("now."), "{goodbye:?}");
}

/// A WAV file at 16 kHz, stereo: a second and a half of alternating tones.
fn stereo_wav() -> Vec<u8> {
    let rate = SampleRate::HZ_16000;
    let mut interleaved = Vec::new();
    for n in 0..24_000_u32 {
        let pitch = if (n / 1_600) % 2 == 0 { 220.0 } else { 330.0 };
        let t = n as f32 / 16_000.0;
        let sample = ((t * pitch * std::f32::consts::TAU).sin() * 7_000.0) as i16;
        interleaved.extend([sample, sample / 2]);
    }
    let spec = WavSpec {
        encoding: WavEncoding::Pcm16,
        channels: 2,
        sample_rate: rate,
    };
    Wav::new(spec, switchboard_audio::pcm::samples_to_bytes(&interleaved))
        .expect("a WAV")
        .to_bytes()
        .expect("its bytes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wav_turn_is_heard_and_an_impossible_budget_fails() {
    let dir = std::env::temp_dir().join(format!("switchboard-wav-turn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    std::fs::write(dir.join("order.wav"), stereo_wav()).expect("writes the WAV");
    let path = dir.join("wav.yaml");
    let text = format!(
        r#"
name: order by WAV
agent: {}
model:
  responses:
    - say: Order desk, go ahead.
    - calls: [{{name: lookup_order, arguments: {{order: A-17}}}}]
    - say: It has shipped.
caller:
  - wait_for_agent: true
  - wav: order.wav
    heard: Where is order A-17?
    budget_ms: 1
expect:
  - tool_called: {{name: lookup_order, arguments: {{order: A-17}}}}
  - transcript_contains: has shipped
"#,
        desk()
    );
    let scenario = switchboard_scenario::from_text(&text, &path).expect("loads");
    let report = run(&scenario).await;
    let _ = std::fs::remove_dir_all(&dir);
    let failures: Vec<(&str, &str)> = report
        .failures
        .iter()
        .map(|f| (f.assertion.as_str(), f.message.as_str()))
        .collect();
    // The call went as scripted; only the 1 ms budget fails (the lookup alone takes 300 ms).
    assert_eq!(failures.len(), 1, "{failures:#?}");
    let (assertion, message) = failures[0];
    assert_eq!(assertion, "latency");
    let measured = report
        .turn_latencies
        .iter()
        .find(|(turn, _)| *turn == 1)
        .map(|(_, latency)| latency.as_millis())
        .expect("turn 1 is measured");
    let expected = format!(
        "turn 1 (wav {}): {measured} ms from the end of the caller's speech to the agent's first \
         audio, over the 1 ms budget",
        dir.join("order.wav").display()
    );
    assert_eq!(message, expected);
    assert_eq!(
        said(record(&report), Speaker::Caller),
        ["Where is order A-17?"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_become_no_input_turns_and_escalate() {
    let scenario = scenario(&format!(
        r#"
name: two silences
agent: {}
model:
  responses:
    - say: Order desk, go ahead.
    - say: Are you there?
    - say: Let me get someone who can help.
      calls: [{{name: escalate_to_human, arguments: {{reason: the caller said nothing}}}}]
    - say: A specialist is joining.
caller:
  - wait_for_agent: true
  - silence: 5500
  - silence: 5500
expect:
  - escalated: true
"#,
        desk()
    ));
    let report = run(&scenario).await;
    assert!(report.passed(), "{:#?}", report.failures);
    let record = record(&report);
    assert_eq!(
        guards(record, "no_input").len(),
        2,
        "{:#?}",
        record.timeline
    );
    assert!(
        guards(record, "no_match").is_empty(),
        "{:#?}",
        record.timeline
    );
    assert!(said(record, Speaker::Caller).is_empty());
    assert!(
        report.turn_latencies.is_empty(),
        "silence has no end of speech"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noise_is_unclear_audio_not_words() {
    let scenario = scenario(&format!(
        r#"
name: noise on the line
agent: {}
model:
  responses:
    - say: Order desk, go ahead.
    - say: Sorry, I didn't catch that.
caller:
  - wait_for_agent: true
  - noise: 800
    budget_ms: 10000
expect:
  - transcript_contains: didn't catch that
"#,
        desk()
    ));
    let report = run(&scenario).await;
    assert!(report.passed(), "{:#?}", report.failures);
    let record = record(&report);
    assert_eq!(
        guards(record, "no_match").len(),
        1,
        "{:#?}",
        record.timeline
    );
    assert!(said(record, Speaker::Caller).is_empty());
    assert_eq!(report.turn_latencies.len(), 1);
    assert_eq!(report.turn_latencies[0].0, 1, "the unclear turn is turn 1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_barge_in_cuts_the_reply_short() {
    if !espeak() {
        return;
    }
    let long = "Our return window is thirty days from delivery, and refunds reach your card \
                within five to seven business days after we receive the parcel.";
    let scenario = scenario(&format!(
        r#"
name: barge-in
agent: {}
model:
  pace: realtime
  responses:
    - say: Order desk, go ahead.
    - say: {long}
    - say: Thirty days.
caller:
  - wait_for_agent: true
  - speak: What is your return policy?
  - barge_in: {{after_ms: 1500, speak: Just the refund window please.}}
    budget_ms: 10000
"#,
        desk()
    ));
    let report = run(&scenario).await;
    assert!(report.passed(), "{:#?}", report.failures);
    let record = record(&report);
    let cut = guards(record, "barge_in");
    assert_eq!(cut.len(), 1, "{:#?}", record.timeline);
    assert!(cut[0].starts_with("truncated"), "{}", cut[0]);
    let agent = said(record, Speaker::Agent);
    let heard = agent
        .iter()
        .find(|line| line.contains("return"))
        .unwrap_or_else(|| {
            panic!(
                "the start of the long reply was heard: {:#?}",
                record.timeline
            )
        });
    assert!(
        long.starts_with("Our") && long.contains(heard.trim()) && heard.len() < long.len() / 2,
        "only what played before the barge-in is recorded: {heard:?}"
    );
    assert!(
        agent.last().is_some_and(|l| l.ends_with("days.")),
        "{agent:?}"
    );
    assert_eq!(
        said(record, Speaker::Caller),
        [
            "What is your return policy?",
            "Just the refund window please."
        ]
    );
    let turns: Vec<usize> = report.turn_latencies.iter().map(|(t, _)| *t).collect();
    assert_eq!(turns, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_model_run_waits_for_the_turn_to_end_not_for_the_script() {
    let scenario = switchboard_scenario::load(&crate_path(
        "../../examples/agents/northloop/scenarios/outage-and-refund.yaml",
    ))
    .expect("loads");
    // A stand-in for the live model: an emulator that wants a key. The runner knows nothing
    // of it but its URL and key, as with OpenAI.
    let options = EmulatorOptions {
        require_key: Some("sk-test-live".to_owned()),
        tones_only: true,
        ..EmulatorOptions::default()
    };
    let emulator = Emulator::start("127.0.0.1:0", scenario.script.clone(), options)
        .await
        .expect("emulator");
    let live = |key: &str| RunOptions {
        model: Model::Live {
            base_url: emulator.url(),
            api_key: key.to_owned(),
            model: "gpt-realtime".to_owned(),
        },
    };
    let report = switchboard_scenario::run(&scenario, &live("sk-test-live")).await;
    assert!(report.passed(), "{:#?}", report.failures);
    assert_eq!(emulator.connections(), 1);

    let refused = switchboard_scenario::run(&scenario, &live("sk-wrong")).await;
    let run = refused
        .failures
        .iter()
        .find(|f| f.assertion == "run")
        .expect("the call could not run");
    assert!(run.message.contains("Incorrect API key"), "{}", run.message);
    emulator.shutdown().await;
}

/// A live reply that speaks and calls a slow tool in the same response: the caller must not
/// take the spoken part for the whole reply and talk over the tool's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_model_run_waits_out_a_slow_tool_called_while_speaking() {
    let dir = std::env::temp_dir().join(format!("switchboard-slow-tool-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let desk = std::fs::read_to_string(crate_path("tests/data/audio/agent.yaml")).expect("reads");
    assert!(desk.contains("delay_ms: 300"), "the desk's lookup changed");
    // Slower than any pause a caller would take for the end of a reply.
    std::fs::write(
        dir.join("agent.yaml"),
        desk.replace("delay_ms: 300", "delay_ms: 2500"),
    )
    .expect("writes the agent");
    let text = "name: slow lookup\nagent: agent.yaml\nmodel:\n  responses:\n    - say: Order desk, how can I help?\n    - heard: Where is order 42?\n      say: Let me look that up.\n      calls: [{name: lookup_order, arguments: {order: \"42\"}}]\n    - say: Order 42 has shipped.\n    - heard: Thanks.\n      say: You're welcome.\ncaller:\n  - wait_for_agent: true\n  - say: Where is order 42?\n  - say: Thanks.\nexpect:\n  - tool_called: lookup_order\n";
    let scenario = switchboard_scenario::from_text(text, &dir.join("inline.yaml"))
        .unwrap_or_else(|e| panic!("loads: {e}"));
    let emulator = Emulator::start(
        "127.0.0.1:0",
        scenario.script.clone(),
        EmulatorOptions {
            require_key: Some("sk-test-live".to_owned()),
            tones_only: true,
            ..EmulatorOptions::default()
        },
    )
    .await
    .expect("emulator");
    let options = RunOptions {
        model: Model::Live {
            base_url: emulator.url(),
            api_key: "sk-test-live".to_owned(),
            model: "gpt-realtime".to_owned(),
        },
    };
    let report = switchboard_scenario::run(&scenario, &options).await;
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(report.passed(), "{:#?}", report.failures);
    let lines: Vec<String> = record(&report)
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Utterance { speaker, text, .. } => Some(format!("{speaker:?}: {text}")),
            _ => None,
        })
        .collect();
    let answer = lines
        .iter()
        .position(|l| l.ends_with("Order 42 has shipped."));
    let thanks = lines.iter().position(|l| l.ends_with(": Thanks."));
    assert!(
        answer.is_some() && thanks.is_some() && answer < thanks,
        "the caller spoke before the tool's answer: {lines:#?}"
    );
}

#[test]
fn bad_turns_are_refused_at_their_place() {
    let head = format!(
        "name: x\nagent: {}\nmodel:\n  responses: []\ncaller:\n",
        desk()
    );
    let cases = [
        (
            "  - wait_for_agent: true\n  - speak: hi\n    budget: 100\n",
            (8, 5),
            "unknown key `budget` in `caller[1]`",
        ),
        (
            "  - wav: missing.wav\n",
            (6, 10),
            "`missing.wav`: cannot read the WAV file",
        ),
        (
            "  - wav: agent.yaml\n",
            (6, 10),
            "`agent.yaml`: not a WAV file this version can play",
        ),
        (
            "  - speech: hello\n",
            (6, 5),
            "unknown key `speech` in `caller[0]` (did you mean `speak`?)",
        ),
        (
            "  - speak: hi\n    heard: hello\n",
            (7, 5),
            "`heard` does not apply to a `speak` turn; it takes: budget_ms",
        ),
        ("  - speak: hi\n    say: hello\n", (7, 5), "two turn keys"),
        (
            "  - barge_in: {after_ms: 100, speak: hi}\n",
            (6, 5),
            "cannot be the first turn",
        ),
        (
            "  - speak: hi\n  - barge_in: {speak: hi}\n",
            (7, 15),
            "missing required key `after_ms`",
        ),
        (
            "  - speak: hi\n  - barge_in: {after_ms: 100, speak: a, noise: 100}\n",
            (7, 41),
            "has both `speak` and `noise`",
        ),
        (
            "  - silence: -5\n",
            (6, 14),
            "`caller[0].silence` must be a whole number of milliseconds from 1 to 600000",
        ),
        (
            "  - noise: 300\n    budget_ms: 0\n",
            (7, 16),
            "`caller[0].budget_ms` must be a positive whole number of milliseconds",
        ),
    ];
    let path = crate_path("tests/data/audio/inline.yaml");
    for (turns, place, message) in cases {
        let err =
            switchboard_scenario::from_text(&format!("{head}{turns}"), &path).expect_err(turns);
        assert_eq!(err.place, Some(place), "{turns}: {err}");
        assert!(err.message.contains(message), "{turns}: {err}");
        assert!(err.to_string().starts_with(&format!(
            "{}:{}:{}: ",
            path.display(),
            place.0,
            place.1
        )));
    }
    let err = switchboard_scenario::from_text(
        &format!("{head}  - speak: hi\nlatency_budget_ms: fast\n"),
        &path,
    )
    .expect_err("refused");
    assert_eq!(err.place, Some((7, 20)), "{err}");
}

#[test]
fn every_turn_kind_reads_as_written() {
    use std::time::Duration;

    use switchboard_scenario::{AudioTurn, Sound, Turn};

    let dir = std::env::temp_dir().join(format!("switchboard-turn-kinds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    std::fs::write(dir.join("hi.wav"), stereo_wav()).expect("writes the WAV");
    let text = format!(
        r#"
name: every kind
agent: {}
model:
  responses: []
latency_budget_ms: 900
caller:
  - wait_for_agent: true
  - say: Hello.
  - speak: Where is my order?
    budget_ms: 1500
  - wav: hi.wav
  - silence: 5500
  - noise: 300
  - barge_in: {{after_ms: 0, wav: hi.wav, heard: Stop.}}
    budget_ms: 2000
"#,
        desk()
    );
    let scenario = switchboard_scenario::from_text(&text, &dir.join("kinds.yaml")).expect("loads");
    let _ = std::fs::remove_dir_all(&dir);
    let ms = Duration::from_millis;
    assert_eq!(scenario.latency_budget, Some(ms(900)));
    let turns = &scenario.turns;
    assert_eq!(turns[0], Turn::WaitForAgent);
    assert_eq!(turns[1], Turn::Say("Hello.".to_owned()));
    assert_eq!(
        turns[2],
        Turn::Audio(AudioTurn {
            sound: Sound::Speak("Where is my order?".to_owned()),
            barge_in_after: None,
            budget: Some(ms(1500)),
        })
    );
    let Turn::Audio(AudioTurn {
        sound: Sound::Wav(clip),
        barge_in_after: None,
        budget: None,
    }) = &turns[3]
    else {
        panic!("a wav turn: {:?}", turns[3]);
    };
    assert_eq!(clip.heard, None);
    assert_eq!(
        clip.samples.len(),
        36_000,
        "1.5 s at 16 kHz stereo is 1.5 s at 24 kHz mono"
    );
    assert_eq!(turns[4], Turn::Silence(ms(5500)));
    assert!(
        matches!(&turns[5], Turn::Audio(AudioTurn { sound: Sound::Noise(d), .. }) if *d == ms(300))
    );
    let Turn::Audio(AudioTurn {
        sound: Sound::Wav(clip),
        barge_in_after: Some(after),
        budget: Some(budget),
    }) = &turns[6]
    else {
        panic!("a barge-in: {:?}", turns[6]);
    };
    assert_eq!((*after, *budget), (ms(0), ms(2000)));
    assert_eq!(clip.heard.as_deref(), Some("Stop."));
    // Budgets: a turn's own, else the scenario's, and only for audio turns.
    let budgets: Vec<Option<Duration>> = turns
        .iter()
        .map(|t| t.budget(scenario.latency_budget))
        .collect();
    assert_eq!(
        budgets,
        [
            None,
            None,
            Some(ms(1500)),
            Some(ms(900)),
            None,
            Some(ms(900)),
            Some(ms(2000))
        ]
    );
}
