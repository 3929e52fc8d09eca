"""Open text and the pause signal over real sockets: only the facilitator sees the queue and the
pause count; displays and phones only ever receive released text, as a shuffled batch. And a
statistical test that the release order does not follow the arrival order."""

from __future__ import annotations

import json
import math
import secrets
from collections import Counter
from typing import Any

import pytest

from server.domain.activities import Prompt
from server.domain.rooms import LiveActivity, QueuedText, RoomState, apply
from server.wire import protocol as p
from tests.support import Client, LiveServer

# The socket suite runs on both transports (tests/conftest.py both_paths).
pytestmark = pytest.mark.usefixtures("both_paths")


def record(client: Client) -> list[str]:
    """Every raw frame this client receives from now on."""
    frames: list[str] = []
    original = client.ws.recv

    async def recv(*args: Any, **kwargs: Any) -> Any:
        text = await original(*args, **kwargs)
        frames.append(text)
        return text

    client.ws.recv = recv
    return frames


def ballot() -> str:
    return secrets.token_urlsafe(16)


async def answer(phone: Client, aid: str, b: str, text: str) -> dict[str, Any]:
    return await phone.command(
        {"type": "answer", "activity": aid, "ballot": b, "value": {"kind": "text", "text": text}}
    )


async def each_writes_then_close(facilitator: Client, phones: list[Client], tag: str) -> list[str]:
    """A written prompt opened, each phone's one text acknowledged, answers closed: the texts."""
    await facilitator.command(
        {"type": "open", "activity": {"kind": "prompt", "text": "?", "open_text": True}}
    )
    aid = (await phones[0].until_view(lambda v: v["activity"] is not None))["activity"]["id"]
    texts = [f"{tag}-{secrets.token_hex(3)}" for _ in phones]
    for phone, text in zip(phones, texts, strict=True):
        assert (await answer(phone, aid, ballot(), text))["type"] == "ack"
    await facilitator.command({"type": "close"})
    return texts


async def test_open_text_and_pauses_reach_only_the_facilitator(live: LiveServer) -> None:
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(5)]
    public = {id(c): record(c) for c in (display, *phones)}

    await facilitator.command(
        {
            "type": "open",
            "activity": {
                "kind": "prompt",
                "text": "What helped?",
                "open_text": True,
                "max_chars": 100,
            },
        }
    )
    view = await phones[0].until_view(lambda v: v["activity"] is not None)
    aid = view["activity"]["id"]
    texts = [f"note-{i}-{secrets.token_hex(4)}" for i in range(5)]
    ballots = [ballot() for _ in phones]
    dropped = f"changed-mind-{secrets.token_hex(4)}"
    assert (await answer(phones[0], aid, ballots[0], dropped))["type"] == "ack"
    for phone, b, text in zip(phones, ballots, texts, strict=True):
        assert (await answer(phone, aid, b, text))["type"] == "ack"

    # the length cap is the activity's, with an error that says so
    too_long = await answer(phones[1], aid, ballots[1], "x" * 101)
    assert too_long["code"] == "bad_answer" and "100 characters" in too_long["message"]
    way_too_long = await answer(phones[1], aid, ballots[1], "x" * 1001)
    assert way_too_long["code"] == "invalid" and way_too_long["message"].startswith("value.text: ")

    # "I need a pause": the facilitator sees a count, withdrawable; nobody else sees anything
    await phones[2].send({"type": "pause", "on": True})
    await phones[3].send({"type": "pause", "on": True})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["pauses"] == 2)
    await phones[3].send({"type": "pause", "on": False})
    await facilitator.expect_where(lambda m: m["type"] == "progress" and m["pauses"] == 1)

    await facilitator.command({"type": "close"})
    queue = (await facilitator.until_view(lambda v: len(v["queue"]) == 5))["queue"]
    assert sorted(q["text"] for q in queue) == sorted(texts)  # the replaced answer is gone
    assert all(set(q) == {"id", "text", "state", "released"} for q in queue)  # no times, no tokens
    for client in (display, *phones):
        await client.until_view(lambda v: v["activity"] and v["activity"]["status"] == "closed")
    by_text = {q["text"]: q["id"] for q in queue}
    for text in texts[:4]:
        assert (
            await facilitator.command(
                {"type": "moderate", "item": by_text[text], "action": "approve"}
            )
        )["type"] == "ack"
    await facilitator.command({"type": "moderate", "item": by_text[texts[4]], "action": "hide"})
    await facilitator.until_view(lambda v: sum(q["state"] == "approved" for q in v["queue"]) == 4)

    before_release = {key: len(frames) for key, frames in public.items()}
    assert (await facilitator.command({"type": "release"}))["type"] == "ack"
    for client in (display, *phones):
        view = await client.until_view(lambda v: len(v["texts"]) == 4)
        assert sorted(view["texts"]) == sorted(texts[:4])
    # The console is told which went out (they can no longer be moderated), and only those.
    view = await facilitator.until_view(lambda v: any(q["released"] for q in v["queue"]))
    assert sorted(q["text"] for q in view["queue"] if q["released"]) == sorted(texts[:4])
    again = await facilitator.command({"type": "release"})
    assert again["code"] == "nothing_approved"
    late = await facilitator.command(
        {"type": "moderate", "item": by_text[texts[0]], "action": "hide"}
    )
    assert late["code"] == "released"

    for key, frames in public.items():
        everything = "\n".join(frames)
        assert texts[4] not in everything and dropped not in everything  # hidden, replaced
        for text in texts[:4]:
            assert text not in "\n".join(frames[: before_release[key]])  # nothing before release
        for frame in frames:
            message = json.loads(frame)
            assert message["type"] != "progress"
            assert "pauses" not in frame and '"queue":[{' not in frame.replace(" ", "")


