//! RIFF/WAVE files: 16-bit PCM (any channel count), G.711 µ-law and A-law.
//!
//! The reader tolerates the headers streaming writers emit (the size is not known when the
//! header is written, so `espeak-ng --stdout`, `sox -` and friends put a placeholder in the
//! `data` size and the audio runs to the end of the input). It ignores the RIFF size and the
//! byte-rate field, which writers often get wrong and which add nothing to the chunk sizes.
//! Everything else that is off is a precise [`WavError`].

use thiserror::Error;

use crate::format::{AudioFormat, SampleRate};
use crate::pcm::{self, PcmError};

/// `data` sizes written by streaming producers that could not seek back: the audio runs to the
/// end of the input. `0x7FFF_F000` is what espeak-ng writes to stdout.
const STREAMED_DATA_SIZES: [u32; 3] = [0, 0xFFFF_FFFF, 0x7FFF_F000];
const FORMAT_PCM: u16 = 1;
const FORMAT_ALAW: u16 = 6;
const FORMAT_ULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;
const CANONICAL_HEADER_LEN: usize = 44;
/// Most channels accepted. Far beyond any speech use, and low enough that the header's 16-bit
/// block align and 32-bit byte rate always fit (1024 × 2 bytes × 768 kHz < 2³²).
pub const MAX_CHANNELS: u16 = 1024;

/// How samples are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WavEncoding {
    /// 16-bit signed little-endian PCM (format tag 1).
    Pcm16,
    /// G.711 µ-law, 8 bits per sample (format tag 7).
    Ulaw,
    /// G.711 A-law, 8 bits per sample (format tag 6).
    Alaw,
}

impl WavEncoding {
    /// Bytes per sample of one channel.
    #[must_use]
    pub fn bytes_per_sample(self) -> usize {
        match self {
            WavEncoding::Pcm16 => 2,
            WavEncoding::Ulaw | WavEncoding::Alaw => 1,
        }
    }

    fn format_tag(self) -> u16 {
        match self {
            WavEncoding::Pcm16 => FORMAT_PCM,
            WavEncoding::Ulaw => FORMAT_ULAW,
            WavEncoding::Alaw => FORMAT_ALAW,
        }
    }
}

/// The `fmt ` chunk, reduced to what this crate supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WavSpec {
    /// Sample encoding.
    pub encoding: WavEncoding,
    /// Interleaved channels (1 to [`MAX_CHANNELS`]).
    pub channels: u16,
    /// Sample frames per second.
    pub sample_rate: SampleRate,
}

impl WavSpec {
    /// Mono audio in one of the Realtime formats.
    #[must_use]
    pub fn mono(format: AudioFormat) -> WavSpec {
        let encoding = match format {
            AudioFormat::Pcm16 { .. } => WavEncoding::Pcm16,
            AudioFormat::G711Ulaw => WavEncoding::Ulaw,
            AudioFormat::G711Alaw => WavEncoding::Alaw,
        };
        WavSpec {
            encoding,
            channels: 1,
            sample_rate: format.sample_rate(),
        }
    }

    /// Bytes per sample frame (one sample of every channel).
    #[must_use]
    pub fn block_align(&self) -> usize {
        self.encoding.bytes_per_sample() * usize::from(self.channels)
    }
}

