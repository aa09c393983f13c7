"""Conformance of Switchboard's wire model with the official OpenAI Python SDK's types.

Our idea of the Realtime protocol lives in `crates/wire`; the SDK's lives in its pydantic
models. These tests make the two meet through the `switchboard events` CLI:

* both list the same GA event types;
* every GA server fixture, as we serialize it, validates as the SDK model of its type, with no
  field the SDK does not declare (bar a short allowlist of fields the real server sends);
* the `error` events we answer malformed client frames with are valid SDK error events;
* client events built with the SDK's own models parse, and we write them back unchanged;
* the beta dialect: our beta-shaped server output validates with the SDK's beta types, and
  beta client events built with the SDK parse.

Run from the repository root: `.venv/bin/python -m pytest tests/sdk`, with `SWITCHBOARD_BIN`
naming the binary (default `target/debug/switchboard`).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
import typing
from pathlib import Path
from typing import Any

import pydantic
import pytest
from openai.types import realtime as rt
from openai.types.beta import realtime as brt
from openai.types.beta.realtime import (
    conversation_item_with_reference as bref,
    response_create_event as bresp,
    session_update_event as bsess,
    transcription_session_update as btrans,
)
from openai.types.realtime import (
    realtime_audio_config_input as audio_input,
    realtime_audio_config_output as audio_output,
    realtime_audio_formats as formats,
    realtime_audio_input_turn_detection as turn,
    realtime_conversation_item_assistant_message as assistant_msg,
    realtime_conversation_item_system_message as system_msg,
    realtime_conversation_item_user_message as user_msg,
    realtime_response_create_audio_output as response_audio,
    realtime_response_create_mcp_tool as response_mcp,
    realtime_tools_config_union as tools_union,
    realtime_tracing_config as tracing,
    realtime_transcription_session_audio_input as transcription_input,
    realtime_transcription_session_audio_input_turn_detection as transcription_turn,
    realtime_truncation_retention_ratio as retention,
)
from openai.types.responses import ResponseInputText, ResponsePrompt
from openai.types.responses.tool_choice_function import ToolChoiceFunction
from openai.types.responses.tool_choice_mcp import ToolChoiceMcp

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "crates" / "wire" / "tests" / "data"
GA_SERVER_FIXTURES = sorted((DATA / "ga" / "server").glob("*.json"))
MALFORMED = [json.loads(line) for line in (DATA / "malformed.jsonl").read_text().splitlines() if line.strip()]

# Fields the real server sends that the SDK's models do not declare. Keep this short: every
# entry is a place where our model and the SDK's may drift apart unnoticed.
GA_SDK_LACKS = {
    # The session object in session.created/updated (realtime-protocol.md section 2, a real
    # trace) carries its identity; the SDK reuses the *request* model, which has none of it.
    "session.object",
    "session.id",
    "session.expires_at",
}

# The same for the beta SDK, which froze before the service did.
BETA_SDK_LACKS = {
    # As above: the beta session object carried these too.
    "session.object",
    "session.expires_at",
    # GA turn detection gained `idle_timeout_ms` (null in every real session.created); we pass
    # turn detection through to beta unchanged and beta clients ignore the extra key.
    "session.turn_detection.idle_timeout_ms",
    # `include` and `prompt` were late beta additions the beta models never got.
    "session.include",
    "session.prompt",
    # The real server sends the function name (see go-openai-realtime#8); the model lacks it.
    "name",
    # GA settings and usage details the beta types never got, kept for beta callers rather
    # than dropped (relay fidelity): a beta client reads past them.
    "session.truncation",
    "response.usage.input_token_details.cached_tokens_details",
    "response.usage.input_token_details.image_tokens",
}


# --------------------------------------------------------------------------------------------
# Running the CLI


def binary() -> Path:
    path = Path(os.environ.get("SWITCHBOARD_BIN", REPO / "target" / "debug" / "switchboard"))
    return path if path.is_absolute() else REPO / path


@pytest.fixture(scope="session", autouse=True)
def switchboard_binary_exists() -> None:
    """Stops the run with one clear message, rather than failing every case, without a binary."""
    if not binary().is_file():
        pytest.exit(
            f"switchboard binary not found at {binary()}: build it with `cargo build -p switchboard` "
            "or point SWITCHBOARD_BIN at it",
            returncode=1,
        )


def switchboard(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary()), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def parse_lines(args: tuple[str, ...], frames: list[str]) -> tuple[int, list[Any]]:
    """Feeds `frames` as JSON Lines to `switchboard events parse ARGS`; one output per frame."""
    for frame in frames:
        assert "\n" not in frame and frame.strip(), f"not a single-line frame: {frame!r}"
    result = switchboard("events", "parse", *args, stdin="".join(f + "\n" for f in frames))
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(frames), f"{len(frames)} frames in, {len(out)} lines out\n{result.stderr}"
    return result.returncode, out


@functools.cache
def parsed_files(*args: str) -> tuple[int, dict[str, Any]]:
    """Runs `switchboard events parse ARGS` over every GA server fixture, once."""
    result = switchboard("events", "parse", *args, *map(str, GA_SERVER_FIXTURES))
    lines = result.stdout.splitlines()
    assert len(lines) == len(GA_SERVER_FIXTURES), result.stderr
    return result.returncode, {p.stem: json.loads(line) for p, line in zip(GA_SERVER_FIXTURES, lines)}


# --------------------------------------------------------------------------------------------
# Looking at SDK models


def union_members(union: Any) -> dict[str, type[pydantic.BaseModel]]:
    """The models of a discriminated event union, by their `type` literal."""
    (inner, *_) = typing.get_args(union)
    members = {}
    for model in typing.get_args(inner):
        (literal,) = typing.get_args(model.model_fields["type"].annotation)
        members[literal] = model
    return members


GA_SERVER = union_members(rt.RealtimeServerEvent)
GA_CLIENT = union_members(rt.RealtimeClientEvent)
BETA_SERVER = union_members(brt.RealtimeServerEvent)
BETA_CLIENT = union_members(brt.RealtimeClientEvent)


def undeclared_fields(value: Any, path: str = "") -> list[str]:
    """Paths of every field pydantic kept as an extra, anywhere in a validated model.

    List indices are left out of the paths so that allowlist entries match any element.
    """
    found = []
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}" if path else key)
        for name in type(value).model_fields:
            found += undeclared_fields(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for element in value:
            found += undeclared_fields(element, path)
    elif isinstance(value, dict):
        for key, element in value.items():
            found += undeclared_fields(element, f"{path}.{key}" if path else key)
    return found


def validate(union: Any, members: dict[str, type[pydantic.BaseModel]], event: dict[str, Any]) -> pydantic.BaseModel:
    """Validates `event` with the SDK union and checks it resolved to the model of its type."""
    model = pydantic.TypeAdapter(union).validate_python(event)
    assert model.type == event["type"]
    assert type(model) is members[event["type"]]
    return model


def dump(model: pydantic.BaseModel) -> dict[str, Any]:
    """The JSON an SDK user's event becomes on the wire."""
    return model.model_dump(mode="json", exclude_unset=True)


