"""The catalogues: every marked server string is in every language, nothing is left unmarked,
and screens get their own language (socket hello, Accept-Language, the pages' JSON)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from server import i18n
from server.http.catalogue_routes import categories, page_catalogue
from tests.support import Client, LiveServer

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.fast


def ids(domain: str, lang: str) -> dict[Any, Any]:
    catalogue = i18n.catalogue(lang, domain)
    return {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalogue if m.id}


def extracted_server() -> set[Any]:
    """The server domain's strings, extracted as docs/languages.md says: the Python code and the
    server-rendered templates (`{% trans %}`, `_()`), with the same map (server/locale/server.cfg)."""
    with (ROOT / "server/locale/server.cfg").open() as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=i18n.KEYWORDS
    ):
        found.add(message)
    return found


def test_extraction_finds_nothing_new_and_nothing_stale() -> None:
    assert extracted_server() == set(ids("server", "en"))


def test_template_strings_are_extracted() -> None:
    """A new sentence marked in a template reaches the check above (so it fails untranslated)."""
    strings = extracted_server()
    assert "Your privacy in this session" in strings  # {{ _() }}
    assert any(str(s).startswith("This group uses Hearth") for s in strings)  # {% trans %}
    assert any("%(k)s people had answered" in str(s) for s in strings)  # with a value


@pytest.mark.parametrize("domain", i18n.DOMAINS)
@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE])
def test_every_catalogue_is_complete(domain: str, lang: str) -> None:
    template, catalogue = ids(domain, "en"), ids(domain, lang)
    assert set(catalogue) == set(template), f"{lang}/{domain}.po differs from {domain}.pot"

    def names(text: str) -> set[str]:  # {name} in code, %(name)s in templates' {% trans %}
        return {f for _, f, _, _ in string.Formatter().parse(text) if f} | set(
            re.findall(r"%\((\w+)\)s", text)
        )

    for key, message in catalogue.items():
        assert "fuzzy" not in message.flags, key
        forms = [message.string] if isinstance(key, str) else list(message.string)
        assert forms and all(forms), f"{lang}: no translation for {key!r}"
        wanted = names(key if isinstance(key, str) else key[1])
        for form in forms:  # a placeholder may be dropped in a form ("one word"), never invented
            assert names(form) <= wanted | {"n"}, f"{lang}: {form!r}"
            if isinstance(key, str):
                assert names(form) == wanted, f"{lang}: {form!r} loses a placeholder"


MESSAGE_CALLS = {"CommandError": 1, "AnswerError": 0, "PaperError": 0, "Problem": 1, "_error": 1}


def test_no_user_facing_server_string_skips_the_catalogue() -> None:
    """Error messages are marked: a bare literal (or f-string) where one goes fails here."""
    bare = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                at = MESSAGE_CALLS.get(name or "")
                if at is not None and len(node.args) > at:
                    values.append(node.args[at])
            if isinstance(node, ast.Dict):
                values += [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "message"
                ]
            for value in values:
                if isinstance(value, ast.JoinedStr) or (
                    isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value
                ):
                    bare.append(f"{path.relative_to(ROOT)}:{value.lineno}")
    assert not bare, f"mark these with _() (server/i18n.py): {bare}"


PAGE_FOLDERS = ("participant/static", "facilitator/static", "shared/static")


def called_by_pages() -> set[Any]:
    """t("...") and plural("...", "...") in the pages' modules."""
    used = set()
    for folder in PAGE_FOLDERS:
        for _f, _l, message, _c, _x in extract_from_dir(
            str(ROOT / folder),
            method_map=[("**.js", "javascript")],
            keywords={"t": None, "plural": (1, 2)},
        ):
            used.add(message if isinstance(message, str) else tuple(message))
    return used


def markup_words() -> set[str]:
    """data-i18n (text) and data-i18n-label (aria-label) in the templates."""
    used: set[str] = set()
    for path in ROOT.glob("*/templates/*.html"):
        used |= set(re.findall(r'data-i18n(?:-label)?="([^"]+)"', path.read_text()))
    return used


def test_pages_use_only_catalogued_strings() -> None:
    """t("...") and plural("...") in the pages' modules are all in the pages catalogue."""
    assert called_by_pages() <= set(ids("pages", "en"))


