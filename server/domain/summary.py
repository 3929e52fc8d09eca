"""Progress across weeks without server memory.

At the end of a session the facilitator downloads a summary file: the revealed, thresholded
results and the released open text, dated to the day, with no tokens, ids or times. The file
lives on the facilitator's device. Next week the console sends past summaries back to be turned
into trend series (`POST /api/summaries/trends`, nothing kept), and a chosen series is shown on
the display with the `trend` command. Every count is thresholded again on the way in and out, so
neither an edited file nor a later, larger k lets a small number through.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Protocol

from pydantic import Field

from server.domain.activities import ActivityKind
from server.domain.disclosure import small
from server.domain.models import Document
from server.domain.results import (
    MAX_K,
    MIN_K,
    Band,
    Cell,
    Result,
    Results,
    clamp_k,
)

MAX_SUMMARY_BYTES = 512 * 1024
Label = Annotated[str, Field(max_length=120)]


class SummaryEntry(Document):
    kind: ActivityKind
    title: Annotated[str, Field(max_length=120)] = ""
    text: Annotated[str, Field(max_length=2000)] = ""
    theme: Annotated[str, Field(max_length=60)] = ""
    labels: list[Label] = Field(
        default_factory=list, max_length=12, description="Options, or 1..points for a scale."
    )
    results: Results | None = Field(default=None, description="Thresholded; None if not revealed.")
    texts: list[Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=list, max_length=500, description="Released open text only, shuffled."
    )
    by_hand: bool = Field(
        default=False, description="Some answers were tallied from paper by the facilitator."
    )


class Summary(Document):
    format: Literal["hearth-summary"] = "hearth-summary"
    version: int = Field(default=1, ge=1, le=1)
    date: dt.date = Field(description="The day of the session; no finer time is kept.")
    title: Annotated[str, Field(max_length=120)] = ""
    k: int = Field(ge=MIN_K, le=MAX_K)
    entries: list[SummaryEntry] = Field(default_factory=list, max_length=200)


# -- thresholds, again ------------------------------------------------------------------------


def rethreshold(result: Result, k: int) -> Result:
    """The same result under max(its k, k), by the rules of its style (docs/results.md): exact
    counts stay only while none is 1..k-1; bands merge until each holds k; words and orders,
    which were chosen for the smaller k, are withheld; a scale's lean does not depend on k."""
    k = max(clamp_k(k), clamp_k(result.k))
    answered = result.answered
    if not result.shown or answered is None or answered < k:
        return Result(kind=result.kind, k=k, shown=False)
    update: dict[str, Any] = {"k": k}
    if result.kind == "words":
        cells = []
        hidden = result.hidden_words
        for cell in result.cells:
            # a word shown without its count was given by at least the old k, which says
            # nothing about the new one: it goes the way a word given by too few does
            unknown = cell.count is None and result.k < k
            if unknown or (cell.count is not None and cell.count < k):
                hidden = True
                continue
            exact = cell.count is not None and not small(answered - cell.count, k)
            cells.append(
                Cell(label=cell.label, count=cell.count if exact else None, withheld=not exact)
            )
        update.update(cells=cells, hidden_words=hidden)
    elif result.style == "counts":
        counts = [c.count for c in result.cells]
        if any(c is None or small(c, k) or small(answered - c, k) for c in counts):
            update.update(
                cells=[Cell(label=c.label, withheld=True) for c in result.cells], mean=None
            )
    elif result.style == "bands":
        update["bands"] = merged_bands(result.bands, k)
    elif result.k < k and result.style == "words":
        update["cells"] = [Cell(label=c.label, withheld=True) for c in result.cells]
    elif result.k < k and result.lean is None:
        update.update(cells=[Cell(label=c.label) for c in result.cells], order="none")
    return result.model_copy(update=update)


def rethreshold_results(results: Results, k: int) -> Results:
    return Results(
        overall=rethreshold(results.overall, k) if results.overall is not None else None,
        by_track=(
            {t: rethreshold(r, k) for t, r in results.by_track.items()}
            if results.by_track is not None
            else None
        ),
    )


def merged_bands(bands: list[Band], k: int) -> list[Band]:
    """Neighbouring bands joined, from the low end, until each holds k; a last band short of k
    joins the one before (styles.bands, again)."""
    merged: list[Band] = []
    for band in bands:
        if merged and merged[-1].count < k:
            last = merged.pop()
            band = Band(low=last.low, high=band.high, count=last.count + band.count)
        merged.append(band)
    if len(merged) > 1 and merged[-1].count < k:
        last = merged.pop()
        merged[-1] = Band(low=merged[-1].low, high=last.high, count=merged[-1].count + last.count)
    return merged


# -- building ---------------------------------------------------------------------------------


class Summarised(Protocol):
    """What a summary is made from: a room's record of what it showed (server/domain/rooms.py's
    RoomState), named here so this module does not depend on the room domain."""

    @property
    def history(self) -> list[dict[str, object]]: ...
    @property
    def k(self) -> int: ...
    @property
    def created_on(self) -> str: ...


def build_summary(state: Summarised, title: str = "") -> Summary:
    """The summary of a live room: what was revealed or released, nothing else."""
    entries = []
    for item in state.history:
        raw: dict[str, Any] = dict(item)
        results = raw.get("results")
        entries.append(
            SummaryEntry(
                kind=raw["kind"],
                title=raw.get("title", ""),
                text=raw.get("text", ""),
                theme=raw.get("theme", ""),
                labels=list(raw.get("labels", [])),
                results=(
                    rethreshold_results(Results.model_validate(results), state.k)
                    if results is not None
                    else None
                ),
                texts=list(raw.get("texts", [])),
                by_hand=bool(raw.get("by_hand", False)),
            )
        )
    return Summary(
        date=dt.date.fromisoformat(state.created_on), title=title, k=state.k, entries=entries
    )


def slug(text: str, limit: int = 40) -> str:
    """Letters and digits of any script, lower case, everything else one hyphen: a label that is
    safe in a file name ("Week 3 — evening" is "week-3-evening")."""
    words = "".join(c if c.isalnum() else " " for c in text.casefold()).split()
    return "-".join(words)[:limit].strip("-")


def filename(summary: Summary) -> str:
    """The day and the label's slug, so two sessions on one day do not share a name."""
    label = slug(summary.title)
    return f"hearth-summary-{summary.date.isoformat()}{'-' + label if label else ''}.json"
