//! A script being played: the script, the voice that speaks it, and where the next connection
//! starts. One [`Rehearsal`] is shared by every connection to one emulator. Each connection
//! plays the script from the top on its own, except the one that follows a scripted
//! `disconnect`, which picks up at the next entry, as a reconnecting client would.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::script::{Entry, Script};
use crate::voice::Voice;

/// A script being played, shared by the sessions of one emulator.
#[derive(Debug)]
pub struct Rehearsal {
    script: Script,
    /// Entries taken by every connection, for tests.
    taken: AtomicUsize,
    /// Where the connection after a scripted `disconnect` resumes.
    resume: Mutex<Option<usize>>,
    sessions: AtomicUsize,
    /// Transcripts for the caller's next audio turns, oldest first (see [`Rehearsal::hear`]).
    hearing: Mutex<VecDeque<String>>,
    pub(crate) voice: Voice,
}

impl Rehearsal {
    /// Plays `script` with a tone sequence for speech: deterministic, no outside programs.
    /// (The [`Emulator`](crate::Emulator) uses espeak-ng when it is installed.)
    pub fn new(script: Script) -> Rehearsal {
        Rehearsal::with_voice(script, Voice::tones())
    }

    pub(crate) fn with_voice(script: Script, voice: Voice) -> Rehearsal {
        Rehearsal {
            script,
            taken: AtomicUsize::new(0),
            resume: Mutex::new(None),
            sessions: AtomicUsize::new(0),
            hearing: Mutex::new(VecDeque::new()),
            voice,
        }
    }

    /// The script.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// How many entries in-band responses have taken so far, over every connection.
    pub fn position(&self) -> usize {
        self.taken.load(Ordering::SeqCst)
    }

    /// The entry at `index`, counted as taken.
    pub(crate) fn take(&self, index: usize) -> Option<&Entry> {
        let entry = self.script.entries().get(index)?;
        self.taken.fetch_add(1, Ordering::SeqCst);
        Some(entry)
    }

    /// Where a new connection starts: after a scripted disconnect, the next entry; else the top.
    pub(crate) fn start(&self) -> usize {
        self.lock_resume().take().unwrap_or(0)
    }

    /// A scripted disconnect: the next connection resumes at `index`.
    pub(crate) fn resume_at(&self, index: usize) {
        *self.lock_resume() = Some(index);
    }

    fn lock_resume(&self) -> std::sync::MutexGuard<'_, Option<usize>> {
        self.resume
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues what the caller will be reported to have said in its next audio turn, for a
    /// client that knows what it is about to say (the emulator cannot recognise speech). Each
    /// committed audio turn takes one queued transcript; the script's `heard` wins when its
    /// entry has one.
    pub fn hear(&self, transcript: impl Into<String>) {
        self.lock_hearing().push_back(transcript.into());
    }

    /// The transcript queued for the audio turn being committed, if any.
    pub(crate) fn next_heard(&self) -> Option<String> {
        self.lock_hearing().pop_front()
    }

    fn lock_hearing(&self) -> std::sync::MutexGuard<'_, VecDeque<String>> {
        self.hearing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A number for a new session, so ids never repeat across connections.
    pub(crate) fn next_session(&self) -> usize {
        self.sessions.fetch_add(1, Ordering::SeqCst) + 1
    }
}
