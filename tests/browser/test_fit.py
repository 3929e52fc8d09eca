"""The projector fits every state on one screen at 1920x1080, 1280x720 and 1024x768, and on a
screen on its side (1080x1920): every
visible element inside the viewport, no text out of its box, no scrolling (tests/browser/
layout.py). The states are the hard ones: a 3-line title, long texts, 12 options, 30 released
answers, a word cloud, the grounding pacer, the timer, a content note, blank."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import Screen, facilitator, new_room, phones
from tests.browser.harness import Harness
from tests.browser.layout import cut_off, split_words
from tests.browser.test_accessibility import assert_accessible
from tests.support import LiveServer

SIZES = [(1920, 1080), (1280, 720), (1024, 768), (1080, 1920)]
TITLE = "What we carry into the room when trust has been broken and we are still trying to stay"
LONG = (
    "Think of a moment this week when you wanted to hurry past something uncomfortable: a "
    "silence at dinner, a question you did not want to answer, a look that felt like blame. "
    "What did you do with the urge to fix it quickly? What happened in your body? If you "
    "stayed, even for a few breaths longer than usual, what did you notice about the other "
    "person, and about yourself? There is no right answer here, and nothing needs to be "
    "shared unless you choose to share it."
)
OPTIONS = [
    "Relief that it is finally said out loud",
    "Fear it will happen again",
    "Hope",
    "Numbness",
    "Anger that comes and goes",
    "Shame",
    "Tiredness",
    "Wanting to be understood",
    "Wanting it to be over",
    "Curiosity about what comes next",
    "Tenderness",
    "Not sure yet",
]


def fits_everywhere(display: Page, state: str) -> None:
    for width, height in SIZES:
        display.set_viewport_size({"width": width, "height": height})
        display.wait_for_function(
            f"() => document.querySelector('#stage').dataset.fitFor === '{width}x{height}'"
        )
        problems = cut_off(display)
        assert not problems, f"{state} at {width}x{height}:\n" + "\n".join(problems[:12])


def open_and_answer(
    lead: Screen, people: list[Screen], activity: dict[str, Any], value: Any = None
) -> str:
    lead.command({"type": "open", "activity": activity})
    aid = str(lead.view["activity"]["id"])
    for i, phone in enumerate(people if value is not None else []):
        phone.answer(aid, value(i) if callable(value) else value)
    return aid


def release(lead: Screen, people: list[Screen], prompt: dict[str, Any], texts: list[str]) -> None:
    """Open `prompt`, have one phone write each text, then approve and release them all."""
    aid = open_and_answer(lead, [], prompt)
    for phone, text in zip(people, texts, strict=False):
        phone.answer(aid, {"kind": "text", "text": text})
    lead.command({"type": "close"})
    for item in lead.view["queue"]:
        lead.command({"type": "moderate", "item": item["id"], "action": "approve"})
    lead.command({"type": "release"})


@contextlib.contextmanager
def projector(
    harness: Harness, server: LiveServer, count: int, clock: bool = False
) -> Iterator[tuple[Page, Screen, list[Screen]]]:
    """A new room's projector at the largest size, its console and `count` phones (k = 3)."""
    room = new_room(server)
    page = harness.page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    if clock:
        page.clock.install()  # runs as usual; a test may jump it forward instead of waiting
    page.goto(room["display_url"].removeprefix(server.base_url))
    expect(page.locator(".big-code")).to_be_visible()
    lead = facilitator(server, room)
    people = phones(server, room, count)
    try:
        yield page, lead, people
    finally:
        for screen in (lead, *people):
            screen.close()


@pytest.fixture
def display(harness: Harness, server: LiveServer) -> Iterator[tuple[Page, Screen, list[Screen]]]:
    with projector(harness, server, 30, clock=True) as opened:
        yield opened