/// What is wrong with a WAV file, or with audio to be written as one.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum WavError {
    /// Shorter than the 12-byte RIFF/WAVE preamble.
    #[error("WAV file too short: {len} bytes, the RIFF header alone needs 12")]
    TooShort {
        /// Bytes available.
        len: usize,
    },
    /// Does not start with `RIFF` (RIFX and RF64 are not supported either).
    #[error("not a RIFF file: starts with {found:?}")]
    NotRiff {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// A RIFF file of another form than `WAVE`.
    #[error("RIFF form {found:?} is not WAVE")]
    NotWave {
        /// The form type found.
        found: [u8; 4],
    },
    /// The input ends inside an 8-byte chunk header.
    #[error("truncated chunk header at byte {offset}")]
    TruncatedChunkHeader {
        /// Offset of the incomplete header.
        offset: usize,
    },
    /// A chunk claims more bytes than the input holds.
    #[error("chunk {id:?} declares {declared} bytes but only {available} remain")]
    TruncatedChunk {
        /// The chunk id.
        id: [u8; 4],
        /// Size in the chunk header.
        declared: u32,
        /// Bytes after the chunk header.
        available: usize,
    },
    /// The `fmt ` chunk is too small for its format tag.
    #[error("fmt chunk has {len} bytes, format needs at least {needed}")]
    FmtTooShort {
        /// Size of the chunk.
        len: usize,
        /// Size required.
        needed: usize,
    },
    /// Neither PCM, µ-law, A-law nor extensible wrapping one of them.
    #[error("unsupported WAV format tag {tag:#06x} (supported: 1 PCM, 6 A-law, 7 µ-law)")]
    UnsupportedFormatTag {
        /// The format tag (the sub-format's for `WAVE_FORMAT_EXTENSIBLE`).
        tag: u16,
    },
    /// PCM that is not 16-bit, or G.711 that is not 8-bit.
    #[error("unsupported bit depth {bits} for format tag {tag} (PCM must be 16-bit, G.711 8-bit)")]
    UnsupportedBitDepth {
        /// The format tag.
        tag: u16,
        /// Bits per sample in the header.
        bits: u16,
    },
    /// The header says zero channels.
    #[error("WAV file has zero channels")]
    ZeroChannels,
    /// More channels than [`MAX_CHANNELS`].
    #[error("{channels} channels is more than the {MAX_CHANNELS} supported")]
    TooManyChannels {
        /// Channel count in the spec.
        channels: u16,
    },
    /// The sample rate is outside what [`SampleRate`] accepts.
    #[error("unsupported sample rate {hz} Hz")]
    UnsupportedSampleRate {
        /// Rate in the header.
        hz: u32,
    },
    /// Block alignment disagrees with channels × bytes per sample.
    #[error("block align is {found}, expected {expected} for this format and channel count")]
    BlockAlignMismatch {
        /// channels × bytes per sample.
        expected: usize,
        /// Value in the header.
        found: u16,
    },
    /// No `fmt ` chunk before the `data` chunk.
    #[error("missing fmt chunk before the data chunk")]
    MissingFmt,
    /// No `data` chunk.
    #[error("missing data chunk")]
    MissingData,
    /// The audio does not hold whole sample frames.
    #[error("{len} bytes of audio is not a whole number of {block_align}-byte sample frames")]
    PartialFrame {
        /// Audio bytes.
        len: usize,
        /// Bytes per sample frame.
        block_align: usize,
    },
    /// Too much audio for a RIFF file's 32-bit sizes.
    #[error("{len} bytes of audio do not fit a WAV file")]
    TooLarge {
        /// Audio bytes.
        len: usize,
    },
}

/// A decoded WAV file: its spec and its raw, interleaved audio bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wav {
    spec: WavSpec,
    data: Vec<u8>,
}

impl Wav {
    /// Audio from its spec and raw interleaved bytes.
    ///
    /// # Errors
    /// [`WavError::ZeroChannels`] or [`WavError::TooManyChannels`] for a channel count
    /// outside 1..=[`MAX_CHANNELS`], [`WavError::PartialFrame`] if `data` is not whole sample
    /// frames.
    pub fn new(spec: WavSpec, data: Vec<u8>) -> Result<Wav, WavError> {
        check_channels(spec.channels)?;
        if !data.len().is_multiple_of(spec.block_align()) {
            return Err(WavError::PartialFrame {
                len: data.len(),
                block_align: spec.block_align(),
            });
        }
        Ok(Wav { spec, data })
    }

    /// Mono 16-bit PCM.
    #[must_use]
    pub fn mono_pcm16(rate: SampleRate, samples: &[i16]) -> Wav {
        Wav {
            spec: WavSpec {
                encoding: WavEncoding::Pcm16,
                channels: 1,
                sample_rate: rate,
            },
            data: pcm::samples_to_bytes(samples),
        }
    }

