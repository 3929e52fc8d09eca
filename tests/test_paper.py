"""Answers on paper: the facilitator's tally is added to the phones' in the one place results
are computed (preview and reveal), never shows on phones or the display, and the summary says
some answers were added by hand (not how many). The facilitator knows the paper answers one by
one, so they can be typed in only while answers are open (before any preview), and a result that
includes them is held to k plus their number, in exact counts: padding a lone answer with paper
slips tells the facilitator nothing (the attack an outside tester made is replayed here)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from server.domain.results import Result
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
    return apply(new_room("ACDEFG", "f", "d", k=k, cap=30), command(type="open", activity=activity), 0)


def revealed(state: RoomState, phones: dict[str, int]) -> Result:
    state = apply(apply(state, command(type="close"), 0), command(type="reveal"), 0, tally=phones)
    assert state.live and state.live.results and state.live.results.overall
    return state.live.results.overall


def test_paper_answers_are_held_to_k_plus_their_number_and_marked_by_hand() -> None:
    phones = {"n": 3, "o:0": 3}
    assert revealed(opened(), phones).shown is False  # three phones: fewer than k = 5
    state = apply(opened(), command(type="paper", activity="a1", counts=[2, 1, 0]), 0)
    state = apply(state, command(type="paper", activity="a1", counts=[2, 0, 0]), 0)  # replaces
    assert state.live and state.live.paper == {"n": 2, "o:0": 2}
    # 5 answers in all, but 2 of them known to the facilitator: held to k + 2 = 7, not shown
    overall = revealed(state, phones)
    assert (overall.shown, overall.k) == (False, 7)
    phones = {"n": 6, "o:0": 6}
    state = apply(opened(), command(type="paper", activity="a1", counts=[2, 0, 0]), 0)
    closed = apply(state, command(type="close"), 0)
    done = apply(closed, command(type="reveal"), 0, tally=phones)
    assert done.live and done.live.results and done.live.results.overall
    overall = done.live.results.overall
    assert overall.shown and [c.count for c in overall.cells] == [8, 0, 0] and overall.k == 7
    assert overall.answered == 8
    summary = build_summary(done)
    assert summary.entries[0].by_hand is True
    text = summary_csv(summary)
    assert BY_HAND in text and ",2," not in text and ",6," not in text


@pytest.mark.parametrize(
    ("activity", "phones", "paper", "sheets"),
    [
        # One phone answered Honesty; the facilitator pads every option with 5 slips.
        (POLL, {"n": 1, "o:0": 1}, [5, 5, 5], None),
        # Counts 4 / 2 / 1 padded to 9 / 7 / 6: every count would be exact, the 1 included.
        (POLL, {"n": 7, "o:0": 4, "o:1": 2, "o:2": 1}, [5, 5, 5], None),
        # In the leaning style, which would rank the lone answer first.
        ({**POLL, "result_style": "leaning"}, {"n": 1, "o:2": 1}, [5, 5, 5], None),
        # A scale answered by one person, padded on every value.
        ({"kind": "scale", "text": "Hope?", "points": 5, "result_style": "bands"},
         {"n": 1, "v:1": 1}, [5, 5, 5, 5, 5], None),
        # Enough phones for a result: shown, and still nothing below k once the slips are out.
        (POLL, {"n": 16, "o:0": 8, "o:1": 8}, [2, 0, 0], None),
        # Multiple choice: one person ticked two options; five sheets tick all three.
        ({**POLL, "multiple": True, "result_style": "leaning"},
         {"n": 1, "o:0": 1, "o:1": 1}, [5, 5, 5], 5),
    ],
)
def test_padding_with_paper_tells_the_facilitator_nothing_below_k(
    activity: dict[str, Any], phones: dict[str, int], paper: list[int], sheets: int | None
) -> None:
    """Whatever is shown, once the facilitator takes away the slips it typed in, no phone count
    (nor a group of them, nor who did not tick) is left between 1 and k - 1."""
    k = 5
    message: dict[str, Any] = {"type": "paper", "activity": "a1", "counts": paper}
    if sheets is not None:
        message["sheets"] = sheets
    state = apply(opened(k, activity), command(**message), 0)
    assert state.live
    known = state.live.paper
    result = revealed(state, phones)
    if not result.shown:
        return
    assert result.style == "counts" and result.k == k + known["n"]
    counts = [c.count for c in result.cells]
    if any(c is None for c in counts):
        assert all(c is None for c in counts)  # none shown: only how many answered
        return
    cell = "v:" if activity["kind"] == "scale" else "o:"
    first = 1 if activity["kind"] == "scale" else 0
    left = [c - known.get(f"{cell}{first + i}", 0) for i, c in enumerate(counts) if c is not None]
    phones_n = result.answered - known["n"]  # type: ignore[operator]
    for total in left + [phones_n - c for c in left]:
        assert total == 0 or total >= k, (counts, left)


def test_paper_answers_wait_for_nothing_once_answers_are_closed() -> None:
    """Closed, the console has a preview: paper typed in then would be a second look."""
    state = apply(opened(), command(type="close"), 0)
    with pytest.raises(CommandError) as refused:
        apply(state, command(type="paper", activity="a1", counts=[5, 5, 5]), 0)
    assert refused.value.code == "closed"


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
        ({"revealed": True}, "closed"),
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
        state = apply(apply(state, command(type="close"), 0), command(type="reveal"), 0, tally={})
    message = {"type": "paper", "activity": "a1", "counts": [1, 1, 1], **change}
    with pytest.raises(CommandError) as refused:
        apply(state, command(**message), 0)
    assert refused.value.code == code


async def test_the_preview_and_reveal_include_paper_but_only_the_console_sees_the_tally() -> None:
    live = LiveServer.start()
    clients: list[Client] = []
    try:
        room = await live.create_room(k=3)
        facilitator = await Client.join(live, room, "facilitator")
        display = await Client.join(live, room, "display")
        phones = [await Client.join(live, room, "participant") for _ in range(3)]
        clients = [facilitator, display, *phones]
        await facilitator.command({"type": "open", "activity": POLL})
        view = await phones[0].until_view(lambda v: v["activity"] is not None)
        aid = view["activity"]["id"]
        for phone in phones:
            ack = await phone.command({"type": "answer", "activity": aid,
                                       "ballot": secrets.token_urlsafe(16),
                                       "value": {"kind": "choice", "option": 1}})
            assert ack["type"] == "ack"
        ack = await facilitator.command({"type": "paper", "activity": aid, "counts": [0, 2, 0]})
        assert ack["type"] == "ack", ack
        mine = await facilitator.until_view(lambda v: v["activity"]["paper"] == {"n": 2, "o:1": 2})
        assert mine["activity"]["paper"]
        await facilitator.command({"type": "close"})  # the preview comes once answers are closed
        late = await facilitator.command({"type": "paper", "activity": aid, "counts": [0, 9, 0]})
        assert late["type"] == "error" and late["code"] == "closed", late
        progress = await facilitator.expect_where(
            lambda m: m["type"] == "progress" and m["preview"] is not None
        )
        assert progress["answered"] == 3  # phones; the console knows its own paper tally
        # 3 phones and 2 slips: every count 0 or at least k + 2 = 5
        assert [c["count"] for c in progress["preview"]["overall"]["cells"]] == [0, 5, 0]
        await facilitator.command({"type": "reveal"})
        for client in (display, *phones):
            seen = await client.until_view(lambda v: v["results"] is not None)
            assert [c["count"] for c in seen["results"]["overall"]["cells"]] == [0, 5, 0]
            assert seen["activity"]["paper"] is None
        await facilitator.send({"type": "summary", "id": 99})
        summary = await facilitator.expect("summary")
        assert summary["summary"]["entries"][0]["by_hand"] is True
    finally:
        for client in clients:
            await client.close()
        live.stop()
