//! Phone calls through Twilio: the TwiML a Twilio number's voice webhook receives, and the
//! check of Twilio's request signature.
//!
//! `POST /twilio/voice` (or `/twilio/voice/AGENT`) answers with TwiML that connects the call's
//! media stream to `/twilio/media?agent=AGENT`. Once that stream ends, Twilio asks
//! `POST /twilio/after` (the `<Connect>`'s `action`) what comes next, per call: for a call the
//! agent escalated, `<Dial>` the transfer number or `<Redirect>` to the transfer URL (a queue,
//! a Studio flow, another TwiML app); `<Hangup/>` for any other.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;

use switchboard_engine::Escalation;
use switchboard_speech::markup::escape;

use crate::server::Shared;

/// The `twilio:` section of the gateway's settings file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioSection {
    /// The environment variable holding the account's auth token; when set, requests to
    /// `/twilio/voice` must carry a valid `X-Twilio-Signature`.
    #[serde(default)]
    pub auth_token_env: Option<String>,
    /// The number a call is transferred to when its stream ends for a hand-off.
    #[serde(default)]
    pub transfer_number: Option<String>,
    /// Instead of a number: the TwiML URL an escalated call is redirected to (a queue, a
    /// Studio flow, a contact centre's own webhook).
    #[serde(default)]
    pub transfer_url: Option<String>,
    /// Where the summary of an escalated phone call is posted (JSON).
    #[serde(default)]
    pub summary_webhook: Option<String>,
    /// The gateway's public base URL (`https://voice.example.com`), as Twilio reaches it:
    /// the host and scheme of the stream URL, and the URL requests are signed with.
    #[serde(default)]
    pub public_url: Option<String>,
}

impl TwilioSection {
    /// The settings, reading the auth token through `env`.
    pub fn settings(&self, env: impl Fn(&str) -> Option<String>) -> Result<TwilioSettings, String> {
        let auth_token = match &self.auth_token_env {
            Some(var) => Some(
                env(var)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| format!("twilio: environment variable {var} is not set"))?,
            ),
            None => None,
        };
        for (field, url) in [
            ("public_url", &self.public_url),
            ("transfer_url", &self.transfer_url),
        ] {
            if let Some(url) = url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(format!(
                    "twilio.{field}: `{url}` must start with https:// or http://"
                ));
            }
        }
        if self.transfer_number.is_some() && self.transfer_url.is_some() {
            // Twilio follows one verb after the stream; which one wins must not be a guess.
            return Err(
                "twilio: set transfer_number or transfer_url, not both (an escalated call is either dialled or redirected)"
                    .to_owned(),
            );
        }
        Ok(TwilioSettings {
            auth_token,
            transfer_number: self.transfer_number.clone(),
            transfer_url: self.transfer_url.clone(),
            summary_webhook: self.summary_webhook.clone(),
            public_url: self
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
        })
    }
}

/// How the gateway answers Twilio (see [`crate::Gateway::set_twilio`]).
#[derive(Clone, Default)]
pub struct TwilioSettings {
    /// The account's auth token: requests must be signed with it. `None`: not checked.
    pub auth_token: Option<String>,
    /// The number an escalated call is put through to (`<Dial>`) once its stream ends.
    pub transfer_number: Option<String>,
    /// The TwiML URL an escalated call is redirected to (`<Redirect>`), instead of a number.
    /// Neither set: an escalated call stays with the agent.
    pub transfer_url: Option<String>,
    /// Where the summary of an escalated phone call is posted (JSON).
    pub summary_webhook: Option<String>,
    /// The gateway's public base URL, without a trailing slash.
    pub public_url: Option<String>,
}

impl fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSettings")
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("transfer_number", &self.transfer_number)
            .field("transfer_url", &self.transfer_url)
            .field("summary_webhook", &self.summary_webhook)
            .field("public_url", &self.public_url)
            .finish()
    }
}

/// Where an escalated phone call goes once its stream has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transfer<'a> {
    /// `<Dial>` this number.
    Dial(&'a str),
    /// `<Redirect>` to this TwiML URL.
    Redirect(&'a str),
}

impl TwilioSettings {
    /// The configured transfer, if escalated calls leave the agent at all.
    pub(crate) fn transfer(&self) -> Option<Transfer<'_>> {
        match (&self.transfer_number, &self.transfer_url) {
            (Some(number), _) => Some(Transfer::Dial(number)),
            (None, Some(url)) => Some(Transfer::Redirect(url)),
            (None, None) => None,
        }
    }
}

