"""The console as a presenter's cockpit: no page scroll at 1280x800, 1366x768 and 1920x1080
while an activity runs (a plan, the library, a queue), the bar's signals and End always in
view, keyboard shortcuts listed and working, and errors shown beside the control pressed."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.drive import phones
from tests.browser.harness import PHONE, Harness
from tests.browser.layout import page_scroll, sideways

SIZES = [(1280, 800), (1366, 768), (1920, 1080)]


def in_view(page: Page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box and size, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 1, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1, (selector, box)


def no_page_scroll(console: Page, state: str) -> None:
    for width, height in SIZES:
        console.set_viewport_size({"width": width, "height": height})
        sizes = page_scroll(console)
        assert sizes["height"] <= height and sizes["width"] <= width, (state, width, sizes)
        for selector in ("#count-pauses", "#count-code", "#live-heading", ".keys", ".end-zone"):
            in_view(console, selector)


def test_the_console_fits_and_answers_the_keyboard(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    code = harness.code(console)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    console.get_by_role("button", name="Browse the library").click()  # the library, left open
    expect(console.locator(".library-list li").first).to_be_visible()
    keys = console.locator(".keys")
    for said in ("N next step", "R reveal", "B blank the display", "P pause or resume the timer"):
        expect(keys).to_contain_text(said)

    # N opens the plan's next step; the run-sheet marks it
    console.keyboard.press("n")
    expect(console.locator(".step.current")).to_have_count(1)
    expect(console.locator("#live-heading")).not_to_have_text("Nothing live")
    no_page_scroll(console, "a plan step live, the library open")
    console.get_by_role("button", name="Browse the library").click()

    # B blanks the display and brings it back
    blank = console.locator("button[data-key=b]")
    console.keyboard.press("b")
    expect(display.locator("#blank")).to_be_visible()
    # the next B toggles what the console has seen: wait for its own view, not the display's
    expect(blank).to_have_attribute("aria-pressed", "true")
    console.keyboard.press("b")
    expect(display.locator("#blank")).to_be_hidden()
    expect(blank).to_have_attribute("aria-pressed", "false")

    # a reflection: P starts, pauses and resumes its timer; the clock is in the bar
    harness.open_activity(
        console, "reflection", "Write privately.", **{"Duration (seconds)": "300"}
    )
    console.keyboard.press("p")
    expect(console.get_by_role("button", name="Pause")).to_be_visible()
    console.keyboard.press("p")
    expect(console.locator("#timer-clock")).to_contain_text("paused")
    no_page_scroll(console, "a timed reflection")

    # a poll has no timer box; R reveals it
    harness.open_activity(console, "poll", "Which helps?", **{"Options, one per line": "A\nB"})
    expect(console.locator("#timer-seconds")).to_have_count(0)
    people = phones(harness.live, {"code": code}, 3)
    aid = str(people[0].view["activity"]["id"])
    for phone in people:
        phone.answer(aid, {"kind": "choice", "option": 0})
    expect(console.locator("#count-answered")).to_have_text("3")
    console.keyboard.press("r")
    expect(console.locator("#live-status")).to_have_text("Revealed on screens")
    console.keyboard.press("r")
    expect(console.locator(".key-said")).to_have_text("Nothing to reveal right now.")

    # written answers: the queue beside the live activity, and an error beside its button
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(console, "prompt", "What helped?")
    aid = str(
        people[0].until(
            lambda m: (
                m["type"] == "update"
                and "activity" in m["changes"]
                and m["changes"]["activity"]["definition"]["kind"] == "prompt"
            )
        )["changes"]["activity"]["id"]
    )
    texts = ["Walking first", "Saying I need time", "A hand on my shoulder"]
    for phone, text in zip(people[:3], texts, strict=True):
        phone.answer(aid, {"kind": "text", "text": text})
    console.get_by_role("button", name="Close answers").click()
    items = console.locator(".queue-item")
    expect(items).to_have_count(3)  # k = 3 wrote: fewer, and none would come to the console
    items.nth(0).get_by_role("button", name="Approve").click()
    release = console.get_by_role("button", name="Release approved (1)")
    release.click()
    expect(console.locator("#queue-released")).to_have_text("1 written answer released")
    no_page_scroll(console, "the moderation queue beside the live activity")
    for phone in people:
        phone.close()


TABLETS = [(1024, 768), (768, 1024)]


def test_on_a_tablet_what_is_live_sits_beside_the_plan(harness: Harness) -> None:
    """Below 1100 px the page scrolls, but the live activity and the open panel are not pushed
    under the whole run-sheet: a facilitator with a tablet sees both at the top of the page."""
    console = harness.facilitator(k=3)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    console.get_by_role("button", name=re.compile("^Open next:")).click()
    expect(console.locator("#live-heading")).not_to_have_text("Nothing live")
    harness.panel(console, "Room settings")
    for width, height in TABLETS:
        console.set_viewport_size({"width": width, "height": height})
        console.evaluate("window.scrollTo(0, 0)")
        sizes = page_scroll(console)
        assert sizes["width"] <= width, (width, sizes)
        in_view(console, "#live-heading")
        in_view(console, ".step.current")
        live = console.locator(".centre").bounding_box()
        plan = console.locator(".runsheet").bounding_box()
        panel = console.locator(".side").bounding_box()
        assert live and plan and panel
        assert live["x"] >= plan["x"] + plan["width"] - 1, ("beside the plan", width, live, plan)
        assert panel["y"] >= live["y"] + live["height"] - 1, ("the panel under what is live", panel)
        assert panel["y"] < plan["y"] + plan["height"], ("not under the whole plan", panel, plan)


def test_on_a_tablet_a_short_page_still_fills_the_window(harness: Harness) -> None:
    """Below 1100 px the page is as tall as what is on it, but never shorter than the window:
    with nothing live and no panel open, the plan and what is live reach the keys, and the keys
    sit at the foot of the window, not halfway down it with an empty band below."""
    console = harness.facilitator(k=3)
    harness.panel(console, "How to join", shown=False)
    expect(console.locator(".side")).to_be_hidden()
    for width, height in TABLETS:
        console.set_viewport_size({"width": width, "height": height})
        sizes = page_scroll(console)
        assert sizes["height"] == height, ("as tall as the window, no taller", width, sizes)
        keys = console.locator(".keys").bounding_box()
        plan = console.locator(".runsheet").bounding_box()
        assert keys and plan
        assert keys["y"] + keys["height"] > height * 0.9, ("the keys at the foot", width, keys)
        assert plan["y"] + plan["height"] >= keys["y"] - 1, ("the plan reaches them", plan, keys)


def test_on_a_tablet_upright_the_fullest_bar_stays_on_the_page(harness: Harness) -> None:
    """At 768 px wide (a tablet upright) the bar's counts ran off the side of the page once a
    co-facilitator and the display were connected, answers had come from paper and answers had
    closed (Answered and Passed): they wrap instead, in English, in German's longer words and
    in Arabic, right to left."""
    console = harness.facilitator(k=3, viewport={"width": 768, "height": 1024})
    harness.co_console(console)
    harness.display(console)
    harness.panel(console, "How to join", shown=False)
    Harness.open_activity(
        console, "poll", "Which helps tonight?", **{"Options, one per line": "Rest\nTalk"}
    )
    console.get_by_text("Add answers from paper").click()
    console.get_by_label("On paper: Rest").fill("2")
    console.get_by_role("button", name="Add paper answers").click()
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator("#live-status")).to_have_text("Closed")
    for lang in ("en", "de", "ar"):
        if lang != "en":
            console.locator("#console-language").select_option(lang)  # the page loads again
        expect(console.locator("#count-paper")).to_have_text("2")
        expect(console.locator("#count-display")).not_to_have_text("—")
        for width, height in TABLETS:
            console.set_viewport_size({"width": width, "height": height})
            assert sideways(console, width, ".bar") == [], (lang, width)
            assert page_scroll(console)["width"] <= width, (lang, width)


def test_on_a_phone_the_console_is_one_column_with_what_is_live_first(harness: Harness) -> None:
    """A co-facilitator may help from a phone: nothing runs off the side, and what is live comes
    before the run-sheet instead of after the whole plan."""
    console = harness.facilitator(k=3)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    console.get_by_role("button", name=re.compile("^Open next:")).click()
    expect(console.locator("#live-heading")).not_to_have_text("Nothing live")
    co = harness.co_console(console)
    for page in (console, co):
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate("window.scrollTo(0, 0)")
        sizes = page_scroll(page)
        assert sizes["width"] <= 390, sizes
        live = page.locator("#live-heading").bounding_box()
        plan = page.locator(".runsheet").bounding_box()
        assert live and plan and live["y"] < plan["y"], (live, plan)
        assert live["y"] + live["height"] <= 844, ("what is live, on the first screen", live)
        # "Source code" waits at the page's foot, never floating over what scrolls under it
        link = page.locator(".source-link").bounding_box()
        keys = page.locator(".keys").bounding_box()
        assert link and keys and link["y"] >= keys["y"] + keys["height"] - 1, (link, keys)


# A key pressed on an Arabic layout: it types an Arabic letter, from the place of a Latin one.
PRESS = """([key, code]) => document.body.dispatchEvent(
  new KeyboardEvent('keydown', { key, code, bubbles: true, cancelable: true }))"""


def test_the_shortcuts_work_on_a_keyboard_that_types_another_script(harness: Harness) -> None:
    """An Arabic layout types ى where a Latin one types N: the key marked N still opens the next
    step, and the key marked B still blanks the projector."""
    console = harness.facilitator(k=3)
    display = harness.display(console)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    console.evaluate(PRESS, ["ى", "KeyN"])
    expect(console.locator(".step.current")).to_have_count(1)
    expect(console.locator("#live-heading")).not_to_have_text("Nothing live")
    display.evaluate(PRESS, ["لا", "KeyB"])
    expect(display.locator("#blank")).to_be_visible()


def test_the_keys_work_from_a_file_button_or_a_checkbox(harness: Harness) -> None:
    """The keys are left to fields that take letters: from the plan's file button (a Shift+Tab
    away from the run-sheet) and from a checkbox, B blanked nothing and said nothing."""
    console = harness.facilitator(k=3)
    display = harness.display(console)
    console.locator(".runsheet input[type=file]").focus()
    console.keyboard.press("b")
    expect(display.locator("#blank")).to_be_visible()
    harness.panel(console, "Room settings")
    console.get_by_label("Lock the room (no new people)").focus()
    console.keyboard.press("b")
    expect(display.locator("#blank")).to_be_hidden()
    expect(console.get_by_label("Lock the room (no new people)")).not_to_be_checked()
    # a field that takes letters keeps them
    console.get_by_label("Most people who may join").focus()
    console.keyboard.press("b")
    expect(display.locator("#blank")).to_be_hidden()


def test_a_console_on_a_touch_screen_lists_no_keys(harness: Harness) -> None:
    """A co-facilitator helping from a phone has no keyboard: the keys' footer would only take
    its room. A laptop's console lists them (above)."""
    console = harness.facilitator(k=3)
    co = harness.co_console(console, **PHONE)
    expect(co.locator("#live-heading")).to_be_visible()
    expect(co.locator(".keys")).to_be_hidden()
    expect(console.locator(".keys")).to_be_visible()


