"""Paper and export in the browser: the run-sheet with facilitator notes and the handout without
them, printed from the console (print media emulated; nothing cut); the one-page privacy sheet;
answers added from paper; the summary as a page and as CSV with no hidden cell."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from playwright.sync_api import Page, expect

from server.domain.library import load_library
from tests.browser.drive import phones, say
from tests.browser.harness import Harness

PLAN = {
    "format": "hearth-plan",
    "title": "Week five",
    "notes": "PREP-NOTE: arrive early.",
    "practice": "Once a day, notice one small moment of honesty and say thank you for it.",
    "support": "Between sessions, call the group line or your own counsellor.",
    "items": [
        {"minutes": 5, "activity": {"kind": "prompt", "title": "Welcome", "text": "Welcome back.",
                                    "facilitator_notes": "FAC-NOTE-1: read the agreements."}},
        {"minutes": 10, "activity": {"kind": "reflection", "title": "Underneath",
                                     "text": "What did you notice underneath?",
                                     "facilitator_notes": "FAC-NOTE-2: start the timer."}},
        {"activity": {"kind": "poll", "text": "Which is true?", "options": ["One", "Two"],
                      "facilitator_notes": "FAC-NOTE-3: reveal at k."}},
    ],
}


def no_print_dialog(page: Page) -> None:
    """The print dialog is the operating system's: count calls instead of opening it."""
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")


def print_handout_of(harness: Harness, plan: dict[str, Any]) -> Page:
    """A console with `plan` loaded and its handout printed, under print media."""
    console = harness.facilitator(k=3)
    load_plan_file(console, plan)
    no_print_dialog(console)
    console.get_by_role("button", name="Print handout").click()
    console.wait_for_function("() => window.printed === 1")
    console.emulate_media(media="print")
    return console


def nothing_cut(page: Page, selector: str) -> None:
    """Under print media: the sheet shows, fits the page width, and no element inside it is
    wider than its box or clipped. Measured once the page has drawn two frames in print media
    (a full run once caught a paragraph still laid out with no height, just after the switch)."""
    problems = page.evaluate(
        """async (selector) => {
          for (const _ of [1, 2]) await new Promise((drawn) => requestAnimationFrame(drawn));
          const sheet = document.querySelector(selector);
          const out = [];
          if (!sheet || sheet.getBoundingClientRect().height === 0) return ["the sheet is not shown"];
          const width = document.documentElement.clientWidth;
          for (const el of [sheet, ...sheet.querySelectorAll("*")]) {
            if (!el.checkVisibility()) continue;
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (box.right > width + 1) out.push(`${el.tagName} runs off the page`);
            if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== "visible") out.push(`${el.tagName} is clipped`);
            if (box.height === 0 && el.textContent.trim()) out.push(`${el.tagName} has no height`);
          }
          return out;
        }""",
        selector,
    )
    assert problems == [], problems


def load_plan_file(console: Page, plan: dict[str, object]) -> None:
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files(
        files=[{"name": "week5.json", "mimeType": "application/json",
                "buffer": json.dumps(plan).encode()}]
    )
    expect(console.get_by_role("heading", name=f"Plan: {plan['title']}")).to_be_visible()


