"""The official OpenAI Python SDK, unchanged, talking to `switchboard serve`.

The gateway runs in rehearsal mode (no OPENAI_API_KEY) on `tests/sdk/agents/sdk-demo`; the
SDK connects with `websocket_base_url` pointed at it. Every event the SDK receives is
validated with the SDK's own pydantic union, so our events are the events it expects.

Run from the repository root with `SWITCHBOARD_BIN` naming the binary.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pydantic
import pytest
from openai import AsyncOpenAI
from openai.types import realtime as rt
from openai.types.beta import realtime as brt

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("SWITCHBOARD_BIN", str(REPO / "target" / "debug" / "switchboard"))
AGENT = REPO / "tests" / "sdk" / "agents" / "sdk-demo"
GA_EVENTS = pydantic.TypeAdapter(rt.RealtimeServerEvent)
BETA_EVENTS = pydantic.TypeAdapter(brt.RealtimeServerEvent)


@pytest.fixture
def gateway() -> Iterator[str]:
    """A `switchboard serve` process in rehearsal mode; yields its address."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    proc = subprocess.Popen(
        [BIN, "serve", str(AGENT), "--listen", "127.0.0.1:0", "--no-records"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    addr = None
    banner = []
    for line in proc.stdout:
        banner.append(line)
        if "listening on http://" in line:
            addr = line.split("http://", 1)[1].split()[0]
            break
    assert addr, f"the gateway did not start: {banner}"
    assert any("REHEARSAL" in line for line in banner), banner
    try:
        yield addr
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def client(addr: str) -> AsyncOpenAI:
    return AsyncOpenAI(api_key="sb-test", base_url=f"http://{addr}/v1", websocket_base_url=f"ws://{addr}/v1")


# The beta SDK's `session.model` is a closed list of 2024 preview models. The gateway reports
# the model the agent runs (GA only, e.g. gpt-realtime-2.1) to beta callers too, which the
# SDK itself reads leniently; only that field is validated against a listed model.
BETA_LISTED_MODEL = "gpt-4o-realtime-preview"


async def next_event(conn: Any, adapter: pydantic.TypeAdapter[Any]) -> dict[str, Any]:
    """The next raw event, validated as the SDK's own type."""
    raw = await asyncio.wait_for(conn.recv_bytes(), timeout=15)
    event = json.loads(raw)
    checked = event
    if adapter is BETA_EVENTS and isinstance(event.get("session"), dict) and "model" in event["session"]:
        assert event["session"]["model"].startswith("gpt-"), event
        checked = {**event, "session": {**event["session"], "model": BETA_LISTED_MODEL}}
    parsed = adapter.validate_python(checked)
    assert parsed.type == event["type"]
    return event


async def until(conn: Any, kind: str, adapter: pydantic.TypeAdapter[Any] = GA_EVENTS) -> list[dict[str, Any]]:
    seen = []
    while True:
        event = await next_event(conn, adapter)
        seen.append(event)
        assert event["type"] != "error", event
        if event["type"] == kind:
            return seen


async def until_updated(conn: Any, check: Any, adapter: pydantic.TypeAdapter[Any] = GA_EVENTS) -> dict[str, Any]:
    """The first `session.updated` for which `check(session)` holds: the agent's own first
    update may be answered before the client's."""
    while True:
        updated = (await until(conn, "session.updated", adapter))[-1]
        if check(updated["session"]):
            return updated


def test_session_update_is_answered_with_the_merged_session(gateway: str) -> None:
    async def run() -> None:
        async with client(gateway).realtime.connect(model="gpt-realtime") as conn:
            created = await until(conn, "session.created")
            assert created[-1]["session"]["instructions"].startswith("[REHEARSAL")
            await conn.session.update(session={"type": "realtime", "audio": {"output": {"voice": "cedar"}}})
            updated = await until_updated(conn, lambda s: s["audio"]["output"]["voice"] == "cedar")
            assert "demo agent" in updated["session"]["instructions"]

    asyncio.run(run())


def test_a_text_turn_gets_an_audio_reply(gateway: str) -> None:
    async def run() -> None:
        async with client(gateway).realtime.connect(model="gpt-realtime") as conn:
            await until(conn, "session.created")
            await conn.conversation.item.create(
                item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hello?"}]}
            )
            await conn.response.create()
            events = await until(conn, "response.done")
            types = [e["type"] for e in events]
            audio = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
            assert len(audio) > 4800, "at least 100 ms of PCM16 at 24 kHz"
            transcript = next(e for e in events if e["type"] == "response.output_audio_transcript.done")
            assert transcript["transcript"] == "Hello! How can I help you today?"
            assert types.index("response.created") < types.index("response.output_audio.delta") < types.index("response.done")

    asyncio.run(run())


def test_a_server_side_tool_round_trip_stays_inside_the_gateway(gateway: str) -> None:
    async def run() -> None:
        async with client(gateway).realtime.connect(model="gpt-realtime") as conn:
            await until(conn, "session.created")
            await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
            await until_updated(conn, lambda s: s["output_modalities"] == ["text"])
            for text in ["Hi", "What's my balance? Account A-1."]:
                await conn.conversation.item.create(
                    item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
                )
                await conn.response.create()
                events = await until(conn, "response.done")
            # The call's own response ends; the answer follows in a response the gateway asked for.
            while not any(e["type"] == "response.output_text.done" for e in events):
                events += await until(conn, "response.done")
            texts = [e["text"] for e in events if e["type"] == "response.output_text.done"]
            assert texts == ["Your balance is forty-two dollars."]
            assert not any(e["type"].startswith("response.function_call_arguments") for e in events), "the call is the gateway's"

    asyncio.run(run())


def test_a_caller_side_tool_is_passed_through(gateway: str) -> None:
    async def run() -> None:
        async with client(gateway).realtime.connect(model="gpt-realtime") as conn:
            await until(conn, "session.created")
            await conn.session.update(
                session={
                    "type": "realtime",
                    "output_modalities": ["text"],
                    "tools": [
                        {
                            "type": "function",
                            "name": "get_weather",
                            "description": "Weather in a city.",
                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                        }
                    ],
                }
            )
            updated = await until_updated(conn, lambda s: len(s.get("tools", [])) == 2)
            names = [t["name"] for t in updated["session"]["tools"]]
            assert "get_weather" in names and "get_balance" in names
            # Skip the script's first three responses (greeting and the server-side tool).
            await conn.response.create()
            await until(conn, "response.done")
            await conn.response.create()
            events = await until(conn, "response.done")
            while not any(e["type"] == "response.output_text.done" for e in events):
                events += await until(conn, "response.done")
            await conn.response.create()
            events = await until(conn, "response.done")
            call = next(e for e in events if e["type"] == "response.function_call_arguments.done")
            assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "Paris"}
            await conn.conversation.item.create(
                item={"type": "function_call_output", "call_id": call["call_id"], "output": json.dumps({"sky": "sunny"})}
            )
            await conn.response.create()
            events = await until(conn, "response.done")
            texts = [e["text"] for e in events if e["type"] == "response.output_text.done"]
            assert texts == ["It is sunny in Paris."]

    asyncio.run(run())


