"""Tallies to results a room may see: the threshold k, the activity's style, and nothing that
lets a reader work out a count below k.

A tally is a map of cells ("n", "o:2", "v:4", "w:calm", "t:hurt|o:2", "pass") to counts. A result
is shown once at least k answered (passes not counted), and then always says how many answered.
How each option is drawn depends on the style (counts, words, leaning, bands;
server/domain/styles.py); every screen, the console's preview and the summary file draw the
same computed result. The rules are in docs/results.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.domain import styles
from server.domain.activities import TRACKS, CheckIn, Poll, Scale, WordCloud
from server.domain.disclosure import checkable, small

MIN_K = 3
MAX_K = 50  # a room needs at least k answers before any result: above this it could never show
Style = Literal["counts", "words", "leaning", "bands"]
Lean = Literal["low", "middle", "high"]


class Cell(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    count: int | None = Field(default=None, description="counts: exact, 0 or at least k.")
    word: str | None = Field(default=None, description="words: e.g. 'some of us'.")
    rank: int | None = Field(default=None, description="leaning: 1 = chosen most; equal = tie.")
    withheld: bool = Field(default=False, description="Not shown: drawn short and hatched.")


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: int
    high: int
    count: int = Field(description="Answers from low to high: at least k.")


class Result(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    style: Style = "counts"
    k: int
    shown: bool  # False: fewer than k answered at all, nothing else is given
    answered: int | None = Field(default=None, description="Answers, passes not counted.")
    cells: list[Cell] = []
    order: Literal["full", "top", "none"] | None = Field(
        default=None,
        description="leaning: every option ranked; only the most chosen (rank 1); or none.",
    )
    lean: Lean | None = Field(default=None, description="leaning, scales: where the room leans.")
    bands: list[Band] = Field(default=[], description="bands, scales: merged values.")
    mean: float | None = None  # scales, counts style, only when no cell is withheld
    hidden_words: bool = False  # word clouds: some words had fewer than k


class Results(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overall: Result | None  # None when split by track: the whole minus the parts would tell
    by_track: dict[str, Result] | None = None


def clamp_k(k: int) -> int:
    return max(MIN_K, k)


def resolve_style(activity: object, n: int, k: int) -> Style:
    """The activity's style; "auto" picks the one that says most at n answers (docs/results.md)."""
    chosen = str(getattr(activity, "result_style", "counts"))
    if isinstance(activity, WordCloud):
        return "counts"
    for style in ("counts", "words", "leaning", "bands"):
        if chosen == style:
            return style
    if isinstance(activity, Scale):
        return "bands" if n >= 4 * k else "leaning"
    options = len(getattr(activity, "options", ()))
    multiple = isinstance(activity, Poll) and activity.multiple
    # multiple choice needs no listing (styles._full_order_allowed)
    return "leaning" if multiple or checkable(n, options, False) else "counts"


def _choice_values(activity: object, cells: Mapping[str, int], prefix: str) -> list[int]:
    if isinstance(activity, Scale):
        return [cells.get(f"{prefix}v:{v}", 0) for v in range(1, activity.points + 1)]
    options = getattr(activity, "options", [])
    return [cells.get(f"{prefix}o:{i}", 0) for i in range(len(options))]


def _labels(activity: object) -> list[str]:
    if isinstance(activity, Scale):
        return [str(v) for v in range(1, activity.points + 1)]
    return list(getattr(activity, "options", []))


def _cloud(cells: Mapping[str, int], n: int, k: int, prefix: str) -> Result:
    words = {c[len(prefix) + 2 :]: v for c, v in cells.items() if c.startswith(prefix + "w:")}
    out: list[Cell] = []
    hidden = False
    for word, count in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        if count >= k:
            exact = not small(n - count, k)  # else n minus it tells who did not
            out.append(Cell(label=word, count=count if exact else None, withheld=not exact))
        elif count > 0:
            hidden = True
    return Result(kind="words", k=k, shown=True, answered=n, cells=out, hidden_words=hidden)


def _result(activity: object, cells: Mapping[str, int], k: int, prefix: str = "") -> Result:
    kind = getattr(activity, "kind", "prompt")
    n = cells.get(prefix + "n", 0)
    if n < k or not isinstance(activity, (Poll, CheckIn, Scale, WordCloud)):
        return Result(kind=kind, k=k, shown=False)
    if isinstance(activity, WordCloud):
        return _cloud(cells, n, k, prefix)
    style = resolve_style(activity, n, k)
    values = _choice_values(activity, cells, prefix)
    multiple = isinstance(activity, Poll) and activity.multiple
    scale = isinstance(activity, Scale)
    if style == "counts":
        drawn = styles.counts(values, n, k, multiple)
    elif style == "words":
        drawn = styles.words(values, n, k, multiple)
    elif style == "leaning" and scale:
        drawn = styles.lean(values)
    elif style == "leaning":
        drawn = styles.leaning(values, n, k, multiple)
    else:
        drawn = styles.bands(values, k)
    out = [
        Cell(label=label, count=d.count, word=d.word, rank=d.rank, withheld=d.withheld)
        for label, d in zip(_labels(activity), drawn.cells, strict=True)
    ]
    mean = None
    if scale and style == "counts" and not any(c.withheld for c in out):
        mean = round(sum(v * c for v, c in enumerate(values, start=1)) / n, 1)
    return Result(
        kind=kind,
        style=style,
        k=k,
        shown=True,
        answered=n,
        cells=out,
        order=drawn.order,
        lean=drawn.lean,
        bands=[Band(low=a, high=b, count=c) for a, b, c in drawn.bands],
        mean=mean,
    )


def compute(
    activity: object, cells: Mapping[str, int], k: int, split: bool = False, known: int = 0
) -> Results:
    """`known`: how many of the answers the reader may know one by one (those the facilitator
    typed in from paper). Subtracting them must still leave nothing below k, so such a result
    is drawn in exact counts held to k + known: each count is then 0 or at least k + known,
    and what is left of it once the known answers are taken away is 0 or at least k (the same
    for a group of options, and for those who did not tick an option). Its `k` says so."""
    k = clamp_k(k)
    if split:
        tracks = {t: _result(activity, cells, k, prefix=f"t:{t}|") for t in TRACKS}
        return Results(overall=None, by_track=tracks)
    if known and isinstance(activity, (Poll, CheckIn, Scale)):
        exact = activity.model_copy(update={"result_style": "counts"})
        return Results(overall=_result(exact, cells, k + known))
    return Results(overall=_result(activity, cells, k))


_previews: dict[tuple[str, tuple[tuple[str, int], ...], int, bool, int], Results] = {}


def preview_of(
    activity: object, cells: Mapping[str, int], k: int, split: bool, known: int = 0
) -> Results:
    """compute(), remembered for the last few tallies: a closed activity's preview is sent
    many times over and its tally no longer changes."""
    key = (repr(activity), tuple(sorted(cells.items())), k, split, known)
    found = _previews.get(key)
    if found is None:
        found = compute(activity, cells, k, split, known)
        if len(_previews) >= 64:
            _previews.clear()
        _previews[key] = found
    return found
