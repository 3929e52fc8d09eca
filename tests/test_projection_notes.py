"""A content note on a projector showing two languages: while the note stands in front of the
text, the display is sent each language's own note (and nothing else of the activity), so the
second language's block reads its own note, not the first's under its heading."""

from __future__ import annotations

import secrets
from typing import Any

from tests.support import Client, LiveServer


async def test_each_language_s_content_note_reaches_the_display(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    secret = f"secreto-{secrets.token_hex(6)}"
    note, nota, note_ar = (
        "Asks about the night it came out.",
        "Pregunta por la noche en que se supo.",
        "يسأل عن الليلة التي انكشف فيها الأمر.",
    )
    activity: dict[str, Any] = {
        "kind": "poll", "lang": "en", "title": "The night", "text": "Which?",
        "options": ["Rest", "Talk"], "content_note": note,
        "translations": {
            "es": {"title": f"titulo-{secret}", "text": secret, "content_note": nota,
                   "options": [f"descanso-{secret}", "hablar"], "facilitator_notes": "solo"},
            "ar": {"content_note": note_ar},
            "fr": {"text": f"texte-{secret}"},  # no note of its own: the display falls back
        },
    }
    try:
        await facilitator.command({"type": "open", "activity": activity})
        guarded = await display.until_view(lambda v: v["activity"] is not None)
        assert guarded["screen"]["note_guard"] is True
        # the note in every language that has one, and nothing else of any language
        assert guarded["activity"]["definition"] == {
            "kind": "poll", "content_note": note, "lang": "en",
            "translations": {"es": {"content_note": nota}, "ar": {"content_note": note_ar}},
        }

        await facilitator.command({"type": "show_text", "shown": True})
        shown = await display.until_view(lambda v: not v["screen"]["note_guard"])
        spanish = shown["activity"]["definition"]["translations"]["es"]
        assert spanish["text"] == secret and "facilitator_notes" not in spanish
    finally:
        for client in (facilitator, display):
            await client.close()