# --------------------------------------------------------------------------------------------
# The type lists


@pytest.mark.parametrize("side, sdk", [("client", GA_CLIENT), ("server", GA_SERVER)], ids=["client", "server"])
def test_event_types_match_the_sdk(side: str, sdk: dict[str, Any]) -> None:
    result = switchboard("events", "types", "--side", side)
    assert result.returncode == 0, result.stderr
    ours = set(result.stdout.split())
    assert ours == set(sdk), f"only ours: {sorted(ours - set(sdk))}; only the SDK's: {sorted(set(sdk) - ours)}"


def test_there_is_a_ga_server_fixture_per_sdk_type() -> None:
    assert {p.stem for p in GA_SERVER_FIXTURES} == set(GA_SERVER)


# --------------------------------------------------------------------------------------------
# GA server events, as we write them


@pytest.mark.parametrize("fixture", GA_SERVER_FIXTURES, ids=lambda p: p.stem)
def test_ga_server_fixture_as_we_write_it_is_a_valid_sdk_event(fixture: Path) -> None:
    code, events = parsed_files("--side", "server")
    event = events[fixture.stem]
    assert event["type"] == fixture.stem, event
    model = validate(rt.RealtimeServerEvent, GA_SERVER, event)
    extra = set(undeclared_fields(model))
    assert extra <= GA_SDK_LACKS, f"fields the SDK does not declare: {sorted(extra - GA_SDK_LACKS)}"
    # The SDK reads every value as we wrote it: nothing coerced, nothing lost.
    assert dump(model) == event
    assert code == 0