/// `POST /twilio/voice`: the agent from `?agent=` or the default.
pub(crate) async fn voice(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<BTreeMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let agent = query.get("agent").cloned();
    answer(&shared, agent, &uri, &headers, &body)
}

/// `POST /twilio/voice/{agent}`.
pub(crate) async fn voice_for(
    State(shared): State<Arc<Shared>>,
    Path(agent): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(&shared, Some(agent), &uri, &headers, &body)
}

/// The public base URL Twilio reached us at, when the request is Twilio's: its signature
/// matches when an auth token is configured. `None`: refuse it ([`forbidden`]).
fn admit(
    settings: &TwilioSettings,
    what: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let base = public_base(settings, headers);
    if let Some(token) = &settings.auth_token {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let url = format!("{base}{path}");
        let given = header("x-twilio-signature").unwrap_or_default();
        if !signature_matches(token, &url, &form_pairs(body), given) {
            tracing::info!("a {what} request was refused: its signature does not match");
            return None;
        }
    }
    Some(base)
}

/// The gateway's address as Twilio reaches it: `public_url`, or what the request (and a proxy
/// in front) says.
fn public_base(settings: &TwilioSettings, headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match &settings.public_url {
        Some(url) => url.clone(),
        None => {
            // Behind a TLS proxy (ngrok, a load balancer) the proxy says how Twilio came in.
            let proto = header("x-forwarded-proto").unwrap_or("http");
            let host = header("x-forwarded-host")
                .or_else(|| header("host"))
                .unwrap_or("localhost");
            format!("{proto}://{host}")
        }
    }
}

/// Whether a media stream's WebSocket request is Twilio's: with an auth token configured,
/// Twilio signs the `wss://` URL it opened (no parameters).
pub(crate) fn stream_admitted(settings: &TwilioSettings, uri: &Uri, headers: &HeaderMap) -> bool {
    let Some(token) = &settings.auth_token else {
        return true;
    };
    let base = public_base(settings, headers);
    let base = match (base.strip_prefix("https://"), base.strip_prefix("http://")) {
        (Some(rest), _) => format!("wss://{rest}"),
        (None, Some(rest)) => format!("ws://{rest}"),
        (None, None) => base,
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let given = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let admitted = signature_matches(token, &format!("{base}{path}"), &[], given);
    if !admitted {
        tracing::info!("a /twilio/media request was refused: its signature does not match");
    }
    admitted
}

pub(crate) fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "invalid X-Twilio-Signature\n").into_response()
}

fn answer(
    shared: &Shared,
    asked: Option<String>,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let settings = shared.twilio();
    let Some(base) = admit(&settings, "/twilio/voice", uri, headers, body) else {
        return forbidden();
    };
    let Some(agent) = shared.phone_agent(asked.as_deref()) else {
        return (StatusCode::NOT_FOUND, "no such agent\n").into_response();
    };
    let twiml = voice_twiml(&stream_url(&base, &agent), &format!("{base}/twilio/after"));
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response()
}

/// `POST /twilio/after`: Twilio asks what to do once a call's media stream has ended. A call
/// the agent escalated is transferred (`<Dial>` the configured number, or `<Redirect>` to the
/// configured URL); any other — the agent finished it, or the stream failed — is hung up.
pub(crate) async fn after(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let settings = shared.twilio();
    if admit(&settings, "/twilio/after", &uri, &headers, &body).is_none() {
        return forbidden();
    }
    let call_sid = form_pairs(&body)
        .into_iter()
        .find_map(|(k, v)| (k == "CallSid").then_some(v))
        .unwrap_or_default();
    let escalated = shared.take_transfer(&call_sid);
    let twiml = after_twiml(settings.transfer().filter(|_| escalated));
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], twiml).into_response()
}

