//! A script being played: the script, how far it has got, and the voice that speaks it.
//! One [`Rehearsal`] is shared by every connection to one emulator, so a connection that
//! follows a scripted `disconnect` picks up at the next entry.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::script::{Entry, Script};
use crate::voice::Voice;

/// A script being played, shared by the sessions of one emulator.
#[derive(Debug)]
pub struct Rehearsal {
    script: Script,
    next: AtomicUsize,
    sessions: AtomicUsize,
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
            next: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            voice,
        }
    }

    /// The script.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// How many entries in-band responses have taken so far.
    pub fn position(&self) -> usize {
        self.next.load(Ordering::SeqCst)
    }

    /// The entry the next in-band response will take.
    pub(crate) fn peek(&self) -> Option<&Entry> {
        self.script.entries().get(self.position())
    }

    /// Takes the next entry; `None` once the script has run out.
    pub(crate) fn take(&self) -> Option<&Entry> {
        let len = self.script.entries().len();
        self.next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < len).then_some(n + 1)
            })
            .ok()
            .and_then(|n| self.script.entries().get(n))
    }

    /// A number for a new session, so ids never repeat across connections.
    pub(crate) fn next_session(&self) -> usize {
        self.sessions.fetch_add(1, Ordering::SeqCst) + 1
    }
}