# --------------------------------------------------------------------------------------------
# The errors we answer malformed client frames with

# The CLI reads JSON Lines, so a frame that is empty or blank is not a frame there at all.
MALFORMED_CLIENT = [
    case for case in MALFORMED if case["side"] == "client" and case["input"].strip() and "\n" not in case["input"]
]


@functools.cache
def malformed_client_errors(dialect: str) -> tuple[int, dict[str, Any]]:
    cases = [c for c in MALFORMED_CLIENT if c["dialect"] == dialect]
    code, out = parse_lines(("--side", "client", "--from", dialect), [c["input"] for c in cases])
    return code, {c["name"]: event for c, event in zip(cases, out)}


@pytest.mark.parametrize(
    "case", MALFORMED_CLIENT, ids=[f"{c['dialect']}: {c['name']}" for c in MALFORMED_CLIENT]
)
def test_our_error_for_a_malformed_client_frame_is_a_valid_sdk_error_event(case: dict[str, Any]) -> None:
    code, errors = malformed_client_errors(case["dialect"])
    assert code == 1
    event = errors[case["name"]]
    model = validate(rt.RealtimeServerEvent, GA_SERVER, event)
    assert isinstance(model, rt.RealtimeErrorEvent)
    assert undeclared_fields(model) == []
    assert dump(model) == event
    error = model.error
    assert (error.type, error.code, error.param, error.event_id) == (
        "invalid_request_error",
        case["code"],
        case["param"],
        case["event_id"],
    )
    assert error.message


def test_every_single_line_malformed_client_frame_is_checked() -> None:
    blank = [c["name"] for c in MALFORMED if c["side"] == "client" and c not in MALFORMED_CLIENT]
    assert blank == ["empty string", "whitespace only"]
    assert len(MALFORMED_CLIENT) >= 60


# --------------------------------------------------------------------------------------------
# GA client events built with the SDK

LOOKUP_ACCOUNT = rt.RealtimeFunctionTool(
    type="function",
    name="lookup_account",
    description="Find a NorthLoop customer account by phone number or account number.",
    parameters={
        "type": "object",
        "properties": {
            "phone_number": {"type": "string", "description": "E.164, e.g. +14155550123"},
            "account_number": {"type": "string", "pattern": "^NL-[0-9]{8}$"},
        },
        "anyOf": [{"required": ["phone_number"]}, {"required": ["account_number"]}],
        "additionalProperties": False,
    },
)
CHECK_OUTAGE = rt.RealtimeFunctionTool(
    type="function",
    name="check_outage",
    description="Check for a known outage at a postcode.",
    parameters={"type": "object", "properties": {"postcode": {"type": "string"}}, "required": ["postcode"]},
)
INSTRUCTIONS = "You are Nova, NorthLoop Internet's support assistant. Verify the account before discussing billing."
ARGS = '{"phone_number":"+14155550123"}'
ACCOUNT = '{"account_number":"NL-20481736","plan":"Fiber 500","status":"active"}'
CALL = "call_Xk3nP9qR2sT5uV8w"
AUDIO_B64 = "/////35+fn1+/v7+fn9//39+fv7/f39+/v5+fn5+//9/fw=="

