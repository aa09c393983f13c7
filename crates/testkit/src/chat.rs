//! The supervisor's side of a call: an OpenAI-compatible Chat Completions endpoint that
//! answers from the script's `supervisor` replies, one reply per request, in order.
//!
//! Sans-IO, like the Realtime session: [`Thinker::respond`] takes a request body and the time
//! and gives back the HTTP reply to send (status, content type and the body in the pieces to
//! stream). The server only moves bytes.
//!
//! The wire shape is the documented one. A streamed reply (`stream: true`) is server-sent
//! events, each `data: <chat.completion.chunk>`: the first delta carries `role: assistant`;
//! text arrives as `delta.content` pieces; each tool call as `delta.tool_calls[{index, id,
//! type: "function", function: {name, arguments: ""}}]` followed by pieces of its arguments
//! under the same `index`; the last chunk has an empty delta and the `finish_reason` (`stop`
//! or `tool_calls`); with `stream_options.include_usage` a chunk with no choices and the usage
//! follows; then `data: [DONE]`. Without `stream`, one `chat.completion` object. Requests are
//! read, and replies written, with the types of `switchboard_wire::chat`, the ones the gateway
//! uses on the other side.

use serde::Serialize;
use serde_json::Value;
use switchboard_wire::chat::{
    ApiError, Assistant, AssistantMessage, Chunk, ChunkChoice, ChunkObject, Completion,
    CompletionChoice, CompletionObject, Delta, ErrorBody, FinishReason, Function, FunctionCall,
    FunctionDelta, Message, Request, RequestError, ToolCall, ToolCallDelta, Usage,
};

use crate::script::{ScriptedCall, SupervisorReply};

/// The most words one content delta carries.
const WORDS_PER_DELTA: usize = 3;

/// What to send back for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpReply {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The `Content-Type`.
    pub(crate) content_type: &'static str,
    /// The body, in the pieces it is written in (one per server-sent event when streaming).
    pub(crate) body: Vec<String>,
}

/// The scripted supervisor of one emulator: its replies, how many were taken, and the
/// requests it received.
#[derive(Debug)]
pub(crate) struct Thinker {
    replies: Vec<SupervisorReply>,
    taken: usize,
    keep_requests: bool,
    requests: Vec<Value>,
}

impl Thinker {
    /// A thinker playing `replies`; `keep_requests` keeps every request body for
    /// [`Thinker::requests`].
    pub(crate) fn new(replies: Vec<SupervisorReply>, keep_requests: bool) -> Thinker {
        Thinker {
            replies,
            taken: 0,
            keep_requests,
            requests: Vec::new(),
        }
    }

    /// The bodies of the well-formed requests received so far, in order, as sent.
    pub(crate) fn requests(&self) -> &[Value] {
        &self.requests
    }

    /// Answers one `POST /v1/chat/completions` with body `body`; `created` is the Unix time in
    /// seconds, stamped on the reply.
    pub(crate) fn respond(&mut self, body: &[u8], created: u64) -> HttpReply {
        // The body is kept as sent (a test may look for what the types leave out), and read
        // with the same types the gateway writes it with.
        let sent: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let request = match Request::from_value(sent.clone()) {
            Ok(request) => request,
            Err(why) => return refused(&why),
        };
        let usage_wanted = request.stream_options.is_some_and(|o| o.include_usage);
        let prompt_tokens = tokens(&json_text(&request.messages));
        if self.keep_requests {
            self.requests.push(sent);
        }
        let number = self.taken;
        let Some(reply) = self.replies.get(number).cloned() else {
            return error(
                500,
                "server_error",
                "The emulator's supervisor script has no reply left for this request.",
            );
        };
        self.taken += 1;
        let completion_tokens = match &reply {
            SupervisorReply::Say(text) => tokens(text),
            SupervisorReply::Calls(calls) => calls
                .iter()
                .map(|c| tokens(&c.name) + tokens(&c.arguments))
                .sum(),
            SupervisorReply::Error(message) => {
                return error(500, "server_error", message);
            }
        };
        let usage = Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        };
        let calls = match &reply {
            SupervisorReply::Calls(calls) => tool_calls(calls, number),
            _ => Vec::new(),
        };
        let head = Head {
            id: format!("chatcmpl-emu{}", number + 1),
            created,
            model: request.model,
        };
        if request.stream {
            let mut chunks = match &reply {
                SupervisorReply::Say(text) => head.text_chunks(text),
                _ => head.call_chunks(&calls),
            };
            if usage_wanted {
                chunks.push(head.chunk(Vec::new(), Some(usage)));
            }
            let mut body: Vec<String> = chunks
                .iter()
                .map(|c| format!("data: {}\n\n", json_text(c)))
                .collect();
            body.push("data: [DONE]\n\n".to_owned());
            HttpReply {
                status: 200,
                content_type: "text/event-stream",
                body,
            }
        } else {
            let (content, finish_reason) = match &reply {
                SupervisorReply::Say(text) => (Some(text.clone()), FinishReason::Stop),
                _ => (None, FinishReason::ToolCalls),
            };
            let completion = Completion {
                id: head.id,
                object: CompletionObject,
                created,
                model: head.model,
                choices: vec![CompletionChoice {
                    index: 0,
                    message: Message::Assistant(AssistantMessage {
                        content,
                        tool_calls: calls,
                    }),
                    finish_reason: Some(finish_reason),
                }],
                usage: Some(usage),
            };
            HttpReply {
                status: 200,
                content_type: "application/json",
                body: vec![json_text(&completion)],
            }
        }
    }
}

