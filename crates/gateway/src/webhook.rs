//! Tools over HTTP: the signed webhook request, retries for reads, and clear errors for bad
//! replies.
//!
//! A webhook call is one `POST` of JSON to the tool's URL:
//!
//! ```json
//! {"call_id": "call_…", "name": "lookup_account", "arguments": {…},
//!  "session_id": "sess_…", "idempotency_key": "sess_…:call_…"}
//! ```
//!
//! with `Content-Type: application/json`, `Idempotency-Key`, `X-Switchboard-Timestamp` (Unix
//! seconds) and, when the tool names a `secret_env`, `X-Switchboard-Signature:
//! v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. Receivers check it with [`verify`].
//!
//! Read tools are retried on 5xx replies and connection errors (100, 200, 400 ms, jittered,
//! within the deadline); write tools are sent once. A 2xx JSON reply is the result, unless it
//! is an object whose `error` is a string: that is the tool saying it failed, as a fixture's
//! `error:` does. Everything else (4xx, 5xx, no answer in time, a body that is not JSON or is
//! over 1 MiB) is a failed attempt with a reason the model hears.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_agent::AgentFile;
use switchboard_agent::model::{Access, Run, Tool, Webhook};
use switchboard_engine::{ToolError, ToolRun};
use tokio::time::Instant;

type HmacSha256 = Hmac<Sha256>;

/// The largest reply body read from a tool, in bytes.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// The header carrying the Unix time (seconds) at which a request was signed.
pub const TIMESTAMP_HEADER: &str = "X-Switchboard-Timestamp";

/// The header carrying the signature(s): `v1=<hex>`, comma-separated when there are several.
pub const SIGNATURE_HEADER: &str = "X-Switchboard-Signature";

/// The header carrying the call's idempotency key (also in the body).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Pauses before the second, third and fourth attempt of a read tool (before jitter).
const BACKOFF: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
];

/// How much of a refusal's body goes into the error the model hears, in characters.
const EXCERPT_CHARS: usize = 200;

/// The signature header value for `body` sent at `timestamp`: `v1=` and the hex HMAC-SHA256
/// of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], timestamp: u64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(hmac::digest::InvalidLength) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Why a webhook request's signature was refused. The receiver is at fault for none of these:
/// the request is unsigned, altered, replayed late, or signed with another secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The timestamp header is missing or not a number of seconds.
    #[error("the timestamp header is missing or not Unix seconds")]
    MalformedTimestamp,
    /// The timestamp is further from now than the tolerance: a replay, or a wrong clock.
    #[error("the timestamp is {skew_s} s away from now, more than the {tolerance_s} s allowed")]
    OutsideTolerance {
        /// Seconds between the timestamp and now (either way).
        skew_s: u64,
        /// The tolerance, in seconds.
        tolerance_s: u64,
    },
    /// The signature header is missing, empty, or has no `v1=<hex>` value.
    #[error("the signature header is missing or has no v1=<hex> value")]
    MalformedSignature,
    /// No `v1` value matches the body under this secret.
    #[error("no signature matches the body")]
    Mismatch,
}

/// A tool call as a tool server receives it from the gateway (the body of the webhook request),
/// once [`receive`] has checked it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Received {
    /// The model's call id.
    #[serde(default)]
    pub call_id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, checked by the gateway against the tool's schema.
    #[serde(default)]
    pub arguments: Value,
    /// The gateway's session.
    #[serde(default)]
    pub session_id: String,
    /// Stable for the call, the same on every retry: the [`IDEMPOTENCY_HEADER`] when sent,
    /// else the body's.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Why a tool server refuses a request it received.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The signature does not check out: `401`.
    #[error("signature refused: {0}")]
    Signature(SignatureError),
    /// The body is not the gateway's webhook body: `400`.
    #[error("not a webhook body: {0}")]
    Body(String),
    /// The body names another tool than the URL: `400`.
    #[error("the body is for `{body}`, the URL for `{url}`")]
    OtherTool {
        /// The tool the body names.
        body: String,
        /// The tool the URL names.
        url: String,
    },
}