SDK_CLIENT_EVENTS: dict[str, pydantic.BaseModel] = {
    "session.update realtime, every setting": rt.SessionUpdateEvent(
        type="session.update",
        event_id="event_sdk_0001",
        session=rt.RealtimeSessionCreateRequest(
            type="realtime",
            model="gpt-realtime",
            instructions=INSTRUCTIONS,
            output_modalities=["audio"],
            audio=rt.RealtimeAudioConfig(
                input=rt.RealtimeAudioConfigInput(
                    format=formats.AudioPCMU(type="audio/pcmu"),
                    transcription=rt.AudioTranscription(model="gpt-4o-transcribe", language="en", prompt="NorthLoop, ONT"),
                    noise_reduction=audio_input.NoiseReduction(type="near_field"),
                    turn_detection=turn.ServerVad(
                        type="server_vad",
                        threshold=0.55,
                        prefix_padding_ms=300,
                        silence_duration_ms=500,
                        idle_timeout_ms=6000,
                        create_response=True,
                        interrupt_response=True,
                    ),
                ),
                output=rt.RealtimeAudioConfigOutput(format=formats.AudioPCMU(type="audio/pcmu"), voice="marin", speed=1.1),
            ),
            include=["item.input_audio_transcription.logprobs"],
            tools=[
                LOOKUP_ACCOUNT,
                CHECK_OUTAGE,
                tools_union.Mcp(
                    type="mcp",
                    server_label="northloop_kb",
                    server_url="https://mcp.northloop.example/kb",
                    headers={"X-NorthLoop-Tenant": "residential"},
                    allowed_tools=tools_union.McpAllowedToolsMcpToolFilter(tool_names=["search_articles"], read_only=True),
                    require_approval=tools_union.McpRequireApprovalMcpToolApprovalFilter(
                        never=tools_union.McpRequireApprovalMcpToolApprovalFilterNever(tool_names=["search_articles"])
                    ),
                    server_description="Troubleshooting guides.",
                ),
            ],
            tool_choice=ToolChoiceFunction(type="function", name="lookup_account"),
            tracing=tracing.TracingConfiguration(
                workflow_name="northloop-support-line", group_id="CA5f9e2b7d", metadata={"queue": "residential"}
            ),
            truncation=retention.RealtimeTruncationRetentionRatio(
                type="retention_ratio", retention_ratio=0.8, token_limits=retention.TokenLimits(post_instructions=8000)
            ),
            max_output_tokens=1024,
            prompt=ResponsePrompt(
                id="pmpt_68b2f4c1e0d48190",
                version="3",
                variables={"tier": "fiber-plus", "greeting": ResponseInputText(type="input_text", text="Hi!")},
            ),
        ),
    ),
    "session.update semantic_vad, custom voice, mcp tool_choice": rt.SessionUpdateEvent(
        type="session.update",
        session=rt.RealtimeSessionCreateRequest(
            type="realtime",
            model="gpt-realtime-2",
            output_modalities=["text"],
            audio=rt.RealtimeAudioConfig(
                input=rt.RealtimeAudioConfigInput(
                    format=formats.AudioPCM(type="audio/pcm", rate=24000),
                    turn_detection=turn.SemanticVad(
                        type="semantic_vad", eagerness="low", create_response=False, interrupt_response=True
                    ),
                ),
                output=rt.RealtimeAudioConfigOutput(
                    format=formats.AudioPCMA(type="audio/pcma"), voice=audio_output.VoiceID(id="voice_68f1c2d3e4")
                ),
            ),
            tool_choice=ToolChoiceMcp(type="mcp", server_label="northloop_kb", name="search_articles"),
            tracing="auto",
            truncation="disabled",
            max_output_tokens="inf",
            parallel_tool_calls=True,
            reasoning=rt.RealtimeReasoning(effort="low"),
        ),
    ),
    "session.update turning things off with null": rt.SessionUpdateEvent(
        type="session.update",
        event_id="event_sdk_0003",
        session=rt.RealtimeSessionCreateRequest(
            type="realtime",
            instructions="",
            tools=[],
            tool_choice="none",
            tracing=None,
            prompt=None,
            audio=rt.RealtimeAudioConfig(
                input=rt.RealtimeAudioConfigInput(transcription=None, noise_reduction=None, turn_detection=None)
            ),
        ),
    ),
    "session.update transcription session": rt.SessionUpdateEvent(
        type="session.update",
        session=rt.RealtimeTranscriptionSessionCreateRequest(
            type="transcription",
            audio=rt.RealtimeTranscriptionSessionAudio(
                input=rt.RealtimeTranscriptionSessionAudioInput(
                    format=formats.AudioPCM(type="audio/pcm", rate=24000),
                    transcription=rt.AudioTranscription(
                        model="gpt-4o-transcribe-diarize", languages=["en", "es"], keywords=["NorthLoop", "ONT"], delay="low"
                    ),
                    noise_reduction=transcription_input.NoiseReduction(type="far_field", strength=0.6),
                    turn_detection=transcription_turn.ServerVad(type="server_vad", threshold=0.5, silence_duration_ms=700),
                )
            ),
            include=["item.input_audio_transcription.logprobs"],
        ),
    ),
    "input_audio_buffer.append": rt.InputAudioBufferAppendEvent(
        type="input_audio_buffer.append", event_id="event_sdk_0005", audio=AUDIO_B64
    ),
    "input_audio_buffer.commit": rt.InputAudioBufferCommitEvent(type="input_audio_buffer.commit"),
    "input_audio_buffer.clear": rt.InputAudioBufferClearEvent(type="input_audio_buffer.clear", event_id="event_sdk_0007"),
    "output_audio_buffer.clear": rt.OutputAudioBufferClearEvent(type="output_audio_buffer.clear"),
    "conversation.item.create system message": rt.ConversationItemCreateEvent(
        type="conversation.item.create",
        previous_item_id="root",
        item=rt.RealtimeConversationItemSystemMessage(
            type="message",
            role="system",
            content=[system_msg.Content(type="input_text", text="The caller is on the Fiber 500 plan.")],
        ),
    ),
    "conversation.item.create user text, audio and image": rt.ConversationItemCreateEvent(
        type="conversation.item.create",
        event_id="event_sdk_0010",
        item=rt.RealtimeConversationItemUserMessage(
            id="item_sdk_user_0001",
            type="message",
            role="user",
            content=[
                user_msg.Content(type="input_text", text="My router's LOS light is red."),
                user_msg.Content(type="input_audio", audio=AUDIO_B64, transcript="It's blinking."),
                user_msg.Content(type="input_image", image_url="data:image/png;base64,iVBORw0KGgo=", detail="low"),
            ],
        ),
    ),
    "conversation.item.create assistant text and audio transcript": rt.ConversationItemCreateEvent(
        type="conversation.item.create",
        item=rt.RealtimeConversationItemAssistantMessage(
            type="message",
            role="assistant",
            status="completed",
            content=[
                assistant_msg.Content(type="output_text", text="I found your account."),
                assistant_msg.Content(type="output_audio", transcript="There's an outage in your area."),
            ],
        ),
    ),
    "conversation.item.create function_call": rt.ConversationItemCreateEvent(
        type="conversation.item.create",
        item=rt.RealtimeConversationItemFunctionCall(
            type="function_call", id="item_sdk_fc_0001", call_id=CALL, name="lookup_account", arguments=ARGS
        ),
    ),
    "conversation.item.create function_call_output": rt.ConversationItemCreateEvent(
        type="conversation.item.create",
        event_id="event_sdk_0013",
        previous_item_id="item_sdk_fc_0001",
        item=rt.RealtimeConversationItemFunctionCallOutput(type="function_call_output", call_id=CALL, output=ACCOUNT),
    ),
    "conversation.item.create mcp_approval_response": rt.ConversationItemCreateEvent(
        type="conversation.item.create",
        item=rt.RealtimeMcpApprovalResponse(
            type="mcp_approval_response",
            id="item_sdk_mcpr_0001",
            approval_request_id="mcpr_68f1c2d3e4",
            approve=False,
            reason="The caller declined.",
        ),
    ),
    "conversation.item.retrieve": rt.ConversationItemRetrieveEvent(
        type="conversation.item.retrieve", item_id="item_C9Le1bR5sT8uV2wX4yZ6a"
    ),
    "conversation.item.truncate": rt.ConversationItemTruncateEvent(
        type="conversation.item.truncate",
        event_id="event_sdk_0016",
        item_id="item_C9Le1bR5sT8uV2wX4yZ6a",
        content_index=0,
        audio_end_ms=1840,
    ),
    "conversation.item.delete": rt.ConversationItemDeleteEvent(
        type="conversation.item.delete", item_id="item_sdk_user_0001"
    ),
    "response.create without parameters": rt.ResponseCreateEvent(type="response.create"),
    "response.create out of band, every parameter": rt.ResponseCreateEvent(
        type="response.create",
        event_id="event_sdk_0019",
        response=rt.RealtimeResponseCreateParams(
            conversation="none",
            input=[
                rt.RealtimeConversationItemSystemMessage(
                    type="message", role="system", content=[system_msg.Content(type="input_text", text="Summarise the call.")]
                ),
                rt.RealtimeConversationItemFunctionCall(type="function_call", call_id=CALL, name="lookup_account", arguments=ARGS),
                rt.RealtimeConversationItemFunctionCallOutput(type="function_call_output", call_id=CALL, output=ACCOUNT),
            ],
            instructions="Write a two-sentence ticket note.",
            tools=[
                LOOKUP_ACCOUNT,
                response_mcp.RealtimeResponseCreateMcpTool(
                    type="mcp", server_label="northloop_kb", connector_id="connector_sharepoint", require_approval="always"
                ),
            ],
            tool_choice="required",
            output_modalities=["text"],
            audio=rt.RealtimeResponseCreateAudioOutput(
                output=response_audio.Output(format=formats.AudioPCMA(type="audio/pcma"), voice="cedar")
            ),
            max_output_tokens=256,
            metadata={"purpose": "ticket_note"},
            prompt=ResponsePrompt(id="pmpt_68b2f4c1e0d48190", variables={"tier": "fiber-plus"}),
            parallel_tool_calls=False,
            reasoning=rt.RealtimeReasoning(effort="medium"),
        ),
    ),
    "response.cancel": rt.ResponseCancelEvent(type="response.cancel"),
    "response.cancel naming the response": rt.ResponseCancelEvent(
        type="response.cancel", event_id="event_sdk_0021", response_id="resp_C9Le1aK2mN5pQ8rS0tU3v"
    ),
}