    /// Parses a WAV file held in memory.
    ///
    /// # Errors
    /// A [`WavError`] naming the first problem found.
    pub fn parse(bytes: &[u8]) -> Result<Wav, WavError> {
        if bytes.len() < 12 {
            return Err(WavError::TooShort { len: bytes.len() });
        }
        let riff = four(bytes, 0);
        if &riff != b"RIFF" {
            return Err(WavError::NotRiff { found: riff });
        }
        let form = four(bytes, 8);
        if &form != b"WAVE" {
            return Err(WavError::NotWave { found: form });
        }

        let mut spec = None;
        let mut pos = 12;
        while pos < bytes.len() {
            if bytes.len() - pos < 8 {
                return Err(WavError::TruncatedChunkHeader { offset: pos });
            }
            let id = four(bytes, pos);
            let declared = u32_at(bytes, pos + 4);
            let body = &bytes[pos + 8..];
            let size = usize::try_from(declared).unwrap_or(usize::MAX);

            if &id == b"data" {
                let Some(spec) = spec else {
                    return Err(WavError::MissingFmt);
                };
                let block_align = WavSpec::block_align(&spec);
                let data = if STREAMED_DATA_SIZES.contains(&declared) && size != body.len() {
                    // The producer stopped wherever it stopped; a torn last frame is dropped.
                    &body[..body.len() - body.len() % block_align]
                } else if size > body.len() {
                    return Err(truncated(id, declared, body.len()));
                } else {
                    &body[..size]
                };
                return Wav::new(spec, data.to_vec());
            }

            if size > body.len() {
                return Err(truncated(id, declared, body.len()));
            }
            if &id == b"fmt " {
                spec = Some(parse_fmt(&body[..size])?);
            }
            // Chunks are padded to an even length.
            pos += 8 + size + (size & 1);
        }
        Err(if spec.is_some() {
            WavError::MissingData
        } else {
            WavError::MissingFmt
        })
    }

    /// Serialises as a canonical WAV file: the 44-byte header (`RIFF`, `fmt ` of 16 bytes,
    /// `data`) followed by the audio and, if its length is odd, one pad byte.
    ///
    /// # Errors
    /// [`WavError::TooLarge`] if the audio exceeds RIFF's 4 GiB limit.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WavError> {
        let len = self.data.len();
        let pad = len & 1;
        let too_large = || WavError::TooLarge { len };
        let data_len = u32::try_from(len).map_err(|_| too_large())?;
        let riff_len =
            u32::try_from(CANONICAL_HEADER_LEN - 8 + len + pad).map_err(|_| too_large())?;
        let spec = self.spec;
        let block_align = spec.block_align();
        // MAX_CHANNELS keeps block_align within u16 and the byte rate within u32.
        let byte_rate = spec.sample_rate.hz() * block_align as u32;
        let bits = (spec.encoding.bytes_per_sample() * 8) as u16;

        let mut out = Vec::with_capacity(CANONICAL_HEADER_LEN + len + pad);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&riff_len.to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&spec.encoding.format_tag().to_le_bytes());
        out.extend_from_slice(&spec.channels.to_le_bytes());
        out.extend_from_slice(&spec.sample_rate.hz().to_le_bytes());
        out.extend_from_slice(&byte_rate.to_le_bytes());
        out.extend_from_slice(&(block_align as u16).to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend_from_slice(&self.data);
        if pad == 1 {
            out.push(0);
        }
        Ok(out)
    }

    /// The format.
    #[must_use]
    pub fn spec(&self) -> WavSpec {
        self.spec
    }

    /// Raw interleaved audio bytes.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Sample frames (samples per channel).
    #[must_use]
    pub fn frames(&self) -> usize {
        self.data.len() / self.spec.block_align()
    }

    /// Interleaved samples, G.711 decoded to linear 16-bit.
    #[must_use]
    pub fn samples(&self) -> Vec<i16> {
        let format = match self.spec.encoding {
            WavEncoding::Pcm16 => AudioFormat::Pcm16 {
                rate: self.spec.sample_rate,
            },
            WavEncoding::Ulaw => AudioFormat::G711Ulaw,
            WavEncoding::Alaw => AudioFormat::G711Alaw,
        };
        let decoded: Result<Vec<i16>, PcmError> = format.decode(&self.data);
        decoded.expect("Wav::new guarantees whole sample frames, so PCM16 data has even length")
    }

    /// Samples averaged across channels into one.
    #[must_use]
    pub fn mono_samples(&self) -> Vec<i16> {
        downmix_to_mono(&self.samples(), usize::from(self.spec.channels))
    }
}

