"""What the projector may show of the live activity, beyond its status: whether the text behind
a content note is shown yet, and which page of released answers is up (turned by hand, or by
itself at a pace the facilitator set). Pure, like rooms.py; the display's view reads it here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from server.wire import protocol as p
from server.wire import views as vm

# Kept on the projector while a content note guards the activity: the note, never the text.
# `lang` says which language the note is in, so a second language is not drawn as a copy of it.
NOTE_ONLY = ("kind", "content_note", "lang")


class Projection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text_shown: bool = Field(default=False, description="The facilitator showed the text.")
    page: int = 0
    turn_seconds: int | None = None
    turn_from_ms: int | None = None


def project(current: Projection, command: p.ShowText | p.Pages, now_ms: int) -> Projection:
    if isinstance(command, p.ShowText):
        return current.model_copy(update={"text_shown": command.shown})
    turning = command.turn_seconds is not None
    return Projection(
        text_shown=current.text_shown,
        page=command.page,
        turn_seconds=command.turn_seconds,
        turn_from_ms=now_ms if turning else None,
    )


def guarded(definition: dict[str, Any], projection: Projection) -> bool:
    """True while a content note stands in front of the text on the projector."""
    return bool(definition.get("content_note")) and not projection.text_shown


def note_only(definition: dict[str, Any]) -> dict[str, Any]:
    """The note in each language the activity has one in (a projector may show two; one left
    out falls back to the activity's own, as on phones), and nothing else of any wording."""
    kept = {key: definition[key] for key in NOTE_ONLY if definition.get(key) is not None}
    notes = {
        lang: {"content_note": words["content_note"]}
        for lang, words in (definition.get("translations") or {}).items()
        if words.get("content_note")
    }
    if notes:
        kept["translations"] = notes
    return kept


def screen_view(blank: bool, projection: Projection | None, has_note: bool) -> vm.ScreenView:
    if projection is None:
        return vm.ScreenView(blank=blank)
    return vm.ScreenView(
        blank=blank,
        note_guard=has_note and not projection.text_shown,
        page=projection.page,
        turn_seconds=projection.turn_seconds,
        turn_from_ms=projection.turn_from_ms,
    )
