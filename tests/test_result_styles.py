"""The result styles (docs/results.md): what each draws, that no reader can work a count below k
out of any of them (checked against every tally at small sizes, by a checker that shares no code
with the server's), and that the default says something at the sizes of real groups."""

from __future__ import annotations

import pytest

from bench import results_sim
from server.domain import styles
from server.domain.activities import CheckIn, Poll, Scale
from server.domain.results import compute
from tests.disclosure_check import leaks


def shown(activity: object, cells: dict[str, int], k: int = 5) -> dict[str, object]:
    result = compute(activity, cells, k).overall
    assert result is not None
    return result.model_dump(exclude_defaults=True)


def test_counts_are_all_or_none() -> None:
    poll = Poll(text="?", options=["a", "b", "c"], result_style="counts")
    every = shown(poll, {"n": 10, "o:0": 5, "o:1": 5})
    assert [c.get("count") for c in every["cells"]] == [5, 5, 0]  # type: ignore[attr-defined]
    # 9 and 3 beside a withheld 1 would tell it (13 - 9 - 3); a 0 would tell the 1 was chosen
    some = shown(poll, {"n": 13, "o:0": 9, "o:1": 3, "o:2": 1})
    assert all(c["withheld"] and "count" not in c for c in some["cells"])  # type: ignore[attr-defined]
    assert some["answered"] == 13


def test_words_describe_shares_and_never_tell_none_from_a_few() -> None:
    checkin = CheckIn(text="?", options=["a", "b", "c", "d"], result_style="words")
    said = shown(checkin, {"n": 12, "o:0": 7, "o:1": 5})
    words = [c["word"] for c in said["cells"]]  # type: ignore[attr-defined]
    assert words == ["most of us", "many of us", "a few of us, or none", "a few of us, or none"]


def test_leaning_orders_without_numbers_and_names_only_the_top_where_order_would_tell() -> None:
    checkin = CheckIn(text="?", options=["a", "b", "c", "d"], result_style="leaning")
    full = shown(checkin, {"n": 12, "o:0": 6, "o:1": 4, "o:2": 2})
    assert full["order"] == "full" and [c["rank"] for c in full["cells"]] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    # 4, 3, 2, 1, 0 of 10 in strict order can only be those numbers: only the top is named
    five = CheckIn(text="?", options=["a", "b", "c", "d", "e"], result_style="leaning")
    top = shown(five, {"n": 10, "o:0": 4, "o:1": 3, "o:2": 2, "o:3": 1})
    assert top["order"] == "top" and [c["rank"] for c in top["cells"]] == [1, 2, 2, 2, 2]  # type: ignore[attr-defined]
    scale = Scale(text="?", points=5, result_style="leaning")
    assert shown(scale, {"n": 7, "v:4": 4, "v:1": 3})["lean"] == "high"
    assert shown(scale, {"n": 6, "v:1": 3, "v:5": 3})["lean"] == "low"  # the lower middle one


def test_bands_merge_until_each_holds_k() -> None:
    scale = Scale(text="?", points=5, result_style="bands")
    drawn = shown(scale, {"n": 12, "v:1": 3, "v:2": 3, "v:3": 1, "v:4": 4, "v:5": 1})
    assert drawn["bands"] == [
        {"low": 1, "high": 2, "count": 6},
        {"low": 3, "high": 5, "count": 6},
    ]


@pytest.mark.parametrize("style", ["counts", "words", "leaning"])
@pytest.mark.parametrize("options", [2, 3, 4])
@pytest.mark.parametrize("k", [3, 5])
def test_no_reader_can_work_out_a_small_count_from_a_choice(
    style: str, options: int, k: int
) -> None:
    for n in range(k, 12):
        assert leaks("poll", options, style, n, k) == []
        if options <= 3 and n <= 8:
            assert leaks("poll", options, style, n, k, multiple=True) == []


@pytest.mark.parametrize("style", ["counts", "words", "leaning", "bands"])
def test_no_reader_can_work_out_a_small_count_from_a_scale(style: str) -> None:
    for k in (3, 5):
        for n in range(k, 12):
            assert leaks("scale", 5, style, n, k) == []


def test_the_checker_catches_an_order_given_regardless(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the size check, a strict order of 4 options at 6 answers (3, 2, 1, 0) tells."""

    def regardless(values: list[int], n: int, k: int, multiple: bool) -> styles.Shown:
        ranks = styles._ranks(tuple(values))
        return styles.Shown(cells=[styles.Drawn(rank=r) for r in ranks], order="full")

    monkeypatch.setattr(styles, "leaning", regardless)
    assert leaks("poll", 4, "leaning", 6, 3)


def test_the_default_says_something_at_real_group_sizes() -> None:
    """The goal of docs/results.md: at 8 to 12 people with k = 5, the default style says
    something beyond "not enough answers" in at least 90% of reveals."""
    table = results_sim.table(k=5, runs=300, seed=3)
    for activity in ("check-in", "scale", "poll, several ticks"):
        for size in (8, 10, 12):
            assert table[activity][size]["auto"] >= 0.9, (activity, size, table[activity][size])
