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

from pydantic import Field, model_validator

from server.domain.activities import ActivityKind
from server.domain.disclosure import small
from server.domain.models import Document
from server.domain.results import MAX_K, MIN_K, Band, Cell, Result, Results, clamp_k

MAX_SUMMARY_BYTES = 512 * 1024
MAX_POINTS = 26  # half a year of weekly sessions; keeps a trend command well under 16 KiB
COUNTED = frozenset({"poll", "scale", "checkin"})  # fixed labels, so weeks line up
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


class TrendPoint(Document):
    """One session's result, compact: counts in the order of the series' labels."""

    date: dt.date
    label: Annotated[str, Field(max_length=60)] = Field(default="", description="e.g. 'Week 3'.")
    shown: bool = Field(description="False: fewer than k answered; no counts at all.")
    answered: int | None = Field(default=None, ge=0, description="Withheld when any count is.")
    counts: list[int | None] = Field(
        default_factory=list,
        max_length=12,
        description="null: not shown (all or none); [] when not shown.",
    )
    mean: float | None = Field(default=None, description="Scales, only when nothing is withheld.")
    style: Literal["counts", "words", "leaning", "bands"] = Field(
        default="counts", description="How it was shown that week; only counts carry numbers."
    )


class Trend(Document):
    """One activity's results over several sessions, for the display."""

    title: Annotated[str, Field(max_length=120)] = ""
    text: Annotated[str, Field(max_length=2000)] = ""
    kind: Literal["poll", "scale", "checkin"]
    track: Literal["hurt", "caused", "unsaid"] | None = Field(
        default=None, description="A per-track series when results were split."
    )
    k: int = Field(
        default=MIN_K, ge=MIN_K, le=MAX_K, description="The threshold the counts were held to."
    )
    labels: list[Label] = Field(min_length=2, max_length=12)
    points: list[TrendPoint] = Field(min_length=1, max_length=MAX_POINTS)

    @model_validator(mode="after")
    def _counts_fit_labels(self) -> Trend:
        for point in self.points:
            if point.shown and len(point.counts) != len(self.labels):
                raise ValueError("each shown point needs one count per label")
        return self


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
        merged: list[Band] = []
        for band in result.bands:
            if merged and merged[-1].count < k:
                last = merged.pop()
                band = Band(low=last.low, high=band.high, count=last.count + band.count)
            merged.append(band)
        if len(merged) > 1 and merged[-1].count < k:
            last = merged.pop()
            merged[-1] = Band(
                low=merged[-1].low, high=last.high, count=merged[-1].count + last.count
            )
        update["bands"] = merged
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


def _point_threshold(point: TrendPoint, k: int) -> TrendPoint:
    if not point.shown or (point.answered is not None and point.answered < k):
        return TrendPoint(date=point.date, label=point.label, shown=False)
    counts: list[int | None] = [None if c is None or 0 < c < k else c for c in point.counts]
    if any(c is None for c in counts):
        counts = [None] * len(counts)  # all or none, as on the night (docs/results.md)
    withheld = any(c is None for c in counts)
    return TrendPoint(
        date=point.date,
        label=point.label,
        shown=True,
        answered=point.answered,
        counts=counts,
        mean=None if withheld else point.mean,
        style=point.style,
    )


def rethreshold_trend(trend: Trend, k: int) -> Trend:
    """The series held to max(its k, k): what the display may show."""
    k = max(clamp_k(k), trend.k)
    points = [_point_threshold(point, k) for point in trend.points]
    return trend.model_copy(update={"k": k, "points": points})


def _point(date: dt.date, label: str, result: Result, labels: list[str]) -> TrendPoint:
    if not result.shown:
        return TrendPoint(date=date, label=label, shown=False)
    if result.style != "counts":
        counts: list[int | None] = [None] * len(labels)  # words, orders, bands: no numbers
    elif [c.label for c in result.cells] == labels:
        counts = [c.count for c in result.cells]
    else:  # cells that do not match the labels: line up by name; unknown reads "fewer than k"
        by_label = {c.label: c.count for c in result.cells}
        counts = [by_label.get(name) for name in labels]
    return TrendPoint(
        date=date,
        label=label,
        shown=True,
        answered=result.answered,
        counts=counts,
        mean=result.mean,
        style=result.style,
    )


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


def filename(summary: Summary) -> str:
    return f"hearth-summary-{summary.date.isoformat()}.json"


def trends(summaries: list[Summary], k: int = 3) -> list[Trend]:
    """Every series the summaries allow: one per counted activity (same kind, wording and
    labels), and one per track when results were split; points in date order, each held to
    max(k, the k of its file)."""
    Key = tuple[str, str, tuple[str, ...], str | None]
    series: dict[Key, list[TrendPoint]] = {}
    titles: dict[Key, str] = {}
    limits: dict[Key, int] = {}
    k = clamp_k(k)
    for summary in sorted(summaries, key=lambda s: s.date):
        for entry in summary.entries:
            if entry.results is None or entry.kind not in COUNTED or len(entry.labels) < 2:
                continue
            parts: list[tuple[str | None, Result]] = []
            if entry.results.overall is not None:
                parts.append((None, entry.results.overall))
            parts += list((entry.results.by_track or {}).items())
            for track, result in parts:
                key: Key = (entry.kind, entry.text, tuple(entry.labels), track)
                titles.setdefault(key, entry.title)
                limit = max(k, summary.k)
                limits[key] = max(limits.get(key, k), limit)
                point = _point(summary.date, summary.title[:60], result, entry.labels)
                series.setdefault(key, []).append(_point_threshold(point, limit))
    return [
        Trend(
            title=titles[key],
            text=key[1],
            kind=key[0],
            track=key[3],
            k=limits[key],
            labels=list(key[2]),
            points=points[-MAX_POINTS:],
        )
        for key, points in series.items()
    ]
