"""Answers on paper: the facilitator's tally counts toward k, is added to the phones' tally in
the one place results are computed (preview and reveal), never shows on phones or the display,
and the summary says some answers were added by hand (not how many)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from server.domain.rooms import CommandError, RoomState, apply, new_room
from server.domain.summary import build_summary
from server.http.summary_export import BY_HAND, summary_csv
from server.wire import protocol as p
from tests.support import Client, LiveServer

POLL = {
    "kind": "poll",
    "text": "What helps?",
    "options": ["Honesty", "Patience", "Time"],
    "result_style": "counts",
}


def command(**fields: Any) -> Any:
    return p.client_adapter.validate_python({"id": 1, **fields})


def opened(k: int = 5, activity: dict[str, Any] = POLL) -> RoomState:
    state = apply(new_room("ACDEFG", "f", "d", k=k, cap=30), command(type="open", activity=activity), 0)
    return apply(state, command(type="close"), 0)


def test_paper_answers_count_toward_k_and_are_marked_by_hand() -> None:
    phones = {"n": 3, "o:0": 3}
    alone = apply(opened(), command(type="reveal"), 0, tally=phones)
    assert alone.live and alone.live.results and alone.live.results.overall
    assert alone.live.results.overall.shown is False  # three phones: fewer than k = 5
    state = apply(opened(), command(type="paper", activity="a1", counts=[2, 1, 0]), 0)
    state = apply(state, command(type="paper", activity="a1", counts=[2, 0, 0]), 0)  # replaces
    assert state.live and state.live.paper == {"n": 2, "o:0": 2}
    revealed = apply(state, command(type="reveal"), 0, tally=phones)
    assert revealed.live and revealed.live.results and revealed.live.results.overall
    overall = revealed.live.results.overall
    assert overall.shown and [c.count for c in overall.cells] == [5, 0, 0]
    assert overall.answered == 5
    summary = build_summary(revealed)
    assert summary.entries[0].by_hand is True
    text = summary_csv(summary)
    assert BY_HAND in text and ",1," not in text and ",6," not in text


def test_a_scale_and_a_multiple_choice_poll() -> None:
    scale = {"kind": "scale", "text": "Hope?", "points": 4}
    state = apply(opened(3, scale), command(type="paper", activity="a1", counts=[0, 1, 2, 0]), 0)
    assert state.live and state.live.paper == {"n": 3, "v:2": 1, "v:3": 2}
    multiple = {**POLL, "multiple": True}
    state = apply(opened(3, multiple), command(type="paper", activity="a1", counts=[2, 2, 1],
                                               sheets=3), 0)
    assert state.live and state.live.paper["n"] == 3


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"counts": [1, 2]}, "bad_paper"),  # one count per option
        ({"activity": "a9"}, "closed"),
        ({"counts": [1, 1, 1], "multiple": True}, "bad_paper"),  # how many sheets?
        ({"counts": [3, 3, 0], "sheets": 2, "multiple": True}, "bad_paper"),
        ({"kind": "prompt"}, "bad_paper"),
        ({"split": True}, "split"),
        ({"revealed": True}, "revealed"),
    ],
)
def test_paper_answers_that_do_not_fit_are_refused(change: dict[str, Any], code: str) -> None:
    activity: dict[str, Any] = dict(POLL, multiple=change.pop("multiple", False))
    if change.pop("kind", None):
        activity = {"kind": "prompt", "text": "Say it."}
    state = opened(3, activity)
    if change.pop("split", False):
        state = state.model_copy(update={"split": True, "tracks": True})
    if change.pop("revealed", False):
        state = apply(state, command(type="reveal"), 0, tally={})
    message = {"type": "paper", "activity": "a1", "counts": [1, 1, 1], **change}
    with pytest.raises(CommandError) as refused:
        apply(state, command(**message), 0)
    assert refused.value.code == code


async def test_the_preview_and_reveal_include_paper_but_only_the_console_sees_the_tally() -> None:
    live = LiveServer.start()
    clients: list[Client] = []
    try:
        room = await live.create_room(k=4)
        facilitator = await Client.join(live, room, "facilitator")
        display = await Client.join(live, room, "display")
        phones = [await Client.join(live, room, "participant") for _ in range(2)]
        clients = [facilitator, display, *phones]
        await facilitator.command({"type": "open", "activity": POLL})
        view = await phones[0].until_view(lambda v: v["activity"] is not None)
        aid = view["activity"]["id"]
        for phone in phones:
            ack = await phone.command({"type": "answer", "activity": aid,
                                       "ballot": secrets.token_urlsafe(16),
                                       "value": {"kind": "choice", "option": 1}})
            assert ack["type"] == "ack"
        await facilitator.command({"type": "close"})  # the preview comes once answers are closed
        ack = await facilitator.command({"type": "paper", "activity": aid, "counts": [0, 2, 0]})
        assert ack["type"] == "ack", ack
        mine = await facilitator.until_view(lambda v: v["activity"]["paper"] == {"n": 2, "o:1": 2})
        assert mine["activity"]["paper"]
        progress = await facilitator.expect_where(
            lambda m: m["type"] == "progress" and m["preview"] is not None
        )
        assert progress["answered"] == 2  # phones; the console knows its own paper tally
        assert [c["count"] for c in progress["preview"]["overall"]["cells"]] == [0, 4, 0]
        await facilitator.command({"type": "reveal"})
        for client in (display, *phones):
            seen = await client.until_view(lambda v: v["results"] is not None)
            assert [c["count"] for c in seen["results"]["overall"]["cells"]] == [0, 4, 0]
            assert seen["activity"]["paper"] is None
        await facilitator.send({"type": "summary", "id": 99})
        summary = await facilitator.expect("summary")
        assert summary["summary"]["entries"][0]["by_hand"] is True
    finally:
        for client in clients:
            await client.close()
        live.stop()
