"""How results are drawn, as outside testers saw them on real screens (the console, a phone and
an Arabic projector, all drawing the room's own results): a withheld column of a scale is the
same hatched stub as a withheld bar, not a solid band; the names of a "chosen less" list stand
apart by " · " (options hold commas of their own); a scale's two ends are on lines of their own,
under counts and under bands alike; and a poll of 12 long options keeps its labels readable on
the projector, its labels given the width instead of its empty tracks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import Screen, facilitator, new_room, phones
from tests.browser.harness import PROJECTOR, Harness
from tests.support import LiveServer

LOW = "Not at all, I feel I am on my own with this"
HIGH = "Completely, I feel my partner is with me now"
SCALE = {"kind": "scale", "lang": "en", "text": "How close do you feel?", "points": 5}
SCALE |= {"low_label": LOW, "high_label": HIGH}
# Options as people write them: commas inside, so a comma between them would not tell them apart.
OPTIONS = ["Rest, mostly", "Time, and patience", "Being heard, not fixed", "Honesty, even late"]


class Room:
    """A room (k = 3) with its console, a phone and an Arabic projector open in Chromium, and
    the facilitator and phones driven over the WebSocket."""

    def __init__(self, harness: Harness, server: LiveServer) -> None:
        self.info = new_room(server, k=3)
        self.console = harness.page(viewport={"width": 1280, "height": 860})
        self.console.goto(self.info["console_url"].removeprefix(server.base_url))
        self.display = harness.page(**PROJECTOR, locale="ar-EG")
        self.display.goto(self.info["display_url"].removeprefix(server.base_url))
        expect(self.display.locator(".big-code")).to_be_visible()
        self.phone = harness.phone(self.info["code"])
        self.lead = facilitator(server, self.info)
        self.people = phones(server, self.info, 6)

    @property
    def screens(self) -> list[tuple[str, Page]]:
        return [("console", self.console), ("phone", self.phone), ("projector", self.display)]

    def reveal(self, activity: dict[str, Any], values: list[dict[str, Any]]) -> None:
        self.lead.command({"type": "open", "activity": activity})
        aid = self.lead.view["activity"]["id"]
        for person, value in zip(self.people, values, strict=False):
            person.answer(aid, value)
        self.lead.command({"type": "reveal"})
        for _, page in self.screens:
            expect(page.locator(".results .answered")).to_contain_text(str(len(values)))

    def close(self) -> None:
        for screen in (self.lead, *self.people):
            screen.close()


@pytest.fixture
def room(harness: Harness, server: LiveServer) -> Iterator[Room]:
    opened = Room(harness, server)
    yield opened
    opened.close()


def scale(*values: int) -> list[dict[str, Any]]:
    return [{"kind": "scale", "value": v} for v in values]


# A withheld stub's paint and size against its track.
# Along the track: its height where the scale stands in columns, its width where a narrow
# screen lays it in rows (base.css), as "length".
STUBS = """() => [...document.querySelectorAll('.results .column-fill.bar-withheld')].map((stub) => {
  const style = getComputedStyle(stub);
  const track = stub.closest('.column-track').getBoundingClientRect();
  const box = stub.getBoundingClientRect();
  const rows = track.width > track.height * 2;
  return { image: style.backgroundImage, colour: style.backgroundColor, rows,
    length: rows ? box.width : box.height, track: rows ? track.width : track.height };
})"""

# Each end of a scale's ends line: the rectangles of its text ("1 = " and its label's <bdi>).
ENDS = """() => {
  const ends = document.querySelector('.results .scale-ends:not(.twin)');
  const rects = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()].filter((r) => r.width > 0).map((r) => [r.top, r.bottom]);
  };
  const [low, high] = ends.querySelectorAll('bdi');
  const before = (bdi) => (bdi.previousSibling ? rects(bdi.previousSibling) : []);
  return { text: ends.textContent, low: [...before(low), ...rects(low)],
    high: [...before(high), ...rects(high)], labels: [low.textContent, high.textContent] };
}"""


def ends_on_their_own_lines(page: Page, where: str) -> None:
    seen = page.evaluate(ENDS)
    assert seen["labels"] == [LOW, HIGH], f"{where}: {seen}"
    low_bottom = max(bottom for _, bottom in seen["low"])
    high_top = min(top for top, _ in seen["high"])
    # every line of the low end above every line of the high end: nothing of one beside the other
    assert low_bottom <= high_top + 1, f"{where}: the two ends share a line: {seen}"


def test_withheld_columns_are_hatched_stubs(room: Room) -> None:
    # 3, 1, 0, 0, 0 of 4: one value has fewer than k, so no column shows a count.
    room.reveal({**SCALE, "result_style": "counts"}, scale(1, 1, 1, 2))
    for where, page in room.screens:
        expect(page.locator(".results .column.is-withheld")).to_have_count(5)
        stubs = page.evaluate(STUBS)
        assert len(stubs) == 5, f"{where}: {stubs}"
        for stub in stubs:
            # hatched as a withheld bar is, over the track's own colour: no solid fill
            assert "repeating-linear-gradient" in stub["image"], f"{where}: {stub}"
            assert stub["colour"] == "rgba(0, 0, 0, 0)", f"{where}: a solid stub: {stub}"
            assert 0 < stub["length"] < stub["track"] / 4, f"{where}: not a stub: {stub}"


def test_each_end_of_a_scale_stands_on_its_own_line(room: Room) -> None:
    room.reveal({**SCALE, "result_style": "counts"}, scale(1, 1, 1, 5))
    for where, page in room.screens:
        ends_on_their_own_lines(page, f"{where}, counts")


def test_bands_say_which_end_is_which(room: Room) -> None:
    room.reveal({**SCALE, "result_style": "bands"}, scale(1, 1, 1, 4, 5, 5))
    for where, page in room.screens:
        expect(page.locator(".results .band")).to_have_count(2)
        expect(page.locator(".results .scale-ends:not(.twin) bdi")).to_have_text([LOW, HIGH])
        ends_on_their_own_lines(page, f"{where}, bands")


# The text between the names (<bdi>) of each line of a "most chosen" result.
BETWEEN = """() => [...document.querySelectorAll('.results .lean, .results .note')].flatMap((line) =>
  [...line.childNodes].filter((n, i, all) => n.nodeType === 3 && all[i - 1]?.nodeName === 'BDI'
    && all[i + 1]?.nodeName === 'BDI').map((n) => n.textContent))"""


def test_a_list_of_options_keeps_each_option_apart(room: Room) -> None:
    # 0, 0, 1, 3 of 4: the full order would pin the counts, so only the most chosen is named.
    poll = {"kind": "poll", "lang": "en", "text": "What helps?", "options": OPTIONS}
    votes = [{"kind": "choice", "option": o} for o in (3, 3, 3, 2)]
    room.reveal({**poll, "result_style": "leaning"}, votes)
    for where, page in room.screens:
        expect(page.locator(".results .lean bdi")).to_have_text([OPTIONS[3]])
        expect(page.locator(".results .note bdi")).to_have_text(OPTIONS[:3])
        assert page.evaluate(BETWEEN) == [" · ", " · "], where


# Twelve options of about 110 characters, as the testers wrote them.
LONG = [
    f"{i + 1}. When my partner goes quiet, I start to fill the silence, explain myself, "
    "and hurry to fix it for both of us"
    for i in range(12)
]
LABEL = """() => {
  const bar = document.querySelector('.results .bar');
  const width = (cls) => bar.querySelector(cls).getBoundingClientRect().width;
  return { size: parseFloat(getComputedStyle(bar.querySelector('.bar-label')).fontSize),
    label: width('.bar-label'), track: width('.bar-track') };
}"""


def test_long_options_stay_readable_as_counts_on_the_projector(
    harness: Harness, server: LiveServer
) -> None:
    info = new_room(server, k=3)
    display = harness.page(viewport={"width": 1280, "height": 720})
    display.goto(info["display_url"].removeprefix(server.base_url))
    expect(display.locator(".big-code")).to_be_visible()
    lead: Screen = facilitator(server, info)
    people = phones(server, info, 3)
    poll = {"kind": "poll", "text": "Which of these is most like you this week?", "options": LONG}
    lead.command({"type": "open", "activity": {**poll, "result_style": "counts"}})
    for person in people:
        person.answer(lead.view["activity"]["id"], {"kind": "choice", "option": 0})
    lead.command({"type": "reveal"})
    expect(display.locator(".results .bar-count")).to_have_text(["3"] + ["0"] * 11)
    # readable from the back of a room: 18px at 1280x720 (it was 11), never below 15 elsewhere
    for (width, height), least in (((1280, 720), 18), ((1920, 1080), 15), ((1024, 768), 15)):
        display.set_viewport_size({"width": width, "height": height})
        display.wait_for_function(
            f"() => document.querySelector('#stage').dataset.fitFor === '{width}x{height}'"
        )
        seen = display.evaluate(LABEL)
        assert seen["size"] >= least, f"labels at {width}x{height} are {seen['size']:.1f}px"
        assert seen["label"] > seen["track"], f"long labels, wider tracks: {seen}"
    for screen in (lead, *people):
        screen.close()
