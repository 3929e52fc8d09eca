"""An activity's words in other languages, and for each side of a couple.

An activity's own fields are in its `lang` (a plan's first language). `translations` holds the
same words in other languages; `sides` holds the words a side sees instead (the hurt partner,
the partner who caused the hurt), with their own `translations`. Any field left out falls back,
so a translation may carry only `text`. The server never picks: views carry all of it and each
phone chooses its language and its side's words (docs/plan-format.md says in what order).
Options are identified by their place: every wording of a poll has the same number of options,
so an answer counts as the same option whatever language it was shown in.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from server.domain.models import Strict
from server.i18n import Msg, _

LangTag = Annotated[
    str,
    Field(
        min_length=2,
        max_length=20,
        pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$",
        description="A language tag: es, pt-BR, zh-Hant, es-419.",
    ),
]
Side = Literal["hurt", "caused"]
Label = Annotated[str, Field(min_length=1, max_length=120)]
MAX_LANGUAGES = 12
# The support card: each language's text, and all of them together (a phone's view carries
# every language of it, so the total bounds what the card adds to each view).
CARD_CHARS = 2000
CARD_TOTAL = 6000
CardText = Annotated[str, Field(max_length=CARD_CHARS)]


class Words(Strict):
    """What a phone reads, in one language or for one side. Left out: the activity's own."""

    title: Annotated[str, Field(max_length=120)] | None = None
    text: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    content_note: Annotated[str, Field(max_length=300)] | None = None
    options: list[Label] | None = Field(default=None, min_length=2, max_length=12)
    low_label: Annotated[str, Field(max_length=60)] | None = None
    high_label: Annotated[str, Field(max_length=60)] | None = None


class Translation(Words):
    """The activity in another language; facilitator notes reach the console only."""

    facilitator_notes: Annotated[str, Field(max_length=2000)] | None = None


class SideWords(Words):
    """What one side reads instead, in the activity's language and in others."""

    translations: dict[LangTag, Words] = Field(default_factory=dict, max_length=MAX_LANGUAGES)


class PlanWords(Strict):
    """A plan's own fields in another language (the console, the handout, the support card)."""

    title: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    summary: Annotated[str, Field(max_length=1000)] | None = None
    content_note: Annotated[str, Field(max_length=300)] | None = None
    notes: Annotated[str, Field(max_length=4000)] | None = None
    practice: Annotated[str, Field(max_length=2000)] | None = None
    support: Annotated[str, Field(max_length=2000)] | None = None


PLAN_FIELDS = ("title", "summary", "content_note", "notes", "practice", "support")
PHONE_FIELDS = ("title", "text", "content_note", "options", "low_label", "high_label")


def check(activity: Any) -> None:
    """Raise ValueError when a wording cannot stand in for the activity's own words."""
    options = getattr(activity, "options", None)
    wordings: list[tuple[str, Words]] = [
        (f"translations.{lang}", words) for lang, words in activity.translations.items()
    ]
    for side, words in activity.sides.items():
        wordings.append((f"sides.{side}", words))
        wordings += [
            (f"sides.{side}.translations.{tag}", w) for tag, w in words.translations.items()
        ]
    lang = activity.lang
    if lang is not None and any(
        lang in group
        for group in (activity.translations, *(w.translations for w in activity.sides.values()))
    ):
        raise ValueError(f"the activity itself is in {lang}: a translation into it is not needed")
    for where, words in wordings:
        if words.options is not None and options is None:
            raise ValueError(f"{where}: this kind of activity has no options")
        if words.options is not None and len(words.options) != len(options or []):
            raise ValueError(f"{where}: give the same number of options ({len(options or [])})")
        if activity.kind != "scale" and (
            words.low_label is not None or words.high_label is not None
        ):
            raise ValueError(f"{where}: only a scale has low and high labels")


def _filled(activity: Any, field: str) -> bool:
    value = getattr(activity, field, None)
    return bool(value)


def missing(activity: Any, languages: list[str]) -> list[tuple[str, str, list[str]]]:
    """(where, language, fields) for every word a phone in `languages` would read in the
    fallback language instead of its own."""
    out: list[tuple[str, str, list[str]]] = []
    needed = [f for f in PHONE_FIELDS if _filled(activity, f)]
    for lang in languages[1:]:
        words = activity.translations.get(lang)
        gaps = [f for f in needed if words is None or getattr(words, f) is None]
        if gaps:
            out.append((f"translations.{lang}", lang, gaps))
    for side, side_words in activity.sides.items():
        own = [f for f in PHONE_FIELDS if getattr(side_words, f) is not None]
        for lang in languages[1:]:
            words = side_words.translations.get(lang)
            gaps = [f for f in own if words is None or getattr(words, f) is None]
            if gaps:
                out.append((f"sides.{side}.translations.{lang}", lang, gaps))
    return out


def missing_message(lang: str, fields: list[str]) -> Msg:
    return _("Not yet in {lang}: {fields}.", lang=lang, fields=", ".join(fields))


def with_lang(item: Any, lang: Any) -> Any:
    activity = item.get("activity") if isinstance(item, dict) else None
    if isinstance(activity, dict) and activity.get("lang") is None:
        return {**item, "activity": {**activity, "lang": lang}}
    return item


def missing_in(plan: Any, languages: list[str]) -> list[dict[str, Any]]:
    """Every word a screen in one of the plan's languages would read in another language."""
    out = []
    needed = [f for f in PLAN_FIELDS if getattr(plan, f)]
    for lang in languages[1:]:
        words = plan.translations.get(lang)
        gaps = [f for f in needed if words is None or getattr(words, f) is None]
        if gaps:
            out.append(
                {
                    "path": f"translations.{lang}",
                    "lang": lang,
                    "fields": gaps,
                    "message": missing_message(lang, gaps),
                }
            )
    for index, item in enumerate(plan.items):
        for where, lang, fields in missing(item.activity, languages):
            out.append(
                {
                    "path": f"items[{index}].activity.{where}",
                    "lang": lang,
                    "fields": fields,
                    "message": missing_message(lang, fields),
                }
            )
    return out
