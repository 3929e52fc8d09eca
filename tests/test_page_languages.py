"""The server-rendered pages (privacy sheet, source, summary and its opener) in every shipped
language: `?lang=` or Accept-Language picks it, `<html lang dir>` follows, and no English
sentence of the template is left behind."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_file

from server import i18n
from server.domain.results import Cell, Result, Results
from server.domain.summary import Summary, SummaryEntry
from tests.support import LiveServer

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"/privacy": "privacy.html", "/source": "source.html", "/summary": "summary-open.html"}
SHOWN_SOMETIMES = {"The project's own page:"}  # only when the source lives elsewhere
pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    server = LiveServer.start()
    yield server
    server.stop()


def template_strings(name: str) -> list[str]:
    path = ROOT / "participant" / "templates" / name
    found = extract_from_file(
        "jinja2", str(path), keywords=i18n.KEYWORDS, options={"trimmed": "true"}
    )
    return [message for _line, message, _comments, _context in found]


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def summary() -> Summary:
    poll = Result(
        kind="poll",
        k=5,
        shown=True,
        answered=12,
        cells=[Cell(label="Rest", count=7), Cell(label="Talk", count=None)],
    )
    return Summary(
        date=dt.date(2026, 3, 4),
        title="Week 4",
        k=5,
        entries=[
            SummaryEntry(
                kind="poll",
                title="Helps",
                text="What helps?",
                labels=["Rest", "Talk"],
                results=Results(overall=poll),
                by_hand=True,
            ),
            SummaryEntry(kind="prompt", text="Say it", texts=["RELEASED-TEXT"]),
        ],
    )


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE])
@pytest.mark.parametrize("path", sorted(PAGES))
def test_every_plain_page_is_wholly_in_each_language(
    live: LiveServer, path: str, lang: str
) -> None:
    page = httpx.get(f"{live.base_url}{path}?lang={lang}").text
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page
    text = visible(page)
    for english in template_strings(PAGES[path]) + template_strings("base.html"):
        translated = i18n.translations(lang, "server").gettext(english)
        if translated != english and english not in SHOWN_SOMETIMES:
            assert visible(english) not in text, f"{path} in {lang} still says {english!r}"
            said = visible(translated).split("%(")[0]  # in the text, or an attribute the page uses
            raw = re.sub(r"\s+", " ", html.unescape(page))
            assert said in text or said in raw, f"{path} in {lang}: {said!r}"


def test_accept_language_picks_the_language_and_lang_overrides_it(live: LiveServer) -> None:
    spanish = httpx.get(live.base_url + "/privacy", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert '<html lang="es" dir="ltr">' in spanish.text
    assert "Tu privacidad en esta sesión" in spanish.text
    arabic = httpx.get(live.base_url + "/privacy?lang=ar", headers={"Accept-Language": "es"})
    assert '<html lang="ar" dir="rtl">' in arabic.text and "خصوصيتك في هذه الجلسة" in arabic.text
    english = httpx.get(live.base_url + "/privacy?lang=xx")  # not shipped: Accept-Language, then en
    assert '<html lang="en" dir="ltr">' in english.text
    # Each page links to itself in every language, the current one marked.
    assert 'href="?lang=de" lang="de"' in arabic.text
    assert 'href="?lang=ar" lang="ar" hreflang="ar" aria-current="page"' in arabic.text


def test_the_summary_page_and_spreadsheet_in_spanish(live: LiveServer) -> None:
    body = summary().model_dump_json()
    page = httpx.post(live.base_url + "/summary?lang=es", data={"summary": body})
    assert page.status_code == 200 and '<html lang="es" dir="ltr">' in page.text
    text = visible(page.text)
    for words in (
        "4 de marzo de 2026",
        "Encuesta",
        "Todo el grupo",
        "Respondieron",
        "no se muestra",  # Talk's count was withheld: "not shown", as on the screens
        "incluye respuestas en papel añadidas a mano",
        "Respuestas escritas compartidas con la sala",
        "cuando respondieron al menos 5 personas",
    ):
        assert words in text, words
    assert "Everyone" not in text and "fewer than" not in text and "March" not in text
    assert "What helps?" in text and "RELEASED-TEXT" in text  # the content stays as written
    sheet = httpx.post(live.base_url + "/summary.csv?lang=es", data={"summary": body}).text
    assert sheet.startswith("date,session,activity,kind,question,group,answer,count,note")
    assert "Todo el grupo" in sheet and "no se muestra" in sheet
    broken = httpx.post(live.base_url + "/summary?lang=de", data={"summary": "{}"})
    assert (
        broken.status_code == 422 and broken.text == "Das ist keine Hearth-Zusammenfassungsdatei."
    )


def test_the_summary_opener_posts_in_its_own_language(live: LiveServer) -> None:
    page = httpx.get(live.base_url + "/summary?lang=fr").text
    assert 'formaction="/summary?lang=fr"' in page and 'formaction="/summary.csv?lang=fr"' in page
    assert 'data-empty="Choisissez d\u2019abord un fichier de résumé."' in page
    script = (ROOT / "participant/static/summary-open.js").read_text()
    assert '"Pick a summary file first."' not in script  # its words come from the page


@pytest.mark.parametrize("name", [*sorted(PAGES.values()), "summary.html", "_languages.html"])
def test_no_words_in_a_plain_page_skip_the_catalogue(name: str) -> None:
    """Outside `{% trans %}` and `{{ }}`, a plain page's template holds markup and punctuation
    only: an English sentence written bare would stay English in every language."""
    source = (ROOT / "participant" / "templates" / name).read_text()
    names = r"{% block (?:stylesheet|script|body_class) %}.*?{% endblock %}"  # not words
    for pattern in (
        names,
        r"{% trans.*?{% endtrans %}",
        r"{{.*?}}",
        r"{%.*?%}",
        r"{#.*?#}",
        r"<[^>]*>",
    ):
        source = re.sub(pattern, " ", source, flags=re.S)
    assert not re.findall(r"[^\W\d_]{2,}", source), f"{name}: {source.split()}"
