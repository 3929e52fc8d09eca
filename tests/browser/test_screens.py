"""Details of each screen: the QR link, the neutral title and storage, 360 px, keyboard use,
the blank key, and a client that refuses message types it does not know."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.browser.harness import LAPTOP, PHONE, PROJECTOR, Harness


def test_the_qr_link_joins_and_the_phone_keeps_only_session_storage(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    join_url = console.locator(".join-link a").get_attribute("href")
    assert join_url and join_url.endswith(f"/join#{code}")
    phone = harness.page(**PHONE)
    phone.goto(join_url)
    assert phone.title() == "Session"
    expect(phone.get_by_label("Session code")).to_have_value(code)
    assert "#" not in phone.url, "the code leaves the address bar"
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    expect(console.locator("#count-connected")).to_have_text("1")
    assert phone.evaluate("localStorage.length") == 0
    # One cookie while joined, so a closed tab can rejoin as the same person: this site's only,
    # never sent elsewhere, gone by itself within 40 minutes of the page's last use (and at
    # Leave and the end).
    [cookie] = phone.context.cookies()
    assert cookie["name"] == "hearth-rejoin" and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/join", "sent with the join page alone"
    assert 0 < cookie["expires"] - time.time() <= 40 * 60 + 60
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    harness.open_activity(
        console,
        "poll",
        "Which of these fits?",
        **{"Options, one per line": "A long option that wraps on a small phone screen\nAnother"},
    )
    expect(phone.get_by_role("button", name="Another")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    box = phone.get_by_role("button", name="Another").bounding_box()
    assert box and box["height"] >= 44, "touch targets are at least 44 px high"


def test_keyboard_only_join_and_answer(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.page(**PHONE)
    phone.goto("/join")
    expect(phone.get_by_label("Session code")).to_be_focused()
    phone.keyboard.type(code)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    harness.open_activity(console, "scale", "How rested are you?", **{"Points on the scale": "3"})
    expect(phone.get_by_role("button", name="1", exact=True)).to_be_visible()
    for _ in range(20):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.textContent") == "2":
            break
    else:
        raise AssertionError("the scale could not be reached with Tab")
    phone.keyboard.press("Enter")
    expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("1")
    # More opens with the keyboard, and Escape shuts it from inside, back on its button
    more = phone.get_by_role("button", name="More")
    more.focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#menu-panel")).to_be_visible()
    # its items come before More in the page: the first of them takes the focus, and Tab
    # walks on through them (it left the page, and Escape then shut nothing)
    expect(phone.locator("#word")).to_be_focused()
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Support", exact=True)).to_be_focused()
    phone.get_by_role("button", name="Larger text").focus()
    phone.keyboard.press("Escape")
    expect(phone.locator("#menu-panel")).to_be_hidden()
    expect(more).to_be_focused()
    phone.keyboard.press("Enter")  # and from the page's body too
    phone.evaluate("document.activeElement.blur()")
    phone.keyboard.press("Escape")
    expect(phone.locator("#menu-panel")).to_be_hidden()
    expect(more).to_be_focused()


def test_blank_from_the_console_and_with_the_b_key(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    blank = display.locator("#blank")
    expect(blank).to_be_hidden()
    console.get_by_role("button", name="Blank the display").click()
    expect(blank).to_be_visible()
    expect(console.get_by_role("button", name="Display is blank: show it")).to_have_attribute(
        "aria-pressed", "true"
    )
    console.get_by_role("button", name="Display is blank: show it").click()
    expect(blank).to_be_hidden()
    display.keyboard.press("b")
    expect(blank).to_be_visible()
    display.keyboard.press("b")
    expect(blank).to_be_hidden()


def test_the_client_throws_on_unknown_message_types(harness: Harness) -> None:
    page = harness.page(**PHONE)
    page.goto("/join")
    outcome = page.evaluate(
        """async () => {
            const m = await import('/static/shared/protocol.js');
            const refused = (f) => { try { f(); return false; } catch { return true; } };
            return [refused(() => m.checkIncoming('snapshot')), refused(() => m.checkIncoming('bogus')),
                    refused(() => m.checkOutgoing('answer')), refused(() => m.checkOutgoing('bogus'))];
        }"""
    )
    assert outcome == [False, True, False, True]


def test_one_time_links_open_the_display_and_console_elsewhere(harness: Harness) -> None:
    harness.allow_console.append(r"status of 404")  # the spent ticket, tried a second time
    console = harness.facilitator(k=3)
    code = harness.code(console)
    harness.panel(console, "Another device")
    console.get_by_role("button", name="Display link").click()
    link = console.get_by_label("Display link (works once)").input_value()
    display_key = console.evaluate(
        "JSON.parse(sessionStorage.getItem('hearth.console')).displayKey"
    )
    assert "#ticket=" in link and display_key not in link  # a ticket, never the credential
    projector = harness.page(**PROJECTOR)
    projector.goto(link)
    expect(projector.locator(".corner-code")).to_have_text(f"{code[:3]} {code[3:]}")
    assert "ticket" not in projector.url
    again = harness.page(**PROJECTOR)
    again.goto(link)
    expect(again.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(again.locator("body")).to_contain_text("This link has been used or has expired.")

    console.get_by_role("button", name="Console link").click()
    tablet = harness.page(**LAPTOP)
    tablet.goto(console.get_by_label("Console link (works once)").input_value())
    expect(tablet.locator("#count-code")).to_have_text(code)
    # The code shows from the ticket before the socket is up; a press then is refused, not kept.
    expect(tablet.locator("body")).not_to_have_class(re.compile(r"\boffline\b"))
    tablet.get_by_role("button", name="Blank the display").click()
    expect(projector.locator("#blank")).to_be_visible()
