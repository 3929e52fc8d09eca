"""Trends across weeks: one activity's results over several sessions, from summary files, for
the display (server/domain/summary.py makes the files). Each week says what the room was shown
that week, in that week's style, never more, and every week is held again to the series' k (the
rules of summary.rethreshold), so neither an edited file nor a later, larger k lets a small
number or an order chosen for a smaller k through.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, cast, get_args

from pydantic import Field, model_validator

from server.domain.models import Document
from server.domain.results import MAX_K, MIN_K, Band, Cell, Lean, Result, Style, clamp_k
from server.domain.styles import WORDS
from server.domain.summary import Label, Summary, rethreshold

MAX_POINTS = 26  # half a year of weekly sessions; keeps a trend command well under 16 KiB
COUNTED = frozenset({"poll", "scale", "checkin"})  # fixed labels, so weeks line up

# A trend's words and bands are kept short (styles.WORDS's keys; [low, high, count]) so a trend
# command, sent back by the console, stays under the 16 KiB message limit at its largest.
ShareWord = Literal["all", "most", "many", "some", "few", "none"]
BandTriple = tuple[int, int, int]


class TrendPoint(Document):
    """One session's result as the room was shown it that week, in that week's style, compact:
    counts, ranks and words in the order of the series' labels. Nothing more than that week
    showed, held again to the series' k (rethreshold's rules). Fields added after the first
    version have defaults, so trends made before them still load."""

    date: dt.date
    label: Annotated[str, Field(max_length=60)] = Field(default="", description="e.g. 'Week 3'.")
    shown: bool = Field(description="False: fewer than k answered; nothing else is given.")
    answered: int | None = Field(default=None, ge=0, description="Answers, passes not counted.")
    counts: list[int | None] = Field(
        default_factory=list,
        max_length=12,
        description="counts: exact, all or none (null: not shown); null in other styles; "
        "[] when not shown.",
    )
    mean: float | None = Field(default=None, description="Scales, only when nothing is withheld.")
    style: Style = Field(
        default="counts", description="How it was shown that week."
    )
    order: Literal["full", "top", "none"] | None = Field(
        default=None,
        description="leaning polls and check-ins: every option ranked; only the most chosen "
        "(rank 1, the rest 2: 'chosen less'); or no order.",
    )
    ranks: list[int | None] = Field(
        default_factory=list,
        max_length=12,
        description="leaning: each label's place, 1 = chosen most, equal = as often; [] when "
        "no order is given.",
    )
    words: list[ShareWord | None] = Field(
        default_factory=list,
        max_length=12,
        description="words: each label's, as styles.WORDS keys ('few': 'a few of us, or none'); "
        "[] when withheld.",
    )
    lean: Lean | None = Field(default=None, description="leaning, scales: where the room leaned.")
    bands: list[BandTriple] = Field(
        default_factory=list,
        max_length=12,
        description="bands: [low, high, count] from the low end, each count at least k.",
    )
    withheld: Literal["hint", "k"] | None = Field(
        default=None,
        description="Shown, yet nothing described: 'hint', not shown that week either (it could "
        "have hinted at how few chose something); 'k', shown that week for a smaller k than "
        "the series'.",
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
            for field in (point.ranks, point.words):
                if field and len(field) != len(self.labels):
                    raise ValueError("ranks and words need one per label")
        return self


# -- thresholds, again ------------------------------------------------------------------------


def _described(point: TrendPoint) -> bool:
    """Whether a shown point says anything about the options (beyond how many answered)."""
    if point.style == "counts":
        return bool(point.counts) and all(c is not None for c in point.counts)
    if point.style == "words":
        return any(w is not None for w in point.words)
    if point.style == "leaning":
        return point.lean is not None or (point.order in ("full", "top") and bool(point.ranks))
    return bool(point.bands)


def _hidden(point: TrendPoint, reason: Literal["hint", "k"]) -> TrendPoint:
    """A shown point that describes nothing, with its reason (kept if it had one)."""
    return point.model_copy(
        update={
            "counts": [None] * len(point.counts),
            "mean": None,
            "order": "none" if point.style == "leaning" and point.lean is None else None,
            "ranks": [],
            "words": [],
            "withheld": point.withheld or reason,
        }
    )


def _drawn_from(point: TrendPoint, trend: Trend) -> Result:
    """The result a point was made from, as far as the point kept it: held again by
    rethreshold (and _point), a trend needs no rules of its own."""
    if not point.shown:
        return Result(kind=trend.kind, k=trend.k, shown=False)

    def cell(i: int, label: str) -> Cell:
        count = point.counts[i] if i < len(point.counts) else None
        word = point.words[i] if point.words else None
        return Cell(
            label=label,
            count=count,
            rank=point.ranks[i] if point.ranks else None,
            word=WORDS[word] if word else None,
            withheld=(point.style == "counts" and count is None)
            or (point.style == "words" and word is None),
        )

    return Result(
        kind=trend.kind,
        style=point.style,
        k=trend.k,
        shown=True,
        answered=point.answered,
        cells=[cell(i, label) for i, label in enumerate(trend.labels)],
        order=point.order,
        lean=point.lean,
        bands=[Band(low=low, high=high, count=c) for low, high, c in point.bands],
        mean=point.mean,
    )


def rethreshold_trend(trend: Trend, k: int) -> Trend:
    """The series held to max(its k, k): what the display may show. A week marked as withheld
    keeps the reason it was marked with."""
    k = max(clamp_k(k), trend.k)
    points = []
    for point in trend.points:
        held = _point(point.date, point.label, _drawn_from(point, trend), trend.labels, k)
        if held.withheld and point.withheld:
            held = held.model_copy(update={"withheld": point.withheld})
        points.append(held)
    return trend.model_copy(update={"k": k, "points": points})


def _point(date: dt.date, label: str, result: Result, labels: list[str], k: int) -> TrendPoint:
    """What the room was shown of `result` that week, held to the series' k (at least the
    result's own): rethreshold decides, and a description it takes away is marked 'k'."""
    held = rethreshold(result, k)
    if not held.shown:
        return TrendPoint(date=date, label=label, shown=False)
    by_label = {c.label: c for c in held.cells}
    # cells line up with the labels by name; one that is missing reads "not shown"
    cells = [by_label.get(name) for name in labels]
    counted = held.style == "counts"
    point = TrendPoint(
        date=date,
        label=label,
        shown=True,
        answered=held.answered,
        counts=[c.count if counted and c is not None else None for c in cells],
        mean=held.mean,
        style=held.style,
        order=held.order if held.style == "leaning" and held.lean is None else None,
        ranks=[c.rank if c is not None else None for c in cells]
        if held.style == "leaning" and held.order in ("full", "top")
        else [],
        words=[_word(c) for c in cells] if held.style == "words" else [],
        lean=held.lean,
        bands=_triples(held.bands),
    )
    if point.style == "words" and all(w is None for w in point.words):
        point = point.model_copy(update={"words": []})
    if point.style == "leaning" and point.lean is None and not any(point.ranks):
        point = point.model_copy(update={"ranks": [], "order": "none"})
    if _described(point):
        return point
    return _hidden(point, "hint" if held == result.model_copy(update={"k": held.k}) else "k")


