"""The summary page and CSV say what the room was shown in every style: an order (and only as
much of it as was shown), where a scale leans, words, bands with their counts, exact counts. A
withheld option reads "not shown" (it may hold 0 or 30), never "fewer than k", and no number
appears that the room did not see."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterator

import httpx
import pytest

from server.domain.activities import CheckIn, Poll, Scale
from server.domain.results import Cell, Result, Results, compute
from server.domain.summary import Summary, SummaryEntry
from server.http.summary_export import summary_csv
from tests.support import LiveServer

K = 5
DASH = "\u2013"  # a band reads low, en dash, high, as on the projector
FULL = Poll(text="Which?", options=["Steadier", "Calmer", "Lighter"], result_style="leaning")
FIVE = Poll(text="Which of five?", options=["Ash", "Birch", "Cedar", "Elm", "Fir"],
            result_style="leaning")
LEAN = Scale(text="Hope?", points=5, result_style="leaning")
WORDS = CheckIn(text="How?", options=["Calm", "Tense", "Tired"], result_style="words")
BANDS = Scale(text="Rest?", points=5, result_style="bands")
COUNTS = Poll(text="Counted?", options=["Most", "Few"], result_style="counts")


def entry(title: str, activity: Poll | Scale | CheckIn, cells: dict[str, int]) -> SummaryEntry:
    labels = getattr(activity, "options", None) or [str(v) for v in range(1, 6)]
    return SummaryEntry(kind=activity.kind, title=title, text=activity.text, labels=labels,
                        results=compute(activity, cells, K))


def summary() -> Summary:
    entries = [
        # 4, 3, 3 of 10: Steadier first, then Calmer and Lighter as often as each other
        entry("Order", FULL, {"n": 10, "o:0": 4, "o:1": 3, "o:2": 3}),
        # 4, 3, 2, 1, 0 of 10 pins every count: only the most chosen is named
        entry("Top", FIVE, {"n": 10, "o:0": 4, "o:1": 3, "o:2": 2, "o:3": 1}),
        # 2, 2, 2 of 6: no order can be given
        entry("None", FIVE, {"n": 6, "o:0": 2, "o:1": 2, "o:2": 2}),
        # the most chosen, two as often as each other (as results.py draws 4, 4, 0 of 8)
        SummaryEntry(kind="poll", title="Tied", text="Which?", labels=["Ash", "Birch", "Cedar"],
                     results=Results(overall=Result(
                         kind="poll", style="leaning", order="top", k=K, shown=True, answered=8,
                         cells=[Cell(label="Ash", rank=1), Cell(label="Birch", rank=1),
                                Cell(label="Cedar", rank=2)]))),
        entry("Lean", LEAN, {"n": 8, "v:4": 3, "v:5": 5}),
        entry("Words", WORDS, {"n": 12, "o:0": 7, "o:1": 5}),
        entry("Bands", BANDS, {"n": 12, "v:1": 3, "v:2": 3, "v:4": 4, "v:5": 2}),
        # 6 and 1: counts are all or none, so both are withheld
        entry("Withheld", COUNTS, {"n": 7, "o:0": 6, "o:1": 1}),
        entry("Few", COUNTS, {"n": 4, "o:0": 4}),
    ]
    return Summary(date=dt.date(2026, 3, 4), title="Week 5", k=K, entries=entries)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def of(table: list[dict[str, str]], activity: str) -> list[tuple[str, str, str, str]]:
    return [(r["answer"], r["count"], r.get("rank") or "", r["note"])
            for r in table if r["activity"] == activity]


def test_the_results_were_drawn_in_the_styles_this_file_is_about() -> None:
    drawn = {e.title: e.results.overall for e in summary().entries if e.results}
    assert {t: (r.style, r.order) for t, r in drawn.items() if r and r.style == "leaning"} == {
        "Order": ("leaning", "full"), "Top": ("leaning", "top"), "Tied": ("leaning", "top"),
        "None": ("leaning", "none"), "Lean": ("leaning", None)}
    assert (drawn["Words"].style, drawn["Bands"].style) == ("words", "bands")


def test_the_csv_says_what_the_room_saw() -> None:
    table = rows(summary_csv(summary()))
    assert list(table[0]) == ["date", "session", "activity", "kind", "question", "group",
                              "answer", "count", "note", "rank"]
    tie = "(as often as each other)"
    assert of(table, "Order") == [
        ("Steadier", "", "1", ""), ("Calmer", "", "2", tie), ("Lighter", "", "2", tie),
        ("", "", "", "From most to least chosen."), ("Answered", "10", "", "")]
    assert of(table, "Top") == [
        ("Ash", "", "1", "chosen most"),
        *[(name, "", "", "chosen less") for name in ("Birch", "Cedar", "Elm", "Fir")],
        ("Answered", "10", "", "")]
    assert of(table, "Tied") == [
        ("Ash", "", "1", "chosen most, as often as each other"),
        ("Birch", "", "1", "chosen most, as often as each other"),
        ("Cedar", "", "", "chosen less"), ("Answered", "8", "", "")]
    [no_order, _answered] = of(table, "None")
    assert no_order[:3] == ("", "", "") and no_order[3].startswith("No order can be shown")
    assert of(table, "Lean") == [("", "", "", "The room leans high."), ("Answered", "8", "", "")]
    assert of(table, "Words") == [
        ("Calm", "", "", "most of us"), ("Tense", "", "", "many of us"),
        ("Tired", "", "", "a few of us, or none"), ("Answered", "12", "", "")]
    bands = of(table, "Bands")
    assert bands[:2] == [(f"1{DASH}2", "6", "", ""), (f"3{DASH}5", "6", "", "")]
    assert bands[2][3].startswith("Neighbouring values are joined") and bands[3][:2] == (
        "Answered", "12")
    assert of(table, "Withheld") == [
        ("Most", "", "", "not shown"), ("Few", "", "", "not shown"), ("Answered", "7", "", "")]
    # "fewer than k" is kept for a result that was not shown at all, and only there
    assert [r["note"] for r in table if "fewer than" in r["note"]] == [
        "fewer than 5 answered: not shown"]
    assert of(table, "Few")[0][3] == "fewer than 5 answered: not shown"
    # no number the room did not see: only bands, answered totals and ranks
    numbers = {r["count"] for r in table if r["count"]}
    assert numbers == {"10", "8", "12", "6", "7"}, numbers


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_page_says_what_the_room_saw(server: LiveServer) -> None:
    body = summary().model_dump_json()
    page = httpx.post(server.base_url + "/summary", data={"summary": body})
    assert page.status_code == 200
    text = visible(page.text)
    for said in (
        "1. Steadier", "2. Calmer (as often as each other)", "2. Lighter (as often as each other)",
        "From most to least chosen.", "1. Ash chosen most", "Birch chosen less",
        "No order can be shown at this size", "The room leans high.", "Calm most of us",
        "Tense many of us", "Tired a few of us, or none", f"1{DASH}2 6", f"3{DASH}5 6",
        "Most not shown", "Few not shown", "fewer than 5 answered: not shown",
    ):
        assert said in text, said
    # the only "fewer than" is the result that was not shown
    assert text.count("fewer than") == 1


def test_the_page_and_csv_reuse_the_room_s_translations(server: LiveServer) -> None:
    body = summary().model_dump_json()
    page = visible(httpx.post(server.base_url + "/summary?lang=es", data={"summary": body}).text)
    for said in ("De la más elegida a la menos elegida.", "(tan a menudo como las otras)",
                 "El grupo se inclina hacia lo alto.", "la mayoría de nosotros", "no se muestra"):
        assert said in page, said
    sheet = httpx.post(server.base_url + "/summary.csv?lang=es", data={"summary": body}).text
    assert "El grupo se inclina hacia lo alto." in sheet and "no se muestra" in sheet
    assert sheet.startswith("date,session,activity,kind,question,group,answer,count,note,rank")


def test_a_cloud_word_shown_without_its_count_reads_as_shown(server: LiveServer) -> None:
    """The room saw "hope" (given by 6 of 7, so its count is not given: 7 - 6 would tell the
    one who did not): the file says it was given by k or more, not "not shown"."""
    cloud = Result(kind="words", k=K, shown=True, answered=7,
                   cells=[Cell(label="hope", withheld=True)])  # fmt: skip
    words = SummaryEntry(kind="words", title="Cloud", text="One word?",
                         results=Results(overall=cloud))  # fmt: skip
    said = SummaryEntry(kind="prompt", title="Said", text="Anything?", texts=["كنت خائفًا."])
    file = Summary(date=dt.date(2026, 3, 4), title="Week 5", k=K, entries=[words, said])
    assert of(rows(summary_csv(file)), "Cloud") == [
        ("hope", "", "", "5 or more of us"), ("Answered", "7", "", "")]  # fmt: skip
    page = httpx.post(server.base_url + "/summary", data={"summary": file.model_dump_json()}).text
    assert "hope 5 or more of us" in visible(page) and "not shown" not in visible(page)
    assert '<li dir="auto">كنت خائفًا.</li>' in page  # a released answer in its own direction


def test_a_sides_lean_is_that_sides_not_the_rooms() -> None:
    """Under a side's name, "The room leans high." spoke for everyone."""
    split = compute(LEAN, {"n": 8, "t:hurt|n": 8, "t:hurt|v:4": 3, "t:hurt|v:5": 5}, K, split=True)
    side = SummaryEntry(kind="scale", title="Sides", text=LEAN.text, labels=[str(v) for v in range(1, 6)],
                        results=split)  # fmt: skip
    table = rows(summary_csv(Summary(date=dt.date(2026, 3, 4), k=K, entries=[side])))
    assert [r["note"] for r in table if "leans" in r["note"]] == ["This side leans high."]
