//! `switchboard render`: compile an agent file into instructions or `session.update` events.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Map, Value};
use switchboard_agent::{AgentFile, RenderError, Rendered};

use super::{Error, Outcome};
use crate::cli::RenderFormat;

pub(crate) fn run(
    path: &Path,
    state: Option<&str>,
    format: RenderFormat,
) -> Result<Outcome, Error> {
    let agent = super::load_agent(path)?.agent;
    let rendered = match state {
        Some(id) => {
            vec![switchboard_agent::render(&agent, Some(id)).map_err(|e| render_error(&agent, e))?]
        }
        None => switchboard_agent::render_all(&agent).map_err(|e| render_error(&agent, e))?,
    };
    // A dynamic agent rendered whole prints every state, labelled; otherwise one result.
    let labelled = state.is_none() && agent.dynamic.is_some();
    let mut out = io::stdout().lock();
    match format {
        RenderFormat::Text => {
            for (i, r) in rendered.iter().enumerate() {
                if labelled {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "=== state: {} ===", state_id(r))?;
                }
                write!(out, "{}", r.instructions)?;
            }
        }
        RenderFormat::Json => {
            let value = if labelled {
                let states: Map<String, Value> = rendered
                    .iter()
                    .map(|r| (state_id(r).to_owned(), r.session_update.to_value()))
                    .collect();
                Value::Object(states)
            } else {
                rendered
                    .first()
                    .map(|r| r.session_update.to_value())
                    .unwrap_or(Value::Null)
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
    }
    Ok(Outcome::Success)
}

/// The state a result is for; results of a dynamic agent always name one.
fn state_id(r: &Rendered) -> &str {
    r.state.as_deref().unwrap_or("")
}

/// Explains a render error, naming the states there are when `--state` was wrong.
fn render_error(agent: &AgentFile, err: RenderError) -> Error {
    match (&err, &agent.dynamic) {
        (RenderError::UnknownState(_), Some(flow)) => {
            let ids: Vec<&str> = flow.states.iter().map(|s| s.id.as_str()).collect();
            format!("{err} (its states: {})", ids.join(", ")).into()
        }
        _ => err.to_string().into(),
    }
}
