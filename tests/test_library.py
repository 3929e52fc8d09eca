"""The built-in library: every file through the plan schema, the session arc, and the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

import server as server_package
from server.domain.interruptions import FEELINGS
from server.domain.library import HERE, THEMES, load_library
from server.domain.plans import load_plan, missing_translations
from server.domain.rooting import rooted
from server.i18n import LANGUAGES
from tests.support import LiveServer

# Words the library must not use: clinical labels, and promises we cannot keep.
AVOID = re.compile(
    r"diagnos|disorder|patholog|patient|narciss|addict|trauma bond|sex addict|"
    r"completely anonymous|untraceable|securely erased|hipaa",
    re.IGNORECASE,
)


def all_items() -> list[tuple[str, object, int | None]]:
    library = load_library()
    return [
        (entry.id, item.activity, item.minutes)
        for entry in (*library.plans, *library.collections)
        for item in entry.plan.items
    ]


def test_every_file_loads_through_the_plan_schema() -> None:
    files = sorted(HERE.glob("*/*.yaml"))
    assert len(files) >= 12
    for path in files:
        plan = load_plan(path.read_text("utf-8"), "yaml")
        expected = "session" if path.parent.name == "plans" else "collection"
        assert plan.kind == expected, path
    library = load_library()
    assert len(library.plans) >= 6
    loose = sum(len(entry.plan.items) for entry in library.collections)
    assert loose >= 30 and library.activity_count() >= 60
    kinds = {item.activity.kind for entry in library.collections for item in entry.plan.items}
    assert kinds == {"checkin", "scale", "prompt", "reflection", "poll", "words", "grounding"}


def test_sessions_follow_the_arc() -> None:
    """arrival -> anonymous check-in -> prompt on the theme -> timed reflection -> poll ->
    grounding -> closing check-in."""
    for entry in load_library().plans:
        items = [item.activity for item in entry.plan.items]
        kinds = [a.kind for a in items]
        first, last = items[0], items[-1]
        assert first.kind == "prompt" and first.theme == "arrival", entry.id
        assert "agreements" in first.text.lower() and "never ask your name" in first.text
        assert items[1].kind in ("checkin", "scale") and items[1].theme == "arrival", entry.id
        assert last.kind in ("checkin", "scale") and last.theme == "closing", entry.id
        theme_prompt = next(
            i for i, a in enumerate(items) if a.kind == "prompt" and a.theme in entry.plan.themes
        )
        reflection = kinds.index("reflection")
        poll = kinds.index("poll")
        grounding = kinds.index("grounding")
        assert 1 < theme_prompt < reflection < poll < grounding < len(items) - 1, entry.id
        assert all(item.minutes for item in entry.plan.items), entry.id
        assert 45 <= entry.plan.minutes <= 120, entry.id
        assert entry.plan.summary and entry.plan.notes, entry.id


def test_every_built_in_plan_and_item_speaks_every_language_of_the_pages() -> None:
    """A French, German, Portuguese or Arabic group gets the library in its own language on
    every phone, not in English: each plan lists every language, and each of its activities
    (and the plan's own words) carries a translation into each one but the first."""
    library = load_library()
    for entry in (*library.plans, *library.collections):
        plan = entry.plan
        assert sorted(plan.languages) == sorted(LANGUAGES), (entry.id, plan.languages)
        others = set(plan.languages[1:])
        assert set(plan.translations) == others, (entry.id, sorted(plan.translations))
        for item in plan.items:
            missing = others - set(item.activity.translations)
            assert not missing, (entry.id, item.activity.title, sorted(missing))


def test_every_activity_has_notes_a_known_theme_and_plain_words() -> None:
    with_notes = 0
    for source, activity, minutes in all_items():
        a = activity
        assert a.theme in THEMES, (source, a.theme)  # type: ignore[attr-defined]
        assert len(a.facilitator_notes) >= 20, (source, a.title)  # type: ignore[attr-defined]
        assert a.title and minutes, source  # type: ignore[attr-defined]
        for text in (a.title, a.text, a.facilitator_notes, a.content_note):  # type: ignore[attr-defined]
            assert not AVOID.search(text), (source, text)
        with_notes += bool(a.content_note)  # type: ignore[attr-defined]
    assert with_notes >= 8  # hard items carry a content note
    for path in HERE.glob("*/*.yaml"):
        assert not AVOID.search(path.read_text("utf-8")), path


def test_grounding_items_describe_a_pacer() -> None:
    grounding = [a for _, a, _ in all_items() if a.kind == "grounding"]  # type: ignore[attr-defined]
    assert len(grounding) >= 10
    for g in grounding:
        assert 60 <= g.seconds <= 600 and g.inhale >= 3 and g.exhale >= g.inhale  # type: ignore[attr-defined]


def test_library_is_packaged_with_the_server() -> None:
    # hatch ships everything under server/ (pyproject: packages = ["server"]).
    package = Path(server_package.__file__).resolve().parent
    assert package in HERE.parents and Path(HERE, "__init__.py").exists()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


async def test_library_api(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        everything = (await http.get("/api/library")).json()
        assert len(everything["plans"]) == len(load_library().plans)
        assert len(everything["activities"]) == len(all_items())
        assert {t["id"] for t in everything["themes"]} == set(THEMES)
        plan = everything["plans"][0]
        assert plan["items"][0]["activity"]["facilitator_notes"] and plan["minutes"] > 0
        assert plan["languages"][0] == "en"

        # a console in French asks for it in French first; an unknown language gets it as written
        french = (await http.get("/api/library", params={"lang": "fr"})).json()
        first = load_library().plans[0].plan
        assert french["plans"][0]["languages"][0] == "fr"
        assert french["plans"][0]["title"] == first.translations["fr"].title
        assert french["activities"][0]["activity"]["lang"] == "fr"
        labels = {theme["id"]: theme["label"] for theme in french["themes"]}
        assert labels["arrival"] == THEMES["arrival"].in_language("fr") != "Arrival and check-in"
        unknown = (await http.get("/api/library", params={"lang": "xx"})).json()
        assert unknown["plans"][0]["title"] == first.title

        impatience = (await http.get("/api/library", params={"theme": "impatience"})).json()
        assert impatience["activities"] and all(
            a["activity"]["theme"] == "impatience" for a in impatience["activities"]
        )
        assert 0 < len(impatience["plans"]) < len(everything["plans"])
        assert all(
            "impatience" in p["themes"]
            or any(i["activity"]["theme"] == "impatience" for i in p["items"])
            for p in impatience["plans"]
        )

        found = (await http.get("/api/library", params={"q": "Breathe CIRCLE"})).json()
        assert found["activities"] and all(
            "breathe" in (a["activity"]["text"] + a["activity"]["title"]).lower()
            and "circle" in (a["activity"]["text"] + a["activity"]["title"]).lower()
            for a in found["activities"]
        )
        nothing = (await http.get("/api/library", params={"q": "zzzzqqq"})).json()
        assert nothing["plans"] == [] and nothing["activities"] == []

        bad = await http.get("/api/library", params={"theme": "nope"})
        assert bad.status_code == 400


# -- honest content (docs/results.md, docs/facilitator-guide.md) --------------------------------

# A facilitator note must not rely on a count the threshold hides from the facilitator too.
NEEDS_A_COUNT = re.compile(
    r"\b(if|when|where)\b[^.;:]{0,50}\b(many|most|few|several|large|small|majority|half|lots|"
    r"nobody|no one|anyone|someone|one person|high|low)\b|"
    r"\bhow many\b|\bnumber of (people|answers)\b|\bcounts? (is|are|of|show)\b|fewer than k",
    re.IGNORECASE,
)
# An item that asks people to recall a painful moment, or touches shame, carries a content note.
NEEDS_A_NOTE = re.compile(
    r"\bshame|ashamed|painful|hardest|worst|discover|betray|when you (felt|were) (hurt|unsafe)|"
    r"a (time|moment) when|remember a|recall|lied|secret",
    re.IGNORECASE,
)
# Every grounding offers a way that does not use the breath.
WITHOUT_BREATH = re.compile(
    r"\b(feet|floor|chair|hands?|palms?|look around|name (three|five)|sounds?|colou?rs?|"
    r"something you can (see|touch|hear)|things you can (see|hear|touch)|eyes open)\b",
    re.IGNORECASE,
)
# Careless or unkind wording the library must not use.
CARELESS = re.compile(
    r"not in this room|question(ing)? (your |the )?certaint|loosen(ing)? certaint|"
    r"safe (have you felt )?at home|felt at home|who did (most|more)|did most of the|"
    r"keeping score",
    re.IGNORECASE,
)
CHOICE = ("poll", "checkin", "scale")


def test_notes_need_no_hidden_counts_and_point_to_explicit_signals() -> None:
    for source, activity, _ in all_items():
        a: object = activity
        notes = a.facilitator_notes  # type: ignore[attr-defined]
        assert not NEEDS_A_COUNT.search(notes), (source, a.title, notes)  # type: ignore[attr-defined]
        if a.kind == "checkin":  # type: ignore[attr-defined]
            assert "pause" in notes.lower(), (source, a.title)  # type: ignore[attr-defined]


def test_painful_items_carry_a_content_note() -> None:
    for source, activity, _ in all_items():
        a: object = activity
        text = f"{a.title} {a.text}"  # type: ignore[attr-defined]
        if NEEDS_A_NOTE.search(text) and a.kind != "grounding":  # type: ignore[attr-defined]
            assert a.content_note, (source, a.title)  # type: ignore[attr-defined]


def test_every_grounding_offers_a_way_without_the_breath() -> None:
    for source, activity, _ in all_items():
        if activity.kind == "grounding":  # type: ignore[attr-defined]
            assert WITHOUT_BREATH.search(activity.text), (source, activity.title)  # type: ignore[attr-defined]


def test_no_careless_wording_and_no_domestic_safety_screening() -> None:
    for path in HERE.glob("*/*.yaml"):
        text = path.read_text("utf-8")
        assert not CARELESS.search(text), (path.name, CARELESS.search(text))
        assert "how safe" not in text.lower(), path.name


def test_the_word_lists_catch_what_they_are_for() -> None:
    assert NEEDS_A_COUNT.search("If many answer 'Rarely safe', slow down.")
    assert NEEDS_A_COUNT.search("If 'Overwhelmed' is large, pause.")
    assert not NEEDS_A_COUNT.search("Read the order aloud; invite the pause button.")
    assert NEEDS_A_NOTE.search("Think of a moment when shame took over.")
    assert WITHOUT_BREATH.search("Or press your feet into the floor.")
    assert CARELESS.search("The old danger is not in this room.")


# -- one form of address in French ---------------------------------------------------------------

# The app's own French says "vous" to everyone; an activity that said "tu" would sit beside its
# buttons on the same screen. A tu-form: the pronouns and possessives (tu, te, toi, ton, ta, tes,
# t'), a verb turned round (arrives-tu, assure-toi), and an imperative of the tu-form with its
# pronoun after it (garde-le, dis-le; the vous-forms are gardez-le, dites-le).
TU_FORM = re.compile(
    r"(?<![\w\u2019'-])(?:tu|te|toi|ton|ta|tes)(?![\w\u2019'-])|-(?:tu|toi|te)\b|\bt[\u2019']|"
    r"\b\w+e-(?:le|la|les|moi|lui|leur|en)\b|\b(?:dis|lis|fais|prends|choisis|mets|sens|reviens)-",
    re.IGNORECASE,
)
# What may stay, lowercased, each exactly as the library writes it. Words one partner says to the
# other, quoted as partners say them (they say "tu" to each other; the app speaks to no one here),
# and "ton" the noun: the tone of the evening.
TU_ALLOWED = (
    "je n\u2019ai jamais compt\u00e9 pour toi",
    "est-ce que je compte pour toi",
    "regarde-moi, reste, dis-moi que \u00e7a a compt\u00e9",
    "d\u00e9p\u00eache-toi",
    "un ton doux",
)


def french_strings(node: object, french: bool = False) -> Iterator[str]:
    """Every string under a `fr:` mapping of any `translations`, however deep."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "translations" and isinstance(value, dict):
                for language, words in value.items():
                    yield from french_strings(words, french or language == "fr")
            else:
                yield from french_strings(value, french)
    elif isinstance(node, list):
        for value in node:
            yield from french_strings(value, french)
    elif isinstance(node, str) and french:
        yield node


def tu_forms(text: str, allowed: set[str]) -> list[str]:
    lowered = text.lower()
    for phrase in TU_ALLOWED:
        if phrase in lowered:
            allowed.add(phrase)
            lowered = lowered.replace(phrase, "")
    return [match.group(0) for match in TU_FORM.finditer(lowered)]


def test_the_french_library_says_vous_as_the_app_does() -> None:
    caught = "Comment arrives-tu ? | garde-le comme ta propre lecture | t\u2019aide | tes pieds | "
    caught += "Assure-toi que | dis-le si le nuage | pour toi. | Ton travail | te demander"
    for text in caught.split(" | "):
        assert tu_forms(text, set()), text
    fine = "Comment arrivez-vous ? | Gardez-le | Dites-le | Assurez-vous | vous-m\u00eame | "
    fine += "\u00e9tait toutes tentatives | tonalit\u00e9 | Que vous co\u00fbte-t-elle ? | "
    fine += "cette demande-l\u00e0 | Peut-\u00eatre | celle-ci | le va-et-vient | Cette"
    for text in fine.split(" | "):
        assert not tu_forms(text, set()), text

    allowed: set[str] = set()
    strings = 0
    for path in sorted(HERE.glob("*/*.yaml")):
        for text in french_strings(yaml.safe_load(path.read_text("utf-8"))):
            strings += 1
            assert not tu_forms(text, allowed), (path.name, tu_forms(text, set()), text)
    assert strings >= 500
    assert allowed == set(TU_ALLOWED)  # every exception is still needed

    catalogues = sorted(Path(server_package.__file__).parent.glob("locale/fr/LC_MESSAGES/*.po"))
    assert len(catalogues) >= 2
    for path in catalogues:
        translated = False
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("msgstr"):
                translated, line = True, line.partition(" ")[2]
            elif not (translated and line.startswith('"')):
                translated = False
            if translated:
                assert not tu_forms(line, set()), (path.name, line)


def test_the_new_plans_are_there() -> None:
    titles = {entry.id: entry.plan.title.lower() for entry in load_library().plans}
    assert any("first" in t for t in titles.values()), titles
    assert any("straight line" in t for t in titles.values()), titles


def test_the_quick_check_ins_four_feelings_read_the_same_in_every_library_list() -> None:
    """The room's "Quick check-in" offers four feelings in the server's words. A library
    check-in with those same four reads exactly as it does in every language (a group sees
    both in one evening, and the trends compare them), and in Spanish, German and Portuguese,
    whose lists share one style, each of the four reads the same wherever it appears."""
    feelings = {str(feeling): feeling for feeling in FEELINGS}
    library = load_library()
    checked = 0
    for entry in (*library.plans, *library.collections):
        for item in entry.plan.items:
            activity = item.activity
            if activity.kind != "checkin":
                continue
            english = list(activity.options)
            the_four = english == list(feelings)
            for lang, translation in activity.translations.items():
                if not (the_four or lang in ("es", "de", "pt-BR")) or not translation.options:
                    continue
                for word, translated in zip(english, translation.options, strict=True):
                    if word in feelings:
                        checked += 1
                        where = (entry.id, activity.title, lang, word, translated)
                        assert translated == feelings[word].in_language(lang), where
    assert checked >= 60


def test_the_library_comes_in_each_of_its_languages_first() -> None:
    """A console in French asks for the library in French: each plan's and activity's own words
    are then the French ones, the English become a translation, nothing is lost and nothing is
    added (rooted there and back, it is the plan it was, its languages in another order)."""
    for entry in (*load_library().plans, *load_library().collections):
        plan, first = entry.plan, entry.plan.languages[0]
        for lang in LANGUAGES:
            there = rooted(plan, lang)
            assert there.languages[0] == lang and sorted(there.languages) == sorted(LANGUAGES)
            assert not missing_translations(there)  # no phone falls back to another language
            words = plan.translations.get(lang)
            assert there.title == (words.title if words and words.title else plan.title)
            for before, after in zip(plan.items, there.items, strict=True):
                mine, theirs = before.activity, after.activity
                assert theirs.lang == lang
                if lang != first:
                    assert theirs.text == mine.translations[lang].text, (entry.id, lang)
                    assert theirs.translations[first].text == mine.text
                    assert getattr(theirs, "options", None) == (
                        mine.translations[lang].options or getattr(mine, "options", None)
                    )
            back = rooted(there, first).model_dump()
            assert {**back, "languages": None} == {**plan.model_dump(), "languages": None}
    with_gaps = load_library().plans[0].plan.model_copy(deep=True)
    del with_gaps.items[0].activity.translations["fr"]
    assert rooted(with_gaps, "fr") is with_gaps  # a language with gaps is not made first
