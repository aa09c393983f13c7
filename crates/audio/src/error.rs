//! One error type for callers that mix several of this crate's operations.

use thiserror::Error;

use crate::{Base64Error, FrameError, PaceError, PcmError, ResampleError, VadError, WavError};

/// Any error from this crate. Each operation returns its own precise error type; this wraps
/// them so a caller chaining several (decode, parse a WAV, resample) can use `?` throughout.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum AudioError {
    /// See [`PcmError`].
    #[error(transparent)]
    Pcm(#[from] PcmError),
    /// See [`Base64Error`].
    #[error(transparent)]
    Base64(#[from] Base64Error),
    /// See [`FrameError`].
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// See [`PaceError`].
    #[error(transparent)]
    Pace(#[from] PaceError),
    /// See [`ResampleError`].
    #[error(transparent)]
    Resample(#[from] ResampleError),
    /// See [`VadError`].
    #[error(transparent)]
    Vad(#[from] VadError),
    /// See [`WavError`].
    #[error(transparent)]
    Wav(#[from] WavError),
}
