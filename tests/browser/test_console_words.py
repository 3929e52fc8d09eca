"""The console's buttons never split a word ("Ouvr/ir"): in French and German, at 1366x768 and
1280x800, with the run-sheet beside a side panel, the new-activity form and a live poll."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import LAPTOP, Harness
from tests.browser.layout import split_words
from tests.browser.test_plan_panel import console_in


def whole_words(console: Page, state: str) -> None:
    split = split_words(console, "button, summary")
    assert not split, f"{state}: {split}"


@pytest.mark.parametrize("size", [(1366, 768), (1280, 800)], ids=["1366x768", "1280x800"])
@pytest.mark.parametrize("locale", ["fr-FR", "de-DE"])
def test_buttons_wrap_between_words(harness: Harness, locale: str, size: tuple[int, int]) -> None:
    width, height = size
    console = harness.page(viewport={"width": width, "height": height}, locale=locale)
    console.goto(harness.link({"role": "host"}, bearer=harness.live.settings.host_secret))
    console.locator("#start-k").fill("3")
    console.locator("form.start button[type=submit]").click()
    expect(console.locator(".join-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    toggles = console.locator(".tools button[aria-expanded]")  # New activity, How to join, ...
    console.locator(".plan button[aria-expanded]").click()  # Browse the library
    console.locator(".library-list li").first.locator("button").first.click()  # Use this plan
    console.keyboard.press("n")
    expect(console.locator(".step").first).to_have_attribute("aria-current", "step")
    whole_words(console, "a plan step live")

    toggles.nth(1).click()  # How to join: three columns
    expect(console.locator(".join-code")).to_be_visible()
    whole_words(console, "the run-sheet beside How to join")

    toggles.nth(0).click()  # New activity
    expect(console.locator(".activity-form")).to_be_visible()
    whole_words(console, "the run-sheet beside New activity")

    # a poll with its Close, Reveal and Clear, and the paper form open
    console.locator("#new-kind").select_option("poll")
    console.locator("#new-text").fill("Qu'est-ce qui aide ?")
    console.locator("#new-options").fill("Repos\nParole")
    console.locator(".activity-form button[type=submit]").click()
    expect(console.locator(".live-actions button")).to_have_count(3)
    console.locator(".paper summary").click()
    expect(console.locator(".paper input").first).to_be_visible()
    toggles.nth(1).click()
    expect(console.locator(".join-code")).to_be_visible()
    whole_words(console, "a live poll beside How to join")


def test_file_pickers_speak_the_consoles_language(harness: Harness) -> None:
    """The browser's own file button says "Choose File" and "No file chosen" in the browser's
    language: a Spanish console shows its own words instead, reached by the keyboard too."""
    console = harness.facilitator(k=3)
    console.get_by_label("Language").select_option("es")
    picker = console.locator("#plan-file")
    expect(console.locator("label[for=plan-file].file-button")).to_have_text("Elegir un archivo…")
    assert picker.evaluate("(el) => getComputedStyle(el).opacity") == "0", "the native control"
    console.get_by_role("button", name="Explorar la biblioteca").focus()
    console.keyboard.press("Tab")
    assert picker.evaluate("(el) => el === document.activeElement")
    ring = console.locator(".file-button").first.evaluate(
        "(el) => getComputedStyle(el).outlineStyle"
    )
    assert ring == "solid", "the button shows where the keyboard is"
    harness.panel(console, "A lo largo de las semanas")
    expect(console.locator("label[for=summary-files].file-button")).to_have_text("Elegir archivos…")


def test_forms_say_what_is_wrong_in_the_consoles_language(harness: Harness) -> None:
    """A k out of range or a question left empty: the console says so in its own language,
    never in a browser bubble in the browser's (which also kept its own words from showing)."""
    console = harness.page(**LAPTOP)  # a browser in English
    console.goto(harness.link({"role": "host"}, bearer=harness.live.settings.host_secret))
    console.get_by_label("Language").select_option("es")
    console.locator("#start-k").fill("2")
    console.get_by_role("button", name="Crear una sala").click()
    expect(console.locator("form.start .error")).to_have_text("Escribe un número entero de 3 a 50.")
    expect(console.locator("#start-k")).to_have_attribute("aria-invalid", "true")
    expect(console.locator("#start-k")).to_be_focused()
    console.locator("#start-k").fill("3")
    console.get_by_role("button", name="Crear una sala").click()
    expect(console.locator(".join-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))

    harness.panel(console, "Actividad nueva")
    console.get_by_role("button", name="Abrir en los teléfonos").click()
    expect(console.locator(".activity-form .error")).to_have_text(
        "Escribe primero la pregunta o el texto."
    )
    expect(console.locator("#new-text")).to_be_focused()


def test_a_number_out_of_range_is_said_beside_its_form(harness: Harness) -> None:
    """The free timer's length and the paper counts: a number the room would refuse is said in
    the console's words, beside its form, and nothing is sent."""
    console = harness.facilitator(k=3)
    console.get_by_label("Timer length (seconds)").fill("5000")
    console.get_by_role("button", name="Start timer").click()
    form = console.locator("form.timer-start")
    expect(console.locator(".inline-error")).to_have_text("Type a whole number from 1 to 3600.")
    expect(console.get_by_label("Timer length (seconds)")).to_have_attribute("aria-invalid", "true")
    expect(form).to_be_visible()  # no timer was started
    console.get_by_label("Timer length (seconds)").fill("90")
    console.get_by_role("button", name="Start timer").click()
    expect(console.locator("#timer-clock")).to_have_text(re.compile(r"^1:[23]\d"))

    harness.open_activity(console, "poll", "Which?", **{"Options, one per line": "Rest\nTalk"})
    console.get_by_text("Add answers from paper").click()
    console.get_by_label("On paper: Rest").fill("2")
    console.get_by_label("On paper: Talk").fill("-1")
    console.get_by_role("button", name="Add paper answers").click()
    expect(console.locator(".inline-error")).to_have_text("Type a whole number from 0 to 1000.")
    expect(console.get_by_label("On paper: Talk")).to_be_focused()
    console.get_by_label("On paper: Talk").fill("1")
    console.get_by_role("button", name="Add paper answers").click()
    expect(console.locator(".paper [role=status]")).to_have_text(
        re.compile("3 paper answers added")
    )


@pytest.mark.parametrize("locale", ["de-DE", "fr-FR"])
def test_a_checkbox_stands_beside_its_label(harness: Harness, locale: str) -> None:
    """From an outside run at 1280x720: in Room settings a long German or French label wrapped
    to the line under its checkbox, which then sat alone under the field above it."""
    page = console_in(harness, locale, {"width": 1280, "height": 720})
    page.locator(".tools button").nth(2).click()  # Room settings, in the console's language
    boxes = page.locator(".side .check-field")
    expect(boxes.first).to_be_visible()
    for field in boxes.all():
        box = field.locator("input").bounding_box()
        label = field.locator("label").bounding_box()
        assert box and label, field.inner_text()
        middle = box["y"] + box["height"] / 2
        assert label["y"] <= middle <= label["y"] + label["height"], field.inner_text()
        assert label["x"] > box["x"], field.inner_text()  # beside it, not under it
