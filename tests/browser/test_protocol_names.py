"""The JavaScript client's message type names are the server's (server/wire/protocol.py)."""

from __future__ import annotations

import re
from pathlib import Path

from server.wire.protocol import CLIENT_TYPES, SERVER_TYPES

SOURCE = Path(__file__).resolve().parents[2] / "shared" / "static" / "protocol.js"


def names(constant: str) -> tuple[str, ...]:
    text = SOURCE.read_text()
    match = re.search(rf"export const {constant} = Object\.freeze\(\[(.*?)\]\)", text, re.S)
    assert match, f"{constant} not found in {SOURCE}"
    return tuple(sorted(re.findall(r'"([a-z_]+)"', match.group(1))))


def test_client_types_match_the_server() -> None:
    assert names("CLIENT_TYPES") == tuple(sorted(CLIENT_TYPES))


def test_server_types_match_the_server() -> None:
    assert names("SERVER_TYPES") == tuple(sorted(SERVER_TYPES))