impl Refused {
    /// The HTTP status to answer with.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::Signature(_) => axum::http::StatusCode::UNAUTHORIZED,
            Self::Body(_) | Self::OtherTool { .. } => axum::http::StatusCode::BAD_REQUEST,
        }
    }
}

/// What a tool server does with a request for `tool` before anything else: checks its
/// signature with `secret` (see [`verify`]; `now` is the receiver's Unix time in seconds),
/// parses the body and checks it is for that tool. The idempotency key is the header's when
/// sent, else the body's; an empty one is none.
pub fn receive(
    secret: &[u8],
    tool: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    now: u64,
    tolerance: Duration,
) -> Result<Received, Refused> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    verify(
        secret,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        body,
        now,
        tolerance,
    )
    .map_err(Refused::Signature)?;
    let mut received: Received =
        serde_json::from_slice(body).map_err(|e| Refused::Body(e.to_string()))?;
    if received.name != tool {
        return Err(Refused::OtherTool {
            body: received.name,
            url: tool.to_owned(),
        });
    }
    received.idempotency_key = Some(header(IDEMPOTENCY_HEADER).to_owned())
        .filter(|k| !k.is_empty())
        .or(received.idempotency_key)
        .filter(|k| !k.is_empty());
    Ok(received)
}

/// Checks a webhook request as received: `timestamp_header` and `signature_header` are the
/// values of [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`] (empty if absent), `body` the raw
/// bytes, `now` the receiver's Unix time in seconds.
///
/// The timestamp must be within `tolerance` of `now` either way; the signature header may
/// carry several comma-separated `v1=` values (one per secret while a secret is rotated), and
/// one of them must match, compared in constant time. Values of other schemes are ignored.
pub fn verify(
    secret: &[u8],
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now: u64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let timestamp: u64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| SignatureError::MalformedTimestamp)?;
    let skew_s = now.abs_diff(timestamp);
    if skew_s > tolerance.as_secs() {
        return Err(SignatureError::OutsideTolerance {
            skew_s,
            tolerance_s: tolerance.as_secs(),
        });
    }
    let mut candidates = Vec::new();
    for part in signature_header.split(',') {
        let Some((scheme, value)) = part.trim().split_once('=') else {
            return Err(SignatureError::MalformedSignature);
        };
        if scheme.trim() != "v1" {
            continue;
        }
        let bytes = hex::decode(value.trim()).map_err(|_| SignatureError::MalformedSignature)?;
        candidates.push(bytes);
    }
    if candidates.is_empty() {
        return Err(SignatureError::MalformedSignature);
    }
    let expected = mac(secret, timestamp, body);
    // `verify_slice` compares in constant time; try every value, so the time taken does not
    // say which one matched.
    let mut matched = false;
    for candidate in &candidates {
        matched |= expected.clone().verify_slice(candidate).is_ok();
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Sends every fixture tool of `agent` to a tool server instead: its `run` becomes a webhook
/// to `{base_url}/tools/{name}`, signed with the secret in `secret_env`. This is what
/// `switchboard serve --tool-server` does to the agents it serves. Returns the names of the
/// tools replaced; webhook, built-in and caller tools are left as they are.
pub fn replace_fixtures(agent: &mut AgentFile, base_url: &str, secret_env: &str) -> Vec<String> {
    let base = base_url.trim_end_matches('/');
    let mut replaced = Vec::new();
    for tool in &mut agent.tools {
        if let Run::Fixtures(_) = tool.run {
            tool.run = Run::Webhook(Webhook {
                url: format!("{base}/tools/{}", tool.name),
                secret_env: Some(secret_env.to_owned()),
            });
            replaced.push(tool.name.clone());
        }
    }
    replaced
}

/// Runs `run` against the tool's webhook.
pub(crate) async fn run_tool(
    client: &reqwest::Client,
    tool: &Tool,
    session_id: &str,
    run: &ToolRun,
) -> Result<Value, ToolError> {
    let name = &tool.name;
    let Run::Webhook(hook) = &tool.run else {
        return Err(ToolError::Failed(format!("`{name}` is not a webhook tool")));
    };
    // Read first, so a misconfigured secret never lets an unsigned request out.
    let secrets = match &hook.secret_env {
        Some(var) => Some(secrets_from_env(name, var).map_err(ToolError::Failed)?),
        None => None,
    };
    let body = serde_json::to_vec(&json!({
        "call_id": run.call_id,
        "name": run.name,
        "arguments": run.arguments,
        "session_id": session_id,
        "idempotency_key": run.idempotency_key,
    }))
    .map_err(|e| ToolError::Failed(format!("`{name}`: cannot encode the request: {e}")))?;
    // Read on every call, like the secret: a changed variable takes effect without a restart.
    let url = hook
        .url_with(|var| std::env::var(var).ok())
        .map_err(|e| ToolError::Failed(format!("`{name}`: {e}")))?;
    let deadline = Instant::from_std(run.deadline);
    let attempts = match tool.access {
        Access::Read => BACKOFF.len() + 1,
        Access::Write => 1,
    };

    let mut attempt = 0;
    loop {
        attempt += 1;
        // Each attempt is signed afresh, so a retry is not refused as stale.
        let timestamp = unix_now();
        let mut request = client
            .post(&url)
            .header("Content-Type", "application/json")
            .header(IDEMPOTENCY_HEADER, &run.idempotency_key)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .body(body.clone());
        if let Some(secrets) = &secrets {
            let values: Vec<String> = secrets
                .iter()
                .map(|s| sign(s.as_bytes(), timestamp, &body))
                .collect();
            request = request.header(SIGNATURE_HEADER, values.join(","));
        }
        let outcome = tokio::time::timeout_at(deadline, attempt_once(request)).await;
        let failure = match outcome {
            Err(_) => return Err(ToolError::Timeout),
            Ok(Attempt::Done(result)) => {
                return result.map_err(|why| ToolError::Failed(format!("`{name}` {why}")));
            }
            Ok(Attempt::Retryable(why)) => why,
        };
        tracing::debug!(tool = %name, attempt, reason = %failure, "webhook attempt failed");
        let pause = BACKOFF.get(attempt - 1).copied().map(jitter);
        match pause {
            Some(pause) if attempt < attempts && Instant::now() + pause < deadline => {
                tokio::time::sleep(pause).await;
            }
            _ => {
                let tries = if attempt == 1 {
                    String::new()
                } else {
                    format!(" (after {attempt} attempts)")
                };
                return Err(ToolError::Failed(format!("`{name}` {failure}{tries}")));
            }
        }
    }
}

/// The outcome of one request.
enum Attempt {
    /// The result, or a failure not worth retrying (the reason follows the tool's name).
    Done(Result<Value, String>),
    /// A failure that a read tool may retry: a 5xx reply or no connection.
    Retryable(String),
}

async fn attempt_once(request: reqwest::RequestBuilder) -> Attempt {
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) if e.is_builder() => {
            return Attempt::Done(Err("has a webhook URL that cannot be used".to_owned()));
        }
        Err(e) if e.is_connect() => {
            return Attempt::Retryable("could not be reached (connection failed)".to_owned());
        }
        Err(_) => return Attempt::Retryable("could not be reached (request failed)".to_owned()),
    };
    let status = response.status();
    let body = match read_bounded(response).await {
        Ok(body) => body,
        Err(Body::TooLarge) => {
            return Attempt::Done(Err(format!(
                "answered with a body over {} MiB",
                MAX_REPLY_BYTES / (1024 * 1024)
            )));
        }
        Err(Body::Broken) if status.is_success() => {
            return Attempt::Retryable("broke off its answer".to_owned());
        }
        Err(Body::Broken) => Vec::new(),
    };
    if status.is_server_error() {
        return Attempt::Retryable(format!(
            "failed (HTTP {}){}",
            status.as_u16(),
            excerpt(&body)
        ));
    }
    if !status.is_success() {
        return Attempt::Done(Err(format!(
            "refused the call (HTTP {}){}",
            status.as_u16(),
            excerpt(&body)
        )));
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            return Attempt::Done(Err(format!(
                "answered HTTP {} with a body that is not JSON",
                status.as_u16()
            )));
        }
    };
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        return Attempt::Done(Err(format!("failed: {}", sanitise(error))));
    }
    Attempt::Done(Ok(value))
}

