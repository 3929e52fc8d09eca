"""Each result style revealed at 10 people, on the projector and on a phone, in real Chromium:
what is drawn is what the server computed, and a withheld option is never drawn as a tall bar
nor beside an exact 0. One person answers on a real phone page; nine more answer through the
server's own answer path (Service.answer), as their phones would."""

from __future__ import annotations

import re
import secrets
from typing import Any

from playwright.sync_api import Page, expect

from server.domain.codes import digest
from server.service.membership import Seat
from server.wire import protocol as p
from tests.browser.harness import Harness

CHECKIN = "Steady\nTender\nHeavy\nRaw"


def others_answer(harness: Harness, code: str, values: list[dict[str, Any]]) -> None:
    async def answer_all() -> None:
        service = harness.live.service
        live = service.hub.state(code).live
        for value in values:
            who = secrets.token_hex(8)  # a phone's token; the room keeps its digest
            assert await service.store.join(code, digest(who), 300, 600) == "ok"
            ballot = secrets.token_urlsafe(16)
            message = p.Answer(type="answer", id=1, activity=live.id, ballot=ballot, value=value)
            seat = Seat(code, "participant", who=digest(who), token=who)
            assert await service.answer(seat, message) == "stored"

    harness.live.call(answer_all())


def open_with_style(console: Page, kind: str, text: str, style: str, options: str = "") -> None:
    fields = {"Options, one per line": options} if options else {}
    Harness.open_activity(console, kind, text, style, **fields)


def choices(counts: list[int], mine: int) -> list[dict[str, Any]]:
    """Answers for everyone but the phone page, which chooses option `mine`."""
    left = list(counts)
    left[mine] -= 1
    return [{"kind": "choice", "option": i} for i, c in enumerate(left) for _ in range(c)]


def reveal(console: Page, screens: list[Page]) -> None:
    expect(console.locator("#count-answered")).to_have_text("10")
    console.get_by_role("button", name="Reveal results").click()
    for screen in screens:
        expect(screen.locator(".answered")).to_have_text(re.compile(r"^10 people answered"))


def test_each_style_at_ten_people(harness: Harness) -> None:
    console = harness.facilitator(k=5)
    display = harness.display(console)
    code = harness.code(console)
    phone = harness.phone(code)
    screens = [display, phone]

    # counts, where one option has 1..4: every option withheld, drawn as short stubs, no 0
    open_with_style(console, "checkin", "Arriving?", "counts", CHECKIN)
    phone.get_by_role("button", name="Steady").click()
    others_answer(harness, code, choices([6, 3, 1, 0], 0))
    reveal(console, screens)
    for screen in screens:
        counts = screen.locator(".results .bar-count")
        expect(counts).to_have_text(["not shown"] * 4)
        expect(screen.locator(".results .bar-withheld")).to_have_count(4)
        stub = screen.locator(".results .bar-withheld").first.bounding_box()
        track = screen.locator(".results .bar-track").first.bounding_box()
        assert stub and track and stub["width"] < track["width"] / 4  # never a full bar
        expect(screen.locator(".results")).not_to_contain_text(re.compile(r"\b0\b"))

    # counts, where every option is 0 or at least 5: exact, zeros included
    open_with_style(console, "checkin", "And now?", "counts", CHECKIN)
    phone.get_by_role("button", name="Tender").click()
    others_answer(harness, code, choices([5, 5, 0, 0], 1))
    reveal(console, screens)
    for screen in screens:
        expect(screen.locator(".results .bar-count")).to_have_text(["5", "5", "0", "0"])

    # words
    open_with_style(console, "checkin", "Which is nearest?", "words", CHECKIN)
    phone.get_by_role("button", name="Heavy").click()
    others_answer(harness, code, choices([6, 3, 1, 0], 2))
    reveal(console, screens)
    for screen in screens:
        expect(screen.locator(".results .said-word")).to_have_text(
            ["most of us", "a few of us, or none", "a few of us, or none", "a few of us, or none"]
        )
        expect(screen.locator(".results .bar")).to_have_count(0)

    # leaning, the default at this size: from most to least chosen, no numbers
    open_with_style(console, "checkin", "What is loudest?", "auto", CHECKIN)
    phone.get_by_role("button", name="Steady").click()
    others_answer(harness, code, choices([5, 3, 2, 0], 0))
    reveal(console, screens)
    for screen in screens:
        expect(screen.locator(".results .rank-names")).to_have_text(
            ["Steady", "Tender", "Heavy", "Raw"]
        )
        expect(screen.locator(".results")).not_to_contain_text(re.compile(r"\b[235]\b"))

    # a scale, leaning (the default under 4k answers): where the room leans
    open_with_style(console, "scale", "How much hope?", "auto")
    phone.get_by_role("button", name="4", exact=True).click()
    values = [1, 2, 3, 3, 4, 4, 4, 5, 5]
    others_answer(harness, code, [{"kind": "scale", "value": v} for v in values])
    reveal(console, screens)
    for screen in screens:
        expect(screen.locator(".results .lean")).to_have_text("The room leans high.")
        expect(screen.locator(".results .lean-here")).to_have_text(["4", "5"])

    # bands: neighbouring values joined until each holds 5, widths by the values they span
    open_with_style(console, "scale", "How steady?", "bands")
    phone.get_by_role("button", name="1", exact=True).click()
    values = [1, 1, 2, 2, 3, 4, 4, 5, 5]
    others_answer(harness, code, [{"kind": "scale", "value": v} for v in values])
    reveal(console, screens)
    for screen in screens:
        expect(screen.locator(".results .band-range")).to_have_text(["1\u20132", "3\u20135"])
        expect(screen.locator(".results .band-count")).to_have_text(["5 of us", "5 of us"])
        narrow, wide = (b.bounding_box() for b in screen.locator(".results .band").all())
        assert narrow and wide and narrow["width"] < wide["width"]
    harness.check()


def test_a_sides_leaning_scale_speaks_for_that_side_not_the_room(harness: Harness) -> None:
    """Under "Partners who were hurt" the projector said "The room leans high.", as if the whole
    room leaned there when one side did."""
    console = harness.facilitator(k=3)
    display = harness.display(console)
    code = harness.code(console)
    people = [harness.phone(code) for _ in range(3)]
    harness.panel(console, "Room settings")
    console.get_by_label("Let people say which side they are on").check()
    console.get_by_label("Show results per side").check()
    for phone in people:
        phone.get_by_role("button", name="I was hurt").click()
        expect(phone.locator("#app .side-kept")).to_be_visible()
    open_with_style(console, "scale", "How much hope?", "leaning")
    for phone, value in zip(people, ["4", "5", "5"], strict=True):
        phone.get_by_role("button", name=value, exact=True).click()
        expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(console.locator("#count-answered")).to_have_text("3")
    console.get_by_role("button", name="Close answers").click()
    console.get_by_role("button", name="Reveal results").click()
    for screen in (display, people[0]):
        hurt = screen.locator(".track-result").filter(has_text="who were hurt")
        expect(hurt.locator(".lean")).to_have_text("This side leans high.")
        expect(screen.locator(".results")).not_to_contain_text("The room leans")
