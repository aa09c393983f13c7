//! `POST /twilio/voice`: the TwiML a Twilio number's voice webhook gets, and the check of
//! Twilio's request signature, over real HTTP.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::{agent_from_file, one_agent};
use hmac::{Hmac, Mac};
use switchboard_gateway::{Gateway, TwilioSettings, Unconfigured};

const FORM: &str = "AccountSid=AC1&CallSid=CA42&From=%2B15550001111&To=%2B15552223333";

/// Twilio's scheme, written out independently of the gateway's code: HMAC-SHA1 over the URL
/// and the sorted parameters, base64.
fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_owned();
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("key");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

const PARAMS: &[(&str, &str)] = &[
    ("AccountSid", "AC1"),
    ("CallSid", "CA42"),
    ("From", "+15550001111"),
    ("To", "+15552223333"),
];

async fn gateway(settings: Option<TwilioSettings>) -> Gateway {
    // No call is placed: the upstream is never reached.
    let config = one_agent(
        agent_from_file("examples/agents/northloop/agent.yaml"),
        "ws://127.0.0.1:9",
    );
    let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(Unconfigured))
        .await
        .expect("gateway starts");
    if let Some(settings) = settings {
        gateway.set_twilio(settings);
    }
    gateway
}

async fn post(gateway: &Gateway, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let client = reqwest::Client::new();
    let mut request = client
        .post(format!("http://{}{path}", gateway.local_addr()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(FORM);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

#[tokio::test]
async fn voice_connects_the_stream_and_hangs_up_after_it() {
    let gateway = gateway(None).await;
    let (status, kind, body) = post(
        &gateway,
        "/twilio/voice",
        &[
            ("host", "voice.example.com"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/xml"), "{kind}");
    assert!(
        body.contains(
            "<Response><Connect action=\"https://voice.example.com/twilio/after\"><Stream url=\"wss://voice.example.com/twilio/media?agent=northloop\"/></Connect></Response>"
        ),
        "{body}"
    );
    // Without a proxy saying otherwise the gateway speaks plain HTTP, so the stream is ws://.
    let (_, _, body) = post(&gateway, "/twilio/voice/northloop", &[("host", "h:8080")]).await;
    assert!(
        body.contains("url=\"ws://h:8080/twilio/media?agent=northloop\""),
        "{body}"
    );
    // Once the stream ends, a call nobody escalated is hung up.
    let (status, _, body) = post(&gateway, "/twilio/after", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Response><Hangup/></Response>"), "{body}");
    let (status, _, _) = post(&gateway, "/twilio/voice/nobody", &[]).await;
    assert_eq!(status, 404);
    let (status, _, _) = post(&gateway, "/twilio/voice?agent=nobody", &[]).await;
    assert_eq!(status, 404);
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn only_escalated_calls_are_transferred_after_the_stream() {
    let gateway = gateway(Some(TwilioSettings {
        transfer_number: Some("+15559990000".to_owned()),
        public_url: Some("https://phones.example.org".to_owned()),
        ..TwilioSettings::default()
    }))
    .await;
    let (status, _, body) = post(&gateway, "/twilio/voice?agent=northloop", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(
            "<Connect action=\"https://phones.example.org/twilio/after\"><Stream url=\"wss://phones.example.org/twilio/media?agent=northloop\"/></Connect></Response>"
        ),
        "{body}"
    );
    // A call the agent finished (not escalated) is hung up even with a transfer number.
    let (status, _, body) = post(&gateway, "/twilio/after", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<Hangup/>") && !body.contains("<Dial>"),
        "{body}"
    );
    gateway.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn signed_requests_are_accepted_and_others_refused() {
    let token = "twilio-auth-token";
    let gateway = gateway(Some(TwilioSettings {
        auth_token: Some(token.to_owned()),
        public_url: Some("https://phones.example.org".to_owned()),
        ..TwilioSettings::default()
    }))
    .await;
    let url = "https://phones.example.org/twilio/voice?agent=northloop";
    let good = twilio_signature(token, url, PARAMS);
    let (status, _, body) = post(
        &gateway,
        "/twilio/voice?agent=northloop",
        &[("x-twilio-signature", &good)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Connect action="), "{body}");

    // Unsigned, signed with another token, or signed for another URL: refused.
    let wrong_token = twilio_signature("another-token", url, PARAMS);
    let wrong_url = twilio_signature(token, "https://phones.example.org/twilio/voice", PARAMS);
    for headers in [
        vec![],
        vec![("x-twilio-signature", wrong_token.as_str())],
        vec![("x-twilio-signature", wrong_url.as_str())],
    ] {
        let (status, _, body) = post(&gateway, "/twilio/voice?agent=northloop", &headers).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert!(!body.contains("<Connect"), "{body}");
    }
    // The question after the stream is signed too.
    let after = "https://phones.example.org/twilio/after";
    let signed = twilio_signature(token, after, PARAMS);
    let (status, _, body) = post(
        &gateway,
        "/twilio/after",
        &[("x-twilio-signature", &signed)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = post(&gateway, "/twilio/after", &[]).await;
    assert_eq!(status, 403);
    gateway.shutdown().await.expect("shutdown");
}

#[test]
fn the_settings_file_takes_a_twilio_section_and_points_at_mistakes() {
    let dir = std::env::temp_dir().join(format!("switchboard-twilio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let good = dir.join("good.yaml");
    std::fs::write(
        &good,
        "twilio:\n  auth_token_env: PHONE_TOKEN\n  transfer_number: \"+15559990000\"\n  public_url: https://phones.example.org\n",
    )
    .expect("write");
    let file = switchboard_gateway::GatewayFile::load(&good).expect("loads");
    let section = file.twilio.expect("twilio section");
    let settings = section
        .settings(|var| (var == "PHONE_TOKEN").then(|| "tok".to_owned()))
        .expect("settings");
    assert_eq!(settings.transfer_number.as_deref(), Some("+15559990000"));
    assert_eq!(settings.auth_token.as_deref(), Some("tok"));

    // A transfer is a number or a TwiML URL, not both, and the URL is a web address.
    let section = |yaml: &str| {
        let path = dir.join("transfer.yaml");
        std::fs::write(&path, yaml).expect("write");
        let file = switchboard_gateway::GatewayFile::load(&path).expect("loads");
        file.twilio.expect("twilio section").settings(|_| None)
    };
    let redirect = section("twilio:\n  transfer_url: https://cc.example.com/queue\n")
        .expect("a transfer URL alone is fine");
    assert_eq!(
        redirect.transfer_url.as_deref(),
        Some("https://cc.example.com/queue")
    );
    let both = section(
        "twilio:\n  transfer_number: \"+15559990000\"\n  transfer_url: https://cc.example.com/queue\n",
    )
    .expect_err("both transfers");
    assert!(
        both.contains("transfer_number or transfer_url, not both"),
        "{both}"
    );
    let not_a_url =
        section("twilio:\n  transfer_url: cc.example.com/queue\n").expect_err("not a URL");
    assert!(
        not_a_url.contains("twilio.transfer_url") && not_a_url.contains("https://"),
        "{not_a_url}"
    );

    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "twilio:\n  transfer_numbr: \"+15559990000\"\n").expect("write");
    let error = switchboard_gateway::GatewayFile::load(&bad).expect_err("misspelled key");
    assert!(
        error.contains("bad.yaml:2:3:") && error.contains("transfer_numbr"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Twilio signs the media stream's WebSocket request too: the `wss://` URL, no parameters.
#[tokio::test]
async fn the_media_stream_needs_twilios_signature_when_a_token_is_set() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let token = "auth-token-for-tests";
    let gateway = gateway(Some(TwilioSettings {
        auth_token: Some(token.to_owned()),
        public_url: Some("https://phones.example.org".to_owned()),
        ..TwilioSettings::default()
    }))
    .await;
    let local = format!("ws://{}/twilio/media?agent=northloop", gateway.local_addr());
    let connect = |signature: Option<String>| {
        let mut request = local.as_str().into_client_request().expect("a request");
        if let Some(signature) = signature {
            request
                .headers_mut()
                .insert("x-twilio-signature", signature.parse().expect("a header"));
        }
        tokio_tungstenite::connect_async(request)
    };
    let signed = twilio_signature(
        token,
        "wss://phones.example.org/twilio/media?agent=northloop",
        &[],
    );
    let (socket, response) = connect(Some(signed))
        .await
        .expect("a signed stream is accepted");
    assert_eq!(response.status().as_u16(), 101);
    drop(socket);
    for wrong in [
        None,
        Some(twilio_signature(
            "another-token",
            "wss://phones.example.org/twilio/media?agent=northloop",
            &[],
        )),
        Some(twilio_signature(
            token,
            "wss://phones.example.org/twilio/media?agent=other",
            &[],
        )),
    ] {
        match connect(wrong.clone()).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 403, "{wrong:?}");
            }
            other => panic!(
                "{wrong:?} was not refused: {:?}",
                other.map(|(_, r)| r.status())
            ),
        }
    }
    gateway.shutdown().await.expect("shutdown");
}
