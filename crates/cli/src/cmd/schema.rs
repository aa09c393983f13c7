//! `switchboard schema`: the JSON Schema of agent files, for editors and validators.

use std::io::{self, Write};

use super::{Error, Outcome};

pub(crate) fn run() -> Result<Outcome, Error> {
    let schema = switchboard_agent::json_schema();
    writeln!(
        io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(&schema)?
    )?;
    Ok(Outcome::Success)
}
