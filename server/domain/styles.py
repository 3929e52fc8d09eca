"""The four ways a result may be drawn, each from exact counts to what a screen may show.

Each function takes the counts of one result's options in order, the number who answered (n,
passes excluded, at least k) and k, and returns what every screen will draw. The rules are
written out in docs/results.md; server/domain/disclosure.py checks that a description pins nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from server.domain.disclosure import Labels, allowed_descriptions, small, value_leaks

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
    rank = {c: r for r, c in enumerate(sorted(set(values), reverse=True), start=1)}
    return tuple(rank[c] for c in values)


def _top(values: tuple[int, ...]) -> tuple[int, ...]:
    most = max(values)
    return tuple(1 if c == most else 2 for c in values)


def _sorted(values: Sequence[int]) -> tuple[int, ...]:
    """The counts from largest to smallest: a description is allowed when that of the sorted
    counts is (server/domain/disclosure.py)."""
    return tuple(sorted(values, reverse=True))


@lru_cache(maxsize=512)
def _allowed(style: str, n: int, k: int, options: int, multiple: bool) -> frozenset[Labels] | None:
    """The descriptions a style may give at this size (server/domain/disclosure.py)."""

    def describe(values: tuple[int, ...]) -> Labels:
        if style == "words":
            return _words(values, n, k, multiple)
        return _order(values, n, k, multiple)

    return allowed_descriptions(describe, n, k, options, multiple)


@lru_cache(maxsize=512)
def _ordered(n: int, k: int, options: int) -> frozenset[Labels] | None:
    return allowed_descriptions(_ranks, n, k, options, False)


def _full_order_allowed(values: tuple[int, ...], n: int, k: int, multiple: bool) -> bool:
    """With multiple choice every option's count is 0..n whatever the others are, so the tallies
    ordered alike are every choice of d distinct counts for the d ranks: the option at rank r
    can hold any of d-r..n-r+1, one count only when d = n+1 (every count from n down to 0 used,
    then each is pinned). Checked against the full enumeration in tests/test_disclosure.py."""
    if multiple:
        return len(set(values)) <= n
    allowed = _ordered(n, k, len(values))
    return allowed is not None and _ranks(_sorted(values)) in allowed


def _order(values: tuple[int, ...], n: int, k: int, multiple: bool) -> tuple[tuple[str, int], ...]:
    """Each option's rank in the full order where it may be given at this size, else only
    whether it is among the most chosen."""
    if _full_order_allowed(values, n, k, multiple):
        return tuple(("full", r) for r in _ranks(values))
    return tuple(("top", r) for r in _top(values))


def _words_allowed(values: tuple[int, ...], n: int, k: int, multiple: bool) -> bool:
    """With multiple choice an option's word depends on its own count only, so a reader of the
    words knows each count to within the counts sharing its word, and nothing more; the words
    are refused when one of those sets is a single count the rule forbids. (The refused
    tallies, drawn alike, pin nothing: any option may be beside the one that was refused.)
    Checked against the full enumeration in tests/test_disclosure.py."""
    if multiple:
        sets = [{c for c in range(n + 1) if _word(c, n, k) == _word(v, n, k)} for v in values]
        everything = all(len(s) == 1 for s in sets)
        return not any(
            len(s) == 1 and value_leaks(next(iter(s)), n, k, multiple, everything) for s in sets
        )
    allowed = _allowed("words", n, k, len(values), multiple)
    return allowed is not None and _words(_sorted(values), n, k, multiple) in allowed


def words(values: Sequence[int], n: int, k: int, multiple: bool) -> Shown:
    """Each option in words from its share; anything below k reads "a few of us, or none" (an
    empty option is not told apart from a few). A description that would let a reader pin a
    count (docs/results.md) is not given: every option then reads "not shown"."""
    if not _words_allowed(tuple(values), n, k, multiple):
        return Shown(cells=[Drawn(withheld=True) for _ in values])
    return Shown(cells=[Drawn(word=WORDS[w]) for w in _words(tuple(values), n, k, multiple)])


# -- leaning ----------------------------------------------------------------------------------


def leaning(values: Sequence[int], n: int, k: int, multiple: bool) -> Shown:
    """Options from most to least chosen, equal counts as ties, no numbers. Where the full
    order could let a reader pin a count (4, 3, 2, 1, 0 of 10 can only be that), only the most
    chosen option or options are named; where even that could, no order is given. With multiple
    choice the order is always given (_full_order_allowed): naming only the most chosen is then
    the most it holds back."""
    if not multiple:
        allowed = _allowed("leaning", n, k, len(values), multiple)
        if allowed is None or _order(_sorted(values), n, k, multiple) not in allowed:
            return Shown(cells=[Drawn() for _ in values], order="none")
    described = _order(tuple(values), n, k, multiple)
    return Shown(cells=[Drawn(rank=r) for _, r in described], order=described[0][0])


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
