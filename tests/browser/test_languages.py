"""The issue's "done when", in one room and one browser: phones in English, Spanish and Arabic
(Spanish from the browser's locale, Arabic chosen in the phone's own menu), the projector in
German, one poll whose counts agree whatever language each option was shown in, and the Arabic
phone mirrored and clean under axe."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from server import i18n
from server.domain.results import Cell, Result, Results
from server.domain.summary import Summary, SummaryEntry
from server.http.catalogue_routes import languages, page_catalogue
from tests.browser.drive import facilitator, new_room, say
from tests.browser.harness import PHONE, PROJECTOR, Harness
from tests.browser.test_accessibility import assert_accessible

POLL = {
    "kind": "poll",
    "lang": "en",
    "text": "What helps most this week?",
    "options": ["Honesty", "Patience", "Time"],
    "result_style": "counts",
    "translations": {
        "es": {
            "text": "¿Qué te ayuda más esta semana?",
            "options": ["Honestidad", "Paciencia", "Tiempo"],
        },
        "ar": {"text": "ما الذي يساعدك أكثر هذا الأسبوع؟", "options": ["الصدق", "الصبر", "الوقت"]},
        "de": {
            "text": "Was hilft dir diese Woche am meisten?",
            "options": ["Ehrlichkeit", "Geduld", "Zeit"],
        },
    },
}


LANGUAGE_NAMES = {item["lang"]: item["name"] for item in languages()}
LOCALES = {"en": "en-US", "es": "es-ES", "fr": "fr-FR"}


def join(harness: Harness, code: str, locale: str, lang: str) -> Page:
    phone = harness.page(**PHONE, locale=locale)
    phone.goto("/join")
    phone.get_by_label(say(lang, "Session code")).fill(code)
    phone.get_by_role("button", name=say(lang, "Join"), exact=True).click()
    expect(phone.get_by_role("heading", name=say(lang, "You're in"))).to_be_visible()
    return phone


def test_phones_in_three_languages_and_a_german_projector_count_as_one(harness: Harness) -> None:
    room = new_room(harness.live, k=3)
    lead = facilitator(harness.live, room)
    display = harness.page(**PROJECTOR, locale="en-GB")
    display.goto(room["display_url"].removeprefix(harness.live.base_url))
    expect(display.get_by_role("heading", name="Join on your phone")).to_be_visible()
    display.get_by_label("Language").select_option("de")
    expect(display.get_by_role("heading", name=say("de", "Join on your phone"))).to_be_visible()
    assert display.evaluate("document.documentElement.lang") == "de"

    english = join(harness, room["code"], "en-US", "en")
    spanish = join(harness, room["code"], "es-ES", "es")  # from the browser's language
    arabic = join(harness, room["code"], "en-US", "en")
    arabic.get_by_role("button", name="More").click()
    arabic.get_by_label("Language").select_option("ar")  # switched at once, in the phone's menu
    expect(arabic.get_by_role("heading", name=say("ar", "You're in"))).to_be_visible()
    assert arabic.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    assert arabic.evaluate("sessionStorage.getItem('hearth.lang')") == "ar"

    lead.command({"type": "open", "activity": POLL})
    expect(english.get_by_text("What helps most this week?")).to_be_visible()
    expect(spanish.get_by_text("¿Qué te ayuda más esta semana?")).to_be_visible()
    expect(arabic.get_by_text("ما الذي يساعدك أكثر هذا الأسبوع؟")).to_be_visible()
    expect(display.locator(".text")).to_have_text("Was hilft dir diese Woche am meisten?")
    expect(display.locator(".options li")).to_have_text(["Ehrlichkeit", "Geduld", "Zeit"])

    # The same option, by position, in three languages.
    for phone, lang, label in (
        (english, "en", "Patience"),
        (spanish, "es", "Paciencia"),
        (arabic, "ar", "الصبر"),
    ):
        phone.get_by_role("button", name=label, exact=True).click()
        expect(phone.locator(".answer-status")).to_contain_text(
            say(
                lang, "Your answer is stored. It is hidden here; you can change it until it closes."
            )
        )
    lead.until(lambda m: m["type"] == "progress" and m["answered"] == 3)
    lead.command({"type": "reveal"})

    screens: list[tuple[Page, str, list[str]]] = [
        (display, "de", ["Ehrlichkeit", "Geduld", "Zeit"]),
        (english, "en", ["Honesty", "Patience", "Time"]),
        (spanish, "es", ["Honestidad", "Paciencia", "Tiempo"]),
        (arabic, "ar", ["الصدق", "الصبر", "الوقت"]),
    ]
    for screen, lang, labels in screens:
        bars = screen.locator(".results .bar")
        expect(bars.locator(".bar-label")).to_have_text(labels)
        expect(bars.locator(".bar-count")).to_have_text(["0", "3", "0"])
        answered = page_catalogue(lang)["messages"]["{n} person answered"]
        form = "few" if lang == "ar" else "other"  # Arabic's form for 3
        expect(screen.locator(".results .answered")).to_have_text(
            answered[form].replace("{n}", "3")
        )

    # Mirrored: in Arabic a bar grows from the right and its count sits at its left end.
    def track_and_count(phone: Page) -> tuple[float, float]:
        bar = phone.locator(".results .bar").nth(1)
        track, count = (bar.locator(s).bounding_box() for s in (".bar-track", ".bar-count"))
        assert track and count
        return track["x"], count["x"]

    track, count = track_and_count(arabic)
    assert track > count
    track, count = track_and_count(english)
    assert track < count
    assert arabic.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
    assert_accessible(arabic, "an Arabic phone with results")
    lead.close()


def test_the_console_names_missing_translations_and_keeps_its_own_language(
    harness: Harness, tmp_path: Path
) -> None:
    console = harness.facilitator(k=3)
    plan = {
        "format": "hearth-plan",
        "version": 1,
        "title": "Week 5",
        "languages": ["en", "es", "ar"],
        "items": [
            {
                "activity": {
                    "kind": "poll",
                    "text": "Pick one",
                    "options": ["Rest", "Talk"],
                    "translations": {
                        "es": {"text": "Elige una", "options": ["Descanso", "Hablar"]}
                    },
                }
            }
        ],
    }
    path = tmp_path / "week5.json"
    path.write_text(json.dumps(plan))
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files(str(path))
    expect(console.locator(".step")).to_have_count(1)
    missing = console.locator(".plan .missing .problems li")
    expect(missing).to_have_text(
        [
            re.compile(r"^translations\.es: .*title"),  # the plan's own title, in Spanish
            re.compile(r"^translations\.ar: .*title"),
            re.compile(r"^items\[0\]\.activity\.translations\.ar: .*text, options"),
        ]
    )

    # Its own language, apart from the phones' and the display's; the room stays through it.
    code = harness.code(console)
    console.get_by_label("Language").select_option("es")
    expect(console.get_by_role("button", name=say("es", "Open the display"))).to_be_visible()
    assert harness.code(console) == code
    assert console.evaluate("sessionStorage.getItem('hearth.console.lang')") == "es"
    assert console.evaluate("sessionStorage.getItem('hearth.lang')") is None

    # Right to left on the other two screens as well, and clean under axe there too.
    console.get_by_label(say("es", "Language")).select_option("ar")
    expect(console.get_by_role("button", name=say("ar", "Open the display"))).to_be_visible()
    assert console.evaluate("document.documentElement.dir") == "rtl"
    assert_accessible(console, "an Arabic console")
    room = new_room(harness.live, k=3)
    display = harness.page(**PROJECTOR, locale="ar-EG")
    display.goto(room["display_url"].removeprefix(harness.live.base_url))
    expect(display.get_by_role("heading", name=say("ar", "Join on your phone"))).to_be_visible()
    assert display.evaluate("document.documentElement.dir") == "rtl"
    assert_accessible(display, "an Arabic display")


def test_the_welcome_screen_changes_language_before_joining(harness: Harness) -> None:
    phone = harness.page(**PHONE, locale="en-US")
    phone.goto("/join")
    phone.get_by_label("Session code").fill("ABC")
    phone.locator("#welcome-language").focus()  # as a keyboard reaches it
    phone.locator("#welcome-language").select_option("fr")  # (the menu's own waits until joined)
    expect(phone.get_by_role("heading", name=say("fr", "Welcome"))).to_be_visible()
    expect(phone.get_by_label(say("fr", "Session code"))).to_have_value("ABC")  # kept
    expect(phone.locator("#welcome-language")).to_be_focused()
    assert phone.evaluate("sessionStorage.getItem('hearth.lang')") == "fr"
    phone.reload()  # this tab remembers the choice
    expect(phone.get_by_role("heading", name=say("fr", "Welcome"))).to_be_visible()


def test_the_plain_pages_come_in_the_readers_language(harness: Harness, tmp_path: Path) -> None:
    """The privacy sheet in Arabic (from the browser) is right to left, translated, clean under
    axe and still one printed page in every language; its language links switch it."""
    privacy = harness.page(locale="ar-EG")
    privacy.goto("/privacy")
    expect(privacy.get_by_role("heading", name="خصوصيتك في هذه الجلسة", level=1)).to_be_visible()
    assert privacy.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    assert privacy.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
    text = privacy.locator("main").inner_text()
    assert "لا نطلب اسمك أبدًا" in text and "We never ask your name" not in text
    assert_accessible(privacy, "the privacy sheet in Arabic")
    for lang in i18n.LANGUAGES:
        privacy.get_by_role("link", name=LANGUAGE_NAMES[lang], exact=True).click()
        expect(privacy.locator("html")).to_have_attribute("lang", lang)
        privacy.emulate_media(media="print")
        expect(privacy.locator(".page-languages")).to_be_hidden()
        pdf = privacy.pdf(format="A4", print_background=False)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, f"{lang}: more than one page"
        privacy.emulate_media(media="screen")

    # A saved summary opened from a Spanish browser: the opener, its message, the page.
    poll = Result(kind="poll", k=5, shown=True, answered=6, cells=[Cell(label="Descanso", count=6)])
    results = Results(overall=poll)
    entry = SummaryEntry(kind="poll", title="Ayuda", text="¿Qué ayuda?", results=results)
    summary = Summary(date=dt.date(2026, 3, 4), title="Semana 4", k=5, entries=[entry])
    path = tmp_path / "hearth-summary-2026-03-04.json"
    path.write_text(summary.model_dump_json())
    opener = harness.page(locale="es-ES")
    opener.goto("/summary")
    opening = opener.get_by_role("heading", name="Leer o imprimir un resumen guardado")
    expect(opening).to_be_visible()
    opener.get_by_role("button", name="Mostrar como página").click()
    expect(opener.get_by_role("alert")).to_have_text("Primero elige un archivo de resumen.")
    # its file button in the page's words (not the browser's), then the file's own name
    expect(opener.locator("label.file-button")).to_have_text("Elegir un archivo…")
    expect(opener.locator("#summary-chosen")).to_have_text("Aún no has elegido ningún archivo.")
    opener.get_by_label("Archivo de resumen").set_input_files(str(path))
    expect(opener.locator("#summary-chosen")).to_have_text("hearth-summary-2026-03-04.json")
    opener.get_by_role("button", name="Mostrar como página").click()
    expect(opener.get_by_role("heading", name="Semana 4", level=1)).to_be_visible()
    assert opener.evaluate("document.documentElement.lang") == "es"
    sheet = opener.locator("main").inner_text()
    for words in ("4 de marzo de 2026", "Encuesta", "Todo el grupo", "Respondieron"):
        assert words in sheet, words
    assert_accessible(opener, "a summary page in Spanish")


def support_card(phone: Page, lang: str, text: str, text_lang: str) -> None:
    """The phone's Support dialog (from More) shows `text`, marked as in `text_lang`."""
    phone.get_by_role("button", name=say(lang, "More"), exact=True).click()
    phone.get_by_role("button", name=say(lang, "Support"), exact=True).click()
    dialog = phone.get_by_role("dialog")
    first = dialog.locator("#support-body p").first  # redrawn if the card changes while open
    expect(first).to_have_text(text)
    expect(first).to_have_attribute("lang", text_lang)
    dialog.get_by_role("button", name=say(lang, "Close"), exact=True).click()
    expect(dialog).to_be_hidden()


