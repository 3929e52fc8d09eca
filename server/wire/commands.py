"""What a facilitator's console may ask of a room: the commands the domain applies
(server/domain/rooms.py), each acknowledged by id. Part of the wire protocol
(server/wire/protocol.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from server.domain.activities import Activity
from server.domain.plans import Plan
from server.domain.results import MAX_K, MIN_K
from server.domain.trends import Trend
from server.domain.wording import CARD_TOTAL, MAX_LANGUAGES, CardText, LangTag
from server.wire.message import Message, RequestId


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
    lang: LangTag | None = Field(
        default=None,
        description="The console's language: the grounding's own words are in it (what the "
        "room keeps and the summary), every other language a translation.",
    )


class CheckInNow(Message):
    """Interrupt whatever is live with the room's quick check-in: how is everyone right now?"""

    type: Literal["checkin_now"]
    id: RequestId
    lang: LangTag | None = Field(
        default=None,
        description="The console's language: the check-in's own words are in it (what the "
        "room keeps and the summary), every other language a translation.",
    )


class SupportCard(Message):
    """The support card phones can open at any moment and see at the end (never logged), in
    its first language and, optionally, others: each phone shows its own language's card, or
    the first one."""

    type: Literal["support"]
    id: RequestId
    text: CardText = Field(description="The card in its first language.")
    lang: LangTag | None = Field(default=None, description="The language `text` is in.")
    translations: dict[LangTag, CardText] = Field(
        default_factory=dict,
        max_length=MAX_LANGUAGES,
        description=f"The card in other languages. All its texts together: at most "
        f"{CARD_TOTAL} characters.",
    )

    @model_validator(mode="after")
    def _fits(self) -> SupportCard:
        total = len(self.text) + sum(len(text) for text in self.translations.values())
        if total > CARD_TOTAL:
            raise ValueError(
                f"the support card holds {total} characters in all its languages together; "
                f"at most {CARD_TOTAL} fit"
            )
        return self


class RunSheet(Message):
    """The plan being run and the current step, kept with the room so a console that comes
    back finds it and a co-facilitator's console can show it (read-only: only the facilitator
    sends it). Never sent to phones or display.
    `plan` left out: only the step moved (the room keeps its plan). Larger than one frame:
    sent as `runsheet_part`s."""

    type: Literal["runsheet"]
    id: RequestId
    plan: Plan | None = Field(
        default=None, description="The plan; null: none; left out: the room's plan, moved on."
    )
    index: int = Field(default=-1, ge=-1, le=200)


# A run-sheet holds as much as the largest plan file (server/domain/plans.py MAX_PLAN_BYTES):
# a console sends one larger than a frame (settings.max_message_bytes) in parts.
MAX_RUNSHEET_BYTES = 256 * 1024
MAX_RUNSHEET_PARTS = 64


class RunSheetPart(Message):
    """One slice of a run-sheet too large for one frame, in order. `text` is a slice of the JSON
    of `{"plan": ..., "index": ...}`; the last part hands the whole to the server, which answers
    it as one `runsheet` with this part's id. Each earlier part is acknowledged."""

    type: Literal["runsheet_part"]
    id: RequestId
    part: int = Field(ge=0, lt=MAX_RUNSHEET_PARTS, description="This slice's place, from 0.")
    parts: int = Field(ge=2, le=MAX_RUNSHEET_PARTS, description="How many slices in all.")
    text: str = Field(description="The slice (never splits a character).")

    @model_validator(mode="after")
    def _in_range(self) -> RunSheetPart:
        if self.part >= self.parts:
            raise ValueError("part must be below parts")
        return self


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


class ShowText(Message):
    """Show on the display the text behind a content note (the display shows only the note
    until then), or put the note back in front of it."""

    type: Literal["show_text"]
    id: RequestId
    shown: bool


class Pages(Message):
    """Which page of released answers the display shows; with turn_seconds, pages turn by
    themselves from that page at that pace."""

    type: Literal["pages"]
    id: RequestId
    page: int = Field(ge=0, le=500)
    turn_seconds: int | None = Field(default=None, ge=5, le=120)


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
    CheckInNow,
    SupportCard,
    RunSheet,
    Close,
    Reveal,
    Clear,
    TimerCommand,
    Screen,
    ShowText,
    Pages,
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
    | CheckInNow
    | SupportCard
    | RunSheet
    | Close
    | Reveal
    | Clear
    | TimerCommand
    | Screen
    | ShowText
    | Pages
    | Configure
    | Moderate
    | Release
    | ShowTrend
    | PaperAnswers
)
