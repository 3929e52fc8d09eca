"""Tallies to results a room may see: the threshold k, and nothing that lets a reader subtract.

A tally is a map of cells ("n", "o:2", "v:4", "w:calm", "t:hurt|o:2", "pass") to counts. A result
shows a count only when it is 0 or at least k; anything between reads "fewer than k". The total
is withheld whenever a cell is, so no hidden count can be recovered by differencing.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from .activities import TRACKS, CheckIn, Poll, Scale, WordCloud

MIN_K = 3
MAX_K = 50  # a room needs at least k answers before any result: above this it could never show


class Cell(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    count: int | None  # None: fewer than k answered this


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    k: int
    shown: bool  # False: fewer than k answered at all, nothing else is given
    answered: int | None = None  # withheld when any cell is
    cells: list[Cell] = []
    mean: float | None = None  # scales only, and only when no cell is withheld
    hidden_words: bool = False  # word clouds: some words had fewer than k


class Results(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overall: Result | None  # None when split by track: the whole minus the parts would tell
    by_track: dict[str, Result] | None = None


def clamp_k(k: int) -> int:
    return max(MIN_K, k)


def visible(count: int, k: int) -> int | None:
    return count if count == 0 or count >= k else None


def _result(activity: object, cells: Mapping[str, int], k: int, prefix: str = "") -> Result:
    kind = getattr(activity, "kind", "prompt")
    answered = cells.get(prefix + "n", 0)
    if answered < k:
        return Result(kind=kind, k=k, shown=False)
    out: list[Cell] = []
    mean: float | None = None
    hidden_words = False
    if isinstance(activity, (Poll, CheckIn)):
        for i, label in enumerate(activity.options):
            out.append(Cell(label=label, count=visible(cells.get(f"{prefix}o:{i}", 0), k)))
    elif isinstance(activity, Scale):
        total = 0
        for value in range(1, activity.points + 1):
            count = cells.get(f"{prefix}v:{value}", 0)
            total += value * count
            out.append(Cell(label=str(value), count=visible(count, k)))
        mean = round(total / answered, 1)
    elif isinstance(activity, WordCloud):
        words = {c[len(prefix) + 2 :]: n for c, n in cells.items() if c.startswith(prefix + "w:")}
        for word, count in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
            if count >= k:
                out.append(Cell(label=word, count=count))
            elif count > 0:
                hidden_words = True
    withheld = any(c.count is None for c in out) or hidden_words
    return Result(
        kind=kind,
        k=k,
        shown=True,
        answered=None if withheld else answered,
        cells=out,
        mean=None if withheld else mean,
        hidden_words=hidden_words,
    )


def compute(activity: object, cells: Mapping[str, int], k: int, split: bool = False) -> Results:
    k = clamp_k(k)
    if split:
        tracks = {t: _result(activity, cells, k, prefix=f"t:{t}|") for t in TRACKS}
        return Results(overall=None, by_track=tracks)
    return Results(overall=_result(activity, cells, k))
