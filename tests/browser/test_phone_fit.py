"""The phone at 320x568 and 360x740: the join field and button above the fold, a wrong code
told precisely why, a content note before the question, and nothing hidden under the top bar or
the footer (every control and line scrolled into view clears them)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import facilitator, new_room, phones
from tests.browser.harness import Harness
from tests.browser.layout import under_fixed
from tests.support import LiveServer

SIZES = [(320, 568), (360, 740)]
BARS = ("#actions", ".topbar")
LONG = (
    "Think of a moment this week when you wanted to hurry past something uncomfortable. "
    "What did you do with the urge to fix it quickly, and what did you notice?"
)


def phone_page(harness: Harness, width: int, height: int) -> Page:
    viewport = {"width": width, "height": height}
    return harness.page(viewport=viewport, is_mobile=True, has_touch=True)


def above_the_fold(page: Page, *locators: Any) -> None:
    size = page.viewport_size
    assert size
    for locator in locators:
        box = locator.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= size["height"], box


def clear(page: Page, where: str) -> None:
    problems = under_fixed(page, BARS)
    assert not problems, f"{where}:\n" + "\n".join(problems[:10])


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_join_above_the_fold_and_wrong_codes_say_why(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    page = phone_page(harness, width, height)
    page.goto("/join")
    field = page.get_by_label("Session code")
    join = page.get_by_role("button", name="Join")
    above_the_fold(page, field, join)
    error = page.locator("#join-error")
    cases = [
        ("0BC DEF", "Codes never use “0”, “B”"),
        ("ACD", "too short: codes have 6 characters, and this has 3"),
        ("ACDEFGHJ", "too long: codes have 6 characters, and this has 8"),
    ]
    for typed, said in cases:
        field.fill(typed)
        join.click()
        expect(error).to_contain_text(said)
        above_the_fold(page, error)
    room = new_room(server)
    unknown = next(c for c in ("ACDEFG", "GFEDCA") if c != room["code"])
    field.fill(unknown.lower())
    join.click()
    expect(error).to_have_text(
        f"No session with the code {unknown} is running. Check the code on the screen, or "
        "ask the facilitator."
    )
    field.fill(room["code"])
    join.click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_nothing_hides_under_the_bars(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    room = new_room(server)
    lead = facilitator(server, room)
    page = phone_page(harness, width, height)
    page.goto(f"/join#{room['code']}")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()
    clear(page, "waiting")

    options = [f"Option {i}: {LONG[: 20 + 5 * i]}" for i in range(12)]
    noted = {"kind": "poll", "title": "Noticing", "text": LONG, "options": options}
    lead.command({"type": "open", "activity": {**noted, "content_note": "About a hard moment."}})
    expect(page.get_by_role("note")).to_contain_text("About a hard moment.")
    # the note comes first: neither the question nor its options are on the phone yet
    expect(page.get_by_text(LONG)).to_have_count(0)
    expect(page.get_by_role("button", name=options[0])).to_have_count(0)
    clear(page, "a content note")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(LONG)).to_be_visible()
    clear(page, "a poll with 12 long options")

    lead.command({"type": "open", "activity": {**noted, "content_note": "Also hard."}})
    expect(page.get_by_role("note")).to_contain_text("Also hard.")  # the new one takes the tap
    page.get_by_role("button", name="Skip this one").click()
    expect(page.locator(".answer-status")).to_contain_text("You passed")
    clear(page, "skipped")

    lead.command({"type": "open", "activity": {"kind": "grounding", "text": LONG, "seconds": 60}})
    expect(page.locator(".pacer-label")).to_be_visible()
    clear(page, "grounding")
    page.get_by_role("button", name="More").click()
    clear(page, "grounding with the menu open")
    people = phones(server, room, 1)
    for screen in (lead, *people):
        screen.close()


def test_the_check_sees_a_button_under_a_fixed_footer(harness: Harness) -> None:
    page = phone_page(harness, 360, 740)
    page.goto("/join")
    # the welcome screen is drawn once the page's catalogue has loaded: until then main holds
    # only "Loading…", and there is nothing for the bar to cover
    expect(page.get_by_role("button", name="Join")).to_be_visible()
    page.evaluate(
        """() => {
            const bar = document.createElement('div');
            bar.style.cssText = 'position:fixed;left:0;right:0;bottom:0;height:200px;background:#fff';
            document.body.append(bar);
            const main = document.querySelector('main');
            main.style.overflow = 'visible';
            document.body.style.overflow = 'auto';
            document.body.style.height = 'auto';
        }"""
    )
    assert any("is under" in p for p in under_fixed(page)), "the check must be able to fail"
