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


def _each_language(title: Msg, text: Msg, options: tuple[Msg, ...] = ()) -> dict[str, Translation]:
    return {
        lang: Translation(
            title=title.in_language(lang),
            text=text.in_language(lang),
            options=[option.in_language(lang) for option in options] or None,
        )
        for lang in LANGUAGES
        if lang != SOURCE
    }


def grounding_now() -> Grounding:
    return Grounding(
        title=str(GROUNDING_TITLE),
        text=str(GROUNDING_TEXT),
        seconds=90,
        lang=SOURCE,
        translations=_each_language(GROUNDING_TITLE, GROUNDING_TEXT),
    )


def checkin_now() -> CheckIn:
    return CheckIn(
        title=str(CHECKIN_TITLE),
        text=str(CHECKIN_TEXT),
        options=[str(feeling) for feeling in FEELINGS],
        lang=SOURCE,
        translations=_each_language(CHECKIN_TITLE, CHECKIN_TEXT, FEELINGS),
    )
