"""A small phone (320x568, upright and on its side) at the largest text, in the languages with
the longest words and in Arabic: nothing runs off the sides of the screen, whatever is on it.
Upright, a revealed 10-point scale was 464 px wide, its counts 303 px, the word fields 352 px,
"most of us" beside an option 291 px, and a French heading ran out of its box; on its side,
"I need a pause" and More (in German and Spanish) ran 7-14 px off the screen's edge."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.drive import facilitator, largest_text, new_room, phone_joined, phones, say
from tests.browser.harness import Harness
from tests.browser.layout import sideways
from tests.support import LiveServer

LANGUAGES = ["de", "fr", "ar"]
SIZES = [(320, 568), (568, 320)]  # held upright, and on its side
ACTIVITIES: list[dict[str, Any]] = [
    {
        "kind": "poll",
        "title": "Which of these feels true for you tonight?",
        "text": "Choose what fits best, even if only a little.",
        "options": ["Relief that it is finally said out loud", "Überwältigt-und-erschöpft", "Hope"],
    },
    {"kind": "scale", "text": "How settled?", "points": 10, "low_label": "Not at all settled"},
    {"kind": "scale", "text": "How close?", "points": 7},
    {"kind": "scale", "text": "Counted", "points": 10, "result_style": "counts"},
    {"kind": "scale", "text": "Banded", "points": 10, "result_style": "bands"},
    {
        "kind": "poll",
        "text": "Said",
        "options": ["Relief that it is finally said", "Fear", "Hope"],
        "result_style": "words",
    },
    {"kind": "words", "text": "One word for today?", "max_words": 3},
    {"kind": "prompt", "text": "What helped you stay?", "open_text": True},
    {"kind": "reflection", "text": "Write to yourself.", "seconds": 120, "share": True},
    {"kind": "checkin", "text": "Arriving?", "options": ["Steady", "Tender", "Overwhelmed"]},
    {"kind": "grounding", "text": "Breathe.", "seconds": 60},
    {"kind": "poll", "text": "Noted", "options": ["A", "B"], "content_note": "A hard moment."},
]


@pytest.mark.parametrize("size", SIZES, ids=["upright", "on-its-side"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_runs_off_a_small_phone_at_the_largest_text(
    harness: Harness, server: LiveServer, lang: str, size: tuple[int, int]
) -> None:
    width, height = size
    room = new_room(server)
    lead = facilitator(server, room)
    page = phone_joined(harness, room["code"], lang, width, height)
    largest_text(page, lang)
    others = phones(server, room, 3)

    def check(state: str) -> None:
        problems = sideways(page, width)
        assert not problems, f"{lang} at {width}x{height}, {state}: {problems[:6]}"

    check("waiting")
    for activity in ACTIVITIES:
        lead.command({"type": "open", "activity": activity})
        aid = lead.view["activity"]["id"]
        if "content_note" in activity:
            expect(page.locator(".content-note")).to_contain_text(activity["content_note"])
        else:
            expect(page.locator(".activity-text")).to_have_text(activity["text"])
        check(activity["kind"] + (" behind its note" if "content_note" in activity else ""))
        if activity["kind"] in ("poll", "scale") and "content_note" not in activity:
            value = {"kind": "scale", "value": 5} if activity["kind"] == "scale" else None
            for other in others:
                other.answer(aid, value or {"kind": "choice", "option": 0})
            lead.command({"type": "reveal"})
            expect(page.locator(".results")).to_be_visible()
            check(activity["kind"] + " revealed")
        if activity.get("open_text"):  # short answers shared: each card within the screen
            for other in others:
                other.answer(aid, {"kind": "text", "text": "Still here."})
            lead.command({"type": "close"})
            for item in lead.view["queue"]:
                lead.command({"type": "moderate", "item": item["id"], "action": "approve"})
            lead.command({"type": "release"})
            expect(page.locator(".texts .card")).to_have_count(len(others))
            check("answers shared")
    page.get_by_role("button", name=say(lang, "More")).click()
    check("the menu open")
