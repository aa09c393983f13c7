//! PCM16 little-endian bytes ⇄ samples, and i16 ⇄ f32 sample conversion.

use thiserror::Error;

/// Bytes that cannot be PCM16 audio.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PcmError {
    /// PCM16 needs two bytes per sample; a client that sends an odd count has split a sample.
    #[error("PCM16 audio must have an even number of bytes, got {len}")]
    OddByteCount {
        /// The byte count received.
        len: usize,
    },
}

/// Parses PCM16 little-endian bytes into samples.
///
/// # Errors
/// [`PcmError::OddByteCount`] if `bytes` does not hold whole samples.
pub fn bytes_to_samples(bytes: &[u8]) -> Result<Vec<i16>, PcmError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(PcmError::OddByteCount { len: bytes.len() });
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
        .collect())
}

/// Serialises samples as PCM16 little-endian bytes.
#[must_use]
pub fn samples_to_bytes(samples: &[i16]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(samples.len() * 2);
    for sample in samples {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    bytes
}

/// Converts a sample to the float range −1.0..1.0 (dividing by 32768, so −32768 maps to
/// exactly −1.0 and every i16 survives a round trip through [`f32_to_i16`]).
#[must_use]
pub fn i16_to_f32(sample: i16) -> f32 {
    f32::from(sample) / 32_768.0
}

/// Converts a float sample back to i16: scaled by 32768, rounded to nearest, clamped to the
/// i16 range (so over-range filter output clips instead of wrapping); NaN becomes 0.
#[must_use]
pub fn f32_to_i16(sample: f32) -> i16 {
    // `as` from float saturates at the integer bounds and maps NaN to 0, which is exactly
    // the clamping we want.
    (sample * 32_768.0).round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn little_endian_order() {
        assert_eq!(
            bytes_to_samples(&[0x34, 0x12, 0xff, 0xff]),
            Ok(vec![0x1234, -1])
        );
        assert_eq!(
            samples_to_bytes(&[0x1234, -1]),
            vec![0x34, 0x12, 0xff, 0xff]
        );
    }

    #[test]
    fn odd_length_is_an_error() {
        assert_eq!(
            bytes_to_samples(&[1, 2, 3]),
            Err(PcmError::OddByteCount { len: 3 })
        );
        assert_eq!(bytes_to_samples(&[]), Ok(vec![]));
    }

    #[test]
    fn float_conversion_clamps_and_round_trips() {
        assert_eq!(i16_to_f32(i16::MIN), -1.0);
        assert_eq!(f32_to_i16(1.5), i16::MAX);
        assert_eq!(f32_to_i16(-1.5), i16::MIN);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        for sample in (i16::MIN..=i16::MAX).step_by(7) {
            assert_eq!(f32_to_i16(i16_to_f32(sample)), sample);
        }
    }
}