def test_the_run_sheet_prints_with_notes_and_the_handout_without(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    load_plan_file(console, PLAN)
    no_print_dialog(console)
    console.get_by_role("button", name="Print run-sheet").click()
    assert console.evaluate("window.printed") == 1
    console.emulate_media(media="print")
    expect(console.locator("#app")).to_be_hidden()
    expect(console.locator(".topbar")).to_be_hidden()
    sheet = console.locator("#print-sheet")
    expect(sheet).to_be_visible()
    text = sheet.inner_text()
    for part in ("Run-sheet: Week five", "PREP-NOTE", "FAC-NOTE-1", "FAC-NOTE-2", "FAC-NOTE-3",
                 "Which is true?", "Two", "10 min (from 5 min)", PLAN["practice"]):
        assert part in text, part
    # as the screen's run-sheet: an untitled step named by its kind once, a timed step's timer
    # (it printed "3. Poll · Poll", and no timer)
    heads = sheet.locator(".run-step h3")
    expect(heads.nth(2)).to_have_text("3. Poll")
    expect(heads.nth(1)).to_have_text("2. Underneath · Reflection · 10 min (from 5 min) · timer 3:00")
    nothing_cut(console, "#print-sheet")

    console.emulate_media(media="screen")
    expect(sheet).to_be_hidden()
    expect(console.locator("#app")).to_be_visible()
    console.get_by_role("button", name="Print handout").click()
    console.emulate_media(media="print")
    text = sheet.inner_text()
    for part in ("Week five", "Welcome back.", "What did you notice underneath?",
                 PLAN["practice"], PLAN["support"], "we never ask your name"):
        assert part.lower() in text.lower(), part
    for secret in ("FAC-NOTE", "PREP-NOTE", "Notes:", "Which is true?"):
        assert secret not in text, secret
    assert "FAC-NOTE" not in sheet.inner_html()
    nothing_cut(console, "#print-sheet")


CARDS = {
    "en": "Between sessions, call the group line on 0800 111 222.",
    "es": "Entre sesiones, llama a la línea del grupo: 0800 111 222.",
    "ar": "بين الجلسات، اتصل بخط المجموعة على 0800 111 222.",
}


def test_the_handout_prints_the_support_card_in_every_language_it_has(harness: Harness) -> None:
    """A bilingual (here trilingual) group gets one paper: the card in each of its languages,
    each headed in its own language and marked with it (Arabic right to left)."""
    plan = {**PLAN, "languages": ["en", "es", "ar"], "support": CARDS["en"],
            "translations": {tag: {"title": PLAN["title"], "support": CARDS[tag]}
                             for tag in ("es", "ar")}}
    console = print_handout_of(harness, plan)
    cards = console.locator("#print-sheet .support-card")
    expect(cards).to_have_count(3)
    expect(cards.locator("p")).to_have_text([CARDS["en"], CARDS["es"], CARDS["ar"]])
    heading = "If you need support between sessions"
    expect(cards.locator("h2")).to_have_text([say(lang, heading) for lang in ("en", "es", "ar")])
    assert say("es", heading) != heading
    marks = cards.evaluate_all("(els) => els.map((el) => [el.lang, el.dir])")
    assert marks == [["", "ltr"], ["es", "ltr"], ["ar", "rtl"]], marks
    nothing_cut(console, "#print-sheet")

    # The room's card is what phones show: edited in the console, the handout prints it.
    console.emulate_media(media="screen")
    Harness.panel(console, "Support card")
    console.locator("#support-text-es").fill("Llama al 0900 333 444.")
    console.get_by_role("button", name="Save the support card").click()
    expect(console.locator("#support-text-es")).to_have_value("Llama al 0900 333 444.")
    console.get_by_role("button", name="Print handout").click()
    console.wait_for_function("() => window.printed === 2")
    expect(cards.locator("p")).to_have_text([CARDS["en"], "Llama al 0900 333 444.", CARDS["ar"]])


WEEK = {  # a plan's written items and practice in three languages (the second item lacks Arabic)
    "en": ["Welcome", "Welcome back.", "Underneath", "What did you notice underneath?",
           "Once a day, notice one small moment of honesty."],
    "es": ["Bienvenida", "Bienvenidos de nuevo.", "Debajo", "¿Qué notaste debajo?",
           "Una vez al día, fíjate en un pequeño momento de honestidad."],
    "ar": ["أهلًا", "أهلًا بعودتكم.", None, None, "مرة في اليوم، لاحظ لحظة صغيرة من الصدق."],
}  # fmt: skip


def test_the_handout_prints_each_prompt_and_the_practice_in_every_language(
    harness: Harness,
) -> None:
    """A plan in English, Spanish and Arabic: each written item and the practice print in each
    language that has its words, the plan's first first, each block marked lang and dir; a
    language without an item's words prints nothing for it (not the English twice)."""
    items = []
    for i, kind in enumerate(("prompt", "reflection")):
        words = {
            tag: {"title": WEEK[tag][2 * i], "text": WEEK[tag][2 * i + 1]}
            for tag in ("es", "ar")
            if WEEK[tag][2 * i]
        }
        activity = {"kind": kind, "title": WEEK["en"][2 * i], "text": WEEK["en"][2 * i + 1]}
        items.append({"activity": {**activity, "translations": words}})
    plan = {"format": "hearth-plan", "title": "Week five", "languages": ["en", "es", "ar"],
            "practice": WEEK["en"][4], "items": [*items, PLAN["items"][2]],
            "translations": {tag: {"practice": WEEK[tag][4]} for tag in ("es", "ar")}}  # fmt: skip
    console = print_handout_of(harness, plan)
    items_printed = console.locator("#print-sheet .handout-item")
    expect(items_printed).to_have_count(2)
    first, second = items_printed.all()
    blocks = first.locator(".in-language")
    expect(blocks.locator("h3")).to_have_text([WEEK[tag][0] for tag in ("en", "es", "ar")])
    expect(blocks.locator("p")).to_have_text([WEEK[tag][1] for tag in ("en", "es", "ar")])
    marks = blocks.evaluate_all("(els) => els.map((el) => [el.lang, el.dir])")
    assert marks == [["en", "ltr"], ["es", "ltr"], ["ar", "rtl"]], marks
    expect(second.locator(".in-language h3")).to_have_text([WEEK["en"][2], WEEK["es"][2]])
    practice = console.locator("#print-sheet > .in-language")
    expect(practice.locator("p")).to_have_text([WEEK[tag][4] for tag in ("en", "es", "ar")])
    assert practice.evaluate_all("(els) => els.map((el) => el.lang)") == ["en", "es", "ar"]
    assert "Which is true?" not in console.locator("#print-sheet").inner_text()
    nothing_cut(console, "#print-sheet")


def test_a_built_in_plan_hands_out_no_facilitator_note(harness: Harness) -> None:
    entry = load_library().plans[0]
    console = harness.facilitator(k=3)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=f"Use this plan: {entry.plan.title}").click()
    no_print_dialog(console)
    console.get_by_role("button", name="Print handout").click()
    console.wait_for_function("() => window.printed === 1")  # after other languages' headings
    console.emulate_media(media="print")
    html = console.locator("#print-sheet").inner_html()
    notes = [i.activity.facilitator_notes for i in entry.plan.items if i.activity.facilitator_notes]
    assert notes and not any(note[:40] in html for note in notes)
    assert entry.plan.notes[:40] not in html
    nothing_cut(console, "#print-sheet")


