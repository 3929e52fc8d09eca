"""The support card in several languages, over the real protocol on both stores: the console
sets it per language, phones and the console get every language of it (each phone shows its own,
or the first: tests/browser/test_languages.py), the display gets none, and an oversized or
malformed card is refused with an error that names what is wrong."""

from __future__ import annotations

from typing import Any

from tests.support import Client, LiveServer

CARD = {
    "text": "Call the group line: 0800 000 000.",
    "lang": "en",
    "translations": {"es": "Llama a la línea del grupo: 0800 000 000.", "ar": "اتصل بخط المجموعة."},
}


async def test_the_card_reaches_phones_in_every_language_and_not_the_display(
    live: LiveServer,
) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    phone = await Client.join(live, room, "participant", lang="es")
    display = await Client.join(live, room, "display")
    try:
        assert phone.view["support_card"] is None  # no card yet
        assert (await facilitator.command({"type": "support", **CARD}))["type"] == "ack"
        view = await phone.until_view(lambda v: v["support_card"] is not None)
        assert view["support_card"] == CARD
        assert (await facilitator.until_view(lambda v: v["support_card"]))["support_card"] == CARD
        late = await Client.join(live, room, "participant", lang="de")  # in its snapshot too
        assert late.view["support_card"] == CARD
        await late.close()
        assert display.view["support_card"] is None
        # Blank translations are dropped; an old console's text alone still works.
        blank = {"text": " Only this. ", "translations": {"fr": "  "}}
        assert (await facilitator.command({"type": "support", **blank}))["type"] == "ack"
        view = await phone.until_view(lambda v: v["support_card"]["text"] == "Only this.")
        assert view["support_card"] == {"text": "Only this.", "lang": None, "translations": {}}
        assert (await facilitator.command({"type": "support", "text": ""}))["type"] == "ack"
        await phone.until_view(lambda v: v["support_card"] is None)
    finally:
        for client in (facilitator, phone, display):
            await client.close()


async def test_an_oversized_or_malformed_card_is_refused_clearly(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"text": "x" * 2001}, "text"),
        ({"text": "ok", "translations": {"es": "x" * 2001}}, "translations.es"),
        ({"text": "ok", "translations": {"Spanish": "hola"}}, "translations"),
        ({"text": "ok", "lang": "en_GB"}, "lang"),
        ({"text": "ok", "translations": {"es": 5}}, "translations.es"),
        (  # each language within its limit, all together too much for one view
            {"text": "x" * 2000, "translations": {t: "y" * 2000 for t in ("es", "fr", "de")}},
            "8000 characters in all its languages together; at most 6000",
        ),
    ]
    try:
        for body, named in cases:
            reply = await facilitator.command({"type": "support", **body})
            assert reply["type"] == "error" and reply["code"] == "invalid", body
            assert named in reply["message"], (named, reply["message"])
        # The room carries on, and nothing of a refused card was kept.
        assert (await facilitator.command({"type": "support", **CARD}))["type"] == "ack"
        view = await facilitator.until_view(lambda v: v["support_card"] is not None)
        assert view["support_card"] == CARD
    finally:
        await facilitator.close()
