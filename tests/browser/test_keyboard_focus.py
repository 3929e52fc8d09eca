"""A facilitator on the keyboard alone keeps their place: a redraw that replaces the control they
pressed puts the focus back, never on the page's top (from an outside run, at 1024x768: after
"Open step 5" it took 43 Tabs to reach "Close answers"; after a move, Release or Close answers
the next Tab went to "Previous step" or to "Source code" at the page's foot)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.harness import Harness

SMALL_LAPTOP = {"width": 1024, "height": 768}


def press(console: Page, name: str) -> None:
    """Reach a button with the keyboard's focus and press Enter, as a keyboard user does."""
    console.get_by_role("button", name=name, exact=True).focus()
    console.keyboard.press("Enter")


def focused_name(console: Page) -> str:
    return str(
        console.evaluate(
            "() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim()"
        )
    )


def test_the_run_sheet_keeps_the_focus_on_the_step_moved_and_opened(harness: Harness) -> None:
    console = harness.facilitator(k=3, viewport=SMALL_LAPTOP)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    titles = console.locator(".steps > .step")
    moved = titles.nth(1).inner_text()
    press(console, "Move step 2 down")
    for at in (3, 4):  # pressed again where the focus is: the same step goes on down
        expect(console.locator(":focus")).to_have_attribute("aria-label", f"Move step {at} down")
        console.keyboard.press("Enter")
    expect(console.locator(":focus")).to_have_attribute("aria-label", "Move step 5 down")
    assert titles.nth(4).inner_text() == moved
    press(console, "Move step 5 up")
    expect(console.locator(":focus")).to_have_attribute("aria-label", "Move step 4 up")

    console.locator('[aria-label^="Open step 2:"]').focus()
    console.keyboard.press("Enter")
    heading = console.locator("#live-heading")
    expect(heading).to_be_focused()
    expect(heading).not_to_have_text("Nothing live")


def test_the_live_card_and_the_queue_keep_the_focus(harness: Harness) -> None:
    console = harness.facilitator(k=3, viewport=SMALL_LAPTOP)
    phones = [harness.phone(harness.code(console)) for _ in range(3)]
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(console, "prompt", "What helped you stay?")
    for phone, text in zip(phones, ["A walk", "Saying it", "Not rushing"], strict=True):
        phone.get_by_label("Your answer").fill(text)
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("3")
    press(console, "Close answers")
    expect(console.locator("#queue-heading")).to_be_focused()  # the answers to review came
    items = console.locator(".queue-item")
    for i in range(3):
        items.nth(i).get_by_role("button", name="Approve").focus()
        console.keyboard.press("Enter")
        expect(items.nth(i).get_by_role("button", name="Approve")).to_have_attribute("aria-pressed", "true")
        expect(items.nth(i).get_by_role("button", name="Approve")).to_be_focused()
    press(console, "Release approved (3)")
    released = console.locator("#queue-released")
    expect(released).to_have_text("3 written answers released")
    expect(released).to_be_focused()

    harness.open_activity(console, "poll", "Which is closest?", **{"Options, one per line": "Hope\nFear"})
    press(console, "Close answers")
    heading = console.locator("#live-heading")
    expect(heading).to_be_focused()  # Close answers is gone: one Tab before what comes next
    console.keyboard.press("Tab")
    assert focused_name(console) == "Reveal results"
