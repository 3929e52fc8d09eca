"""A dim screen: a phone set to dark shows Hearth dark, and anyone can dim or brighten their own
phone under More (a bright phone glares in a dim room and is read from the next seat more
easily). Both palettes pass axe's contrast checks; paper stays black on white; the projector
looks the same whatever the laptop is set to."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.drive import leave
from tests.browser.harness import Harness
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_print import PLAN, load_plan_file, no_print_dialog

# The relative luminance (WCAG) of an element's computed colour property.
LUMINANCE = """([selector, property]) => {
  const value = getComputedStyle(document.querySelector(selector))[property];
  const [r, g, b] = value.match(/[\\d.]+/g).slice(0, 3).map(Number).map((c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""


def luminance(page: Page, selector: str = "body", prop: str = "backgroundColor") -> float:
    return float(page.evaluate(LUMINANCE, [selector, prop]))


def colours(page: Page) -> list[list[str]]:
    """Every element's colours, in document order."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('body, body *')].map((el) => {
                const style = getComputedStyle(el);
                return [style.color, style.backgroundColor, style.borderTopColor];
            })"""
        )
    )


def is_dim(page: Page) -> bool:
    background, ink = luminance(page), luminance(page, "body", "color")
    return background < 0.05 and ink > 0.7


def is_bright(page: Page) -> bool:
    background, ink = luminance(page), luminance(page, "body", "color")
    return background > 0.8 and ink < 0.05


def press_in_menu(phone: Page, name: str) -> None:
    phone.get_by_role("button", name="More").click()
    phone.get_by_role("button", name=name).click()
    phone.get_by_role("button", name="Close").click()


def test_a_phone_follows_its_own_setting_and_its_owners_choice(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    dark = harness.phone(code, color_scheme="dark")
    light = harness.phone(code, color_scheme="light")
    assert is_dim(dark) and is_bright(light)

    press_in_menu(dark, "Bright screen")
    assert is_bright(dark)
    press_in_menu(light, "Dim screen")
    assert is_dim(light)
    # kept for the session, like the text size: a reload (or a dropped tab) does not undo it
    light.reload()
    expect(light.get_by_role("heading", name="You're in")).to_be_visible()
    assert is_dim(light)
    light.get_by_role("button", name="More").click()
    expect(light.get_by_role("button", name="Bright screen")).to_be_visible()

    # and forgotten with everything else on Leave
    leave(light)
    expect(light.get_by_role("heading", name="You have left")).to_be_visible()
    assert light.evaluate("sessionStorage.length") == 0


def test_dim_screens_pass_axe_and_the_projector_stays_the_same(harness: Harness) -> None:
    console = harness.facilitator(k=3, color_scheme="dark")
    assert is_dim(console)
    display = harness.display(console)  # a window of the console's browser, set to dark too
    code = harness.code(console)
    phones = [harness.phone(code, color_scheme="dark") for _ in range(3)]
    light = harness.facilitator(k=3, color_scheme="light")
    twin = harness.display(light)
    assert colours(display) == colours(twin)
    assert_accessible(phones[0], "dim phone waiting")

    harness.open_activity(
        console,
        "poll",
        "What helps most this week?",
        **{"Options, one per line": "Rest\nTalk\nWalk", "Content note (optional)": "A hard week."},
    )
    assert_accessible(phones[0], "dim phone content note")
    for phone, option in zip(phones, ("Rest", "Talk", "Talk"), strict=True):
        phone.get_by_role("button", name="Continue").click()
        phone.get_by_role("button", name=option).click()
        expect(phone.locator(".answer-status")).to_contain_text("stored")
    assert_accessible(phones[0], "dim phone poll answered")
    assert_accessible(console, "dim console with a live poll and its content note")
    console.get_by_role("button", name="Reveal results").click()
    expect(phones[1].locator(".results")).to_be_visible()
    assert_accessible(phones[1], "dim phone results")
    phones[1].get_by_role("button", name="More").click()
    assert_accessible(phones[1], "dim phone menu")
    for name in ("Room settings", "Support card", "Across weeks", "New activity"):
        harness.panel(console, name)
        assert_accessible(console, f"dim console with {name} open")
    console.get_by_role("button", name="End session…").click()
    assert_accessible(console, "dim console asking to end")
    for path in ("/privacy", "/source", "/summary"):  # the plain pages, with their links
        page = harness.page(color_scheme="dark")
        page.goto(path)
        assert is_dim(page), path
        assert_accessible(page, f"dim {path}")


# Each element with words of its own, and the colour they print in.
INKS = """(root) => [...document.querySelectorAll(root + ' *')]
    .filter((el) => el.checkVisibility() && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
    .map((el) => [el.className || el.tagName, getComputedStyle(el).color])"""


def dark_enough_for_paper(page: Page, root: str) -> None:
    inks = page.evaluate(INKS, root)
    assert len(inks) > 3
    for where, ink in inks:
        rgb = [int(part) for part in ink[ink.index("(") + 1 : ink.index(")")].split(",")[:3]]
        assert max(rgb) <= 0x66, f"{where} prints in {ink}, too light for paper"


def test_paper_from_a_dim_screen_is_black_on_white(harness: Harness) -> None:
    console = harness.facilitator(k=3, color_scheme="dark")
    load_plan_file(console, PLAN)
    no_print_dialog(console)
    console.get_by_role("button", name="Print run-sheet").click()
    console.emulate_media(media="print")
    expect(console.locator("#print-sheet")).to_be_visible()
    dark_enough_for_paper(console, "#print-sheet")

    sheet = harness.page(color_scheme="dark")
    sheet.goto("/privacy")
    sheet.emulate_media(media="print")
    dark_enough_for_paper(sheet, "main")
