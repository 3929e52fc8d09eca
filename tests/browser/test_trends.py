"""A trend on the projector says, week by week, what the room was shown that week in that week's
style: a leaning poll's order ("Chosen most: …" or the ranking), where a scale leaned; a week
that showed nothing reads the same each time (a stub of one size, "not shown", why); the date
never breaks; the scale's tracks are one length; it fits at 1920x1080 and 1024x768, and every
line of Hearth's own has its Spanish twin. On the console, a series of an untitled question is
named by the question, and this session's reveals join the past files as the latest week."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from server.domain.activities import Poll, Scale
from server.domain.results import compute
from server.domain.summary import Summary, SummaryEntry
from server.domain.trends import trends
from tests.browser.drive import Screen
from tests.browser.harness import Harness
from tests.browser.test_display_twins import lines_without_twin
from tests.browser.test_fit import fits_everywhere, projector
from tests.support import LiveServer

OPTIONS = ["Steady", "Tender", "Heavy"]
POLL = Poll(text="Which way this week?", options=OPTIONS, result_style="leaning")
SCALE = Scale(text="How much hope?", points=5, result_style="leaning")
EXEMPT = ", .trend > .title, .trend > .text, .trend h3, .trend .bar-label, .trend .rank-names"

ONE_LINE = """() => [...document.querySelectorAll('.trend .trend-date')].map((el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getClientRects().length;
})"""
TRACKS = """() => [...document.querySelectorAll('.trend .bar-track')].map(
  (el) => Math.round(el.getBoundingClientRect().width))"""
STUBS = """() => [...document.querySelectorAll('.trend .trend-stub')].map((el) => {
  const box = el.getBoundingClientRect();
  return [Math.round(box.width), Math.round(box.height)];
})"""


def entry(activity: Poll | Scale, cells: dict[str, int], k: int) -> SummaryEntry:
    labels = getattr(activity, "options", None) or ["1", "2", "3", "4", "5"]
    return SummaryEntry(kind=activity.kind, text=activity.text, labels=labels,
                        results=compute(activity, cells, k))  # fmt: skip


def week(n: int, k: int, *entries: SummaryEntry) -> Summary:
    return Summary(date=dt.date(2026, 12, 6) + dt.timedelta(weeks=n - 1), title=f"Week {n}",
                   k=k, entries=list(entries))  # fmt: skip


def weeks() -> list[Summary]:
    # week 1: 8 answered, 5 / 3 / 0, the full order; the scale leans low. Week 2: 9 answered, 6
    # and 3, only the most chosen named... as the styles decide; the scale leans high. Week 3:
    # four answered: nothing shown.
    one = week(1, 5, entry(POLL, {"n": 8, "o:0": 5, "o:1": 3}, 5),
               entry(SCALE, {"n": 7, "v:1": 4, "v:5": 3}, 5))  # fmt: skip
    two = week(2, 5, entry(POLL, {"n": 10, "o:2": 4, "o:1": 3, "o:0": 3}, 5),
               entry(SCALE, {"n": 9, "v:4": 4, "v:5": 5}, 5))  # fmt: skip
    three = week(3, 5, entry(POLL, {"n": 4, "o:0": 4}, 5), entry(SCALE, {"n": 4, "v:3": 4}, 5))
    return [one, two, three]


@pytest.fixture
def display(harness: Harness, server: LiveServer) -> Iterator[tuple[Page, Screen, list[Screen]]]:
    with projector(harness, server, 1) as opened:
        yield opened


def show(lead: Screen, trend: Any) -> None:
    lead.command({"type": "trend", "trend": trend.model_dump(mode="json")})


def test_a_two_week_trend_says_what_each_week_showed(display: Any) -> None:
    page, lead, _ = display
    built = trends(weeks(), 3)
    poll = next(t for t in built if t.kind == "poll")
    scale = next(t for t in built if t.kind == "scale")

    show(lead, poll)
    cards = page.locator(".trend .trend-point")
    expect(cards).to_have_count(3)
    expect(cards.nth(0).locator(".rank-names")).to_have_text(["Steady", "Tender", "Heavy"])
    expect(cards.nth(1).locator(".rank-names")).to_have_text(["Heavy", "Steady · Tender"])
    expect(cards.nth(1)).to_contain_text("(as often as each other)")
    expect(cards.nth(2).locator(".trend-said")).to_have_text("not shown")
    expect(cards.nth(2).locator(".trend-why")).to_have_text(
        "Fewer than 5 answered, so results are not shown."
    )
    expect(cards.nth(0).locator(".answered")).to_have_text("8 people answered")
    expect(page.locator(".trend h3").first).to_have_text("Week 12026-12-06")
    assert page.evaluate(ONE_LINE) == [1, 1, 1]
    fits_everywhere(page, "a leaning poll's trend")

    show(lead, scale)
    rows = page.locator(".trend .bar-count")
    expect(rows).to_have_text(
        [
            "The room leans low.",
            "The room leans high.",
            "not shownFewer than 5 answered, so results are not shown.",
        ]
    )
    tracks = page.evaluate(TRACKS)
    assert len(tracks) == 3 and len(set(tracks)) == 1, tracks  # one length, whatever each says
    assert page.evaluate(ONE_LINE) == [1, 1, 1]
    fits_everywhere(page, "a scale's trend")

    # the second language: every line of Hearth's own has its twin, and it still fits
    page.set_viewport_size({"width": 1920, "height": 1080})
    lead.command({"type": "trend", "trend": None})
    page.get_by_label("Also in").select_option("es")
    for trend in (poll, scale):
        show(lead, trend)
        expect(page.locator(".trend .kind.twin")).to_have_text("A lo largo de 3 sesiones")
        assert lines_without_twin(page, exempt=EXEMPT) == [], trend.kind
        fits_everywhere(page, f"a {trend.kind}'s trend with its Spanish twins")
        page.set_viewport_size({"width": 1920, "height": 1080})


def test_a_week_held_to_a_larger_k_and_a_withheld_week_read_alike(display: Any) -> None:
    page, lead, _ = display
    small = week(1, 3, entry(POLL, {"n": 6, "o:0": 4, "o:1": 2}, 3))
    none = week(2, 5, entry(POLL, {"n": 6, "o:0": 2, "o:1": 2, "o:2": 2}, 5))
    seen = week(3, 5, entry(POLL, {"n": 8, "o:0": 5, "o:1": 3}, 5))
    [poll] = trends([small, none, seen], 3)
    show(lead, poll)
    cards = page.locator(".trend .trend-point")
    expect(cards).to_have_count(3)
    expect(cards.nth(0).locator(".trend-why")).to_have_text(
        "Shown that week for a smaller k; this trend holds every week to 5."
    )
    expect(cards.nth(1).locator(".trend-why")).to_have_text(
        "No order can be shown at this size without hinting at how few chose something."
    )
    expect(cards.nth(2).locator(".rank-names").first).to_have_text("Steady")
    stubs = page.evaluate(STUBS)
    assert len(stubs) == 2 and stubs[0] == stubs[1], stubs
    fits_everywhere(page, "a trend with withheld weeks")


def test_the_console_names_untitled_series_and_adds_this_session(
    harness: Harness, tmp_path: Path
) -> None:
    past = week(1, 3, entry(POLL, {"n": 6, "o:0": 4, "o:1": 2}, 3))
    path = tmp_path / "week1.json"
    path.write_text(json.dumps(past.model_dump(mode="json")))
    console = harness.facilitator(k=3)
    display = harness.display(console)
    code = harness.code(console)
    phones = [harness.phone(code) for _ in range(3)]
    options = {"Options, one per line": "\n".join(OPTIONS)}
    harness.open_activity(console, "poll", POLL.text, "leaning", **options)
    for phone in phones:
        phone.get_by_role("button", name="Steady").click()
        expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("3")
    console.get_by_role("button", name="Reveal results").click()
    expect(display.locator(".results")).to_be_visible()
    harness.panel(console, "Across weeks")
    console.get_by_label("Load past summaries").set_input_files([str(path)])
    button = console.get_by_role("button", name=f"Show on display: {POLL.text}")
    expect(button).to_be_visible()
    expect(console.locator(".trend-list li").first).to_contain_text("2 sessions")
    # A trend shows between activities: asked for while results are up, the console says what
    # it waits for, and the room keeps the results until Clear.
    button.click()
    waiting = console.locator(".trend-waiting")
    expect(waiting).to_have_text(
        "Waiting for the display: it shows the trend once you press Clear on the live activity."
    )
    expect(display.locator(".results")).to_be_visible()
    console.get_by_role("button", name="Clear", exact=True).click()
    expect(display.locator(".trend .kind")).to_have_text("Across 2 sessions")
    expect(display.locator(".trend h3").last).to_contain_text("This session")
    expect(waiting).to_have_count(0)


def test_a_summary_and_a_plan_in_each_others_picker_say_where_they_go(
    harness: Harness, tmp_path: Path
) -> None:
    """An outside tester chose last week's summary in the plan's file picker and read six
    validation errors ("format: Input should be 'hearth-plan'", ...). Both files sit side by
    side on a facilitator's laptop: each picker now says which file it was given and where it
    goes, naming the file among several."""
    summary = tmp_path / "hearth-summary-week-1.json"
    summary.write_text(
        json.dumps(week(1, 3, entry(POLL, {"n": 6, "o:0": 6}, 3)).model_dump(mode="json"))
    )
    plan = tmp_path / "my-plan.json"
    plan.write_text(json.dumps({"format": "hearth-plan", "version": 1, "title": "Mine",
                                "items": [{"activity": {"kind": "prompt", "text": "Hello"}}]}))  # fmt: skip
    harness.allow_console.append(r"status of 422")  # the browser logs each refusal the page words
    console = harness.facilitator(k=3)
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files([str(summary)])
    problems = console.locator(".plan .error .problems li")
    expect(problems).to_have_count(1)
    expect(problems).to_have_text(
        "file: This is a session summary, not a plan: load it under “Across weeks”, “Load past summaries”."
    )
    harness.panel(console, "Across weeks")
    console.get_by_label("Load past summaries").set_input_files([str(summary), str(plan)])
    told = console.locator(".error .problems li").filter(has_text="my-plan.json")
    expect(told).to_have_text(
        "my-plan.json: This is a session plan, not a summary: load it under “Session plan”."
    )

    # From an outside run: a YAML plan there was "not a summary (not JSON)", not named for what
    # it is; and a wrong pick wiped the summaries already listed, to be picked again
    console.get_by_label("Load past summaries").set_input_files([str(summary)])
    listed = console.locator(".weeks button", has_text="Show on display")
    expect(listed.first).to_be_visible()
    count = listed.count()
    yaml_plan = tmp_path / "my-plan.yaml"
    yaml_plan.write_text("format: hearth-plan\nversion: 1\ntitle: Mine\nitems: []\n")
    for wrong in (yaml_plan, plan):
        console.get_by_label("Load past summaries").set_input_files([str(wrong)])
        expect(console.locator(".side .error .problems li")).to_have_text(
            f"{wrong.name}: This is a session plan, not a summary: load it under “Session plan”."
        )
        expect(listed).to_have_count(count)


def test_words_and_bands_weeks_keep_their_style(display: Any) -> None:
    page, lead, _ = display
    said = Poll(text="How was it?", options=OPTIONS, result_style="words")
    banded = Scale(text="How rested?", points=5, result_style="bands")
    one = week(1, 3, entry(said, {"n": 6, "o:0": 6}, 3),
               entry(banded, {"n": 12, "v:1": 3, "v:2": 3, "v:4": 3, "v:5": 3}, 3))  # fmt: skip
    two = week(2, 3, entry(said, {"n": 8, "o:1": 5, "o:2": 3}, 3),
               entry(banded, {"n": 9, "v:2": 4, "v:5": 5}, 3))  # fmt: skip
    built = trends([one, two], 3)
    page.get_by_label("Also in").select_option("es")
    words = next(t for t in built if t.kind == "poll")
    show(lead, words)
    cards = page.locator(".trend .trend-point")
    # 6 of 6 on one option would pin every count: that week gave no words, and says so
    expect(cards.nth(0).locator(".trend-why")).to_contain_text("cannot be put in words")
    expect(cards.nth(1).locator(".said-word")).to_have_count(3)
    expect(cards.nth(1).locator(".said-word").nth(1)).to_contain_text("most of us")
    assert lines_without_twin(page, exempt=EXEMPT + ", .trend .said-label") == []
    fits_everywhere(page, "a trend in words")
    page.set_viewport_size({"width": 1920, "height": 1080})
    bands = next(t for t in built if t.kind == "scale")
    show(lead, bands)
    expect(page.locator(".trend .trend-band-said").first).to_contain_text("1: 3 of us")
    expect(page.locator(".trend .bar-row, .trend .trend-row")).to_have_count(2)
    assert lines_without_twin(page, exempt=EXEMPT) == []
    fits_everywhere(page, "a trend in bands")
