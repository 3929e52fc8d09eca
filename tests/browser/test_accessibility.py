"""axe-core in the browser: no serious or critical WCAG violation on any screen, in the states
people actually see (welcome, a live activity, revealed results, the moderation queue)."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from server.domain.library import load_library
from tests.browser.drive import say
from tests.browser.harness import PHONE, Harness

AXE = Axe()
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


def assert_accessible(page: Page, where: str) -> None:
    results = AXE.run(page, options=OPTIONS)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{where}:\n" + "\n".join(bad)


def test_every_screen_passes_axe(harness: Harness) -> None:
    welcome = harness.page(**PHONE)
    welcome.goto("/join")
    expect(welcome.get_by_role("heading", name="Welcome")).to_be_visible()
    assert_accessible(welcome, "phone welcome")

    console = harness.facilitator(k=3)
    display = harness.display(console)
    assert_accessible(display, "display lobby")
    code = harness.code(console)
    phones = [harness.phone(code) for _ in range(3)]
    assert_accessible(phones[0], "phone waiting")

    harness.open_activity(
        console,
        "poll",
        "What helps most this week?",
        **{"Options, one per line": "Rest\nTalk\nWalk"},
    )
    phones[0].get_by_role("button", name="Rest").click()
    expect(phones[0].locator(".answer-status")).to_contain_text("stored")
    assert_accessible(phones[0], "phone poll")
    assert_accessible(console, "console with a live poll")
    for phone in phones[1:]:
        phone.get_by_role("button", name="Talk").click()
    expect(console.locator("#count-answered")).to_have_text("3")
    console.get_by_role("button", name="Reveal results").click()
    expect(display.locator(".results .answered")).to_have_text("3 people answered")
    assert_accessible(display, "display results")
    assert_accessible(phones[1], "phone results")

    harness.open_activity(console, "scale", "How settled do you feel?")
    assert_accessible(phones[2], "phone scale")
    harness.open_activity(console, "prompt", "One word for today?")
    assert_accessible(phones[2], "phone prompt")
    assert_accessible(console, "console after reveals")

    # a content note: first on the phone and the projector; then written answers in the queue
    harness.panel(console, "New activity")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(
        console,
        "prompt",
        "What helped this week?",
        **{"Content note (optional)": "About a hard week."},
    )
    expect(phones[0].get_by_role("note")).to_be_visible()
    expect(display.locator(".note-first")).to_be_visible()
    assert_accessible(phones[0], "phone content note")
    assert_accessible(display, "display content note")
    for phone in phones:
        phone.get_by_role("button", name="Continue").click()
        phone.get_by_label("Your answer").fill("Walking first")
        phone.get_by_role("button", name="Send").click()
        expect(phone.locator(".answer-status")).to_contain_text("stored")
    # opening something else over them first asks, in a modal dialog
    harness.panel(console, "New activity")
    console.get_by_label("Question or text").fill("Anything else?")
    console.get_by_role("button", name="Open on phones").click()
    expect(console.get_by_role("dialog")).to_be_visible()
    assert_accessible(console, "console asking before unread written answers are discarded")
    console.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    harness.panel(console, "New activity", shown=False)
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator(".queue-item")).to_have_count(3)
    assert_accessible(console, "console with the moderation queue")
    for name in ("Room settings", "Another device", "Support card", "Across weeks"):
        harness.panel(console, name)
        assert_accessible(console, f"console with {name} open")
    console.get_by_role("button", name="Blank the display").click()
    expect(display.locator("#blank")).to_be_visible()
    assert_accessible(display, "display blank")
    console.get_by_role("button", name="Display is blank: show it").click()

    console.get_by_role("button", name="Browse the library").click()
    expect(console.locator(".library-list li").first).to_be_visible()
    assert_accessible(console, "console with the library open")
    console.get_by_role("button", name=re.compile("^Use this plan: ")).first.click()
    expect(console.locator(".step").first).to_be_visible()
    assert_accessible(console, "console with a plan")


def test_the_librarys_buttons_say_their_visible_label_in_their_name(harness: Harness) -> None:
    """WCAG 2.5.3 Label in Name: saying a button's visible words (voice control) reaches it,
    in English and in a translation; the plan's or activity's title follows its label."""
    title = load_library().plans[0].plan.translations["fr"].title  # the console's language
    console = harness.facilitator(k=3)
    for lang in ("en", "fr"):
        if lang != "en":
            console.get_by_label("Language").select_option(lang)
        console.get_by_role("button", name=say(lang, "Browse the library")).click()
        use = console.get_by_role("button", name=say(lang, "Use this plan") + " ", exact=False)
        expect(use.first).to_be_visible()
        buttons = console.locator(".library-list button")
        assert buttons.count() > 3
        for button in buttons.all():
            expect(button).to_have_accessible_name(re.compile("^" + re.escape(button.inner_text())))
    named = console.get_by_role("button", name=f"{say('fr', 'Use this plan')} : {title}")
    expect(named).to_have_count(1)
    expect(named).to_have_text(say("fr", "Use this plan"))
