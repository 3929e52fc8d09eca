"""What people in the room read, from an outside session run: a phone that passed is told so
after answers close (not that its answer was stored); an Arabic projector keeps the join address
and the code left to right; a ranked result in two languages puts each language on its own line;
the projector's content-note screen speaks of a question only when a question is behind it; a
check-in's choices are not announced as "How are you arriving?" whatever it asks; a written
answer on the console reads in its writer's direction; released answers are cut into pages
as even as their number allows; an untitled activity is named once on a phone; in room
settings each Apply stands beside its own field."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.drive import facilitator, new_room, phones, press_when_still, say
from tests.browser.harness import PROJECTOR, Harness
from tests.browser.test_console_live import written_prompt
from tests.support import LiveServer

# The first character of an element's text drawn left of its last: it reads left to right.
READS_LTR = """(el) => {
  const text = [...el.childNodes].find((n) => n.nodeType === 3);
  const at = (i) => { const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
    return r.getBoundingClientRect(); };
  return at(0).left < at(text.length - 1).left;
}"""


def test_a_phone_that_passed_is_told_so_once_answers_close(
    harness: Harness, server: LiveServer
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    phone = harness.phone(room["code"])
    lead.command({"type": "open", "activity": {"kind": "checkin", "text": "Leaving?",
                                               "options": ["Lighter", "Heavier"]}})  # fmt: skip
    choices = phone.get_by_role("group", name="Choose one")  # not "How are you arriving?"
    expect(choices.get_by_role("button")).to_have_count(2)
    phone.get_by_role("button", name="Pass").click()
    expect(phone.locator(".answer-status")).to_contain_text("You passed.")
    lead.command({"type": "close"})
    expect(phone.locator(".answer-status")).to_have_text("✓ You passed. Answers are closed now.")
    lead.close()


def test_pass_after_an_answer_says_it_takes_the_answer_back(
    harness: Harness, server: LiveServer
) -> None:
    """A phone that had answered still showed "Pass", as if it were another thing to do; once
    passed it still showed it, with nothing left for it to do."""
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    phone = harness.phone(room["code"])
    lead.command({"type": "open", "activity": {"kind": "poll", "text": "Which?",
                                               "options": ["Here", "There"]}})  # fmt: skip
    phone.get_by_role("button", name="There").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")
    expect(phone.get_by_role("button", name="Pass", exact=True)).to_have_count(0)
    press_when_still(phone, "Pass instead")
    expect(phone.locator(".answer-status")).to_contain_text("You passed.")
    expect(phone.locator("button.pass")).to_have_count(0)
    lead.command({"type": "close"})  # passes are counted apart once answers close
    progress = lead.until(lambda m: m["type"] == "progress" and m.get("passed") is not None)
    assert (progress["answered"], progress["passed"]) == (1, 1)  # the answer was taken back
    lead.close()


def test_an_arabic_projector_keeps_the_address_and_code_left_to_right(
    harness: Harness, server: LiveServer
) -> None:
    room = new_room(server, k=3)
    display = harness.page(**PROJECTOR, locale="ar-EG")
    display.goto(room["display_url"].removeprefix(server.base_url))
    expect(display.get_by_role("heading", name=say("ar", "Join on your phone"))).to_be_visible()
    assert display.evaluate("document.documentElement.dir") == "rtl"
    address = display.locator(".lobby-step bdi[dir=ltr]")
    expect(address).to_have_text(re.compile(r"/join$"))
    assert address.evaluate(READS_LTR), "the join address is drawn right to left"
    for part in (".big-code", ".corner-label", ".corner-code"):
        assert display.locator(part).evaluate(READS_LTR), part


def test_a_ranking_in_two_languages_gives_each_its_line(
    harness: Harness, server: LiveServer
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    display = harness.page(viewport={"width": 1920, "height": 1080})
    display.goto(room["display_url"].removeprefix(server.base_url))
    display.get_by_label("Also in").select_option("es")
    expect(display.locator(".lobby-title.twin")).to_have_text("Entra desde tu teléfono")
    poll = {"kind": "poll", "lang": "en", "text": "What helps?", "result_style": "leaning",
            "options": ["Rest", "Talking", "Walking"],
            "translations": {"es": {"text": "¿Qué ayuda?",
                                    "options": ["Descanso", "Hablar", "Caminar"]}}}  # fmt: skip
    lead.command({"type": "open", "activity": poll})
    aid = str(lead.view["activity"]["id"])
    for i, other in enumerate(phones(server, room, 6)):
        other.answer(aid, {"kind": "choice", "option": 0 if i < 3 else 1 if i < 5 else 2})
    lead.until(lambda m: m["type"] == "progress" and m["answered"] == 6)
    lead.command({"type": "reveal"})
    first = display.locator(".rank").first
    expect(first.locator(".rank-names:not(.twin)")).to_have_text("Rest")
    expect(first.locator(".rank-names.twin")).to_have_text("Descanso")
    english = first.locator(".rank-names:not(.twin)").bounding_box()
    spanish = first.locator(".rank-names.twin").bounding_box()
    assert english and spanish and spanish["y"] >= english["y"] + english["height"] - 1, (
        "the Spanish names run on from the English ones",
        english,
        spanish,
    )
    lead.close()


def test_the_content_note_screen_names_a_question_only_for_one(
    harness: Harness, server: LiveServer
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    display = harness.page(**PROJECTOR)
    display.goto(room["display_url"].removeprefix(server.base_url))
    hint = display.locator(".note-first .hint")
    note = "About setbacks."
    lead.command({"type": "open", "activity": {"kind": "prompt", "text": "A setback is not the end.",
                                               "content_note": note}})  # fmt: skip
    expect(hint).to_have_text(re.compile(r"^What follows will appear here"))
    lead.command({"type": "open", "activity": {"kind": "poll", "text": "Which?", "content_note": note,
                                               "options": ["A", "B"]}})  # fmt: skip
    expect(hint).to_have_text(re.compile(r"^The question will appear here"))
    lead.close()


def test_a_written_answer_on_the_console_reads_in_its_writers_direction(
    harness: Harness, server: LiveServer
) -> None:
    console = harness.facilitator(k=3)
    people = phones(server, {"code": harness.code(console)}, 3)  # k wrote: the queue shows
    aid = written_prompt(harness, console, people, "What would you like to say?")
    for phone in people:
        phone.answer(aid, {"kind": "text", "text": "كنت خائفًا."})  # a full stop at its end
    console.get_by_role("button", name="Close answers").click()
    item = console.locator(".queue-item .queue-text").first
    expect(item).to_have_text("كنت خائفًا.")
    expect(item).to_have_attribute("dir", "auto")
    assert item.evaluate("(el) => getComputedStyle(el).direction") == "rtl"


def test_released_answers_are_paged_evenly(harness: Harness) -> None:
    page = harness.page(**PROJECTOR)
    page.goto("/join")
    sizes = page.evaluate(
        """async () => {
          const { paginate } = await import('/static/shared/pages.js');
          const of = (n, length = 20) => paginate(Array.from({ length: n }, () => 'x'.repeat(length)))
            .map((p) => p.length);
          return [of(0), of(5), of(6), of(7), of(13), of(30), of(4, 400)];
        }"""
    )
    # six to a page at most, and no more than 900 characters: 4 of 400 characters are 2 and 2
    assert sizes == [[], [5], [6], [4, 3], [5, 5, 3], [6, 6, 6, 6, 6], [2, 2]]


def test_a_phone_names_an_untitled_activity_once(harness: Harness, server: LiveServer) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    phone = harness.phone(room["code"])
    activity = phone.locator(".activity")
    lead.command(
        {"type": "open", "activity": {"kind": "poll", "text": "Which?", "options": ["A", "B"]}}
    )
    expect(activity.get_by_role("heading", name="Poll")).to_be_visible()
    expect(activity.locator(".kind")).to_have_count(0)  # not "POLL" over "Poll"
    titled = {"kind": "poll", "title": "Noticing", "text": "Which?", "options": ["A", "B"]}
    lead.command({"type": "open", "activity": titled})
    expect(activity.get_by_role("heading", name="Noticing")).to_be_visible()
    expect(activity.locator(".kind")).to_have_text("Poll")
    lead.close()


def test_room_settings_keep_each_apply_beside_its_field(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    for width, height in ((1366, 768), (1280, 800)):
        console.set_viewport_size({"width": width, "height": height})
        harness.panel(console, "Room settings")
        for field, name in (("#set-k", "Apply k"), ("#set-cap", "Apply the cap")):
            box = console.locator(field).bounding_box()
            apply = console.get_by_role("button", name=name).bounding_box()
            assert box and apply, field
            middle = apply["y"] + apply["height"] / 2
            assert box["y"] <= middle <= box["y"] + box["height"], (width, field, box, apply)
