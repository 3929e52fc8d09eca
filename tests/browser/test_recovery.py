"""Screens recover by themselves after a network drop and catch up with what changed meanwhile."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.browser.harness import PROJECTOR, Harness


def test_display_and_phone_recover_after_a_network_drop(harness: Harness) -> None:
    # Failed connection attempts while offline are logged by the browser itself.
    harness.allow_console.append(r"WebSocket connection to .* failed")
    console = harness.facilitator(k=3)
    room = json.loads(console.evaluate("sessionStorage.getItem('hearth.console')"))
    display = harness.page(**PROJECTOR)  # its own context, so only it loses the network
    display.goto(
        harness.link({"role": "display", "code": room["code"], "credential": room["displayKey"]})
    )
    expect(display.locator(".big-code")).to_be_visible()
    phone = harness.phone(room["code"])
    harness.open_activity(console, "poll", "Before the drop", **{"Options, one per line": "A\nB"})
    phone.get_by_role("button", name="A", exact=True).click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")

    for page in (display, phone):
        page.context.set_offline(True)
    expect(display.locator("#net")).to_have_text("Reconnecting…")
    expect(phone.locator("#net")).to_have_text("Reconnecting…")
    harness.open_activity(
        console, "poll", "While you were away", **{"Options, one per line": "C\nD"}
    )
    for page in (display, phone):
        page.context.set_offline(False)

    expect(display.locator(".text")).to_have_text("While you were away")
    expect(display.locator("#net")).to_have_text("")
    expect(phone.get_by_text("While you were away")).to_be_visible()
    expect(phone.locator("#net")).to_have_text("")

    # An answer given while offline waits on the phone, says so (never a "Sending…" that looks
    # stuck) and is sent, once, on reconnecting.
    phone.context.set_offline(True)
    expect(phone.locator("#net")).to_have_text("Reconnecting…")
    chosen = phone.get_by_role("button", name="D", exact=True)
    chosen.click()
    expect(phone.locator(".answer-status")).to_contain_text(
        "Not sent yet: your answer goes as soon as the connection is back."
    )
    expect(chosen).to_have_attribute("aria-pressed", "false")  # held here, not left lit
    phone.context.set_offline(False)
    expect(phone.locator(".answer-status")).to_have_text(re.compile("stored"))
    expect(console.locator("#count-answered")).to_have_text("1")
