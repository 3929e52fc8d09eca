"""Promise 1 (docs/promises.md): we never ask for a name. A participant is a random token, kept by the
room only as a digest; nothing in the protocol can carry a name."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from pydantic import BaseModel

from server.domain.activities import TRACKS
from server.domain.codes import digest
from server.store.base import key, side_of
from server.wire import protocol as p
from tests.support import Client, LiveServer

# The socket suite runs on both transports (tests/conftest.py both_paths).
pytestmark = pytest.mark.usefixtures("both_paths")

IDENTIFYING = {"name", "nickname", "email", "phone", "display_name", "username", "initials"}


def fields_of(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_no_client_message_has_a_field_for_who_someone_is() -> None:
    for model in get_args(get_args(p.ClientMessage)[0]):
        assert not fields_of(model) & IDENTIFYING, model.__name__


async def test_a_name_offered_is_refused_and_only_a_digest_is_kept(live: LiveServer) -> None:
    room = await live.create_room()
    offering = await Client.connect(live.ws_url, role="participant", code=room["code"], name="Sam")
    refused = await offering.expect("error")
    assert refused["code"] == "invalid" and "name" in refused["message"]

    phone = await Client.join(live, room, "participant")
    assert phone.token is not None
    people = await live.acall(live.service.store.key_ttls(room["code"]))
    assert key(room["code"], "people") in people
    members = live.service.store
    tag = await live.acall(members.member(room["code"], digest(phone.token)))
    assert tag is not None and re.fullmatch("[0-9a-f]{16}", tag)  # on no side, shaped as a side
    assert side_of(tag, phone.token, TRACKS) == ""
    # the room knows the digest, never the token itself
    doc = await live.acall(members.load(room["code"]))
    assert phone.token.encode() not in doc


async def test_a_screens_language_is_kept_on_its_socket_only(live: LiveServer) -> None:
    """A phone says its language in hello and changes it with sync; a store dump afterwards
    holds no trace of either (no language, no "lang" field), on either store."""
    from tests.test_security_tickets import dump_store

    room = await live.create_room(k=3)
    phone = await Client.connect(live.ws_url, role="participant", code=room["code"], lang="ar")
    await phone.expect("welcome")
    await phone.expect("snapshot")
    await phone.send({"type": "sync", "lang": "de"})
    await phone.expect("snapshot")  # handled: the socket now speaks German
    # this room's keys only: the session-wide Redis holds other tests' rooms (whose activities
    # may carry a content language)
    dump = {k: v for k, v in (await dump_store(live)).items() if room["code"] in k}
    assert dump, "the room is in the store"
    for name, value in dump.items():
        # (the room's own fields may name a content language, e.g. its support card's)
        assert b'"lang"' not in value and b'"ar"' not in value and b'"de"' not in value, name
        assert "lang" not in name, name
