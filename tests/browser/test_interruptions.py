"""The room's own interruptions, "Quick check-in" and "Grounding now", speak each screen's
language whatever the console's: an outside tester pressed Quick check-in on a Spanish console
and a German projector showed the Spanish question with English feelings, as did an English
phone; "Grounding now" was English everywhere."""

from __future__ import annotations

from playwright.sync_api import expect

from server.domain.interruptions import CHECKIN_TEXT, FEELINGS, GROUNDING_TEXT
from tests.browser.drive import facilitator, new_room, phone_joined, say
from tests.browser.harness import PROJECTOR, Harness
from tests.support import LiveServer


def test_check_in_and_grounding_now_speak_each_screens_language(
    harness: Harness, server: LiveServer
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    display = harness.page(**PROJECTOR, locale="de-DE")
    display.goto(room["display_url"].removeprefix(server.base_url))
    expect(display.get_by_role("heading", name=say("de", "Join on your phone"))).to_be_visible()
    phones = {lang: phone_joined(harness, room["code"], lang) for lang in ("es", "ar", "en")}

    lead.command({"type": "checkin_now"})
    for lang, page in phones.items():
        expect(page.get_by_text(CHECKIN_TEXT.in_language(lang))).to_be_visible()
        for feeling in FEELINGS:
            name = feeling.in_language(lang)
            expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(display.locator("main")).to_contain_text(CHECKIN_TEXT.in_language("de"))
    expect(display.locator("main")).to_contain_text(FEELINGS[3].in_language("de"))
    phones["es"].get_by_role("button", name=FEELINGS[1].in_language("es"), exact=True).click()
    lead.until(lambda m: m["type"] == "progress" and m["answered"] == 1)

    lead.command({"type": "grounding_now"})
    for lang, page in {**phones, "de": display}.items():
        expect(page.locator("main")).to_contain_text(GROUNDING_TEXT.in_language(lang)[:40])
    assert str(GROUNDING_TEXT)[:40] not in display.locator("main").inner_text()
    lead.close()


def test_the_breathing_follows_the_timer(harness: Harness, server: LiveServer) -> None:
    """The circle used to breathe by the wall clock: before Start, through Pause, and from the
    middle of a breath when started. It rests until the timer starts, begins with a breath in,
    and rests again, saying so, while paused; the projector's clock says "paused" in words."""
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    display = harness.page(**PROJECTOR)
    display.goto(room["display_url"].removeprefix(server.base_url))
    grounding = {"kind": "grounding", "text": "Breathe with the circle.", "seconds": 120,
                 "inhale": 8, "hold": 0, "exhale": 10}
    lead.command({"type": "open", "activity": grounding})
    label, timer = display.locator(".pacer-label").first, display.locator(".timer")
    expect(label).to_have_text("Waiting to start")
    expect(timer).to_contain_text("not started")
    expect(display.locator(".pacer.still")).to_have_count(1)

    lead.command({"type": "timer", "action": "start"})
    expect(label).to_have_text("Breathe in")  # the first eight seconds are the first breath in
    expect(display.locator(".pacer.still")).to_have_count(0)

    lead.command({"type": "timer", "action": "pause"})
    expect(label).to_have_text("Paused")
    expect(timer).to_contain_text("paused")
    scale = display.locator(".pacer-circle").evaluate("(el) => el.style.getPropertyValue('--scale')")
    assert scale == "0.550", scale
    lead.close()


def test_a_title_that_is_its_kinds_name_is_said_once(harness: Harness) -> None:
    """Quick check-in read "CHECK-IN / Check-in" on the phone and the console; a title of its
    own keeps the kind above it."""
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    console.get_by_role("button", name="Quick check-in").click()
    expect(phone.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    expect(phone.locator("#app .kind")).to_have_count(0)
    expect(console.locator("#live-heading")).to_have_text("Check-in")
    fields = {"Title (optional)": "Support", "Options, one per line": "A\nB"}
    harness.open_activity(console, "poll", "What helps?", **fields)
    expect(phone.get_by_role("heading", name="Support", level=1)).to_be_visible()
    expect(phone.locator("#app .kind")).to_have_text("Poll")
    expect(console.locator("#live-heading .kind")).to_have_text("Poll")
