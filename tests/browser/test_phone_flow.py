"""What a person sees on the phone at real sizes (320x568, 360x740, 740x360), each checked as
seen: inside the viewport and the scrolling part (main), and what is at its centre is itself.

A stored answer is confirmed where the person is looking, without showing which option, and said
once; the side question is under "More" while an activity is live, in plain words; closing a
timed reflection leaves the private note to read and write; shared words say they were shared,
not lost; the bar keeps "I need a pause" in sight at the largest text; and results that arrive
are brought into view, never taking the focus or the caret from someone writing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.drive import (
    Screen,
    facilitator,
    largest_text,
    new_room,
    phones,
    press_when_still,
)
from tests.browser.harness import Harness
from tests.support import LiveServer

SIZES = [(320, 568), (360, 740), (740, 360)]
LONG = (
    "Think of a moment this week when you wanted to hurry past something uncomfortable, "
    "and what you did with the urge to fix it quickly."
)
OPTIONS = [f"Option {i}: {LONG[: 40 + 6 * i]}" for i in range(12)]
POLL = {"kind": "poll", "title": "Noticing", "text": "Which is closest?", "options": OPTIONS}
STORED = "Your answer is stored. It is hidden here; you can change it until it closes."
SHARED = (
    "Shared anonymously. It is kept hidden on this phone, so the person next to you cannot "
    "read it. You can change it until sharing closes."
)

# Seen: whole inside the viewport and what main shows of the page, and on top at its centre.
SEEN = """(el) => {
  const r = el.getBoundingClientRect(), m = document.querySelector('main').getBoundingClientRect();
  const inMain = !document.querySelector('main').contains(el) || (r.top >= m.top - 1 && r.bottom <= m.bottom + 1);
  const inView = r.top >= -1 && r.left >= -1 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return r.height > 0 && inMain && inView && !!hit && (hit === el || el.contains(hit));
}"""


def seen(locator: Locator) -> None:
    """Wait (on the page's frames, no sleep) until the element is seen whole and uncovered."""
    handle = locator.element_handle()
    locator.page.wait_for_function(SEEN, arg=handle)


def joined(harness: Harness, code: str, width: int = 360, height: int = 740) -> Page:
    page = harness.page(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True)
    page.goto(f"/join#{code}")
    page.get_by_role("button", name="Join").click()
    expect(page.locator("#actions")).to_be_visible()
    return page


def room_with(server: LiveServer, k: int = 3) -> tuple[dict[str, Any], Screen]:
    room = new_room(server, k=k)
    return room, facilitator(server, room)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_stored_answer_is_confirmed_in_view_without_showing_which(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    room, lead = room_with(server)
    page = joined(harness, room["code"], width, height)
    lead.command({"type": "open", "activity": POLL})
    fourth = page.get_by_role("button", name=OPTIONS[3])
    fourth.evaluate("(el) => el.scrollIntoView({ block: 'start' })")
    seen(fourth)
    status = page.locator(".answer-status")
    status_box = status.bounding_box()
    assert status_box and status_box["y"] > height, "the status starts far below the fold"
    fourth.click()
    expect(status).to_have_text("✓ " + STORED + "Show my answer")
    seen(status)
    # nothing says which: no option is left pressed
    expect(page.locator(".choice[aria-pressed='true']")).to_have_count(0)
    # said once: one live region holds it, and the status line itself is not one
    news = page.locator("[aria-live], [role=status], [role=alert]").filter(has_text=STORED)
    expect(news).to_have_count(1)
    expect(news).to_have_text(STORED)
    lead.close()


def test_the_side_question_is_under_more_while_an_activity_is_live(
    harness: Harness, server: LiveServer
) -> None:
    room, lead = room_with(server)
    lead.command({"type": "configure", "tracks": True})
    sided = {**POLL, "options": ["Yes", "No"], "sides": {"hurt": {"text": "For the hurt side"}}}
    lead.command({"type": "open", "activity": sided})
    page = joined(harness, room["code"], 320, 568)  # a late joiner: straight into the activity
    expect(page.get_by_text("Which is closest?")).to_be_visible()
    page.get_by_role("button", name="More").click()
    question = page.locator("#actions").get_by_role(
        "group", name="Optional: which side are you on?"
    )
    hurt = question.get_by_role("button", name="I was hurt")
    hurt.scroll_into_view_if_needed()
    seen(hurt)
    expect(page.locator("#actions")).to_contain_text(
        "If results are shown per side, each side's answers stay hidden until enough people on "
        "that side have answered. You can skip this."
    )
    expect(page.locator("#actions")).not_to_contain_text("threshold")
    hurt.click()
    expect(page.locator("#menu-sides .side-kept")).to_be_visible()  # kept, not left pressed
    expect(hurt).to_have_attribute("aria-pressed", "false")
    expect(hurt).to_be_focused()  # redrawn, the focus still on it
    expect(page.get_by_text("For the hurt side")).to_be_visible()  # that side's words
    seen(page.get_by_role("button", name="I need a pause"))

    # the room kept it: with this tab's copy gone, the phone learns the side back from the server
    page.evaluate("sessionStorage.removeItem('hearth.track')")
    page.reload()
    expect(page.get_by_text("For the hurt side")).to_be_visible()
    page.get_by_role("button", name="More").click()
    page.locator("#menu-sides").get_by_role("button", name="Show my side").click()
    expect(question.get_by_role("button", name="I was hurt")).to_have_attribute(
        "aria-pressed", "true"
    )
    lead.command({"type": "configure", "tracks": False})
    expect(page.locator("#menu-sides")).to_be_hidden()
    lead.close()


def test_closing_a_timed_reflection_leaves_the_private_note(
    harness: Harness, server: LiveServer
) -> None:
    room, lead = room_with(server)
    page = joined(harness, room["code"], 320, 568)
    reflection = {"kind": "reflection", "text": "Write privately.", "seconds": 300, "share": True}
    lead.command({"type": "open", "activity": reflection})
    lead.command({"type": "timer", "action": "start"})
    note = page.get_by_label("Your note")
    note.fill("Only for me")
    lead.command({"type": "close"})
    expect(page.locator(".answer-status")).to_have_text(
        "Sharing is closed. Your note stays on this phone, and you can keep writing until the "
        "next step."
    )
    expect(note).to_have_value("Only for me")
    expect(note).to_be_editable()
    note.press("End")
    note.press_sequentially(", still writing")
    expect(note).to_have_value("Only for me, still writing")
    expect(page.get_by_role("button", name="Share anonymously")).to_have_count(0)
    expect(page.get_by_text("it stays on this phone and is gone when you leave")).to_be_visible()
    lead.close()


def test_shared_words_say_they_were_shared_and_hidden(harness: Harness, server: LiveServer) -> None:
    room, lead = room_with(server)
    page = joined(harness, room["code"], 360, 740)
    reflection = {"kind": "reflection", "text": "Write privately.", "seconds": 300, "share": True}
    lead.command({"type": "open", "activity": reflection})
    page.get_by_label("Your note").fill("I stayed in the kitchen")
    page.get_by_role("button", name="Share anonymously").click()
    status = page.locator(".answer-status")
    expect(status).to_contain_text("✓ " + SHARED)
    seen(status)
    # no empty box counting characters beside it, as if the words had gone
    expect(page.get_by_label("Your note")).to_have_count(0)
    expect(page.get_by_text("characters left")).to_have_count(0)
    press_when_still(page, "Show my answer")
    expect(page.get_by_label("Your note")).to_have_value("I stayed in the kitchen")
    lead.close()


def test_a_reloaded_page_says_the_note_was_shared_above_the_empty_box(
    harness: Harness, server: LiveServer
) -> None:
    """Shared words are never kept in storage, so a reload shows an empty "Your note": the line
    saying they were shared sat under the box and the timer, below the fold at 360x740, and the
    person would write and share again."""
    room, lead = room_with(server)
    page = joined(harness, room["code"], 360, 740)
    reflection = {"kind": "reflection", "text": "Write privately.", "seconds": 300, "share": True}
    lead.command({"type": "open", "activity": reflection})
    lead.command({"type": "timer", "action": "start"})
    page.get_by_label("Your note").fill("I stayed in the kitchen")
    page.get_by_role("button", name="Share anonymously").click()
    expect(page.locator(".answer-status")).to_contain_text("✓ " + SHARED)
    page.reload()
    said = page.locator("#answer-not-shown")
    expect(said).to_be_visible()
    # shared, and not "kept hidden on this phone" beside "no longer shows" (from an outside run)
    status = page.locator(".answer-status")
    expect(status).to_contain_text("✓ Shared anonymously. You can change it until sharing closes.")
    expect(status).not_to_contain_text("hidden")
    expect(said).to_be_in_viewport(ratio=1)
    box = page.get_by_label("Your note")
    expect(box).to_have_value("")
    status_at, box_at = page.locator(".answer-status").bounding_box(), box.bounding_box()
    assert status_at and box_at and status_at["y"] < box_at["y"], (status_at, box_at)
    lead.close()


BAR = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  const bar = document.querySelector('#actions');
  return { main: main.height, scrolls: bar.scrollHeight > bar.clientHeight + 1 };
}"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_bar_keeps_pause_in_sight_at_the_largest_text(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    room, lead = room_with(server)
    lead.command({"type": "configure", "tracks": True})
    page = joined(harness, room["code"], width, height)
    lead.command({"type": "open", "activity": POLL})
    more = page.locator("#menu")
    pause = page.get_by_role("button", name="I need a pause")
    more.click()
    page.get_by_role("button", name="Larger text").click()
    page.get_by_role("button", name="Larger text").click()
    expect(page.get_by_role("button", name="Smaller text")).to_be_attached()
    # open: the bar never scrolls as a whole, pause and Close stay seen, every item is reachable
    for item in page.locator("#menu-panel").locator("button, select, a").all():
        item.scroll_into_view_if_needed()
        seen(item)
        seen(pause)
        seen(more)
    assert not page.evaluate(BAR)["scrolls"], "the bar is a scrolling area of its own"
    more.click()
    expect(more).to_have_text("More")
    seen(pause)
    seen(more)
    layout = page.evaluate(BAR)
    assert layout["main"] >= 0.6 * height, f"the activity keeps most of the screen: {layout}"
    seen(page.get_by_role("heading", name="Noticing"))
    lead.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_results_are_brought_into_view_when_they_arrive(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    room, lead = room_with(server)
    page = joined(harness, room["code"], width, height)
    # a long question: once revealed, the results begin below the fold
    lead.command({"type": "open", "activity": {**POLL, "text": " ".join([LONG] * 4)}})
    aid = str(lead.view["activity"]["id"])
    for person in phones(server, room, 3):
        person.answer(aid, {"kind": "choice", "option": 1})
    seen(page.get_by_role("heading", name="Noticing"))  # scrolled to the top, as it was
    lead.command({"type": "reveal"})
    heading = page.get_by_role("heading", name="What the group said")
    expect(heading).to_be_attached()
    assert page.evaluate("document.querySelector('main').scrollHeight > innerHeight")
    seen(heading)
    expect(page.locator("#answer-news")).to_have_text("What the group said")
    lead.close()


def test_shared_answers_arriving_leave_the_writer_where_they_are(
    harness: Harness, server: LiveServer
) -> None:
    room, lead = room_with(server)
    page = joined(harness, room["code"], 320, 568)
    reflection = {"kind": "reflection", "text": LONG, "seconds": 300, "share": True}
    lead.command({"type": "open", "activity": reflection})
    aid = str(lead.view["activity"]["id"])
    for i, person in enumerate(phones(server, room, 3)):
        person.answer(aid, {"kind": "text", "text": f"Something small, number {i}"})
    lead.command({"type": "close"})
    note = page.get_by_label("Your note")
    note.fill("Halfway through a thought")
    note.press("ArrowLeft")
    top = page.evaluate("document.querySelector('main').scrollTop")
    for item in lead.view["queue"]:
        lead.command({"type": "moderate", "item": item["id"], "action": "approve"})
    lead.command({"type": "release"})
    expect(page.locator(".texts .card")).to_have_count(3)
    # the writer keeps the focus, the caret and their place on the page
    expect(note).to_be_focused()
    assert note.evaluate("(el) => [el.selectionStart, el.selectionEnd]") == [24, 24]
    assert page.evaluate("document.querySelector('main').scrollTop") == top
    note.press_sequentially("!")
    expect(note).to_have_value("Halfway through a though!t")
    lead.close()


def test_a_skipped_activity_can_be_seen_after_all(harness: Harness, server: LiveServer) -> None:
    """After "Skip this one" the phone says "You can still answer until it closes": it offered
    nothing to answer with. The way back is one button; the pass stands until an answer."""
    room, lead = room_with(server)
    page = joined(harness, room["code"])
    noted = {"kind": "poll", "text": "Which is closest?", "options": ["Hope", "Fear"]}
    lead.command({"type": "open", "activity": {**noted, "content_note": "About the affair."}})
    page.get_by_role("button", name="Skip this one").click()
    status = page.locator(".answer-status")
    expect(status).to_contain_text("You passed. You can still answer until it closes.")
    expect(page.get_by_role("button", name="Hope")).to_have_count(0)
    page.get_by_role("button", name="See it after all").click()
    page.get_by_role("button", name="Hope").click()
    expect(status).to_contain_text(STORED)
    expect(page.get_by_role("button", name="See it after all")).to_have_count(0)
    lead.close()


def test_the_end_is_read_from_its_top(harness: Harness, server: LiveServer) -> None:
    """A phone scrolled down a long poll when the session ends: the end screen kept the poll's
    scroll, and its heading was above the view at the largest text."""
    room, lead = room_with(server)
    page = joined(harness, room["code"], 360, 640)
    largest_text(page)
    lead.command({"type": "open", "activity": POLL})
    last = page.get_by_role("button", name=OPTIONS[-1])
    last.scroll_into_view_if_needed()
    assert page.evaluate("document.querySelector('main').scrollTop") > 300
    lead.command({"type": "end"})
    heading = page.get_by_role("heading", name="The session has ended")
    expect(heading).to_be_visible()
    seen(heading)
    assert page.evaluate("document.querySelector('main').scrollTop") == 0


def test_a_paste_that_does_not_fit_says_its_end_was_lost(
    harness: Harness, server: LiveServer
) -> None:
    """A 427-character answer pasted into a box of 280 lost its end mid-sentence, and went on
    through approval to the projector so; the phone said only "0 characters left"."""
    room, lead = room_with(server)
    page = joined(harness, room["code"])
    lead.command({"type": "open", "activity": {"kind": "prompt", "text": "What happened?", "open_text": True}})
    box = page.get_by_label("Your answer")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("(text) => navigator.clipboard.writeText(text)", LONG * 4)
    box.focus()
    box.press("Control+V")
    note = page.locator(".pasted-cut")
    expect(note).to_have_text(
        "The end of what you pasted did not fit: an answer holds 280 characters at most. "
        "Check how it ends before you send it."
    )
    assert len(box.input_value()) == 280
    box.press("Backspace")  # the next edit: the note has been said
    expect(note).to_have_text("")
    page.evaluate("(text) => navigator.clipboard.writeText(text)", "a short line")
    box.press("Control+A")
    box.press("Control+V")  # one that fits says nothing
    expect(box).to_have_value("a short line")
    expect(note).to_have_text("")


def test_the_high_ends_label_keeps_to_its_end_when_it_wraps(
    harness: Harness, server: LiveServer
) -> None:
    """At the largest text on a 320 px phone, "5 Completely settled" wraps: its "5" stood at
    the start of its half, under the 3, where it read as the 3's label."""
    room, lead = room_with(server)
    page = joined(harness, room["code"], 320, 568)
    largest_text(page)
    scale = {"kind": "scale", "text": "How settled?", "points": 5}
    lead.command({"type": "open", "activity": {**scale, "low_label": "Not at all", "high_label": "Completely settled"}})
    high = page.locator(".scale-legend > span").last
    gaps = high.evaluate(
        "(el) => { const r = document.createRange(); r.selectNodeContents(el);"
        " const box = el.getBoundingClientRect();"
        " return [...r.getClientRects()].map((line) => Math.round(box.right - line.right)); }"
    )
    assert len(gaps) > 1 and max(gaps) <= 1, f"its lines end {gaps} px short of the right"
    lead.close()