/// The scripted calls as sent: each with its id (scripted, or made from the reply's number
/// and its place).
fn tool_calls(calls: &[ScriptedCall], number: usize) -> Vec<ToolCall> {
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| ToolCall {
            id: call
                .call_id
                .clone()
                .unwrap_or_else(|| format!("call_emu{}_{}", number + 1, i + 1)),
            kind: Function,
            function: FunctionCall {
                name: call.name.clone(),
                arguments: call.arguments.clone(),
            },
        })
        .collect()
}

/// The fields every chunk of one reply repeats.
struct Head {
    id: String,
    created: u64,
    model: String,
}

impl Head {
    fn chunk(&self, choices: Vec<ChunkChoice>, usage: Option<Usage>) -> Chunk {
        Chunk {
            id: self.id.clone(),
            object: ChunkObject,
            created: self.created,
            model: self.model.clone(),
            choices,
            usage,
        }
    }

    fn piece(&self, delta: Delta, finish_reason: Option<FinishReason>) -> Chunk {
        self.chunk(
            vec![ChunkChoice {
                index: 0,
                delta,
                finish_reason,
            }],
            None,
        )
    }

    fn text_chunks(&self, text: &str) -> Vec<Chunk> {
        let mut chunks = vec![self.piece(
            Delta {
                role: Some(Assistant),
                content: Some(String::new()),
                ..Delta::default()
            },
            None,
        )];
        chunks.extend(pieces(text).into_iter().map(|piece| {
            self.piece(
                Delta {
                    content: Some(piece.to_owned()),
                    ..Delta::default()
                },
                None,
            )
        }));
        chunks.push(self.piece(Delta::default(), Some(FinishReason::Stop)));
        chunks
    }

    fn call_chunks(&self, calls: &[ToolCall]) -> Vec<Chunk> {
        let mut chunks = Vec::new();
        for (index, call) in calls.iter().enumerate() {
            let index = u32::try_from(index).ok();
            let opening = ToolCallDelta {
                index,
                id: Some(call.id.clone()),
                kind: Some(Function),
                function: Some(FunctionDelta {
                    name: Some(call.function.name.clone()),
                    arguments: Some(String::new()),
                }),
            };
            chunks.push(self.piece(
                Delta {
                    role: (index == Some(0)).then_some(Assistant),
                    content: None,
                    tool_calls: vec![opening],
                },
                None,
            ));
            for piece in halves(&call.function.arguments) {
                let more = ToolCallDelta {
                    index,
                    function: Some(FunctionDelta {
                        name: None,
                        arguments: Some(piece.to_owned()),
                    }),
                    ..ToolCallDelta::default()
                };
                chunks.push(self.piece(
                    Delta {
                        tool_calls: vec![more],
                        ..Delta::default()
                    },
                    None,
                ));
            }
        }
        chunks.push(self.piece(Delta::default(), Some(FinishReason::ToolCalls)));
        chunks
    }
}

/// The emulator's answer to a request the types refuse, in the service's words.
fn refused(why: &RequestError) -> HttpReply {
    let message = match why {
        RequestError::NotAnObject => {
            "We could not parse the JSON body of your request: expected a JSON object.".to_owned()
        }
        RequestError::NoModel => "You must provide a model parameter.".to_owned(),
        RequestError::NoMessages => "'messages' must be a non-empty array.".to_owned(),
        RequestError::Invalid { path, message } => format!("Invalid value for '{path}': {message}"),
    };
    error(400, "invalid_request_error", &message)
}

/// An OpenAI-style error reply.
fn error(status: u16, kind: &str, message: &str) -> HttpReply {
    HttpReply {
        status,
        content_type: "application/json",
        body: vec![json_text(&ErrorBody {
            error: ApiError::new(kind, message),
        })],
    }
}

