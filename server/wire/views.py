"""The views each role renders (View and its sections): what snapshots and updates carry.
Message types themselves live in server/wire/protocol.py."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.domain.activities import Track
from server.domain.results import Results
from server.domain.trends import Trend


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoomView(Section):
    code: str
    epoch: str
    k: int
    locked: bool
    tracks: bool = Field(description="Participants may say which side they are on.")
    split: bool = Field(description="Results are shown per track.")
    join_url: str
    qr_svg: str | None = Field(default=None, description="Display and facilitator only.")
    cap: int | None = Field(default=None, description="Facilitator only.")
    facilitator_away: bool = Field(
        default=False, description="No facilitator console is connected: screens say so."
    )
    cofacilitator: bool = Field(
        default=False, description="Facilitator only: a co-facilitator link was made."
    )


class ActivityView(Section):
    id: str
    status: Literal["open", "closed", "revealed"]
    definition: dict[str, Any] = Field(
        description="The activity as defined; facilitator_notes only for the facilitator."
    )
    paper: dict[str, int] | None = Field(
        default=None, description="Facilitator only: the cells tallied from paper answers."
    )
    withheld_texts: bool = Field(
        default=False,
        description="Facilitator only: closed with fewer than k written answers, so none is in "
        "the queue (none could be released, and a lone text could point to its writer).",
    )


class TimerView(Section):
    running: bool
    duration_ms: int
    deadline_ms: int | None = Field(description="Server clock; set while running.")
    remaining_ms: int = Field(description="Remaining when paused or stopped.")


class QueueItem(Section):
    id: str
    text: str
    state: Literal["pending", "approved", "hidden"]
    released: bool = Field(
        default=False, description="Released to the display: it can no longer be moderated."
    )


class ScreenView(Section):
    blank: bool = Field(description="Blank: the display is sent no content at all.")
    note_guard: bool = Field(
        default=False, description="A content note stands in front of the text on the display."
    )
    page: int = Field(default=0, description="The page of released answers on the display.")
    turn_seconds: int | None = Field(
        default=None, description="Pages turn by themselves every so many seconds."
    )
    turn_from_ms: int | None = Field(
        default=None, description="Server time the turning started from (at `page`)."
    )


class SetAsideView(Section):
    id: str
    kind: str
    title: str
    titles: dict[str, str] = Field(
        default_factory=dict,
        description="The title in the plan's other languages, by tag: each console names it in "
        "its own (\"Back to\").",
    )


class SupportCardView(Section):
    """The room's support card in every language it was given in."""

    text: str = Field(description="In its first language (empty: no card).")
    lang: str | None = Field(description="The language `text` is in, when known.")
    translations: dict[str, str] = Field(description="Language tag -> the card in it.")


class View(Section):
    """The state a role renders. Updates carry only the top-level sections that changed."""

    room: RoomView
    activity: ActivityView | None
    timer: TimerView | None
    results: Results | None = Field(description="Only once revealed, thresholded by k.")
    texts: list[str] = Field(description="Released open text: a shuffled batch, no times.")
    screen: ScreenView | None = Field(description="Display and facilitator only.")
    queue: list[QueueItem] | None = Field(default=None, description="Facilitator only.")
    history: list[dict[str, Any]] | None = Field(
        default=None, description="Facilitator only: revealed results this session."
    )
    trend: Trend | None = Field(
        default=None,
        description="Display and facilitator: a series from past summaries, thresholded by k.",
    )
    support_card: SupportCardView | None = Field(
        default=None,
        description="Phones and facilitators: local help, shown on request; each phone shows "
        "its own language's text, else the first.",
    )
    set_aside: SetAsideView | None = Field(
        default=None, description="Facilitator only: the activity an interruption set aside."
    )
    runsheet: dict[str, Any] | None = Field(
        default=None, description="Facilitator only: the plan being run and its current step."
    )


class You(Section):
    """Per-participant facts, only in that participant's snapshot."""

    answered: bool = Field(description="This phone's answer to the live activity is stored.")
    track: Track | None
    pause: bool = Field(
        default=False, description="This phone's pause request is on (the room counts it)."
    )
    word: bool = Field(
        default=False, description="This phone asked for a word afterwards (not taken back)."
    )
