//! Audio for Switchboard: the formats the OpenAI Realtime API and phone lines speak, and the
//! small, pure pieces a voice gateway needs between them.
//!
//! This crate does no IO: no files, sockets, threads or clocks. Bytes come in as slices, time
//! comes in as an argument ([`std::time::Instant`] or [`std::time::Duration`] offsets), and
//! streaming components follow the sans-IO shape `push(input)` then `poll_*()` until `None`.
//!
//! | need | use |
//! |---|---|
//! | sizes and durations of `pcm16` / `g711_ulaw` / `g711_alaw` audio | [`AudioFormat`], [`SampleRate`] |
//! | PCM16 bytes ⇄ samples, i16 ⇄ f32 | [`pcm`] |
//! | G.711 µ-law / A-law, bit-exact with Python's `audioop` | [`g711`], [`AudioFormat::encode`], [`AudioFormat::decode`] |
//! | 20 ms frames from arbitrary chunks, base64 for JSON | [`Framer`], [`encode_base64`], [`decode_base64`] |
//! | when to send the next outbound frame | [`Pacer`] |
//! | 8 / 16 / 24 / 48 kHz conversion | [`Resampler`], [`resample`] |
//! | `server_vad` turn detection | [`Vad`], [`VadConfig`], [`VadEvent`] |
//! | WAV files (tests, recordings, the CLI) | [`Wav`], [`WavSpec`] |
//!
//! Every fallible operation returns its own error type saying exactly what was wrong with the
//! input; [`AudioError`] wraps them all for callers that chain several. Nothing panics on bad
//! input.
//!
//! A phone call's inbound leg (Twilio µ-law 8 kHz → Realtime PCM16 24 kHz) looks like this:
//!
//! ```
//! use switchboard_audio::{AudioFormat, Resampler, SampleRate, Vad, VadConfig, decode_base64,
//!     encode_base64};
//!
//! let mut up = Resampler::new(SampleRate::HZ_8000, SampleRate::HZ_24000)?;
//! let mut vad = Vad::new(SampleRate::HZ_24000, VadConfig::default())?;
//!
//! let payload = encode_base64(&[0xFF; 160]); // a 20 ms Twilio media message
//! let ulaw = decode_base64(&payload)?;
//! let narrowband = AudioFormat::G711Ulaw.decode(&ulaw)?;
//! let mut wideband = Vec::new();
//! up.push(&narrowband, &mut wideband);
//! vad.push(&wideband);
//! while let Some(event) = vad.poll_event() {
//!     println!("{event:?}");
//! }
//! let append = encode_base64(&AudioFormat::PCM16_24K.encode(&wideband));
//! assert_eq!(append.len(), 1280); // 960 bytes of PCM16, base64-encoded
//! # Ok::<(), switchboard_audio::AudioError>(())
//! ```

mod error;
mod format;
mod frame;
pub mod g711;
mod pace;
pub mod pcm;
mod resample;
mod vad;
mod wav;

pub use error::AudioError;
pub use format::{AudioFormat, SampleRate};
pub use frame::{Base64Error, FrameError, Framer, TWENTY_MS, decode_base64, encode_base64};
pub use pace::{PaceError, Pacer};
pub use pcm::PcmError;
pub use resample::{ResampleError, Resampler, resample};
pub use vad::{MIN_SPEECH, Vad, VadConfig, VadError, VadEvent};
pub use wav::{MAX_CHANNELS, Wav, WavEncoding, WavError, WavSpec, downmix_to_mono};
