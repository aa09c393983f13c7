//! Over random model behaviour and random caller turns, a confirmation-first tool never runs
//! with arguments the caller did not affirm after a heard question naming them.
//!
//! The model calls `refund_credit` with either minutes and either account, says questions
//! (the phrase, the phrase naming thirty or sixty, other questions, statements), heard whole,
//! cut off by a barge-in or not yet played, or writes them as text; the caller answers with a
//! yes or with anything else. The oracle reads only the call's record: the agent lines as
//! heard, the caller's lines, and the runs. A run of `refund_credit(minutes=m)` must follow a
//! caller's explicit yes that answered an agent question (a line with a `?`) naming `m`, with
//! no call of the tool in between (a consent is used by the next call, whatever it carries).

mod common;
mod consent;

use std::time::Duration;

use common::*;
use consent::*;
use proptest::prelude::*;
use serde_json::json;
use switchboard_engine::{Output, Record, Speaker, ToolOutcome};

/// What the model says, and which minutes the words name (the oracle's own reading).
const SAID: [&str; 7] = [
    PHRASE,
    "I can issue a credit for this outage—would you like me to go ahead? That's thirty minutes.",
    "I can issue a credit for this outage—would you like me to go ahead? That's sixty minutes.",
    "Shall I add a sixty-minute credit to your account?",
    "While I look into that—would you like text updates about outages in your area?",
    "Sixty minutes, all set. You'll see it on your next bill.",
    "Shall I add thirty minutes? Or would sixty be better?",
];

/// Explicit agreement.
const YES: [&str; 4] = ["Yes, go ahead.", "Yes please.", "Sure, do it.", "Okay."];

/// Anything else.
const NOT_YES: [&str; 8] = [
    "What would that mean for my bill? Please explain first.",
    "Maybe.",
    "If it's free, then yes.",
    "Wait.",
    "No.",
    "Please.",
    "Thanks!",
    "Yes?",
];

#[derive(Debug, Clone)]
enum Step {
    /// The model calls the credit.
    Call { minutes: u32, other_account: bool },
    /// The model speaks a line; the caller hears it whole, cut after `cut_ms` of its second of
    /// audio (a barge-in), or not before a later step lets the clock run.
    Speak { said: usize, heard: Heard },
    /// The model writes a line (heard whole).
    Write { said: usize },
    /// The caller says something.
    Caller { yes: bool, which: usize },
    /// Time passes.
    Wait { ms: u64 },
}

#[derive(Debug, Clone)]
enum Heard {
    Whole,
    Cut { ms: u64 },
    Later,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (prop_oneof![Just(30u32), Just(60u32)], prop::bool::weighted(0.2))
            .prop_map(|(minutes, other_account)| Step::Call { minutes, other_account }),
        4 => (0..SAID.len(), prop_oneof![
                3 => Just(Heard::Whole),
                1 => (1u64..1_000).prop_map(|ms| Heard::Cut { ms }),
                1 => Just(Heard::Later),
            ])
            .prop_map(|(said, heard)| Step::Speak { said, heard }),
        1 => (0..SAID.len()).prop_map(|said| Step::Write { said }),
        4 => (prop::bool::ANY, 0..8usize).prop_map(|(yes, which)| Step::Caller { yes, which }),
        1 => (1u64..3_000).prop_map(|ms| Step::Wait { ms }),
    ]
}

fn play(agent: &str, steps: &[Step]) -> Harness {
    let mut h = Harness::new(agent);
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Call {
                minutes,
                other_account,
            } => {
                let mut args = credit(*minutes);
                if *other_account {
                    args["account_id"] = json!("NL-99999");
                }
                h.model_calls(&format!("call_{i}"), "refund_credit", args);
            }
            Step::Speak { said, heard } => {
                let item = format!("item_{i}");
                speaks(&mut h, &item, SAID[*said], 48_000);
                match heard {
                    Heard::Whole => {
                        h.advance(Duration::from_millis(1_500));
                    }
                    Heard::Cut { ms } => {
                        h.advance(Duration::from_millis(*ms));
                        barges_in(&mut h);
                    }
                    Heard::Later => {}
                }
            }
            Step::Write { said } => {
                writes(&mut h, &format!("item_{i}"), SAID[*said]);
            }
            Step::Caller { yes, which } => {
                let text = if *yes {
                    YES[which % YES.len()]
                } else {
                    NOT_YES[which % NOT_YES.len()]
                };
                h.caller_says(text);
            }
            Step::Wait { ms } => {
                h.advance(Duration::from_millis(*ms));
            }
        }
    }
    h
}

/// Minutes a heard line names, read plainly.
fn named(text: &str) -> Vec<u64> {
    let lower = text.to_lowercase();
    let mut minutes = Vec::new();
    if lower.contains("thirty") {
        minutes.push(30);
    }
    if lower.contains("sixty") {
        minutes.push(60);
    }
    minutes
}

/// Checks every run of the credit against the record; `Err` says which run was not agreed to.
fn every_run_was_agreed(out: &[Output]) -> Result<usize, String> {
    // Minutes named by the questions heard since the caller last spoke.
    let mut asked: Vec<u64> = Vec::new();
    // Minutes the caller agreed to since the last call of the tool.
    let mut agreed: Vec<u64> = Vec::new();
    let mut ran = 0;
    for output in out {
        match output {
            Output::Record(stamped) => match &stamped.record {
                Record::Utterance {
                    speaker: Speaker::Agent,
                    text,
                    ..
                } if text.contains('?') => asked.extend(named(text)),
                Record::Utterance {
                    speaker: Speaker::Caller,
                    text,
                    ..
                } => {
                    if YES.contains(&text.as_str()) {
                        agreed.append(&mut asked);
                    }
                    asked.clear();
                }
                Record::ToolCall { name, outcome, .. }
                    if name == "refund_credit" && *outcome == ToolOutcome::HeldForConfirmation =>
                {
                    // The next call uses a consent up, whatever it carries.
                    agreed.clear();
                }
                _ => {}
            },
            Output::RunTool(run) if run.name == "refund_credit" => {
                let minutes = run.arguments["minutes"].as_u64().unwrap_or(0);
                if !agreed.contains(&minutes) {
                    return Err(format!(
                        "`refund_credit` ran with {} but the caller agreed to {agreed:?}",
                        run.arguments
                    ));
                }
                agreed.clear();
                ran += 1;
            }
            _ => {}
        }
    }
    Ok(ran)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn a_credit_runs_only_with_minutes_the_caller_agreed_to(
        steps in prop::collection::vec(step(), 1..24),
    ) {
        let h = play(NORTHLOOP, &steps);
        if let Err(why) = every_run_was_agreed(&h.out) {
            prop_assert!(false, "{why}\nsteps: {steps:#?}");
        }
    }
}

/// The property is not vacuous: the well-behaved script runs the credit.
#[test]
fn the_oracle_sees_a_proper_run() {
    let steps = [
        Step::Call {
            minutes: 60,
            other_account: false,
        },
        Step::Speak {
            said: 2,
            heard: Heard::Whole,
        },
        Step::Caller {
            yes: true,
            which: 0,
        },
        Step::Call {
            minutes: 60,
            other_account: false,
        },
    ];
    let h = play(NORTHLOOP, &steps);
    assert_eq!(every_run_was_agreed(&h.out), Ok(1));
}
