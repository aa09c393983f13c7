//! Sample rates, the three Realtime audio formats, and the size/duration arithmetic between them.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use crate::g711;
use crate::pcm::{self, PcmError};

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A sample rate in hertz, between [`SampleRate::MIN_HZ`] and [`SampleRate::MAX_HZ`].
///
/// The bounds keep every size computation in this crate far from overflow and from empty
/// frames (a 20 ms frame always holds at least 20 samples), and reject header garbage (a WAV
/// file claiming 0 Hz or 4 GHz) at the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SampleRate(NonZeroU32);

impl SampleRate {
    /// Lowest accepted rate: nothing below 1 kHz is speech audio.
    pub const MIN_HZ: u32 = 1_000;
    /// Highest accepted rate.
    pub const MAX_HZ: u32 = 768_000;
    /// 8 kHz: G.711 and telephony.
    pub const HZ_8000: SampleRate = SampleRate::from_const(8_000);
    /// 16 kHz: wideband speech (many STT engines).
    pub const HZ_16000: SampleRate = SampleRate::from_const(16_000);
    /// 24 kHz: the only PCM rate the Realtime API accepts.
    pub const HZ_24000: SampleRate = SampleRate::from_const(24_000);
    /// 48 kHz: WebRTC/Opus and browsers.
    pub const HZ_48000: SampleRate = SampleRate::from_const(48_000);

    /// A rate of `hz` hertz, or `None` if it is outside `MIN_HZ..=MAX_HZ`.
    #[must_use]
    pub const fn new(hz: u32) -> Option<SampleRate> {
        match NonZeroU32::new(hz) {
            Some(nz) if hz >= Self::MIN_HZ && hz <= Self::MAX_HZ => Some(SampleRate(nz)),
            _ => None,
        }
    }

    const fn from_const(hz: u32) -> SampleRate {
        match SampleRate::new(hz) {
            Some(rate) => rate,
            None => panic!("sample rate constant out of range"),
        }
    }

    /// The rate in hertz.
    #[must_use]
    pub const fn hz(self) -> u32 {
        self.0.get()
    }

    /// How many whole samples fit in `duration` (rounded down).
    #[must_use]
    pub fn samples_in(self, duration: Duration) -> u64 {
        let samples = duration.as_nanos() * u128::from(self.hz()) / NANOS_PER_SEC;
        u64::try_from(samples).unwrap_or(u64::MAX)
    }

    /// How long `samples` samples last, rounded up to the nanosecond so that
    /// `samples_in(duration_of(n)) == n` (rounding down would lose a sample on the way back).
    #[must_use]
    pub fn duration_of(self, samples: u64) -> Duration {
        let nanos = (u128::from(samples) * NANOS_PER_SEC).div_ceil(u128::from(self.hz()));
        duration_from_nanos(nanos)
    }
}

impl fmt::Display for SampleRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Hz", self.hz())
    }
}

/// A mono audio format as carried in Realtime `audio` fields: raw samples, no header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    /// PCM 16-bit signed little-endian. The Realtime API only accepts 24 kHz
    /// ([`AudioFormat::PCM16_24K`]); other rates exist for internal legs (16 kHz STT, 48 kHz
    /// WebRTC).
    Pcm16 {
        /// Samples per second.
        rate: SampleRate,
    },
    /// G.711 µ-law, 8 kHz, one byte per sample (Twilio, North American telephony).
    G711Ulaw,
    /// G.711 A-law, 8 kHz, one byte per sample (European telephony).
    G711Alaw,
}

impl AudioFormat {
    /// The Realtime API's PCM format: `audio/pcm` at 24 kHz (beta `pcm16`).
    pub const PCM16_24K: AudioFormat = AudioFormat::Pcm16 {
        rate: SampleRate::HZ_24000,
    };

    /// Samples per second.
    #[must_use]
    pub fn sample_rate(self) -> SampleRate {
        match self {
            AudioFormat::Pcm16 { rate } => rate,
            AudioFormat::G711Ulaw | AudioFormat::G711Alaw => SampleRate::HZ_8000,
        }
    }

    /// Bytes per sample (the unit no chunk may split).
    #[must_use]
    pub fn bytes_per_sample(self) -> usize {
        match self {
            AudioFormat::Pcm16 { .. } => 2,
            AudioFormat::G711Ulaw | AudioFormat::G711Alaw => 1,
        }
    }

    /// Bytes per second of audio (48 000 for PCM16 at 24 kHz, 8 000 for G.711).
    #[must_use]
    pub fn bytes_per_second(self) -> u32 {
        // At most 2 × MAX_HZ, far below u32::MAX.
        self.sample_rate().hz() * self.bytes_per_sample() as u32
    }