def test_sdk_client_events_cover_every_client_type() -> None:
    assert {event.type for event in SDK_CLIENT_EVENTS.values()} == set(GA_CLIENT)
    for event in SDK_CLIENT_EVENTS.values():
        assert type(event) is GA_CLIENT[event.type]


@functools.cache
def parsed_sdk_client_events() -> tuple[int, dict[str, Any]]:
    names = list(SDK_CLIENT_EVENTS)
    code, out = parse_lines(("--side", "client"), [json.dumps(dump(SDK_CLIENT_EVENTS[n])) for n in names])
    return code, dict(zip(names, out))


@pytest.mark.parametrize("name", list(SDK_CLIENT_EVENTS))
def test_sdk_built_client_event_parses_and_is_written_back_unchanged(name: str) -> None:
    sent = dump(SDK_CLIENT_EVENTS[name])
    code, out = parsed_sdk_client_events()
    assert out[name]["type"] != "error", out[name]["error"]
    assert out[name] == sent
    assert code == 0


# --------------------------------------------------------------------------------------------
# Beta

# GA server types a beta client never sees: the CLI writes them as `null`.
GA_ONLY = {
    "conversation.item.done",
    "conversation.item.input_audio_transcription.segment",
    "input_audio_buffer.timeout_triggered",
    "input_audio_buffer.dtmf_event_received",
    "response.mcp_call_arguments.delta",
    "response.mcp_call_arguments.done",
    "response.mcp_call.in_progress",
    "response.mcp_call.completed",
    "response.mcp_call.failed",
    "mcp_list_tools.in_progress",
    "mcp_list_tools.completed",
    "mcp_list_tools.failed",
}