def test_every_projector_state_fits_the_screen(display: Any) -> None:
    page, lead, people = display
    three = people[:3]
    fits_everywhere(page, "the lobby")

    poll = {"kind": "poll", "title": TITLE, "text": LONG, "options": OPTIONS}
    open_and_answer(lead, three, {**poll, "result_style": "counts"}, lambda i: choice(i))
    expect(page.locator(".text")).to_have_text(LONG)
    fits_everywhere(page, "an open poll: 12 options, a 3-line title, a long text")
    lead.command({"type": "reveal"})
    expect(page.locator(".results .bar")).to_have_count(12)
    fits_everywhere(page, "12 options revealed as counts")
    open_and_answer(lead, people[:9], {**poll, "result_style": "leaning"}, lambda i: choice(i))
    lead.command({"type": "reveal"})
    expect(page.locator(".results")).to_be_visible()
    fits_everywhere(page, "12 options revealed as an order")

    scale = {"kind": "scale", "title": TITLE, "text": LONG, "points": 10, "result_style": "counts"}
    scale |= {"low_label": "Not at all, not even a little", "high_label": "Completely, all the way"}
    open_and_answer(lead, three, scale, {"kind": "scale", "value": 7})
    lead.command({"type": "reveal"})
    expect(page.locator(".results .column")).to_have_count(10)
    fits_everywhere(page, "a 10-point scale revealed")

    words = ["patience", "staying", "honesty", "listening", "x" * 40]
    cloud = {"kind": "words", "text": "One word for what helps?", "max_words": 5}
    open_and_answer(lead, three, cloud, {"kind": "words", "words": words})
    lead.command({"type": "reveal"})
    expect(page.locator(".cloud .word")).to_have_count(5)
    fits_everywhere(page, "a word cloud with a 40-letter word")

    checkin = {"kind": "checkin", "title": TITLE, "text": LONG, "options": OPTIONS[:6]}
    open_and_answer(lead, [], checkin)
    expect(page.locator(".text")).to_have_text(LONG)
    fits_everywhere(page, "a check-in")

    reflection = {"kind": "reflection", "title": TITLE, "text": LONG * 3, "seconds": 600}
    open_and_answer(lead, [], reflection)
    lead.command({"type": "timer", "action": "start"})
    expect(page.locator(".timer")).to_have_text("10:00", timeout=3000)
    fits_everywhere(page, "a timed reflection with a very long text")

    grounding = {"kind": "grounding", "title": TITLE, "text": LONG, "seconds": 120}
    open_and_answer(lead, [], grounding)
    expect(page.locator(".pacer-label")).to_be_visible()
    fits_everywhere(page, "grounding: the pacer and its label")

    noted = {"kind": "poll", "text": LONG, "options": OPTIONS, "content_note": LONG[:300]}
    open_and_answer(lead, [], noted)
    expect(page.locator(".note-first")).to_be_visible()
    expect(page.get_by_text(LONG, exact=True)).to_have_count(0)
    fits_everywhere(page, "a content note before the text")
    lead.command({"type": "show_text", "shown": True})
    expect(page.locator(".text")).to_have_text(LONG)
    fits_everywhere(page, "the text shown after its note")

    lead.command({"type": "screen", "blank": True})
    expect(page.locator("#blank")).to_be_visible()
    expect(page.locator("#stage")).to_be_empty()
    fits_everywhere(page, "blank")
    lead.command({"type": "screen", "blank": False})


# How much of the screen's width the join code and a question's text take.
WIDTHS = """() => {
  const share = (el) => el.getBoundingClientRect().width / innerWidth;
  const text = document.querySelector('.live .text');
  return { code: share(document.querySelector('.big-code')), text: text ? share(text) : 0 };
}"""


