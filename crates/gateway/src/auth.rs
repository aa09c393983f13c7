//! Who is calling: gateway keys, ephemeral client secrets, and which agent they reach.
//!
//! Pure functions over headers and a secret store; the HTTP handlers only call them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL};
use switchboard_wire as wire;

use crate::config::ApiKey;

/// The subprotocol prefix browsers use to send a key, since they cannot set headers.
const KEY_PROTOCOL: &str = "openai-insecure-api-key.";
/// The subprotocol a beta browser client adds.
const BETA_PROTOCOL: &str = "openai-beta.realtime-v1";

/// Which protocol a caller speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The GA Realtime API.
    Ga,
    /// The 2024 beta (`OpenAI-Beta: realtime=v1`).
    Beta,
}

/// The credential a request carries: `Authorization: Bearer …`, or the browser subprotocol.
pub(crate) fn credential(headers: &HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    protocols(headers).find_map(|p| p.strip_prefix(KEY_PROTOCOL).map(str::to_owned))
}

/// The dialect a WebSocket caller asked for.
pub(crate) fn dialect(headers: &HeaderMap) -> Dialect {
    let header = headers
        .get("openai-beta")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim() == "realtime=v1"));
    if header || protocols(headers).any(|p| p == BETA_PROTOCOL) {
        Dialect::Beta
    } else {
        Dialect::Ga
    }
}

fn protocols(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
}

/// Why a caller was turned away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No credential, and the gateway needs one.
    Missing,
    /// A credential that is not a key or a live secret.
    Invalid,
    /// A client secret past its time.
    Expired,
    /// The key or secret is tied to another agent.
    WrongAgent(String),
    /// No agent of that name, or no agent named and no default.
    UnknownAgent(Option<String>),
}

impl Refusal {
    /// HTTP status and the OpenAI-style error `code`.
    pub(crate) fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            Refusal::Missing | Refusal::Invalid | Refusal::Expired => (401, "invalid_api_key"),
            Refusal::WrongAgent(_) => (403, "agent_not_allowed"),
            Refusal::UnknownAgent(_) => (404, "agent_not_found"),
        }
    }

    /// What the caller reads. Never contains the credential.
    pub(crate) fn message(&self) -> String {
        match self {
            Refusal::Missing => "You didn't provide an API key. Send `Authorization: Bearer <key>`, or the `openai-insecure-api-key.<key>` subprotocol from a browser.".to_owned(),
            Refusal::Invalid => "Incorrect API key or client secret provided.".to_owned(),
            Refusal::Expired => "The client secret has expired or was already used.".to_owned(),
            Refusal::WrongAgent(agent) => format!("This key may not reach agent `{agent}`."),
            Refusal::UnknownAgent(Some(agent)) => format!("There is no agent `{agent}`."),
            Refusal::UnknownAgent(None) => "Name an agent with `?agent=NAME`: this gateway has no default agent.".to_owned(),
        }
    }
}

/// A caller that may go on: which agent, and session settings from its client secret.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Admitted {
    /// The agent's name.
    pub(crate) agent: String,
    /// The key's name, for logs.
    pub(crate) via: String,
    /// The session configuration the client secret was issued with.
    pub(crate) session: Option<wire::Session>,
    /// Whether the caller is the gateway's own phone bridge (admitted with a secret only the
    /// bridge is issued): only then may it report playback and have escalations summarised
    /// to the operator. No credential a caller can obtain sets it.
    pub(crate) phone_bridge: bool,
}

/// Who a secret was issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A caller, through `/v1/realtime/client_secrets`.
    Caller,
    /// The gateway's phone bridge, for the one phone call it opens.
    PhoneBridge,
}

/// An issued client secret, until used or expired.
#[derive(Debug, Clone)]
struct Issued {
    agent: String,
    expires_at: u64,
    session: Option<wire::Session>,
    holder: Holder,
}

/// Client secrets issued and not yet used. Each is single use.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    issued: Mutex<BTreeMap<String, Issued>>,
}

