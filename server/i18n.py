"""Message catalogues: every user-facing server string, in every shipped language.

Strings are written in English in the code, marked with `_()` or `ngettext()` (which return a
`Msg`: a str holding the English text, so logs, tests and callers that want English need nothing
more) and translated where they leave the server: an error frame in the socket's language (the
`lang` of its hello), an HTTP error in the language of Accept-Language. The catalogues are the
gettext .po files under server/locale/<lang>/LC_MESSAGES/, read with Babel when first used (the
app loads them at start-up): nothing is compiled or committed as .mo. English is the source
language and has no catalogue. The pages' strings are the "pages" domain, served as JSON
(server/http/catalogue_routes.py). Nothing here stores or logs a language.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import parse_qs

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.types import ASGIApp, Receive, Scope, Send

from server.typography import french_spacing

Lang = Literal["en", "es", "pt-BR", "fr", "de", "ar"]
LANGUAGES: tuple[str, ...] = get_args(Lang)
SOURCE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
DOMAINS = ("server", "pages")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# For Babel's extractor (tests/test_i18n.py); `gettext` is what `{% trans %}` blocks call.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


class Msg(str):
    """English text that remembers how to say itself in another language."""

    msgid: str
    plural: str | None
    number: int | None
    values: Mapping[str, object]

    def __new__(
        cls, msgid: str, plural: str | None, number: int | None, values: Mapping[str, object]
    ) -> Msg:
        english = plural if plural is not None and number != 1 else msgid
        self = super().__new__(cls, english.format(**values) if values else english)
        self.msgid, self.plural, self.number, self.values = msgid, plural, number, values
        return self

    def in_language(self, lang: str | None) -> str:
        if not lang or lang == SOURCE or lang not in LANGUAGES:
            return str(self)
        tr = translations(lang, "server")
        if self.plural is not None:
            text = tr.ngettext(self.msgid, self.plural, self.number or 0)
        else:
            text = tr.gettext(self.msgid)
        values = {key: localise(value, lang) for key, value in self.values.items()}
        try:
            return text.format(**values) if values else text
        except (KeyError, IndexError, ValueError):  # a broken translation: say it in English
            return str(self)


def _(msgid: str, **values: object) -> Msg:
    return Msg(msgid, None, None, values)


def ngettext(singular: str, plural: str, n: int, **values: object) -> Msg:
    return Msg(singular, plural, n, {"n": n, **values})


def localise(text: object, lang: str | None) -> object:
    """The text in `lang` when it was marked for translation; anything else as it is."""
    return text.in_language(lang) if isinstance(text, Msg) else text


def say(text: str, lang: str | None) -> str:
    return text.in_language(lang) if isinstance(text, Msg) else text


def localise_body(body: Any, lang: str | None) -> Any:
    """A JSON body with every marked message in `lang` (HTTP errors and plan problems)."""
    if isinstance(body, Msg):
        return body.in_language(lang)
    if isinstance(body, dict):
        return {key: localise_body(value, lang) for key, value in body.items()}
    if isinstance(body, list):
        return [localise_body(value, lang) for value in body]
    return body


# -- catalogues ------------------------------------------------------------------------------


def folder(lang: str) -> str:
    return lang.replace("-", "_")  # gettext spells pt-BR as pt_BR


def po_path(lang: str, domain: str) -> Path:
    return LOCALE_DIR / folder(lang) / "LC_MESSAGES" / f"{domain}.po"


def pot_path(domain: str) -> Path:
    return LOCALE_DIR / f"{domain}.pot"


@functools.cache
def catalogue(lang: str, domain: str) -> Catalog:
    """The .po file (or, for English, the template) as Babel reads it."""
    path = pot_path(domain) if lang == SOURCE else po_path(lang, domain)
    with path.open("rb") as fp:
        read = read_po(fp, locale=folder(lang), domain=domain)
    if lang == "fr":
        for message in read:
            if not message.id:
                continue  # the header: its Plural-Forms formula has " ? " of its own
            if isinstance(message.string, str):
                message.string = french_spacing(message.string)
            elif message.string:
                message.string = tuple(french_spacing(form) for form in message.string)
    return read


@functools.cache
def translations(lang: str, domain: str) -> gettext.GNUTranslations:
    """The catalogue compiled in memory, with its plural formula, so gettext can use it."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang, domain))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load() -> None:
    """Read every catalogue once (at start-up): a broken file stops the server, not a request."""
    for lang in LANGUAGES:
        for domain in DOMAINS:
            catalogue(lang, domain)
            if lang != SOURCE:
                translations(lang, domain)


# -- choosing a language ---------------------------------------------------------------------


def negotiate(accept_language: str) -> str:
    """The shipped language a browser's Accept-Language prefers most; English otherwise."""
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, index, tag.strip().lower()))
    by_lower = {lang.lower(): lang for lang in LANGUAGES}
    for _q, _i, tag in sorted(wanted):
        if tag in by_lower:
            return by_lower[tag]
        base = tag.split("-")[0]
        if base == "pt":
            return "pt-BR"  # the one Portuguese shipped
        if base in by_lower:
            return by_lower[base]
    return SOURCE


request_lang: ContextVar[str] = ContextVar("request_lang", default=SOURCE)


def chosen(query_string: bytes) -> str | None:
    """A shipped language named by `?lang=` (a page's language menu, or a screen that links or
    posts to a server-rendered page in its own language); None when there is none."""
    asked = parse_qs(query_string.decode("latin-1")[:500]).get("lang", [])
    return next((value for value in asked if value in LANGUAGES), None)


class RequestLanguage:
    """ASGI middleware: an HTTP request's language, for its replies and pages: `?lang=` when it
    names a shipped language, else Accept-Language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"accept-language"), b"")
        lang = chosen(scope.get("query_string", b"")) or negotiate(header.decode("latin-1")[:500])
        token = request_lang.set(lang)
        try:
            await self.app(scope, receive, send)
        finally:
            request_lang.reset(token)
