"""Small screens and the projector's lobby: on a 360x640 or 320x568 phone the grounding circle is
whole above the footer without scrolling (pushed by "Grounding now", or a grounding activity with
a long text, moving or still); the projector's lobby says all three privacy sentences, with the
room's own k, and fits at 1920x1080 and 1280x720."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import facilitator, largest_text, new_room, phone_joined, say
from tests.browser.harness import Harness
from tests.browser.layout import cut_off, sideways
from tests.support import LiveServer

PHONES = [(360, 640), (320, 568)]
PROJECTORS = [(1920, 1080), (1280, 720)]
LONG = (
    "Let your shoulders drop. Notice where your body meets the chair and the floor, and let "
    "the next breath be a little slower than the last. There is nowhere else to be just now, "
    "and nothing you need to say or decide."
)

# The circle's whole box (at full size, whatever the breath's scale now: it scales about its
# centre), what main shows of the page (between the top bar and the footer), and the label's box.
GROUNDING = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; };
  const circle = document.querySelector('.pacer-circle');
  const r = circle.getBoundingClientRect();
  const middle = r.top + r.height / 2, half = circle.offsetHeight / 2;
  const main = document.querySelector('main');
  return {
    circle: { top: middle - half, bottom: middle + half, size: circle.offsetWidth },
    label: box(document.querySelector('.pacer-label')),
    main: box(main),
    footer: box(document.querySelector('#actions')),
    scrolled: main.scrollTop + document.scrollingElement.scrollTop,
  };
}"""


def joined(harness: Harness, code: str, width: int, height: int, motion: str) -> Page:
    viewport = {"width": width, "height": height}
    page = harness.page(viewport=viewport, is_mobile=True, has_touch=True, reduced_motion=motion)
    page.goto(f"/join#{code}")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()
    return page


def circle_in_view(page: Page, where: str) -> None:
    expect(page.locator(".pacer-label")).to_have_text(
        re.compile(r"^(Breathe in|Hold|Breathe out)$")
    )
    seen: dict[str, Any] = page.evaluate(GROUNDING)
    circle, label, main, footer = seen["circle"], seen["label"], seen["main"], seen["footer"]
    assert seen["scrolled"] == 0, f"{where}: nothing scrolled yet"
    assert main["bottom"] <= footer["top"] + 1, f"{where}: main ends where the footer starts"
    assert circle["size"] >= 140, f"{where}: the circle is too small to follow: {circle}"
    for name, part in (("circle", circle), ("its label", label)):
        assert part["top"] >= main["top"] - 1 and part["bottom"] <= main["bottom"] + 1, (
            f"{where}: the {name} is not whole between the top bar and the footer "
            f"(main {main['top']:.0f}-{main['bottom']:.0f}, "
            f"{name} {part['top']:.0f}-{part['bottom']:.0f})"
        )


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
@pytest.mark.parametrize(("width", "height"), PHONES)
def test_the_grounding_circle_is_whole_above_the_footer(
    harness: Harness, server: LiveServer, width: int, height: int, motion: str
) -> None:
    room = new_room(server)
    lead = facilitator(server, room)
    page = joined(harness, room["code"], width, height, motion)
    where = f"{width}x{height}, {motion} motion"

    lead.command({"type": "grounding_now"})
    expect(page.get_by_role("heading", name="Grounding")).to_be_visible()
    # its 1:30, running: a loaded machine may show this phone's first clock a few seconds on
    expect(page.locator(".timer")).to_have_text(re.compile(r"^1:[0-3]\d$"))
    circle_in_view(page, f"Grounding now at {where}")

    title = "A slower breath, before we go on"
    grounding = {"kind": "grounding", "title": title, "text": LONG, "seconds": 120}
    lead.command({"type": "open", "activity": grounding})
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    lead.command({"type": "timer", "action": "start"})  # the circle breathes once it starts
    circle_in_view(page, f"a grounding activity with a long text at {where}")
    # the words are all still there, below the circle, for whoever scrolls to read them
    text = page.locator(".activity-text")
    expect(text).to_have_text(LONG)
    text.scroll_into_view_if_needed()
    expect(text).to_be_in_viewport()
    lead.close()


