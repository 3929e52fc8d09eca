"""A console that came back through `hearth link --room` can open the projector display again,
in real Chromium: its tab has the facilitator's credential only, yet **Open the display** and the
display link in **Another device** are there, and the projector they open works."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.harness import PROJECTOR, Harness


def test_a_console_back_from_re_entry_opens_the_display(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    harness.open_activity(console, "poll", "What helps?", **{"Options, one per line": "Rest\nTalk"})
    phone.get_by_role("button", name="Rest").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")

    # The laptop restarts: the console and the projector window are both gone
    harness.display(console).close()
    console.close()
    back = harness.reenter(code)
    expect(back.locator(".live-text")).to_have_text("What helps?")
    room = json.loads(back.evaluate("sessionStorage.getItem('hearth.console')"))
    assert room["code"] == code and not room.get("displayKey")  # a facilitator's credential only

    # Open the display is there, and opens a working projector
    projector = harness.display(back)
    expect(projector.locator(".corner-code")).to_have_text(f"{code[:3]} {code[3:]}")
    expect(projector.locator(".text")).to_have_text("What helps?")
    assert "ticket" not in projector.url

    # Another device offers the display link too; it carries a ticket, never a credential
    harness.panel(back, "Another device")
    back.get_by_role("button", name="Display link").click()
    link = back.get_by_label("Display link (works once)").input_value()
    assert "/display#ticket=" in link and room["key"] not in link
    elsewhere = harness.page(**PROJECTOR)
    elsewhere.goto(link.removeprefix(harness.live.base_url))
    expect(elsewhere.locator(".corner-code")).to_have_text(f"{code[:3]} {code[3:]}")

    # both follow the room: the results, once revealed
    back.get_by_role("button", name="Reveal results").click()
    for screen in (projector, elsewhere):
        expect(screen.locator(".results")).to_be_visible()
    harness.check()
