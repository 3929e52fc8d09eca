"""A plan re-rooted in another of its languages: that language's words become the plan's and each
activity's own, and the words of its first language become a translation. The library is written
in English first; a console in French asks for it in French, so the run-sheet, the steps it edits,
what the room keeps of each activity and the summary are in the facilitator's language, while
every phone still reads its own (server/domain/wording.py).
"""

from __future__ import annotations

from typing import Any

from server.domain import wording
from server.domain.plans import Plan

# An activity's own words that a translation may carry (facilitator notes: the console's only).
ACTIVITY_FIELDS = (*wording.PHONE_FIELDS, "facilitator_notes")


def rooted(plan: Plan, lang: str) -> Plan:
    """The same plan with `lang` first. Unchanged when `lang` is already first, is not one of its
    languages, or lacks any word a phone would read (the plan's own words would then mix two
    languages under one tag)."""
    first = plan.languages[0] if plan.languages else None
    if first is None or lang == first or lang not in plan.languages:
        return plan
    if wording.missing_in(plan, [first, lang]):
        return plan
    data = plan.model_dump(mode="json")
    _swap(data, first, lang, wording.PLAN_FIELDS)
    data["languages"] = [lang, *(tag for tag in plan.languages if tag != lang)]
    for item in data["items"]:
        activity = item["activity"]
        if activity.get("lang") not in (None, first):
            continue  # written in another language of the plan: its own words stay its own
        _swap(activity, first, lang, ACTIVITY_FIELDS)
        for side in activity.get("sides", {}).values():
            _swap(side, first, lang, wording.PHONE_FIELDS)
        activity["lang"] = lang
    return Plan.model_validate(data)


def _swap(words: dict[str, Any], first: str, lang: str, fields: tuple[str, ...]) -> None:
    """`words` (an object with its own fields and `translations`): the fields its translation
    into `lang` gives become its own, and the own words they replace its translation into
    `first`. A field the translation leaves out stays as it is, in `first`'s place too."""
    translations: dict[str, dict[str, Any]] = words.get("translations", {})
    theirs = translations.pop(lang, None) or {}
    mine: dict[str, Any] = {}
    for field in fields:
        if theirs.get(field) in (None, ""):
            continue
        if words.get(field) not in (None, ""):
            mine[field] = words[field]
        words[field] = theirs[field]
    if mine:
        translations[first] = {**translations.get(first, {}), **mine}
    words["translations"] = translations