def test_a_screen_on_its_side_uses_its_width(display: Any) -> None:
    """A TV or tablet on its side: the words are sized by its width, not left at a landscape
    screen's size in a band across its middle, and the QR code stands under them."""
    page, lead, people = display
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.wait_for_function("() => document.querySelector('#stage').dataset.fitFor === '1080x1920'")
    assert page.evaluate(WIDTHS)["code"] > 0.6
    code, qr = page.locator(".big-code").bounding_box(), page.locator(".qr").bounding_box()
    assert code and qr and qr["y"] >= code["y"] + code["height"], "the QR code under the code"
    question = "How settled do you feel tonight, compared with last week?"
    open_and_answer(lead, [], {"kind": "scale", "text": question, "points": 5})
    expect(page.locator(".text")).to_have_text(question)
    size = page.eval_on_selector(".live .text", "(el) => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 0.05 * 1080, f"the question at {size}px on a 1080 px wide screen"
    assert not cut_off(page)

    prompt = {"kind": "prompt", "text": "What helped you stay present?", "open_text": True}
    answers = ["Going for a walk before talking", "Breathing first", "Saying I need ten minutes"]
    release(lead, people, prompt, answers)
    expect(page.locator(".cards li")).to_have_count(3)
    assert not split_words(page, ".cards li"), "a word broken across two lines"


def test_four_released_answers_stand_two_by_two(display: Any) -> None:
    """From an outside run at 1024x768 and 4K: three in a row as tall as its longest answer, and
    the fourth alone beneath it."""
    page, lead, people = display
    prompt = {"kind": "prompt", "text": "What helped?", "open_text": True}
    long = "Going for a walk before we talk, and saying out loud that I need ten minutes first"
    release(lead, people, prompt, [long, "Breathing", "Tea", "Time"])
    cards = page.locator(".cards li")
    expect(cards).to_have_count(4)
    page.wait_for_function("() => document.querySelector('#stage').dataset.fitFor")
    tops = [round(box["y"]) for box in (c.bounding_box() for c in cards.all()) if box]
    rows = sorted(tops.count(top) for top in set(tops))
    assert rows == [2, 2], tops
    assert not cut_off(page)


def test_thirty_released_answers_page_and_fit(display: Any) -> None:
    page, lead, people = display
    prompt = {"kind": "prompt", "title": TITLE, "text": LONG[:200], "open_text": True}
    texts = [(LONG * 2)[i * 7 : i * 7 + 40 + (i * 37) % 240] for i in range(30)]
    release(lead, people, prompt, texts)
    pages = page.locator(".page-of")
    expect(pages).to_have_text(re.compile(r"^1 / \d+$"))
    count = int(pages.inner_text().split("/")[1])
    assert count >= 5, "30 answers never crowd onto one or two pages"
    fits_everywhere(page, "page 1 of 30 released answers")
    lead.command({"type": "pages", "page": count - 1})
    expect(pages).to_have_text(f"{count} / {count}")
    fits_everywhere(page, "the last page of released answers")
    seen = set()
    for p in range(count):
        lead.command({"type": "pages", "page": p})
        expect(pages).to_have_text(f"{p + 1} / {count}")
        seen |= set(page.locator(".cards li").all_inner_texts())
    assert seen == {t.strip() for t in texts}, "every released answer is on some page"
    # pages that turn by themselves: the server's clock, the facilitator's pace
    lead.command({"type": "pages", "page": 0, "turn_seconds": 20})
    expect(pages).to_have_text(f"1 / {count}")
    page.clock.fast_forward("00:41")
    expect(pages).to_have_text(f"3 / {count}")


def test_the_check_sees_what_is_cut_off(harness: Harness) -> None:
    """layout.cut_off would fail a screen with something off the edge or out of its box."""
    page = harness.page(viewport={"width": 1024, "height": 768})
    page.goto("/privacy")
    page.evaluate(
        """() => {
            document.body.style.overflow = 'hidden';
            const p = document.createElement('p');
            p.style.cssText = 'position:fixed;left:900px;top:10px;width:80px;white-space:nowrap';
            p.textContent = 'a line much too long for its box';
            document.body.append(p);
        }"""
    )
    problems = cut_off(page)
    assert any("runs out of its box" in p for p in problems), problems
    assert any("the page scrolls" in p for p in problems), problems


ES_TITLE = "Lo que traemos a la sala cuando la confianza se ha roto y aun así intentamos quedarnos"
ES_LONG = (
    "Piensa en un momento de esta semana en el que quisiste pasar deprisa por algo incómodo: un "
    "silencio en la cena, una pregunta que no querías responder, una mirada que se sintió como "
    "un reproche. ¿Qué hiciste con las ganas de arreglarlo rápido? ¿Qué pasó en tu cuerpo? Si "
    "te quedaste, aunque fuera unas respiraciones más de lo habitual, ¿qué notaste en la otra "
    "persona y en ti? Aquí no hay una respuesta correcta, y no hace falta compartir nada a "
    "menos que lo elijas."
)
ES_OPTIONS = [
    "Alivio de que por fin se diga en voz alta",
    "Miedo a que vuelva a pasar",
    "Esperanza",
    "Entumecimiento",
    "Rabia que va y viene",
    "Vergüenza",
    "Cansancio",
    "Ganas de que me entiendan",
    "Ganas de que termine",
    "Curiosidad por lo que viene",
    "Ternura",
    "Todavía no lo sé",
]


def test_a_second_language_on_the_projector_fits_and_counts_the_same(display: Any) -> None:
    """The facilitator asks the display for English and Spanish: every line of both, the second
    beneath, nothing cut off at any size, and the counts are the room's, once."""
    page, lead, people = display
    page.get_by_label("Also in").select_option("es")
    expect(page.locator(".lobby-title.twin")).to_have_text("Entra desde tu teléfono")
    expect(page.locator(".lobby-title.twin")).to_have_attribute("lang", "es")
    assert page.evaluate("sessionStorage.getItem('hearth.display.second')") == "es"
    fits_everywhere(page, "the lobby in two languages")

    poll = {"kind": "poll", "lang": "en", "title": TITLE, "text": LONG, "options": OPTIONS}
    poll |= {"result_style": "counts", "translations": {"es": {
        "title": ES_TITLE, "text": ES_LONG, "options": ES_OPTIONS}}}  # fmt: skip
    open_and_answer(lead, people[:9], poll, lambda i: choice(i))
    expect(page.locator(".title:not(.twin)")).to_have_text(TITLE)
    expect(page.locator(".title.twin")).to_have_text(ES_TITLE)
    expect(page.locator(".text:not(.twin)")).to_have_text(LONG)
    expect(page.locator(".text.twin")).to_have_text(ES_LONG)
    both = [english + spanish for english, spanish in zip(OPTIONS, ES_OPTIONS, strict=True)]
    expect(page.locator(".options li")).to_have_text(both)
    hint = "Responde en tu teléfono. Siempre puedes pasar."
    expect(page.locator(".hint.twin")).to_have_text(hint)
    fits_everywhere(page, "an open poll in two languages")
    lead.command({"type": "reveal"})
    counts = ["3", "3", "3"] + ["0"] * 9  # nine phones: three each on the first three options
    expect(page.locator(".results .bar-count")).to_have_text(counts)
    expect(page.locator(".results .bar-label .twin")).to_have_text(ES_OPTIONS)
    expect(page.locator(".results .bar-label")).to_have_text(both)
    fits_everywhere(page, "12 options revealed in two languages")
    assert_accessible(page, "the projector in two languages")

    # Taken away again: one language, as before.
    page.keyboard.press("2")  # the key steps to the next: Portuguese, which this poll lacks
    expect(page.get_by_label("Also in")).to_have_value("pt-BR")
    expect(page.locator(".hint.twin, .twin .hint")).to_have_count(0)  # (results: no hint)
    expect(page.locator(".bar-label .twin")).to_have_count(0)  # no Portuguese wording: none
    for _ in ("fr", "de", "ar", "none"):  # (the menu waits in the lobby)
        page.keyboard.press("2")
    expect(page.get_by_label("Also in")).to_have_value("")
    expect(page.locator(".twin")).to_have_count(0)
    expect(page.locator(".results .bar-count")).to_have_text(counts)


def choice(i: int) -> dict[str, Any]:
    return {"kind": "choice", "option": i % 3}


def lines_without_twin(page: Page) -> list[str]:
    """Each line of words on the stage (results' lines, "N people answered" included, an order's
    names, the kind) that has no Spanish twin beneath it."""
    return list(
        page.evaluate("""() => {
      const out = [];
      const twin = (el) => el && el.classList.contains("twin") && el.lang === "es";
      for (const el of document.querySelectorAll(
          "#stage .results p:not(.twin), #stage .kind:not(.twin)")) {
        if (!twin(el.nextElementSibling)) out.push(el.className + ": " + el.textContent);
      }
      for (const rank of document.querySelectorAll("#stage .results .rank")) {
        if (!twin(rank.querySelector(".rank-names.twin"))) out.push("rank: " + rank.textContent);
      }
      return out;
    }""")
    )


def test_the_second_language_covers_orders_clouds_and_kinds(display: Any) -> None:
    """Beyond bars and labels: the leaning order's names and lines, the word cloud's lines and
    the activity's kind each get their Spanish twin, and nothing is cut off."""
    page, lead, people = display
    page.get_by_label("Also in").select_option("es")
    expect(page.locator(".lobby-title.twin")).to_have_text("Entra desde tu teléfono")

    poll = {
        "kind": "poll",
        "lang": "en",
        "text": LONG,
        "options": OPTIONS[:5],
        "result_style": "leaning",
        "translations": {"es": {"text": ES_LONG, "options": ES_OPTIONS[:5]}},
    }
    open_and_answer(lead, people[:9], poll, lambda i: {"kind": "choice", "option": i % 2})
    lead.command({"type": "reveal"})
    expect(page.locator(".results .ranking, .results .lean")).not_to_have_count(0)
    expect(page.locator(".results .twin")).not_to_have_count(0)
    assert lines_without_twin(page) == []
    spanish = " ".join(page.locator(".results .twin").all_inner_texts())
    assert "Alivio" in spanish and "Miedo" in spanish, spanish  # the options' Spanish names
    fits_everywhere(page, "an order revealed in two languages")

    cloud = {
        "kind": "words",
        "lang": "en",
        "text": "One word for what helps?",
        "max_words": 3,
        "content_note": "About what helps when it hurts.",
        "translations": {
            "es": {
                "text": "¿Una palabra para lo que ayuda?",
                "content_note": "Sobre lo que ayuda cuando duele.",
            }
        },
    }
    open_and_answer(lead, [], cloud)
    expect(page.locator(".kind.twin")).to_have_text("Nube de palabras")
    # the note before the question, in each language's own words
    expect(page.locator(".note-first .text:not(.twin)")).to_have_text(cloud["content_note"])
    expect(page.locator(".note-first .text.twin")).to_have_text(
        cloud["translations"]["es"]["content_note"]
    )
    expect(page.locator(".note-first .text.twin")).to_have_attribute("lang", "es")
    expect(page.locator(".kind:not(.twin)")).to_have_text("Word cloud")
    assert lines_without_twin(page) == []
    fits_everywhere(page, "a content note in two languages")
    lead.command({"type": "show_text", "shown": True})
    aid = str(lead.view["activity"]["id"])
    for i, phone in enumerate(people[:6]):  # "staying" by six, one word each by the others
        phone.answer(aid, {"kind": "words", "words": ["staying", f"word{i}"]})
    lead.command({"type": "reveal"})
    expect(page.locator(".cloud .word")).to_have_count(1)
    expect(page.locator(".results .note.twin")).to_have_count(1)  # fewer than k: not shown
    assert lines_without_twin(page) == []
    fits_everywhere(page, "a word cloud in two languages")