# GA server types that beta names differently.
BETA_NAMES = {
    "conversation.item.added": "conversation.item.created",
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
}


def test_every_beta_server_type_has_a_ga_counterpart() -> None:
    beta_of_ga = {BETA_NAMES.get(t, t) for t in GA_SERVER if t not in GA_ONLY}
    # Transcription sessions are `session.*` with `type: "transcription"` in GA.
    assert beta_of_ga == set(BETA_SERVER) - {"transcription_session.updated"}


@pytest.mark.parametrize("fixture", GA_SERVER_FIXTURES, ids=lambda p: p.stem)
def test_our_beta_form_of_a_ga_server_event_is_a_valid_beta_sdk_event(fixture: Path) -> None:
    code, events = parsed_files("--side", "server", "--to", "beta")
    assert code == 0
    event = events[fixture.stem]
    if fixture.stem in GA_ONLY:
        assert event is None
        return
    assert event["type"] == BETA_NAMES.get(fixture.stem, fixture.stem)
    model = validate(brt.RealtimeServerEvent, BETA_SERVER, event)
    extra = set(undeclared_fields(model))
    assert extra <= BETA_SDK_LACKS, f"fields the beta SDK does not declare: {sorted(extra - BETA_SDK_LACKS)}"
    assert dump(model) == event


