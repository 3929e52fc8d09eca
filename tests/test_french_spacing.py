"""French punctuation never wraps alone: every French string a screen shows (both catalogues
and the library's French translations) has a non-breaking space before ? ! ; : and inside « »,
where the files have a plain one (a French phone showed "…en ce moment" and then "?" alone)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from server import i18n
from server.domain.library import load_library
from server.typography import french_spacing

LOOSE = re.compile(r" [?!;:»]|« ")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def test_french_spacing_binds_the_punctuation_and_leaves_the_rest() -> None:
    assert french_spacing("Comment allez-vous ? Bien ; merci !") == (
        "Comment allez-vous\u202f? Bien\u202f; merci\u202f!"
    )
    assert french_spacing("Note : « je n'ai jamais compté »") == (
        "Note\u00a0: «\u00a0je n'ai jamais compté\u00a0»"
    )
    assert french_spacing("{command} à 9:00, http://x") == "{command} à 9:00, http://x"


def test_every_french_string_a_screen_shows_keeps_its_punctuation_on_the_line() -> None:
    loose = []
    for domain in ("pages", "server"):
        for message in i18n.catalogue("fr", domain):
            if message.id:
                loose += [s for s in strings(message.string) if LOOSE.search(s)]
    plans = load_library()
    for entry in (*plans.plans, *plans.collections):
        french = [entry.plan.translations.get("fr")] + [
            item.activity.translations.get("fr") for item in entry.plan.items
        ]
        for words in filter(None, french):
            loose += [s for s in strings(words.model_dump()) if LOOSE.search(s)]
    assert loose == []
    # and the files did have them: the check above is not true by itself
    raw = (i18n.po_path("fr", "pages")).read_text("utf-8")
    assert LOOSE.search(raw)
