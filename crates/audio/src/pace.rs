//! Real-time pacing of outbound frames, computed from the stream's start instant.

use std::time::{Duration, Instant};

use thiserror::Error;

use crate::format::duration_from_nanos;

/// A pacing configuration that cannot work.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PaceError {
    /// Frames must have a length for time to advance.
    #[error("frame duration must be greater than zero")]
    ZeroFrame,
    /// Frames longer than [`Pacer::MAX_FRAME`] are a unit mix-up, not a pacing choice.
    #[error("frame duration {frame:?} is longer than {max:?}", max = Pacer::MAX_FRAME)]
    FrameTooLong {
        /// The rejected frame duration.
        frame: Duration,
    },
}

/// Says when each outbound frame may be sent so that a listener receives audio at playback
/// speed, at most `lead` ahead of what it is playing.
///
/// Frame *k* starts playing at `start + k × frame` and may be sent from `lead` before that.
/// Deadlines are computed from the anchor, never by adding up sleeps, so a driver that wakes
/// late on one frame does not push every later frame back: the schedule has no drift.
///
/// When frames run out (the model is slower than real time) the listener's playout stalls.
/// A frame sent more than one frame duration after its scheduled play time therefore
/// re-anchors the schedule at that moment; smaller lateness is treated as wake-up jitter and
/// leaves the anchor alone.
///
/// Sans-IO drive loop:
///
/// ```
/// use std::time::{Duration, Instant};
/// use switchboard_audio::Pacer;
///
/// let start = Instant::now();
/// let mut pacer = Pacer::new(start, Duration::from_millis(20), Duration::from_millis(60))?;
/// // At the start, the 60 ms lead allows frames 0, 1, 2 and 3 (which starts playing at 60 ms).
/// assert_eq!(pacer.frames_due(start), 4);
/// for _ in 0..4 {
///     pacer.record_sent(start);
/// }
/// // The driver sleeps until the next deadline and asks again.
/// assert_eq!(pacer.next_due(), start + Duration::from_millis(20));
/// # Ok::<(), switchboard_audio::PaceError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Pacer {
    anchor: Instant,
    frame: Duration,
    lead: Duration,
    sent: u64,
}

impl Pacer {
    /// Longest accepted frame.
    pub const MAX_FRAME: Duration = Duration::from_secs(10);

    /// A pacer whose frame 0 starts playing at `start`, sending up to `lead` ahead of playback.
    ///
    /// # Errors
    /// [`PaceError::ZeroFrame`] or [`PaceError::FrameTooLong`] if `frame` is outside
    /// `(0, MAX_FRAME]`.
    pub fn new(start: Instant, frame: Duration, lead: Duration) -> Result<Pacer, PaceError> {
        if frame.is_zero() {
            return Err(PaceError::ZeroFrame);
        }
        if frame > Self::MAX_FRAME {
            return Err(PaceError::FrameTooLong { frame });
        }
        Ok(Pacer {
            anchor: start,
            frame,
            lead,
            sent: 0,
        })
    }

    /// Frames recorded as sent.
    #[must_use]
    pub fn frames_sent(&self) -> u64 {
        self.sent
    }

    /// Audio recorded as sent.
    #[must_use]
    pub fn audio_sent(&self) -> Duration {
        self.offset_of(self.sent)
    }

    /// When frame `index` starts playing at the listener.
    fn play_time(&self, index: u64) -> Instant {
        self.anchor
            .checked_add(self.offset_of(index))
            .expect("index ≤ frames_sent and frame ≤ MAX_FRAME keep offsets within Instant's range")
    }

    /// When frame `index` may be sent: `lead` before it plays, but never before the anchor.
    fn due_at(&self, index: u64) -> Instant {
        let offset = self.offset_of(index).saturating_sub(self.lead);
        self.anchor
            .checked_add(offset)
            .expect("index ≤ frames_sent and frame ≤ MAX_FRAME keep offsets within Instant's range")
    }

    /// When the next frame may be sent; sleep until then when there is audio to send.
    #[must_use]
    pub fn next_due(&self) -> Instant {
        self.due_at(self.sent)
    }

    /// How many more frames may be sent at `now`.
    #[must_use]
    pub fn frames_due(&self, now: Instant) -> u64 {
        // Frame k is due when k × frame ≤ elapsed + lead.
        let horizon = now
            .saturating_duration_since(self.anchor)
            .saturating_add(self.lead);
        let allowed = horizon.as_nanos() / self.frame.as_nanos() + 1;
        u64::try_from(allowed)
            .unwrap_or(u64::MAX)
            .saturating_sub(self.sent)
    }

    /// Records that the next frame was sent at `now`.
    pub fn record_sent(&mut self, now: Instant) {
        let play_at = self.play_time(self.sent);
        if now.saturating_duration_since(play_at) > self.frame {
            // The listener ran dry waiting for this frame: it plays from now on.
            self.anchor = now
                .checked_sub(self.offset_of(self.sent))
                .unwrap_or(self.anchor);
        }
        self.sent = self.sent.saturating_add(1);
    }

    /// How much of the sent audio the listener has played by `now`, assuming it plays frames
    /// as scheduled: the `audio_end_ms` to truncate an interrupted assistant item at.
    #[must_use]
    pub fn played(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.anchor)
            .min(self.audio_sent())
    }

    fn offset_of(&self, index: u64) -> Duration {
        duration_from_nanos(self.frame.as_nanos().saturating_mul(u128::from(index)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Duration = Duration::from_millis(20);

    #[test]
    fn zero_frame_is_rejected() {
        assert_eq!(
            Pacer::new(Instant::now(), Duration::ZERO, FRAME).unwrap_err(),
            PaceError::ZeroFrame
        );
    }

    #[test]
    fn without_lead_each_frame_is_due_when_it_plays() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start, FRAME, Duration::ZERO).unwrap();
        assert_eq!(pacer.frames_due(start), 1);
        pacer.record_sent(start);
        assert_eq!(pacer.frames_due(start + Duration::from_millis(19)), 0);
        assert_eq!(pacer.frames_due(start + FRAME), 1);
        assert_eq!(pacer.next_due(), start + FRAME);
    }

    #[test]
    fn late_wake_up_within_a_frame_keeps_the_anchor() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start, FRAME, Duration::ZERO).unwrap();
        pacer.record_sent(start);
        pacer.record_sent(start + Duration::from_millis(35));
        assert_eq!(pacer.next_due(), start + Duration::from_millis(40));
    }

    #[test]
    fn starvation_re_anchors_and_played_stalls() {
        let start = Instant::now();
        let mut pacer = Pacer::new(start, FRAME, Duration::ZERO).unwrap();
        pacer.record_sent(start);
        // The next frame only arrives 500 ms in: the listener heard 20 ms, then silence.
        let late = start + Duration::from_millis(500);
        assert_eq!(pacer.played(late), FRAME);
        pacer.record_sent(late);
        assert_eq!(pacer.played(late), FRAME);
        assert_eq!(pacer.next_due(), late + FRAME);
        assert_eq!(
            pacer.played(late + Duration::from_millis(10)),
            Duration::from_millis(30)
        );
    }
}
