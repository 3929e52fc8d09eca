"""Strict parsing on the wire: a value of the wrong JSON type is refused with an error frame,
never converted, and no number may be infinite or NaN. One case per kind of field, over a real
socket; the socket stays open and the room carries on."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.support import Client, LiveServer

# The socket suite runs on both transports (tests/conftest.py both_paths).
pytestmark = pytest.mark.usefixtures("both_paths")

POLL = {"kind": "poll", "text": "Which?", "options": ["A", "B", "C"]}


def answer(aid: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "answer",
        "id": 7,
        "activity": aid,
        "ballot": secrets.token_urlsafe(16),
        "value": value,
        **extra,
    }


# (role, a message with one field of the wrong type, the field the error must name)
CASES: list[tuple[str, str, str]] = [
    # integers: a string, a bool, a float that happens to be whole
    (
        "participant",
        '{"type":"answer","id":"1","activity":"@AID@","ballot":"@BALLOT@",'
        '"value":{"kind":"choice","option":0}}',
        "id",
    ),
    (
        "participant",
        '{"type":"answer","id":1,"activity":"@AID@","ballot":"@BALLOT@",'
        '"value":{"kind":"choice","option":true}}',
        "value.option",
    ),
    (
        "participant",
        '{"type":"answer","id":1,"activity":"@AID@","ballot":"@BALLOT@",'
        '"value":{"kind":"choice","option":1.0}}',
        "value.option",
    ),
    (
        "participant",
        '{"type":"answer","id":1,"activity":"@AID@","ballot":"@BALLOT@",'
        '"value":{"kind":"choices","options":["0"]}}',
        "value.options.0",
    ),
    # strings: a number where text belongs
    (
        "participant",
        '{"type":"answer","id":1,"activity":5,"ballot":"@BALLOT@",'
        '"value":{"kind":"choice","option":0}}',
        "activity",
    ),
    # booleans: words for yes and no
    ("participant", '{"type":"pause","on":"yes"}', "on"),
    ("participant", '{"type":"pause","on":1}', "on"),
    # numbers that are not finite, and a number given as text
    ("participant", '{"type":"ping","t":1e999}', "t"),
    ("participant", '{"type":"ping","t":-1e999}', "t"),
    ("participant", '{"type":"ping","t":NaN}', "t"),
    ("participant", '{"type":"ping","t":"12"}', "t"),
    # lists and objects of the wrong shape
    (
        "participant",
        '{"type":"answer","id":1,"activity":"@AID@","ballot":"@BALLOT@",'
        '"value":{"kind":"words","words":"calm"}}',
        "value.words",
    ),
    ("facilitator", '{"type":"configure","id":1,"k":"5"}', "k"),
    ("facilitator", '{"type":"configure","id":1,"locked":"false"}', "locked"),
    ("facilitator", '{"type":"timer","id":1,"action":"extend","seconds":60.5}', "seconds"),
    ("facilitator", '{"type":"screen","id":1,"blank":0}', "blank"),
]


@pytest.mark.parametrize(("role", "raw", "field"), CASES)
async def test_a_wrong_json_type_is_refused_not_converted(
    live: LiveServer, role: str, raw: str, field: str
) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant")
    await facilitator.command({"type": "open", "activity": POLL})
    aid = (await phone.until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    sender = phone if role == "participant" else facilitator
    ballot = secrets.token_urlsafe(16)
    await sender.ws.send(raw.replace("@AID@", aid).replace("@BALLOT@", ballot))
    error = await sender.expect("error")
    assert error["code"] == "invalid", error
    assert error["message"].startswith(f"{field}:"), error["message"]
    # nothing was stored or changed, and the socket carries on
    assert await live.acall(live.service.store.answered(room["code"], aid)) == 0
    assert (await phone.command(answer(aid, {"kind": "choice", "option": 1})))["type"] == "ack"
    state = await live.acall(live.service.load(room["code"]))
    assert state.k == 3 and not state.locked
