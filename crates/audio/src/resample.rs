//! Streaming sample-rate conversion with a polyphase windowed-sinc FIR.
//!
//! A conversion from rate F to rate T is reduced to the ratio L/M (T/F in lowest terms):
//! conceptually the input is zero-stuffed by L, low-pass filtered at the high rate F·L, and
//! every M-th sample kept. The polyphase form computes only the kept samples: output *n* is the
//! dot product of the K most recent inputs with the filter phase `(n·M) mod L`.
//!
//! The filter is a Kaiser-windowed sinc (≈ 80 dB stopband) whose passband ends at 80 % and
//! stopband starts at 100 % of the lower Nyquist frequency, so nothing above the output's
//! Nyquist can alias back (down-sampling) and no spectral image survives (up-sampling).
//! Each phase is normalised to unit DC gain so silence stays silence and a constant stays
//! constant whatever the phase.
//!
//! The filter is causal: output lags input by [`Resampler::group_delay`] (about 3 ms for
//! 24 kHz ⇄ 8 kHz). In exchange, output *n* depends only on the input, never on how it was
//! chunked, and the output count is always exactly `floor(inputs × T / F)`.

use std::time::Duration;

use thiserror::Error;

use crate::format::{SampleRate, duration_from_nanos};
use crate::pcm::{f32_to_i16, i16_to_f32};

/// Largest numerator or denominator of the reduced ratio: bounds the coefficient table to
/// about 50 × 1024 floats. Covers 8/16/24/48 kHz (L, M ≤ 6) and the 44.1 kHz family (≤ 441).
const MAX_RATIO_TERM: u64 = 1024;
/// Stopband attenuation the Kaiser window is sized for.
const ATTENUATION_DB: f64 = 80.0;
/// Passband edge and stopband edge as fractions of the lower Nyquist frequency.
const PASSBAND_EDGE: f64 = 0.8;
const STOPBAND_EDGE: f64 = 1.0;

/// A conversion this resampler does not perform.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ResampleError {
    /// The reduced ratio needs more filter phases than the resampler allows.
    #[error("resampling {from} → {to} needs a {up}/{down} ratio; terms above 1024 are unsupported")]
    UnsupportedRatio {
        /// Input rate.
        from: SampleRate,
        /// Output rate.
        to: SampleRate,
        /// Reduced up-sampling factor L.
        up: u64,
        /// Reduced down-sampling factor M.
        down: u64,
    },
}

/// A streaming, stateful sample-rate converter for one mono stream.
///
/// ```
/// use switchboard_audio::{Resampler, SampleRate};
///
/// let mut up = Resampler::new(SampleRate::HZ_8000, SampleRate::HZ_24000)?;
/// let mut out = Vec::new();
/// up.push(&[0; 160], &mut out); // 20 ms of 8 kHz audio …
/// assert_eq!(out.len(), 480);   // … is 20 ms of 24 kHz audio
/// # Ok::<(), switchboard_audio::ResampleError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Resampler {
    from: SampleRate,
    to: SampleRate,
    kernel: Kernel,
}

#[derive(Clone, Debug)]
enum Kernel {
    Identity,
    Polyphase(Box<Polyphase>),
}

#[derive(Clone, Debug)]
struct Polyphase {
    up: u64,
    down: u64,
    taps: usize,
    /// `taps` coefficients per phase, phase-major, ordered oldest input first so each output
    /// is a plain dot product with a contiguous slice of `history`.
    coefficients: Vec<f32>,
    delay: Duration,
    /// Input samples from padded index `history_origin` on, where padded index = input index
    /// + taps − 1 (the filter starts on taps − 1 zeros of silence).
    history: Vec<f32>,
    history_origin: u64,
    inputs: u64,
    outputs: u64,
    /// Padded index of the first input in the next output's window, and that output's phase.
    next_window: u64,
    next_phase: u64,
}

impl Resampler {
    /// A converter from `from` to `to`. Equal rates pass samples through untouched.
    ///
    /// # Errors
    /// [`ResampleError::UnsupportedRatio`] if `to / from` in lowest terms has a numerator or
    /// denominator above 1024 (never the case between 8, 16, 24, 48, 22.05 and 44.1 kHz).
    pub fn new(from: SampleRate, to: SampleRate) -> Result<Resampler, ResampleError> {
        let kernel = if from == to {
            Kernel::Identity
        } else {
            let g = gcd(u64::from(from.hz()), u64::from(to.hz()));
            let up = u64::from(to.hz()) / g;
            let down = u64::from(from.hz()) / g;
            if up > MAX_RATIO_TERM || down > MAX_RATIO_TERM {
                return Err(ResampleError::UnsupportedRatio { from, to, up, down });
            }
            Kernel::Polyphase(Box::new(Polyphase::design(from, to, up, down)))
        };
        Ok(Resampler { from, to, kernel })
    }

