"""The disclosure check (server/domain/disclosure.py) at the sizes real groups reach: it lists
sorted tallies only, and multiple choice needs no listing at all for the order and the words.
Each shortcut is held to the full listing here, and to the independent brute-force checker
(tests/disclosure_check.py) wherever that can run."""

from __future__ import annotations

import random
from itertools import product

import pytest

from server.domain import disclosure, styles
from server.domain.activities import Poll
from server.domain.results import compute, resolve_style
from tests.disclosure_check import leaks


def every_tally(n: int, options: int, multiple: bool) -> list[tuple[int, ...]]:
    if multiple:
        return list(product(range(n + 1), repeat=options))
    return [t for t in product(range(n + 1), repeat=options) if sum(t) == n]


@pytest.mark.parametrize("multiple", [False, True])
def test_sorted_tallies_are_every_tally_sorted_once(multiple: bool) -> None:
    for options in (2, 3, 5):
        for n in (0, 1, 4, 7):
            listed = list(disclosure.sorted_tallies(n, options, multiple))
            expected = {tuple(sorted(t, reverse=True)) for t in every_tally(n, options, multiple)}
            assert sorted(listed) == sorted(expected)
            assert disclosure.sorted_tally_count(n, options, multiple) == len(expected)


@pytest.mark.parametrize("k", [3, 5])
def test_the_multiple_choice_order_rule_matches_the_full_listing(k: int) -> None:
    """styles._full_order_allowed gives the full order with multiple choice unless the options
    use n+1 distinct counts; the listing of every tally must agree for every tally, and naming
    only the most chosen must never need holding back."""
    for options in (2, 3, 4, 5):
        for n in range(k, 9):
            ranked = disclosure.allowed_descriptions(styles._ranks, n, k, options, True)
            assert ranked is not None
            for tally in disclosure.sorted_tallies(n, options, True):
                listed = styles._ranks(tally) in ranked
                assert styles._full_order_allowed(tally, n, k, True) == listed, (n, tally)

            def order(values: tuple[int, ...], n: int = n) -> tuple[tuple[str, int], ...]:
                return styles._order(values, n, k, True)

            shown = disclosure.allowed_descriptions(order, n, k, options, True)
            every = {order(t) for t in disclosure.sorted_tallies(n, options, True)}
            assert shown == every, (n, options)


@pytest.mark.parametrize("k", [3, 5])
def test_the_multiple_choice_words_rule_matches_the_full_listing(k: int) -> None:
    for options in (2, 3, 4):
        for n in range(k, 13):

            def words(values: tuple[int, ...], n: int = n) -> tuple[str, ...]:
                return styles._words(values, n, k, True)

            listed = disclosure.allowed_descriptions(words, n, k, options, True)
            assert listed is not None
            for tally in disclosure.sorted_tallies(n, options, True):
                rule = styles._words_allowed(tally, n, k, True)
                assert rule == (words(tally) in listed), (n, tally)


@pytest.mark.parametrize(
    ("options", "style", "sizes", "k"),
    [
        (5, "leaning", range(5, 8), 5),
        (5, "leaning", range(3, 6), 3),
        (5, "words", range(5, 8), 5),
        (6, "leaning", [5], 5),
    ],
)
def test_no_reader_can_work_out_a_small_count_from_a_multiple_choice_poll(
    options: int, style: str, sizes: range | list[int], k: int
) -> None:
    for n in sizes:
        assert leaks("poll", options, style, n, k, multiple=True) == []


@pytest.mark.parametrize("style", ["leaning", "words"])
def test_no_reader_can_work_out_a_small_count_with_many_options(style: str) -> None:
    for options, k, sizes in ((5, 5, range(5, 11)), (6, 3, range(3, 9)), (7, 5, range(5, 9))):
        for n in sizes:
            assert leaks("poll", options, style, n, k) == [], (options, n, k)


def test_a_description_that_is_not_by_counts_alone_is_refused() -> None:
    """The shortcut holds only when options are described by their counts alone."""

    def by_position(values: tuple[int, ...]) -> tuple[bool, ...]:
        return tuple(c % 2 == i % 2 for i, c in enumerate(values))

    with pytest.raises(ValueError, match="counts alone"):
        disclosure.allowed_descriptions(by_position, 6, 3, 3, False)


def test_the_built_in_multiple_choice_poll_says_something_in_a_real_group() -> None:
    """Six options, each person ticking one to three: at 6 to 12 answers the automatic style is
    an order of the options, not "not shown" (it was exact counts, nearly always withheld)."""
    poll = Poll(text="What builds it", options=[f"o{i}" for i in range(6)], multiple=True)
    rng = random.Random(5)
    for n in (6, 8, 10, 12):
        said = 0
        for _ in range(40):
            cells = {"n": n}
            for _person in range(n):
                for option in rng.sample(range(6), rng.randint(1, 3)):
                    cells[f"o:{option}"] = cells.get(f"o:{option}", 0) + 1
            result = compute(poll, cells, 5).overall
            assert result is not None and result.style == "leaning"
            said += result.order in ("full", "top") and len({c.rank for c in result.cells}) > 1
        assert said >= 36, (n, said)


def test_many_options_keep_an_order_at_sizes_the_full_listing_could_not_check() -> None:
    """An 8-option poll at 20 people has 888,030 tallies (too many to list) but 434 sorted
    ones: the order is checked, and given."""
    poll_of_eight = Poll(text="?", options=[f"o{i}" for i in range(8)])
    assert disclosure.sorted_tally_count(20, 8, False) == 434
    assert resolve_style(poll_of_eight, 20, 5) == "leaning"
    cells = {"n": 20, "o:0": 7, "o:1": 5, "o:2": 4, "o:3": 2, "o:4": 2}
    result = compute(poll_of_eight, cells, 5).overall
    assert result is not None and result.order in ("full", "top")
    assert result.cells[0].rank == 1