/// Client secrets start with this, as OpenAI's do.
const SECRET_PREFIX: &str = "ek_";

impl Secrets {
    /// Issues a secret to `holder` for `agent` valid until `expires_at` (unix seconds).
    pub(crate) fn issue(
        &self,
        holder: Holder,
        value: String,
        agent: &str,
        expires_at: u64,
        session: Option<wire::Session>,
        now: u64,
    ) -> String {
        let mut issued = self.lock();
        // Expired secrets can never be redeemed: forget them as new ones come.
        issued.retain(|_, s| s.expires_at > now);
        let value = format!("{SECRET_PREFIX}{value}");
        issued.insert(
            value.clone(),
            Issued {
                agent: agent.to_owned(),
                expires_at,
                session,
                holder,
            },
        );
        value
    }

    /// Takes the secret: it works once.
    fn redeem(&self, value: &str, now: u64) -> Option<Result<Issued, Refusal>> {
        let issued = self.lock().remove(value)?;
        Some(if issued.expires_at <= now {
            Err(Refusal::Expired)
        } else {
            Ok(issued)
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Issued>> {
        // A panic elsewhere while holding the lock leaves the map itself intact.
        self.issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Decides whether a caller with `credential` may reach `requested` (or the default agent).
/// `known` tells whether an agent exists. Client secrets are consumed by this call.
pub(crate) fn admit(
    credential: Option<&str>,
    requested: Option<&str>,
    keys: &[ApiKey],
    secrets: &Secrets,
    default_agent: Option<&str>,
    known: impl Fn(&str) -> bool,
    now: u64,
) -> Result<Admitted, Refusal> {
    let pick = |bound: Option<&str>| -> Result<String, Refusal> {
        let agent = match (bound, requested) {
            (Some(bound), Some(asked)) if bound != asked => {
                return Err(Refusal::WrongAgent(asked.to_owned()));
            }
            (Some(bound), _) => bound,
            (None, Some(asked)) => asked,
            (None, None) => default_agent.ok_or(Refusal::UnknownAgent(None))?,
        };
        if known(agent) {
            Ok(agent.to_owned())
        } else {
            Err(Refusal::UnknownAgent(Some(agent.to_owned())))
        }
    };
    if let Some(value) = credential.filter(|c| c.starts_with(SECRET_PREFIX))
        && let Some(redeemed) = secrets.redeem(value, now)
    {
        let issued = redeemed?;
        return Ok(Admitted {
            agent: pick(Some(&issued.agent))?,
            via: "client_secret".to_owned(),
            session: issued.session,
            phone_bridge: issued.holder == Holder::PhoneBridge,
        });
    }
    if keys.is_empty() {
        return Ok(Admitted {
            agent: pick(None)?,
            via: "open".to_owned(),
            session: None,
            phone_bridge: false,
        });
    }
    let credential = credential.ok_or(Refusal::Missing)?;
    let key = keys
        .iter()
        .find(|k| constant_time_eq(k.key.as_bytes(), credential.as_bytes()))
        .ok_or(Refusal::Invalid)?;
    Ok(Admitted {
        agent: pick(key.agent.as_deref())?,
        via: key.name.clone(),
        session: None,
        phone_bridge: false,
    })
}

/// Compares without stopping at the first difference, so timing does not reveal a key.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys() -> Vec<ApiKey> {
        vec![
            ApiKey {
                name: "web".into(),
                key: "sb-web".into(),
                agent: Some("northloop".into()),
            },
            ApiKey {
                name: "ops".into(),
                key: "sb-ops".into(),
                agent: None,
            },
        ]
    }

    fn known(name: &str) -> bool {
        ["northloop", "snowy-peak"].contains(&name)
    }

    fn admit_with(
        credential: Option<&str>,
        agent: Option<&str>,
        secrets: &Secrets,
        now: u64,
    ) -> Result<Admitted, Refusal> {
        admit(
            credential,
            agent,
            &keys(),
            secrets,
            Some("northloop"),
            known,
            now,
        )
    }

    #[test]
    fn keys_choose_and_limit_the_agent() {
        let s = Secrets::default();
        assert_eq!(
            admit_with(Some("sb-web"), None, &s, 0).map(|a| a.agent),
            Ok("northloop".into())
        );
        assert_eq!(
            admit_with(Some("sb-web"), Some("snowy-peak"), &s, 0),
            Err(Refusal::WrongAgent("snowy-peak".into()))
        );
        assert_eq!(
            admit_with(Some("sb-ops"), Some("snowy-peak"), &s, 0).map(|a| a.agent),
            Ok("snowy-peak".into())
        );
        assert_eq!(
            admit_with(Some("sb-ops"), Some("nobody"), &s, 0),
            Err(Refusal::UnknownAgent(Some("nobody".into())))
        );
        assert_eq!(admit_with(None, None, &s, 0), Err(Refusal::Missing));
        assert_eq!(
            admit_with(Some("sb-wex"), None, &s, 0),
            Err(Refusal::Invalid)
        );
    }

    #[test]
    fn only_the_bridges_own_secret_admits_the_phone_bridge() {
        let s = Secrets::default();
        let caller = s.issue(Holder::Caller, "abc".into(), "northloop", 100, None, 0);
        let bridge = s.issue(Holder::PhoneBridge, "def".into(), "northloop", 100, None, 0);
        let admitted = |secret: &str| admit_with(Some(secret), None, &s, 1).expect("admitted");
        assert!(!admitted(&caller).phone_bridge, "a caller's client secret");
        assert!(admitted(&bridge).phone_bridge);
        assert!(!admitted("sb-ops").phone_bridge, "a key");
    }

    #[test]
    fn a_client_secret_works_once_and_only_until_it_expires() {
        let s = Secrets::default();
        let secret = s.issue(Holder::Caller, "abc".into(), "snowy-peak", 100, None, 0);
        assert!(secret.starts_with("ek_"));
        let admitted = admit_with(Some(&secret), None, &s, 50).expect("admitted");
        assert_eq!(admitted.agent, "snowy-peak");
        assert_eq!(
            admit_with(Some(&secret), None, &s, 51),
            Err(Refusal::Invalid),
            "single use"
        );
        let late = s.issue(Holder::Caller, "def".into(), "northloop", 100, None, 0);
        assert_eq!(
            admit_with(Some(&late), None, &s, 100),
            Err(Refusal::Expired)
        );
    }

    #[test]
    fn an_open_gateway_still_needs_a_known_agent() {
        let s = Secrets::default();
        let open = |agent| admit(None, agent, &[], &s, None, known, 0);
        assert_eq!(open(None), Err(Refusal::UnknownAgent(None)));
        assert_eq!(
            open(Some("snowy-peak")).map(|a| a.agent),
            Ok("snowy-peak".into())
        );
    }

    #[test]
    fn credentials_and_dialect_come_from_headers_or_subprotocols() {
        let mut h = HeaderMap::new();
        h.insert(
            SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(
                "realtime, openai-insecure-api-key.sb-web, openai-beta.realtime-v1",
            ),
        );
        assert_eq!(credential(&h).as_deref(), Some("sb-web"));
        assert_eq!(dialect(&h), Dialect::Beta);
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer sb-ops"));
        assert_eq!(credential(&h).as_deref(), Some("sb-ops"));
        assert_eq!(dialect(&h), Dialect::Ga);
        h.insert("openai-beta", HeaderValue::from_static("realtime=v1"));
        assert_eq!(dialect(&h), Dialect::Beta);
    }

    #[test]
    fn refusals_never_echo_the_credential() {
        for r in [Refusal::Missing, Refusal::Invalid, Refusal::Expired] {
            assert!(!r.message().contains("sb-"));
            assert_eq!(r.status_and_code().0, 401);
        }
    }
}
