"""server/transport/upgrade_first.py: a phone's handshake goes straight to the WebSocket protocol,
everything else to uvicorn's HTTP protocol, and both behave as they did."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from server.transport import upgrade_first
from server.transport.upgrade_first import is_websocket_upgrade, lower_names
from tests.support import Client, LiveServer

HEAD = (
    b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13"
)


def test_only_websocket_upgrades_to_ws_are_recognised() -> None:
    assert is_websocket_upgrade(HEAD)
    assert is_websocket_upgrade(HEAD.replace(b"GET /ws ", b"GET /ws?lang=es "))
    assert is_websocket_upgrade(HEAD.replace(b"Upgrade: websocket", b"UPGRADE:WebSocket"))
    assert is_websocket_upgrade(HEAD.replace(b"Upgrade: websocket\r\n", b"") + b"\r\nupgrade: websocket")
    assert not is_websocket_upgrade(HEAD.replace(b"GET /ws ", b"GET /wsx "))
    assert not is_websocket_upgrade(HEAD.replace(b"GET /ws ", b"POST /ws "))
    assert not is_websocket_upgrade(HEAD.replace(b"Upgrade: websocket\r\n", b""))
    assert not is_websocket_upgrade(HEAD.replace(b"Upgrade: websocket", b"Upgrade: h2c"))
    assert not is_websocket_upgrade(HEAD.replace(b"HTTP/1.1", b"HTTP/1.0"))
    assert not is_websocket_upgrade(HEAD.replace(b"Connection: Upgrade", b"Connection: close"))
    assert is_websocket_upgrade(HEAD.replace(b"Connection: Upgrade", b"connection: keep-alive, UPGRADE"))


def test_header_names_are_lowered_and_nothing_else_changes() -> None:
    received = HEAD + b"\r\n\r\n" + b"\x81\x85rest"
    lowered = lower_names(received, len(HEAD))
    assert lowered.split(b"\r\n")[0] == b"GET /ws HTTP/1.1"
    assert b"\r\nupgrade: websocket\r\n" in lowered and b"\r\nsec-websocket-key: x\r\n" in lowered
    assert lowered.endswith(b"\r\n\r\n\x81\x85rest") and len(lowered) == len(received)


@pytest.fixture
def live() -> Iterator[LiveServer]:
    server = LiveServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http_protocols(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every uvicorn HTTP protocol object made for a connection."""
    made: list[Any] = []
    original = upgrade_first.HTTP_PROTOCOL

    def counting(**kwargs: Any) -> Any:
        protocol = original(**kwargs)
        made.append(protocol)
        return protocol

    monkeypatch.setattr(upgrade_first, "HTTP_PROTOCOL", counting)
    return made


async def test_a_phone_joins_without_the_http_parser_and_pages_still_use_it(
    live: LiveServer, http_protocols: list[Any]
) -> None:
    room = await live.create_room()  # an API call: the HTTP protocol
    assert len(http_protocols) == 1
    phone = await Client.join(live, room, "participant")
    await phone.send({"type": "ping", "t": 1})
    assert (await phone.expect("pong"))["t"] == 1
    assert len(http_protocols) == 1  # the phone's connection never made one
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/ws")).status_code == 404  # not an upgrade: as before
    assert len(http_protocols) == 2


async def _held_by_server(live: LiveServer) -> int:
    """How many bytes of a request head the server holds, waiting for the rest."""

    async def read() -> int:
        assert live.server is not None
        heads = [
            len(c.head)
            for c in list(live.server.server_state.connections)
            if isinstance(c, upgrade_first.UpgradeFirst)
        ]
        return max(heads, default=-1)

    return int(await live.acall(read()))


async def _raw_handshake(live: LiveServer, pieces: list[bytes]) -> tuple[bytes, Any, Any]:
    """Send a request head in pieces, each read by the server before the next is sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", live.settings.port)
    sent = 0
    for number, piece in enumerate(pieces, 1):
        writer.write(piece)
        await writer.drain()
        sent += len(piece)
        if number < len(pieces):
            for _ in range(500):
                if await _held_by_server(live) == sent:
                    break
            else:
                raise AssertionError("the server did not hold the head's first bytes")
    status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    return status, reader, writer


async def test_a_handshake_in_pieces_with_names_in_any_case_is_accepted(
    live: LiveServer, http_protocols: list[Any]
) -> None:
    room = await live.create_room()
    key = base64.b64encode(secrets.token_bytes(16))
    head = (
        b"GET /ws HTTP/1.1\r\nHOST: 127.0.0.1:%d\r\nUpgrade: websocket\r\nCONNECTION: Upgrade\r\n"
        b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: %s\r\n\r\n"
        % (live.settings.port, key, live.base_url.encode())
    )
    status, reader, writer = await _raw_handshake(live, [head[:3], head[3:40], head[40:]])
    assert status.startswith(b"HTTP/1.1 101")  # the Origin header was read, in capitals
    hello = json.dumps({"type": "hello", "role": "participant", "code": room["code"]}).encode()
    mask = secrets.token_bytes(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(hello))
    writer.write(bytes((0x81, 0x80 | len(hello))) + mask + masked)
    first = await asyncio.wait_for(reader.read(2), 10)
    assert first[0] == 0x81  # a text frame: the welcome
    writer.close()
    assert len(http_protocols) == 1  # only create_room's


async def test_a_bad_handshake_is_refused_and_the_server_carries_on(live: LiveServer) -> None:
    status, _, writer = await _raw_handshake(
        live, [b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"]
    )
    assert status.startswith(b"HTTP/1.1 400")  # websockets' own check: no key, no version
    writer.close()
    room = await live.create_room()
    async with websockets.connect(live.ws_url, origin=live.base_url) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "hello", "role": "participant", "code": room["code"]}))
        assert json.loads(await ws.recv())["type"] == "welcome"