@pytest.mark.parametrize("live", ["memory"], indirect=True)  # the rule is in the domain
async def test_fewer_than_k_written_answers_are_read_by_nobody(live: LiveServer) -> None:
    """The facilitator watches the count rise: shown one text after one person sent, it would
    know whose it was. With fewer than k writers none reaches the queue, nor any frame."""
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(2)]
    seen = {id(c): record(c) for c in (facilitator, display, *phones)}
    texts = await each_writes_then_close(facilitator, phones, "only")
    view = await facilitator.until_view(lambda v: v["activity"]["status"] == "closed")
    assert view["queue"] == [] and view["activity"]["withheld_texts"] is True
    refused = await facilitator.command({"type": "release"})
    assert refused["code"] == "nothing_approved"
    await facilitator.command({"type": "reveal"})
    await facilitator.until_view(lambda v: v["activity"]["status"] == "revealed")
    assert display.view["texts"] == []
    for frames in seen.values():
        assert not any(text in frame for text in texts for frame in frames)


@pytest.mark.parametrize("live", ["memory"], indirect=True)  # the rule is in the domain
async def test_a_k_raised_after_the_reveal_holds_back_a_queue_of_fewer_writers(
    live: LiveServer,
) -> None:
    """k may change once an activity is revealed; texts queued when k writers were enough are
    then fewer than the new k, and none is released (too_few), as no result would show."""
    room = await live.create_room(k=3)
    facilitator = await Client.join(live, room, "facilitator")
    display = await Client.join(live, room, "display")
    phones = [await Client.join(live, room, "participant") for _ in range(3)]
    await each_writes_then_close(facilitator, phones, "kept")
    queue = (await facilitator.until_view(lambda v: len(v["queue"]) == 3))["queue"]
    await facilitator.command({"type": "moderate", "item": queue[0]["id"], "action": "approve"})
    assert (await facilitator.command({"type": "reveal"}))["type"] == "ack"
    assert (await facilitator.command({"type": "configure", "k": 5}))["type"] == "ack"
    refused = await facilitator.command({"type": "release"})
    assert refused["code"] == "too_few"
    assert refused["message"] == "Fewer than 5 answers were written; nothing can be released."
    view = await facilitator.until_view(lambda v: v["room"]["k"] == 5)
    assert not any(q["released"] for q in view["queue"])
    await display.until_view(lambda v: v["activity"] and v["activity"]["status"] == "revealed")
    assert display.view["texts"] == []