BETA_TOOL = bsess.SessionTool(
    type="function",
    name="check_outage",
    description="Check for a known outage at a postcode.",
    parameters={"type": "object", "properties": {"postcode": {"type": "string"}}, "required": ["postcode"]},
)

SDK_BETA_CLIENT_EVENTS: dict[str, pydantic.BaseModel] = {
    "session.update flat beta session": brt.SessionUpdateEvent(
        type="session.update",
        event_id="event_sdk_beta_0001",
        session=bsess.Session(
            model="gpt-4o-realtime-preview-2025-06-03",
            modalities=["text", "audio"],
            instructions=INSTRUCTIONS,
            voice="sage",
            input_audio_format="g711_ulaw",
            output_audio_format="g711_ulaw",
            input_audio_transcription=bsess.SessionInputAudioTranscription(model="whisper-1", language="en"),
            input_audio_noise_reduction=bsess.SessionInputAudioNoiseReduction(type="near_field"),
            turn_detection=bsess.SessionTurnDetection(
                type="server_vad", threshold=0.6, prefix_padding_ms=300, silence_duration_ms=600, create_response=True
            ),
            tools=[BETA_TOOL],
            tool_choice="auto",
            temperature=0.7,
            max_response_output_tokens=4096,
            speed=1.05,
            tracing=bsess.SessionTracingTracingConfiguration(workflow_name="northloop-support-line"),
        ),
    ),
    "session.update semantic_vad and nulls": brt.SessionUpdateEvent(
        type="session.update",
        session=bsess.Session(
            modalities=["text"],
            input_audio_format="pcm16",
            input_audio_transcription=None,
            turn_detection=bsess.SessionTurnDetection(type="semantic_vad", eagerness="high"),
            max_response_output_tokens="inf",
            tracing="auto",
        ),
    ),
    "transcription_session.update": brt.TranscriptionSessionUpdate(
        type="transcription_session.update",
        session=btrans.Session(
            input_audio_format="pcm16",
            input_audio_transcription=btrans.SessionInputAudioTranscription(
                model="gpt-4o-transcribe", language="en", prompt="NorthLoop, ONT"
            ),
            turn_detection=btrans.SessionTurnDetection(type="server_vad", threshold=0.5, silence_duration_ms=500),
            input_audio_noise_reduction=btrans.SessionInputAudioNoiseReduction(type="far_field"),
            include=["item.input_audio_transcription.logprobs"],
        ),
    ),
    "input_audio_buffer.append": brt.InputAudioBufferAppendEvent(type="input_audio_buffer.append", audio=AUDIO_B64),
    "input_audio_buffer.commit": brt.InputAudioBufferCommitEvent(type="input_audio_buffer.commit", event_id="event_sdk_beta_0005"),
    "input_audio_buffer.clear": brt.InputAudioBufferClearEvent(type="input_audio_buffer.clear"),
    "output_audio_buffer.clear": BETA_CLIENT["output_audio_buffer.clear"](type="output_audio_buffer.clear"),
    "conversation.item.create user message": brt.ConversationItemCreateEvent(
        type="conversation.item.create",
        item=brt.ConversationItem(
            type="message",
            role="user",
            content=[
                brt.ConversationItemContent(type="input_text", text="My internet keeps dropping."),
                brt.ConversationItemContent(type="input_audio", audio=AUDIO_B64),
            ],
        ),
    ),
    "conversation.item.create assistant text": brt.ConversationItemCreateEvent(
        type="conversation.item.create",
        event_id="event_sdk_beta_0009",
        previous_item_id="item_C9Le0aQ4rS7tU1vW3xY5z",
        item=brt.ConversationItem(
            id="item_sdk_beta_0001",
            type="message",
            role="assistant",
            content=[brt.ConversationItemContent(type="text", text="I found your account, Dana.")],
        ),
    ),
    "conversation.item.create function_call_output": brt.ConversationItemCreateEvent(
        type="conversation.item.create",
        item=brt.ConversationItem(type="function_call_output", call_id=CALL, output=ACCOUNT),
    ),
    "conversation.item.retrieve": brt.ConversationItemRetrieveEvent(type="conversation.item.retrieve", item_id="item_sdk_beta_0001"),
    "conversation.item.truncate": brt.ConversationItemTruncateEvent(
        type="conversation.item.truncate", item_id="item_sdk_beta_0001", content_index=0, audio_end_ms=900
    ),
    "conversation.item.delete": brt.ConversationItemDeleteEvent(type="conversation.item.delete", item_id="item_sdk_beta_0001"),
    "response.create beta parameters": brt.ResponseCreateEvent(
        type="response.create",
        event_id="event_sdk_beta_0014",
        response=bresp.Response(
            modalities=["text", "audio"],
            instructions="Tell the caller about the outage.",
            voice="sage",
            output_audio_format="g711_alaw",
            tools=[bresp.ResponseTool(type="function", name="check_outage", parameters={"type": "object"})],
            tool_choice="required",
            temperature=0.8,
            max_response_output_tokens=300,
            conversation="none",
            metadata={"purpose": "outage_followup"},
            input=[
                bref.ConversationItemWithReference(type="item_reference", id="item_C9Le0aQ4rS7tU1vW3xY5z"),
                bref.ConversationItemWithReference(
                    type="message", role="assistant", content=[bref.Content(type="text", text="Let me check.")]
                ),
            ],
        ),
    ),
    "response.cancel": brt.ResponseCancelEvent(type="response.cancel", response_id="resp_C9Le1aK2mN5pQ8rS0tU3v"),
}