@pytest.mark.parametrize(("width", "height"), PROJECTORS)
def test_the_lobby_says_all_three_privacy_sentences(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    room = new_room(server, k=4)
    page = harness.page(viewport={"width": width, "height": height})
    page.goto(room["display_url"].removeprefix(server.base_url))
    expect(page.locator(".big-code")).to_be_visible()
    hints = page.locator(".lobby-hint")
    expect(hints).to_have_text(
        [
            "We never ask your name. Answers are deleted when the session ends.",
            "In a small group, results may still hint at who answered — which is why no result "
            "is shown until at least 4 people answered.",
        ]
    )

    def fits(state: str) -> None:
        page.wait_for_function(
            f"() => document.querySelector('#stage').dataset.fitFor === '{width}x{height}'"
        )
        problems = cut_off(page)
        assert not problems, f"{state} at {width}x{height}:\n" + "\n".join(problems[:12])
        for hint in hints.all():
            expect(hint).to_be_in_viewport(ratio=1)

    fits("the lobby")

    # the room's k, as it is now: the facilitator changing it changes the lobby
    lead = facilitator(server, room)
    lead.command({"type": "configure", "k": 7})
    expect(hints.nth(1)).to_contain_text("until at least 7 people answered.")
    fits("the lobby after k changed")
    lead.close()


# Where the title and the first answer stand on a phone on its side, and whether the bars cover
# either: each box whole on the screen and in main's view, with main not scrolled.
LANDSCAPE = """(first) => {
  const box = (el) => el.getBoundingClientRect();
  const main = box(document.querySelector('main'));
  const bars = [...document.querySelectorAll('.topbar, #actions')].map(box);
  const whole = (r) => r.top >= Math.max(0, main.top) - 0.5 && r.bottom <= Math.min(innerHeight, main.bottom) + 0.5
    && r.left >= main.left - 0.5 && r.right <= main.right + 0.5;
  const covers = (r) => bars.some((b) => b.left < r.right && r.left < b.right && b.top < r.bottom && r.top < b.bottom);
  return ['#activity-title', first].map((selector) => {
    const r = box(document.querySelector(selector));
    return { selector, whole: whole(r), covered: covers(r) };
  }).concat([{ selector: 'main', scrolled: document.querySelector('main').scrollTop }]);
}"""


# Menu items (buttons, the language menu) whole inside the window and the menu's own visible box.
WHOLE_ITEMS = """() => {
  const panel = document.querySelector('#menu-panel').getBoundingClientRect();
  return [...document.querySelectorAll('#menu-panel button, #menu-panel select')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.top >= Math.max(panel.top, 0) - 1 && r.bottom <= Math.min(panel.bottom, innerHeight) + 1;
  }).length;
}"""


def test_a_phone_on_its_side_shows_the_title_and_first_answer_without_scrolling(
    harness: Harness, server: LiveServer
) -> None:
    """At 740x360 the footer's row (pause, More) took the height the activity needs: its title
    and first option (or the whole scale) must be in sight at once, under no bar, and every
    button of the menu still reachable."""
    room = new_room(server)
    lead = facilitator(server, room)
    page = harness.page(viewport={"width": 740, "height": 360}, is_mobile=True, has_touch=True)
    page.goto(f"/join#{room['code']}")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()
    poll = {
        "kind": "poll",
        "title": "Reconnecting after acknowledgement conversations",
        "text": "Which of these statements describes your experience of accountability most "
        "accurately?",
        "options": [
            "I noticed that I wanted to explain myself before I had really listened",
            "Understandably overwhelmed, uncomfortable, disconnected and misunderstood",
        ],
    }
    scale = {
        "kind": "scale",
        "title": "How settled do you feel right now?",
        "text": "One is not at all, ten is completely.",
        "points": 10,
        "low_label": "not at all",
        "high_label": "completely",
    }
    for activity, first in ((poll, ".choice"), (scale, ".point:last-child")):
        lead.command({"type": "open", "activity": activity})
        expect(page.get_by_role("heading", name=str(activity["title"]))).to_be_visible()
        *boxes, main = page.evaluate(LANDSCAPE, first)
        assert main["scrolled"] == 0, main
        assert all(b["whole"] and not b["covered"] for b in boxes), (activity["kind"], boxes)
    # the scale's ten points in one row
    rows = {round(b["y"]) for b in (p.bounding_box() for p in page.locator(".point").all()) if b}
    assert len(rows) == 1, rows

    # the side column keeps its width when the menu opens (the activity does not reflow), and
    # its two buttons fill it
    def widths() -> list[float]:
        boxes = [page.locator(s).bounding_box() for s in ("#actions", "#pause", "#menu")]
        return [b["width"] for b in boxes if b]

    shut = widths()
    page.get_by_role("button", name="More").click()
    assert widths() == shut, (shut, widths())
    assert min(shut[1:]) > 0.8 * shut[0], shut
    # the open menu is not squeezed into the strip above those two buttons: at the largest
    # text it showed one item and a half; now at least four are whole in sight at once
    page.get_by_role("button", name="Larger text").click()
    page.get_by_role("button", name="Larger text").click()
    whole = page.evaluate(WHOLE_ITEMS)
    assert whole >= 4, f"{whole} menu items whole in sight"
    leave = page.get_by_role("button", name="Leave")
    leave.scroll_into_view_if_needed()
    expect(leave).to_be_in_viewport()
    expect(page.get_by_role("button", name="I need a pause")).to_be_in_viewport()
    # the language menu in that narrow column shows the language chosen, not an empty box
    language = page.get_by_label("Language")
    language.scroll_into_view_if_needed()
    shown = language.evaluate(
        "(el) => { const r = el.getBoundingClientRect(), col = el.closest('#actions').getBoundingClientRect();"
        " return [r.width, col.width]; }"
    )
    assert shown[0] > 0.6 * shown[1], f"the language menu {shown[0]:.0f} px wide in {shown[1]:.0f}"
    lead.close()


# Each point's row, in the order the points come (the y of its top edge), and its width.
POINT_ROWS = """() => [...document.querySelectorAll('.point')].map((p) => {
  const r = p.getBoundingClientRect(); return [Math.round(r.top), r.width];
})"""


@pytest.mark.parametrize(
    ("width", "height", "larger", "points", "rows"),
    [
        (360, 740, 0, 5, [5]),
        (360, 740, 0, 7, [4, 3]),  # not six and a lone 7 under the 1
        (360, 740, 0, 10, [5, 5]),
        (320, 568, 2, 5, [5]),  # the largest text on the smallest phone: not four and a 5
        (740, 360, 0, 10, [10]),  # on its side, ten in one row
    ],
)
def test_a_scale_keeps_its_points_in_even_rows(
    harness: Harness,
    server: LiveServer,
    width: int,
    height: int,
    larger: int,
    points: int,
    rows: list[int],
) -> None:
    room = new_room(server)
    lead = facilitator(server, room)
    size = {"width": width, "height": height}
    page = harness.page(viewport=size, is_mobile=True, has_touch=True)
    page.goto(f"/join#{room['code']}")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()
    for _ in range(larger):
        page.get_by_role("button", name="More").click()
        page.get_by_role("button", name=re.compile("^(Larger|Smaller) text$")).click()
        page.get_by_role("button", name="Close").click()
    scale = {"kind": "scale", "title": "Settled", "text": "?", "points": points}
    lead.command({"type": "open", "activity": scale})
    expect(page.locator(".point")).to_have_count(points)
    placed: list[list[float]] = page.evaluate(POINT_ROWS)
    tops = [top for top, _ in placed]
    assert tops == sorted(tops), f"the points read in order: {placed}"
    counts = [tops.count(top) for top in sorted(set(tops))]
    assert counts == rows, placed
    assert min(w for _, w in placed) >= 44, placed
    lead.close()


def test_a_pause_asked_keeps_the_footer_short_at_the_largest_text(
    harness: Harness, server: LiveServer
) -> None:
    """ "Pause asked · tap to take back" took five lines beside More on a 320 px phone at the
    largest text: the footer held 43% of the screen. What holds now, then how to undo it,
    smaller, on a line of its own."""
    room = new_room(server)
    page = harness.page(viewport={"width": 320, "height": 568}, is_mobile=True, has_touch=True)
    page.goto(f"/join#{room['code']}")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="You're in")).to_be_visible()
    largest_text(page)
    page.get_by_role("button", name="I need a pause").click()
    pause = page.locator("#pause")
    expect(pause).to_have_text("Pause asked · tap to take back")  # whole for what reads it
    expect(pause).to_have_accessible_name("Pause asked tap to take back")
    hint = pause.locator(".undo-hint")
    sizes = pause.evaluate(
        "(b) => [b, b.querySelector('.undo-hint')].map((e) => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes[1] < sizes[0], sizes
    hint_box, pause_box = hint.bounding_box(), pause.bounding_box()
    assert hint_box and pause_box and hint_box["y"] > pause_box["y"] + sizes[0], "a line of its own"
    footer = page.locator("#actions").bounding_box()
    assert footer and footer["height"] < 0.36 * 568, footer


@pytest.mark.parametrize("lang", ["de", "fr", "es", "ar"])
def test_the_footer_stays_on_a_small_phone_at_the_largest_text(
    harness: Harness, server: LiveServer, lang: str
) -> None:
    """On a 320 px phone at the largest text, "Close" in German (Schließen) ran off the screen
    beside "I need a pause": every button of the footer stays whole, menu open or shut, a pause
    asked or not."""
    room = new_room(server)
    page = phone_joined(harness, room["code"], lang, 320, 568)
    more = say(lang, "More")

    def whole(state: str) -> None:
        problems = sideways(page, 320, "#actions")
        assert not problems, (lang, state, problems)

    largest_text(page, lang)
    whole("menu shut")
    page.get_by_role("button", name=more).click()
    whole("menu open")
    page.get_by_role("button", name=say(lang, "Close"), exact=True).click()
    page.get_by_role("button", name=say(lang, "I need a pause")).click()
    expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
    whole("pause asked")
    page.get_by_role("button", name=more).click()
    whole("pause asked, menu open")
