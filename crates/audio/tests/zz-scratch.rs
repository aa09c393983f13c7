use switchboard_audio::{SampleRate, VadConfig};
mod common;
use common::*;
#[test]
fn show() {
    let rate = SampleRate::HZ_24000;
    for lvl in [-45.0, -42.0, -35.0] {
    let mut rng = Rng::new(5);
    let mut signal = noise(&mut rng, seconds(rate, 3.0), dbfs(-60.0));
    mix_into(&mut signal, seconds(rate, 1.0), &voiced(rate, seconds(rate, 1.0), 160.0, dbfs(lvl)));
    let s = to_i16(&signal);
    for th in [0.1f32, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95] {
        let ev = vad_events(rate, VadConfig { threshold: th, ..VadConfig::default() }, &s, 480);
        eprintln!("lvl {lvl} th {th}: {ev:?}");
    }}
    // noise step
    let mut rng = Rng::new(9);
    let mut signal = noise(&mut rng, seconds(rate, 12.0), dbfs(-60.0));
    mix_into(&mut signal, seconds(rate, 2.0), &noise(&mut rng, seconds(rate, 10.0), dbfs(-40.0)));
    eprintln!("step: {:?}", vad_events(rate, VadConfig::default(), &to_i16(&signal), 480));
    // speech at start
    let mut signal = noise(&mut rng, seconds(rate, 6.0), dbfs(-60.0));
    mix_into(&mut signal, 0, &voiced(rate, seconds(rate, 1.5), 160.0, dbfs(-20.0)));
    mix_into(&mut signal, seconds(rate, 3.0), &voiced(rate, seconds(rate, 1.5), 160.0, dbfs(-20.0)));
    eprintln!("speech at start: {:?}", vad_events(rate, VadConfig::default(), &to_i16(&signal), 480));
    // long 8 s utterance
    let mut signal = noise(&mut rng, seconds(rate, 10.0), dbfs(-60.0));
    mix_into(&mut signal, seconds(rate, 1.0), &voiced(rate, seconds(rate, 8.0), 160.0, dbfs(-30.0)));
    eprintln!("long: {:?}", vad_events(rate, VadConfig::default(), &to_i16(&signal), 480));
}