def test_the_run_sheet_prints_in_the_consoles_language(harness: Harness) -> None:
    """A plan taken in English, then the console turned to German: the paper says what the
    console's run-sheet says, in German, dated in German (not the browser's language)."""
    english, german = load_library().plans[0].plan, load_library("de").plans[0].plan
    console = harness.facilitator(k=3)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=f"Use this plan: {english.title}").click()
    console.get_by_label("Language").select_option("de")
    expect(console.get_by_role("heading", name=f"Plan: {german.title}")).to_be_visible()
    no_print_dialog(console)
    console.get_by_role("button", name=say("de", "Print run-sheet")).click()
    console.emulate_media(media="print")
    sheet = console.locator("#print-sheet")
    expect(sheet.locator("h1")).to_have_text(f"Ablaufplan: {german.title}")
    first = german.items[0].activity
    expect(sheet.locator(".run-step h3").first).to_contain_text(f"1. {first.title}")
    expect(sheet.locator(".run-step").first).to_contain_text(first.text[:40])
    month = console.evaluate("new Date().toLocaleDateString('de', { month: 'long' })")
    expect(sheet.locator(".meta")).to_contain_text(month)
    assert english.title not in sheet.inner_text()
    nothing_cut(console, "#print-sheet")


def test_the_privacy_sheet_is_one_printed_page(harness: Harness) -> None:
    page = harness.page()
    page.goto("/privacy")
    expect(page.get_by_role("heading", name="Your privacy in this session")).to_be_visible()
    text = page.locator("main").inner_text()
    for words in ("We never ask your name", "Answers are deleted when the session ends",
                  "results may still hint at who answered"):
        assert words.lower() in text.lower(), words
    for banned in ("completely anonymous", "untraceable", "securely erased", "HIPAA"):
        assert banned.lower() not in text.lower(), banned
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    expect(page.locator(".source-link")).to_be_hidden()
    nothing_cut(page, "main")
    pdf = page.pdf(format="A4", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "the privacy sheet must fit one page"


def test_paper_answers_reach_the_result_and_the_summary_exports(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phone = harness.phone(harness.code(console))
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("poll")
    console.get_by_label("Question or text").fill("What helps?")
    console.get_by_label("Options, one per line").fill("Honesty\nPatience\nTime")
    console.get_by_label("How results are shown").select_option("counts")
    console.get_by_role("button", name="Open on phones").click()
    phone.get_by_role("button", name="Honesty").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")
    others = phones(harness.live, {"code": harness.code(console)}, 3)
    aid = others[0].view["activity"]["id"]
    for other in others:
        other.answer(aid, {"kind": "choice", "option": 0})
    console.get_by_text("Add answers from paper").click()
    console.get_by_label("On paper: Honesty").fill("2")
    console.get_by_role("button", name="Add paper answers").click()
    expect(console.get_by_text("2 paper answers added")).to_be_visible()
    console.get_by_role("button", name="Reveal results").click()
    # 4 phones + 2 on paper = 6 for Honesty: at least k + 2 = 5, so shown
    expect(display.locator(".results")).to_contain_text("6 people answered")
    assert "paper" not in display.content().lower()
    expect(console.get_by_text("2 paper answers are included.")).to_be_visible()
    for other in others:
        other.close()

    harness.panel(console, "Across weeks")
    console.get_by_label("Label for the summary").fill("Week 5")
    with console.context.expect_page() as opened:
        console.get_by_role("button", name="Printable summary").click()
    summary = opened.value
    expect(summary.get_by_role("heading", name="Week 5")).to_be_visible()
    expect(summary.locator("main")).to_contain_text("added by hand")
    summary.emulate_media(media="print")
    expect(summary.get_by_role("button", name="Print")).to_be_hidden()
    nothing_cut(summary, "main")

    with console.expect_download() as downloading:
        console.get_by_role("button", name="Save as spreadsheet (CSV)").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".csv")
    path = download.path()
    assert path is not None
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["answer"], r["count"]) for r in rows] == [
        ("Honesty", "6"), ("Patience", "0"), ("Time", "0"), ("Answered", "6")]
    assert all("added by hand" in r["note"] for r in rows)
    expect(console.locator("#app")).to_be_visible()  # the console stayed where it was


