//! Outbound pacing is computed from the stream start, so a driver that wakes late (jitter)
//! never accumulates delay: after ten simulated minutes the frames sent match the clock, and
//! audio is never more than the configured lead ahead of playback.

use std::time::{Duration, Instant};

use switchboard_audio::Pacer;

mod common;
use common::Rng;

const FRAME: Duration = Duration::from_millis(20);

#[test]
fn jittery_driver_stays_on_schedule() {
    let start = Instant::now();
    let lead = Duration::from_millis(100);
    let mut pacer = Pacer::new(start, FRAME, lead).unwrap();
    let mut rng = Rng::new(7);
    let mut now = start;
    let end = start + Duration::from_secs(600);

    while now < end {
        for _ in 0..pacer.frames_due(now) {
            pacer.record_sent(now);
        }
        // Never more than `lead` (plus the frame being sent) ahead of playback.
        let elapsed = now - start;
        assert!(
            pacer.audio_sent() <= elapsed + lead + FRAME,
            "ahead at {elapsed:?}"
        );
        // Never behind: the next frame is always in the future.
        assert!(pacer.next_due() > now);
        // Sleep until the deadline, then oversleep by up to 15 ms as a busy runtime does.
        let oversleep = Duration::from_micros(rng.next_u64() % 15_000);
        now = pacer.next_due() + oversleep;
    }

    // 600 s of frames plus the lead, no frame lost to accumulated wake-up latency.
    let expected = 600_000 / 20 + 100 / 20;
    let sent = pacer.frames_sent();
    assert!(
        (expected..=expected + 1).contains(&sent),
        "sent {sent}, expected {expected}"
    );
}

#[test]
fn sleeping_by_accumulation_would_drift_but_pacer_does_not() {
    // The naive loop "send, sleep 20 ms" with 1 ms of oversleep loses a frame every 21.
    // The pacer, woken just as late, keeps one frame per 20 ms of wall time.
    let start = Instant::now();
    let mut pacer = Pacer::new(start, FRAME, Duration::ZERO).unwrap();
    let mut now = start;
    for _ in 0..3_000 {
        for _ in 0..pacer.frames_due(now) {
            pacer.record_sent(now);
        }
        now = pacer.next_due() + Duration::from_millis(1);
    }
    let elapsed_frames = ((now - start).as_millis() / 20) as u64;
    assert!(pacer.frames_sent().abs_diff(elapsed_frames) <= 1);
    assert_eq!(pacer.played(now), (now - start).min(pacer.audio_sent()));
}

#[test]
fn burst_at_start_is_bounded_by_lead() {
    let start = Instant::now();
    let pacer = Pacer::new(start, FRAME, Duration::from_millis(200)).unwrap();
    // Frames 0..=10 start playing within 200 ms.
    assert_eq!(pacer.frames_due(start), 11);
    // The deadline never precedes the start, whatever the lead.
    assert_eq!(pacer.next_due(), start);
}
