"""The wire protocol: every message type is reached from here (the facilitator's commands are
defined in server/wire/commands.py, the shared base in server/wire/message.py).

Client-to-server and server-to-client messages are pydantic models joined in two discriminated
unions on "type", each validated by one TypeAdapter. docs/protocol.md is generated from here
(`python -m server.wire.protocol_doc`) and a test fails when the two disagree.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

import orjson
from pydantic import Field, TypeAdapter

from server.domain.activities import AnswerValue, Track
from server.domain.results import Results
from server.domain.summary import Summary
from server.i18n import Lang
from server.wire.commands import *  # noqa: F403  (the facilitator's commands are part of the protocol)
from server.wire.commands import (
    FACILITATOR_COMMANDS,
    End,
    FacilitatorCommand,
    RunSheetPart,
    SummaryRequest,
)
from server.wire.message import Message as Message
from server.wire.message import RequestId as RequestId
from server.wire.message import Role as Role
from server.wire.message import Secret as Secret
from server.wire.views import (
    View,
    You,
)

# -- client to server ------------------------------------------------------------------------


class Hello(Message):
    """First message on every socket: who is connecting, with the credential for that role."""

    type: Literal["hello"]
    role: Role
    code: Annotated[str, Field(min_length=1, max_length=12, description="The room's join code.")]
    credential: Secret | None = Field(
        default=None, description="Facilitator or display credential; a participant's token."
    )
    epoch: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="The room epoch the client last saw, to notice a lost room."
    )
    lang: Lang | None = Field(
        default=None, description="The screen's language, for error frames; never stored."
    )


class Sync(Message):
    """Ask for a full snapshot (after a version gap)."""

    type: Literal["sync"]
    lang: Lang | None = Field(
        default=None, description="Change the language of this socket's error frames."
    )


class Ping(Message):
    """Clock sync: answered with pong carrying the server's time."""

    type: Literal["ping"]
    t: float = Field(description="The client's clock, echoed back in pong.")


class Answer(Message):
    """A participant's answer; resent with the same ballot until acknowledged, counted once."""

    type: Literal["answer"]
    id: RequestId
    activity: Annotated[str, Field(max_length=16, description="The live activity's id.")]
    ballot: Secret = Field(description="Random per activity, made on the phone; lets it change.")
    value: AnswerValue


class PauseSignal(Message):
    """'I need a pause', anonymous and withdrawable; only the facilitator sees a count."""

    type: Literal["pause"]
    on: bool = Field(description="True to signal, false to withdraw.")


class WordSignal(Message):
    """'I'd like a word afterwards', anonymous and withdrawable; facilitators see a count."""

    type: Literal["word"]
    on: bool = Field(description="True to ask, false to take it back.")


class ChooseTrack(Message):
    """Optionally say which side of the betrayal one is on."""

    type: Literal["track"]
    track: Track


class Leave(Message):
    """The participant leaves: their token is forgotten by the room, and their answer to the
    activity still taking answers, found by its ballot, is taken back."""

    type: Literal["leave"]
    activity: Annotated[
        str | None, Field(max_length=16, description="The live activity, if answered.")
    ] = None
    ballot: Secret | None = Field(
        default=None, description="The ballot of this phone's answer to it, to take back."
    )


ParticipantMessage = Answer | PauseSignal | WordSignal | ChooseTrack | Leave


ClientMessage = Annotated[
    Hello
    | Sync
    | Ping
    | Answer
    | PauseSignal
    | WordSignal
    | ChooseTrack
    | Leave
    | FacilitatorCommand  # a union: flattened into this one
    | SummaryRequest
    | RunSheetPart
    | End,
    Field(discriminator="type"),
]
client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)

# The service's, not the domain's (a run-sheet's parts are put together by the endpoint).
FACILITATOR_REQUESTS = frozenset({"summary", "end", "runsheet_part"})
FACILITATOR_TYPES = (
    frozenset(get_args(m.model_fields["type"].annotation)[0] for m in FACILITATOR_COMMANDS)
    | FACILITATOR_REQUESTS
)
PARTICIPANT_TYPES = frozenset(
    get_args(m.model_fields["type"].annotation)[0] for m in get_args(ParticipantMessage)
)
# What a co-facilitator may do: see everything the facilitator sees, push grounding, bring the
# set-aside activity back, work the queue and the timer. Not: end, change k or the room.
COFACILITATOR_TYPES = frozenset(
    {
        "grounding_now",
        "resume",
        "moderate",
        "release",
        "pages",
        "timer",
        "summary",
    }
)
ANY_ROLE_TYPES = frozenset({"sync", "ping"})


def may_send(role: str, kind: str) -> bool:
    """Whether a screen in `role` may send a facilitator message of type `kind`."""
    return role == "facilitator" or (role == "cofacilitator" and kind in COFACILITATOR_TYPES)


# -- server to client ------------------------------------------------------------------------


