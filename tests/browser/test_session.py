"""A whole session in real Chromium: console, projector display and phones, through the server."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.drive import leave, new_room, press_when_still
from tests.browser.harness import Harness, seconds


def stored(phone: Page) -> None:
    expect(phone.locator(".answer-status")).to_have_text(re.compile("Your answer is stored"))


def test_poll_answered_and_revealed_with_right_counts(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    code = harness.code(console)
    expect(display.locator(".big-code")).to_have_text(f"{code[:3]} {code[3:]}")
    expect(display.locator(".qr svg")).to_be_visible()
    phones = [harness.phone(code) for _ in range(3)]
    expect(console.locator("#count-connected")).to_have_text("3")

    harness.open_activity(
        console,
        "poll",
        "Which feels closest today?",
        style="counts",
        **{"Options, one per line": "Hope\nFatigue\nBoth"},
    )
    for phone in phones:
        expect(phone.get_by_text("Which feels closest today?")).to_be_visible()
    expect(display.locator(".text")).to_have_text("Which feels closest today?")
    expect(display.locator(".corner-code")).to_have_text(f"{code[:3]} {code[3:]}")

    phones[0].get_by_role("button", name="Hope").click()
    phones[1].get_by_role("button", name="Hope").click()
    phones[2].get_by_role("button", name="Both").click()
    for phone in phones:
        stored(phone)
    # Changing an answer before close replaces it.
    phones[2].get_by_role("button", name="Hope").click()
    stored(phones[2])
    # Once stored, the answer is not left highlighted for a neighbour to read; a tap shows it.
    expect(phones[2].get_by_role("button", name="Hope")).to_have_attribute("aria-pressed", "false")
    press_when_still(phones[2], "Show my answer")
    expect(phones[2].get_by_role("button", name="Hope")).to_have_attribute("aria-pressed", "true")
    expect(console.locator("#count-answered")).to_have_text("3")
    # Nothing about answers reaches the display before reveal.
    expect(display.locator(".results")).to_have_count(0)

    # A reload mid-poll keeps the same anonymous token, and the answer is counted once.
    token = phones[0].evaluate("sessionStorage.getItem('hearth.token')")
    assert token
    phones[0].reload()
    expect(phones[0].get_by_text("Which feels closest today?")).to_be_visible()
    stored(phones[0])
    press_when_still(phones[0], "Show my answer")
    expect(phones[0].get_by_role("button", name="Hope")).to_have_attribute("aria-pressed", "true")
    assert phones[0].evaluate("sessionStorage.getItem('hearth.token')") == token
    phones[0].get_by_role("button", name="Hope").click()  # resent: same ballot, same count
    stored(phones[0])
    expect(console.locator("#count-connected")).to_have_text("3")
    expect(console.locator("#count-answered")).to_have_text("3")

    console.get_by_role("button", name="Reveal results").click()
    bars = display.locator(".bar")
    expect(bars).to_have_count(3)
    expect(bars.nth(0).locator(".bar-label")).to_have_text("Hope")
    expect(bars.nth(0).locator(".bar-count")).to_have_text("3")
    expect(bars.nth(1).locator(".bar-count")).to_have_text("0")
    expect(bars.nth(2).locator(".bar-count")).to_have_text("0")
    expect(display.locator(".answered")).to_have_text("3 people answered")
    expect(phones[1].locator(".results .bar").nth(0).locator(".bar-count")).to_have_text("3")
    expect(console.locator(".results .answered")).to_have_text("3 people answered")

    # Counts are all or none: a 1 among them hides every count, zeros included.
    harness.open_activity(
        console, "scale", "How steady do you feel?", style="counts", **{"Points on the scale": "4"}
    )
    for phone, value in zip(phones, ["1", "4", "4"], strict=True):
        phone.get_by_role("button", name=value, exact=True).click()
        stored(phone)
    console.get_by_role("button", name="Reveal results").click()
    columns = display.locator(".column")
    expect(columns).to_have_count(4)
    expect(display.locator(".column-count")).to_have_text(["not shown"] * 4)
    expect(display.locator(".column-fill.bar-withheld")).to_have_count(4)
    expect(display.locator(".answered")).to_have_text("3 people answered")
    expect(display.locator(".mean")).to_have_count(0)


def read_clocks(pages: list[Page]) -> list[int]:
    return [seconds(page.locator(".timer").inner_text()) for page in pages]


def assert_together(pages: list[Page], expected: int | None = None) -> None:
    values = read_clocks(pages)
    assert max(values) - min(values) <= 1, values
    if expected is not None:
        assert all(abs(v - expected) <= 2 for v in values), (values, expected)


def test_reflection_timer_agrees_on_every_screen(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    code = harness.code(console)
    phones = [harness.phone(code) for _ in range(2)]
    screens = [display, *phones]

    harness.open_activity(
        console, "reflection", "Write what you noticed this week.", **{"Duration (seconds)": "120"}
    )
    for screen in screens:
        expect(screen.locator(".timer")).to_have_text(re.compile(r"2:00"))
    console.get_by_role("button", name="Start", exact=True).click()
    expect(display.locator(".timer")).to_have_text(re.compile(r"1:5\d"))
    assert_together(screens, 119)

    console.get_by_role("button", name="Pause").click()
    for phone in phones:
        expect(phone.locator(".timer")).to_have_text(re.compile("paused"))
    expect(display.locator(".timer.paused")).to_be_visible()
    paused = read_clocks(screens)
    assert_together(screens)

    console.get_by_role("button", name="+1 min").click()
    for screen in screens:
        expect(screen.locator(".timer")).to_have_text(re.compile(rf"{(paused[0] + 60) // 60}:"))
    assert_together(screens, paused[0] + 60)

    console.get_by_role("button", name="Resume").click()
    for phone in phones:
        expect(phone.locator(".timer")).not_to_have_text(re.compile("paused"))
    assert_together(screens)


# Counts, on the element a selector finds, how often it was rewritten and how often what it shows
# changed; the clock's element stays the same while it runs.
WATCH_WRITES = """(selector) => {
  const el = document.querySelector(selector);
  window.clockWrites = 0;
  window.clockChanges = 0;
  let shown = el.textContent;
  new MutationObserver((records) => {
    window.clockWrites += records.length;
    if (el.textContent !== shown) { shown = el.textContent; window.clockChanges += 1; }
  }).observe(el, { childList: true, characterData: true, subtree: true });
}"""


def test_a_running_clock_is_rewritten_only_when_it_changes(harness: Harness) -> None:
    """The clocks tick five times a second and show whole seconds: each screen's clock element
    is written once a second, not five times (a phone's battery; a screen reader offered the
    same words again)."""
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phone = harness.phone(harness.code(console))
    harness.open_activity(
        console, "reflection", "Write what you noticed this week.", **{"Duration (seconds)": "120"}
    )
    clocks = {phone: ".timer", display: ".timer", console: "#timer-clock"}
    for page, selector in clocks.items():
        expect(page.locator(selector)).to_have_text(re.compile(r"2:00"))
    console.get_by_role("button", name="Start", exact=True).click()
    expect(console.locator("#timer-clock")).to_have_text(re.compile(r"1:5\d"))
    for page, selector in clocks.items():
        page.evaluate(WATCH_WRITES, selector)
    for page in clocks:
        page.wait_for_function("() => window.clockChanges >= 3")
        writes, changes = page.evaluate("[window.clockWrites, window.clockChanges]")
        assert writes <= changes + 1, (page.url, writes, changes)


def test_ending_tells_every_screen_and_clears_the_phone(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phone = harness.phone(harness.code(console))
    harness.open_activity(console, "scale", "How are you arriving?")
    phone.get_by_role("button", name="3", exact=True).click()
    stored(phone)
    assert phone.evaluate("sessionStorage.length") > 0
    news = phone.locator("#answer-news, #announce")
    expect(phone.locator("#answer-news")).not_to_have_text("")  # "Your answer is stored", said

    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="Cancel").click()
    expect(display.locator(".corner-code")).to_be_visible()  # cancelling ends nothing
    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="End and erase").click()

    expect(console.locator("#receipt")).to_have_text(
        re.compile(r"\d+ keys deleted; a fresh scan found 0 left")
    )
    expect(phone.get_by_role("heading", name="The session has ended")).to_be_visible()
    expect(display.get_by_role("heading", name="The session has ended")).to_be_visible()
    assert phone.evaluate("sessionStorage.length") == 0
    assert display.evaluate("sessionStorage.length") == 0
    # the hidden status lines keep no stale news a screen reader's cursor would still reach
    assert news.all_inner_texts() == ["", ""], news.all_inner_texts()


def test_a_phone_that_leaves_and_joins_again_is_counted_once(harness: Harness) -> None:
    """Leave, Join a session, the code again, an answer again: three taps made one phone two
    people who answered ("here 1, answered 2"); its answer to the open poll now leaves with it."""
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    harness.open_activity(
        console, "poll", "What helps?", **{"Options, one per line": "Rest\nTalk"}
    )
    phone.get_by_role("button", name="Rest").click()
    expect(console.locator("#count-answered")).to_have_text("1")
    phone.get_by_role("button", name="More").click()
    leave(phone)
    expect(phone.locator("#app")).to_contain_text("Your answer to a question still open left")
    expect(console.locator("#count-answered")).to_have_text("0")
    phone.get_by_role("link", name="Join a session").click()
    phone.get_by_label("Session code").fill(code.lower())
    phone.get_by_role("button", name="Join").click()
    phone.get_by_role("button", name="Talk").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-connected")).to_have_text("1")
    expect(console.locator("#count-answered")).to_have_text("1")


def test_a_phone_that_leaves_offline_is_not_told_its_answer_left(harness: Harness) -> None:
    """Offline, Leave cannot reach the room: the farewell must not say the answer to the open
    poll went with the person when it still counts."""
    # Chromium's own, offline: the socket, and the site-data sweep Leave asks for
    harness.allow_console += [r"WebSocket connection to .* failed", "ERR_INTERNET_DISCONNECTED"]
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    harness.open_activity(
        console, "poll", "What helps?", **{"Options, one per line": "Rest\nTalk"}
    )
    phone.get_by_role("button", name="Rest").click()
    expect(console.locator("#count-answered")).to_have_text("1")
    phone.context.set_offline(True)
    expect(phone.locator("#net")).to_have_text("Reconnecting…")
    phone.get_by_role("button", name="More").click()
    leave(phone)
    expect(phone.locator("#app")).to_contain_text("could not be taken back: it still counts")
    expect(phone.locator("#app")).not_to_contain_text("left with you")
    assert phone.evaluate("sessionStorage.length") == 0
    phone.context.set_offline(False)
    expect(console.locator("#count-answered")).to_have_text("1")


def test_leave_forgets_everything(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    expect(console.locator("#count-connected")).to_have_text("1")
    phone.get_by_role("button", name="I need a pause").click()
    expect(console.locator("#count-pauses")).to_have_text("1")
    phone.get_by_role("button", name="More").click()
    # Leave asks first (it sits among the settings, and a locked room has no way back in):
    # Stay, Escape or Enter on the focused Stay keep the person in, back on Leave
    asked = phone.get_by_role("dialog", name="Leave this session?")
    for keep in ("Stay", "Escape", "Enter"):
        phone.get_by_role("button", name="Leave").click()
        expect(asked.get_by_role("button", name="Stay")).to_be_focused()
        if keep == "Stay":
            asked.get_by_role("button", name="Stay").click()
        else:
            phone.keyboard.press(keep)
        expect(asked).to_be_hidden()
        expect(phone.get_by_role("button", name="Leave")).to_be_focused()
    expect(console.locator("#count-connected")).to_have_text("1")
    leave(phone)
    expect(phone.get_by_role("heading", name="You have left")).to_be_visible()
    # said plainly: answers already given stay counted (nothing links them to this phone)
    expect(phone.locator("#app")).to_contain_text("answers you gave before still count")
    assert phone.evaluate("sessionStorage.length") == 0
    expect(console.locator("#count-connected")).to_have_text("0")


def test_a_new_link_opened_in_an_ended_sessions_tab_is_taken(harness: Harness) -> None:
    """Next week's join link opened in the tab that says the session has ended changes only the
    part after "#": the page stayed on "ended" and never offered to join."""
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="End and erase").click()
    expect(phone.get_by_role("heading", name="The session has ended")).to_be_visible()
    other = new_room(harness.live)
    phone.goto(f"/join#{other['code']}")
    expect(phone.get_by_label("Session code")).to_have_value(other["code"])
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
