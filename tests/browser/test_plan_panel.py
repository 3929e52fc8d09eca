"""The run-sheet and the live column at 1366x768: stepping through a plan keeps the current
step's notes in view, in English and in French (where the timer takes a row of its own in the
bar and the columns get shorter); "Add answers from paper" opens in view, focused."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from server.domain.library import load_library
from tests.browser.harness import Harness

SIZE = {"width": 1366, "height": 768}
TIMED = {"reflection", "grounding"}

# What of `el` is on screen: its box, less what scrolling columns clip, in the window.
SHOWN = """(el) => {
  const box = el.getBoundingClientRect();
  let top = box.top, bottom = box.bottom;
  for (let up = el.parentElement; up; up = up.parentElement) {
    if (getComputedStyle(up).overflowY === 'visible') continue;
    const c = up.getBoundingClientRect();
    top = Math.max(top, c.top + up.clientTop);
    bottom = Math.min(bottom, c.top + up.clientTop + up.clientHeight);
  }
  return { whole: top <= box.top + 1 && bottom >= box.bottom - 1 && bottom <= innerHeight + 1,
           box: [Math.round(box.top), Math.round(box.bottom)], seen: [Math.round(top), Math.round(bottom)] };
}"""

# Two frames: layout, resize observers and anything they scroll have all run.
SETTLED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def not_whole(page: Page, locator: Locator, what: str) -> list[str]:
    """[] when `locator` is wholly in view once the page has settled, else what is wrong."""
    page.evaluate(SETTLED)
    shown = locator.evaluate(SHOWN)
    return [] if shown["whole"] else [f"{what} is not wholly in view: {shown}"]


def whole(page: Page, locator: Locator, what: str) -> None:
    problems = not_whole(page, locator, what)
    assert not problems, problems


def console_in(harness: Harness, locale: str, viewport: dict[str, int] = SIZE) -> Page:
    """A console made in the browser's own language (its labels in `locale`)."""
    page = harness.page(viewport=viewport, locale=locale)
    page.goto(harness.link({"role": "host"}, bearer=harness.live.settings.host_secret))
    page.locator("#start-k").fill("3")
    page.locator("form.start button[type=submit]").click()
    expect(page.locator(".join-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    return page


def use_first_plan(console: Page) -> None:
    console.locator(".plan button[aria-expanded]").click()  # Browse the library
    console.locator(".library-list li").first.locator("button").first.click()  # Use this plan
    expect(console.locator(".step").first).to_be_visible()


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_stepping_keeps_the_current_steps_notes_in_view(harness: Harness, locale: str) -> None:
    items = load_library().plans[0].plan.items
    console = console_in(harness, locale)
    use_first_plan(console)
    problems: list[str] = []
    for index, item in enumerate(items):
        console.keyboard.press("n")  # Open next
        expect(console.locator(".step").nth(index)).to_have_attribute("aria-current", "step")
        timed = item.activity.kind in TIMED
        if timed:
            expect(console.locator("#timer-clock")).to_be_visible()
        else:
            expect(console.locator("#timer-clock")).to_have_count(0)
        notes = console.locator(".plan .facilitator-notes")
        words = item.activity.translations.get(locale[:2]) or item.activity
        expect(notes).to_contain_text((words.facilitator_notes or "")[:30])  # its own language
        if locale == "en-GB":  # named: an activity opened on the spot may be live beside them
            name = (words.title or words.text[:50]).strip()
            expect(notes.locator("h3")).to_have_text(f"Notes for step {index + 1}: {name}")
        step = f"step {index + 1} ({item.activity.kind}{', timer' if timed else ''}, {locale})"
        problems += not_whole(console, notes, f"{step}: the notes")
        following = console.locator(".plan [data-key=n]")
        if following.count():
            problems += not_whole(console, following, f"{step}: Open next")
    assert not problems, "\n".join(problems)


# Where each step's first button starts against the bottom of the step's name.
ACTIONS_UNDER_NAMES = """() => [...document.querySelectorAll('.step')].map((step) => {
  const name = step.querySelector('.step-name').getBoundingClientRect();
  const first = step.querySelector('.step-actions button').getBoundingClientRect();
  return { name: step.querySelector('.step-name').textContent, under: first.top >= name.bottom - 1 };
})"""


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
def test_every_steps_buttons_start_a_line_of_their_own(harness: Harness, locale: str) -> None:
    """An outside tester at 1440x900: a step whose name took two lines had its buttons after
    "15 min" on the second, the others under their names, so they did not line up."""
    console = console_in(harness, locale)
    use_first_plan(console)
    console.keyboard.press("n")  # a step live: the run-sheet takes its running width
    expect(console.locator(".step").first).to_have_attribute("aria-current", "step")
    beside: set[str] = set()
    for width in range(1280, 1930, 40):  # laptops to a full-HD screen: the run-sheet widens
        console.set_viewport_size({"width": width, "height": 900})
        console.evaluate(SETTLED)
        steps = console.evaluate(ACTIONS_UNDER_NAMES)
        assert len(steps) > 3
        beside |= {f"{step['name']} ({width} px)" for step in steps if not step["under"]}
    assert not beside, f"buttons beside the name of: {sorted(beside)[:6]}"


def test_a_timed_step_names_its_timer_beside_its_planned_minutes(harness: Harness) -> None:
    """A reflection planned for 8 minutes opened with a 3:00 timer, and the run-sheet said only
    "8 min": which of the two the clock would show was a guess."""
    console = console_in(harness, "en-GB")
    use_first_plan(console)
    entry = load_library().plans[0].plan
    lines = console.locator(".steps .step-name").all_inner_texts()
    assert len(lines) == len(entry.items)
    for line, item in zip(lines, entry.items, strict=True):
        seconds = getattr(item.activity, "seconds", None)
        timer = f"timer {seconds // 60}:{seconds % 60:02d}" if seconds else None
        assert (timer is not None and timer in line) == (item.activity.kind in TIMED), line
        assert f"{item.minutes} min" in line, line


def test_the_plan_files_label_stands_apart_from_the_library_button(harness: Harness) -> None:
    """At 1366x768 "Load a plan file" sat against "Browse the library" above it, so it read as
    that button's caption, with a file's button under it."""
    console = console_in(harness, "en-GB")
    browse = console.get_by_role("button", name="Browse the library").bounding_box()
    label = console.locator("label[for=plan-file]").first.bounding_box()
    assert browse and label
    gap = label["y"] - (browse["y"] + browse["height"])
    assert gap >= 8, f"{gap:.1f}px between the library's button and the plan file's label"


def test_answers_from_paper_open_in_view_and_take_focus(harness: Harness) -> None:
    items = load_library().plans[0].plan.items
    poll = next(i for i, item in enumerate(items) if item.activity.kind == "poll")
    console = console_in(harness, "en-GB")
    use_first_plan(console)
    console.get_by_role("button", name=re.compile(rf"^Open step {poll + 1}:")).click()
    expect(console.locator(".live-text").first).to_have_text(items[poll].activity.text)

    console.get_by_text("Add answers from paper").click()
    first = console.locator(".paper input").first
    expect(first).to_be_focused()
    whole(console, console.get_by_role("button", name="Add paper answers"), "Add paper answers")
    whole(console, first, "the first paper count")

    # shut and opened again from the keyboard: the same
    summary = console.locator(".paper summary")
    summary.click()
    expect(console.locator(".paper")).not_to_have_attribute("open", "")
    console.locator(".centre").evaluate("(el) => { el.scrollTop = 0; }")
    summary.focus()
    console.keyboard.press("Enter")
    expect(first).to_be_focused()
    whole(console, console.get_by_role("button", name="Add paper answers"), "Add paper answers")


def test_a_french_console_shows_the_library_in_french(harness: Harness) -> None:
    """The library carries French, so a French console lists it, steps through it and shows
    the live step, its notes and its options in French, as the phones and the display do; the
    plan it takes is French first (what the room keeps, the summary), with its other languages."""
    plan = load_library().plans[0].plan
    french = plan.translations["fr"]
    console = console_in(harness, "fr-FR")
    console.locator(".plan button[aria-expanded]").click()  # Browse the library
    expect(console.locator(".library-list .library-title").first).to_contain_text(french.title)
    console.locator(".library-list li").first.locator("button").first.click()  # Use this plan
    expect(console.locator("#plan-heading")).to_contain_text(french.title)
    first = plan.items[0].activity
    expect(console.locator(".step").first).to_contain_text(first.translations["fr"].title)
    console.keyboard.press("n")  # Open next
    notes = first.translations["fr"].facilitator_notes or ""
    expect(console.locator(".plan .facilitator-notes")).to_contain_text(notes[:30])
    expect(console.locator("#live-heading")).to_contain_text(first.translations["fr"].title)

    poll = next(i for i, item in enumerate(plan.items) if item.activity.kind == "poll")
    options = plan.items[poll].activity.translations["fr"].options
    console.locator(".step").nth(poll).locator(".step-actions button").first.click()  # Open
    expect(console.locator(".live-text").first).to_have_text(
        plan.items[poll].activity.translations["fr"].text
    )
    console.locator(".paper summary").click()  # the counts from paper, by option
    expect(console.locator(".paper")).to_contain_text(options[0])
    with console.expect_download() as saved:
        console.get_by_role("button", name="Enregistrer le fichier du plan").click()
    kept = json.loads(saved.value.path().read_text("utf-8"))
    assert kept["languages"][0] == "fr" and kept["title"] == french.title
    assert kept["translations"]["en"]["title"] == plan.title  # and every other language
    assert sorted(kept["languages"]) == sorted(plan.languages)


def test_a_step_edited_in_a_french_console_is_edited_in_french(harness: Harness) -> None:
    """Edit loads the step's French into the form, says its other languages give way, and the
    saved step is the French that was written: every phone then reads it (an English phone
    too, rather than English that no longer says what the facilitator wrote)."""
    first = load_library().plans[0].plan.items[0].activity
    console = console_in(harness, "fr-FR")
    code = harness.code(console)
    use_first_plan(console)
    console.locator(".step").first.locator(".step-actions button").nth(1).click()  # Edit
    expect(console.locator("#new-text")).to_have_value(first.translations["fr"].text)
    expect(console.locator("#new-title")).to_have_value(first.translations["fr"].title or "")
    expect(console.locator("#edit-languages")).to_be_visible()
    console.locator("#new-text").fill("Bienvenue à toutes et à tous, ce soir.")
    console.get_by_role("button", name="Enregistrer l\u2019étape 1").click()
    expect(console.locator("#edit-languages")).to_be_hidden()
    expect(console.locator(".step").first).to_contain_text("Bienvenue")
    phone = harness.phone(code)  # an English phone
    console.locator(".step").first.locator(".step-actions button").first.click()  # Open
    expect(console.locator(".live-text").first).to_have_text(
        "Bienvenue à toutes et à tous, ce soir."
    )
    expect(phone.locator(".activity-text, .text, main").first).to_contain_text(
        "Bienvenue à toutes et à tous, ce soir."
    )
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("[lang=fr]").count() >= 1  # the French words say they are French
    expect(console.locator(".plan .error")).to_have_count(0)  # the room took the edited plan


def test_back_to_names_the_set_aside_step_in_the_consoles_language(harness: Harness) -> None:
    """A Quick check-in sets the live step aside; "Back to" names it as the run-sheet does, in
    the console's language."""
    plan = load_library().plans[0].plan
    console = console_in(harness, "fr-FR")
    use_first_plan(console)
    console.keyboard.press("n")  # Open next: the first step
    expect(console.locator(".step").first).to_have_attribute("aria-current", "step")
    console.get_by_role("button", name="Météo rapide").click()
    french = plan.items[0].activity.translations["fr"].title
    expect(console.get_by_role("button", name=f"Revenir à : {french}")).to_be_visible()
    live = harness.live  # the check-in itself is French first, as the console asked
    state = live.call(live.service.load(harness.code(console)))
    assert state.live is not None and state.live.activity.lang == "fr"


def test_a_new_room_keeps_the_plan_but_starts_it_from_the_top(harness: Harness) -> None:
    """After End, "Start another session" brought the plan back at the step the last group
    reached, with its notes and "Open next" pointing past it: N opened step 3 for a new group."""
    console = harness.facilitator(k=3)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    steps = console.locator(".step").count()
    opener = console.get_by_role("button", name=re.compile("^Open next:"))
    first = opener.inner_text()
    opener.click()
    expect(console.locator("#live-heading")).not_to_have_text("Nothing live")
    expect(opener).not_to_have_text(first)
    opener.click()
    expect(console.locator(".step.current")).to_have_count(1)
    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="End and erase").click()
    console.get_by_role("button", name="Start another session").click()
    console.get_by_role("button", name="Create a room").click()
    expect(console.locator(".step")).to_have_count(steps)  # the plan itself stays
    expect(console.get_by_role("button", name=re.compile("^Open next:"))).to_have_text(first)
    expect(console.locator(".step.current")).to_have_count(0)
    expect(console.locator(".plan .facilitator-notes")).to_have_count(0)


def test_the_library_opens_in_view_beside_a_plan(harness: Harness) -> None:
    """From an outside run at 1366x768: with a plan loaded, Browse the library opened the
    library under the steps, out of sight (the run-sheet went back to the current step), and
    the press seemed to do nothing."""
    console = console_in(harness, "en-GB")
    use_first_plan(console)
    browse = console.locator(".plan button[aria-expanded]")
    browse.scroll_into_view_if_needed()
    browse.click()
    expect(console.locator(".library-list li").first).to_be_in_viewport()
