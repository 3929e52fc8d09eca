"""Trends say, week by week, what the room was shown that week in that week's style (an order,
where a scale leaned, words, bands, counts), never more, each held again to the trend's k: an
order or words chosen for a smaller k are withheld, with the reason. Old files and old trend
commands still load; two sessions on one day get two file names."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from server.domain.activities import CheckIn, Poll, Scale
from server.domain.results import compute
from server.domain.summary import Summary, SummaryEntry, filename
from server.domain.trends import Trend, TrendPoint, rethreshold_trend, trends

OPTIONS = ["Steady", "Tender", "Heavy"]
POLL = Poll(text="Which?", options=OPTIONS, result_style="leaning")
AUTO = CheckIn(text="How are you?", options=["Calm", "Tense", "Tired", "Numb", "Open"])
SCALE = Scale(text="Hope?", points=5, result_style="leaning")
BANDS = Scale(text="Rest?", points=5, result_style="bands")
WORDS = CheckIn(text="How?", options=["Calm", "Tense", "Tired"], result_style="words")
COUNTS = Poll(text="Counted?", options=["Yes", "No"], result_style="counts")


def entry(activity: Poll | Scale | CheckIn, cells: dict[str, int], k: int) -> SummaryEntry:
    labels = getattr(activity, "options", None) or [str(v) for v in range(1, 6)]
    return SummaryEntry(kind=activity.kind, text=activity.text, labels=labels,
                        results=compute(activity, cells, k))  # fmt: skip


def week(day: int, k: int, *entries: SummaryEntry) -> Summary:
    return Summary(date=dt.date(2026, 12, day), title=f"Week {day}", k=k, entries=list(entries))


def series(all_: list[Trend], text: str, kind: str = "") -> Trend:
    return next(t for t in all_ if t.text == text and (not kind or t.kind == kind))


def test_a_leaning_poll_and_a_scales_lean_say_what_the_room_was_shown() -> None:
    # the tester's case: auto at a real group size is an order (check-in) and a lean (scale)
    one = week(6, 5, entry(POLL, {"n": 8, "o:0": 5, "o:1": 3}, 5),
               entry(AUTO, {"n": 8, "o:0": 3, "o:1": 2, "o:2": 2, "o:3": 1}, 5),
               entry(SCALE, {"n": 7, "v:1": 4, "v:5": 3}, 5))  # fmt: skip
    two = week(13, 5, entry(POLL, {"n": 9, "o:2": 6, "o:0": 3}, 5),
               entry(AUTO, {"n": 10, "o:4": 4, "o:0": 3, "o:1": 3}, 5),
               entry(SCALE, {"n": 9, "v:4": 4, "v:5": 5}, 5))  # fmt: skip
    built = trends([two, one], 5)
    poll = series(built, "Which?")
    assert [p.style for p in poll.points] == ["leaning", "leaning"]
    assert [p.order for p in poll.points] == ["full", "full"]
    assert [p.ranks for p in poll.points] == [[1, 2, 3], [2, 3, 1]]
    assert all(p.withheld is None for p in poll.points)
    checkin = series(built, "How are you?")
    first = compute(AUTO, {"n": 8, "o:0": 3, "o:1": 2, "o:2": 2, "o:3": 1}, 5).overall
    assert first is not None and first.style == "leaning"
    assert checkin.points[0].order == first.order
    assert checkin.points[0].ranks == [c.rank for c in first.cells]
    assert checkin.points[1].order in ("full", "top") and checkin.points[1].ranks[4] == 1
    scale = series(built, "Hope?")
    assert [p.lean for p in scale.points] == ["low", "high"]
    assert all(p.shown and p.withheld is None and p.mean is None for p in scale.points)


def test_an_order_no_one_could_see_says_why() -> None:
    nothing = week(6, 5, entry(POLL, {"n": 6, "o:0": 2, "o:1": 2, "o:2": 2}, 5),
                   entry(COUNTS, {"n": 7, "o:0": 6, "o:1": 1}, 5))  # fmt: skip
    built = trends([nothing], 5)
    [order] = series(built, "Which?").points
    assert order.shown and order.order == "none" and order.ranks == []
    assert order.withheld == "hint"  # not shown that week either
    [counted] = series(built, "Counted?").points
    assert counted.counts == [None, None] and counted.withheld == "hint"


def test_a_week_with_a_smaller_k_shows_no_order_or_words_chosen_for_it() -> None:
    small = week(6, 3, entry(POLL, {"n": 6, "o:0": 4, "o:1": 2}, 3),
                 entry(WORDS, {"n": 6, "o:0": 4, "o:1": 2}, 3),
                 entry(SCALE, {"n": 6, "v:5": 6}, 3),
                 entry(BANDS, {"n": 12, "v:1": 3, "v:2": 3, "v:4": 3, "v:5": 3}, 3),
                 entry(COUNTS, {"n": 7, "o:0": 4, "o:1": 3}, 3))  # fmt: skip
    large = week(13, 5, entry(POLL, {"n": 10, "o:2": 6, "o:0": 4}, 5),
                 entry(WORDS, {"n": 10, "o:0": 10}, 5),
                 entry(SCALE, {"n": 6, "v:1": 6}, 5),
                 entry(BANDS, {"n": 10, "v:1": 5, "v:5": 5}, 5),
                 entry(COUNTS, {"n": 10, "o:0": 5, "o:1": 5}, 5))  # fmt: skip
    for built in (trends([small, large], 3), trends([large, small], 4)):
        poll = series(built, "Which?")
        assert poll.k == 5
        assert poll.points[0].order == "none" and poll.points[0].ranks == []
        assert poll.points[0].withheld == "k"  # shown that week, for k = 3
        assert poll.points[1].order == "full" and poll.points[1].ranks[2] == 1
        words = series(built, "How?")
        assert words.points[0].words == [] and words.points[0].withheld == "k"
        assert words.points[1].words == ["all", "none", "none"]
        lean = series(built, "Hope?", "scale")
        assert [p.lean for p in lean.points[:1]] == ["high"]  # a lean does not depend on k
        banded = series(built, "Rest?")
        # 3 | 3 | 3 | 3 drawn for k = 3, joined under 5 until each holds 5
        assert banded.points[0].bands == [(1, 2, 6), (3, 5, 6)]
        assert banded.points[1].bands == [(1, 1, 5), (2, 5, 5)]
        counted = series(built, "Counted?")
        assert counted.points[0].counts == [None, None] and counted.points[0].withheld == "k"
        assert counted.points[1].counts == [5, 5] and counted.points[1].withheld is None


def test_the_display_holds_a_trend_to_its_own_k_by_the_same_rules() -> None:
    three = week(6, 3, entry(POLL, {"n": 6, "o:0": 4, "o:1": 2}, 3),
                 entry(WORDS, {"n": 6, "o:0": 4, "o:1": 2}, 3),
                 entry(SCALE, {"n": 6, "v:5": 6}, 3),
                 entry(BANDS, {"n": 12, "v:1": 3, "v:2": 3, "v:4": 3, "v:5": 3}, 3))  # fmt: skip
    built = trends([three], 3)
    poll, words = series(built, "Which?"), series(built, "How?")
    assert poll.points[0].ranks == [1, 2, 3] and words.points[0].words[0] == "most"
    assert rethreshold_trend(poll, 3) == poll  # the same k: nothing changes
    held = rethreshold_trend(poll, 5).points[0]
    assert held.order == "none" and held.ranks == [] and held.withheld == "k"
    said = rethreshold_trend(words, 5).points[0]
    assert said.words == [] and said.withheld == "k"
    assert rethreshold_trend(series(built, "Hope?"), 6).points[0].lean == "high"
    banded = series(built, "Rest?")
    drawn = banded.points[0].bands
    assert drawn == [(1, 1, 3), (2, 2, 3), (3, 4, 3), (5, 5, 3)]
    merged = rethreshold_trend(banded, 5).points[0]
    assert merged.bands == [(1, 2, 6), (3, 5, 6)]
    # fewer than the new k answered: nothing at all
    assert rethreshold_trend(poll, 7).points[0].shown is False


def test_an_old_summary_file_and_an_old_trend_still_load() -> None:
    old = {
        "format": "hearth-summary", "version": 1, "date": "2026-10-31", "k": 3, "title": "Week 1",
        "entries": [{"kind": "poll", "text": "Which?", "labels": ["a", "b"], "results": {
            "overall": {"kind": "poll", "k": 3, "shown": True, "answered": 6,
                        "cells": [{"label": "a", "count": 3}, {"label": "b", "count": 3}],
                        "mean": None, "hidden_words": False}}}],
    }  # fmt: skip
    [trend] = trends([Summary.model_validate(old)], 3)
    assert trend.points[0].counts == [3, 3] and trend.points[0].style == "counts"
    point = {"date": "2026-10-31", "label": "Week 1", "shown": True, "answered": 6,
             "counts": [3, 3], "mean": None, "style": "counts"}  # fmt: skip
    before = {"title": "", "text": "Which?", "kind": "poll", "track": None, "k": 3,
              "labels": ["a", "b"], "points": [point, {**point, "style": "leaning",
                                                       "counts": [None, None]}]}  # fmt: skip
    loaded = Trend.model_validate(json.loads(json.dumps(before)))
    again = rethreshold_trend(loaded, 3)
    assert again.points[0].counts == [3, 3]
    # a leaning week from before orders were kept: no order, and why
    assert again.points[1].order == "none" and again.points[1].ranks == []
    assert again.points[1].withheld == "hint"


def test_two_sessions_on_one_day_get_two_file_names() -> None:
    day = dt.date(2026, 12, 6)
    morning = Summary(date=day, title="Week 1", k=5)
    evening = Summary(date=day, title="Week 1 — evening group!", k=5)
    assert filename(morning) == "hearth-summary-2026-12-06-week-1.json"
    assert filename(evening) == "hearth-summary-2026-12-06-week-1-evening-group.json"
    assert filename(Summary(date=day, k=5)) == "hearth-summary-2026-12-06.json"
    assert (
        filename(Summary(date=day, title="../../etc", k=5)) == "hearth-summary-2026-12-06-etc.json"
    )
    long = filename(Summary(date=day, title="x" * 120, k=5))
    assert len(long) <= len("hearth-summary-2026-12-06-.json") + 40
    assert filename(Summary(date=day, title="الأسبوع ٣", k=5)).startswith(
        "hearth-summary-2026-12-06-"
    )


def test_a_trend_point_checks_its_ranks_and_words_against_the_labels() -> None:
    [trend] = trends([week(6, 5, entry(POLL, {"n": 8, "o:0": 5, "o:1": 3}, 5))], 5)
    data = trend.model_dump(mode="json")
    assert Trend.model_validate(data) == trend  # a trend command round-trips
    data["points"][0]["ranks"] = [1]
    with pytest.raises(ValidationError):
        Trend.model_validate(data)


def sent(trend: Trend) -> int:
    """The bytes of a trend command as the console sends it (weeks.js: fields left at null or []
    are left out; the server fills them in again)."""
    data = trend.model_dump(mode="json")
    data["points"] = [{k: v for k, v in p.items() if v not in (None, [])} for p in data["points"]]
    command = {"type": "trend", "id": 999999, "trend": data}
    return len(json.dumps(command, ensure_ascii=False, separators=(",", ":")).encode())


def test_the_largest_trend_command_fits_in_a_message() -> None:
    day = dt.date(2026, 1, 5)
    long = "é" * 60
    words = TrendPoint(date=day, label=long, shown=True, answered=999, counts=[None] * 12,
                       style="words", words=["few"] * 12)  # fmt: skip
    ranks = words.model_copy(update={"style": "leaning", "words": [], "order": "full",
                                     "ranks": list(range(1, 13))})  # fmt: skip
    bands = TrendPoint(date=day, label=long, shown=True, answered=999, counts=[None] * 10,
                       style="bands", bands=[(v, v, 99) for v in range(1, 11)])  # fmt: skip
    for point, labels in ((words, ["x" * 120] * 12), (ranks, ["x" * 120] * 12),
                          (bands, [str(v) for v in range(1, 11)])):  # fmt: skip
        points = [point.model_copy(update={"date": day + dt.timedelta(weeks=i)}) for i in range(26)]
        trend = Trend(title="t" * 120, text="T" * 2000, kind="scale" if point.bands else "poll",
                      k=50, labels=labels, points=points)  # fmt: skip
        assert sent(trend) < 15 * 1024, (point.style, sent(trend))


def test_a_week_with_paper_answers_keeps_its_own_k_and_not_the_series() -> None:
    """A result with paper answers is held to k plus their number, for that week alone: an
    outside tester added one slip in week 3 and the two weeks before lost their orders."""
    one = week(6, 3, entry(POLL, {"n": 6, "o:0": 4, "o:1": 2}, 3))
    two = week(13, 3, entry(POLL, {"n": 7, "o:0": 2, "o:1": 5}, 3))
    paper = entry(POLL, {"n": 9, "o:0": 5, "o:1": 4}, 3)
    paper = paper.model_copy(update={"by_hand": True,
                                     "results": compute(POLL, {"n": 9, "o:0": 5, "o:1": 4}, 3, known=1)})
    built = series(trends([one, two, week(20, 3, paper)], 3), "Which?")
    assert built.k == 3
    assert [p.order for p in built.points[:2]] == ["full", "full"]
    assert built.points[2].style == "counts" and built.points[2].counts == [5, 4, 0]