pub(crate) fn send_summary(shared: &Shared, session_id: &str, escalation: &Escalation) {
    let Some(url) = shared.twilio().summary_webhook.clone() else {
        return;
    };
    let summary = &escalation.summary;
    let body = serde_json::json!({
        "session_id": session_id,
        "reason": escalation.reason,
        "summary": {
            "intent": summary.intent,
            "slots": summary.slots.iter().cloned().collect::<serde_json::Map<_, _>>(),
            "tools": summary.tools.iter().map(|(name, outcome)| serde_json::json!({"name": name, "outcome": outcome})).collect::<Vec<_>>(),
            "state": summary.state,
        },
    });
    let session = session_id.to_owned();
    tokio::spawn(async move {
        let sent = reqwest::Client::new()
            .post(&url)
            .timeout(std::time::Duration::from_secs(10))
            .json(&body)
            .send()
            .await;
        match sent.map(|r| r.status()) {
            Ok(status) if status.is_success() => {
                tracing::info!(%session, "escalation summary sent");
            }
            // The summary holds what the caller said: never logged here.
            Ok(status) => {
                tracing::warn!(%session, %status, "the summary webhook refused the escalation summary")
            }
            Err(error) => {
                tracing::warn!(%session, error = %error.without_url(), "the escalation summary could not be sent")
            }
        }
    });
}

/// The TwiML that streams a call to `stream_url`; when the stream ends Twilio asks
/// `after_url` what comes next (transfer or hang-up, decided per call).
pub(crate) fn voice_twiml(stream_url: &str, after_url: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Connect action=\"{}\"><Stream url=\"{}\"/></Connect></Response>\n",
        escape(after_url),
        escape(stream_url)
    )
}

/// What follows a call's stream: the transfer, or `<Hangup/>`.
pub(crate) fn after_twiml(transfer: Option<Transfer<'_>>) -> String {
    let verb = match transfer {
        Some(Transfer::Dial(number)) => format!("<Dial>{}</Dial>", escape(number)),
        Some(Transfer::Redirect(url)) => {
            format!("<Redirect method=\"POST\">{}</Redirect>", escape(url))
        }
        None => "<Hangup/>".to_owned(),
    };
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>{verb}</Response>\n")
}

pub(crate) fn stream_url(base: &str, agent: &str) -> String {
    let ws_base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("agent", agent)
        .finish();
    format!("{ws_base}/twilio/media?{query}")
}

