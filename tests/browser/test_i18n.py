"""shared/static/i18n.js in real Chromium: the browser's language picked, the catalogue
loaded from the server, plural categories through Intl.PluralRules (no eval under the CSP),
<html lang dir> set (Arabic right to left), and each phone's words: its language, its side."""

from __future__ import annotations

from typing import Any

from tests.browser.harness import Harness

LOAD = """async (args) => {
  const m = await import('/static/shared/i18n.js');
  await m.load(args.lang);
  const html = document.documentElement;
  return {
    picked: m.pickLanguage(),
    lang: m.language(), htmlLang: html.lang, dir: html.dir,
    pass: m.t('Pass'), unknown: m.t('Not in any catalogue {x}', {x: 1}),
    counts: [0, 1, 2, 3, 11, 100].map((n) => m.plural('{n} person answered', '{n} people answered', n)),
    menu: m.languages().map((l) => l.name),
  };
}"""


def load(harness: Harness, locale: str, lang: str | None = None) -> dict[str, Any]:
    page = harness.page(locale=locale)
    page.goto("/join")
    result: dict[str, Any] = page.evaluate(LOAD, {"lang": lang})
    return result


def test_a_spanish_browser_gets_spanish(harness: Harness) -> None:
    got = load(harness, "es-ES")
    assert got["picked"] == "es" and got["lang"] == got["htmlLang"] == "es" and got["dir"] == "ltr"
    assert got["pass"] == "Pasar"
    assert got["unknown"] == "Not in any catalogue 1"  # English, the msgid, when missing
    assert (
        got["counts"][1] == "1 persona respondió" and got["counts"][3] == "3 personas respondieron"
    )
    assert "Español" in got["menu"] and "العربية" in got["menu"]


def test_arabic_is_right_to_left_with_six_plural_forms(harness: Harness) -> None:
    got = load(harness, "ar-EG")
    assert got["lang"] == "ar" and got["htmlLang"] == "ar" and got["dir"] == "rtl"
    assert got["pass"] == "تخطٍّ"
    assert len(set(got["counts"])) == 6  # zero, one, two, few, many, other
    assert "٣" in got["counts"][3] or "3" in got["counts"][3]


def test_a_portuguese_browser_falls_to_brazilian_and_a_choice_overrides(harness: Harness) -> None:
    assert load(harness, "pt-PT")["picked"] == "pt-BR"
    page = harness.page(locale="de-DE")
    page.goto("/join")
    chosen = page.evaluate(
        """async () => {
          const m = await import('/static/shared/i18n.js');
          const before = m.chosenLanguage();
          m.remember('fr');
          await m.load();
          return [before, m.chosenLanguage(), m.language(), m.t('I need a pause')];
        }"""
    )
    assert chosen == ["de", "fr", "fr", "J\u2019ai besoin d\u2019une pause"]


DEFINITION = {
    "kind": "poll",
    "lang": "en",
    "text": "What helps most this week?",
    "options": ["Honesty", "Patience", "Time"],
    "translations": {
        "es": {"text": "¿Qué te ayuda más?", "options": ["Honestidad", "Paciencia", "Tiempo"]}
    },
    "sides": {
        "hurt": {
            "text": "What helps you feel safer?",
            "translations": {"es": {"text": "¿Qué te da seguridad?"}},
        },
        "caused": {"text": "What helps you stay present?"},
    },
}


def test_each_phone_picks_its_language_and_its_side(harness: Harness) -> None:
    page = harness.page()
    page.goto("/join")
    words = page.evaluate(
        """async (d) => {
          const m = await import('/static/shared/i18n.js');
          return [
            m.words(d, 'es', 'hurt'), m.words(d, 'es', 'caused'), m.words(d, 'es-MX', null),
            m.words(d, 'ar', 'hurt'), m.words(d, 'en', 'caused'),
          ];
        }""",
        DEFINITION,
    )
    es_hurt, es_caused, es_mx, ar_hurt, en_caused = words
    assert es_hurt["text"] == "¿Qué te da seguridad?" and es_hurt["lang"] == "es"
    assert es_hurt["options"] == ["Honestidad", "Paciencia", "Tiempo"]
    # A side without Spanish words: the Spanish wording for everyone, not the side's English.
    assert es_caused["text"] == "¿Qué te ayuda más?"
    assert es_mx["text"] == "¿Qué te ayuda más?"  # the base language matches
    assert ar_hurt["text"] == "What helps you feel safer?" and ar_hurt["lang"] == "en"
    assert ar_hurt["options"] == ["Honesty", "Patience", "Time"]
    assert en_caused["text"] == "What helps you stay present?"
