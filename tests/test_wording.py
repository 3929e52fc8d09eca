"""Content in several languages and per-side wording: a hand-written bilingual plan, strict
checks, the plan check naming missing translations, and views that carry what each phone needs
(options counted by place whatever language they were read in)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.domain.library import load_library, search
from server.domain.plans import PlanError, dump_plan, load_plan, missing_translations
from tests.large_plans import ENVELOPE, request, send_in_parts, wire_bytes
from tests.support import Client, LiveServer

FRAME = 16 * 1024  # settings.max_message_bytes, the server's default

BILINGUAL = """\
title: Week one
languages: [en, es]
translations:
  es:
    title: Semana uno
items:
  - minutes: 5
    activity:
      kind: prompt
      text: Welcome.
      facilitator_notes: Read slowly.
      translations:
        es:
          text: Bienvenida.
          facilitator_notes: Lee despacio.
  - activity:
      kind: poll
      text: What helps most this week?
      options: [Honesty, Patience, Time]
      translations:
        es:
          text: ¿Qué te ayuda más esta semana?
          options: [Honestidad, Paciencia, Tiempo]
      sides:
        hurt:
          text: What helps you feel a little safer?
          translations:
            es:
              text: ¿Qué te ayuda a sentirte un poco más a salvo?
        caused:
          text: What helps you stay present without rushing?
          translations:
            es:
              text: ¿Qué te ayuda a quedarte presente sin apurarte?
  - activity:
      kind: scale
      text: How much hope do you feel?
      low_label: None
      high_label: A lot
      translations:
        es:
          text: ¿Cuánta esperanza sientes?
          low_label: Nada
          high_label: Mucha
