//! The gateway: serves the OpenAI Realtime protocol to callers and drives one engine session
//! per call against the upstream model.
