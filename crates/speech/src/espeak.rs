//! Running espeak-ng, the TTS engine that speaks for callers in scenarios and in tests: the
//! text goes in on stdin, a WAV file comes back. One runner, so every caller passes the text
//! the same safe way.
//!
//! This is the crate's only IO, and only with the `espeak` feature: the rest of the crate is
//! pure and the engine builds it without this module. Callers decode the WAV with the audio
//! crate (this crate does not depend on it).

use std::fmt;
use std::io::{self, Write};
use std::process::{Command, ExitStatus, Stdio};

/// The program, looked up on `PATH`.
pub const PROGRAM: &str = "espeak-ng";

/// How espeak-ng speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The voice (`-v`): `en-us` by default.
    pub voice: String,
    /// Words per minute (`-s`): espeak-ng's own default, 175, unless set.
    pub words_per_minute: u32,
    /// Whether the text is SSML (`-m`), as [`Lexicon::to_ssml`](crate::Lexicon::to_ssml) writes.
    pub ssml: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            voice: "en-us".to_owned(),
            words_per_minute: 175,
            ssml: false,
        }
    }
}

/// Why espeak-ng gave no speech.
#[derive(Debug)]
pub enum Error {
    /// It could not be started (not installed) or talked to.
    Io(io::Error),
    /// It ran and failed.
    Exit(ExitStatus),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(error) => write!(f, "cannot run {PROGRAM}: {error}"),
            Error::Exit(status) => write!(f, "{PROGRAM} exited with {status}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(error) => Some(error),
            Error::Exit(_) => None,
        }
    }
}

/// Whether espeak-ng is on `PATH`, without running it.
#[must_use]
pub fn available() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(PROGRAM).is_file()))
}

/// `text` spoken by espeak-ng, as the WAV file it writes (mono PCM16 at its voice's rate,
/// 22.05 kHz for the default; a streamed header whose sizes are placeholders). Blocking: runs
/// the program. The text goes on stdin, so text starting with `-` is never read as an option.
///
/// # Errors
/// espeak-ng is missing or failed.
pub fn synthesize(text: &str, options: &Options) -> Result<Vec<u8>, Error> {
    let mut command = Command::new(PROGRAM);
    command
        .arg("--stdout")
        .args(["-v", &options.voice])
        .args(["-s", &options.words_per_minute.to_string()]);
    if options.ssml {
        command.arg("-m");
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(Error::Io)?;
    if let Some(mut stdin) = child.stdin.take() {
        // Dropped at the end of this block: espeak-ng reads to the end of its input.
        stdin.write_all(text.as_bytes()).map_err(Error::Io)?;
    }
    let output = child.wait_with_output().map_err(Error::Io)?;
    if !output.status.success() {
        return Err(Error::Exit(output.status));
    }
    Ok(output.stdout)
}
