//! The supervisor (thinker): an OpenAI-compatible Chat Completions endpoint asked on the
//! responder's behalf, which may call the agent's tools itself.