/// `value` as JSON text.
fn json_text(value: &impl Serialize) -> String {
    // The wire's chat types are plain structs with string keys: they always serialize.
    serde_json::to_string(value).expect("the chat types serialize")
}

/// `text` in pieces of a few words, each with the spaces after it, so the pieces join back
/// into exactly `text`.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut words = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            in_space = false;
            words += 1;
            if words == WORDS_PER_DELTA {
                out.push(&text[start..i]);
                start = i;
                words = 0;
            }
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// `text` in two pieces at a character boundary (one when it is too short to cut), as a
/// server streams arguments.
fn halves(text: &str) -> Vec<&str> {
    let mut middle = text.len() / 2;
    while !text.is_char_boundary(middle) {
        middle += 1;
    }
    if middle == 0 || middle >= text.len() {
        return vec![text];
    }
    vec![&text[..middle], &text[middle..]]
}

/// A plausible token count: about four characters a token.
fn tokens(text: &str) -> u64 {
    u64::try_from(text.chars().count().div_ceil(4)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use switchboard_wire::chat::{Progress, ReplyReader};

    use super::*;

    fn call(name: &str, arguments: &str) -> ScriptedCall {
        ScriptedCall {
            name: name.to_owned(),
            arguments: arguments.to_owned(),
            call_id: None,
        }
    }

    fn events(reply: &HttpReply) -> Vec<Value> {
        reply
            .body
            .iter()
            .map(|piece| {
                let data = piece
                    .strip_prefix("data: ")
                    .and_then(|d| d.strip_suffix("\n\n"))
                    .expect("one event per piece");
                if data == "[DONE]" {
                    Value::String(data.to_owned())
                } else {
                    serde_json::from_str(data).expect("JSON")
                }
            })
            .collect()
    }

    const STREAMED: &[u8] =
        br#"{"model":"gpt-5","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;

    #[test]
    fn text_pieces_join_back_exactly() {
        for text in [
            "",
            "one",
            "one two three four five",
            "  a  b   c d  ",
            "é è ü ö ä å",
        ] {
            assert_eq!(pieces(text).concat(), text, "{text:?}");
            assert!(pieces(text).iter().all(|p| !p.is_empty()));
        }
        assert_eq!(pieces("a b c d e f g").len(), 3);
        for text in ["", "{", "{\"é\":1}", "ééé"] {
            assert_eq!(halves(text).concat(), text);
        }
    }

    #[test]
    fn an_answer_streams_as_content_deltas_then_stop_then_done() {
        let mut thinker = Thinker::new(
            vec![SupervisorReply::Say("Your balance is $45.20 today.".into())],
            true,
        );
        let reply = thinker.respond(STREAMED, 1_700_000_000);
        assert_eq!(
            (reply.status, reply.content_type),
            (200, "text/event-stream")
        );
        let events = events(&reply);
        assert_eq!(events.last(), Some(&json!("[DONE]")));
        let chunks = &events[..events.len() - 1];
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        let text: String = chunks
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect();
        assert_eq!(text, "Your balance is $45.20 today.");
        assert!(chunks.len() > 3, "the text comes in several deltas");
        for chunk in chunks {
            assert_eq!(chunk["object"], "chat.completion.chunk");
            assert_eq!(chunk["id"], chunks[0]["id"]);
            assert_eq!(chunk["model"], "gpt-5");
            assert_eq!(chunk["created"], 1_700_000_000);
        }
        let last = &chunks[chunks.len() - 1]["choices"][0];
        assert_eq!(
            (&last["finish_reason"], &last["delta"]),
            (&json!("stop"), &json!({}))
        );
        assert!(
            chunks[..chunks.len() - 1]
                .iter()
                .all(|c| c["choices"][0]["finish_reason"].is_null())
        );
    }

    #[test]
    fn calls_stream_by_index_with_ids_and_arguments_in_pieces() {
        let mut fixed = call("two", "{}");
        fixed.call_id = Some("call_fixed".into());
        let mut thinker = Thinker::new(
            vec![SupervisorReply::Calls(vec![
                call("one", r#"{"phone_number":"2065550199"}"#),
                fixed,
            ])],
            false,
        );
        let events = events(&thinker.respond(STREAMED, 0));
        let chunks = &events[..events.len() - 1];
        let mut calls: Vec<(String, String, String)> = Vec::new();
        for chunk in chunks {
            for part in chunk["choices"][0]["delta"]["tool_calls"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let index = part["index"].as_u64().expect("an index") as usize;
                if let Some(id) = part["id"].as_str() {
                    assert_eq!(part["type"], "function");
                    assert_eq!(index, calls.len(), "a call opens at the next index");
                    calls.push((
                        id.to_owned(),
                        part["function"]["name"]
                            .as_str()
                            .expect("a name")
                            .to_owned(),
                        String::new(),
                    ));
                }
                calls[index].2 += part["function"]["arguments"].as_str().unwrap_or_default();
            }
        }
        assert_eq!(
            calls,
            [
                (
                    "call_emu1_1".into(),
                    "one".into(),
                    r#"{"phone_number":"2065550199"}"#.into()
                ),
                ("call_fixed".into(), "two".into(), "{}".into()),
            ]
        );
        assert_eq!(
            chunks.last().expect("chunks")["choices"][0]["finish_reason"],
            "tool_calls"
        );
        assert!(thinker.requests().is_empty(), "asked not to keep them");
    }

    #[test]
    fn usage_comes_last_when_asked_for() {
        let mut thinker = Thinker::new(vec![SupervisorReply::Say("Fine.".into())], true);
        let body = br#"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#;
        let events = events(&thinker.respond(body, 0));
        let usage = &events[events.len() - 2];
        assert_eq!(usage["choices"], json!([]));
        assert!(
            usage["usage"]["total_tokens"]
                .as_u64()
                .is_some_and(|n| n > 0)
        );
    }

    #[test]
    fn without_stream_the_reply_is_one_completion() {
        let mut thinker = Thinker::new(
            vec![
                SupervisorReply::Calls(vec![call("one", "{}")]),
                SupervisorReply::Say("Done.".into()),
            ],
            true,
        );
        let body = br#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;
        let first: Value = serde_json::from_str(&thinker.respond(body, 0).body.concat()).unwrap();
        assert_eq!(first["object"], "chat.completion");
        assert_eq!(first["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(
            first["choices"][0]["message"]["tool_calls"][0]["function"]["name"],
            "one"
        );
        let second: Value = serde_json::from_str(&thinker.respond(body, 0).body.concat()).unwrap();
        assert_eq!(second["choices"][0]["message"]["content"], "Done.");
        assert_eq!(thinker.requests().len(), 2);
    }

    #[test]
    fn bad_requests_errors_and_an_empty_script_are_openai_style_errors() {
        let mut thinker = Thinker::new(vec![SupervisorReply::Error("overloaded".into())], true);
        for (body, status) in [
            (&b"not json"[..], 400),
            (br#"[1]"#, 400),
            (br#"{"messages":[{"role":"user","content":"x"}]}"#, 400),
            (br#"{"model":"m","messages":[]}"#, 400),
            (STREAMED, 500),
            (STREAMED, 500),
        ] {
            let reply = thinker.respond(body, 0);
            assert_eq!(reply.status, status, "{}", String::from_utf8_lossy(body));
            let error: Value = serde_json::from_str(&reply.body.concat()).unwrap();
            assert!(
                error["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
        // Only the two well-formed requests were kept.
        assert_eq!(thinker.requests().len(), 2);
        let last = thinker.respond(STREAMED, 0);
        assert!(last.body.concat().contains("no reply left"), "{last:?}");
    }

    #[test]
    fn what_the_emulator_streams_the_wire_reader_reads_back() {
        let mut thinker = Thinker::new(
            vec![
                SupervisorReply::Say("Your balance is $45.20 — due “August 12”.".into()),
                SupervisorReply::Calls(vec![
                    call("one", r#"{"phone_number":"2065550199"}"#),
                    call("two", "{}"),
                ]),
            ],
            false,
        );
        let read = |reply: HttpReply| {
            let mut reader = ReplyReader::default();
            for piece in &reply.body {
                if let Progress::Complete(reply) = reader.push(piece.as_bytes()).expect("ok") {
                    return reply;
                }
            }
            panic!("no [DONE]")
        };
        let text = read(thinker.respond(STREAMED, 0));
        assert_eq!(text.content, "Your balance is $45.20 — due “August 12”.");
        assert_eq!(text.finish_reason, Some(FinishReason::Stop));
        let calls = read(thinker.respond(STREAMED, 0));
        assert_eq!(calls.finish_reason, Some(FinishReason::ToolCalls));
        let got: Vec<(&str, &str, &str)> = calls
            .tool_calls
            .iter()
            .map(|c| {
                (
                    c.id.as_str(),
                    c.function.name.as_str(),
                    c.function.arguments.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("call_emu2_1", "one", r#"{"phone_number":"2065550199"}"#),
                ("call_emu2_2", "two", "{}"),
            ]
        );
    }
}
