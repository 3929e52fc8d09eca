"""The four ways a result may be drawn, each from exact counts to what a screen may show.

Each function takes the counts of one result's options in order, the number who answered (n,
passes excluded, at least k) and k, and returns what every screen will draw. The rules are
written out in docs/results.md; server/domain/disclosure.py checks that a description pins nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from server.domain.disclosure import allowed_descriptions, small

WORDS = {
    "all": "all of us",
    "most": "most of us",
    "many": "many of us",
    "some": "some of us",
    "few": "a few of us, or none",
    "none": "none of us",
}


@dataclass
class Drawn:
    """One option as drawn: at most one of count, word and rank is set."""

    count: int | None = None
    word: str | None = None
    rank: int | None = None
    withheld: bool = False


@dataclass
class Shown:
    cells: list[Drawn]
    order: str | None = None  # leaning: "full" or "none"
    bands: list[tuple[int, int, int]] = field(default_factory=list)  # (low, high, count)
    lean: str | None = None


# -- counts -----------------------------------------------------------------------------------


def counts(values: Sequence[int], n: int, k: int, multiple: bool) -> Shown:
    """Exact counts, all or none: when any option holds 1..k-1 (or, with multiple choice, all
    but 1..k-1 chose it), every option is withheld. Showing the others would let n minus them
    tell how many the withheld ones hold, and an empty option beside withheld ones would tell
    that each of those was chosen."""
    if any(small(c, k) or (multiple and small(n - c, k)) for c in values):
        return Shown(cells=[Drawn(withheld=True) for _ in values])
    return Shown(cells=[Drawn(count=c) for c in values])


# -- words ------------------------------------------------------------------------------------


def _word(c: int, n: int, k: int) -> str:
    if c < k:
        return "few"
    if c == n:
        return "all"
    if 2 * c > n:
        return "most"
    if 4 * c >= n:
        return "many"
    return "some"


def _words(values: tuple[int, ...], n: int, k: int, multiple: bool) -> tuple[str, ...]:
    chosen = [_word(c, n, k) for c in values]
    if "all" in chosen and not multiple:  # every other option is then known to be empty
        chosen = ["none" if w == "few" else w for w in chosen]
    return tuple(chosen)


def _ranks(values: tuple[int, ...]) -> tuple[int, ...]:
    distinct = sorted(set(values), reverse=True)
    return tuple(distinct.index(c) + 1 for c in values)


def _top(values: tuple[int, ...]) -> tuple[int, ...]:
    most = max(values)
    return tuple(1 if c == most else 2 for c in values)


@lru_cache(maxsize=512)
def _allowed(style: str, n: int, k: int, options: int, multiple: bool) -> frozenset[Hashable]:
    """The descriptions a style may give at this size (server/domain/disclosure.py)."""

    def describe(values: tuple[int, ...]) -> Hashable:
        if style == "words":
            return _words(values, n, k, multiple)
        return _order(values, n, k, multiple)

    return allowed_descriptions(describe, n, k, options, multiple) or frozenset()


@lru_cache(maxsize=512)
def _ordered(n: int, k: int, options: int, multiple: bool) -> frozenset[Hashable]:
    return allowed_descriptions(_ranks, n, k, options, multiple) or frozenset()


def _order(values: tuple[int, ...], n: int, k: int, multiple: bool) -> tuple[str, tuple[int, ...]]:
    """The full order where it may be given at this size, else only the most chosen."""
    ranks = _ranks(values)
    if ranks in _ordered(n, k, len(values), multiple):
        return ("full", ranks)
    return ("top", _top(values))


def words(values: Sequence[int], n: int, k: int, multiple: bool) -> Shown:
    """Each option in words from its share; anything below k reads "a few of us, or none" (an
    empty option is not told apart from a few). A description that would let a reader pin a
    count (docs/results.md) is not given: every option then reads "not shown"."""
    described = _words(tuple(values), n, k, multiple)
    if described not in _allowed("words", n, k, len(values), multiple):
        return Shown(cells=[Drawn(withheld=True) for _ in values])
    return Shown(cells=[Drawn(word=WORDS[w]) for w in described])


# -- leaning ----------------------------------------------------------------------------------


def leaning(values: Sequence[int], n: int, k: int, multiple: bool) -> Shown:
    """Options from most to least chosen, equal counts as ties, no numbers. Where the full
    order could let a reader pin a count (4, 3, 2, 1, 0 of 10 can only be that), only the most
    chosen option or options are named; where even that could, no order is given."""
    described = _order(tuple(values), n, k, multiple)
    if described not in _allowed("leaning", n, k, len(values), multiple):
        return Shown(cells=[Drawn() for _ in values], order="none")
    order, ranks = described
    return Shown(cells=[Drawn(rank=r) for r in ranks], order=order)


def scale_thirds(points: int) -> list[str]:
    """The part of the scale each value is in: low, middle or high."""
    edge = max(1, round(points / 3))
    return [
        "low" if v <= edge else "high" if v > points - edge else "middle"
        for v in range(1, points + 1)
    ]


def lean(values: Sequence[int]) -> Shown:
    """Where a scale leans: the part (low, middle or high) that holds its middle answer (the
    lower of the two middle answers when the count is even)."""
    thirds = scale_thirds(len(values))
    answers = [thirds[v] for v, c in enumerate(values) for _ in range(c)]
    return Shown(cells=[Drawn() for _ in values], lean=answers[(len(answers) - 1) // 2])


# -- bands ------------------------------------------------------------------------------------


def bands(values: Sequence[int], k: int) -> Shown:
    """Neighbouring scale values merged, from the low end, until each band holds at least k; a
    last band short of k joins the one before. Each band's count is exact (at least k)."""
    out: list[list[int]] = []
    start, total = 1, 0
    for value, c in enumerate(values, start=1):
        total += c
        if total >= k:
            out.append([start, value, total])
            start, total = value + 1, 0
    if start <= len(values):
        if out:
            out[-1][1] = len(values)
            out[-1][2] += total
        else:
            out.append([1, len(values), total])
    return Shown(cells=[Drawn() for _ in values], bands=[(a, b, c) for a, b, c in out])