    /// Input rate.
    #[must_use]
    pub fn from_rate(&self) -> SampleRate {
        self.from
    }

    /// Output rate.
    #[must_use]
    pub fn to_rate(&self) -> SampleRate {
        self.to
    }

    /// How far the output lags the input: an event at input time *t* appears in the output at
    /// *t* + this. Zero for equal rates.
    #[must_use]
    pub fn group_delay(&self) -> Duration {
        match &self.kernel {
            Kernel::Identity => Duration::ZERO,
            Kernel::Polyphase(p) => p.delay,
        }
    }

    /// Converts the next chunk of input, appending the output samples (rounded, clamped) to
    /// `output`. After pushes totalling N input samples exactly `floor(N × to / from)` samples
    /// have been appended, identical to converting the whole stream at once.
    pub fn push(&mut self, input: &[i16], output: &mut Vec<i16>) {
        match &mut self.kernel {
            Kernel::Identity => output.extend_from_slice(input),
            Kernel::Polyphase(p) => {
                p.history.extend(input.iter().map(|&s| i16_to_f32(s)));
                p.inputs += input.len() as u64;
                p.run(|y| output.push(f32_to_i16(y)));
            }
        }
    }

    /// [`Resampler::push`] for float samples in −1.0..1.0; output is not clamped.
    pub fn push_f32(&mut self, input: &[f32], output: &mut Vec<f32>) {
        match &mut self.kernel {
            Kernel::Identity => output.extend_from_slice(input),
            Kernel::Polyphase(p) => {
                p.history.extend_from_slice(input);
                p.inputs += input.len() as u64;
                p.run(|y| output.push(y));
            }
        }
    }

    /// Forgets the stream so far, as if newly constructed (keeps the designed filter).
    pub fn reset(&mut self) {
        if let Kernel::Polyphase(p) = &mut self.kernel {
            p.reset();
        }
    }
}

/// Converts a whole clip at once: a fresh [`Resampler`] fed one chunk.
///
/// # Errors
/// As [`Resampler::new`].
pub fn resample(
    from: SampleRate,
    to: SampleRate,
    input: &[i16],
) -> Result<Vec<i16>, ResampleError> {
    let mut resampler = Resampler::new(from, to)?;
    let expected = u128::from(input.len() as u64) * u128::from(to.hz()) / u128::from(from.hz());
    let mut output = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    resampler.push(input, &mut output);
    Ok(output)
}

impl Polyphase {
    fn design(from: SampleRate, to: SampleRate, up: u64, down: u64) -> Polyphase {
        let high_rate = f64::from(from.hz()) * up as f64;
        let nyquist = f64::from(from.hz().min(to.hz())) / 2.0;
        let cutoff = (PASSBAND_EDGE + STOPBAND_EDGE) / 2.0 * nyquist / high_rate;
        let transition = (STOPBAND_EDGE - PASSBAND_EDGE) * nyquist / high_rate;
        // Kaiser's estimates for window length and shape at the wanted attenuation.
        let kaiser_len = ((ATTENUATION_DB - 7.95)
            / (2.285 * 2.0 * std::f64::consts::PI * transition))
            .ceil() as u64
            + 1;
        let beta = 0.1102 * (ATTENUATION_DB - 8.7);
        let up_len = up as usize;
        let taps = kaiser_len.div_ceil(up) as usize;
        let len = taps * up_len;

        let centre = (len - 1) as f64 / 2.0;
        let i0_beta = bessel_i0(beta);
        let prototype: Vec<f64> = (0..len)
            .map(|k| {
                let t = k as f64 - centre;
                let sinc = if t == 0.0 {
                    2.0 * cutoff
                } else {
                    (2.0 * std::f64::consts::PI * cutoff * t).sin() / (std::f64::consts::PI * t)
                };
                let r = t / centre;
                let window = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta;
                sinc * window
            })
            .collect();

        let mut coefficients = vec![0.0f32; len];
        for phase in 0..up_len {
            let lag = |j: usize| prototype[phase + j * up_len];
            let gain: f64 = (0..taps).map(lag).sum();
            for t in 0..taps {
                // Window slot t holds the input `taps - 1 - t` samples before the newest.
                coefficients[phase * taps + t] = (lag(taps - 1 - t) / gain) as f32;
            }
        }

        let delay_nanos = (len - 1) as f64 / 2.0 / high_rate * 1e9;
        let mut polyphase = Polyphase {
            up,
            down,
            taps,
            coefficients,
            delay: duration_from_nanos(delay_nanos.round() as u128),
            history: Vec::new(),
            history_origin: 0,
            inputs: 0,
            outputs: 0,
            next_window: 0,
            next_phase: 0,
        };
        polyphase.reset();
        polyphase
    }

