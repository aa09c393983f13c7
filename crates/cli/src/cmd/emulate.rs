//! `switchboard emulate`: the Realtime API emulator on its own.

use std::io::Write as _;
use std::path::Path;

use switchboard_testkit::{Emulator, Script};

use super::{Error, Outcome};

pub(crate) fn run(listen: &str, script: &Path) -> Result<Outcome, Error> {
    let script = Script::load(script).map_err(|e| e.to_string())?;
    super::init_logging();
    super::runtime()?.block_on(async {
        let emulator = Emulator::start(listen, script, super::serve::long_running())
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let stop = super::stop_requested()?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "switchboard: emulator listening on {}/realtime",
            emulator.url()
        );
        let _ = out.flush();
        drop(out);
        stop.await;
        emulator.shutdown().await;
        Ok::<_, Error>(())
    })?;
    Ok(Outcome::Success)
}