def test_the_pages_catalogue_holds_nothing_stale() -> None:
    """Every pages msgid is still said by a page (a call or the markup), as extraction finds
    nothing stale in server.pot: a sentence no page says any more would be translated for
    nothing, and a reader of the catalogue would take it for something a screen shows."""
    stale = set(ids("pages", "en")) - called_by_pages() - markup_words()
    assert not stale, f"remove from pages.pot and every pages.po: {sorted(stale, key=str)}"


def test_no_page_string_hides_from_extraction() -> None:
    """Babel's extractor does not look inside template literals: a t() there would go unchecked."""
    hidden = []
    for folder in PAGE_FOLDERS:
        for path in sorted((ROOT / folder).glob("*.js")):
            hidden += [
                f"{path.name}: {m}" for m in re.findall(r"\$\{\s*(?:t|plural)\(", path.read_text())
            ]
    assert not hidden


# A property a person reads or hears, set to a bare string with a letter in it: h("input",
# { placeholder: "e.g. Week 3" }) stays English on every screen (t() is what extraction finds).
READ_PROPERTY = re.compile(
    r'(?:\btext|placeholder|"aria-label"|\btitle|\balt|\blabel)\s*:\s*"[^"]*[A-Za-z][^"]*"'
)


def test_no_page_sets_words_a_person_reads_without_the_catalogue() -> None:
    bare = []
    for folder in PAGE_FOLDERS:
        for path in sorted((ROOT / folder).glob("*.js")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("//", 1)[0]
                bare += [f"{path.name}:{number}: {m}" for m in READ_PROPERTY.findall(code)]
    assert not bare, f"wrap in t(): {bare}"


def test_markup_words_are_catalogued() -> None:
    """data-i18n (text) and data-i18n-label (aria-label) in the templates name catalogue entries."""
    used = markup_words()
    assert used and used <= set(ids("pages", "en"))


def test_plural_forms_follow_each_language() -> None:
    message = i18n.ngettext("Give one word.", "Give between 1 and {n} words.", 2)
    assert str(message) == "Give between 1 and 2 words."
    assert message.in_language("es") == "Escribe entre 1 y 2 palabras."
    assert i18n.ngettext("Give one word.", "Give between 1 and {n} words.", 1).in_language(
        "de"
    ) == ("Schreib ein Wort.")
    two = i18n.ngettext("Give one word.", "Give between 1 and {n} words.", 2).in_language("ar")
    three = i18n.ngettext("Give one word.", "Give between 1 and {n} words.", 3).in_language("ar")
    assert two != three and "3" in three  # Arabic has a dual


def test_accept_language_is_negotiated_to_a_shipped_language() -> None:
    assert i18n.negotiate("fr-CA,fr;q=0.9,en;q=0.5") == "fr"
    assert i18n.negotiate("pt-PT") == "pt-BR"
    assert i18n.negotiate("it, de;q=0.3") == "de"
    assert i18n.negotiate("ar;q=0, es") == "es"
    assert i18n.negotiate("") == "en"


def test_the_pages_catalogue_carries_plural_categories_and_direction() -> None:
    arabic = page_catalogue("ar")
    assert arabic["dir"] == "rtl" and page_catalogue("es")["dir"] == "ltr"
    assert categories("ar") == ["zero", "one", "two", "few", "many", "other"]
    entry = arabic["messages"]["{n} person answered"]
    assert set(entry) == {"zero", "one", "two", "few", "many", "other"}
    assert page_catalogue("es")["messages"]["Pass"] == "Pasar"
    english = page_catalogue("en")["messages"]
    assert english["{n} person answered"] == {
        "one": "{n} person answered",
        "other": "{n} people answered",
    }
    assert {item["lang"] for item in arabic["languages"]} == set(i18n.LANGUAGES)


@pytest.fixture(scope="module")
def live() -> Any:
    server = LiveServer.start()
    yield server
    server.stop()


async def test_error_frames_come_in_the_language_of_hello(live: LiveServer) -> None:
    for lang, expected in (
        ("es", "No hay ninguna sesión"),
        ("ar", "لا توجد جلسة"),
        (None, "No session"),
    ):
        hello: dict[str, Any] = {"role": "participant", "code": "ZZZZZZ"}
        if lang:
            hello["lang"] = lang
        client = await Client.connect(live.ws_url, **hello)
        frame = await client.expect("error")
        assert frame["code"] == "no_room" and frame["message"].startswith(expected)
        await client.close()


async def test_a_language_that_is_not_shipped_is_refused(live: LiveServer) -> None:
    client = await Client.connect(live.ws_url, role="participant", code="ZZZZZZ", lang="xx")
    frame = await client.expect("error")
    assert frame["code"] == "invalid" and "lang" in frame["message"]
    await client.close()


async def test_sync_changes_the_language_of_later_errors(live: LiveServer) -> None:
    room = await live.create_room()
    phone = await Client.connect(live.ws_url, role="participant", code=room["code"], lang="de")
    await phone.expect("snapshot")
    await phone.send(
        {"type": "answer", "id": 1, "activity": "a1", "ballot": "b" * 20, "value": {"kind": "pass"}}
    )
    assert (await phone.expect("error"))[
        "message"
    ] == "Diese Aktivität nimmt keine Antworten mehr an."
    await phone.send({"type": "sync", "lang": "fr"})
    await phone.send(
        {"type": "answer", "id": 2, "activity": "a1", "ballot": "b" * 20, "value": {"kind": "pass"}}
    )
    frame = await phone.expect("error")
    assert frame["message"] == "Cette activité ne prend plus de réponses."
    await phone.close()


async def test_http_errors_follow_accept_language(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        reply = await http.post("/api/rooms", headers={"Accept-Language": "pt-BR,pt;q=0.8"})
        assert reply.status_code == 401
        assert reply.json()["message"] == "O segredo do servidor está faltando ou errado."
        reply = await http.post("/api/rooms")
        assert reply.json()["message"] == "The host secret is missing or wrong."
        catalogue = await http.get("/i18n/ar.json")
        assert catalogue.json()["dir"] == "rtl"
        assert (await http.get("/i18n/xx.json")).status_code == 404


def test_passing_reads_as_the_pass_button_says() -> None:
    """A phone that pressed "Pass" reads that it passed, in the same verb: in Portuguese the
    button said "Passar" and the status "Você pulou" (you skipped), which reads as another act."""
    words = {"pt_BR": "pass", "es": "pas", "fr": "pass", "de": "aus(ge)?setz", "ar": "تخط|تجاوز"}
    for lang, stem in words.items():
        catalogue = ids("pages", lang)
        for said in (
            "Pass",
            "Pass instead",
            "Passed",
            "You passed. You can still answer until it closes.",
            "You passed. Answers are closed now.",
        ):
            translated = str(catalogue[said].string)
            assert re.search(stem, translated, re.IGNORECASE), (lang, said, translated)


def test_german_says_du_and_spanish_tu_as_their_libraries_do() -> None:
    """Each speaks to the reader one way everywhere, as its library does ("Wie kommst du
    an?", "¿Cómo llegas?"): two sentences said "Sie"/"Ihnen" and "usted", the formal address,
    to the same facilitator. German: a formal pronoun after a verb or a conjunction, and its
    cases mid-sentence ("Sie" opening a sentence is also "she", "it" or "they")."""
    formal = {
        "de": re.compile(r"\b(Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer)\b|(?<![.!?:] )(?<!^)\bSie\b"),
        "es": re.compile(r"\busted(es)?\b", re.IGNORECASE),
    }
    for lang, pattern in formal.items():
        for domain in ("pages", "server"):
            for message in ids(domain, lang).values():
                forms = message.string if isinstance(message.string, tuple) else (message.string,)
                for said in forms:
                    assert not pattern.search(str(said)), (lang, domain, message.id, said)


def test_french_writes_the_typographic_apostrophe_as_its_library_does() -> None:
    """A French screen showed "Révélé jusqu'ici" in its buttons beside "Ouvrir l\u2019affichage"
    and the library's pause button: one apostrophe, the typographic one (U+2019), throughout."""
    for domain in ("pages", "server"):
        for message in ids(domain, "fr").values():
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            for said in forms:
                assert "'" not in str(said), (domain, message.id, said)
