"""Where the pages live and how they are rendered: the front-end folders (in the package when
installed from a wheel, beside it in a checkout) and the one Jinja2 environment every page
route uses.

Templates speak the request's language (server/i18n.py: `?lang=`, else Accept-Language) through
`jinja2.ext.i18n`: `{% trans %}` blocks and `_()` read the "server" catalogue, and `<html lang
dir>` follows. Nothing about the language is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from server import i18n, launch
from server.domain.codes import CODE_ALPHABET, CODE_LENGTH
from server.http.catalogue_routes import languages

ROOT = Path(__file__).resolve().parents[1]  # the server package


def _assets(name: str) -> Path:
    """Front-end folders: in the package when installed from a wheel, beside it in a checkout."""
    packaged = ROOT / "assets" / name
    return packaged if packaged.is_dir() else ROOT.parent / name


# facilitator/ and participant/ hold each side's pages; shared/ the modules all three screens use.
ASSET_DIRS = {name: _assets(name) for name in ("facilitator", "participant", "shared")}


def _every_page(request: Request) -> dict[str, object]:
    # The join-code alphabet is defined once (server/domain/codes.py); the phone page reads it
    # from here.
    lang = i18n.request_lang.get()
    return {
        "source_url": request.app.state.settings.source_url or "/source",
        "code_alphabet": CODE_ALPHABET,
        "code_length": str(CODE_LENGTH),
        "lang": lang,
        "dir": "rtl" if lang in i18n.RIGHT_TO_LEFT else "ltr",
        "languages": languages(),  # for the plain pages' language links
    }


# Jinja2 formats what these return itself (newstyle): the messages carry no values here.
def gettext(message: str) -> str:
    return i18n.Msg(message, None, None, {}).in_language(i18n.request_lang.get())


def ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.Msg(singular, plural, n, {}).in_language(i18n.request_lang.get())


templates = Jinja2Templates(
    directory=[d / "templates" for d in ASSET_DIRS.values() if (d / "templates").is_dir()],
    context_processors=[_every_page],
)
templates.env.add_extension("jinja2.ext.i18n")
# `hearth` as the console tells a facilitator to type it on this computer (`hearth link`).
templates.env.globals["hearth_program"] = launch.hearth_program()
templates.env.policies["ext.i18n.trimmed"] = True  # a paragraph's msgid is one line of words
cast(Any, templates.env).install_gettext_callables(gettext, ngettext, newstyle=True)