def test_each_phone_reads_the_support_card_in_its_own_language(
    harness: Harness, tmp_path: Path
) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    phones = {lang: join(harness, code, locale, lang) for lang, locale in LOCALES.items()}
    harness.panel(console, "Support card")
    english = "Call the group line: 0800 000 000."
    spanish_card = "Llama a la línea del grupo: 0800 000 000."
    console.get_by_role("textbox", name="Support card").fill(english)
    console.get_by_label("Language of the card").select_option("en")
    console.get_by_label("Add the card in another language…").select_option("es")
    spanish = console.get_by_label("The card in Español")
    expect(spanish).to_be_focused()
    spanish.fill(spanish_card)
    console.get_by_role("button", name="Save the support card").click()
    support_card(phones["en"], "en", english, "en")
    support_card(phones["es"], "es", spanish_card, "es")
    support_card(phones["fr"], "fr", english, "en")  # none in French: the first
    assert_accessible(console, "the support card panel in two languages")

    # A plan carrying the card translated loads it, each language in its place.
    plan = {
        "format": "hearth-plan", "version": 1, "title": "Week 6", "languages": ["en", "es"],
        "support": "Step out whenever you need to.",
        "translations": {"es": {"title": "Semana 6", "support": "Sal cuando lo necesites."}},
        "items": [{"activity": {"kind": "prompt", "text": "Breathe",
                                "translations": {"es": {"text": "Respira"}}}}],
    }  # fmt: skip
    path = tmp_path / "week6.json"
    path.write_text(json.dumps(plan))
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files(str(path))
    expect(console.locator(".step")).to_have_count(1)
    expect(console.get_by_label("The card in Español")).to_have_value("Sal cuando lo necesites.")
    support_card(phones["es"], "es", "Sal cuando lo necesites.", "es")
    support_card(phones["fr"], "fr", "Step out whenever you need to.", "en")
