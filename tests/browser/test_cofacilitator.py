"""A co-facilitator's console offers only what the server lets a co-facilitator do: no Open next,
Open, Previous step, Clear, Close answers, Reveal, Blank, Quick check-in, New activity or paper
answers, and no key that would send one; the run-sheet is the facilitator's, read-only, and
follows their steps and edits; Grounding now, Back to, the timer (P) and the queue still work;
and coming back is a new co-facilitator link, never `hearth link --room` (the facilitator's)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from server.domain.library import load_library
from tests.browser.drive import Screen, phones
from tests.browser.harness import Harness
from tests.browser.test_accessibility import assert_accessible

# What the server refuses a co-facilitator (server/wire/protocol.py COFACILITATOR_TYPES), by
# the console's names for it.
REFUSED_BUTTONS = [
    re.compile(r"^Open next"),
    re.compile(r"^Open step"),
    re.compile(r"^Open now"),
    re.compile(r"^Previous step$"),
    re.compile(r"^Clear$"),
    re.compile(r"^Close answers$"),
    re.compile(r"^Reveal results$"),
    re.compile(r"^Blank the display$"),
    re.compile(r"^Display is blank"),
    re.compile(r"^Quick check-in$"),
    re.compile(r"^New activity$"),
    re.compile(r"^Edit step"),
    re.compile(r"^Move step"),
    re.compile(r"^Remove step"),
    re.compile(r"^Close plan$"),
    re.compile(r"^Browse the library$"),
    re.compile(r"^Add paper answers$"),
    re.compile(r"^Save the support card$"),
    re.compile(r"^End session"),
]


def live_id(phone: Screen, text: str) -> str:
    """The id of the live activity once this phone has seen the one with `text`."""
    phone.until(
        lambda _m: (phone.view.get("activity") or {}).get("definition", {}).get("text") == text
    )
    return str(phone.view["activity"]["id"])


def offers_nothing_refused(co: Page, state: str) -> None:
    for name in REFUSED_BUTTONS:
        assert co.get_by_role("button", name=name).count() == 0, (state, name.pattern)
    assert co.get_by_text("Add answers from paper").count() == 0, state
    assert co.get_by_label("Load a plan file (JSON or YAML)").count() == 0, state


def no_refusal_shown(co: Page) -> None:
    expect(co.locator(".inline-error")).to_have_count(0)
    expect(co.locator("#feedback")).to_be_empty()


def test_a_co_facilitator_is_offered_only_what_it_may_do(harness: Harness) -> None:
    entry = load_library().plans[0]
    items = entry.plan.items
    console = harness.facilitator(k=3)
    code = harness.code(console)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=f"Use this plan: {entry.plan.title}").click()
    console.get_by_role("button", name=re.compile("^Open next:")).click()
    # a second press before the first step is taken would open the first step again
    expect(console.locator(".step").nth(0)).to_have_attribute("aria-current", "step")
    console.get_by_role("button", name=re.compile("^Open next:")).click()
    expect(console.locator(".step").nth(1)).to_have_attribute("aria-current", "step")

    co = harness.co_console(console)
    runsheet = co.get_by_role("complementary", name="Run-sheet")
    expect(runsheet.get_by_role("heading", name=f"Plan: {entry.plan.title}")).to_be_visible()
    expect(co.locator(".live-text").first).to_be_visible()
    offers_nothing_refused(co, "a plan step live")
    # The facilitator's run-sheet, said to be theirs and read-only, at their step, with its notes
    expect(runsheet.locator(".read-only")).to_contain_text("The facilitator's run-sheet")
    expect(co.locator(".step")).to_have_count(len(items))
    expect(co.locator(".step").nth(1)).to_have_attribute("aria-current", "step")
    notes = items[1].activity.facilitator_notes or ""
    expect(co.locator(".facilitator-notes")).to_contain_text(notes[:40])
    expect(co.locator(".live-card .co-hint")).to_be_visible()
    keys = co.locator(".keys")
    expect(keys).to_contain_text("pause or resume the timer")
    for said in ("next step", "reveal", "blank the display"):
        expect(keys).not_to_contain_text(said)
    assert_accessible(co, "a co-facilitator's console with the run-sheet")
    # coming back is a new co-facilitator link, not `hearth link --room` (the facilitator's own)
    harness.panel(co, "How to join")
    expect(co.locator("#reentry-hint")).to_contain_text("a new co-facilitator link")
    expect(co.locator("#reentry-hint")).not_to_contain_text("hearth link")
    co.get_by_role("button", name="How to join", exact=True).click()  # shut: the queue's place
    expect(co.locator("#reentry-hint")).to_have_count(0)

    # It follows the facilitator: their next step, and a step they remove
    console.get_by_role("button", name=re.compile("^Open next:")).click()
    expect(co.locator(".step").nth(2)).to_have_attribute("aria-current", "step")
    console.get_by_role("button", name=f"Remove step {len(items)}").click()
    expect(co.locator(".step")).to_have_count(len(items) - 1)
    expect(co.locator(".step").nth(2)).to_have_attribute("aria-current", "step")

    # A poll, live: nothing to close, reveal, clear or add from paper on the co-facilitator's
    # console, and N, R and B send nothing (each would be refused)
    harness.open_activity(console, "poll", "What helps?", **{"Options, one per line": "Rest\nTalk"})
    expect(co.locator(".live-text")).to_have_text("What helps?")
    offers_nothing_refused(co, "a poll live")
    for key in ("n", "r", "b"):
        co.keyboard.press(key)
    # What it may do still works: Grounding now (sent after the keys, so any refusal of theirs
    # would have come back before this lands), the timer by its key, and Back to
    co.get_by_role("button", name="Grounding now").click()
    expect(console.locator("#live-heading")).to_contain_text("Grounding")
    no_refusal_shown(co)
    expect(console.locator(".live-text").first).not_to_have_text("What helps?")
    expect(co.get_by_role("button", name="Pause")).to_be_visible()  # its pacer already runs
    co.keyboard.press("p")
    expect(console.locator("#timer-clock")).to_contain_text("paused")
    expect(co.get_by_role("button", name="Resume")).to_be_visible()
    co.get_by_role("button", name=re.compile("^Back to")).click()
    expect(console.locator(".live-text")).to_have_text("What helps?")
    offers_nothing_refused(co, "the poll back")

    # The queue: written answers are approved and released from the co-facilitator's console
    people = phones(harness.live, {"code": code}, 3)
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(console, "prompt", "What helped?")
    aid = live_id(people[0], "What helped?")
    for phone, text in zip(people, ["Walking", "Resting", "Talking"], strict=True):
        phone.answer(aid, {"kind": "text", "text": text})
    expect(console.locator("#count-answered")).to_have_text("3")
    console.get_by_role("button", name="Close answers").click()
    expect(co.locator(".queue-item")).to_have_count(3)
    harness.approve(co, 0, 1, 2)
    co.get_by_role("button", name="Release approved (3)").click()
    expect(console.locator(".queue-item.released")).to_have_count(3)
    no_refusal_shown(co)
    for phone in people:
        phone.close()
