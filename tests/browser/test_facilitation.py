"""Facilitation features in the browser: the open-text queue, content notes, tracks, word
clouds, check-ins, grounding and the pause signal."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.drive import press_twice
from tests.browser.harness import PHONE, Harness


def write(phone: Page, text: str) -> None:
    phone.get_by_label("Your answer").fill(text)
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")


def test_written_answers_reach_screens_only_when_approved_and_released(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phones = [harness.phone(harness.code(console)) for _ in range(4)]
    harness.open_activity(
        console, "prompt", "What did you notice this week?", **{"Title (optional)": "Noticing"}
    )
    harness.panel(console, "New activity")
    console.get_by_label("Collect anonymous written answers").check()  # for the next open
    harness.open_activity(console, "prompt", "What helped you stay?")
    texts = ["A slow walk together", "Saying it out loud", "Not rushing her", "PRIVATE-DO-NOT-SHOW"]
    for phone, text in zip(phones, texts, strict=True):
        expect(phone.locator(".counter")).to_have_text(re.compile("characters left"))
        write(phone, text)
    expect(console.locator("#count-answered")).to_have_text("4")
    harness.panel(console, "Room settings")  # open beside the live activity, where the queue goes
    console.get_by_role("button", name="Close answers").click()
    items = console.locator(".queue-item")
    expect(items).to_have_count(4)
    expect(console.locator("#queue-heading")).to_be_focused()
    expect(console.get_by_role("button", name="Room settings", exact=True)).to_have_attribute(
        "aria-expanded", "false"
    )
    for i in range(4):
        text = items.nth(i).locator(".queue-text").inner_text()
        action = "Hide" if text == "PRIVATE-DO-NOT-SHOW" else "Approve"
        items.nth(i).get_by_role("button", name=action).click()
        expect(items.nth(i).get_by_role("button", name=action)).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(display.locator(".card")).to_have_count(0)
    console.get_by_role("button", name="Release approved (3)").click()
    expect(display.locator(".card")).to_have_count(3)
    expect(phones[0].locator(".card")).to_have_count(3)
    shown = sorted(display.locator(".card").all_inner_texts())
    assert shown == sorted(texts[:3])
    for page in (display, *phones):
        assert "PRIVATE-DO-NOT-SHOW" not in page.content()


def test_content_note_skip_and_results_split_by_track(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phones = [harness.phone(harness.code(console)) for _ in range(4)]
    phone = phones[0]
    harness.panel(console, "Room settings")
    console.get_by_label("Let people say which side they are on").check()
    expect(phone.get_by_role("heading", name="Optional: which side are you on?")).to_be_visible()
    unsaid = phone.get_by_role("button", name="I'd rather not say")
    unsaid.click()
    # kept, and not left pressed for a neighbour to read (from an outside run); a tap shows it
    expect(phone.locator("#app .side-kept")).to_contain_text("Your side is saved. It is hidden here")
    expect(unsaid).to_have_attribute("aria-pressed", "false")
    phone.get_by_role("button", name="Show my side").click()
    expect(unsaid).to_have_attribute("aria-pressed", "true")
    phone.get_by_role("button", name="Hide my side").click()
    expect(unsaid).to_have_attribute("aria-pressed", "false")
    phone.reload()
    expect(phone.locator("#app .side-kept")).to_be_visible()
    phone.get_by_role("button", name="Show my side").click()
    expect(unsaid).to_have_attribute("aria-pressed", "true")
    for other in phones[1:]:
        other.get_by_role("button", name="I was hurt").click()
        expect(other.locator("#app .side-kept")).to_be_visible()
    harness.panel(console, "Room settings")
    console.get_by_label("Show results per side").check()

    harness.open_activity(
        console,
        "poll",
        "Have you felt rushed this week?",
        style="counts",
        **{"Options, one per line": "Yes\nNo", "Content note (optional)": "About pressure."},
    )
    harness.panel(console, "Room settings")
    expect(console.get_by_label("Show results per side")).to_be_disabled()
    expect(phone.get_by_role("note")).to_contain_text("About pressure.")
    expect(phone.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
    phone.get_by_role("button", name="Skip this one").click()
    expect(phone.locator(".skipped")).to_be_visible()
    expect(phone.locator(".answer-status")).to_contain_text("You passed")
    for other in phones[1:]:
        other.get_by_role("button", name="Continue").click()
        other.get_by_role("button", name="Yes", exact=True).click()
        expect(other.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("4")

    console.get_by_role("button", name="Reveal results").click()
    # the display shows the content note, not the question or its results, until the
    # facilitator chooses to show them
    expect(display.locator(".note-first")).to_contain_text("About pressure.")
    expect(display.get_by_text("Have you felt rushed this week?")).to_have_count(0)
    expect(display.locator(".track-result")).to_have_count(0)
    # the console says so, quoting the note as its author wrote it
    expect(console.locator(".note-control .hint")).to_have_text(
        "The display shows only the content note, not the text yet:"
    )
    expect(console.locator(".note-quote")).to_have_text("About pressure.")
    console.get_by_role("button", name="Show the text on the display").click()
    expect(console.locator(".note-quote")).to_have_count(0)
    expect(display.locator(".text")).to_have_text("Have you felt rushed this week?")
    sections = display.locator(".track-result")
    expect(sections).to_have_count(3)
    hurt = sections.filter(has_text="Partners who were hurt")
    expect(hurt.locator(".bar-count")).to_have_text(["3", "0"])
    expect(sections.filter(has_text="Side not said").locator(".withheld")).to_have_text(
        "Fewer than 3 answered, so results are not shown."
    )


def test_word_cloud_check_in_grounding_and_pause(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phones = [harness.phone(harness.code(console)) for _ in range(3)]

    harness.open_activity(console, "words", "One word for how you arrive?")
    for phone, extra in zip(phones, ["tired", "hopeful", "tender"], strict=True):
        phone.get_by_label("Word 1").fill("Calm")
        phone.get_by_label("Word 2").fill(extra)
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator(".answer-status")).to_contain_text("stored")
    console.get_by_role("button", name="Reveal results").click()
    expect(display.locator(".cloud .word")).to_have_text(["calm"])
    expect(display.locator(".note")).to_contain_text("fewer than 3")

    harness.open_activity(console, "checkin", "How are you arriving?")
    phones[0].get_by_role("button", name="Tender").click()
    expect(phones[0].locator(".answer-status")).to_contain_text("stored")

    harness.open_activity(console, "grounding", "Breathe with the circle.")
    for page in (display, phones[0]):  # the circle rests until the timer starts
        expect(page.locator(".pacer-label")).to_have_text("Waiting to start")
    console.get_by_role("button", name="Start", exact=True).click()
    for page in (display, phones[0]):
        expect(page.locator(".pacer-label")).to_have_text(re.compile("Breathe in|Hold|Breathe out"))
        expect(page.locator(".timer")).to_be_visible()
    expect(phones[0].get_by_role("button", name="Pass")).to_have_count(0)  # nothing to answer
    # With reduced motion the circle stands still; only the words change.
    phones[1].emulate_media(reduced_motion="reduce")
    circle = "getComputedStyle(document.querySelector('.pacer-circle')).transform"
    assert phones[1].evaluate(circle) == "matrix(0.8, 0, 0, 0.8, 0, 0)"
    assert phones[0].evaluate(circle) != "matrix(0.8, 0, 0, 0.8, 0, 0)"

    # "I need a pause" is counted for the console only (taken back: the test below).
    for phone in phones[:2]:
        phone.get_by_role("button", name="I need a pause").click()
    expect(console.locator("#count-pauses")).to_have_text("2")
    expect(console.locator("#count-pauses")).to_have_class(re.compile("alert"))
    assert "pause" not in display.locator("body").inner_text().lower()


def test_a_double_tap_on_a_signal_asks_and_does_not_take_back(harness: Harness) -> None:
    """A double tap (a shaky hand, a habit) on "I need a pause" or "I'd like a word afterwards"
    used to ask and take back at once, and the facilitator saw nothing. The gesture's second tap
    is let go; a tap a moment later still takes the signal back."""
    console = harness.facilitator(k=3)
    phone = harness.page(**PHONE)
    phone.clock.install()  # runs as usual; the test jumps it on instead of waiting
    phone.goto(f"/join#{harness.code(console)}")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()

    press_twice(phone.get_by_role("button", name="I need a pause"))
    expect(phone.locator("#pause")).to_have_attribute("aria-pressed", "true")
    phone.get_by_role("button", name="More").click()
    press_twice(phone.get_by_role("button", name="I'd like a word afterwards"))
    expect(phone.locator("#word")).to_have_attribute("aria-pressed", "true")
    # one socket, in order: once the word is counted, the pause count is final
    expect(console.locator("#count-words")).to_have_text("1")
    expect(console.locator("#count-pauses")).to_have_text("1")

    phone.clock.fast_forward(1000)
    phone.locator("#word").click()
    phone.locator("#pause").click()
    expect(console.locator("#count-words")).to_have_text("0")
    expect(console.locator("#count-pauses")).to_have_text("0")
    expect(phone.locator("#pause")).to_have_attribute("aria-pressed", "false")


def test_locked_room_refuses_newcomers_and_a_quick_check_in_takes_one_tap(
    harness: Harness,
) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phone = harness.phone(code)
    harness.panel(console, "Room settings")
    console.get_by_label("Lock the room (no new people)").check()
    expect(console.get_by_label("Lock the room (no new people)")).to_be_checked()
    late = harness.page(**PHONE)
    late.goto("/join")
    late.get_by_label("Session code").fill(code)
    late.get_by_role("button", name="Join").click()
    expect(late.locator("#join-error")).to_have_text("This session is not taking new people.")
    assert late.evaluate("sessionStorage.length") == 0

    console.get_by_role("button", name="Quick check-in").click()
    expect(phone.get_by_text("How are you right now?")).to_be_visible()
    phone.get_by_role("button", name="Steady").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("1")


def test_a_timer_that_ran_out_says_so_on_every_screen(harness: Harness) -> None:
    """0:00 alone reads as a stuck clock: at the end each screen says the time is up."""
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phone = harness.phone(harness.code(console))
    harness.open_activity(console, "prompt", "Talk in pairs.")
    console.get_by_label("Timer length (seconds)").fill("1")
    console.get_by_role("button", name="Start timer").click()
    expect(console.locator("#timer-clock")).to_have_text("0:00 (time is up)")
    # nothing to pause at 0:00: more time, or stop
    timer = console.get_by_role("group", name="Timer")
    expect(timer.get_by_role("button", name="Pause")).to_have_count(0)
    expect(timer.get_by_role("button", name="+1 min")).to_be_visible()
    for page in (display, phone):
        expect(page.locator(".timer")).to_have_text("0:00time is up")
        # the word beside the digits, smaller than they are (the projector's had no style)
        sizes = page.locator(".timer").evaluate(
            "(el) => [el, el.querySelector('.timer-state')].map((e) => parseFloat(getComputedStyle(e).fontSize))"
        )
        assert sizes[1] < sizes[0] / 2, sizes
    # where the words do not fit beside the digits (a projector on its side, a small phone)
    # they move below as one box, not "time is" beside the digits and "up" a digit-line lower
    display.set_viewport_size({"width": 1080, "height": 1920})
    display.wait_for_function("() => document.querySelector('#stage').dataset.fitFor === '1080x1920'")
    phone.set_viewport_size({"width": 320, "height": 568})
    for page in (display, phone):
        pieces = page.locator(".timer-state").evaluate("(el) => el.getClientRects().length")
        assert pieces == 1, f"'time is up' split in {pieces} pieces at {page.viewport_size}"
    # a minute more: the clock runs again, and can be paused again
    timer.get_by_role("button", name="+1 min").click()
    expect(timer.get_by_role("button", name="Pause")).to_be_visible()
    expect(console.locator("#timer-clock")).to_have_text(re.compile(r"^[01]:\d\d$"))
    for page in (display, phone):
        expect(page.locator(".timer")).to_have_text(re.compile(r"^[01]:\d\d$"))
    console.get_by_role("button", name="Stop timer").click()
    expect(console.locator("#timer-clock")).to_have_count(0)


def test_moving_on_never_discards_unread_written_answers_without_asking(harness: Harness) -> None:
    """Written answers reach the console only when answers close; opening something else over
    an open prompt people wrote to asks first, whether from the form or the run-sheet."""
    console = harness.facilitator(k=3)
    phones = [harness.phone(harness.code(console)) for _ in range(3)]
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(console, "prompt", "What helped you stay?")
    expect(console.locator("#written-hint")).to_contain_text("stay unread until you close answers")
    for phone, text in zip(phones, ["A walk", "Her patience", "Time"], strict=True):
        write(phone, text)
    expect(console.locator("#count-answered")).to_have_text("3")

    # The form: a poll typed over the open prompt.
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("poll")
    console.get_by_label("Question or text").fill("How steady today?")
    console.get_by_label("Options, one per line").fill("Steady\nShaky")
    asked = console.get_by_role("dialog")
    open_on_phones = console.get_by_role("button", name="Open on phones")
    open_on_phones.click()
    expect(asked).to_contain_text("3 people have responded")
    expect(asked.get_by_role("button", name="Cancel")).to_be_focused()
    console.keyboard.press("Enter")  # Enter on the first focus stays: nothing is discarded
    expect(asked).to_have_count(0)
    expect(console.locator(".live-text")).to_have_text("What helped you stay?")
    expect(console.get_by_label("Question or text")).to_have_value("How steady today?")
    for phone in phones:
        expect(phone.locator(".answer-status")).to_contain_text("stored")

    open_on_phones.click()
    asked.get_by_role("button", name="Close answers first").click()
    expect(asked).to_have_count(0)
    expect(console.locator(".queue-item")).to_have_count(3)  # the words, to review
    expect(console.locator("#queue-heading")).to_be_focused()
    expect(console.locator("#live-status")).to_have_text("Closed")
    expect(console.locator("#written-hint")).to_have_count(0)
    harness.panel(console, "New activity")
    open_on_phones.click()  # closed and read: nothing to ask
    expect(console.locator(".live-text")).to_have_text("How steady today?")
    expect(phones[0].get_by_role("button", name="Shaky")).to_be_visible()

    # The run-sheet: the next step over a prompt one person wrote to, discarded on purpose.
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Question or text").fill("One thing you noticed.")
    console.get_by_label("Collect anonymous written answers").check()
    console.get_by_role("button", name="Add to plan").click()
    console.get_by_label("Kind").select_option("poll")
    console.get_by_label("Question or text").fill("Ready to stop?")
    console.get_by_label("Options, one per line").fill("Yes\nNot yet")
    console.get_by_role("button", name="Add to plan").click()
    harness.panel(console, "New activity", shown=False)
    console.locator("[data-key=n]").click()
    expect(console.locator(".live-text")).to_have_text("One thing you noticed.")
    write(phones[1], "The quiet")
    expect(console.locator("#count-answered")).to_have_text("1")
    console.locator("[data-key=n]").click()
    expect(asked).to_contain_text("1 person has responded")
    console.keyboard.press("n")  # the keys wait while the question is open
    asked.get_by_role("button", name="Discard them and open").click()
    expect(console.locator(".live-text")).to_have_text("Ready to stop?")
    expect(phones[1].get_by_role("button", name="Not yet")).to_be_visible()
    expect(console.locator("[data-key=n]")).to_have_count(0)  # the run-sheet took its step