# Beta settings GA has no field for; reading a beta event drops them (and says so).
BETA_DROPPED = {"session": ["temperature"], "response": ["temperature"]}


def test_sdk_beta_client_events_cover_every_beta_client_type() -> None:
    assert {event.type for event in SDK_BETA_CLIENT_EVENTS.values()} == set(BETA_CLIENT)


@functools.cache
def parsed_sdk_beta_client_events(to: str) -> tuple[int, dict[str, Any]]:
    names = list(SDK_BETA_CLIENT_EVENTS)
    frames = [json.dumps(dump(SDK_BETA_CLIENT_EVENTS[n])) for n in names]
    code, out = parse_lines(("--side", "client", "--from", "beta", "--to", to), frames)
    return code, dict(zip(names, out))


def without_item_references(event: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Splits the item references out of `response.input`.

    The SDK's pydantic `ResponseCreateEvent` only takes whole items there; references exist in
    its `ResponseCreateEventWithReferencesParam` TypedDict and as `ResponseItemReference`.
    """
    event = copy.deepcopy(event)
    items = event.get("response", {}).get("input")
    if not isinstance(items, list):
        return event, []
    event["response"]["input"] = [i for i in items if i.get("type") != "item_reference"]
    return event, [i for i in items if i.get("type") == "item_reference"]


@pytest.mark.parametrize("name", list(SDK_BETA_CLIENT_EVENTS))
def test_sdk_built_beta_client_event_parses(name: str) -> None:
    code, ga = parsed_sdk_beta_client_events("ga")
    assert ga[name]["type"] != "error", ga[name]["error"]
    assert code == 0
    # What we make of it is a GA event the GA SDK accepts, with nothing it does not know.
    event, references = without_item_references(ga[name])
    model = validate(rt.RealtimeClientEvent, GA_CLIENT, event)
    assert undeclared_fields(model) == []
    assert dump(model) == event
    for reference in references:
        model = rt.ResponseItemReference.model_validate(reference)
        assert undeclared_fields(model) == []
        assert dump(model) == reference


@pytest.mark.parametrize("name", list(SDK_BETA_CLIENT_EVENTS))
def test_sdk_built_beta_client_event_is_written_back_in_beta(name: str) -> None:
    expected = copy.deepcopy(dump(SDK_BETA_CLIENT_EVENTS[name]))
    for key, fields in BETA_DROPPED.items():
        for field in fields:
            if isinstance(expected.get(key), dict):
                expected[key].pop(field, None)
    code, beta = parsed_sdk_beta_client_events("beta")
    assert code == 0
    assert beta[name] == expected
    validate(brt.RealtimeClientEvent, BETA_CLIENT, beta[name])
