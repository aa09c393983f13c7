//! The supervisor (thinker): an OpenAI-compatible Chat Completions endpoint asked on the
//! responder's behalf, which may call the agent's tools itself.

use switchboard_agent::AgentFile;
use switchboard_engine::SupervisorQuestion;

/// Asks the agent's supervisor `question`; its text, or why it failed.
pub(crate) async fn ask(
    _client: &reqwest::Client,
    _agent: &AgentFile,
    _question: SupervisorQuestion,
) -> Result<String, String> {
    Err("the supervisor client is not written yet".to_owned())
}
