"""The pages' catalogue as JSON: GET /i18n/<lang>.json, for shared/static/i18n.js.

The pages have no build step and the CSP forbids eval, so a gettext plural formula cannot run in
the browser. Each plural entry is sent keyed by CLDR category instead ("one", "few", "other"...),
which the page picks with Intl.PluralRules. Built once per language from the same .po files.
"""

from __future__ import annotations

import functools
import gettext
from typing import Any

from babel import Locale
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import i18n
from server.i18n import _

Entry = str | dict[str, str]
SAMPLES = [*range(0, 300), 10**6, 2 * 10**6]


def categories(lang: str, domain: str = "pages") -> list[str]:
    """The CLDR plural category of each gettext plural form of this language's catalogue."""
    catalogue = i18n.catalogue(lang, domain)
    form = gettext.c2py(catalogue.plural_expr)
    rule = Locale.parse(i18n.folder(lang)).plural_form
    out = []
    for index in range(catalogue.num_plurals):
        n = next((n for n in SAMPLES if form(n) == index), None)
        out.append(rule(n) if n is not None else "other")
    return out


@functools.cache
def page_catalogue(lang: str) -> dict[str, Any]:
    catalogue = i18n.catalogue(lang, "pages")
    names = categories(lang) if lang != i18n.SOURCE else ["one", "other"]
    messages: dict[str, Entry] = {}
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, str):
            messages[message.id] = str(message.string) if lang != i18n.SOURCE else message.id
            continue
        forms = [str(f) for f in (message.string if lang != i18n.SOURCE else message.id) or ()]
        entry: dict[str, str] = {}
        for name, text in zip(names, forms, strict=False):
            entry.setdefault(name, text)  # two forms may share a category: the first is plainest
        entry.setdefault("other", forms[-1])
        messages[message.id[0]] = entry
    return {
        "lang": lang,
        "dir": "rtl" if lang in i18n.RIGHT_TO_LEFT else "ltr",
        "languages": languages(),
        "messages": messages,
    }


@functools.cache
def languages() -> list[dict[str, str]]:
    """Each shipped language by its own name, for a language menu."""
    out = []
    for lang in i18n.LANGUAGES:
        name = Locale.parse(i18n.folder(lang)).get_display_name() or lang
        out.append({"lang": lang, "name": name[:1].upper() + name[1:]})
    return out


async def catalogue_json(request: Request) -> Response:
    lang = request.path_params["lang"]
    if lang not in i18n.LANGUAGES:
        message = _("There is no catalogue for that language.").in_language(i18n.request_lang.get())
        return JSONResponse({"error": "no_language", "message": message}, status_code=404)
    return JSONResponse(page_catalogue(lang), headers={"Cache-Control": "public, max-age=300"})


def routes() -> list[Route]:
    return [Route("/i18n/{lang}.json", catalogue_json, methods=["GET"])]
