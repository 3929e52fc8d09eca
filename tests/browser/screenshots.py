"""Regenerate docs/screenshots/ from a real run: `python -m tests.browser.screenshots`.

Starts Hearth on a free port, drives the console, the projector display and phones in Debian's
Chromium through a short session, and saves what each screen shows at a few moments.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.harness import LAPTOP, PHONE, Harness, launch
from tests.support import LiveServer

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROJECTORS = [(1920, 1080), (1280, 720), (1024, 768), (1080, 1920)]
CONSOLES = [(1024, 768), (1280, 800), (1366, 768), (1920, 1080)]
PHONES = [(320, 568), (360, 740)]


def shot(page: Page, name: str, full_page: bool = False) -> None:
    page.wait_for_timeout(300)  # let the last paint settle; this is a picture, not a test
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print(f"wrote docs/screenshots/{name}.png")


def shot_of(page: Page, selector: str, name: str) -> None:
    page.wait_for_timeout(300)
    page.locator(selector).screenshot(path=str(OUT / f"{name}.png"))
    print(f"wrote docs/screenshots/{name}.png")


def sized(page: Page, name: str, sizes: list[tuple[int, int]], fitted: bool = False) -> None:
    """The same moment at each size, as `name-WxH.png`; the page is put back at its own size."""
    own = page.viewport_size
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        if fitted:  # the projector fits itself to the new size first
            page.wait_for_function(
                f"() => document.querySelector('#stage').dataset.fitFor === '{width}x{height}'"
            )
        shot(page, f"{name}-{width}x{height}")
    if own:
        page.set_viewport_size(own)


def printed(page: Page, button: str, name: str) -> None:
    """What the printer gets: the print dialog stubbed, print media emulated."""
    page.evaluate("() => { window.print = () => {}; }")
    page.get_by_role("button", name=button).click()
    page.emulate_media(media="print")
    shot(page, name, full_page=True)
    page.emulate_media(media="screen")


def run() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    live = LiveServer.start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            harness = Harness(browser, live)
            welcome = harness.page(**PHONE)
            start = harness.page(**LAPTOP)
            start.goto(harness.link({"role": "host"}, bearer=live.settings.host_secret))
            expect(start.get_by_role("heading", name="Start a session")).to_be_visible()
            shot(start, "console-start")
            start.context.close()
            privacy = harness.page(**LAPTOP)
            privacy.goto("/privacy")
            privacy.emulate_media(media="print")
            shot(privacy, "privacy-sheet", full_page=True)
            privacy.context.close()
            console = harness.facilitator(k=3)
            shot_of(console, ".side", "console-join-help")
            code = harness.code(console)
            welcome.goto(f"/join#{code}")
            expect(welcome.get_by_role("heading", name="Welcome")).to_be_visible()
            shot(welcome, "phone-welcome", full_page=True)
            sized(welcome, "phone-welcome", PHONES)
            display = harness.display(console)
            shot(display, "display-lobby")
            sized(display, "display-lobby", PROJECTORS, fitted=True)
            phones = [harness.phone(code) for _ in range(4)]
            expect(console.locator("#count-connected")).to_have_text("4")

            options = "Relief\nFear it will happen again\nHope\nNumbness"
            harness.open_activity(
                console,
                "poll",
                "When your partner is patient with you, what do you notice first?",
                **{"Title (optional)": "Noticing", "Options, one per line": options},
            )
            for phone, choice in zip(phones, ["Hope", "Hope", "Hope", "Relief"], strict=True):
                phone.get_by_role("button", name=choice, exact=True).click()
                expect(phone.locator(".answer-status")).to_contain_text("stored")
            expect(console.locator("#count-answered")).to_have_text("4")
            shot(phones[0], "phone-poll-answered")
            phones[0].emulate_media(color_scheme="dark")  # a phone set to dark
            shot(phones[0], "phone-poll-answered-dim")
            phones[0].emulate_media(color_scheme="light")
            shot(console, "console-live-poll")
            sized(console, "console-live-poll", CONSOLES)
            console.get_by_text("Add answers from paper").click()
            console.get_by_label("On paper: Hope").fill("1")
            shot_of(console, ".paper", "console-paper")  # not added: the result stays the phones'
            console.get_by_text("Add answers from paper").click()
            console.get_by_role("button", name="Reveal results").click()
            expect(display.locator(".results .lean")).to_have_text("Chosen most: Hope")
            shot(display, "display-results")
            sized(display, "display-results", PROJECTORS, fitted=True)
            shot(phones[1], "phone-results", full_page=True)

            # the same four people, two more styles (docs/results.md)
            harness.open_activity(
                console,
                "checkin",
                "How are you arriving?",
                style="counts",
                **{"Options, one per line": "Steady\nTender\nHeavy\nOverwhelmed"},
            )
            for phone, choice in zip(phones, ["Tender", "Tender", "Tender", "Heavy"], strict=True):
                phone.get_by_role("button", name=choice, exact=True).click()
                expect(phone.locator(".answer-status")).to_contain_text("stored")
            console.get_by_role("button", name="Reveal results").click()
            expect(display.locator(".bar-count")).to_have_text(["not shown"] * 4)
            shot(display, "display-result-withheld")
            harness.open_activity(
                console, "scale", "How much hope do you feel tonight?", style="leaning"
            )
            for phone, value in zip(phones, ["4", "5", "3", "4"], strict=True):
                phone.get_by_role("button", name=value, exact=True).click()
                expect(phone.locator(".answer-status")).to_contain_text("stored")
            console.get_by_role("button", name="Reveal results").click()
            expect(display.locator(".lean")).to_have_text("The room leans high.")
            shot(display, "display-result-lean")

            harness.open_activity(
                console,
                "reflection",
                "Write one small moment this week when you stayed instead of withdrawing.",
                **{"Title (optional)": "Staying", "Duration (seconds)": "180"},
            )
            console.get_by_role("button", name="Start", exact=True).click()
            expect(display.locator(".timer")).to_have_text("2:58", timeout=5000)
            phones[2].get_by_label("Your note").fill("I stayed in the kitchen when")
            shot(display, "display-reflection")
            shot(phones[2], "phone-reflection")
            shot(console, "console-reflection")

            harness.panel(console, "New activity")
            console.get_by_label("Kind").select_option("prompt")
            console.get_by_label("Collect anonymous written answers").check()
            harness.open_activity(
                console,
                "prompt",
                "What is one thing that helped you stay present this week?",
                **{
                    "Title (optional)": "What helped",
                    "Content note (optional)": "Asks about a recent hard moment.",
                },
            )
            expect(phones[0].get_by_role("note")).to_be_visible()
            shot(phones[0], "phone-content-note")
            sized(phones[0], "phone-content-note", PHONES)
            expect(display.locator(".note-first")).to_be_visible()
            shot(display, "display-content-note")
            console.get_by_role("button", name="Show the text on the display").click()
            expect(display.locator(".text")).to_be_visible()
            answers = [
                "Going for a walk before talking",
                "Saying I need ten minutes",
                "Breathing first",
            ]
            for phone, text in zip(phones[:3], answers, strict=True):
                phone.get_by_role("button", name="Continue").click()
                phone.get_by_label("Your answer").fill(text)
                phone.get_by_role("button", name="Send").click()
                expect(phone.locator(".answer-status")).to_contain_text("stored")
            console.get_by_role("button", name="Close answers").click()
            items = console.locator(".queue-item")
            expect(items).to_have_count(3)
            Harness.approve(console, 0, 1, 2)
            shot(console, "console-queue")
            sized(console, "console-queue", CONSOLES)
            console.get_by_role("button", name="Release approved (3)").click()
            expect(display.locator(".card")).to_have_count(3)
            shot(display, "display-released-text")
            sized(display, "display-released-text", PROJECTORS, fitted=True)

            harness.open_activity(
                console, "grounding", "Breathe with the circle. Nothing to answer."
            )
            expect(display.locator(".pacer")).to_be_visible()
            console.get_by_role("button", name="Start", exact=True).click()  # it breathes once started
            expect(display.locator(".pacer.still")).to_have_count(0)
            shot(display, "display-grounding")
            sized(display, "display-grounding", PROJECTORS, fitted=True)
            shot(phones[3], "phone-grounding")
            sized(phones[3], "phone-grounding", PHONES)

            console.get_by_role("button", name="Browse the library").click()
            console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
            console.get_by_role("button", name=re.compile("^Open next:")).click()
            console.get_by_role("button", name=re.compile("^Open next:")).click()
            expect(console.locator(".step.current")).to_have_count(1)
            shot(console, "console-plan")
            printed(console, "Print run-sheet", "print-run-sheet")
            printed(console, "Print handout", "print-handout")
            harness.panel(console, "Across weeks")
            console.get_by_label("Label for the summary").fill("Week 3")
            with console.context.expect_page() as opened:
                console.get_by_role("button", name="Printable summary").click()
            summary = opened.value
            expect(summary.get_by_role("heading", name="Week 3")).to_be_visible()
            summary.set_viewport_size(LAPTOP["viewport"])
            shot(summary, "summary-page", full_page=True)
            harness.check()
            harness.close()
            browser.close()
    finally:
        live.stop()


if __name__ == "__main__":
    try:
        run()
    except Exception as exc:  # a clear message for a missing browser or a failed run
        print(f"screenshots failed: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
