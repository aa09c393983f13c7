//! `switchboard emulate`: the Realtime API emulator on its own.

use std::io::Write as _;

use switchboard_testkit::{Emulator, EmulatorOptions, Script};

use super::{Error, Outcome};
use crate::cli::EmulateArgs;

pub(crate) fn run(args: &EmulateArgs) -> Result<Outcome, Error> {
    let script = Script::load(&args.script).map_err(|e| e.to_string())?;
    let options = EmulatorOptions {
        require_key: required_key(args.require_key_env.as_deref(), "--require-key-env")?,
        require_api_key: required_key(
            args.require_api_key_env.as_deref(),
            "--require-api-key-env",
        )?,
        azure: args.azure,
        ..super::serve::long_running()
    };
    let listen = &args.listen;
    super::init_logging();
    super::runtime()?.block_on(async {
        let emulator = Emulator::start(listen, script, options)
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

/// The key held by the environment variable a flag names; an unset or empty variable is a
/// usage error rather than an emulator that lets everyone in.
fn required_key(var: Option<&str>, flag: &str) -> Result<Option<String>, Error> {
    let Some(var) = var else {
        return Ok(None);
    };
    match std::env::var(var) {
        Ok(key) if !key.is_empty() => Ok(Some(key)),
        _ => Err(format!("{flag}: environment variable {var} is not set").into()),
    }
}