/// Averages interleaved samples of `channels` channels into mono (rounding to nearest). A
/// trailing partial frame is dropped; zero channels gives no samples.
#[must_use]
pub fn downmix_to_mono(interleaved: &[i16], channels: usize) -> Vec<i16> {
    match channels {
        0 => Vec::new(),
        1 => interleaved.to_vec(),
        n => {
            let n = n as i64;
            interleaved
                .chunks_exact(channels)
                .map(|frame| {
                    let sum: i64 = frame.iter().map(|&s| i64::from(s)).sum();
                    // Mean of i16 values is within i16 range.
                    (2 * sum + n).div_euclid(2 * n) as i16
                })
                .collect()
        }
    }
}

fn parse_fmt(body: &[u8]) -> Result<WavSpec, WavError> {
    if body.len() < 16 {
        return Err(WavError::FmtTooShort {
            len: body.len(),
            needed: 16,
        });
    }
    let mut tag = u16_at(body, 0);
    let channels = u16_at(body, 2);
    let hz = u32_at(body, 4);
    let block_align = u16_at(body, 12);
    let bits = u16_at(body, 14);
    if tag == FORMAT_EXTENSIBLE {
        // cbSize, valid bits, channel mask, then the sub-format GUID whose first two bytes are
        // the real format tag.
        if body.len() < 40 {
            return Err(WavError::FmtTooShort {
                len: body.len(),
                needed: 40,
            });
        }
        tag = u16_at(body, 24);
    }
    let encoding = match tag {
        FORMAT_PCM => WavEncoding::Pcm16,
        FORMAT_ULAW => WavEncoding::Ulaw,
        FORMAT_ALAW => WavEncoding::Alaw,
        _ => return Err(WavError::UnsupportedFormatTag { tag }),
    };
    if usize::from(bits) != encoding.bytes_per_sample() * 8 {
        return Err(WavError::UnsupportedBitDepth { tag, bits });
    }
    check_channels(channels)?;
    let sample_rate = SampleRate::new(hz).ok_or(WavError::UnsupportedSampleRate { hz })?;
    let spec = WavSpec {
        encoding,
        channels,
        sample_rate,
    };
    if usize::from(block_align) != spec.block_align() {
        return Err(WavError::BlockAlignMismatch {
            expected: spec.block_align(),
            found: block_align,
        });
    }
    Ok(spec)
}

fn check_channels(channels: u16) -> Result<(), WavError> {
    match channels {
        0 => Err(WavError::ZeroChannels),
        1..=MAX_CHANNELS => Ok(()),
        _ => Err(WavError::TooManyChannels { channels }),
    }
}

fn truncated(id: [u8; 4], declared: u32, available: usize) -> WavError {
    WavError::TruncatedChunk {
        id,
        declared,
        available,
    }
}

// Callers check lengths first; these only read within bounds already established.
fn four(bytes: &[u8], at: usize) -> [u8; 4] {
    [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(four(bytes, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_header_is_44_bytes() {
        let wav = Wav::mono_pcm16(SampleRate::HZ_24000, &[1, -1]);
        let bytes = wav.to_bytes().unwrap();
        assert_eq!(bytes.len(), 44 + 4);
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(u32_at(&bytes, 4), 40);
        assert_eq!(u32_at(&bytes, 16), 16);
        assert_eq!(u32_at(&bytes, 28), 48_000);
        assert_eq!(&bytes[36..40], b"data");
        assert_eq!(u32_at(&bytes, 40), 4);
    }

    #[test]
    fn odd_g711_data_gets_a_pad_byte() {
        let wav = Wav::new(WavSpec::mono(AudioFormat::G711Ulaw), vec![0xFF; 3]).unwrap();
        let bytes = wav.to_bytes().unwrap();
        assert_eq!(bytes.len(), 44 + 4);
        assert_eq!(u32_at(&bytes, 4), 40);
        assert_eq!(u32_at(&bytes, 40), 3);
        assert_eq!(Wav::parse(&bytes).unwrap(), wav);
    }

    #[test]
    fn downmix_rounds_to_nearest() {
        assert_eq!(downmix_to_mono(&[1, 2, -1, -2, 7, 7, 9], 2), vec![2, -1, 7]);
        assert_eq!(downmix_to_mono(&[i16::MAX, i16::MAX], 2), vec![i16::MAX]);
        assert_eq!(
            downmix_to_mono(&[i16::MIN, i16::MIN, i16::MIN], 3),
            vec![i16::MIN]
        );
        assert_eq!(downmix_to_mono(&[1, 2], 0), Vec::<i16>::new());
    }
}