class Welcome(Message):
    type: Literal["welcome"] = "welcome"
    role: Role
    token: str | None = Field(default=None, description="A new participant's token; keep it.")
    max_bytes: int | None = Field(
        default=None,
        description="The largest message (UTF-8 bytes) this socket takes: a larger one closes "
        "it (1009), so a screen checks first; a console sends a larger run-sheet in parts.",
    )


class Snapshot(Message):
    """The full view for the socket's role: on connect, on reconnect and on sync."""

    type: Literal["snapshot"] = "snapshot"
    version: int = Field(description="Version of this view; the next update's base.")
    now: int = Field(description="Server time, ms since the epoch, for timers.")
    view: View
    you: You | None = None


class Update(Message):
    """A change to the role's view, broadcast to every socket of that role."""

    type: Literal["update"] = "update"
    version: int = Field(description="The room version after this change.")
    base: int = Field(description="Apply only on top of this version; otherwise send sync.")
    now: int = Field(description="Server time, ms since the epoch, for timers.")
    changes: dict[str, Any] = Field(description="Top-level View sections that changed.")


class Progress(Message):
    """Facilitators only, at most ten a second: counts, never who."""

    type: Literal["progress"] = "progress"
    connected: int
    activity: str | None = Field(default=None, description="The live activity counted here.")
    answered: int = Field(description="Phones that answered or passed the live activity.")
    passed: int | None = Field(
        default=None,
        description="Once the activity is closed (and after its reveal), and results are not "
        "split by side: how many passed (answered minus passed is the number of answers).",
    )
    joined: int = Field(
        default=0,
        description="Phones that joined and have not left, connected or not: what the room's "
        "cap counts.",
    )
    pauses: int = Field(
        description="Phones asking for a pause: each counts until it takes the request back or "
        "leaves."
    )
    words: int = Field(default=0, description="'A word afterwards' signals not taken back.")
    cofacilitators: int = Field(default=0, description="Co-facilitator consoles connected.")
    displays: int = Field(default=0, description="Display screens connected.")
    preview: Results | None = Field(
        description="Once the activity is closed: the results a reveal will show, drawn by the "
        "same rule as every screen. Nothing while answers are still coming in."
    )


class Ack(Message):
    type: Literal["ack"] = "ack"
    id: int
    detail: str = ""


_ACKED = {"stored": '"stored"', "": '""'}  # what an answer's ack says, encoded once


def ack_json(request_id: int, detail: str = "") -> str:
    """`Ack(id=request_id, detail=detail).model_dump_json()` without building the model: every
    answer is acknowledged, and the model cost a tenth of an answer's Python
    (tests/test_hub.py checks the two are the same text)."""
    said = _ACKED.get(detail) or json.dumps(detail, ensure_ascii=False)
    return f'{{"type":"ack","id":{int(request_id)},"detail":{said}}}'


def update_json(version: int, base: int, now: int, changes: dict[str, Any]) -> str:
    """`Update(...).model_dump_json()` without building the model: one per role and commit,
    before the first phone hears of it, where the model cost 3 us (the changes are views in
    JSON mode already; tests/test_hub.py checks the two are the same text)."""
    body = orjson.dumps(changes).decode()
    return f'{{"type":"update","version":{version},"base":{base},"now":{now},"changes":{body}}}'


class ErrorFrame(Message):
    type: Literal["error"] = "error"
    code: str
    message: str
    id: int | None = None


class Pong(Message):
    type: Literal["pong"] = "pong"
    t: float
    now: int


class Receipt(Message):
    deleted: int = Field(description="Keys deleted.")
    remaining: int = Field(description="Keys of the room a fresh scan still found (0).")
    scanned_at: int


class Ended(Message):
    type: Literal["ended"] = "ended"
    reason: Literal["ended", "expired", "lost", "abandoned"] = Field(
        description="abandoned: no facilitator came back within facilitator_grace_seconds."
    )
    receipt: Receipt | None = Field(default=None, description="Facilitator only.")


class SummaryFile(Message):
    """This session's summary, for the facilitator to save: aggregate, thresholded results and
    released text only; no tokens, ids or times finer than the date."""

    type: Literal["summary"] = "summary"
    id: int
    filename: str = Field(description="Suggested file name, e.g. hearth-summary-2026-11-21.json.")
    summary: Summary = Field(description="The file's content; format in docs/plan-format.md.")


class Reconnect(Message):
    """The server is going away; reconnect (to another process) with the same credentials."""

    type: Literal["reconnect"] = "reconnect"
    after_ms: int = 0


ServerMessage = Annotated[
    Welcome
    | Snapshot
    | Update
    | Progress
    | Ack
    | ErrorFrame
    | Pong
    | Ended
    | SummaryFile
    | Reconnect,
    Field(discriminator="type"),
]
server_adapter: TypeAdapter[Any] = TypeAdapter(ServerMessage)

CLIENT_TYPES = tuple(sorted(client_adapter.json_schema()["discriminator"]["mapping"]))
SERVER_TYPES = tuple(sorted(server_adapter.json_schema()["discriminator"]["mapping"]))


def encode(message: Message) -> bytes:
    return message.model_dump_json(exclude_none=False).encode()