# -- the shuffle --------------------------------------------------------------------------------

CHI2_LIMIT_P = 1e-6  # chance that a correct shuffle fails this test


def chi2_sf_df3(x: float) -> float:
    """P(X >= x) for a chi-square with 3 degrees of freedom (closed form)."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)


def chi2_critical_df3(p_value: float) -> float:
    low, high = 0.0, 200.0
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if chi2_sf_df3(mid) > p_value else (low, mid)
    return high


def released_order(items: int) -> list[int]:
    """Release one closed activity through the real domain; which arrival came first, etc."""
    queue = [QueuedText(id=f"q{i}", text=f"t{i}", state="approved") for i in range(items)]
    live = LiveActivity(
        id="a1", activity=Prompt(text="?", open_text=True), status="closed", queue=queue
    )
    state = RoomState(
        code="ACDEFG",
        epoch="e",
        created_on="2026-01-01",
        k=3,
        facilitator_digest="f",
        display_digest="d",
        live=live,
    )
    after = apply(state, p.Release(type="release", id=1), now_ms=0)
    assert after.live is not None
    return [int(text[1:]) for text in after.live.released]


def test_release_order_is_independent_of_arrival_order() -> None:
    """First and last positions of a 4-answer batch over 4000 releases: a chi-square against
    uniform at a threshold a correct shuffle exceeds about once in a million runs. An unshuffled
    or arrival-biased release fails it by orders of magnitude."""
    items, trials = 4, 4000
    critical = chi2_critical_df3(CHI2_LIMIT_P / 2)  # two looks, so half the budget each
    assert 32 < critical < 34  # sanity of the closed form
    first: Counter[int] = Counter()
    last: Counter[int] = Counter()
    for _ in range(trials):
        order = released_order(items)
        assert sorted(order) == list(range(items))
        first[order[0]] += 1
        last[order[-1]] += 1
    expected = trials / items
    for counts in (first, last):
        chi2 = sum((counts[i] - expected) ** 2 / expected for i in range(items))
        assert chi2 < critical, (chi2, counts)


def test_the_chi_square_check_would_catch_a_biased_release() -> None:
    """The check must be able to fail: arrival order with a mild bias is rejected."""
    counts = Counter({0: 1200, 1: 934, 2: 933, 3: 933})
    expected = sum(counts.values()) / 4
    chi2 = sum((counts[i] - expected) ** 2 / expected for i in range(4))
    assert chi2 > chi2_critical_df3(CHI2_LIMIT_P / 2)


def queued_order(items: int) -> list[int]:
    """Close one open-text activity through the real domain, answers handed in store order."""
    live = LiveActivity(id="a1", activity=Prompt(text="?", open_text=True))
    state = RoomState(
        code="ACDEFG",
        epoch="e",
        created_on="2026-01-01",
        k=3,
        facilitator_digest="f",
        display_digest="d",
        live=live,
    )
    texts = [(f"q{i}", f"t{i}") for i in range(items)]
    after = apply(state, p.Close(type="close", id=1), now_ms=0, texts=texts)
    assert after.live is not None
    return [int(item.text[1:]) for item in after.live.queue]


def test_the_moderation_queue_is_shuffled_once_per_activity() -> None:
    """The facilitator's queue never follows the order answers reached the store: the first
    and last places of a 4-answer queue are uniform over 4000 closes (the chi-square above)."""
    items, trials = 4, 4000
    critical = chi2_critical_df3(CHI2_LIMIT_P / 2)
    first: Counter[int] = Counter()
    last: Counter[int] = Counter()
    for _ in range(trials):
        order = queued_order(items)
        assert sorted(order) == list(range(items))
        first[order[0]] += 1
        last[order[-1]] += 1
    expected = trials / items
    for counts in (first, last):
        chi2 = sum((counts[i] - expected) ** 2 / expected for i in range(items))
        assert chi2 < critical, (chi2, counts)
