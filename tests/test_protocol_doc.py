"""docs/protocol.md is generated from server/wire/protocol.py; the JS and the docs read the same names."""

from __future__ import annotations

from server.wire import protocol as p
from server.wire.protocol_doc import DOC_PATH, render


def test_protocol_doc_matches_the_models() -> None:
    assert DOC_PATH.read_text() == render(), (
        "docs/protocol.md is out of date: run `python -m server.wire.protocol_doc`"
    )


def test_every_message_type_is_documented() -> None:
    text = DOC_PATH.read_text()
    for kind in (*p.CLIENT_TYPES, *p.SERVER_TYPES):
        assert f"### `{kind}`" in text


def test_every_client_type_has_a_role() -> None:
    roles = p.FACILITATOR_TYPES | p.PARTICIPANT_TYPES | p.ANY_ROLE_TYPES | {"hello"}
    assert set(p.CLIENT_TYPES) == roles
