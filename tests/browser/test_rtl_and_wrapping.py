"""From an outside session with phones in Arabic, German and Spanish, at 360x640 and 320x568:
an option written in English keeps its own order on an Arabic phone and projector (its quotes,
commas and brackets where its writer put them: each name someone wrote is isolated, its direction
its own); a poll's checkbox, or a chosen option's mark, keeps its full size and sits on the first
line of an option that wraps; and the end screen's "Join a session" button stands clear of the
support text above it, right to left and left to right."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.drive import (
    Screen,
    facilitator,
    new_room,
    phone_joined,
    phones,
    press_when_still,
    say,
)
from tests.browser.harness import PROJECTOR, Harness
from tests.support import LiveServer

PHONES = [(360, 640), (320, 568)]

# English options, as a facilitator's plan written in English has them (no Arabic wording): the
# library's own two, and two whose first or last character is punctuation (a quote, a full
# stop), which an Arabic line would otherwise carry to its other end.
LABELS = [
    'Hearing "I was wrong" without a defence',
    "Plans that are kept, even small ones",
    '"Sorry," said first',
    "Being asked, not told.",
]
POLL = {
    "kind": "poll",
    "lang": "en",
    "text": "Which of these helps you feel safest?",
    "options": LABELS,
    "multiple": True,
    "result_style": "counts",
}

# Every place a name someone wrote is drawn under `selector`: whether it is isolated (it is the
# whole text of a <bdi>, of an element with dir="auto", or of one with unicode-bidi: plaintext:
# its direction from its own words) and whether it reads in its own order (as English, left to
# right: its first character starts its first line, its last ends its last line).
NAMES = """([selector, names]) => {
  const found = [];
  const rectOf = (node, from, to) => {
    const r = document.createRange();
    r.setStart(node, from);
    r.setEnd(node, to);
    return r;
  };
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const name of names) {
        const at = node.data.indexOf(name);
        if (at < 0) continue;
        const host = node.parentElement;
        const own = host.textContent === name && (host.localName === 'bdi'
          || host.getAttribute('dir') === 'auto' || getComputedStyle(host).unicodeBidi === 'plaintext');
        const parts = [...rectOf(node, at, at + name.length).getClientRects()].filter((r) => r.width > 0);
        const top = Math.min(...parts.map((r) => r.top)), bottom = Math.max(...parts.map((r) => r.top));
        const firstLine = parts.filter((r) => Math.abs(r.top - top) < 2);
        const lastLine = parts.filter((r) => Math.abs(r.top - bottom) < 2);
        const first = rectOf(node, at, at + 1).getBoundingClientRect();
        const last = rectOf(node, at + name.length - 1, at + name.length).getBoundingClientRect();
        found.push({
          name, own, where: host.className || host.localName,
          firstStartsLine: Math.abs(first.left - Math.min(...firstLine.map((r) => r.left))) < 1,
          lastEndsLine: Math.abs(last.right - Math.max(...lastLine.map((r) => r.right))) < 1,
        });
      }
    }
  }
  return found;
}"""


def names_in_own_order(page: Page, selector: str, names: list[str], where: str) -> None:
    found: list[dict[str, Any]] = page.evaluate(NAMES, [selector, names])
    seen = {f["name"] for f in found}
    assert seen == set(names), f"{where}: not all drawn under {selector}: {sorted(seen)}"
    bad = [f for f in found if not (f["own"] and f["firstStartsLine"] and f["lastEndsLine"])]
    assert not bad, f"{where}: names not isolated or not in their own order:\n" + "\n".join(
        map(str, bad)
    )


def everyone_chooses_all(lead: Screen, others: list[Screen]) -> None:
    aid = lead.view["activity"]["id"]
    for other in others:
        other.answer(aid, {"kind": "choices", "options": list(range(len(LABELS)))})


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_english_options_keep_their_order_on_an_arabic_phone_and_projector(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    display = harness.page(**PROJECTOR, locale="ar-EG")
    display.goto(room["display_url"].removeprefix(server.base_url))
    expect(display.get_by_role("heading", name=say("ar", "Join on your phone"))).to_be_visible()
    phone = phone_joined(harness, room["code"], "ar", width, height)
    where = f"an Arabic phone at {width}x{height}"

    # The options as they are chosen from...
    lead.command({"type": "open", "activity": POLL})
    expect(phone.locator(".check")).to_have_count(len(LABELS))
    names_in_own_order(phone, ".multi", LABELS, f"{where}, choosing")

    # ...and as results, on the phone and on the projector (which draws them with the same code).
    others = phones(server, room, 3)
    everyone_chooses_all(lead, others)
    lead.until(lambda m: m["type"] == "progress" and m["answered"] == 3)
    lead.command({"type": "reveal"})
    for screen, name in ((phone, where), (display, "an Arabic projector")):
        expect(screen.locator(".results .bar-label")).to_have_text(LABELS)
        names_in_own_order(screen, ".results", LABELS, f"{name}, results as counts")

    # Every other way results name options, drawn by the same module in the same Arabic page:
    # the most chosen named in a sentence, a full order with ties, share words, a scale's ends,
    # and answers shared on cards.
    drawn: int = phone.evaluate(
        """async (labels) => {
          const { renderResult, renderTexts } = await import('/static/shared/results.js');
          const poll = (style, more, cells) => renderResult(
            { kind: 'poll', style, shown: true, k: 3, answered: 6, ...more, cells }, { options: labels });
          const parts = [
            poll('leaning', { order: 'top' }, [{ rank: 1 }, { rank: 1 }, { rank: 2 }, { rank: 2 }]),
            poll('leaning', { order: 'top' }, [{ rank: 2 }, { rank: 2 }, { rank: 1 }, { rank: 2 }]),
            poll('leaning', { order: 'full' }, [{ rank: 1 }, { rank: 2 }, { rank: 2 }, { rank: 3 }]),
            poll('words', {}, labels.map(() => ({ word: 'most of us', withheld: false }))),
            renderResult({ kind: 'scale', style: 'counts', shown: true, k: 3, answered: 6, mean: null,
              cells: [1, 2, 3, 4, 5].map((v) => ({ label: String(v), count: v === 3 ? 6 : 0 })) },
              { low_label: labels[3], high_label: labels[2], points: 5 }),
            renderTexts(labels),
          ];
          const probe = document.createElement('section');
          probe.className = 'results probe';
          probe.append(...parts);
          document.querySelector('#app').append(probe);
          return parts.length;
        }""",
        LABELS,
    )
    assert drawn == 6
    probe = phone.locator(".probe")
    expect(probe.locator(".lean").first).to_contain_text(LABELS[0])
    parts = {".lean": LABELS[:3], ".note": LABELS, ".ranking": LABELS, ".said": LABELS}
    parts |= {".scale-ends": LABELS[2:], ".cards": LABELS}
    for part, names in parts.items():
        names_in_own_order(phone, f".probe {part}", names, f"{where}, {part}")
    # Between the names of a list inside an Arabic sentence stands " · ", as in a ranking: the
    # names hold commas of their own, so a comma (Arabic or not) would not tell them apart.
    between = phone.evaluate(
        """() => [...document.querySelectorAll('.probe .lean, .probe .note')].map((line) =>
          [...line.childNodes].filter((n, i, all) => n.nodeType === 3 && i > 0 && all[i - 1].nodeName === 'BDI'
            && all[i + 1]?.nodeName === 'BDI').map((n) => n.textContent))"""
    )
    assert [sep for line in between for sep in line] and all(sep == " · " for line in between for sep in line), between
    lead.close()
    for other in others:
        other.close()


# Each option's words as laid out: the element holding them, the direction and language they are
# read in, whether every line starts flush with their own start edge, and any line that begins
# inside a word.
OPTION_LINES = """(selector) => [...document.querySelectorAll(selector)].map((option) => {
  const node = document.createTreeWalker(option, NodeFilter.SHOW_TEXT).nextNode();
  const host = node.parentElement;
  const style = getComputedStyle(host);
  const chars = [...node.data].map((ch, i) => {
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + 1);
    return { ch, box: r.getBoundingClientRect() };
  });
  const starts = [chars[0]];
  const midWord = [];
  for (let i = 1; i < chars.length; i++) {
    if (/\\s/.test(chars[i].ch)) continue;
    let j = i - 1;
    while (j > 0 && /\\s/.test(chars[j].ch)) j--;
    if (Math.abs(chars[i].box.top - chars[j].box.top) < 4) continue;
    starts.push(chars[i]);
    if (!/[\\s\\-/]/.test(chars[i - 1].ch)) midWord.push(node.data.slice(Math.max(0, i - 8), i + 8));
  }
  const ltr = style.direction === 'ltr';
  const edge = (c) => (ltr ? c.box.left : c.box.right);
  const flush = Math.max(...starts.map(edge)) - Math.min(...starts.map(edge)) < 1;
  return { text: node.data, direction: style.direction, lang: host.closest('[lang]').lang,
    lines: starts.length, flush, midWord };
})"""

LONG_OPTIONS = [
    "I noticed that I wanted to explain myself before I had really listened to what was said",
    "Understandably overwhelmed, uncomfortable, disconnected and misunderstood",
    'Hearing "I was wrong" without a defence',
]


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_long_english_options_wrap_as_english_on_an_arabic_phone(
    harness: Harness, server: LiveServer, width: int, height: int
) -> None:
    """Options a facilitator wrote in English, on an Arabic phone: each reads left to right, its
    lines flush with its own (left) start, breaking only between words, and is said in English."""
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    phone = phone_joined(harness, room["code"], "ar", width, height)
    poll = {
        "kind": "poll",
        "lang": "en",
        "title": "Reconnecting after acknowledgement",
        "text": "Which of these describes your week?",
        "options": LONG_OPTIONS,
    }
    for multiple, selector in ((False, ".choice"), (True, ".check")):
        lead.command({"type": "open", "activity": {**poll, "multiple": multiple}})
        expect(phone.locator(selector)).to_have_count(len(LONG_OPTIONS))
        laid = phone.evaluate(OPTION_LINES, selector)
        laid += phone.evaluate(OPTION_LINES, "#activity-title, .activity-text")
        assert any(o["lines"] >= 3 for o in laid), laid  # long enough to wrap
        bad = [
            o
            for o in laid
            if (o["direction"], o["lang"], o["flush"], o["midWord"]) != ("ltr", "en", True, [])
        ]
        assert not bad, f"{selector} at {width}x{height}:\n" + "\n".join(map(str, bad))
    lead.close()


# The mark's rows, from a screenshot of the chosen option (its ink is white on the accent), in
# the strip between the button's padding and its words; the words' first line; their lines.
MARK = """async ([png, side]) => {
  const button = document.querySelector('.choice[aria-pressed="true"]');
  const box = button.getBoundingClientRect();
  const style = getComputedStyle(button);
  const range = document.createRange();
  range.selectNodeContents(button);
  const lines = [...range.getClientRects()].filter((r) => r.width > 0);
  const tops = [...new Set(lines.map((r) => Math.round(r.top)))];
  const first = lines.filter((r) => Math.abs(r.top - lines[0].top) < 2);
  const left = Math.min(...lines.map((r) => r.left)), right = Math.max(...lines.map((r) => r.right));
  const image = await createImageBitmap(new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))]));
  const scale = image.width / box.width;
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  const edge = (side) => parseFloat(style[`border${side}Width`]) + parseFloat(style[`padding${side}`]);
  const [from, to] = side === 'rtl' ? [right - box.left + 1, box.width - edge('Right')] : [edge('Left'), left - box.left - 1];
  const rows = [];
  const [up, down] = [parseFloat(style.borderTopWidth), box.height - parseFloat(style.borderBottomWidth)];
  for (let y = Math.ceil(up * scale); y < Math.floor(down * scale); y++) {
    for (let x = Math.ceil(from * scale); x < Math.floor(to * scale); x++) {
      const i = (y * image.width + x) * 4;
      if (pixels[i] > 190 && pixels[i + 1] > 190 && pixels[i + 2] > 190) { rows.push(y / scale + box.top); break; }
    }
  }
  return {
    mark: rows.length ? [Math.min(...rows), Math.max(...rows)] : null,
    line: [Math.min(...first.map((r) => r.top)), Math.max(...first.map((r) => r.bottom))],
    lines: tops.length,
  };
}"""

BOXES = """() => [...document.querySelectorAll('.check')].map((label) => {
  const box = label.querySelector('input').getBoundingClientRect();
  const words = label.querySelector('span');
  const range = document.createRange();
  range.selectNodeContents(words);
  const lines = [...range.getClientRects()].filter((r) => r.width > 0);
  const first = lines.filter((r) => Math.abs(r.top - lines[0].top) < 2);
  return {
    width: box.width, height: box.height, top: box.top, bottom: box.bottom,
    left: box.left, right: box.right, wordsLeft: words.getBoundingClientRect().left,
    lines: new Set(lines.map((r) => Math.round(r.top))).size,
    line: [Math.min(...first.map((r) => r.top)), Math.max(...first.map((r) => r.bottom))],
  };
})"""

WRAPPING = [
    "Rest",
    "Being listened to without being fixed, even when what I say is hard to hear and slow",
    "Time",
]


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize(("width", "height"), PHONES)
def test_marks_keep_their_size_on_the_first_line_of_a_long_option(
    harness: Harness, server: LiveServer, width: int, height: int, lang: str
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    phone = phone_joined(harness, room["code"], lang, width, height)
    where = f"{lang} at {width}x{height}"
    rtl = lang == "ar"

    poll = {"kind": "poll", "lang": "en", "text": "Pick any", "options": WRAPPING}
    lead.command({"type": "open", "activity": {**poll, "multiple": True}})
    expect(phone.locator(".check")).to_have_count(3)
    short, long, _ = phone.evaluate(BOXES)
    assert long["lines"] >= 3, f"{where}: the long option should wrap to three lines: {long}"
    assert short["lines"] == 1
    for name, box in (("one-line", short), ("three-line", long)):
        assert box["width"] >= 24 and abs(box["width"] - box["height"]) < 0.5, (
            f"{where}: the {name} option's checkbox is squeezed: {box}"
        )
        middle = (box["top"] + box["bottom"]) / 2
        assert box["line"][0] <= middle <= box["line"][1], (
            f"{where}: the {name} option's checkbox is not on its first line: {box}"
        )
        # at the line's start: right of the words in Arabic, left of them otherwise
        assert (box["left"] > box["wordsLeft"]) == rtl, f"{where}: {box}"
    assert long["width"] == short["width"] and long["height"] == short["height"], where

    # One choice: the chosen option's ✓ on its first line, whole.
    lead.command({"type": "open", "activity": {**poll, "text": "Pick one"}})
    # the new poll, not the last one's buttons of the same names, takes the tap
    expect(phone.get_by_text("Pick one", exact=True)).to_be_visible()
    expect(phone.locator(".check")).to_have_count(0)
    phone.get_by_role("button", name=WRAPPING[1]).click()
    done = "Your answer is stored. It is hidden here; you can change it until it closes."
    expect(phone.locator(".answer-status")).to_contain_text(say(lang, done))
    press_when_still(phone, say(lang, "Show my answer"))
    chosen = phone.locator('.choice[aria-pressed="true"]')
    expect(chosen).to_have_text(WRAPPING[1])
    seen = mark_and_line(phone, chosen, "rtl" if rtl else "ltr")
    assert seen["lines"] >= 3, f"{where}: the chosen option should wrap: {seen}"
    assert seen["mark"], f"{where}: no ✓ drawn beside the chosen option"
    top, bottom = seen["mark"]
    assert bottom - top >= 8, f"{where}: the ✓ is squeezed: {seen}"
    assert seen["line"][0] - 1 <= (top + bottom) / 2 <= seen["line"][1] + 1, (
        f"{where}: the ✓ is not on the first line: {seen}"
    )
    lead.close()


def mark_and_line(page: Page, chosen: Locator, side: str) -> dict[str, Any]:
    png = base64.b64encode(chosen.screenshot(animations="disabled")).decode()
    seen: dict[str, Any] = page.evaluate(MARK, [png, side])
    return seen


# The gap between the end screen's button and the nearest text above it.
GAP = """() => {
  const link = document.querySelector('#app a.button');
  const top = link.getBoundingClientRect().top;
  let above = -Infinity;
  const walker = document.createTreeWalker(document.querySelector('#app'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (link.contains(node) || !node.data.trim()) continue;
    if (!(link.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) if (r.height) above = Math.max(above, r.bottom);
  }
  const box = link.getBoundingClientRect(), app = document.querySelector('#app').getBoundingClientRect();
  return { gap: top - above, start: document.documentElement.dir === 'rtl'
    ? app.right - box.right : box.left - app.left };
}"""


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize(("width", "height"), PHONES)
def test_the_end_screen_button_stands_clear_of_the_support_text(
    harness: Harness, server: LiveServer, width: int, height: int, lang: str
) -> None:
    room = new_room(server, k=3)
    lead = facilitator(server, room)
    card = "Call the group line: 0800 000 000.\nOr step outside; a facilitator will follow."
    lead.command({"type": "support", "text": card, "lang": "en"})
    phone = phone_joined(harness, room["code"], lang, width, height)
    lead.command({"type": "end"})
    expect(phone.get_by_role("heading", name=say(lang, "The session has ended"))).to_be_visible()
    link = phone.get_by_role("link", name=say(lang, "Join a session"))
    expect(link).to_be_visible()
    link.scroll_into_view_if_needed()
    seen = phone.evaluate(GAP)
    where = f"the end screen in {lang} at {width}x{height}"
    assert seen["gap"] >= 8, f"{where}: the button is {seen['gap']:.1f}px from the text above it"
    # at the line's start in either direction (the main column's padding, not pushed across)
    assert 0 <= seen["start"] <= 40, f"{where}: {seen}"
    lead.close()


def test_a_command_in_an_arabic_console_reads_left_to_right(harness: Harness) -> None:
    """`hearth link --room CODE --port N` inside an Arabic sentence is its own left-to-right
    run: otherwise the right-to-left page moves its dashes ("JC9G3M --" then "port 8011")."""
    console = harness.facilitator(k=3)
    console.get_by_label("Language").select_option("ar")
    expect(console.get_by_role("button", name=say("ar", "Open the display"))).to_be_visible()
    assert console.evaluate("document.documentElement.dir") == "rtl"
    command = console.locator(".side code").first
    expect(command).to_contain_text(f"hearth link --room {harness.code(console)} --port")
    style = command.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.direction, s.unicodeBidi]; }"
    )
    assert style == ["ltr", "isolate"], style
    # it breaks only between its parts, never after a dash, and copies as typed
    code, port = harness.code(console), harness.live.settings.port
    parts = command.locator(".unbroken")
    expect(parts).to_have_text(["hearth link", f"--room {code}", f"--port {port}"])
    lines = parts.evaluate_all("(spans) => spans.map((s) => s.getClientRects().length)")
    assert lines == [1, 1, 1], lines
    assert command.text_content() == f"hearth link --room {code} --port {port}"


def test_a_checkouts_long_program_path_stays_inside_the_panel(harness: Harness) -> None:
    """From a checkout the command names the script by its path (tests/test_cli_link.py): a
    long one breaks after a "/" instead of running out of the How to join panel, and still
    copies as typed."""
    program = "/home/facilitator-with-a-long-name/projects/hearth-group-tool/.venv/bin/hearth"
    console = harness.facilitator(k=3)
    console.evaluate(f"() => {{ document.querySelector('#app').dataset.linkProgram = '{program}'; }}")
    harness.panel(console, "Room settings")
    harness.panel(console, "How to join")  # drawn again, with the long path
    command = console.locator(".side code").first
    code, port = harness.code(console), harness.live.settings.port
    expect(command).to_have_text(f"{program} link --room {code} --port {port}")
    inside = command.evaluate(
        "(el) => el.getBoundingClientRect().right <= el.closest('.side').getBoundingClientRect().right"
    )
    assert inside, "the command runs out of the panel"


def test_the_join_code_lines_up_with_an_arabic_lobby(harness: Harness) -> None:
    """The big code reads left to right but sits at the right-to-left page's start, under the
    heading, not at the far side of the column."""
    room = new_room(harness.live, k=3)
    display = harness.page(**PROJECTOR, locale="ar-EG")
    display.goto(room["display_url"].removeprefix(harness.live.base_url))
    expect(display.get_by_role("heading", name=say("ar", "Join on your phone"))).to_be_visible()
    display.locator("#display-second").select_option("en")  # English lines widen the column
    expect(display.get_by_text("Join on your phone", exact=True)).to_be_visible()
    code = display.locator(".big-code")
    expect(code).to_have_attribute("dir", "ltr")
    right = code.evaluate(
        """(el) => { const r = document.createRange(); r.selectNodeContents(el);
                     return [r.getBoundingClientRect().right, el.getBoundingClientRect().right]; }"""
    )
    heading = display.locator(".lobby h1").bounding_box()
    assert heading is not None
    text_right, box_right = right
    assert box_right - text_right < 0.2 * (box_right - heading["x"]), (right, heading)
