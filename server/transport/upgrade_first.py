"""uvicorn's HTTP protocol class for Hearth: a phone's WebSocket handshake skips the HTTP parser.

Every phone's connection starts with one request, `GET /ws` with `Upgrade: websocket`. uvicorn
parsed it with httptools, built an HTTP protocol object, then rebuilt the request's bytes for
its WebSocket protocol, which parses them again: a tenth of a join's cost. Here the request's
head is read first; when it is a WebSocket upgrade to /ws it goes, as received, straight to the
WebSocket protocol, whose parser (websockets') checks the whole handshake as it did before and
answers a bad one with 400. Anything else (the pages, the API, a malformed request, an upgrade
elsewhere) goes, with the bytes read so far, to uvicorn's own HTTP protocol, unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.auto import AutoHTTPProtocol

HTTP_PROTOCOL: Any = AutoHTTPProtocol  # httptools' protocol (h11's without it), as uvicorn picks
WS_REQUEST = b"GET /ws"
MAX_HEAD = 16 * 1024  # larger heads go to the HTTP parser, which has its own limits


def is_websocket_upgrade(head: bytes) -> bool:
    """A request head (up to its blank line) for /ws that asks for a WebSocket, by uvicorn's own
    test: Connection names upgrade and Upgrade is websocket."""
    request_line, *lines = head.split(b"\r\n")
    target = request_line[len(WS_REQUEST) :]
    if not (
        request_line.startswith(WS_REQUEST)
        and target[:1] in (b" ", b"?")
        and request_line.endswith(b" HTTP/1.1")
    ):
        return False
    connection: list[bytes] = []
    upgrade = None
    for line in lines:
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"connection":
            connection = [token.lower().strip() for token in value.split(b",")]
        elif name == b"upgrade":
            upgrade = value.strip().lower()
    return upgrade == b"websocket" and b"upgrade" in connection


def lower_names(received: bytes, end: int) -> bytes:
    """The head with its header names in lower case, as ASGI has them (uvicorn's HTTP protocol
    lowercased them before handing a request over; its WebSocket protocol relies on that)."""
    lines = received[:end].split(b"\r\n")
    for i in range(1, len(lines)):
        name, colon, value = lines[i].partition(b":")
        lines[i] = name.lower() + colon + value
    return b"\r\n".join(lines) + received[end:]


class UpgradeFirst(asyncio.Protocol):
    def __init__(
        self, config: Any, server_state: Any, app_state: dict[str, Any], _loop: Any = None
    ) -> None:
        self.config = config
        self.server_state = server_state
        self.app_state = app_state
        self.loop = _loop
        self.transport: asyncio.Transport | None = None
        self.head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.server_state.connections.add(self)  # a shutdown closes it like any connection

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        head = self.head + data if self.head else data
        end = head.find(b"\r\n\r\n")
        maybe_ws = head.startswith(WS_REQUEST) or WS_REQUEST.startswith(head)
        if end < 0 and maybe_ws and len(head) < MAX_HEAD:
            self.head = head  # the rest of the head is on its way
            return
        self.head = b""
        ws_protocol = self.config.ws_protocol_class
        if end >= 0 and ws_protocol is not None and is_websocket_upgrade(head[:end]):
            protocol: asyncio.Protocol = ws_protocol(
                config=self.config, server_state=self.server_state, app_state=self.app_state
            )
            head = lower_names(head, end)
        else:
            protocol = HTTP_PROTOCOL(
                config=self.config,
                server_state=self.server_state,
                app_state=self.app_state,
                _loop=self.loop,
            )
        self.hand_over(protocol, head)

    def hand_over(self, protocol: asyncio.Protocol, received: bytes) -> None:
        assert self.transport is not None
        self.server_state.connections.discard(self)
        protocol.connection_made(self.transport)
        self.transport.set_protocol(protocol)
        protocol.data_received(received)

    def eof_received(self) -> bool | None:
        return None  # nothing was asked yet: the transport closes

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: nothing was asked yet, so nothing to finish."""
        if self.transport is not None:
            self.transport.close()
