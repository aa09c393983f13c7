//! Signal generators and measurements shared by the integration tests. Deterministic: every
//! random signal comes from a seeded generator.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::f64::consts::PI;
use std::io::Write as _;
use std::process::Command;
use std::time::Duration;

use switchboard_audio::{SampleRate, Vad, VadConfig, VadEvent};

/// SplitMix64: tiny, seeded, good enough for test noise.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub(crate) fn gaussian(&mut self) -> f64 {
        let u = self.unit().max(1e-300);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
    }
}

/// Linear amplitude of a level in dBFS (RMS, full scale = 32768).
pub(crate) fn dbfs(db: f64) -> f64 {
    32768.0 * 10f64.powf(db / 20.0)
}

pub(crate) fn seconds(rate: SampleRate, s: f64) -> usize {
    (f64::from(rate.hz()) * s).round() as usize
}

/// A sine of `freq` Hz with peak `amplitude`, starting at phase 0.
pub(crate) fn sine(rate: SampleRate, freq: f64, len: usize, amplitude: f64) -> Vec<f64> {
    let fs = f64::from(rate.hz());
    (0..len)
        .map(|i| amplitude * (2.0 * PI * freq * i as f64 / fs).sin())
        .collect()
}

/// White Gaussian noise at `rms`.
pub(crate) fn noise(rng: &mut Rng, len: usize, rms: f64) -> Vec<f64> {
    (0..len).map(|_| rms * rng.gaussian()).collect()
}

/// A speech-like voiced segment: a harmonic series on a gliding fundamental, spectrally tilted
/// like a vowel, amplitude-modulated at syllable rate (4 Hz from a peak, dipping 20 dB between syllables)
/// with 20 ms fades at both ends, scaled so its loudest syllables reach `peak_rms`.
pub(crate) fn voiced(rate: SampleRate, len: usize, f0: f64, peak_rms: f64) -> Vec<f64> {
    let fs = f64::from(rate.hz());
    let harmonics: Vec<(f64, f64)> = (1..)
        .map(|k| (k as f64, 1.0 / k as f64))
        .take_while(|&(k, _)| k * f0 * 1.1 < fs.min(8000.0) / 2.0)
        .collect();
    let norm = harmonics
        .iter()
        .map(|(_, a)| a * a / 2.0)
        .sum::<f64>()
        .sqrt();
    let fade = 0.02 * fs;
    let mut phase = 0.0;
    (0..len)
        .map(|i| {
            let t = i as f64 / fs;
            // ±10 % pitch glide at 3 Hz, integrated into the phase so it stays continuous.
            let pitch = f0 * (1.0 + 0.1 * (2.0 * PI * 3.0 * t).sin());
            phase += 2.0 * PI * pitch / fs;
            let tone: f64 = harmonics.iter().map(|(k, a)| a * (k * phase).sin()).sum();
            let syllables = 0.55 + 0.45 * (2.0 * PI * 4.0 * t).cos();
            let edges = (i as f64 / fade).min((len - i) as f64 / fade).min(1.0);
            peak_rms * tone / norm * syllables * edges
        })
        .collect()
}

/// Adds `signal` into `into` starting at sample `at`.
pub(crate) fn mix_into(into: &mut [f64], at: usize, signal: &[f64]) {
    for (dst, src) in into[at..].iter_mut().zip(signal) {
        *dst += src;
    }
}

pub(crate) fn to_i16(signal: &[f64]) -> Vec<i16> {
    signal
        .iter()
        .map(|&x| x.round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

pub(crate) fn to_f64(samples: &[i16]) -> Vec<f64> {
    samples.iter().map(|&s| f64::from(s)).collect()
}

/// Mean power of a signal.
pub(crate) fn power(signal: &[f64]) -> f64 {
    signal.iter().map(|x| x * x).sum::<f64>() / signal.len().max(1) as f64
}

/// Power of the component at `freq` (single-bin DFT on a Hann window, normalised so a sine
/// of peak A gives A²/2 whatever the length).
pub(crate) fn tone_power(signal: &[f64], rate: SampleRate, freq: f64) -> f64 {
    let fs = f64::from(rate.hz());
    let n = signal.len() as f64;
    let (mut re, mut im, mut window_sum) = (0.0, 0.0, 0.0);
    for (i, x) in signal.iter().enumerate() {
        let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / n).cos();
        let arg = 2.0 * PI * freq * i as f64 / fs;
        re += w * x * arg.cos();
        im += w * x * arg.sin();
        window_sum += w;
    }
    let amplitude = 2.0 * (re * re + im * im).sqrt() / window_sum;
    amplitude * amplitude / 2.0
}

pub(crate) fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

/// Runs a detector over `samples` in `chunk`-sample pushes and collects its events.
pub(crate) fn vad_events(
    rate: SampleRate,
    config: VadConfig,
    samples: &[i16],
    chunk: usize,
) -> Vec<VadEvent> {
    let mut vad = Vad::new(rate, config).expect("valid config");
    let mut events = Vec::new();
    for piece in samples.chunks(chunk) {
        vad.push(piece);
        while let Some(event) = vad.poll_event() {
            events.push(event);
        }
    }
    events
}

pub(crate) fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// Asserts `actual` is within `tolerance` of `expected`.
#[track_caller]
pub(crate) fn assert_near(what: &str, actual: Duration, expected: Duration, tolerance: Duration) {
    let diff = actual.abs_diff(expected);
    assert!(
        diff <= tolerance,
        "{what}: got {actual:?}, expected {expected:?} ± {tolerance:?}"
    );
}

/// Whether an external program can be run. If not: fails the test when
/// `SWITCHBOARD_REQUIRE_EXTERNAL=1` (CI, `scripts/test`), otherwise prints a notice so the
/// skip is visible, and returns false.
pub(crate) fn external_tool(program: &str, test: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if found {
        return true;
    }
    let required = std::env::var("SWITCHBOARD_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: `{program}` not found and SWITCHBOARD_REQUIRE_EXTERNAL=1: \
         install {program}; scripts/test does"
    );
    // Written to the stderr handle rather than with eprintln!, which the test harness
    // captures and would hide for a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "notice: {test} skipped: `{program}` not installed (install {program}; scripts/test does)"
    );
    false
}
