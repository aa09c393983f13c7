//! The connection to the model: the OpenAI Realtime API (GA) over WebSocket, or anything that
//! speaks it (the emulator in tests and rehearsals).

use std::sync::{Arc, OnceLock};

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::config::Upstream;

/// An open model connection.
pub(crate) type ModelSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why the model could not be reached.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
    /// The model answered the upgrade with an HTTP error (a bad key, a rate limit…).
    #[error("the model refused the connection (HTTP {status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The model's reason, with anything key-like removed.
        message: String,
    },
    /// The connection itself failed.
    #[error("the model could not be reached: {0}")]
    Unreachable(String),
}

/// Connects to `{base_url}/realtime?model={model}` with the upstream's key, in the header its
/// [`UpstreamAuth`](crate::UpstreamAuth) names.
pub(crate) async fn connect(
    upstream: &Upstream,
    model: &str,
) -> Result<ModelSocket, UpstreamError> {
    let url = format!(
        "{}/realtime?model={}",
        upstream.base_url.trim_end_matches('/'),
        model
    );
    let mut request = url
        .into_client_request()
        .map_err(|e| UpstreamError::Unreachable(format!("bad upstream URL: {e}")))?;
    if let Some(key) = &upstream.api_key {
        let (name, value) = upstream.auth.header(key);
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| UpstreamError::Unreachable("the API key is not a valid header".into()))?;
        // Kept out of any debug print of the request.
        value.set_sensitive(true);
        request.headers_mut().insert(name, value);
    }
    // Server frames can be large (a retrieved item carries its whole audio).
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None)
        .read_buffer_size(crate::server::WS_READ_BUFFER);
    let connector = Connector::Rustls(tls_config().map_err(UpstreamError::Unreachable)?);
    match tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        true,
        Some(connector),
    )
    .await
    {
        Ok((socket, _response)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| body.chars().take(200).collect());
            Err(UpstreamError::Refused {
                status,
                message: scrub(&message, upstream.api_key.as_deref()),
            })
        }
        Err(e) => Err(UpstreamError::Unreachable(scrub(
            &e.to_string(),
            upstream.api_key.as_deref(),
        ))),
    }
}

/// TLS with the machine's root certificates and one explicit crypto provider, built once.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                // A certificate the store cannot use is skipped, as browsers do.
                let _ = roots.add(cert);
            }
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
                .map_err(|e| format!("TLS set-up failed: {e}"))
        })
        .clone()
}

/// Removes the key, and anything shaped like an OpenAI key, from text shown to callers.
pub(crate) fn scrub(text: &str, key: Option<&str>) -> String {
    let mut text = text.to_owned();
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        text = text.replace(key, "[redacted]");
    }
    text.split(' ')
        .map(|word| {
            if word.starts_with("sk-") || word.starts_with("ek_") {
                "[redacted]"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_survive_a_scrub() {
        let s = scrub(
            "Incorrect API key provided: sk-proj-abc123. You can find your key at…",
            Some("sk-proj-abc123"),
        );
        assert!(!s.contains("abc123"), "{s}");
        let s = scrub("bad key sk-other*****xyz here", None);
        assert!(!s.contains("xyz"), "{s}");
    }
}
