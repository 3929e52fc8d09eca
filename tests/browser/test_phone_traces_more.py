"""What a phone keeps while a session runs, and who it is after its tab closed, in real Chromium.

The rejoin cookie holds the code, the token and a ballot, never an answer, and lives 40 minutes
past the page's last use; a written answer leaves sessionStorage once stored, a draft once sent
or once the step moves on. A tab with no session of its own that finds the cookie asks who is
joining (a phone two partners share): "carry on" is the same person, whose change of mind
replaces their answer; "someone new" is a second person with an answer of their own. The cookie
goes when the page learns the room is gone."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import unquote

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.drive import facilitator, new_room, press_when_still
from tests.browser.harness import Harness
from tests.browser.test_accessibility import assert_accessible

WRITTEN = "I still check his phone every night"
NOTE = "only for me, for now"
POLL = {"kind": "poll", "text": "Which feels closest?", "options": ["Hope", "Fear"]}
PROMPT = {"kind": "prompt", "text": "What is hard this week?", "open_text": True}
REFLECTION = {"kind": "reflection", "text": "Write to yourself.", "seconds": 300}
SMALL = {"width": 320, "height": 568}
STORAGE = "() => JSON.stringify(Object.entries(sessionStorage))"


def rejoin_cookie(context: BrowserContext) -> tuple[str, dict[str, Any], float]:
    """The cookie as the browser holds it: its raw value, parsed, and seconds left to live."""
    [cookie] = [c for c in context.cookies() if c["name"] == "hearth-rejoin"]
    raw = unquote(cookie["value"])
    return raw, json.loads(raw), cookie["expires"] - time.time()


def stored(phone: Page) -> None:
    expect(phone.locator(".answer-status")).to_contain_text("stored")


def poll(harness: Harness, console: Page) -> None:
    harness.open_activity(
        console, "poll", "Which feels closest?", **{"Options, one per line": "Hope\nFear"}
    )


def reopen(context: BrowserContext, harness: Harness, code: str) -> Page:
    """The join link opened again in a new tab of the same browser, as on a shared phone."""
    page = context.new_page()
    harness._watch(page)
    page.goto(f"/join#{code}")
    return page


def test_the_cookie_and_storage_keep_no_answer(harness: Harness) -> None:
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)  # the room driven over its socket: quicker
    phone = harness.phone(room["code"])
    lead.command({"type": "open", "activity": POLL})
    phone.get_by_role("button", name="Hope").click()
    stored(phone)
    raw, cookie, left = rejoin_cookie(phone.context)
    assert set(cookie) == {"code", "token", "ballot"}, raw
    assert set(cookie["ballot"]) == {"aid", "ballot"}, raw
    assert "Hope" not in raw and "choice" not in raw, raw
    assert 30 * 60 < left <= 45 * 60, "a rolling lifetime far shorter than the room's four hours"

    lead.command({"type": "open", "activity": PROMPT})
    phone.get_by_label("Your answer").fill(WRITTEN)
    assert WRITTEN in phone.evaluate(STORAGE), "an unsent draft survives a reload"
    phone.get_by_role("button", name="Send").click()
    stored(phone)
    raw, cookie, _ = rejoin_cookie(phone.context)
    assert WRITTEN not in raw and "text" not in raw, raw
    assert WRITTEN not in phone.evaluate(STORAGE), "a sent text is kept in memory only"
    # the page still holds it for its own life
    press_when_still(phone, "Show my answer")
    expect(phone.get_by_label("Your answer")).to_have_value(WRITTEN)

    # a private note stays through a reload, and goes from storage when the step moves on
    lead.command({"type": "open", "activity": REFLECTION})
    phone.get_by_label("Your note").fill(NOTE)
    phone.reload()
    expect(phone.get_by_label("Your note")).to_have_value(NOTE)
    lead.command({"type": "open", "activity": POLL})
    expect(phone.get_by_role("button", name="Hope")).to_be_visible()
    assert NOTE not in phone.evaluate(STORAGE)
    lead.close()


def test_a_reopened_tab_asks_who_is_joining(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    first = harness.phone(code)
    context = first.context
    poll(harness, console)
    first.get_by_role("button", name="Hope").click()
    stored(first)
    _, cookie, _ = rejoin_cookie(context)
    first.reload()  # the same tab: its own session, no question
    stored(first)
    first.close()  # the tab is gone, and its sessionStorage with it

    again = reopen(context, harness, code)
    again.set_viewport_size(SMALL)
    question = again.get_by_role("heading", name="Who is using this phone?")
    expect(question).to_be_focused()
    carry_on = again.get_by_role("button", name="Carry on where I left off")
    someone_new = again.get_by_role("button", name="Join as someone new")
    for button in (carry_on, someone_new):  # both in view at 320x568, nothing over them
        expect(button).to_be_in_viewport(ratio=1)
        assert button.evaluate(
            "(b) => { const r = b.getBoundingClientRect();"
            " return b.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); }"
        )
    assert_accessible(again, "phone asking who is joining")
    again.keyboard.press("Tab")
    expect(carry_on).to_be_focused()
    again.keyboard.press("Enter")

    # the same person: the room knows it answered; the page says it cannot show the answer
    expect(again.get_by_text("Which feels closest?")).to_be_visible()
    stored(again)
    expect(again.locator("#answer-not-shown")).to_have_text(
        "Since this page was opened again, this phone no longer shows what you answered."
    )
    expect(again.get_by_role("button", name="Show my answer")).to_have_count(0)
    again.get_by_role("button", name="Fear").click()  # a change of mind, not a second answer
    stored(again)
    expect(again.locator("#answer-not-shown")).to_have_count(0)
    expect(console.locator("#count-connected")).to_have_text("1")
    expect(console.locator("#count-answered")).to_have_text("1")
    again.close()

    # someone else on the same phone: a person of their own, with an answer of their own
    other = reopen(context, harness, code)
    other.get_by_role("button", name="Join as someone new").click()
    expect(other.get_by_role("button", name="Hope")).to_be_visible()
    expect(other.locator(".answer-status")).not_to_contain_text("stored")
    other.get_by_role("button", name="Hope").click()
    stored(other)
    expect(console.locator("#count-answered")).to_have_text("2")
    _, theirs, _ = rejoin_cookie(context)
    assert theirs["token"] != cookie["token"], "the other person's cookie was dropped"


def test_the_cookie_goes_when_the_page_learns_the_room_is_gone(harness: Harness) -> None:
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)
    code = room["code"]
    phone = harness.phone(code)
    context = phone.context
    lead.command({"type": "open", "activity": POLL})
    phone.get_by_role("button", name="Hope").click()
    stored(phone)
    phone.close()
    # The end goes once the room has seen the tab's socket close: a tab still being torn down
    # could otherwise hear it, and rightly forget everything (a flake under load).
    lead.until(lambda m: m["type"] == "progress" and m["connected"] == 0)
    lead.ws.send(json.dumps({"type": "end", "id": 99}))
    lead.until(lambda m: m["type"] == "ended")
    assert rejoin_cookie(context)[1]["code"] == code, "a closed tab could not hear the end"

    again = reopen(context, harness, code)
    again.get_by_role("button", name="Carry on where I left off").click()
    expect(again.get_by_role("alert")).to_contain_text(f"No session with the code {code}")
    again.wait_for_function("() => document.cookie === ''", polling=100)
    assert context.cookies() == []


def test_a_page_going_away_closes_its_connection(harness: Harness) -> None:
    """A tab being closed ran on long enough, under load, to reconnect, hear that the session
    had ended and forget the rejoin cookie it was closed with (a flake of the test above). The
    page now stops its connection when it goes away (pagehide), and keeps the cookie."""
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)
    phone = harness.phone(room["code"])
    lead.until(lambda m: m["type"] == "progress" and m["connected"] == 1)
    phone.evaluate("() => dispatchEvent(new PageTransitionEvent('pagehide', {persisted: false}))")
    lead.until(lambda m: m["type"] == "progress" and m["connected"] == 0)
    assert rejoin_cookie(phone.context)[1]["code"] == room["code"]


def test_back_to_the_page_from_another_asks_who_is_joining(harness: Harness) -> None:
    """An outside tester: the first partner answered and typed another address in the same tab;
    the second pressed Back and was that person, answer, signals and all, unasked."""
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    poll(harness, console)
    phone.get_by_role("button", name="Hope").click()
    stored(phone)
    phone.goto("/privacy")  # the same tab, somewhere else
    phone.go_back()
    expect(phone.get_by_role("heading", name="Who is using this phone?")).to_be_visible()
    expect(phone.get_by_role("button", name="Show my answer")).to_have_count(0)
    phone.get_by_role("button", name="Join as someone new").click()
    expect(phone.get_by_role("button", name="Hope")).to_be_visible()
    expect(phone.locator(".answer-status")).not_to_contain_text("stored")
    # nothing of the first person is left in the tab for the second to find
    assert "Hope" not in phone.evaluate(STORAGE) and '"option"' not in phone.evaluate(STORAGE)
    phone.get_by_role("button", name="Fear").click()
    stored(phone)
    expect(console.locator("#count-answered")).to_have_text("2")
    # a reload is the same person: no question
    phone.reload()
    stored(phone)
    expect(phone.get_by_role("heading", name="Who is using this phone?")).to_have_count(0)


def test_a_shown_answer_hides_again_when_sent_again_or_tapped_again(harness: Harness) -> None:
    """"Show my answer" is for a glance: an answer sent again from the box it opened is hidden
    again (it stayed on screen under "It is hidden here"), and a second tap hides a choice that
    was left highlighted for the rest of the poll."""
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)
    phone = harness.phone(room["code"])
    lead.command({"type": "open", "activity": PROMPT})
    phone.get_by_label("Your answer").fill(WRITTEN)
    phone.get_by_role("button", name="Send").click()
    stored(phone)
    press_when_still(phone, "Show my answer")
    box = phone.get_by_label("Your answer")
    expect(box).to_have_value(WRITTEN)
    status = phone.locator(".answer-status")
    expect(status).to_contain_text("Your answer is stored, and showing on this phone.")
    expect(status).not_to_contain_text("hidden")
    box.fill(WRITTEN + ", still")
    phone.get_by_role("button", name="Send").click()
    expect(status).to_contain_text("It is kept hidden on this phone")
    expect(box).to_have_count(0)
    expect(phone.get_by_text(WRITTEN)).to_have_count(0)
    # and the words sent last are the ones a tap shows
    press_when_still(phone, "Show my answer")
    expect(box).to_have_value(WRITTEN + ", still")

    lead.command({"type": "open", "activity": POLL})
    hope = phone.get_by_role("button", name="Hope")
    hope.click()
    stored(phone)
    expect(hope).to_have_attribute("aria-pressed", "false")
    press_when_still(phone, "Show my answer")
    expect(hope).to_have_attribute("aria-pressed", "true")
    press_when_still(phone, "Hide my answer")
    expect(hope).to_have_attribute("aria-pressed", "false")
    expect(phone.get_by_role("button", name="Show my answer")).to_be_focused()
    lead.close()


def test_once_closed_a_tap_shows_the_answer_in_words(harness: Harness) -> None:
    """Closed, no widget is left to show an answer in: "Show my answer" says it in words (it
    did nothing at all), and a second tap hides it again."""
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)
    phone = harness.phone(room["code"])
    lead.command({"type": "open", "activity": POLL})
    fear = phone.get_by_role("button", name="Fear")
    fear.click()
    stored(phone)
    press_when_still(phone, "Show my answer")  # shown while open: hidden again as it closes
    expect(fear).to_have_attribute("aria-pressed", "true")
    lead.command({"type": "close"})
    status = phone.locator(".answer-status")
    expect(status).to_contain_text("Answers are closed now.")
    expect(status).not_to_contain_text("Fear")
    press_when_still(phone, "Show my answer")
    expect(status).to_contain_text("Your answer: Fear")
    press_when_still(phone, "Hide my answer")
    expect(status).not_to_contain_text("Fear")
    # shown, it hides again as results come: they draw every eye to the phones
    press_when_still(phone, "Show my answer")
    expect(status).to_contain_text("Your answer: Fear")
    lead.command({"type": "reveal"})
    expect(phone.locator(".results")).to_be_visible()
    expect(status).not_to_contain_text("Fear")
    expect(phone.get_by_role("button", name="Show my answer")).to_be_visible()
    lead.close()


def test_leaving_shows_the_support_card_and_a_new_activity_is_said_once(
    harness: Harness,
) -> None:
    """From an outside run: Leave showed no support card (the end of the session did), though
    someone leaving early may need it most; and a new activity was said twice to a screen reader,
    by the focus on its title and again on the announce line."""
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)
    assert lead.command({"type": "support", "text": "Helpline 0800 111 222"})["type"] == "ack"
    phone = harness.phone(room["code"])
    lead.command({"type": "open", "activity": POLL})
    phone.get_by_role("button", name="Hope").click()  # the focus goes with the option
    stored(phone)
    lead.command({"type": "open", "activity": {**POLL, "title": "Second"}})
    title = phone.locator("#activity-title")
    expect(title).to_be_focused()
    assert title.evaluate("(el) => getComputedStyle(el).outlineStyle") == "none"  # no ring
    expect(phone.locator("#announce")).to_have_text("")
    phone.get_by_role("button", name="More").click()
    phone.get_by_role("button", name="Leave").click()
    phone.locator("#leave-go").click()
    expect(phone.get_by_role("heading", name="You have left")).to_be_visible()
    expect(phone.locator(".support-card")).to_contain_text("Helpline 0800 111 222")
    lead.close()


def test_what_a_phone_holds_unsent_or_sent_is_not_left_on_screen(harness: Harness) -> None:
    """From an outside run: an answer tapped while offline stayed highlighted for as long as
    the phone was offline; a word cloud's sent words left three empty fields and Send, as if
    nothing had gone; words being written when answers closed vanished without a word."""
    harness.allow_console.append(r"WebSocket connection to .* failed")  # Chromium's, offline
    room = new_room(harness.live)
    lead = facilitator(harness.live, room)
    phone = harness.phone(room["code"])
    status = phone.locator(".answer-status")
    lead.command({"type": "open", "activity": POLL})
    hope = phone.get_by_role("button", name="Hope")
    expect(hope).to_be_visible()  # the poll has come before the phone goes offline
    phone.context.set_offline(True)
    expect(phone.locator("#net")).not_to_have_text("")  # the page knows it is offline
    hope.click()
    expect(status).to_contain_text("Not sent yet")
    expect(hope).to_have_attribute("aria-pressed", "false")
    press_when_still(phone, "Show my answer")  # held here: shown on a tap, as a stored one is
    expect(hope).to_have_attribute("aria-pressed", "true")
    phone.context.set_offline(False)
    stored(phone)

    lead.command({"type": "open", "activity": {"kind": "words", "text": "One word?", "max_words": 3}})
    phone.get_by_label("Word 1").fill("tired")
    phone.get_by_role("button", name="Send").click()
    expect(status).to_contain_text("It is kept hidden on this phone")
    expect(phone.get_by_label("Word 1")).to_have_count(0)
    press_when_still(phone, "Show my answer")
    expect(phone.get_by_label("Word 1")).to_have_value("tired")

    lead.command({"type": "open", "activity": PROMPT})
    phone.get_by_label("Your answer").fill("I was about to say")
    lead.command({"type": "close"})
    expect(status).to_have_text(
        "Answers closed before what you were writing was sent: it was not shared."
    )
    lead.close()
