"""The wire protocol: every message type, in one place.

Client-to-server and server-to-client messages are pydantic models joined in two discriminated
unions on "type", each validated by one TypeAdapter. docs/protocol.md is generated from here
(`python -m server.protocol_doc`) and a test fails when the two disagree.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import ConfigDict, Field, TypeAdapter

from .activities import Activity, AnswerValue, Track
from .i18n import Lang
from .models import Strict
from .plans import Plan
from .results import MAX_K, MIN_K, Results
from .summary import Summary, Trend
from .view_models import (
    View,
    You,
)

Role = Literal["facilitator", "cofacilitator", "display", "participant"]
RequestId = Annotated[
    int, Field(ge=0, le=2**31, description="Chosen by the client; echoed in the ack or error.")
]
Secret = Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]


class Message(Strict):
    # The strict rules of server/models.py; messages are built field by field as they go out.
    model_config = ConfigDict(frozen=False)


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
    """The participant leaves: their token is forgotten by the room."""

    type: Literal["leave"]


ParticipantMessage = Answer | PauseSignal | WordSignal | ChooseTrack | Leave


class Open(Message):
    """Put an activity live for phones and the display (closes the one before)."""

    type: Literal["open"]
    id: RequestId
    activity: Activity
    interrupt: bool = Field(
        default=False,
        description="Set the live activity aside, answers and timer intact, until `resume`.",
    )


class Resume(Message):
    """Bring back the activity an interruption set aside."""

    type: Literal["resume"]
    id: RequestId


class GroundingNow(Message):
    """Interrupt whatever is live with the room's grounding (the co-facilitator may too)."""

    type: Literal["grounding_now"]
    id: RequestId


class SupportCard(Message):
    """The support card phones can open at any moment and see at the end (never logged)."""

    type: Literal["support"]
    id: RequestId
    text: Annotated[str, Field(max_length=2000)]


class RunSheet(Message):
    """The plan being run and the current step, kept with the room so a console that comes
    back (or a co-facilitator) finds it. Facilitators only; never sent to phones or display."""

    type: Literal["runsheet"]
    id: RequestId
    plan: Plan | None
    index: int = Field(default=-1, ge=-1, le=200)


class Close(Message):
    type: Literal["close"]
    id: RequestId


class Reveal(Message):
    """Close the live activity (if open) and show its thresholded results."""

    type: Literal["reveal"]
    id: RequestId


class Clear(Message):
    """Take the live activity away; screens return to waiting."""

    type: Literal["clear"]
    id: RequestId


class TimerCommand(Message):
    type: Literal["timer"]
    id: RequestId
    action: Literal["start", "pause", "resume", "extend", "stop"]
    seconds: int | None = Field(
        default=None,
        ge=1,
        le=3600,
        description="start: duration (default: the activity's); extend: added (default 60).",
    )


class Screen(Message):
    """Blank the projector, or bring it back."""

    type: Literal["screen"]
    id: RequestId
    blank: bool


class Configure(Message):
    """Room settings the facilitator may change live."""

    type: Literal["configure"]
    id: RequestId
    k: int | None = Field(default=None, ge=MIN_K, le=MAX_K)
    locked: bool | None = None
    cap: int | None = Field(default=None, ge=1, le=10000)
    tracks: bool | None = None
    split: bool | None = None


class Moderate(Message):
    """Approve or hide one open-text answer in the facilitator's queue."""

    type: Literal["moderate"]
    id: RequestId
    item: Annotated[str, Field(max_length=40)]
    action: Literal["approve", "hide", "pending"]


class Release(Message):
    """Release the approved open-text answers as one shuffled batch."""

    type: Literal["release"]
    id: RequestId


class ShowTrend(Message):
    """Show a series from past summaries on the display (null hides it). Counts are thresholded
    again with the room's k; opening an activity hides the trend."""

    type: Literal["trend"]
    id: RequestId
    trend: Trend | None = Field(
        description="A series from POST /api/summaries/trends (docs/plan-format.md); null hides."
    )


class PaperAnswers(Message):
    """Answers tallied from paper, for people without a phone: replaces the live activity's
    paper tally (polls, scales and check-ins, before reveal; not while results are split by
    side). They count toward k and results say that some answers were added by hand."""

    type: Literal["paper"]
    id: RequestId
    activity: Annotated[str, Field(max_length=16, description="The live activity's id.")]
    counts: list[Annotated[int, Field(ge=0, le=1000)]] = Field(
        max_length=12, description="One count per option, or per scale value 1..points."
    )
    sheets: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Multiple-choice polls: how many paper answers; otherwise the counts' sum.",
    )


class SummaryRequest(Message):
    """Ask for this session's summary file (answered by `summary`, not `ack`)."""

    type: Literal["summary"]
    id: RequestId
    title: Annotated[str, Field(max_length=120)] = Field(
        default="", description="A label kept in the file, e.g. 'Week 3'."
    )


class End(Message):
    """End the session: every key of the room is deleted and every socket told."""

    type: Literal["end"]
    id: RequestId


FACILITATOR_COMMANDS = (
    Open,
    Resume,
    GroundingNow,
    SupportCard,
    RunSheet,
    Close,
    Reveal,
    Clear,
    TimerCommand,
    Screen,
    Configure,
    Moderate,
    Release,
    ShowTrend,
    PaperAnswers,
)
FacilitatorCommand = (
    Open
    | Resume
    | GroundingNow
    | SupportCard
    | RunSheet
    | Close
    | Reveal
    | Clear
    | TimerCommand
    | Screen
    | Configure
    | Moderate
    | Release
    | ShowTrend
    | PaperAnswers
)
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
    | End,
    Field(discriminator="type"),
]
client_adapter: TypeAdapter[Any] = TypeAdapter(ClientMessage)

FACILITATOR_REQUESTS = frozenset({"summary", "end"})  # the service's, not the domain's
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
    {"grounding_now", "resume", "moderate", "release", "timer", "runsheet", "summary"}
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
        description="Once the activity is closed, and results are not split by side: how many "
        "passed (answered minus passed is the number of answers).",
    )
    pauses: int = Field(description="Pause signals in the last few minutes.")
    words: int = Field(default=0, description="'A word afterwards' signals not taken back.")
    cofacilitators: int = Field(default=0, description="Co-facilitator consoles connected.")
    preview: Results | None = Field(
        description="Once the activity is closed: the results a reveal will show, drawn by the "
        "same rule as every screen. Nothing while answers are still coming in."
    )


class Ack(Message):
    type: Literal["ack"] = "ack"
    id: int
    detail: str = ""


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
