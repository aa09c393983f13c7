//! Test kit: an emulator of the OpenAI Realtime API, driven by a script.
