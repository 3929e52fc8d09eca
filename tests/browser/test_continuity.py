"""Nobody loses their place, in real Chromium: a phone that closes its tab and opens the join link
again is the same person once they say so (answers once, changes their answer); the console tab closed mid-activity
comes back through `hearth link --room`; a co-facilitator's console has no End; Grounding now
and Back to; the support card in the phone's menu and on its end screen; the word signal."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import leave
from tests.browser.harness import PHONE, Harness
from tests.browser.layout import under_fixed


def cookies_sent(page: Page) -> tuple[list[str], list[str]]:
    """The path of every request the page makes from now on, and the paths of those that carried
    the rejoin cookie, as the browser sent them (DevTools' record of the headers on the wire,
    the WebSocket's handshake included)."""
    requested: list[str] = []
    carried: list[str] = []
    paths: dict[str, str] = {}
    cdp = page.context.new_cdp_session(page)

    def started(request_id: str, url: str) -> None:
        paths[request_id] = urlsplit(url).path
        requested.append(paths[request_id])

    def sent(request_id: str, cookie: str) -> None:
        if "hearth-rejoin" in cookie:
            carried.append(paths.get(request_id, "?"))

    cdp.on("Network.requestWillBeSent", lambda e: started(e["requestId"], e["request"]["url"]))
    cdp.on("Network.webSocketCreated", lambda e: started(e["requestId"], e["url"]))
    cdp.on(
        "Network.requestWillBeSentExtraInfo",
        lambda e: sent(e["requestId"], str({k.lower(): v for k, v in e["headers"].items()})),
    )
    cdp.on(  # the handshake as written to the socket
        "Network.webSocketHandshakeResponseReceived",
        lambda e: sent(e["requestId"], e["response"].get("requestHeadersText", "")),
    )
    cdp.send("Network.enable")
    return requested, carried


def stored(phone: Page) -> None:
    expect(phone.locator(".answer-status")).to_have_text(re.compile("stored"))


def test_a_phone_that_closes_its_tab_and_rejoins_answers_once(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    context = phone.context
    harness.open_activity(
        console, "poll", "Which feels closest?", **{"Options, one per line": "Hope\nFear"}
    )
    phone.get_by_role("button", name="Hope").click()
    stored(phone)
    expect(console.locator("#count-answered")).to_have_text("1")

    phone.close()  # the tab is gone, and its sessionStorage with it
    again = context.new_page()
    harness._watch(again)
    requested, carried = cookies_sent(again)
    again.goto(f"/join#{code}")  # the QR code or the link, opened again
    again.get_by_role("button", name="Carry on where I left off").click()  # not a partner
    expect(again.get_by_text("Which feels closest?")).to_be_visible()
    # The cookie (code, token, ballot) goes with the join page's request and nothing else: not
    # with its scripts, the WebSocket or an API call.
    assert "/ws" in requested and any(path.startswith("/static/") for path in requested)
    assert carried == ["/join"]
    stored(again)  # the room knows this phone answered; the answer itself was never kept
    expect(again.get_by_role("button", name="Show my answer")).to_have_count(0)
    again.get_by_role("button", name="Fear").click()  # a change of mind, not a second answer
    stored(again)
    expect(console.locator("#count-connected")).to_have_text("1")
    expect(console.locator("#count-answered")).to_have_text("1")

    # the end: the cookie goes with everything else
    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="End and erase").click()
    expect(again.get_by_role("heading", name="The session has ended")).to_be_visible()
    again.wait_for_function("() => document.cookie === ''", polling=100)
    assert context.cookies() == []


def test_a_reopened_tab_carries_on_with_its_own_pause_and_word(harness: Harness) -> None:
    """The room still counts a pause and a word asked from a tab since closed: the phone that
    carries on must show them as asked (and can take them back), not as never asked."""
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    context = phone.context
    phone.get_by_role("button", name="I need a pause").click()
    phone.get_by_role("button", name="More").click()
    phone.get_by_role("button", name="I'd like a word afterwards").click()
    expect(console.locator("#count-pauses")).to_have_text("1")
    expect(console.locator("#count-words")).to_have_text("1")

    phone.close()  # the tab is gone, and its sessionStorage with it
    again = context.new_page()
    harness._watch(again)
    again.goto(f"/join#{code}")
    again.get_by_role("button", name="Carry on where I left off").click()
    expect(again.get_by_role("heading", name="You're in")).to_be_visible()
    pause = again.locator("#pause")
    expect(pause).to_have_text("Pause asked · tap to take back")
    expect(pause).to_have_attribute("aria-pressed", "true")
    again.get_by_role("button", name="More").click()
    word = again.locator("#word")
    expect(word).to_have_text("Word afterwards asked · tap to take back")
    expect(word).to_have_attribute("aria-pressed", "true")
    # Kept as a tap keeps them: a reload shows them still, and the counts stay one each.
    again.reload()
    expect(again.locator("#pause")).to_have_attribute("aria-pressed", "true")
    expect(console.locator("#count-pauses")).to_have_text("1")
    expect(console.locator("#count-words")).to_have_text("1")
    again.locator("#pause").click()  # and taken back from here
    expect(console.locator("#count-pauses")).to_have_text("0")
    expect(again.locator("#pause")).to_have_text("I need a pause")


def test_a_reopened_tab_says_its_answer_is_not_shown_in_sentences_apart(
    harness: Harness,
) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    context = phone.context
    harness.open_activity(console, "poll", "What helps?", **{"Options, one per line": "Rest\nTalk"})
    phone.get_by_role("button", name="Rest").click()
    stored(phone)
    phone.close()
    again = context.new_page()
    harness._watch(again)
    again.goto(f"/join#{code}")
    again.get_by_role("button", name="Carry on where I left off").click()
    expect(again.locator("#answer-not-shown")).to_be_visible()
    console.get_by_role("button", name="Close answers").click()
    status = again.locator(".answer-status")
    expect(status).to_contain_text("Answers are closed now.")
    said = status.evaluate("(el) => el.textContent")
    assert "now. Since this page was opened again" in said, said


def test_the_console_comes_back_and_a_co_facilitator_helps(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    expect(console.locator("#reentry-hint")).to_contain_text(f"hearth link --room {code}")
    harness.panel(console, "Support card")
    console.get_by_role("textbox", name="Support card").fill("Helpline: 0800 123 456")
    console.get_by_role("button", name="Save the support card").click()
    harness.open_activity(console, "poll", "What helps?", **{"Options, one per line": "Rest\nTalk"})
    phone.get_by_role("button", name="Rest").click()
    stored(phone)

    # A co-facilitator, from a one-time link the console makes
    co = harness.co_console(console)
    expect(co.get_by_role("button", name="End session…")).to_have_count(0)

    # The phone asks for a word afterwards: both consoles see the count
    phone.get_by_role("button", name="More").click()
    phone.get_by_role("button", name="I'd like a word afterwards").click()
    for screen in (console, co):
        expect(screen.locator("#count-words")).to_have_text("1")
    # and opens the support card
    phone.get_by_role("button", name="Support").click()
    expect(phone.get_by_role("dialog")).to_contain_text("Helpline: 0800 123 456")
    phone.get_by_role("button", name="Close").click()

    # Grounding now, from the co-facilitator; then back to the poll with its answer
    co.get_by_role("button", name="Grounding now").click()
    expect(phone.locator(".pacer")).to_be_visible()
    console.get_by_role("button", name=re.compile("^Back to")).click()
    expect(phone.get_by_text("What helps?")).to_be_visible()
    stored(phone)
    expect(console.locator("#count-answered")).to_have_text("1")

    # The console tab closes mid-activity; `hearth link --room CODE` brings it back
    console.close()
    back = harness.reenter(code)
    expect(back.locator(".live-text")).to_have_text("What helps?")
    expect(back.locator("#count-answered")).to_have_text("1")
    back.get_by_role("button", name="Reveal results").click()
    expect(phone.locator(".results")).to_be_visible()

    back.get_by_role("button", name="End session…").click()
    back.get_by_role("button", name="End and erase").click()
    expect(phone.get_by_role("heading", name="The session has ended")).to_be_visible()
    expect(phone.locator(".support-card")).to_contain_text("Helpline: 0800 123 456")
    harness.check()


def test_the_phone_menu_fits_and_text_grows(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    phone.set_viewport_size(PHONE["viewport"])
    harness.open_activity(console, "poll", "Which helps?", **{"Options, one per line": "A\nB"})
    # the words people read grow, not only the page's root size (a pixel size on the body once
    # kept every heading, question and option as it was)
    sizes = """() => ['#activity-title', '.activity-text', '.choice'].map(
      (s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
    before = phone.evaluate(sizes)
    phone.get_by_role("button", name="More").click()
    phone.get_by_role("button", name="Larger text").click()
    phone.get_by_role("button", name="Larger text").click()
    expect(phone.get_by_role("button", name="Smaller text")).to_be_visible()
    after = phone.evaluate(sizes)
    assert all(a >= 1.35 * b for a, b in zip(after, before, strict=True)), (before, after)
    # every control of the open menu can be reached (its bar scrolls), nothing runs off the side
    reachable = """() => [...document.querySelectorAll('#actions button, #actions select')]
      .filter((el) => el.checkVisibility()).filter((el) => {
        el.scrollIntoView({ block: 'nearest' });
        const r = el.getBoundingClientRect();
        return r.top < -1 || r.bottom > innerHeight + 1 || r.right > innerWidth + 1;
      }).map((el) => el.textContent)"""
    for width, height in ((360, 640), (320, 568)):
        phone.set_viewport_size({"width": width, "height": height})
        assert phone.evaluate("document.documentElement.scrollWidth") <= width
        assert phone.evaluate(reachable) == [], (width, "menu open")
    phone.get_by_role("button", name="Close").click()
    for width, height in ((360, 640), (320, 568)):
        phone.set_viewport_size({"width": width, "height": height})
        assert phone.evaluate(reachable) == [], (width, "menu shut")
        assert under_fixed(phone) == [], (width, under_fixed(phone))


def test_a_private_note_survives_a_reload_and_the_pacer_can_buzz(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    harness.open_activity(console, "reflection", "Write to yourself.")
    note = phone.get_by_label("Your note")
    note.fill("only for me")
    phone.reload()
    expect(phone.get_by_label("Your note")).to_have_value("only for me")

    # a buzz at each change of the breath, for closed eyes (recorded instead of felt here)
    phone.context.add_init_script(
        "navigator.vibrate = (ms) => { (window.buzzes ||= []).push(ms); return true; };"
    )
    phone.reload()
    console.get_by_role("button", name="Grounding now").click()
    toggle = phone.get_by_role("button", name=re.compile("Buzz or tone"))
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    phone.wait_for_function("() => (window.buzzes || []).length > 0", timeout=15_000)


@pytest.mark.parametrize("how", ["leaves", "session ends"])
def test_a_grounding_left_behind_falls_still(harness: Harness, how: str) -> None:
    """Once a phone has left, or its session has ended, mid-grounding, the circle it was
    following is gone: no buzz, no tone and no error, however long the farewell stays up."""
    console = harness.facilitator(k=3)
    phone = harness.page(**PHONE)
    phone.clock.install()  # the page's clock, so the test can let a minute pass at once
    phone.add_init_script(
        "navigator.vibrate = (ms) => { (window.buzzes ||= []).push(ms); return true; };"
    )
    phone.goto(f"/join#{harness.code(console)}")
    phone.get_by_role("button", name="Join").click()
    console.get_by_role("button", name="Grounding now").click()
    toggle = phone.get_by_role("button", name=re.compile("Buzz or tone"))
    toggle.click()
    phone.clock.run_for(20_000)
    assert phone.evaluate("(window.buzzes || []).length") > 0, "the pacer buzzes while it runs"
    if how == "leaves":
        phone.get_by_role("button", name="More").click()
        leave(phone)
        expect(phone.get_by_role("heading", name="You have left")).to_be_visible()
    else:
        console.get_by_role("button", name="End session…").click()
        console.get_by_role("button", name="End and erase").click()
        expect(phone.get_by_role("heading", name="The session has ended")).to_be_visible()
    buzzed = phone.evaluate("window.buzzes.length")
    phone.clock.run_for(60_000)
    assert phone.evaluate("window.buzzes.length") == buzzed