enum Body {
    TooLarge,
    Broken,
}

/// The reply body, read chunk by chunk and given up past [`MAX_REPLY_BYTES`].
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, Body> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_REPLY_BYTES as u64)
    {
        return Err(Body::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| Body::Broken)? {
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(Body::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `": <excerpt>"` of a refusal's body for the error message, or nothing for an empty body:
/// the `error` (or `error.message`) of a JSON body, else its text, on one line, without
/// control characters, cut to [`EXCERPT_CHARS`].
fn excerpt(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(value) => match value.get("error") {
            Some(Value::String(s)) => s.clone(),
            Some(error) => error
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| value.to_string(), str::to_owned),
            None => value.to_string(),
        },
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text = sanitise(&text);
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// `text` on one line, without control characters, at most [`EXCERPT_CHARS`] characters.
fn sanitise(text: &str) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let line = words.join(" ");
    if line.chars().count() <= EXCERPT_CHARS {
        line
    } else {
        let cut: String = line.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}…")
    }
}

/// The secrets in `var`: one, or several separated by whitespace while a secret is rotated
/// (each signs the request; the receiver accepts any it knows).
fn secrets_from_env(tool: &str, var: &str) -> Result<Vec<String>, String> {
    let value = std::env::var(var).unwrap_or_default();
    let secrets: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
    if secrets.is_empty() {
        return Err(format!(
            "`{tool}` is not run: its signing secret `{var}` is not set in the gateway's environment"
        ));
    }
    Ok(secrets)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `pause` scaled by a random factor in [0.5, 1.0], so retries of many calls spread out.
fn jitter(pause: Duration) -> Duration {
    pause.mul_f64(rand::random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";

    #[test]
    fn a_tool_server_receives_a_signed_body_for_its_tool() {
        let body = br#"{"call_id":"c1","name":"lookup","arguments":{"a":1},"session_id":"s1","idempotency_key":"s1:c1"}"#;
        let at = 1_700_000_000;
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(TIMESTAMP_HEADER, at.to_string().parse().expect("a header"));
        headers.insert(
            SIGNATURE_HEADER,
            sign(SECRET, at, body).parse().expect("a header"),
        );
        let tolerance = Duration::from_secs(300);
        let received = receive(SECRET, "lookup", &headers, body, at, tolerance).expect("received");
        assert_eq!(received.arguments, json!({"a": 1}));
        assert_eq!(received.idempotency_key.as_deref(), Some("s1:c1"));
        headers.insert(IDEMPOTENCY_HEADER, "from-header".parse().expect("a header"));
        let received = receive(SECRET, "lookup", &headers, body, at, tolerance).expect("received");
        assert_eq!(received.idempotency_key.as_deref(), Some("from-header"));
        let other =
            receive(SECRET, "refund", &headers, body, at, tolerance).expect_err("other tool");
        assert_eq!(other.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(
            other.to_string(),
            "the body is for `lookup`, the URL for `refund`"
        );
        let late =
            receive(SECRET, "lookup", &headers, body, at + 301, tolerance).expect_err("late");
        assert_eq!(late.status(), axum::http::StatusCode::UNAUTHORIZED);
        let wrong = receive(b"other", "lookup", &headers, body, at, tolerance).expect_err("secret");
        assert!(
            wrong.to_string().starts_with("signature refused"),
            "{wrong}"
        );
        headers.insert(
            SIGNATURE_HEADER,
            sign(SECRET, at, b"[1]").parse().expect("a header"),
        );
        let not_body =
            receive(SECRET, "lookup", &headers, b"[1]", at, tolerance).expect_err("body");
        assert!(matches!(not_body, Refused::Body(_)), "{not_body:?}");
    }

    #[test]
    fn a_signature_verifies_within_the_tolerance() {
        let body = br#"{"a":1}"#;
        let header = sign(SECRET, 1_700_000_000, body);
        assert!(header.starts_with("v1="));
        let tolerance = Duration::from_secs(300);
        assert_eq!(
            verify(
                SECRET,
                "1700000000",
                &header,
                body,
                1_700_000_120,
                tolerance
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                SECRET,
                "1700000000",
                &header,
                body,
                1_699_999_900,
                tolerance
            ),
            Ok(())
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_refused() {
        let body = b"{}";
        let header = sign(SECRET, 1_000, body);
        let tolerance = Duration::from_secs(300);
        assert_eq!(
            verify(SECRET, "1000", &header, body, 1_301, tolerance),
            Err(SignatureError::OutsideTolerance {
                skew_s: 301,
                tolerance_s: 300
            })
        );
        assert!(matches!(
            verify(SECRET, "1000", &header, body, 600, tolerance),
            Err(SignatureError::OutsideTolerance { .. })
        ));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let body = b"{}";
        let good = sign(SECRET, 1_000, body);
        let t = Duration::from_secs(300);
        for timestamp in ["", "soon", "-5", "1e3"] {
            assert_eq!(
                verify(SECRET, timestamp, &good, body, 1_000, t),
                Err(SignatureError::MalformedTimestamp),
                "{timestamp:?}"
            );
        }
        for signature in [
            "",
            "v1",
            "v1=zz",
            "sha256",
            "v0=abcd",
            good.trim_start_matches("v1="),
        ] {
            assert_eq!(
                verify(SECRET, "1000", signature, body, 1_000, t),
                Err(SignatureError::MalformedSignature),
                "{signature:?}"
            );
        }
    }

    #[test]
    fn a_wrong_secret_body_or_timestamp_is_a_mismatch() {
        let body = br#"{"minutes":60}"#;
        let header = sign(SECRET, 1_000, body);
        let t = Duration::from_secs(300);
        assert_eq!(
            verify(b"other", "1000", &header, body, 1_000, t),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, "1000", &header, br#"{"minutes":600}"#, 1_000, t),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, "1001", &header, body, 1_000, t),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_values_may_match_for_rotation() {
        let body = b"{}";
        let old = sign(b"old", 1_000, body);
        let new = sign(b"new", 1_000, body);
        let both = format!("{new}, {old}");
        let t = Duration::from_secs(300);
        assert_eq!(verify(b"old", "1000", &both, body, 1_000, t), Ok(()));
        assert_eq!(verify(b"new", "1000", &both, body, 1_000, t), Ok(()));
        assert_eq!(
            verify(b"neither", "1000", &both, body, 1_000, t),
            Err(SignatureError::Mismatch)
        );
        // Other schemes are skipped, not fatal.
        let mixed = format!("v0=abcd,{new}");
        assert_eq!(verify(b"new", "1000", &mixed, body, 1_000, t), Ok(()));
    }

    #[test]
    fn only_fixture_tools_are_replaced() {
        let text = "name: a\nrole: Test.\ntools:\n  - name: f\n    description: F.\n    run: {fixtures: [{result: {}}]}\n  - name: h\n    description: H.\n    run: {webhook: {url: 'https://example.com/h'}}\n  - name: c\n    description: C.\n";
        let mut agent = switchboard_agent::load(text).expect("loads").agent;
        let replaced = replace_fixtures(&mut agent, "http://127.0.0.1:9100/", "S");
        assert_eq!(replaced, ["f"]);
        assert_eq!(
            agent.tools[0].run,
            Run::Webhook(Webhook {
                url: "http://127.0.0.1:9100/tools/f".to_owned(),
                secret_env: Some("S".to_owned()),
            })
        );
        assert!(matches!(&agent.tools[1].run, Run::Webhook(h) if h.url == "https://example.com/h"));
        assert_eq!(agent.tools[2].run, Run::Client);
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt(b""), "");
        assert_eq!(excerpt(br#"{"error":"bad\nthing"}"#), ": bad thing");
        assert_eq!(
            excerpt(br#"{"error":{"message":"nope","code":1}}"#),
            ": nope"
        );
        assert_eq!(excerpt(b"plain\x07 text\r\n"), ": plain text");
        let long = "x".repeat(1000);
        assert_eq!(
            excerpt(long.as_bytes()).chars().count(),
            2 + EXCERPT_CHARS + 1
        );
    }
}