    /// Bytes holding `duration` of audio, rounded down to whole samples.
    #[must_use]
    pub fn bytes_for(self, duration: Duration) -> usize {
        let samples = self.sample_rate().samples_in(duration);
        usize::try_from(samples)
            .unwrap_or(usize::MAX)
            .saturating_mul(self.bytes_per_sample())
    }

    /// How long `bytes` bytes of audio last. A trailing partial sample counts for nothing, so
    /// for PCM16 at 24 kHz this is `bytes / 48` milliseconds, as in `audio_start_ms`.
    #[must_use]
    pub fn duration_of(self, bytes: usize) -> Duration {
        let samples = (bytes / self.bytes_per_sample()) as u64;
        self.sample_rate().duration_of(samples)
    }

    /// The byte that encodes digital silence, for padding a partial frame.
    #[must_use]
    pub fn silence_byte(self) -> u8 {
        match self {
            AudioFormat::Pcm16 { .. } => 0x00,
            AudioFormat::G711Ulaw => g711::ulaw_encode(0),
            AudioFormat::G711Alaw => g711::alaw_encode(0),
        }
    }

    /// Decodes raw bytes in this format into linear 16-bit samples.
    ///
    /// # Errors
    /// [`PcmError::OddByteCount`] if PCM16 bytes do not hold whole samples.
    pub fn decode(self, bytes: &[u8]) -> Result<Vec<i16>, PcmError> {
        match self {
            AudioFormat::Pcm16 { .. } => pcm::bytes_to_samples(bytes),
            AudioFormat::G711Ulaw => Ok(g711::ulaw_decode_slice(bytes)),
            AudioFormat::G711Alaw => Ok(g711::alaw_decode_slice(bytes)),
        }
    }

    /// Encodes linear 16-bit samples as raw bytes in this format.
    #[must_use]
    pub fn encode(self, samples: &[i16]) -> Vec<u8> {
        match self {
            AudioFormat::Pcm16 { .. } => pcm::samples_to_bytes(samples),
            AudioFormat::G711Ulaw => g711::ulaw_encode_slice(samples),
            AudioFormat::G711Alaw => g711::alaw_encode_slice(samples),
        }
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioFormat::Pcm16 { rate } => write!(f, "PCM16 {rate}"),
            AudioFormat::G711Ulaw => f.write_str("G.711 µ-law 8000 Hz"),
            AudioFormat::G711Alaw => f.write_str("G.711 A-law 8000 Hz"),
        }
    }
}

/// `Duration::from_nanos` takes a u64; this saturates instead of truncating.
pub(crate) fn duration_from_nanos(nanos: u128) -> Duration {
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    // The remainder is below 10^9 and so fits in u32.
    Duration::new(secs, (nanos % NANOS_PER_SEC) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rate_bounds() {
        assert_eq!(SampleRate::new(0), None);
        assert_eq!(SampleRate::new(SampleRate::MIN_HZ - 1), None);
        assert_eq!(SampleRate::new(SampleRate::MAX_HZ + 1), None);
        assert_eq!(SampleRate::new(22_050).map(SampleRate::hz), Some(22_050));
    }

    #[test]
    fn samples_and_durations_round_down() {
        let rate = SampleRate::HZ_24000;
        assert_eq!(rate.samples_in(Duration::from_millis(20)), 480);
        assert_eq!(rate.samples_in(Duration::from_nanos(41_666)), 0);
        assert_eq!(rate.samples_in(Duration::from_nanos(41_667)), 1);
        assert_eq!(rate.duration_of(1), Duration::from_nanos(41_667));
        for n in [1, 2, 3, 479, 480, 24_001, 1 << 40] {
            assert_eq!(rate.samples_in(rate.duration_of(n)), n);
        }
        assert_eq!(rate.duration_of(24_000), Duration::from_secs(1));
    }

    #[test]
    fn huge_durations_saturate_instead_of_panicking() {
        let format = AudioFormat::PCM16_24K;
        assert_eq!(format.bytes_for(Duration::MAX), usize::MAX);
        assert!(format.duration_of(usize::MAX) > Duration::from_secs(1_000_000));
    }

    #[test]
    fn silence_bytes_decode_to_zero() {
        for format in [AudioFormat::G711Ulaw, AudioFormat::G711Alaw] {
            let decoded = format.decode(&[format.silence_byte()]).unwrap();
            assert!(decoded[0].abs() <= 8, "{format}: {decoded:?}");
        }
        assert_eq!(AudioFormat::PCM16_24K.silence_byte(), 0);
    }
}