def test_connect_help_and_the_screen_warning(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    # This test server's join address is 127.0.0.1: Hearth says phones cannot open it.
    help_box = console.locator("#connect-help")
    expect(help_box).to_have_attribute("open", "")
    expect(help_box).to_contain_text("points at this computer itself")
    for tip in ("Same network", "Guest Wi-Fi", "Phone hotspot", "Firewall"):
        expect(help_box).to_contain_text(tip)
    lan = console.evaluate(
        "import('/static/facilitator/help.js').then(m => m.detectedProblems('http://192.168.1.20:8000/join'))"
    )
    assert lan == []
    warning = console.locator("#screen-warning")
    expect(warning).to_be_hidden()
    display = harness.display(console)
    expect(warning).to_contain_text("The display window is on this screen")
    display.close()
    console.evaluate(  # what a display on a second screen, to the right, would say
        """() => new BroadcastChannel("hearth-screens").postMessage({kind: "display",
             screen: {left: screen.width, top: 0, width: 1920, height: 1080}})"""
    )
    expect(warning).to_be_hidden()
    assert re.search(r"extend, not mirror", console.content()) is None


def test_a_plan_with_nothing_to_hand_out_says_so_instead_of_printing(harness: Harness) -> None:
    """A plan of a word cloud and a scale printed a page with a title, a date and one sentence."""
    console = harness.facilitator(k=3)
    plan = {"format": "hearth-plan", "version": 1, "title": "Tonight", "items": [
        {"activity": {"kind": "words", "text": "One word for tonight?"}},
        {"activity": {"kind": "scale", "text": "How steady?", "points": 5}},
    ]}  # fmt: skip
    load_plan_file(console, plan)
    no_print_dialog(console)
    console.get_by_role("button", name="Print handout").click()
    expect(console.locator(".plan .inline-error")).to_contain_text("Nothing to hand out yet")
    assert console.evaluate("window.printed || 0") == 0
