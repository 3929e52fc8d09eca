"""The built-in library: session plans and loose activities, written for betrayal-recovery groups.

Every file here is a plan file (see docs/plan-format.md) and is loaded through the same schema
as a facilitator's own plans. plans/ holds sessions (kind: session), activities/ holds
collections (kind: collection). Served read-only as JSON at GET /api/library.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.domain.plans import Plan, normalised, read_yaml, validate
from server.domain.rooting import rooted
from server.i18n import Msg, _
from server.typography import french_spaced

HERE = Path(__file__).resolve().parent

# Each theme's label in every language of the pages (the console's library filter).
THEMES: dict[str, Msg] = {
    "arrival": _("Arrival and check-in"),
    "stopping-is-not-changing": _("Stopping is not changing"),
    "safety": _("Safety is a presence"),
    "impatience": _("Impatience and pace"),
    "old-patterns": _("Old survival patterns"),
    "insight-and-practice": _("Insight is not practice"),
    "upstream-swim": _("The upstream swim"),
    "each-partner": _("Different work for each partner"),
    "small-progress": _("Noticing small progress"),
    "grounding": _("Grounding"),
    "closing": _("Closing"),
}


@dataclass(frozen=True)
class Entry:
    id: str  # the file's stem, e.g. "01-stopping-is-not-changing" or "checkins"
    plan: Plan


@dataclass(frozen=True)
class Library:
    plans: tuple[Entry, ...]
    collections: tuple[Entry, ...]

    def activity_count(self) -> int:
        return sum(len(e.plan.items) for e in (*self.plans, *self.collections))


def _load(folder: str) -> tuple[Entry, ...]:
    entries = []
    for path in sorted((HERE / folder).glob("*.yaml")):
        data, marks = read_yaml(path.read_text("utf-8"))
        entries.append(Entry(path.stem, validate(french_spaced(data), marks)))
    return tuple(entries)


@functools.cache
def load_library(lang: str | None = None) -> Library:
    """The library; in `lang` first where it is written in that language (server/domain/
    rooting.py), so a console in French takes French plans and activities."""
    if lang is not None:
        library = load_library()
        plans = tuple(Entry(e.id, rooted(e.plan, lang)) for e in library.plans)
        collections = tuple(Entry(e.id, rooted(e.plan, lang)) for e in library.collections)
        return Library(plans=plans, collections=collections)
    return Library(plans=_load("plans"), collections=_load("activities"))


def _matches(texts: list[str], themes: set[str], theme: str | None, words: list[str]) -> bool:
    if theme and theme not in themes:
        return False
    haystack = " ".join(texts).lower()
    return all(word in haystack for word in words)


def _activity_texts(activity: Any) -> list[str]:
    """Searched in every language the activity is written in (q=esperanza finds Hope)."""
    texts = [activity.title, activity.text, activity.theme, activity.kind]
    for words in activity.translations.values():
        texts += [words.title or "", words.text or ""]
    return texts


def search(
    theme: str | None = None, query: str | None = None, lang: str | None = None
) -> dict[str, Any]:
    """Plans and activities, optionally filtered by theme id and by words (all must appear);
    in `lang` first where they are written in it."""
    library = load_library(lang) if lang else load_library()  # one cached copy as written
    words = (query or "").lower().split()
    plans = []
    for entry in library.plans:
        plan = entry.plan
        themes = set(plan.themes) | {i.activity.theme for i in plan.items}
        texts = [plan.title, plan.summary, *plan.themes]
        texts += [w.title or "" for w in plan.translations.values()]
        for item in plan.items:
            texts += _activity_texts(item.activity)
        if _matches(texts, themes, theme, words):
            plans.append({"id": entry.id, **normalised(plan)})
    activities = []
    for entry in (*library.plans, *library.collections):
        for index, item in enumerate(entry.plan.items):
            activity = item.activity
            if _matches(_activity_texts(activity), {activity.theme}, theme, words):
                activities.append(
                    {
                        "id": f"{entry.id}/{index + 1}",
                        "source": entry.plan.title,
                        "in_plan": entry.plan.kind == "session",
                        "minutes": item.minutes,
                        "activity": activity.model_dump(mode="json"),
                    }
                )
    return {
        "themes": [{"id": key, "label": label.in_language(lang)} for key, label in THEMES.items()],
        "plans": plans,
        "activities": activities,
    }
