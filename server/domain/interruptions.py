"""The room's own interruptions, "Grounding now" and "Quick check-in", in Hearth's words and in
every shipped language (from the server's catalogue), so each phone and the projector read them
in its own language whatever the console's is, as with a plan's translations (wording.py)."""

from __future__ import annotations

from server.domain.activities import CheckIn, Grounding
from server.domain.wording import Translation
from server.i18n import LANGUAGES, SOURCE, Msg, _

# No breath needed to follow it, and it promises nothing.
GROUNDING_TITLE = _("Grounding")
GROUNDING_TEXT = _(
    "Let's pause together. Feel your feet on the floor and the seat holding you. If it helps, "
    "breathe with the circle; or instead name to yourself three things you can see and two you "
    "can hear. Nothing needs to be said."
)
CHECKIN_TITLE = _("Check-in")
CHECKIN_TEXT = _("How are you right now?")
FEELINGS = (_("Steady"), _("Tender"), _("Heavy"), _("Overwhelmed"))


def _each_language(
    first: str, title: Msg, text: Msg, options: tuple[Msg, ...] = ()
) -> dict[str, Translation]:
    return {
        lang: Translation(
            title=title.in_language(lang),
            text=text.in_language(lang),
            options=[option.in_language(lang) for option in options] or None,
        )
        for lang in LANGUAGES
        if lang != first
    }


def _first(lang: str | None) -> str:
    """The language the interruption's own words are in: the console's that asked for it (so
    what the room keeps of it, and the summary, read as the facilitator does)."""
    return lang if lang in LANGUAGES else SOURCE


def grounding_now(lang: str | None = None) -> Grounding:
    first = _first(lang)
    return Grounding(
        title=GROUNDING_TITLE.in_language(first),
        text=GROUNDING_TEXT.in_language(first),
        seconds=90,
        lang=first,
        translations=_each_language(first, GROUNDING_TITLE, GROUNDING_TEXT),
    )


def checkin_now(lang: str | None = None) -> CheckIn:
    first = _first(lang)
    return CheckIn(
        title=CHECKIN_TITLE.in_language(first),
        text=CHECKIN_TEXT.in_language(first),
        options=[feeling.in_language(first) for feeling in FEELINGS],
        lang=first,
        translations=_each_language(first, CHECKIN_TITLE, CHECKIN_TEXT, FEELINGS),
    )
