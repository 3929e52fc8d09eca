"""The console's live panel and queue: a reveal that can only show nothing asks first, written
answers have no preview, a release marks what went out, the heading names the activity once,
the display-window warning leaves the console whole at 1366x768, and a double press sends a
command once (but +1 min counts every press)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.drive import Screen, phones, press_twice, record_sent, sent
from tests.browser.harness import Harness
from tests.browser.layout import page_scroll

LAPTOP = {"width": 1366, "height": 768}


def live_id(phone: Screen, text: str) -> str:
    """The id of the live activity once this phone has seen the one with `text`."""
    phone.until(
        lambda _m: (phone.view.get("activity") or {}).get("definition", {}).get("text") == text
    )
    return str(phone.view["activity"]["id"])


def poll(console: Page, people: list[Screen], text: str, answers: int) -> None:
    Harness.open_activity(console, "poll", text, **{"Options, one per line": "Rest\nTalk"})
    aid = live_id(people[0], text)
    for phone in people[:answers]:
        phone.answer(aid, {"kind": "choice", "option": 0})
    expect(console.locator("#count-answered")).to_have_text(str(answers))
    console.get_by_role("button", name="Close answers").click()


def written_prompt(harness: Harness, console: Page, people: list[Screen], text: str) -> str:
    """Open a prompt that collects written answers; its id as the phones see it."""
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(console, "prompt", text)
    return live_id(people[0], text)


def seen(console: Page, selector: str) -> None:
    """On screen: inside the window and not clipped away by a column that scrolls."""
    visible = console.locator(selector).first.evaluate(
        """(el) => {
          let { top, bottom } = el.getBoundingClientRect();
          for (let up = el.parentElement; up; up = up.parentElement) {
            if (getComputedStyle(up).overflowY === 'visible') continue;
            const c = up.getBoundingClientRect();
            top = Math.max(top, c.top);
            bottom = Math.min(bottom, c.bottom);
          }
          return bottom - top >= el.getBoundingClientRect().height - 1 && bottom <= innerHeight + 1;
        }"""
    )
    assert visible, f"{selector} is off screen"


def test_a_reveal_that_would_show_nothing_asks_first(harness: Harness) -> None:
    console = harness.facilitator(k=5)
    people = phones(harness.live, {"code": harness.code(console)}, 5)
    poll(console, people, "Which helps tonight?", answers=2)
    expect(console.locator(".preview")).to_contain_text("Fewer than 5 answered")
    status = console.locator("#live-status")

    # the button asks, in the page; nothing is sent yet
    console.get_by_role("button", name="Reveal results").click()
    ask = console.get_by_role("group", name=re.compile("^Reveal anyway\\? Nothing will show"))
    expect(ask).to_contain_text("fewer than 5 answered")
    anyway = ask.get_by_role("button", name="Reveal anyway")
    # the focus is on Cancel: Enter twice does not lose the question (R again, or a click, does)
    expect(ask.get_by_role("button", name="Cancel")).to_be_focused()
    console.keyboard.press("Enter")
    expect(ask).to_have_count(0)
    expect(status).to_have_text("Closed")
    console.get_by_role("button", name="Reveal results").click()
    expect(status).to_have_text("Closed")
    # Escape (or Cancel) takes it back, with the focus on the button again
    console.keyboard.press("Escape")
    expect(ask).to_have_count(0)
    expect(console.get_by_role("button", name="Reveal results")).to_be_focused()
    console.get_by_role("button", name="Reveal results").click()
    ask.get_by_role("button", name="Cancel").click()
    expect(ask).to_have_count(0)
    expect(status).to_have_text("Closed")

    # R asks too; a second R (or the button) reveals
    console.keyboard.press("r")
    expect(anyway).to_be_visible()
    expect(status).to_have_text("Closed")
    console.keyboard.press("r")
    expect(status).to_have_text("Revealed on screens")
    expect(console.locator(".results")).to_contain_text("Fewer than 5 answered")

    # a reveal that shows results stays one press
    poll(console, people, "Which helps now?", answers=5)
    expect(console.locator(".preview .answered")).to_have_text("5 people answered")
    console.get_by_role("button", name="Reveal results").click()
    expect(status).to_have_text("Revealed on screens")
    expect(console.locator(".reveal-confirm")).to_have_count(0)
    for phone in people:
        phone.close()


def test_passes_stay_apart_after_the_reveal(harness: Harness) -> None:
    """Closed, the bar said Answered 5 / Passed 1; revealed, it went back to Responded 6 beside
    a result saying "5 people answered"."""
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 6)
    Harness.open_activity(console, "poll", "Which helps?", **{"Options, one per line": "Rest\nTalk"})
    aid = live_id(people[0], "Which helps?")
    for phone in people[:5]:
        phone.answer(aid, {"kind": "choice", "option": 0})
    people[5].answer(aid, {"kind": "pass"})
    expect(console.locator("#count-answered")).to_have_text("6")
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator("#count-answers")).to_have_text("5")
    console.get_by_role("button", name="Reveal results").click()
    expect(console.locator("#live-status")).to_have_text("Revealed on screens")
    expect(console.locator(".results .answered")).to_have_text("5 people answered")
    expect(console.locator("#count-answers")).to_have_text("5")
    expect(console.locator("#count-passed")).to_have_text("1")
    expect(console.locator("#count-answered")).to_have_count(0)
    for phone in people:
        phone.close()


def test_paper_answers_are_counted_beside_the_phones(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 5)
    Harness.open_activity(
        console, "poll", "Which helps tonight?", **{"Options, one per line": "Rest\nTalk"}
    )
    aid = live_id(people[0], "Which helps tonight?")
    for phone in people:
        phone.answer(aid, {"kind": "choice", "option": 0})
    expect(console.locator("#count-answered")).to_have_text("5")
    expect(console.locator("#count-paper")).to_have_count(0)
    console.get_by_text("Add answers from paper").click()
    console.get_by_label("On paper: Rest").fill("2")
    console.get_by_role("button", name="Add paper answers").click()
    # the bar says where the seven of the preview come from: five phones and two slips
    expect(console.locator("#count-paper")).to_have_text("2")
    expect(console.locator("dl.counts")).to_have_attribute("aria-label", re.compile("2 on paper$"))
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator("#count-answers")).to_have_text("5")
    expect(console.locator("#count-paper")).to_have_text("2")
    expect(console.locator(".preview .answered")).to_have_text("7 people answered")
    # closed: the slips are in and fixed (typed in now, they would give a second look)
    expect(console.get_by_text("2 paper answers are included.")).to_be_visible()
    expect(console.get_by_role("button", name="Add paper answers")).to_have_count(0)
    for phone in people:
        phone.close()


def test_written_answers_have_no_preview(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 3)
    aid = written_prompt(harness, console, people, "What helped?")
    for phone, text in zip(people, ["A walk", "Tea", "Quiet"], strict=True):
        phone.answer(aid, {"kind": "text", "text": text})
    console.get_by_role("button", name="Close answers").click()
    # closed: answers and passes apart, in the same message as the preview
    expect(console.locator("#count-passed")).to_be_visible()
    expect(console.locator(".queue-item")).to_have_count(3)
    expect(console.locator(".preview")).to_have_count(0)
    expect(console.get_by_text("Preview: what a reveal will show")).to_have_count(0)
    for phone in people:
        phone.close()


def test_fewer_than_k_written_answers_stay_unread(harness: Harness) -> None:
    """Watching Responded rise, the facilitator would know whose a lone text was."""
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 2)
    aid = written_prompt(harness, console, people, "What helped?")
    for phone, text in zip(people, ["A long walk alone", "My sister"], strict=True):
        phone.answer(aid, {"kind": "text", "text": text})
    expect(console.locator("#count-answered")).to_have_text("2")
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator(".queue-withheld")).to_have_text(
        "Fewer than 3 people wrote, so their answers are not shown to anyone, you included,"
        " and none can be released."
    )
    expect(console.locator(".queue-item")).to_have_count(0)
    assert "A long walk alone" not in console.content() and "My sister" not in console.content()
    for phone in people:
        phone.close()


def test_a_release_marks_what_went_out(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    people = phones(harness.live, {"code": harness.code(console)}, 4)
    aid = written_prompt(harness, console, people, "What helped you stay?")
    for phone, text in zip(people, ["A walk", "Tea", "Saying it", "Time"], strict=True):
        phone.answer(aid, {"kind": "text", "text": text})
    console.get_by_role("button", name="Close answers").click()
    items = console.locator(".queue-item")
    expect(items).to_have_count(4)
    Harness.approve(console, 0, 1)

    release = console.locator(".queue-release button")
    expect(release).to_have_text("Release approved (2)")
    release.click()
    expect(display.locator(".card")).to_have_count(2)
    # what went out is marked, can no longer be moderated, and is counted by the button
    released = console.locator(".queue-item.released")
    expect(released).to_have_count(2)
    expect(released.get_by_role("button")).to_have_count(0)
    expect(released.nth(0)).to_contain_text("Released")
    expect(release).to_have_text("Release approved (0)")
    expect(release).to_be_disabled()
    note = console.locator("#queue-released")
    expect(note).to_have_text("2 written answers released")
    expect(note).to_have_attribute("role", "status")
    near, said = release.bounding_box(), note.bounding_box()
    assert near and said and abs(said["y"] - near["y"]) < 80, "the confirmation sits by its button"
    seen(console, "#queue-released")

    # one more approved: only it is counted, and a second release adds it. The second click
    # of a double click lands on the button the reply redrew: it does not take the approval back
    record_sent(console)
    approve = items.nth(2).get_by_role("button", name="Approve")
    approve.click()
    expect(approve).to_have_attribute("aria-pressed", "true")
    approve.dispatch_event("click", {"detail": 2})
    expect(release).to_have_text("Release approved (1)")
    assert sent(console, "moderate") == 1
    expect(release).to_be_enabled()
    release.click()
    expect(display.locator(".card")).to_have_count(3)
    expect(released).to_have_count(3)
    expect(note).to_have_text("3 written answers released")
    expect(release).to_be_disabled()
    for phone in people:
        phone.close()


def own_texts(console: Page, text: str) -> int:
    """How many elements of the live panel show exactly `text` as their own words."""
    count: int = console.locator(".live-card").evaluate(
        """(card, text) => [...card.querySelectorAll('*')].filter((el) =>
             [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() === text)).length""",
        text,
    )
    return count


def test_the_heading_names_the_activity_once(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    heading = console.locator("#live-heading")
    options = {"Options, one per line": "Rest\nTalk"}

    # no title, a long text: cut after a whole word, with an ellipsis; the text in full below
    long = "When you think about the last week, which moment felt most like home to you?"
    harness.open_activity(console, "poll", long, **options)
    expect(heading).to_have_text("Poll When you think about the last week, which moment felt most…")
    expect(console.locator("p.live-text")).to_have_text(long)

    # no title, a short text: said once, as the heading
    harness.open_activity(console, "poll", "What helps?", **options)
    expect(heading).to_have_text("Poll What helps?")
    assert own_texts(console, "What helps?") == 1
    expect(console.locator("p.live-text")).to_have_count(0)

    # a title: the heading, then the text
    harness.open_activity(
        console, "poll", "Which one helps most?", **options, **{"Title (optional)": "Helps"}
    )
    expect(heading).to_have_text("Poll Helps")
    expect(console.locator("p.live-text")).to_have_text("Which one helps most?")


def test_the_screen_warning_leaves_the_console_whole(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    console.set_viewport_size(LAPTOP)
    harness.display(console)  # on this same screen: the warning shows
    warning = console.locator("#screen-warning")
    expect(warning).to_contain_text("The display window is on this screen")
    box = warning.bounding_box()
    assert box and box["height"] < 40, f"the warning takes {box} of the centre"
    harness.panel(console, "New activity")
    seen(console, "#live-heading")
    seen(console, "button[type=submit]:text('Open on phones')")
    sizes = page_scroll(console)
    assert sizes["height"] <= LAPTOP["height"] and sizes["width"] <= LAPTOP["width"], sizes

    # the rest of it, on demand (and back)
    more = console.get_by_role("button", name="Read more")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    less = console.get_by_role("button", name="Show less")
    expect(less).to_have_attribute("aria-expanded", "true")
    tall = warning.bounding_box()
    assert tall and tall["height"] > 60, "the whole warning shows when asked"
    less.click()
    expect(console.get_by_role("button", name="Read more")).to_have_attribute(
        "aria-expanded", "false"
    )


def test_a_double_press_sends_a_command_once(harness: Harness) -> None:
    """Each press of a double click used to send its command: the second Close answers was
    refused in red ("The activity is already closed."), the second Quick check-in replaced the
    first. Only +1 min counts every press."""
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 3)
    Harness.open_activity(console, "poll", "Which helped?", **{"Options, one per line": "A\nB"})
    aid = live_id(people[0], "Which helped?")
    for phone in people:
        phone.answer(aid, {"kind": "choice", "option": 0})
    expect(console.locator("#count-answered")).to_have_text("3")
    record_sent(console)

    press_twice(console.get_by_role("button", name="Close answers"))
    expect(console.locator("#live-status")).to_have_text("Closed")
    press_twice(console.get_by_role("button", name="Reveal results"))
    expect(console.locator(".results .answered")).to_have_text("3 people answered")
    press_twice(console.get_by_role("button", name="Quick check-in"))
    expect(console.locator(".live-text")).to_have_text("How are you right now?")
    press_twice(console.get_by_role("button", name=re.compile("^Back to:")))
    expect(console.locator(".live-text")).to_have_text("Which helped?")
    assert [sent(console, kind) for kind in ("close", "reveal", "checkin_now", "resume")] == [1] * 4
    expect(console.locator("#feedback")).to_have_text("")
    expect(console.locator(".inline-error")).to_have_count(0)

    Harness.open_activity(console, "reflection", "Breathe.", **{"Duration (seconds)": "60"})
    press_twice(console.get_by_role("button", name="+1 min"))
    expect(console.locator(".bar-timer")).to_contain_text("3:00")
    assert sent(console, "timer") == 2


def test_a_double_click_makes_one_room_and_one_display_window(harness: Harness) -> None:
    """Create a room, Open the display, Co-facilitator link and Start timer each did their work
    once per press: a double click made a second room nobody could run, a second projector
    window, a second link that replaced the first (the one shown could be the dead one) and a
    second start."""
    console = harness.page(viewport=LAPTOP)
    posts: list[str] = []
    console.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    console.goto(harness.link({"role": "host"}, bearer=harness.live.settings.host_secret))
    expect(console.get_by_role("heading", name="Start a session")).to_be_visible()
    press_twice(console.get_by_role("button", name="Create a room"))
    expect(console.locator("#count-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    with console.context.expect_page() as opened:
        press_twice(console.get_by_role("button", name="Open the display"))
    expect(opened.value.locator(".corner-code")).to_be_visible()
    expect(console.locator("#count-display")).to_have_text("connected")
    harness.panel(console, "Another device")
    press_twice(console.get_by_role("button", name="Co-facilitator link"))
    expect(console.locator("#made-link")).to_have_value(re.compile("ticket="))
    made = [url.rsplit("/", 1)[-1] for url in posts]
    # one room; two tickets: the display window's and the co-facilitator link's
    assert made.count("rooms") == 1 and made.count("tickets") == 2, made
    assert len(console.context.pages) == 2

    # a prompt's own timer, started from the form
    Harness.open_activity(console, "prompt", "Talk in pairs.")
    record_sent(console)
    press_twice(console.get_by_role("button", name="Start timer"))
    expect(console.get_by_role("button", name="Stop timer")).to_be_visible()
    assert sent(console, "timer") == 1


def test_answers_released_behind_a_content_note_say_they_wait(harness: Harness) -> None:
    """The display shows only a content note until the facilitator shows the text; answers
    released meanwhile were listed as "Released to the display (3)" while the room saw none."""
    console = harness.facilitator(k=3)
    display = harness.display(console)
    people = phones(harness.live, {"code": harness.code(console)}, 3)
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    console.get_by_label("Content note (optional)", exact=True).fill("About the night it came out.")
    harness.open_activity(console, "prompt", "What helped that night?")
    aid = live_id(people[0], "What helped that night?")
    for phone, text in zip(people, ["A friend", "Walking", "Sleep"], strict=True):
        phone.answer(aid, {"kind": "text", "text": text})
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator(".queue-item")).to_have_count(3)
    Harness.approve(console, 0, 1, 2)
    console.locator(".queue-release button").click()
    heading = console.locator("#released-heading")
    expect(heading).to_have_text("Released, held back by the content note (3)")
    expect(console.locator(".released-held")).to_have_text(
        "The display shows only the content note: these appear there once you press "
        "“Show the text on the display”."
    )
    expect(display.locator(".note-first")).to_be_visible()
    expect(display.locator(".card")).to_have_count(0)
    console.get_by_role("button", name="Show the text on the display").click()
    expect(display.locator(".card")).to_have_count(3)
    expect(heading).to_have_text("Released to the display (3)")
    expect(console.locator(".released-held")).to_have_count(0)
    for phone in people:
        phone.close()