    fn reset(&mut self) {
        self.history.clear();
        self.history.resize(self.taps - 1, 0.0);
        self.history_origin = 0;
        self.inputs = 0;
        self.outputs = 0;
        self.next_window = 0;
        self.next_phase = 0;
    }

    /// Emits every output whose index is below `floor(inputs × L / M)`, then drops history no
    /// later output needs. Output n uses inputs up to `floor(n·M / L)`, which that bound
    /// guarantees have arrived.
    fn run(&mut self, mut emit: impl FnMut(f32)) {
        let target = u128::from(self.inputs) * u128::from(self.up) / u128::from(self.down);
        let target = u64::try_from(target).unwrap_or(u64::MAX);
        while self.outputs < target {
            // In bounds: next_window ≥ history_origin (only consumed history is dropped) and
            // next_window + taps ≤ history_origin + history.len() by the bound above.
            let start = (self.next_window - self.history_origin) as usize;
            let window = &self.history[start..start + self.taps];
            let phase = self.next_phase as usize;
            let coefficients = &self.coefficients[phase * self.taps..(phase + 1) * self.taps];
            emit(dot(window, coefficients));

            self.outputs += 1;
            self.next_phase += self.down;
            self.next_window += self.next_phase / self.up;
            self.next_phase %= self.up;
        }
        let consumed = (self.next_window - self.history_origin) as usize;
        let consumed = consumed.min(self.history.len());
        self.history.drain(..consumed);
        self.history_origin += consumed as u64;
    }
}

/// Dot product with eight independent accumulators: lets the compiler use SIMD while keeping a
/// fixed summation order, so results never depend on how the input was chunked.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let a_chunks = a.chunks_exact(8);
    let b_chunks = b.chunks_exact(8);
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Modified Bessel function of the first kind, order 0 (power series; converges fast for the
/// β ≈ 8 a Kaiser window uses).
fn bessel_i0(x: f64) -> f64 {
    let half = x / 2.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1.0;
    while term > sum * 1e-17 {
        term *= (half / k) * (half / k);
        sum += term;
        k += 1.0;
    }
    sum
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(hz: u32) -> SampleRate {
        SampleRate::new(hz).unwrap()
    }

    #[test]
    fn dc_passes_at_unit_gain_for_every_phase() {
        for (from, to) in [
            (8_000, 24_000),
            (24_000, 8_000),
            (16_000, 48_000),
            (22_050, 24_000),
        ] {
            let mut resampler = Resampler::new(rate(from), rate(to)).unwrap();
            let mut out = Vec::new();
            resampler.push_f32(&vec![0.5; from as usize / 10], &mut out);
            let settled = &out[out.len() / 2..];
            for &y in settled {
                assert!((y - 0.5).abs() < 1e-5, "{from}→{to}: {y}");
            }
        }
    }

    #[test]
    fn identity_passes_through() {
        let mut resampler = Resampler::new(rate(24_000), rate(24_000)).unwrap();
        let mut out = Vec::new();
        resampler.push(&[1, -2, 3], &mut out);
        assert_eq!(out, vec![1, -2, 3]);
        assert_eq!(resampler.group_delay(), Duration::ZERO);
    }

    #[test]
    fn group_delay_is_a_few_milliseconds() {
        let resampler = Resampler::new(rate(24_000), rate(8_000)).unwrap();
        let delay = resampler.group_delay();
        assert!(
            delay > Duration::from_millis(1) && delay < Duration::from_millis(5),
            "{delay:?}"
        );
    }

    #[test]
    fn impulse_peaks_at_the_group_delay() {
        let mut resampler = Resampler::new(rate(8_000), rate(48_000)).unwrap();
        let mut input = vec![0.0f32; 400];
        input[100] = 1.0;
        let mut out = Vec::new();
        resampler.push_f32(&input, &mut out);
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap();
        let expected = 100.0 * 6.0 + resampler.group_delay().as_secs_f64() * 48_000.0;
        assert!(
            (peak as f64 - expected).abs() <= 1.0,
            "peak {peak}, expected {expected}"
        );
    }

    #[test]
    fn unsupported_ratio_is_an_error() {
        let err = Resampler::new(rate(48_000), rate(47_999)).unwrap_err();
        assert!(matches!(err, ResampleError::UnsupportedRatio { .. }));
    }

    #[test]
    fn reset_restarts_the_stream() {
        let mut resampler = Resampler::new(rate(24_000), rate(16_000)).unwrap();
        let input: Vec<i16> = (0..999).map(|i| (i * 37 % 2000) as i16).collect();
        let mut first = Vec::new();
        resampler.push(&input, &mut first);
        resampler.reset();
        let mut second = Vec::new();
        resampler.push(&input, &mut second);
        assert_eq!(first, second);
    }
}
