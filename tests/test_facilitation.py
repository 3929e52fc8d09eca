"""Running a recovery group over real sockets: a check-in pushed at any moment, grounding on every
screen, content notes and passes, tracks, lock and cap, the summary file and the trend."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import httpx
import pytest

from tests.support import Client, LiveServer

# The socket suite runs on the fast path and on the ASGI path (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("both_paths")


def ballot() -> str:
    return secrets.token_urlsafe(16)


async def choose(phone: Client, aid: str, value: dict[str, Any]) -> dict[str, Any]:
    return await phone.command(
        {"type": "answer", "activity": aid, "ballot": ballot(), "value": value}
    )


async def live_id(client: Client, kind: str, after: str = "") -> str:
    view = await client.until_view(
        lambda v: (
            v["activity"] is not None
            and v["activity"]["definition"]["kind"] == kind
            and v["activity"]["id"] != after
        )
    )
    return str(view["activity"]["id"])


@pytest.mark.parametrize("live", ["memory"], indirect=True)  # no store-specific path here
async def test_check_in_pushed_mid_activity_with_one_tap(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(4)]
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Talk."}})
    await live_id(phones[0], "prompt")
    # one tap in the console: a check-in with nothing but its question
    assert (
        await facilitator.command(
            {"type": "open", "activity": {"kind": "checkin", "text": "How are you?"}}
        )
    )["type"] == "ack"
    aid = await live_id(phones[0], "checkin")
    definition = phones[0].view["activity"]["definition"]
    assert definition["options"] == ["Steady", "Tender", "Heavy", "Overwhelmed"]
    for phone, option in zip(phones, [1, 1, 1, 3], strict=True):
        assert (await choose(phone, aid, {"kind": "choice", "option": option}))["type"] == "ack"
    await facilitator.command({"type": "reveal"})
    view = await display.until_view(lambda v: v["results"] is not None)
    # at four answers the default style is leaning: the most chosen, and no numbers
    overall = view["results"]["overall"]
    assert overall["style"] == "leaning" and overall["answered"] == 4
    assert [c["rank"] for c in overall["cells"]] == [2, 1, 2, 2] and overall["order"] == "top"
    assert all(c["count"] is None for c in overall["cells"])


@pytest.mark.parametrize("live", ["memory"], indirect=True)  # no store-specific path here
async def test_grounding_pacer_reaches_phones_and_display(live: LiveServer) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phone = await Client.join(live, room, "participant")
    grounding = {
        "kind": "grounding",
        "text": "Breathe with the circle.",
        "seconds": 180,
        "inhale": 4,
        "hold": 2,
        "exhale": 7,
        "facilitator_notes": "Stay quiet until the timer ends.",
    }
    await facilitator.command({"type": "open", "activity": grounding})
    for client in (display, phone):
        await live_id(client, "grounding")
        definition = client.view["activity"]["definition"]
        assert (definition["inhale"], definition["hold"], definition["exhale"]) == (4, 2, 7)
        assert definition["seconds"] == 180 and "facilitator_notes" not in definition
        assert client.view["timer"] == {
            "running": False,
            "duration_ms": 180_000,
            "deadline_ms": None,
            "remaining_ms": 180_000,
        }
    assert (await facilitator.until_view(lambda v: v["activity"] is not None))["activity"][
        "definition"
    ]["facilitator_notes"]
    await facilitator.command({"type": "timer", "action": "start"})
    deadlines = set()
    for client in (display, phone):
        view = await client.until_view(lambda v: v["timer"]["running"])
        deadlines.add(view["timer"]["deadline_ms"])
    assert len(deadlines) == 1  # every screen breathes to the same clock
    refused = await choose(phone, phone.view["activity"]["id"], {"kind": "pass"})
    assert refused["code"] == "closed"  # grounding takes no answers


async def test_content_note_and_passes_are_never_shown(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(6)]
    poll = {
        "kind": "poll",
        "text": "Which is hardest?",
        "options": ["Shame", "Fear", "Anger"],
        "content_note": "Asks about hard feelings.",
        "result_style": "counts",
    }
    await facilitator.command({"type": "open", "activity": poll})
    aid = await live_id(phones[0], "poll")
    assert phones[0].view["activity"]["definition"]["content_note"] == "Asks about hard feelings."
    for phone in phones[:3]:  # "skip this one"
        assert (await choose(phone, aid, {"kind": "pass"}))["type"] == "ack"
    for phone in phones[3:]:
        assert (await choose(phone, aid, {"kind": "choice", "option": 0}))["type"] == "ack"
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["answered"] == 6)
    await facilitator.command({"type": "reveal"})
    await phones[0].until_view(lambda v: v["results"] is not None)
    assert display.view["results"] is None  # behind the note until the facilitator shows it
    assert (await facilitator.command({"type": "show_text", "shown": True}))["type"] == "ack"
    for client in (display, phones[0], facilitator):
        result = (await client.until_view(lambda v: v["results"] is not None))["results"]["overall"]
        assert result["answered"] == 3  # passes are not answers
        assert [(c["label"], c["count"]) for c in result["cells"]] == [
            ("Shame", 3),
            ("Fear", 0),
            ("Anger", 0),
        ]
        assert "pass" not in json.dumps(result).lower()

    # a room where everyone skips shows nothing at all
    await facilitator.command({"type": "open", "activity": poll})
    aid = await live_id(phones[0], "poll", after=aid)
    for phone in phones:
        assert (await choose(phone, aid, {"kind": "pass"}))["type"] == "ack"
    await facilitator.command({"type": "reveal"})
    await facilitator.command({"type": "show_text", "shown": True})
    view = await display.until_view(
        lambda v: v["activity"]["id"] == aid and v["results"] is not None
    )
    result = view["results"]["overall"]
    assert result["shown"] is False and result["cells"] == [] and result["answered"] is None


async def test_tracks_and_split_results(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(7)]
    await phones[0].send({"type": "track", "track": "hurt"})
    refused = await phones[0].expect("error")
    assert refused["code"] == "no_tracks"
    await facilitator.command({"type": "configure", "tracks": True, "split": True})
    await phones[0].until_view(lambda v: v["room"]["tracks"])
    sides = ["hurt"] * 3 + ["caused"] * 2 + ["unsaid", "unsaid"]
    for phone, side in zip(phones, sides, strict=True):
        await phone.send({"type": "track", "track": side})
        await phone.send({"type": "sync"})  # handled in order: the snapshot comes after the track
        snapshot = await phone.expect("snapshot")
        assert snapshot["you"]["track"] == side
    again = await Client.connect(
        live.ws_url, role="participant", code=room["code"], credential=phones[1].token
    )
    await again.expect("welcome")
    assert (await again.expect("snapshot"))["you"]["track"] == "hurt"
    await again.close()
    await facilitator.command(
        {
            "type": "open",
            "activity": {"kind": "scale", "text": "Hope?", "points": 3, "result_style": "counts"},
        }
    )
    aid = await live_id(phones[0], "scale")
    for phone in phones:
        await choose(phone, aid, {"kind": "scale", "value": 2})
    # the split is fixed while answers are collected: whole and parts of one set never both show
    refused = await facilitator.command({"type": "configure", "split": False})
    assert refused["code"] == "split_fixed"
    assert (await facilitator.command({"type": "configure", "tracks": False}))[
        "code"
    ] == "split_fixed"
    await facilitator.command({"type": "reveal"})
    results = (await display.until_view(lambda v: v["results"] is not None))["results"]
    # once revealed, results are frozen: a change of split and a second reveal show nothing new
    assert (await facilitator.command({"type": "configure", "split": False}))["type"] == "ack"
    await display.until_view(lambda v: not v["room"]["split"])
    assert (await facilitator.command({"type": "reveal"}))["type"] == "ack"
    await facilitator.command({"type": "configure", "locked": True})  # a marker after the reveal
    await display.until_view(lambda v: v["room"]["locked"])
    assert display.view["results"] == results
    assert results["overall"] is None  # the whole minus a part would tell
    assert results["by_track"]["hurt"]["cells"][1]["count"] == 3
    assert results["by_track"]["hurt"]["mean"] == 2.0
    assert results["by_track"]["caused"]["shown"] is False  # two people: fewer than k
    assert results["by_track"]["unsaid"]["shown"] is False


async def test_lock_and_cap(live: LiveServer) -> None:
    room = await live.create_room()
    facilitator = await Client.join(live, room, "facilitator")
    await facilitator.command({"type": "configure", "cap": 2})
    first = await Client.join(live, room, "participant")
    await Client.join(live, room, "participant")

    async def refused(credential: str | None = None) -> tuple[dict[str, Any], int | None]:
        client = await Client.connect(
            live.ws_url, role="participant", code=room["code"], credential=credential
        )
        err = await client.expect("error")
        await client.ws.wait_closed()
        return err, client.ws.close_code

    err, close = await refused()
    assert err["code"] == "full" and close == 4429
    # someone already in the room comes back despite the cap
    back = await Client.connect(
        live.ws_url, role="participant", code=room["code"], credential=first.token
    )
    assert (await back.expect("welcome"))["token"] is None
    await back.close()

    await facilitator.command({"type": "configure", "cap": 10, "locked": True})
    assert (await facilitator.until_view(lambda v: v["room"]["locked"]))["room"]["cap"] == 10
    err, close = await refused()
    assert err["code"] == "locked" and close == 4429
    stranger_token = secrets.token_urlsafe(24)  # a token the room never issued is a stranger
    err, close = await refused(stranger_token)
    assert err["code"] == "locked"
    back = await Client.connect(
        live.ws_url, role="participant", code=room["code"], credential=first.token
    )
    assert (await back.expect("welcome"))["role"] == "participant"
    await facilitator.command({"type": "configure", "locked": False})
    await facilitator.until_view(lambda v: not v["room"]["locked"])
    assert (await Client.join(live, room, "participant")).token


@pytest.mark.parametrize("live", ["memory"], indirect=True)  # no store-specific path here
async def test_summary_file_and_trend_on_the_display(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(4)]
    scale = {
        "kind": "scale",
        "text": "How much hope?",
        "title": "Hope",
        "points": 3,
        "result_style": "counts",
    }
    await facilitator.command({"type": "open", "activity": scale})
    aid = await live_id(phones[0], "scale")
    for phone, value in zip(phones, [2, 2, 2, 3], strict=True):
        await choose(phone, aid, {"kind": "scale", "value": value})
    await facilitator.command({"type": "reveal"})
    await display.until_view(lambda v: v["results"] is not None)
    # open text: three released, one hidden
    await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "One word?", "open_text": True}}
    )
    aid = await live_id(phones[0], "prompt")
    words = [f"word-{i}-{secrets.token_hex(3)}" for i in range(4)]
    for phone, word in zip(phones, words, strict=True):
        await choose(phone, aid, {"kind": "text", "text": word})
    await facilitator.command({"type": "close"})
    queue = (await facilitator.until_view(lambda v: len(v["queue"]) == 4))["queue"]
    for item in queue:
        action = "hide" if item["text"] == words[3] else "approve"
        await facilitator.command({"type": "moderate", "item": item["id"], "action": action})
    await facilitator.command({"type": "release"})
    await display.until_view(lambda v: len(v["texts"]) == 3)

    await facilitator.send({"type": "summary", "id": 77, "title": "Week 1"})
    reply = await facilitator.expect_where(lambda m: m.get("id") == 77)
    assert reply["type"] == "summary"
    summary = reply["summary"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert reply["filename"] == f"hearth-summary-{today}-week-1.json"  # the label tells days apart
    assert summary["date"] == today and summary["title"] == "Week 1" and summary["k"] == 3
    hope, prompt = summary["entries"]
    # all or none: a 0 and a 3 beside a withheld count would tell it
    assert [c["count"] for c in hope["results"]["overall"]["cells"]] == [None, None, None]
    assert hope["results"]["overall"]["answered"] == 4 and hope["texts"] == []
    assert hope["labels"] == ["1", "2", "3"] and prompt["labels"] == []
    assert sorted(prompt["texts"]) == sorted(words[:3])
    text = json.dumps(summary)
    for secret in (
        room["code"],
        room["facilitator_credential"],
        *(p.token for p in phones),
        words[3],
        '"a1"',
        "T",
    ):
        assert secret not in text.replace(today, "")  # no code, token, id, hidden text, time
    denied = await phones[0].command({"type": "summary"})
    assert denied["code"] == "forbidden"

    # next week: the console sends past summaries back and gets trend series (nothing kept)
    week0 = json.loads(json.dumps(summary))
    week0["date"], week0["title"] = "2026-01-05", "Week 0"
    week0_result = week0["entries"][0]["results"]["overall"]
    week0_result["answered"] = 10
    for cell, count in zip(week0_result["cells"], [0, 5, 5], strict=True):
        cell.update(count=count, withheld=False)
    headers = {
        "Authorization": f"Bearer {room['facilitator_credential']}",
        "X-Hearth-Room": room["code"],
    }
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        reply = await http.post(
            "/api/summaries/trends",
            json={"summaries": [summary, week0]},
            headers=headers,
            params={"k": "5"},
        )
        assert reply.status_code == 200, reply.text
        series = reply.json()["trends"]
        broken = await http.post(
            "/api/summaries/trends",
            json={"summaries": [{"date": "2026-01-05T10:00:00", "k": 3}]},
            headers=headers,
        )
        assert (
            broken.status_code == 422 and broken.json()["errors"][0]["path"] == "summaries[0].date"
        )
        assert (await http.post("/api/summaries/trends", json=[summary])).status_code == 401
    [hope_series] = [s for s in series if s["title"] == "Hope"]
    assert [p["date"] for p in hope_series["points"]] == ["2026-01-05", today]
    assert hope_series["labels"] == ["1", "2", "3"] and hope_series["k"] == 5
    assert [p["counts"] for p in hope_series["points"]] == [[0, 5, 5], []]  # 4 < k=5
    await facilitator.command({"type": "trend", "trend": hope_series})
    shown = (await display.until_view(lambda v: v["trend"] is not None))["trend"]
    assert shown["title"] == "Hope" and len(shown["points"]) == 2
    assert phones[0].view.get("trend") is None

    # an edited series is thresholded again by the room's k on the way in
    edited = json.loads(json.dumps(hope_series))
    edited["k"] = 3
    edited["points"][1].update(shown=True, counts=[0, 2, 3], answered=5)
    await facilitator.command({"type": "trend", "trend": edited})
    shown = (await display.until_view(lambda v: v["trend"]["k"] == 3))["trend"]
    # all or none: a 0 and a 3 beside the withheld 2 would tell it
    assert shown["points"][1]["counts"] == [None, None, None]
    assert shown["points"][1]["answered"] == 5
    mismatched = {**edited, "points": [{**edited["points"][1], "counts": [1]}]}
    assert (await facilitator.command({"type": "trend", "trend": mismatched}))["code"] == "invalid"
    bad = await facilitator.command(
        {
            "type": "trend",
            "trend": {**edited, "points": [{**edited["points"][0], "date": "2026-01-05T10:00"}]},
        }
    )
    assert bad["code"] == "invalid"
    # opening an activity takes the trend away; so does trend: null
    await facilitator.command({"type": "open", "activity": {"kind": "prompt", "text": "Next."}})
    await display.until_view(lambda v: v["trend"] is None)
    await facilitator.command({"type": "trend", "trend": hope_series})
    await display.until_view(lambda v: v["trend"] is not None)
    await facilitator.command({"type": "trend", "trend": None})
    await display.until_view(lambda v: v["trend"] is None)


async def test_word_cloud_is_normalised_and_thresholded(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(4)]
    await facilitator.command(
        {"type": "open", "activity": {"kind": "words", "text": "A word?", "max_words": 2}}
    )
    aid = await live_id(phones[0], "words")
    given = [["Hope", "rest"], ["hope!"], [" HOPE ", "Hope"], ["tired"]]
    for phone, words in zip(phones, given, strict=True):
        assert (await choose(phone, aid, {"kind": "words", "words": words}))["type"] == "ack"
    too_many = await choose(phones[0], aid, {"kind": "words", "words": ["a", "b", "c"]})
    assert too_many["code"] == "bad_answer"
    await facilitator.command({"type": "reveal"})
    result = (await display.until_view(lambda v: v["results"] is not None))["results"]["overall"]
    # "rest" and "tired": fewer than k; hope's 3 is not given, since 4 - 3 would tell the 1
    assert [(c["label"], c["count"], c["withheld"]) for c in result["cells"]] == [
        ("hope", None, True)
    ]
    assert result["hidden_words"] is True and result["answered"] == 4