PANELS = ["New activity", "How to join", "Room settings", "Another device", "Support card",
          "Across weeks", "Revealed so far"]  # fmt: skip
# Where each panel's Close button sits against the panel's heading.
CLOSE_BESIDE_HEADING = """() => {
  const side = document.querySelector('.side');
  const close = [...side.querySelectorAll('button')].find((b) => b.textContent === 'Close panel')
    .getBoundingClientRect();
  const heading = side.querySelector('h2').getBoundingClientRect();
  return { beside: close.top < heading.bottom && close.bottom > heading.top,
           close: Math.round(close.top), heading: Math.round(heading.top) };
}"""


def test_every_panels_close_button_sits_beside_its_heading(harness: Harness) -> None:
    """An outside tester: New activity and Across weeks had Close panel on a line of its own
    above the heading, the other panels beside it."""
    console = harness.facilitator(k=3, viewport={"width": 1366, "height": 768})
    apart = []
    for name in PANELS:
        harness.panel(console, name)
        where = console.evaluate(CLOSE_BESIDE_HEADING)
        if not where["beside"]:
            apart.append(f"{name}: {where}")
    assert not apart, apart


def test_a_locked_room_says_so_in_the_bar(harness: Harness) -> None:
    """An outside tester locked the room in Room settings, shut the panel, and nothing on the
    console said so any more: a late arrival was turned away with no sign of why."""
    console = harness.facilitator(k=3, viewport={"width": 1280, "height": 800})
    expect(console.locator("#count-locked")).to_have_count(0)
    harness.panel(console, "Room settings")
    console.get_by_label("Lock the room (no new people)").check()
    console.get_by_role("button", name="Close Room settings").click()
    expect(console.locator("#count-locked")).to_have_text("locked")
    expect(console.locator(".counts")).to_contain_text("Room")
    no_page_scroll(console, "a locked room")
    harness.panel(console, "Room settings")
    console.get_by_label("Lock the room (no new people)").uncheck()
    expect(console.locator("#count-locked")).to_have_count(0)


def test_the_bar_says_whether_the_display_is_connected_and_blank(harness: Harness) -> None:
    """The console could not tell whether the projector's page was there: a display that
    dropped (a sleeping laptop's second screen, a projector on its own Wi-Fi) left nothing on
    the console to say so, and the room saw a frozen or empty wall."""
    console = harness.facilitator(k=3, viewport={"width": 1280, "height": 800})
    shown = console.locator("#count-display")
    expect(shown).to_have_text("—")
    display = harness.display(console)
    expect(shown).to_have_text("connected")
    console.get_by_role("button", name="Blank the display").click()
    expect(shown).to_have_text("blank")
    harness.panel(console, "Room settings")
    console.get_by_label("Lock the room (no new people)").check()
    console.get_by_role("button", name="Close Room settings").click()
    expect(console.locator("#count-locked")).to_have_text("locked")
    no_page_scroll(console, "a locked room with its display blank")
    display.close()
    expect(shown).to_have_text("—")