"""


def problem_paths(text: str) -> list[str]:
    with pytest.raises(PlanError) as caught:
        load_plan(text)
    return [p.path for p in caught.value.problems]


def test_a_hand_written_bilingual_plan_loads_complete() -> None:
    plan = load_plan(BILINGUAL)
    poll = plan.items[1].activity
    assert plan.languages == ["en", "es"] and poll.lang == "en"
    assert poll.translations["es"].options == ["Honestidad", "Paciencia", "Tiempo"]
    assert poll.sides["hurt"].translations["es"].text.startswith("¿Qué te ayuda a sentirte")
    assert missing_translations(plan) == []


def test_the_plan_check_names_what_is_not_yet_translated() -> None:
    text = BILINGUAL.replace("          options: [Honestidad, Paciencia, Tiempo]\n", "").replace(
        "            es:\n              text: ¿Qué te ayuda a quedarte presente sin apurarte?\n",
        "            fr:\n              text: Qu'est-ce qui vous aide à rester présent ?\n",
    )
    missing = missing_translations(load_plan(text.replace("[en, es]", "[en, es, fr]")))
    by_path = {m["path"]: m["fields"] for m in missing}
    assert by_path["items[1].activity.translations.es"] == ["options"]
    assert by_path["items[0].activity.translations.fr"] == ["text"]
    assert by_path["items[1].activity.sides.caused.translations.es"] == ["text"]
    assert all(m["message"] for m in missing)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (
            ("options: [Honestidad, Paciencia, Tiempo]", "options: [Honestidad, Paciencia]"),
            "items[1].activity",
        ),
        (
            ("        es:\n          text: ¿Cuánta", "        es-:\n          text: ¿Cuánta"),
            "items[2].activity.translations.es-",
        ),
        (
            (
                "          text: Bienvenida.\n",
                "          text: Bienvenida.\n          colour: red\n",
            ),
            "items[0].activity.translations.es.colour",
        ),
        (("        hurt:\n", "        unsaid:\n"), "items[1].activity.sides.unsaid"),
        (("[en, es]", "[en, en]"), ""),
        (
            (
                "  - activity:\n      kind: scale",
                "  - activity:\n      kind: scale\n      lang: es",
            ),
            "items[2].activity",
        ),
    ],
)
def test_wordings_are_checked_strictly(change: tuple[str, str], where: str) -> None:
    assert change[0] in BILINGUAL
    assert where in problem_paths(BILINGUAL.replace(*change))


def test_labels_belong_to_scales_only() -> None:
    text = BILINGUAL.replace(
        "          options: [Honestidad, Paciencia, Tiempo]\n",
        "          options: [Honestidad, Paciencia, Tiempo]\n          low_label: Nada\n",
    )
    assert "items[1].activity" in problem_paths(text)


def ballot() -> str:
    return secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def live() -> Any:
    server = LiveServer.start()
    yield server
    server.stop()


async def test_views_carry_every_language_and_both_sides_and_answers_count_as_one(
    live: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        checked = await http.post(
            "/api/plans/check",
            content=BILINGUAL.encode(),
            headers={"Authorization": f"Bearer {live.settings.host_secret}"},
        )
    assert checked.status_code == 200 and checked.json()["missing"] == []
    poll = checked.json()["plan"]["items"][1]["activity"]
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "configure", "tracks": True})
    phones = []
    for lang in ("en", "es", "ar"):
        phone = await Client.connect(live.ws_url, role="participant", code=room["code"], lang=lang)
        await phone.expect("snapshot")
        phones.append(phone)
    assert (await facilitator.command({"type": "open", "activity": poll}))["type"] == "ack"
    for phone in phones:
        view = await phone.until_view(lambda v: v["activity"] is not None)
        definition = view["activity"]["definition"]
        assert definition["lang"] == "en"
        assert definition["translations"]["es"]["options"][1] == "Paciencia"
        assert set(definition["sides"]) == {"hurt", "caused"}
    facilitator_view = await facilitator.until_view(lambda v: v["activity"] is not None)
    assert facilitator_view["activity"]["definition"]["translations"]["es"]["text"]
    aid = facilitator_view["activity"]["id"]
    for phone in phones:  # option 1 read as "Patience", "Paciencia" and (ar) "Patience"
        answer = {
            "type": "answer",
            "activity": aid,
            "ballot": ballot(),
            "value": {"kind": "choice", "option": 1},
        }
        assert (await phone.command(answer))["type"] == "ack"
    await facilitator.command({"type": "close"})
    await facilitator.command({"type": "reveal"})
    results = (await facilitator.until_view(lambda v: v["results"] is not None))["results"]
    assert results["overall"]["answered"] == 3
    assert [c["label"] for c in results["overall"]["cells"]] == ["Honesty", "Patience", "Time"]
    for phone in phones:
        await phone.close()


async def test_facilitator_notes_in_a_translation_reach_only_the_console(live: LiveServer) -> None:
    prompt = load_plan(BILINGUAL).items[0].activity.model_dump(mode="json")
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phone = await Client.join(live, room, "participant")
    await facilitator.command({"type": "open", "activity": prompt})
    for screen in (display, phone):
        definition = (await screen.until_view(lambda v: v["activity"] is not None))["activity"][
            "definition"
        ]
        assert definition["translations"]["es"] == {
            k: v for k, v in definition["translations"]["es"].items() if k != "facilitator_notes"
        }
        assert "facilitator_notes" not in definition["translations"]["es"]
        assert definition["translations"]["es"]["text"] == "Bienvenida."
    console = (await facilitator.until_view(lambda v: v["activity"] is not None))["activity"]
    assert console["definition"]["translations"]["es"]["facilitator_notes"] == "Lee despacio."


def test_the_example_in_the_plan_format_doc_loads_complete() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "plan-format.md").read_text()
    section = doc.split("## Several languages, and each side's words", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    plan = load_plan(example)
    assert plan.languages == ["en", "es"] and missing_translations(plan) == []
    assert plan.items[0].activity.sides["hurt"].translations["es"].text


def test_the_library_ships_in_english_and_spanish_complete() -> None:
    library = load_library()
    for entry in (*library.plans, *library.collections):
        assert entry.plan.languages[:2] == ["en", "es"], entry.id
        assert missing_translations(entry.plan) == [], entry.id
    sided = [
        item.activity
        for entry in library.plans
        for item in entry.plan.items
        if set(item.activity.sides) == {"hurt", "caused"}
    ]
    assert sided and all(a.sides["hurt"].translations["es"].text for a in sided)
    found = search(None, "esperanza")  # Spanish words find activities too
    assert any(a["activity"]["title"] == "Hope" for a in found["activities"])


async def send_runsheet(console: Client, plan: dict[str, Any]) -> dict[str, Any]:
    """As facilitator/static/runsheet-sync.js: one `runsheet` when it fits a frame, else parts."""
    body = {"plan": plan, "index": 0}
    if wire_bytes({"type": "runsheet", "id": 0, **body}) <= FRAME - ENVELOPE:
        return await request(console, {"type": "runsheet", **body}, FRAME)
    return await send_in_parts(console, body, FRAME)


async def test_a_bilingual_library_plan_fits_in_a_runsheet(live: LiveServer) -> None:
    """The console keeps the plan with the room (runsheet): every language of a library plan,
    in parts when it is larger than a frame."""
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    for entry in load_library().plans:
        plan = entry.plan.model_dump(mode="json")
        assert len(json.dumps(plan, ensure_ascii=False).encode()) > 6000  # both languages
        reply = await send_runsheet(facilitator, plan)
        assert reply["type"] == "ack", (entry.id, reply)
    view = await facilitator.until_view(
        lambda v: (
            v["runsheet"] is not None
            and v["runsheet"]["plan"]["title"] == "Healing is not a straight line"
        )
    )
    assert view["runsheet"]["plan"]["translations"]["es"]["title"] == "Sanar no es una línea recta"


async def test_each_side_reads_its_words_and_stays_under_the_same_threshold(
    live: LiveServer,
) -> None:
    poll = load_plan(BILINGUAL).items[1].activity.model_dump(mode="json")
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "configure", "tracks": True, "split": True})
    sides = ["hurt", "hurt", "hurt", "caused", "caused"]
    phones = []
    for side, lang in zip(sides, ["es", "en", "ar", "es", "de"], strict=True):
        phone = await Client.connect(live.ws_url, role="participant", code=room["code"], lang=lang)
        await phone.expect("snapshot")
        await phone.send({"type": "track", "track": side})
        phones.append(phone)
    await facilitator.command({"type": "open", "activity": poll})
    aid = (await facilitator.until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    for phone in phones:  # every phone gets both sides' words; it shows its own
        view = await phone.until_view(lambda v: v["activity"] is not None)
        assert set(view["activity"]["definition"]["sides"]) == {"hurt", "caused"}
        answer = {
            "type": "answer",
            "activity": aid,
            "ballot": ballot(),
            "value": {"kind": "choice", "option": 2},
        }
        assert (await phone.command(answer))["type"] == "ack"
    await facilitator.command({"type": "close"})
    await facilitator.command({"type": "reveal"})
    results = (await facilitator.until_view(lambda v: v["results"] is not None))["results"]
    assert results["overall"] is None
    assert results["by_track"]["hurt"]["shown"] is True
    assert results["by_track"]["hurt"]["answered"] == 3
    assert results["by_track"]["caused"]["shown"] is False  # two: under the same k
    for phone in phones:
        await phone.close()


def test_a_bilingual_plan_round_trips_without_repeating_its_language() -> None:
    plan = load_plan(BILINGUAL)
    for fmt in ("yaml", "json"):
        text = dump_plan(plan, fmt)  # type: ignore[arg-type]
        assert "lang" not in text.replace("languages", "")
        assert load_plan(text) == plan
