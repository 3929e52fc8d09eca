"""The summary as a page and as CSV: only what the room was shown. Hidden cells stay hidden, a
total that would let one subtract is withheld, an edited file is held to its k again, and a
spreadsheet never runs a participant's word as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Iterator

import httpx
import pytest

from server.domain.results import Cell, Result, Results
from server.domain.summary import Summary, SummaryEntry
from server.http.summary_export import summary_csv
from tests.support import Client, LiveServer


def poll(counts: list[int | None], answered: int | None, k: int = 5) -> Result:
    cells = [Cell(label=name, count=c) for name, c in zip("ABC", counts, strict=False)]
    return Result(kind="poll", k=k, shown=True, answered=answered, cells=cells)


def summary() -> Summary:
    entries = [
        # As revealed: every option chosen by none or by at least k, so counts show.
        SummaryEntry(kind="poll", title="Helps", text="What helps?", labels=["A", "B", "C"],
                     results=Results(overall=poll([7, 0, 5], 12))),
        # An edited file claiming a small count and a total: held to k = 5 again.
        SummaryEntry(kind="poll", title="Edited", text="Which?", labels=["A", "B", "C"],
                     results=Results(overall=poll([9, 2, 0], 11))),
        SummaryEntry(kind="scale", title="Hope", text="Hope?", labels=["1", "2"],
                     results=Results(overall=Result(kind="scale", k=5, shown=False))),
        SummaryEntry(kind="words", title="Words", text="One word", results=Results(
            overall=Result(kind="words", k=5, shown=True, answered=7, cells=[
                Cell(label="=HYPERLINK(1)", count=6), Cell(label="rare", count=1)]))),
        SummaryEntry(kind="poll", title="Split", text="Split?", labels=["A", "B"], results=Results(
            overall=None, by_track={"hurt": poll([5, 0], 5), "caused": poll([3, 1], 4)})),
        SummaryEntry(kind="prompt", text="Say it", texts=["RELEASED-TEXT"]),
    ]
    return Summary(date=dt.date(2026, 3, 4), title="Week 4", k=5, entries=entries)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_holds_only_released_aggregates() -> None:
    table = rows(summary_csv(summary()))
    counts = {r["count"] for r in table if r["count"]}
    # never a count from 1 to 4 (k = 5); totals of people answering are shown (docs/results.md)
    assert not counts & {"1", "2", "3", "4"}, counts
    helps = [r for r in table if r["activity"] == "Helps"]
    assert [(r["answer"], r["count"]) for r in helps] == [
        ("A", "7"), ("B", "0"), ("C", "5"), ("Answered", "12"),
    ]
    # the edited file's 2 is held to k again: counts are all or none, so every one is withheld
    edited = [r for r in table if r["activity"] == "Edited"]
    assert [r["count"] for r in edited] == ["", "", "", "11"]
    [hope] = [r for r in table if r["activity"] == "Hope"]
    assert hope["count"] == "" and "not shown" in hope["note"]
    words = [r["answer"] for r in table if r["activity"] == "Words"]
    assert "'=HYPERLINK(1)" in words and "rare" not in words  # no formula; no rare word
    split = {(r["group"], r["answer"]): r["count"] for r in table if r["activity"] == "Split"}
    assert split[("Partners who were hurt", "A")] == "5"
    # 4 answered on that side: fewer than k, so nothing of it but that it was not shown
    assert [k for k in split if k[0] == "Partners who caused the hurt"] == [
        ("Partners who caused the hurt", "")]
    assert "RELEASED-TEXT" not in summary_csv(summary())  # counts only


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


def test_the_page_and_the_csv_over_http(server: LiveServer) -> None:
    body = summary().model_dump_json()
    page = httpx.post(server.base_url + "/summary", data={"summary": body})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = re.sub(r"\s+", " ", page.text)
    assert "Week 4" in text and "RELEASED-TEXT" in text and "fewer than 5" in text
    assert ">2<" not in text and "rare" not in text  # the edited small count, the rare word
    spreadsheet = httpx.post(server.base_url + "/summary.csv", content=body,
                             headers={"Content-Type": "application/json"})
    assert spreadsheet.status_code == 200
    assert spreadsheet.headers["content-type"].startswith("text/csv")
    # the file's own name: its day and its label ("Week 4"), so two sessions a day differ
    disposition = spreadsheet.headers["content-disposition"]
    assert 'filename="hearth-summary-2026-03-04-week-4.csv"' in disposition, disposition
    assert spreadsheet.text == summary_csv(summary())
    # a label in another script rides in filename*, with an ASCII name beside it
    arabic = summary().model_copy(update={"title": "الأسبوع 4"}).model_dump_json()
    named = httpx.post(server.base_url + "/summary.csv", content=arabic,
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert named.status_code == 200
    disposition = named.headers["content-disposition"]
    assert "filename*=UTF-8''hearth-summary-2026-03-04-%D8%A7" in disposition, disposition
    assert 'filename="hearth-summary-2026-03-04-4.csv"' in disposition, disposition
    assert httpx.post(server.base_url + "/summary.csv", content=b"{}").status_code == 422
    foreign = httpx.post(server.base_url + "/summary", data={"summary": body},
                         headers={"Origin": "https://elsewhere.example"})
    assert foreign.status_code == 403
    # A browser's form post from a no-referrer page: Origin "null", Sec-Fetch-Site says whose.
    for site, status in (("same-origin", 200), ("cross-site", 403), ("same-site", 403)):
        posted = httpx.post(server.base_url + "/summary.csv", data={"summary": body},
                            headers={"Origin": "null", "Sec-Fetch-Site": site})
        assert posted.status_code == status, site
    assert "summary-file" in httpx.get(server.base_url + "/summary").text


async def test_a_real_session_exports_no_hidden_cell(server: LiveServer) -> None:
    room = await server.create_room(k=3)
    facilitator = await Client.join(server, room, "facilitator")
    phones = [await Client.join(server, room, "participant") for _ in range(4)]
    try:
        await facilitator.command({"type": "open", "activity": {
            "kind": "poll", "text": "Which?", "options": ["Most", "Few"],
            "result_style": "counts"}})
        view = await phones[0].until_view(lambda v: v["activity"] is not None)
        for i, phone in enumerate(phones):  # 3 and 1: "Few" is a hidden cell
            await phone.command({"type": "answer", "activity": view["activity"]["id"],
                                 "ballot": secrets.token_urlsafe(16),
                                 "value": {"kind": "choice", "option": int(i == 3)}})
        await facilitator.command({"type": "reveal"})
        await facilitator.send({"type": "summary", "id": 50, "title": "Week 1"})
        made = (await facilitator.expect("summary"))["summary"]
    finally:
        for client in (facilitator, *phones):
            await client.close()
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.post("/summary.csv", data={"summary": Summary.model_validate(
            made).model_dump_json()})
    table = rows(response.text)
    # one person chose Few (k = 3): counts are all or none, so neither count is exported
    assert [(r["answer"], r["count"]) for r in table] == [("Most", ""), ("Few", ""),
                                                          ("Answered", "4")]
