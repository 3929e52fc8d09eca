"""What a reader can work out from a result, and whether that includes a count below k.

Every shown result gives the number who answered (n, passes excluded). A style describes the
options in a way that many tallies share; a reader who knows the rule can narrow the tally down
to the tallies described the same way, and no further. The rule, the same for every style
(docs/results.md):

- no option's count, and no total of several options, can be worked out to lie in 1..k-1;
- an option can be worked out to be 0 only when every count can be worked out (nothing hidden);
- with multiple choice, neither can "how many did not choose it" (n minus a count).

The check is exact and does not list every tally: a style describes options by their counts
alone (swap two options' counts and their descriptions swap too), so the tallies described
alike are the rearrangements of a few sorted tallies (largest count first). Only sorted tallies
are listed — at 12 answers over 6 options, 58 instead of 6,188 — and what a reader can pin is
worked out from each one's groups of equally described options (docs/results.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from math import comb, factorial, prod

Tally = tuple[int, ...]
Labels = tuple[Hashable, ...]  # one description per option, in the options' order

# Sorted tallies checked per size; above it a style that needs the check is not used. The
# slowest size within it takes about 0.2 s once (results are remembered per size).
REPRESENTATIVE_LIMIT = 10_000


def small(value: int, k: int) -> bool:
    return 0 < value < k


def value_leaks(value: int, n: int, k: int, multiple: bool, everything: bool) -> bool:
    """Whether one option pinned to `value` tells something the rule forbids."""
    return small(value, k) or (value == 0 and not everything) or (multiple and small(n - value, k))


# -- sorted tallies ---------------------------------------------------------------------------


def sorted_tallies(n: int, options: int, multiple: bool) -> Iterator[Tally]:
    """Every tally with its counts from largest to smallest: with one choice each, the counts
    add up to n; with multiple choice, each is 0..n."""

    @cache
    def split(total: int, parts: int, cap: int) -> tuple[Tally, ...]:
        if parts == 1:
            return ((total,),) if total <= cap else ()
        return tuple(
            (first, *rest)
            for first in range(min(cap, total), -(-total // parts) - 1, -1)
            for rest in split(total - first, parts - 1, first)
        )

    def descending(parts: int, cap: int) -> Iterator[Tally]:
        if parts == 0:
            yield ()
            return
        for first in range(cap, -1, -1):
            for rest in descending(parts - 1, first):
                yield (first, *rest)

    return descending(options, n) if multiple else iter(split(n, options, n))


@lru_cache(maxsize=1024)
def _partitions(total: int, parts: int) -> int:
    """Ways to write `total` as at most `parts` counts, largest first."""
    if total == 0:
        return 1
    if parts == 0:
        return 0
    with_every_part = _partitions(total - parts, parts) if total >= parts else 0
    return _partitions(total, parts - 1) + with_every_part


def sorted_tally_count(n: int, options: int, multiple: bool) -> int:
    return comb(n + options, options) if multiple else _partitions(n, options)


def checkable(n: int, options: int, multiple: bool) -> bool:
    return sorted_tally_count(n, options, multiple) <= REPRESENTATIVE_LIMIT


# -- families: the tallies a reader is left with ----------------------------------------------


@dataclass
class Family:
    """Every rearrangement of each member's counts within each group of options. A reader who
    knows a description knows which options are described alike (a group) but not which of
    them holds which count; the refused descriptions, drawn all alike, make one group of all."""

    groups: tuple[tuple[int, ...], ...]
    members: list[Tally] = field(default_factory=list)

    def size(self) -> int:
        """How many tallies the family holds."""
        total = 0
        for member in self.members:
            arrangements = 1
            for group in self.groups:
                multiplicities = Counter(member[i] for i in group).values()
                arrangements *= factorial(len(group)) // prod(factorial(m) for m in multiplicities)
            total += arrangements
        return total

    def leaks(self, n: int, k: int, multiple: bool) -> bool:
        """Whether a reader left with this family can pin a forbidden count: one option (or n
        minus it, with multiple choice), or a group of options' total."""
        seen = [{m[i] for m in self.members for i in group} for group in self.groups]
        everything = all(len(values) == 1 for values in seen)
        for values in seen:
            if len(values) == 1 and value_leaks(next(iter(values)), n, k, multiple, everything):
                return True
        return not multiple and self._total_leaks(k)

    def _total_leaks(self, k: int) -> bool:
        """A total of 2..options-1 options that is the same in every tally of the family and
        lies in 1..k-1. Taking g of a group's b options (0 < g < b) has one total only when that
        group's counts are all equal, in every member; so candidates come from the first member
        (totals below k, found with pruning) and are then checked against the others."""
        options = sum(len(group) for group in self.groups)
        first = [_group_shape(self.members[0], group) for group in self.groups]
        candidates: list[tuple[tuple[int, ...], int]] = []  # (taken from each group, total)

        def choose(index: int, taken: tuple[int, ...], total: int, size: int) -> None:
            if total >= k:
                return
            if index == len(self.groups):
                if 0 < total and 2 <= size < options:
                    candidates.append((taken, total))
                return
            width = len(self.groups[index])
            _, block_sum, equal = first[index]
            for g in range(width + 1):
                if 0 < g < width and equal is None:
                    continue
                part = 0 if g == 0 else block_sum if g == width else g * (equal or 0)
                choose(index + 1, (*taken, g), total + part, size + g)

        choose(0, (), 0, 0)
        for member in self.members[1:]:
            if not candidates:
                return False
            shape = [_group_shape(member, group) for group in self.groups]
            candidates = [c for c in candidates if _total(shape, c[0]) == c[1]]
        return bool(candidates)


