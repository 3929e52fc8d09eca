"""A phone at 390x844 scrolled down a long activity: the next activity the facilitator opens
starts at its top (its title in sight), even while the phone was still gliding to its answer's
status; an update of the same activity (answers closed) leaves the page where it was."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.drive import facilitator, new_room
from tests.browser.harness import Harness
from tests.support import LiveServer

LONG = (
    "Think of a moment this week when you wanted to hurry past something uncomfortable. "
    "What did you do with the urge to fix it quickly, and what did you notice? "
) * 6
OPTIONS = [f"Option {i}: something that helped a little, or did not help at all" for i in range(10)]
FIRST = {"kind": "poll", "title": "Noticing the urge", "text": LONG, "options": OPTIONS}
NEXT = {"kind": "poll", "title": "What steadies you", "text": LONG, "options": OPTIONS}


# The furthest main is scrolled over the next twelve frames.
FRAMES = """() => new Promise((done) => {
  let most = 0, left = 12;
  const frame = () => {
    most = Math.max(most, document.querySelector('main').scrollTop);
    if (--left) requestAnimationFrame(frame); else done(most);
  };
  requestAnimationFrame(frame);
})"""


def scroll_top(page: Page) -> float:
    return float(page.evaluate("() => document.querySelector('main').scrollTop"))


def title_in_view(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => {
              const box = document.querySelector('#activity-title').getBoundingClientRect();
              const main = document.querySelector('main').getBoundingClientRect();
              return box.top >= main.top && box.bottom <= main.bottom;
            }"""
        )
    )


def joined(harness: Harness, code: str) -> Page:
    page = harness.page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"/join#{code}")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()
    return page


def test_a_new_activity_starts_at_its_top_and_an_update_keeps_the_place(
    harness: Harness, server: LiveServer
) -> None:
    room = new_room(server)
    lead = facilitator(server, room)
    page = joined(harness, room["code"])
    lead.command({"type": "open", "activity": FIRST})
    expect(page.get_by_role("heading", name="Noticing the urge")).to_be_visible()

    # Scrolled to the foot; the last option answered (the status glides into view), and the
    # next activity opens at once.
    page.get_by_role("button", name=OPTIONS[-1]).scroll_into_view_if_needed()
    page.get_by_role("button", name=OPTIONS[-1]).click()
    assert scroll_top(page) > 300
    lead.command({"type": "open", "activity": NEXT})
    expect(page.get_by_role("heading", name="What steadies you")).to_be_visible()
    page.wait_for_function("() => document.querySelector('main').scrollTop === 0", polling=50)
    # and stays there: nothing meant for the answer before (its status glided into view)
    # carries the new activity down in the frames that follow
    assert page.evaluate(FRAMES) == 0
    assert title_in_view(page)
    # the focus, gone with the answered option, starts at the new title (a screen reader too)
    expect(page.locator("#activity-title")).to_be_focused()
    assert page.evaluate("() => window.scrollY") == 0

    # The same activity, updated: the page stays where the person scrolled it.
    page.locator("main").evaluate("(main) => { main.scrollTop = 400; }")
    at = scroll_top(page)
    assert at == 400
    lead.command({"type": "close"})
    expect(page.locator(".answer-status")).to_have_text("Answers are closed.")
    assert scroll_top(page) == at
    lead.close()