def test_a_beta_client_is_served_in_beta(gateway: str) -> None:
    async def run() -> None:
        async with client(gateway).beta.realtime.connect(model="gpt-4o-realtime-preview") as conn:
            await until(conn, "session.created", BETA_EVENTS)
            await conn.session.update(session={"modalities": ["text"]})
            await until_updated(conn, lambda s: s["modalities"] == ["text"], BETA_EVENTS)
            await conn.conversation.item.create(
                item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hello?"}]}
            )
            await conn.response.create()
            events = await until(conn, "response.done", BETA_EVENTS)
            texts = [e["text"] for e in events if e["type"] == "response.text.done"]
            assert texts == ["Hello! How can I help you today?"]

    asyncio.run(run())


def test_a_client_secret_is_in_the_sdk_shape_and_opens_one_call(gateway: str) -> None:
    async def run() -> None:
        sdk = client(gateway)
        raw = await sdk.realtime.client_secrets.with_raw_response.create(
            expires_after={"anchor": "created_at", "seconds": 120}, session={"type": "realtime"}
        )
        # Strict validation of the raw body, not the SDK's lenient construction.
        secret = rt.ClientSecretCreateResponse.model_validate(raw.http_response.json())
        assert secret.value.startswith("ek_")
        assert secret.session.type == "realtime"
        ephemeral = AsyncOpenAI(api_key=secret.value, websocket_base_url=f"ws://{gateway}/v1")
        async with ephemeral.realtime.connect(model="gpt-realtime") as conn:
            await until(conn, "session.created")

    asyncio.run(run())
