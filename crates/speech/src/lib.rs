//! Text for speech: what a voice agent should say, and checking what it said.
//!
//! A realtime voice model blurs digits and letters unless it reads them one at a time, and a
//! text model's reply ("$45.20 due 2025-08-12") is not what a person would say. This crate turns
//! values and replies into speakable English, reads a spoken readback back into characters, and
//! prepares text for a TTS engine. It is pure: no IO, no clock, no threads, no panics on any
//! input. Its one dependency is `unicode-normalization`, for NFKC when comparing text. The
//! one exception is opt-in: with the `espeak` feature, the `espeak` module runs the espeak-ng
//! program.
//!
//! | need | use |
//! |---|---|
//! | read a code or number back one character at a time ("4-1-5") | [`spell`], [`Style`] |
//! | read a phone number back in groups ("4-1-5, 5-5-5, 1-2-3-4") | [`spell_phone`] |
//! | numbers as words | [`cardinal`], [`ordinal`], [`year`], [`number`], [`percent`] |
//! | money, dates and times as words | [`money`], [`date`], [`time`] |
//! | rewrite a whole reply for speech | [`make_speakable`] |
//! | check the model's readback against the captured value | [`parse_readback`], [`readback_matches`], [`Comparison`] |
//! | pronunciations for a TTS engine, plain or SSML | [`Lexicon`] |
//! | escape text for SSML, HTML or XML (element text and attributes) | [`markup::escape`] |
//! | split streamed text into sentences for TTS | [`SentenceSplitter`] |
//! | tell whether two lines say the same words, whatever their typography | [`sentence_key`], [`normalise_text`] |
//!
//! A supervisor's reply, made speakable and checked:
//!
//! ```
//! use switchboard_speech::{Comparison, Style, make_speakable, readback_matches, spell_phone};
//!
//! let reply = "Your balance is $45.20, due August 12 at 3:30 pm.";
//! assert_eq!(
//!     make_speakable(reply),
//!     "Your balance is forty-five dollars and twenty cents, due August twelfth at three-thirty p.m.",
//! );
//!
//! let captured = "4155551234";
//! assert_eq!(spell_phone(captured, Style::HYPHENS), "4-1-5, 5-5-5, 1-2-3-4");
//! assert_eq!(
//!     readback_matches("You said 4-1-5, 5-5-5, 1-2-3-5, correct?", captured),
//!     Comparison::Mismatch { index: 9, expected: Some('4'), heard: Some('5') },
//! );
//! ```
//!
//! All words are American English: "one hundred twenty-three" (no "and"), "minus" for
//! negatives, "a.m."/"p.m.", month before day.

mod clock;
#[cfg(feature = "espeak")]
pub mod espeak;
mod heard;
mod lexicon;
pub mod markup;
mod money;
mod normalise;
mod readback;
mod sentences;
mod speakable;
mod spell;
mod words;

pub use clock::{date, time};
pub use heard::numbers_said;
pub use lexicon::Lexicon;
pub use money::money;
pub use normalise::{normalise_text, sentence_key};
pub use readback::{Comparison, parse_readback, readback_matches};
pub use sentences::SentenceSplitter;
pub use speakable::make_speakable;
pub use spell::{Style, spell, spell_phone};
pub use words::{cardinal, number, ordinal, percent, year};
