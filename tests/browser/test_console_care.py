"""The console's care with what cannot be undone or is easy to get wrong: ending a session asks
with Cancel focused (Enter twice or Esc ends nothing) and names how many asked for a word
afterwards (ending clears that signal), room settings check their fields and never
show a k or a cap that is not in force, a cap below the people already here says what it does,
and a spent link tells anyone what to do without pointing a co-facilitator at `hearth link`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.drive import Screen, phones
from tests.browser.harness import Harness


def still_running(console: Page) -> None:
    expect(console.locator("#count-code")).to_be_visible()
    expect(console.get_by_role("heading", name="The session has ended")).to_have_count(0)


def test_ending_asks_first_with_cancel_focused(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    end = console.get_by_role("button", name="End session…")
    ask = console.get_by_role("dialog")

    # Enter twice: the first opens the question, the second lands on Cancel
    end.focus()
    console.keyboard.press("Enter")
    expect(console.get_by_role("button", name="Cancel")).to_be_focused()
    expect(console.get_by_role("button", name="End and erase")).not_to_be_focused()
    expect(ask).to_be_visible()  # a modal question: the rest of the console waits
    console.keyboard.press("Enter")
    expect(ask).to_be_hidden()
    expect(end).to_be_focused()
    still_running(console)

    # Escape takes it back, with the focus on End session… again; the shortcuts wait meanwhile
    console.keyboard.press("Enter")
    expect(ask.get_by_role("button", name="Cancel")).to_be_focused()
    console.keyboard.press("b")
    console.keyboard.press("Escape")
    expect(ask).to_be_hidden()
    expect(end).to_be_focused()
    expect(console.get_by_role("button", name="Blank the display")).to_have_attribute(
        "aria-pressed", "false"
    )
    still_running(console)

    # only a deliberate press on End and erase ends it
    end.click()
    expect(ask).to_contain_text("End for everyone?")
    ask.get_by_role("button", name="End and erase").click()
    expect(console.get_by_role("heading", name="The session has ended")).to_be_visible()
    expect(console.locator("#receipt")).to_contain_text("a fresh scan found 0 left")


def test_the_end_dialog_saves_the_summary_it_asks_for(harness: Harness) -> None:
    """"Save the summary first", says the question: the button is in the question itself."""
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 3)
    harness.open_activity(console, "scale", "How steady are you?")
    for person in people:
        person.answer_next({"kind": "scale", "value": 4})
    expect(console.locator("#count-answered")).to_have_text("3")
    console.get_by_role("button", name="Reveal results").click()
    expect(console.get_by_text("3 people answered")).to_be_visible()

    console.get_by_role("button", name="End session…").click()
    ask = console.get_by_role("dialog")
    with console.expect_download() as saved:
        ask.get_by_role("button", name="Save summary file").click()
    summary = json.loads(Path(saved.value.path()).read_text())
    assert summary["format"] == "hearth-summary"
    [entry] = summary["entries"]
    assert entry["text"] == "How steady are you?" and entry["results"] is not None
    expect(ask.get_by_role("status")).to_have_text(re.compile(r"^Saved .+ to this device\.$"))
    ask.get_by_role("button", name="End and erase").click()
    expect(console.get_by_role("heading", name="The session has ended")).to_be_visible()


def test_ending_names_the_people_who_asked_for_a_word(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    end = console.get_by_role("button", name="End session…")
    ask = console.get_by_role("dialog")
    end.click()
    expect(ask).to_contain_text("End for everyone?")
    expect(ask).not_to_contain_text("word afterwards")  # nobody asked: nothing to say
    ask.get_by_role("button", name="Cancel").click()

    people = phones(harness.live, {"code": harness.code(console)}, 2)
    for person in people:  # no id: a signal gets no ack
        person.ws.send(json.dumps({"type": "word", "on": True}))
    expect(console.locator("#count-words")).to_have_text("2")
    end.click()
    said = (
        "{} asked for a word afterwards. Ending the session clears that signal: make sure you "
        "have seen them."
    )
    expect(ask.locator("#confirm-words")).to_have_text(said.format("2 people"))
    expect(ask).to_have_accessible_description(said.format("2 people"))
    # while the question is open, the line follows the signals
    people[0].ws.send(json.dumps({"type": "word", "on": False}))
    expect(ask.locator("#confirm-words")).to_have_text(said.format("1 person"))
    people[1].ws.send(json.dumps({"type": "word", "on": False}))
    expect(ask.locator("#confirm-words")).to_be_hidden()
    expect(ask).not_to_contain_text("word afterwards")
    ask.get_by_role("button", name="Cancel").click()
    still_running(console)
    for person in people:
        person.close()


def settings(console: Page) -> tuple[Locator, Locator]:
    Harness.panel(console, "Room settings")
    return console.get_by_label("k (minimum answers)"), console.get_by_label(
        "Most people who may join"
    )


def test_room_settings_check_their_fields_and_show_what_is_in_force(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    k, cap = settings(console)
    apply_k = console.get_by_role("button", name="Apply k")
    apply_cap = console.get_by_role("button", name="Apply the cap")
    errors = console.locator(".inline-error")

    # an empty or out-of-range field is refused here, in plain words, and nothing is sent
    for typed in ("", "2", "51", "4.5"):
        k.fill(typed)
        apply_k.click()
        expect(errors).to_have_text(["Type a whole number from 3 to 50."])
        expect(k).to_have_attribute("aria-invalid", "true")
    k.fill("3")  # the k in force, applied again: nothing changes, and the error goes
    apply_k.click()
    expect(errors).to_have_count(0)
    expect(k).not_to_have_attribute("aria-invalid", "true")
    for typed in ("", "0", "10001"):
        cap.fill(typed)
        apply_cap.click()
        expect(errors).to_have_text(["Type a whole number from 1 to 10000."])
    cap.fill("300")
    apply_cap.click()
    expect(errors).to_have_count(0)

    # a change that works: the field says the room's k, and no error is left
    k.fill("4")
    apply_k.click()
    expect(errors).to_have_count(0)
    expect(k).to_have_value("4")
    expect(k).not_to_have_attribute("aria-invalid", "true")


def refused_k(harness: Harness) -> tuple[Page, list[Screen], Locator]:
    """A console whose k (4) cannot change now (a poll is closed, not revealed), after it tried."""
    console = harness.facilitator(k=4)
    people = phones(harness.live, {"code": harness.code(console)}, 1)
    Harness.open_activity(console, "poll", "Which helps?", **{"Options, one per line": "A\nB"})
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator("#live-status")).to_have_text("Closed")
    k, _cap = settings(console)
    k.fill("5")
    console.get_by_role("button", name="Apply k").click()
    expect(console.locator(".inline-error")).to_have_text(
        ["Change k after revealing or clearing, not between."]
    )
    return console, people, k


def test_a_refused_change_puts_the_field_back(harness: Harness) -> None:
    _console, people, k = refused_k(harness)
    expect(k).to_have_value("4")  # never a k that is not in force
    for phone in people:
        phone.close()


def test_an_error_goes_once_something_else_works(harness: Harness) -> None:
    console, people, _k = refused_k(harness)
    console.get_by_role("button", name="Blank the display").click()
    expect(console.get_by_role("button", name="Display is blank: show it")).to_be_visible()
    expect(console.locator(".inline-error")).to_have_count(0)
    for phone in people:
        phone.close()


def test_a_cap_below_the_people_here_says_what_it_does(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    people: list[Screen] = phones(harness.live, {"code": harness.code(console)}, 3)
    expect(console.locator("#count-connected")).to_have_text("3")
    _k, cap = settings(console)
    note = console.locator("#cap-note")

    cap.fill("2")
    console.get_by_role("button", name="Apply the cap").click()
    expect(note).to_have_text(
        "3 people are already here. Nobody is removed, and anyone whose phone drops can come"
        " back, but no one new can join until some of them leave."
    )
    expect(console.locator(".inline-error")).to_have_count(0)
    expect(console.locator("#count-connected")).to_have_text("3")  # nobody was removed

    cap.fill("3")  # as many as are here: full, as chosen, and nothing to explain
    console.get_by_role("button", name="Apply the cap").click()
    expect(note).to_be_empty()
    cap.fill("2")
    cap.press("Enter")  # applied from the field itself (the panel is not redrawn under it)
    expect(note).to_contain_text("3 people are already here.")
    cap.fill("300")
    cap.press("Enter")
    expect(note).to_be_empty()

    # A phone that dropped keeps its place (it may come back), and the cap counts it: with 2
    # connected and 3 joined, a cap of 2 still lets no one new in, and the note says so.
    people[0].close()
    expect(console.locator("#count-connected")).to_have_text("2")
    cap.fill("2")
    cap.press("Enter")
    expect(note).to_contain_text("3 people are already here.")
    for phone in people[1:]:
        phone.close()


def test_a_spent_link_tells_anyone_what_to_do(harness: Harness) -> None:
    harness.allow_console.append(r"status of 404")  # the spent ticket, tried a second time
    console = harness.facilitator(k=3)
    Harness.panel(console, "Another device")
    console.get_by_role("button", name="Co-facilitator link").click()
    link = console.locator("#made-link").input_value().removeprefix(harness.live.base_url)
    hint = console.locator("#made-link-hint")
    expect(hint).to_contain_text(re.compile(r"It works once, until \d{1,2}:\d{2}"))
    with console.expect_response("**/api/tickets/state") as asked:  # unused: it stays
        pass
    assert asked.value.json() == {"waiting": True}
    expect(console.locator("#made-link")).to_be_visible()
    first = harness.page()
    first.goto(link)
    expect(first.get_by_role("heading", name="Co-facilitator console")).to_be_visible()
    # the console that made it says it has been used, and no dead link is left to copy
    spent = console.locator(".made-link [role=status]")
    expect(spent).to_have_text("That link has been opened, so it works no more. Make another if you need one.")
    expect(console.locator("#made-link")).to_have_count(0)

    again = harness.page()  # another browser: nothing of the room kept
    again.goto(link)
    heading = again.get_by_role("heading", name="This link no longer works")
    expect(heading).to_be_visible()
    words = again.locator("#app")
    expect(words).to_contain_text("Ask the facilitator for a new link.")
    expect(words).to_contain_text("used already or its time ran out")
    expect(words).not_to_contain_text(re.compile(r"has been used|Ask for a new link with"))
    # `hearth link` is named only for whoever runs Hearth, never as what to ask for
    expect(words).to_contain_text("If you run Hearth yourself")


def test_the_split_says_when_it_can_change_again(harness: Harness) -> None:
    """Fixed from a poll's opening until its reveal (or clearing), closed included: the hint said
    "not while one collects answers", which a closed poll no longer does."""
    console = harness.facilitator(k=3)
    people = phones(harness.live, {"code": harness.code(console)}, 3)
    harness.open_activity(console, "poll", "Rushed?", **{"Options, one per line": "Yes\nNo"})
    for person in people:
        person.answer_next({"kind": "choice", "option": 0})
    expect(console.locator("#count-answered")).to_have_text("3")
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator(".preview")).to_be_visible()
    settings(console)
    split = console.get_by_label("Show results per side")
    expect(split).to_be_disabled()
    expect(console.locator("#split-hint")).to_have_text(
        "The split can change between activities: not while one is on screen, until you reveal"
        " its results or clear it."
    )
    console.get_by_role("button", name="Reveal results").click()
    expect(split).to_be_enabled()
    expect(console.locator("#split-hint")).to_have_count(0)
