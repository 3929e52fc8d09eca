"""The console's key legend uses its buttons' own words: a German console said "B Anzeige
leeren" beside a button called "Anzeige ausblenden", and "R aufdecken" beside "Ergebnisse
zeigen", so the key did not read as the button's."""

from __future__ import annotations

import pytest

from server import i18n

SAME = [("blank the display", "Blank the display"), ("reveal", "Reveal results")]


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE])
def test_a_keys_words_are_its_buttons_words(lang: str) -> None:
    words = {m.id: m.string for m in i18n.catalogue(lang, "pages") if m.id}
    for legend, button in SAME:
        assert words[legend].casefold() == words[button].casefold(), (legend, button)


def test_clear_is_not_the_word_for_removing_a_step() -> None:
    """German "Entfernen" for Clear read as deleting, beside "Schritt {n} entfernen"."""
    for lang in i18n.LANGUAGES:
        if lang == i18n.SOURCE:
            continue
        words = {m.id: m.string for m in i18n.catalogue(lang, "pages") if m.id}
        assert words["Clear"].casefold() not in words["Remove step {n}"].casefold(), lang


def test_pausing_the_timer_and_stopping_it_are_told_apart() -> None:
    """Side by side in the bar, a German console said "Anhalten" and "Timer anhalten" for Pause
    and Stop timer, and an Arabic one "إيقاف مؤقت" and "إيقاف المؤقت": the same verb for both."""
    for lang in i18n.LANGUAGES:
        if lang == i18n.SOURCE:
            continue
        words = {m.id: m.string for m in i18n.catalogue(lang, "pages") if m.id}
        pause, stop = words["Pause"].casefold().split(), words["Stop timer"].casefold().split()
        assert pause[0] not in stop, (lang, pause, stop)
