//! Cutting a byte stream into fixed-length frames, and the base64 the Realtime API wraps them in.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

use crate::format::AudioFormat;

/// The frame length Twilio Media Streams and most RTP paths use.
pub const TWENTY_MS: Duration = Duration::from_millis(20);

/// A frame length the framer cannot honour.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The requested duration is shorter than one sample of the format.
    #[error("a {duration:?} frame holds no whole sample of {format}")]
    EmptyFrame {
        /// The requested frame length.
        duration: Duration,
        /// The format being framed.
        format: AudioFormat,
    },
    /// The requested duration is longer than [`Framer::MAX_DURATION`].
    #[error("a {duration:?} frame is longer than {max:?}", max = Framer::MAX_DURATION)]
    TooLong {
        /// The requested frame length.
        duration: Duration,
    },
}

/// Text that is not standard padded base64.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid base64 audio: {0}")]
pub struct Base64Error(#[source] pub base64::DecodeError);

/// Encodes audio bytes as standard, padded base64 (the Realtime `audio` field encoding).
#[must_use]
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard, padded base64.
///
/// # Errors
/// [`Base64Error`] on any character outside the standard alphabet, bad padding or length.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    STANDARD.decode(text).map_err(Base64Error)
}

/// Regroups arbitrary byte chunks into whole frames of one duration.
///
/// Audio arrives in whatever sizes the peer chose (a Realtime `response.output_audio.delta` can
/// be any length, even an odd number of PCM bytes); the phone leg wants exactly 20 ms per
/// message. Bytes that do not fill a frame are kept for the next [`Framer::push`], so no sample
/// is split or lost across calls.
///
/// ```
/// use switchboard_audio::{AudioFormat, Framer};
///
/// let mut framer = Framer::twenty_ms(AudioFormat::G711Ulaw);
/// framer.push(&[0xFF; 100]);
/// assert_eq!(framer.poll_frame(), None); // 100 of 160 bytes
/// framer.push(&[0xFF; 100]);
/// assert_eq!(framer.poll_frame().map(|f| f.len()), Some(160));
/// assert_eq!(framer.pending(), 40);
/// ```
#[derive(Clone, Debug)]
pub struct Framer {
    format: AudioFormat,
    frame_len: usize,
    buffer: Vec<u8>,
    /// Bytes of `buffer` already handed out; compacted lazily so polling stays O(frame).
    consumed: usize,
}

impl Framer {
    /// Longest accepted frame: frames are for pacing a live stream, and a bound keeps a unit
    /// mix-up (seconds for milliseconds) from becoming a gigabyte buffer.
    pub const MAX_DURATION: Duration = Duration::from_secs(10);

    /// A framer producing frames of `duration` (rounded down to whole samples).
    ///
    /// # Errors
    /// [`FrameError::EmptyFrame`] if `duration` is shorter than one sample,
    /// [`FrameError::TooLong`] if it exceeds [`Framer::MAX_DURATION`].
    pub fn new(format: AudioFormat, duration: Duration) -> Result<Framer, FrameError> {
        if duration > Self::MAX_DURATION {
            return Err(FrameError::TooLong { duration });
        }
        let frame_len = format.bytes_for(duration);
        if frame_len == 0 {
            return Err(FrameError::EmptyFrame { duration, format });
        }
        Ok(Framer {
            format,
            frame_len,
            buffer: Vec::new(),
            consumed: 0,
        })
    }

    /// A framer producing 20 ms frames (960 bytes of PCM16 at 24 kHz, 160 bytes of G.711).
    #[must_use]
    pub fn twenty_ms(format: AudioFormat) -> Framer {
        Framer::new(format, TWENTY_MS)
            .expect("20 ms holds at least 20 samples at SampleRate::MIN_HZ")
    }

    /// The format being framed.
    #[must_use]
    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// Bytes per frame.
    #[must_use]
    pub fn frame_len(&self) -> usize {
        self.frame_len
    }

    /// Audio per frame.
    #[must_use]
    pub fn frame_duration(&self) -> Duration {
        self.format.duration_of(self.frame_len)
    }

    /// Bytes waiting for a frame to fill.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.buffer.len() - self.consumed
    }

    /// Appends a chunk of any length.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.consumed > 0 {
            self.buffer.drain(..self.consumed);
            self.consumed = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame, if enough bytes have been pushed.
    #[must_use]
    pub fn poll_frame(&mut self) -> Option<Vec<u8>> {
        if self.pending() < self.frame_len {
            return None;
        }
        let start = self.consumed;
        self.consumed += self.frame_len;
        Some(self.buffer[start..self.consumed].to_vec())
    }

    /// Ends the stream: the remaining partial frame padded with the format's silence to a
    /// full frame, or `None` if nothing is pending. Whole frames still pending are not
    /// returned here; drain [`Framer::poll_frame`] first.
    #[must_use]
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        if self.pending() == 0 || self.pending() >= self.frame_len {
            return None;
        }
        let mut frame = self.buffer[self.consumed..].to_vec();
        // A dangling half PCM sample is padded along with the rest: its low byte stays, which
        // is inaudible, and the stream keeps its sample alignment.
        frame.resize(self.frame_len, self.format.silence_byte());
        self.buffer.clear();
        self.consumed = 0;
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SampleRate;

    #[test]
    fn frame_lengths_per_format() {
        assert_eq!(Framer::twenty_ms(AudioFormat::PCM16_24K).frame_len(), 960);
        assert_eq!(Framer::twenty_ms(AudioFormat::G711Alaw).frame_len(), 160);
        let rate = SampleRate::new(22_050).unwrap();
        let framer = Framer::twenty_ms(AudioFormat::Pcm16 { rate });
        assert_eq!(framer.frame_len(), 882);
    }

    #[test]
    fn too_short_frame_is_an_error() {
        let err = Framer::new(AudioFormat::G711Ulaw, Duration::from_micros(100)).unwrap_err();
        assert!(matches!(err, FrameError::EmptyFrame { .. }));
        let err = Framer::new(AudioFormat::G711Ulaw, Duration::MAX).unwrap_err();
        assert_eq!(
            err,
            FrameError::TooLong {
                duration: Duration::MAX
            }
        );
    }

    #[test]
    fn finish_pads_with_silence() {
        let mut framer = Framer::twenty_ms(AudioFormat::G711Ulaw);
        framer.push(&[1, 2, 3]);
        let frame = framer.finish().unwrap();
        assert_eq!(&frame[..3], &[1, 2, 3]);
        assert!(frame[3..].iter().all(|&b| b == 0xFF));
        assert_eq!(framer.finish(), None);
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn bad_base64_is_an_error() {
        assert!(decode_base64("AAA").is_err());
        assert!(decode_base64("AA=A").is_err());
        assert!(decode_base64("AA*A").is_err());
        assert_eq!(decode_base64("AAE=").unwrap(), vec![0, 1]);
    }
}
