"""Summary files and trend series: thresholds applied again, series that line up across weeks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from pydantic import ValidationError

from server.domain.results import Band, Cell, Result, Results
from server.domain.summary import Summary, SummaryEntry, rethreshold
from server.domain.trends import Trend, rethreshold_trend, trends
from tests.support import LiveServer


def scale_result(counts: list[int | None], k: int = 3, answered: int | None = None) -> Result:
    cells = [Cell(label=str(i + 1), count=c, withheld=c is None) for i, c in enumerate(counts)]
    if answered is None:
        answered = sum(c or 0 for c in counts)
    return Result(kind="scale", k=k, shown=True, answered=answered, cells=cells, mean=None)


def week(day: int, counts: list[int | None], k: int = 3, text: str = "Hope?") -> Summary:
    labels = [str(i + 1) for i in range(len(counts))]
    entry = SummaryEntry(
        kind="scale",
        title="Hope",
        text=text,
        labels=labels,
        results=Results(overall=scale_result(counts, k)),
    )
    prompt = SummaryEntry(kind="prompt", text="Welcome", texts=["hello"])
    return Summary(date=dt.date(2026, 1, day), title=f"Week {day}", k=k, entries=[prompt, entry])


def test_rethreshold_hides_what_a_larger_k_would() -> None:
    result = rethreshold(scale_result([0, 3, 4, 7], answered=14), 5)
    # all or none: showing 0 and 7 beside the withheld would tell that 7 answered 2 or 3
    assert [c.count for c in result.cells] == [None] * 4 and all(c.withheld for c in result.cells)
    assert result.answered == 14 and result.k == 5
    assert rethreshold(scale_result([0, 5, 5]), 5).cells == scale_result([0, 5, 5]).cells
    assert rethreshold(scale_result([0, 4], answered=4), 5).shown is False
    words = Result(kind="words", k=3, shown=True, answered=6, cells=[Cell(label="calm", count=3)])
    hidden = rethreshold(words, 4)
    assert hidden.cells == [] and hidden.hidden_words and hidden.answered == 6
    # "calm" shown without its count (10 - 8 = 2 did not give it) says only "at least 3 gave it"
    uncounted = Result(kind="words", k=3, shown=True, answered=10,
                       cells=[Cell(label="calm", withheld=True), Cell(label="still", count=5)])  # fmt: skip
    assert [c.label for c in rethreshold(uncounted, 5).cells] == ["still"]
    assert rethreshold(uncounted, 5).hidden_words
    assert [c.label for c in rethreshold(uncounted, 3).cells] == ["calm", "still"]
    said = Result(
        kind="poll",
        style="words",
        k=3,
        shown=True,
        answered=6,
        cells=[Cell(label="a", word="most of us")],
    )
    assert rethreshold(said, 3) == said.model_copy(update={"k": 3})
    assert [c.word for c in rethreshold(said, 4).cells] == [None]  # words chosen for k=3
    bands = Result(
        kind="scale",
        style="bands",
        k=3,
        shown=True,
        answered=10,
        bands=[
            Band(low=1, high=2, count=3),
            Band(low=3, high=3, count=4),
            Band(low=4, high=5, count=3),
        ],
    )
    # 3 | 4 | 3 under k=5: 1-3 holds 7, and the last 3 joins it
    assert [(b.low, b.high, b.count) for b in rethreshold(bands, 5).bands] == [(1, 5, 10)]
    assert rethreshold(bands, 3).bands == bands.bands
    # never lower than the result's own k
    assert rethreshold(scale_result([0, 4], k=5), 3).k == 5


def test_trends_line_up_weeks_and_skip_what_cannot_be_counted() -> None:
    series = trends([week(12, [0, 6, 3]), week(5, [4, 4, 0]), week(19, [1, 1], text="Other")], 4)
    assert len(series) == 2  # prompts are skipped; different wording is a different series
    hope = next(s for s in series if s.text == "Hope?")
    assert [p.date.day for p in hope.points] == [5, 12]
    assert [p.counts for p in hope.points] == [[4, 4, 0], [None, None, None]]
    assert hope.k == 4 and hope.labels == ["1", "2", "3"]
    split = week(26, [0, 0, 0])
    by_track = Results(overall=None, by_track={"hurt": scale_result([0, 5, 0])})
    split = split.model_copy(
        update={"entries": [split.entries[1].model_copy(update={"results": by_track})]}
    )
    [hurt] = trends([split])
    assert hurt.track == "hurt" and hurt.points[0].counts == [0, 5, 0]


def test_a_trend_is_checked_and_thresholded_again() -> None:
    [hope] = trends([week(5, [3, 4, 0])])
    with pytest.raises(ValidationError):
        Trend.model_validate(
            {**hope.model_dump(), "points": [{**hope.points[0].model_dump(), "counts": [3]}]}
        )
    assert hope.points[0].counts == [3, 4, 0]
    shown = rethreshold_trend(hope, 4)
    assert shown.k == 4 and shown.points[0].counts == [None, None, None]  # all or none
    with pytest.raises(ValidationError):
        Summary.model_validate({"date": "2026-01-05T10:00:00", "k": 3})


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


async def test_trends_endpoint(server: LiveServer) -> None:
    host = {"Authorization": f"Bearer {server.settings.host_secret}"}
    files = [
        week(5, [3, 4, 0]).model_dump(mode="json"),
        week(12, [0, 6, 3]).model_dump(mode="json"),
    ]
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        too_big = await http.post(
            "/api/summaries/trends", json=files, headers=host, params={"k": "999"}
        )
        assert too_big.status_code == 422  # refused with a reason, not quietly lowered
        reply = await http.post(
            "/api/summaries/trends", json=files, headers=host, params={"k": "50"}
        )
        assert reply.status_code == 200
        [hope] = reply.json()["trends"]
        assert hope["k"] == 50
        assert all(c in (None, 0) for p in hope["points"] for c in p["counts"])
        assert (
            await http.post("/api/summaries/trends", content=b"{", headers=host)
        ).status_code == 422
        assert (await http.post("/api/summaries/trends", json=[], headers=host)).status_code == 422