def _word(cell: Cell | None) -> ShareWord | None:
    """A cell's share word as its key in styles.WORDS; anything else is not shown."""
    word = cell.word if cell is not None and not cell.withheld else None
    keys = {phrase: key for key, phrase in WORDS.items()}
    key = keys.get(word or "")
    return cast(ShareWord, key) if key in get_args(ShareWord) else None


def _triples(bands: list[Band]) -> list[BandTriple]:
    return [(b.low, b.high, b.count) for b in bands]


def trends(summaries: list[Summary], k: int = 3) -> list[Trend]:
    """Every series the summaries allow: one per counted activity (same kind, wording and
    labels), and one per track when results were split; points in date order. Each series is
    held to one k, the largest of k, its files' and its results' k, and every point to it: a
    week whose k was smaller shows no order or words chosen for that smaller k."""
    Key = tuple[str, str, tuple[str, ...], str | None]
    weeks: dict[Key, list[tuple[Summary, Result, int]]] = {}
    titles: dict[Key, str] = {}
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
                # A result with paper answers carries k plus their number, meant for that week
                # alone (results.py `compute`): it keeps it (rethreshold never lowers a k), and
                # the series is held to the room's k of that week, not to it.
                own_k = summary.k if entry.by_hand else max(summary.k, clamp_k(result.k))
                weeks.setdefault(key, []).append((summary, result, own_k))
    out = []
    for key, found in weeks.items():
        kept = found[-MAX_POINTS:]
        limit = max([k] + [own_k for _s, _r, own_k in kept])
        labels = list(key[2])
        points = [_point(s.date, s.title[:60], r, labels, limit) for s, r, _k in kept]
        out.append(
            Trend(
                title=titles[key],
                text=key[1],
                kind=key[0],
                track=key[3],
                k=limit,
                labels=labels,
                points=points,
            )
        )
    return out
