"""The projector in English with Spanish beneath (the "Also in" menu): every result style revealed
in turn in one room (counts shown and withheld, on a poll and a scale; words; leaning as an
order and as a scale's lean; bands; a word cloud; too few answers; results split by side), and
for each every line of words on the stage has its Spanish twin — Hearth's own words (the notes,
"not shown" in bars, "N people answered", a band's "N of us", the side names) from the Spanish
catalogue, the activity's own words (options, scale ends) from its Spanish wording — and nothing
is cut off at 1920x1080, 1280x720 or 1024x768 (the same page, resized)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import Screen
from tests.browser.harness import Harness
from tests.browser.test_fit import SIZES, fits_everywhere, projector
from tests.support import LiveServer

# Each element of the stage with words of its own (not numbers, not the code) that has no twin
# in `lang`: neither a .twin inside it (a bar's label, a bar's "not shown") nor a following
# sibling .twin with the same classes (a note, a heading, a rank's names). Exempt: what
# participants wrote (a cloud's words, released answers), which has no other language.
WITHOUT_TWIN = """([lang, exempt]) => {
  const out = [];
  const twin = (el) => el.classList.contains("twin") && el.lang === lang;
  const twinAfter = (el) => {
    const classes = [...el.classList];
    for (let next = el.nextElementSibling; next; next = next.nextElementSibling) {
      if (twin(next) && classes.every((c) => next.classList.contains(c))) return true;
    }
    return false;
  };
  // A part of a line (a scale's end inside its line of ends) is twinned by its line's twin.
  const hasTwin = (el) => [...el.querySelectorAll(".twin")].some(twin) || twinAfter(el)
    || (el.parentElement?.classList.length > 0 && twinAfter(el.parentElement));
  for (const el of document.querySelectorAll("#stage *")) {
    if (el.closest(".twin, svg, .cloud .word, .cards, .big-code" + exempt) || !el.checkVisibility()) continue;
    // A <bdi> (an option's name isolated inside a line, results.js) is part of the line's words.
    if (el.localName === "bdi") continue;
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 || n.localName === "bdi").map((n) => n.textContent).join("");
    if (!/\\p{L}/u.test(own)) continue;
    if (!hasTwin(el)) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")}: ${own.trim()}`);
  }
  return out;
}"""

OPTIONS = ["Steady", "Tender", "Heavy", "Raw"]
ES_OPTIONS = ["Firme", "Con ternura", "Con peso", "En carne viva"]


def lines_without_twin(page: Page, lang: str = "es", exempt: str = "") -> list[str]:
    """`exempt`: more selectors (", .a, .b") of content that has no wording in `lang`."""
    found: list[str] = page.evaluate(WITHOUT_TWIN, [lang, exempt])
    return found


def poll(text: str, style: str) -> dict[str, Any]:
    es = {"text": f"ES {text}", "options": ES_OPTIONS}
    return {"kind": "poll", "lang": "en", "text": text, "options": OPTIONS, "result_style": style,
            "translations": {"es": es}}  # fmt: skip


def scale(text: str, style: str) -> dict[str, Any]:
    es = {"text": f"ES {text}", "low_label": "Nada", "high_label": "Del todo"}
    return {"kind": "scale", "lang": "en", "text": text, "points": 7, "result_style": style,
            "low_label": "Not at all", "high_label": "Completely", "translations": {"es": es}}  # fmt: skip


def reveal(page: Page, lead: Screen, people: list[Screen], activity: dict[str, Any],
           values: list[dict[str, Any]]) -> None:  # fmt: skip
    lead.command({"type": "open", "activity": activity})
    expect(page.locator("#stage .text:not(.twin)")).to_have_text(activity["text"])
    aid = str(lead.view["activity"]["id"])
    for phone, value in zip(people, values, strict=False):
        phone.answer(aid, value)
    lead.command({"type": "reveal"})
    expect(page.locator("#stage .results")).to_be_visible()


def each_line_twinned_and_fits(page: Page, state: str) -> None:
    assert lines_without_twin(page) == [], state
    fits_everywhere(page, state)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def choices(counts: list[int]) -> list[dict[str, Any]]:
    return [{"kind": "choice", "option": i} for i, c in enumerate(counts) for _ in range(c)]


def points(values: list[int]) -> list[dict[str, Any]]:
    return [{"kind": "scale", "value": v} for v in values]


@pytest.fixture
def display(harness: Harness, server: LiveServer) -> Iterator[tuple[Page, Screen, list[Screen]]]:
    with projector(harness, server, 9) as opened:
        yield opened


def test_every_result_style_has_its_second_language_line_by_line(display: Any) -> None:
    page, lead, people = display
    page.get_by_label("Also in").select_option("es")
    expect(page.locator(".lobby-title.twin")).to_have_text("Entra desde tu teléfono")
    assert lines_without_twin(page) == []

    # between activities, a trend from past weeks (its title, labels and dates are the
    # summaries' own words, in one language): Hearth's lines on it each have their twin
    weeks = [
        {"date": "2026-01-05", "label": "Week 1", "shown": True, "answered": 6, "counts": [3, 3]},
        {
            "date": "2026-01-12",
            "label": "Week 2",
            "shown": True,
            "style": "leaning",
            "counts": [None, None],
        },
        {"date": "2026-01-19", "label": "Week 3", "shown": False},
    ]
    trend = {"title": "Steady?", "text": "How steady?", "kind": "poll", "k": 3,
             "labels": ["Yes", "No"], "points": weeks, "track": "hurt"}  # fmt: skip
    lead.command({"type": "trend", "trend": trend})
    expect(page.locator(".trend .kind.twin")).to_have_text(
        "A lo largo de 3 sesiones · Parejas que fueron heridas"
    )
    content = ", .trend > .title, .trend > .text, .trend h3, .trend .bar-label"
    assert lines_without_twin(page, exempt=content) == []
    fits_everywhere(page, "a trend")
    scale_weeks = [{**weeks[0], "counts": [3, 3], "mean": 1.5}, weeks[2]]
    lead.command({"type": "trend", "trend": {**trend, "kind": "scale", "points": scale_weeks}})
    # the average; and for the week not shown, "not shown" and why (trend.js), each twinned
    expect(page.locator(".trend .bar-count .twin")).to_have_count(3)
    assert lines_without_twin(page, exempt=content) == []
    fits_everywhere(page, "a scale's trend")

    reveal(page, lead, people, poll("Counts, every option shown?", "counts"), choices([3, 3, 3]))
    expect(page.locator(".results .bar-count")).to_have_text(["3", "3", "3", "0"])
    expect(page.locator(".results .answered.twin")).to_have_text("9 personas respondieron")
    each_line_twinned_and_fits(page, "counts, shown")

    reveal(page, lead, people, poll("Counts, some too few?", "counts"), choices([2, 1, 1]))
    expect(page.locator(".results .bar-count .twin")).to_have_text(["no se muestra"] * 4)
    each_line_twinned_and_fits(page, "counts, withheld: not shown in every bar")

    reveal(page, lead, people, scale("A scale as counts?", "counts"), points([2, 2, 2, 6, 6, 6]))
    expect(page.locator(".results .scale-ends.twin .scale-end")).to_have_text(["1 = Nada", "7 = Del todo"])
    expect(page.locator(".results .mean.twin")).to_be_visible()
    each_line_twinned_and_fits(page, "a scale as counts, with its ends and average")

    reveal(page, lead, people, scale("A scale, some too few?", "counts"), points([6, 6, 6, 2]))
    expect(page.locator(".results .column-count .twin")).to_have_count(7)
    each_line_twinned_and_fits(page, "a scale as counts, withheld")

    reveal(page, lead, people, poll("In words?", "words"), choices([6, 3]))
    expect(page.locator(".results .said-word")).to_have_count(4)
    each_line_twinned_and_fits(page, "words")

    reveal(page, lead, people, poll("An order?", "leaning"), choices([5, 3, 1]))
    expect(page.locator(".results .rank-names, .results .lean")).not_to_have_count(0)
    each_line_twinned_and_fits(page, "leaning: an order")

    reveal(page, lead, people, scale("Where it leans?", "leaning"), points([1, 2, 5, 6, 6, 7, 7]))
    expect(page.locator(".results .lean.twin")).to_be_visible()
    each_line_twinned_and_fits(page, "leaning: a scale's lean")

    reveal(page, lead, people, scale("In bands?", "bands"), points([1, 1, 2, 3, 4, 5, 6, 7, 7]))
    expect(page.locator(".results .band-count .twin")).not_to_have_count(0)
    expect(page.locator(".results .band-count .twin").first).to_contain_text("de nosotros")
    each_line_twinned_and_fits(page, "bands")

    cloud = {"kind": "words", "lang": "en", "text": "One word?", "max_words": 2,
             "translations": {"es": {"text": "ES One word?"}}}  # fmt: skip
    words = [{"kind": "words", "words": ["staying", f"word{i}"]} for i in range(4)]
    reveal(page, lead, people, cloud, words)
    expect(page.locator(".results .note.twin")).to_have_count(1)  # the words of fewer than k
    each_line_twinned_and_fits(page, "a word cloud")

    reveal(page, lead, people, poll("Too few?", "counts"), choices([1, 1]))
    expect(page.locator(".results .withheld.twin")).to_be_visible()
    each_line_twinned_and_fits(page, "fewer than k answered")

    # not a result, but words of Hearth's that change by themselves: the pacer's label
    grounding = {"kind": "grounding", "lang": "en", "text": "Breathe with the circle.",
                 "seconds": 60, "translations": {"es": {"text": "Respira con el círculo."}}}  # fmt: skip
    lead.command({"type": "open", "activity": grounding})
    expect(page.locator(".pacer-label.twin")).to_have_text("Esperando para empezar")
    lead.command({"type": "timer", "action": "start"})  # the circle breathes once it starts
    expect(page.locator(".pacer-label.twin")).to_have_text(re.compile("^(Inhala|Sostén|Exhala)$"))
    each_line_twinned_and_fits(page, "grounding: the pacer's label")

    # results per side: each side's name has its twin
    lead.command({"type": "configure", "tracks": True, "split": True})
    for i, phone in enumerate(people):
        phone.ws.send(json.dumps({"type": "track", "track": ("hurt", "caused")[i % 2]}))
    reveal(page, lead, people, poll("Per side?", "counts"), choices([6, 3]))
    expect(page.locator(".results .track-name.twin")).to_have_count(3)  # and "not said"
    each_line_twinned_and_fits(page, "results per side")

    # the check itself: a line of words with no twin is named
    page.evaluate("document.querySelector('#stage .results').append(Object.assign("
                  "document.createElement('p'), {className: 'note', textContent: 'Alone'}))")  # fmt: skip
    assert lines_without_twin(page) == ["p.note: Alone"]


def test_plural_sentences_follow_the_second_language_rules(display: Any) -> None:
    """ "N people answered" in Arabic beneath English: Arabic's own plural categories (its few
    for 3-10), not English's one/other, from a catalogue loaded beside the page's."""
    page, lead, people = display
    page.get_by_label("Also in").select_option("ar")
    expect(page.locator(".lobby-title.twin")).to_have_attribute("lang", "ar")
    reveal(page, lead, people, poll("Counts?", "counts"), choices([3, 3, 3]))
    english = page.locator(".results .answered:not(.twin)")
    expect(english).to_have_text("9 people answered")
    arabic = page.locator(".results .answered.twin")
    expect(arabic).to_have_attribute("dir", "rtl")
    expected = page.evaluate(
        """async () => {
          const catalogue = await (await fetch("/i18n/ar.json")).json();
          const entry = catalogue.messages["{n} person answered"];
          const n = new Intl.NumberFormat("ar").format(9);
          return entry[new Intl.PluralRules("ar").select(9)].replace("{n}", n);
        }"""
    )
    expect(arabic).to_have_text(expected)
    # 2 pressed twice quickly (Arabic -> none -> Spanish): only the last language asked for
    # is drawn, and it counts by its own rules
    page.keyboard.press("2")
    page.keyboard.press("2")
    expect(page.get_by_label("Also in")).to_have_value("es")
    expect(page.locator(".results .answered.twin")).to_have_text("9 personas respondieron")
    expect(page.locator(".results .answered.twin")).to_have_attribute("lang", "es")
    assert lines_without_twin(page) == []


SMALLEST_RESULT_TEXT = """() => Math.min(...[...document.querySelectorAll('#stage .results *')]
  .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
  .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""


def test_results_per_side_in_two_languages_stay_readable(display: Any) -> None:
    """Stacked, each side's lean, scale, ends and count in two languages left the fit 11-13 px
    lines at 1024x768, unreadable from the back of a room: the sides now stand in columns."""
    page, lead, people = display
    page.get_by_label("Also in").select_option("es")
    lead.command({"type": "configure", "tracks": True, "split": True})
    for i, phone in enumerate(people[:8]):
        phone.ws.send(json.dumps({"type": "track", "track": ("hurt", "caused")[i % 2]}))
    reveal(page, lead, people, scale("How settled do you feel right now?", "leaning"),
           points([1, 6, 2, 7, 1, 6, 2, 7, 4]))  # fmt: skip
    expect(page.locator("#stage .track-result")).to_have_count(3)
    fits_everywhere(page, "results per side in two languages")
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator("#stage")).to_have_attribute("data-fit-for", "1024x768")
    smallest = page.evaluate(SMALLEST_RESULT_TEXT)
    assert smallest >= 18, f"the smallest result line is {smallest:.1f} px at 1024x768"