Shape = tuple[int, int, int | None]  # a group's size, sum, and common count (None: not all equal)


def _group_shape(member: Tally, group: tuple[int, ...]) -> Shape:
    values = {member[i] for i in group}
    common = next(iter(values)) if len(values) == 1 else None
    return len(group), sum(member[i] for i in group), common


def _total(shape: list[Shape], taken: tuple[int, ...]) -> int | None:
    """The total of `taken[j]` options of each group j, or None when it depends on which."""
    total = 0
    for (width, block_sum, common), g in zip(shape, taken, strict=True):
        if g == width:
            total += block_sum
        elif g == 0:
            continue
        elif common is None:
            return None
        else:
            total += g * common
    return total


def _groups_of(labels: Labels) -> tuple[tuple[int, ...], ...]:
    positions: dict[Hashable, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    return tuple(tuple(p) for p in positions.values())


def allowed_descriptions(
    describe: Callable[[Tally], Labels],
    n: int,
    k: int,
    options: int,
    multiple: bool,
) -> frozenset[Labels] | None:
    """The descriptions of sorted tallies that may be shown at this size; a tally's description
    is allowed when that of its sorted counts is. Each description's family must pin nothing,
    and the tallies whose description is refused (all shown alike, as "no description") must
    pin nothing either; while they do, the smallest allowed description, with every
    rearrangement of it, joins them. None when there are too many sorted tallies to check.

    `describe` must give each option a label from its own count, the same way for every option
    (larger counts never get an earlier-listed label than smaller ones), so that rearranging
    the counts rearranges the labels."""
    if not checkable(n, options, multiple):
        return None
    families: dict[Labels, Family] = {}
    seen_as: dict[frozenset[tuple[Hashable, int]], Labels] = {}
    for tally in sorted_tallies(n, options, multiple):
        labels = describe(tally)
        family = families.get(labels)
        if family is None:
            arrangement = frozenset(Counter(labels).items())
            if seen_as.setdefault(arrangement, labels) != labels:
                raise ValueError("describe() does not label options by their counts alone")
            family = families[labels] = Family(groups=_groups_of(labels))
        family.members.append(tally)
    everyone = (tuple(range(options)),)
    refused = Family(groups=everyone)
    allowed: dict[Labels, Family] = {}
    for labels, family in families.items():
        if family.leaks(n, k, multiple):
            refused.members += family.members
        else:
            allowed[labels] = family
    if refused.members and refused.leaks(n, k, multiple):
        ordered = sorted(allowed, key=lambda labels: (allowed[labels].size(), repr(labels)))
        while ordered and refused.leaks(n, k, multiple):
            refused.members += allowed.pop(ordered.pop(0)).members
    return frozenset(allowed)