/// Twilio's request signature: HMAC-SHA1, keyed with the auth token, over the full URL
/// followed by each POST parameter's name and value, sorted by name; base64.
pub(crate) fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = match Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes a key of any length; there is no error to meet here.
        Err(_) => return String::new(),
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is Twilio's signature of this request, compared in constant time.
pub(crate) fn signature_matches(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    given: &str,
) -> bool {
    let expected = signature(auth_token, url, params);
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The pairs of an `application/x-www-form-urlencoded` body, decoded, in body order and with
/// repeated names kept: Twilio signs every parameter as sent. Pairs that do not decode as
/// UTF-8 are kept lossily, so a signature over them simply fails to match.
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiml_escapes_names_and_chooses_what_follows_the_stream() {
        let url = stream_url("https://voice.example.com", "north&loop");
        assert_eq!(
            url,
            "wss://voice.example.com/twilio/media?agent=north%26loop"
        );
        let voice = voice_twiml("wss://h/twilio/media?agent=a&b=1", "https://h/twilio/after");
        assert!(voice.contains("<Connect action=\"https://h/twilio/after\">"));
        assert!(voice.contains("<Stream url=\"wss://h/twilio/media?agent=a&amp;b=1\"/>"));
        assert!(voice.ends_with("</Connect></Response>\n"));
        assert!(after_twiml(None).ends_with("<Response><Hangup/></Response>\n"));
        let dial = after_twiml(Some(Transfer::Dial("+1 <555>")));
        assert!(dial.ends_with("<Response><Dial>+1 &lt;555&gt;</Dial></Response>\n"));
        let redirect = after_twiml(Some(Transfer::Redirect("https://cc.example/q?a=1&b=2")));
        assert!(redirect.ends_with(
            "<Response><Redirect method=\"POST\">https://cc.example/q?a=1&amp;b=2</Redirect></Response>\n"
        ));
        assert_eq!(
            stream_url("http://h:8080", "a"),
            "ws://h:8080/twilio/media?agent=a"
        );
        // The media handler reads the name back from the query as it was.
        let odd = "a b&c=d/é+~";
        let url = stream_url("http://h", odd);
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        assert_eq!(
            form_pairs(query.as_bytes()),
            [("agent".to_owned(), odd.to_owned())]
        );
    }

    #[test]
    fn twiml_stays_well_formed_whatever_it_carries() {
        // The base URL can come from a proxy's headers, and the transfer target from settings.
        let hostile = "https://h\"/><Hangup/><x a='1'>&amp;";
        let voice = voice_twiml(
            &stream_url(hostile, "agent\"'<>"),
            &format!("{hostile}/twilio/after"),
        );
        let doc = roxmltree::Document::parse(&voice).unwrap_or_else(|e| panic!("{e}: {voice}"));
        let tags: Vec<&str> = doc
            .descendants()
            .filter(roxmltree::Node::is_element)
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(tags, ["Response", "Connect", "Stream"], "{voice}");
        let connect = doc.descendants().find(|n| n.has_tag_name("Connect"));
        assert_eq!(
            connect.and_then(|n| n.attribute("action")),
            Some(format!("{hostile}/twilio/after").as_str())
        );
        for transfer in [
            Transfer::Dial("+1 \"555\" <0123> & 'co'"),
            Transfer::Redirect(hostile),
        ] {
            let after = after_twiml(Some(transfer));
            let doc = roxmltree::Document::parse(&after).unwrap_or_else(|e| panic!("{e}: {after}"));
            let verb = doc.root_element().first_element_child().expect("a verb");
            assert_eq!(
                verb.children().filter(roxmltree::Node::is_element).count(),
                0
            );
            let (Transfer::Dial(text) | Transfer::Redirect(text)) = transfer;
            assert_eq!(verb.text(), Some(text), "{after}");
        }
    }

    #[test]
    fn form_bodies_decode_plus_and_percent_escapes() {
        let pairs = form_pairs(
            b"From=%2B15551234567&Body=hi+there&Odd=%zz&Empty=&&Flag&Eq=a=b&Caf%C3%A9=%E2%82%AC&Bad=%FF",
        );
        let expected = [
            ("From", "+15551234567"),
            ("Body", "hi there"),
            ("Odd", "%zz"),
            ("Empty", ""),
            ("Flag", ""),
            ("Eq", "a=b"),
            ("Café", "€"),
            // Not UTF-8: kept lossily, so a signature over it simply fails to match.
            ("Bad", "\u{FFFD}"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn signatures_cover_the_url_and_the_sorted_parameters() {
        let params = vec![
            ("To".to_owned(), "+15550001111".to_owned()),
            ("CallSid".to_owned(), "CA123".to_owned()),
        ];
        let url = "https://voice.example.com/twilio/voice?agent=a";
        let good = signature("token", url, &params);
        // Order of the parameters in the body does not matter; everything else does.
        let reordered: Vec<_> = params.iter().rev().cloned().collect();
        assert!(signature_matches("token", url, &reordered, &good));
        assert!(!signature_matches("other", url, &params, &good));
        assert!(!signature_matches(
            "token",
            "https://voice.example.com/twilio/voice",
            &params,
            &good
        ));
        let mut changed = params.clone();
        changed[0].1.push('2');
        assert!(!signature_matches("token", url, &changed, &good));
        assert!(!signature_matches("token", url, &params, ""));
    }

    #[test]
    fn settings_read_the_token_from_the_environment() {
        let section = TwilioSection {
            auth_token_env: Some("TWILIO_TOKEN".to_owned()),
            public_url: Some("https://voice.example.com/".to_owned()),
            ..TwilioSection::default()
        };
        let settings = section
            .settings(|var| (var == "TWILIO_TOKEN").then(|| "t0k".to_owned()))
            .expect("settings");
        assert_eq!(settings.auth_token.as_deref(), Some("t0k"));
        assert_eq!(
            settings.public_url.as_deref(),
            Some("https://voice.example.com")
        );
        assert!(!format!("{settings:?}").contains("t0k"));
        let missing = section.settings(|_| None).expect_err("no token");
        assert!(missing.contains("TWILIO_TOKEN"), "{missing}");
        let bad = TwilioSection {
            public_url: Some("voice.example.com".to_owned()),
            ..TwilioSection::default()
        };
        assert!(bad.settings(|_| None).is_err());
    }
}
