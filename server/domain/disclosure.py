"""What a reader can work out from a result, and whether that includes a count below k.

Every shown result gives the number who answered (n, passes excluded). A style describes the
options in a way that many tallies share; a reader who knows the rule can narrow the tally down
to the tallies described the same way, and no further. The rule, the same for every style
(docs/results.md):

- no option's count, and no total of several options, can be worked out to lie in 1..k-1;
- an option can be worked out to be 0 only when every count can be worked out (nothing hidden);
- with multiple choice, neither can "how many did not choose it" (n minus a count).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from itertools import combinations
from math import comb

Bounds = tuple[int, int]


def small(value: int, k: int) -> bool:
    return 0 < value < k


def pinned_leaks(bounds: Sequence[Bounds], n: int, k: int, multiple: bool) -> bool:
    """True when the per-option bounds pin something the rule forbids."""
    everything = all(lo == hi for lo, hi in bounds)
    for lo, hi in bounds:
        if lo != hi:
            continue
        if small(lo, k) or (lo == 0 and not everything):
            return True
        if multiple and small(n - lo, k):
            return True
    return False


# -- every answer pattern at one size ---------------------------------------------------------

ENUMERATION_LIMIT = 50_000  # answer patterns checked per size; above it a style is not used


def patterns(n: int, options: int, multiple: bool) -> list[tuple[int, ...]]:
    """Every tally of `options` counts that n answers can make."""
    if multiple:
        out: list[tuple[int, ...]] = [()]
        for _ in range(options):
            out = [(*t, c) for t in out for c in range(n + 1)]
        return out

    def split(total: int, parts: int) -> list[tuple[int, ...]]:
        if parts == 1:
            return [(total,)]
        return [(c, *rest) for c in range(total + 1) for rest in split(total - c, parts - 1)]

    return split(n, options)


def pattern_count(n: int, options: int, multiple: bool) -> int:
    if multiple:
        return int((n + 1) ** options)
    return comb(n + options - 1, options - 1)


def class_leaks(members: Sequence[tuple[int, ...]], n: int, k: int, multiple: bool) -> bool:
    """Whether a reader who knows only that the tally is one of `members` can pin a forbidden
    count: one option (or n minus it, with multiple choice), or a group's total."""
    options = len(members[0])
    values = [{m[i] for m in members} for i in range(options)]
    everything = all(len(v) == 1 for v in values)
    for v in values:
        if len(v) == 1:
            (c,) = v
            if small(c, k) or (c == 0 and not everything) or (multiple and small(n - c, k)):
                return True
    if multiple:
        return False
    for size in range(2, options):
        for group in combinations(range(options), size):
            totals = {sum(m[i] for i in group) for m in members}
            if len(totals) == 1 and small(next(iter(totals)), k):
                return True
    return False


def allowed_descriptions(
    describe: Callable[[tuple[int, ...]], Hashable],
    n: int,
    k: int,
    options: int,
    multiple: bool,
) -> frozenset[Hashable] | None:
    """The descriptions that may be shown at this size: every answer pattern is described, each
    description's patterns must pin nothing, and the patterns whose description is refused
    (they are all shown alike, as "no description") must pin nothing either; while they do,
    the smallest allowed description joins them. None when there are too many patterns."""
    if pattern_count(n, options, multiple) > ENUMERATION_LIMIT:
        return None
    classes: dict[Hashable, list[tuple[int, ...]]] = {}
    for tally in patterns(n, options, multiple):
        classes.setdefault(describe(tally), []).append(tally)
    refused: list[tuple[int, ...]] = []
    allowed: dict[Hashable, list[tuple[int, ...]]] = {}
    for key, members in classes.items():
        if class_leaks(members, n, k, multiple):
            refused += members
        else:
            allowed[key] = members
    ordered = sorted(allowed, key=lambda key: (len(allowed[key]), repr(key)))
    while refused and class_leaks(refused, n, k, multiple) and ordered:
        refused += allowed.pop(ordered.pop(0))
    return frozenset(allowed)
