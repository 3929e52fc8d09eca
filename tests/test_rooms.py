"""The pure domain: commands, timers and thresholds, without any I/O."""

from __future__ import annotations

import pytest

from server.domain.activities import Poll, Reflection
from server.domain.codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    new_credential,
    new_join_code,
    normalise_code,
)
from server.domain.results import compute
from server.domain.rooms import CommandError, RoomState, apply, new_room
from server.wire import protocol as p


def room() -> RoomState:
    return new_room("ACDEFG", "f", "d", k=3, cap=30)


def test_codes_avoid_look_alikes_and_credentials_are_long() -> None:
    assert not set("01258BILOSZ") & set(CODE_ALPHABET)
    codes = {new_join_code() for _ in range(200)}
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(codes) > 190
    assert len(new_credential()) * 6 >= 128  # url-safe base64: 6 bits a character
    assert normalise_code(" acd-efg ") == "ACDEFG"
    assert normalise_code("ACDEF0") is None


def test_open_assigns_ids_and_arms_a_timer_for_reflections() -> None:
    s = apply(room(), p.Open(type="open", id=1, activity=Reflection(text="Write.", seconds=90)), 0)
    assert s.live is not None and s.live.id == "a1" and s.live.status == "open"
    assert s.timer is not None and not s.timer.running and s.timer.remaining_ms == 90_000
    s = apply(s, p.Open(type="open", id=2, activity=Poll(text="?", options=["a", "b"])), 0)
    assert s.live is not None and s.live.id == "a2" and s.timer is None
    assert s.accepting == "a2"


def test_timer_start_pause_extend_resume() -> None:
    s = apply(room(), p.Open(type="open", id=1, activity=Reflection(text="Write.", seconds=60)), 0)
    s = apply(s, p.TimerCommand(type="timer", id=2, action="start"), 1_000)
    assert s.timer is not None and s.timer.deadline_ms == 61_000
    s = apply(s, p.TimerCommand(type="timer", id=3, action="pause"), 21_000)
    assert s.timer is not None and s.timer.remaining_ms == 40_000 and not s.timer.running
    s = apply(s, p.TimerCommand(type="timer", id=4, action="extend"), 30_000)
    assert s.timer is not None and s.timer.remaining_ms == 100_000
    s = apply(s, p.TimerCommand(type="timer", id=5, action="resume"), 50_000)
    assert s.timer is not None and s.timer.deadline_ms == 150_000
    s = apply(s, p.TimerCommand(type="timer", id=6, action="extend", seconds=30), 60_000)
    assert s.timer is not None and s.timer.deadline_ms == 180_000
    with pytest.raises(CommandError):
        apply(s, p.TimerCommand(type="timer", id=7, action="resume"), 0)


def test_closing_drops_a_timer_never_started_and_keeps_one_that_ran() -> None:
    """An outside tester: the projector showed "3:00 not started" beside a closed reflection's
    released notes, a clock for nothing. One that ran still says where it stopped."""
    reflection = Reflection(text="Write.", seconds=60, share=True)
    s = apply(room(), p.Open(type="open", id=1, activity=reflection), 0)
    s = apply(s, p.Close(type="close", id=2), 0)
    assert s.timer is None
    s = apply(room(), p.Open(type="open", id=1, activity=reflection), 0)
    s = apply(s, p.TimerCommand(type="timer", id=2, action="start"), 1_000)
    s = apply(s, p.Close(type="close", id=3), 11_000)
    assert s.timer is not None and s.timer.running and s.timer.deadline_ms == 61_000


def test_releasing_answers_drops_a_clock_that_stands_still_and_keeps_one_running() -> None:
    """An outside tester: "5:41 paused" stood on the projector in large type beside the room's
    released notes. A clock paused or run out goes with the release; one still running stays."""
    reflection = Reflection(text="Write.", seconds=60, share=True)
    texts = [("i1", "one"), ("i2", "two"), ("i3", "three")]

    def released(*timer: tuple[str, int], at: int) -> RoomState:
        s = apply(room(), p.Open(type="open", id=1, activity=reflection), 0)
        for n, (action, when) in enumerate(timer, start=2):
            s = apply(s, p.TimerCommand(type="timer", id=n, action=action), when)  # type: ignore[arg-type]
        s = apply(s, p.Close(type="close", id=10), at, texts=texts)
        for item, _ in texts:
            s = apply(s, p.Moderate(type="moderate", id=11, item=item, action="approve"), at)
        s = apply(s, p.Release(type="release", id=12), at)
        assert s.live is not None and len(s.live.released) == 3
        return s

    assert released(("start", 0), ("pause", 19_000), at=30_000).timer is None
    assert released(("start", 0), at=61_000).timer is None  # time is up
    running = released(("start", 0), at=30_000).timer
    assert running is not None and running.running and running.deadline_ms == 60_000


def test_reveal_needs_a_closed_activity_and_freezes_results() -> None:
    poll = Poll(text="?", options=["a", "b"], result_style="counts")
    s = apply(room(), p.Open(type="open", id=1, activity=poll), 0)
    with pytest.raises(CommandError):
        apply(s, p.Reveal(type="reveal", id=2), 0, tally={})
    s = apply(s, p.Close(type="close", id=3), 0)
    assert s.accepting is None
    s = apply(s, p.Reveal(type="reveal", id=4), 0, tally={"n": 5, "o:0": 4, "o:1": 1})
    assert s.live is not None and s.live.results is not None
    overall = s.live.results.overall
    assert overall is not None and [c.count for c in overall.cells] == [None, None]
    assert all(c.withheld for c in overall.cells)  # 5 - 4 would tell the hidden 1
    assert overall.answered == 5
    assert s.history and s.history[0]["id"] == "a1"


def test_results_threshold() -> None:
    poll = Poll(text="?", options=["a", "b", "c"], result_style="counts")
    assert not compute(poll, {"n": 2, "o:0": 2}, k=3).overall.shown  # type: ignore[union-attr]
    shown = compute(poll, {"n": 6, "o:0": 3, "o:1": 3}, k=3).overall
    assert shown is not None and shown.answered == 6 and [c.count for c in shown.cells] == [3, 3, 0]
    assert compute(poll, {"n": 9}, k=1).overall.k == 3  # type: ignore[union-attr]  # never below 3
    split = compute(
        poll, {"n": 6, "t:hurt|n": 4, "t:hurt|o:0": 4, "t:caused|n": 2}, k=3, split=True
    )
    assert split.overall is None and split.by_track is not None
    assert not split.by_track["caused"].shown and split.by_track["hurt"].cells[0].count == 4


def test_moderation_and_shuffled_release() -> None:
    s = apply(room(), p.Open(type="open", id=1, activity=Reflection(text="?", share=True)), 0)
    s = apply(s, p.Close(type="close", id=2), 0, texts=[("i1", "one"), ("i2", "two"), ("i3", "x")])
    with pytest.raises(CommandError):
        apply(s, p.Release(type="release", id=3), 0)
    for item in ("i1", "i2"):
        s = apply(s, p.Moderate(type="moderate", id=4, item=item, action="approve"), 0)
    s = apply(s, p.Moderate(type="moderate", id=5, item="i3", action="hide"), 0)
    s = apply(s, p.Release(type="release", id=6), 0)
    assert s.live is not None and sorted(s.live.released) == ["one", "two"]
    with pytest.raises(CommandError):
        apply(s, p.Moderate(type="moderate", id=7, item="i1", action="hide"), 0)


def test_no_command_changes_the_state_it_is_given() -> None:
    """apply() returns a new state and leaves the one it was given as it was, whichever
    command: some work on a shallow copy (server/domain/rooms.py TOP_LEVEL_ONLY), so a command
    that changed a shared part in place would change the room's previous state too (the one the
    hub and other screens still hold)."""
    poll = Poll(text="?", options=["a", "b"], result_style="counts")
    reflection = Reflection(text="Write.", seconds=60, share=True)
    session: list[tuple[p.FacilitatorCommand, dict[str, object]]] = [
        (p.Open(type="open", id=1, activity=poll), {}),
        (p.PaperAnswers(type="paper", id=2, activity="a1", counts=[1, 2]), {}),
        (p.Configure(type="configure", id=3, k=4, locked=True, tracks=True), {}),
        (p.Open(type="open", id=4, activity=reflection, interrupt=True), {}),
        (p.TimerCommand(type="timer", id=5, action="start"), {}),
        (p.TimerCommand(type="timer", id=6, action="pause"), {}),
        (p.Resume(type="resume", id=7), {}),
        (p.Close(type="close", id=8), {}),
        (p.Reveal(type="reveal", id=9), {"tally": {"n": 6, "o:0": 3, "o:1": 3}}),
        (p.Screen(type="screen", id=10, blank=True), {}),
        (p.Screen(type="screen", id=11, blank=False), {}),
        (p.SupportCard(type="support", id=12, text="Call 123."), {}),
        (p.Open(type="open", id=13, activity=reflection), {}),
        (p.TimerCommand(type="timer", id=14, action="start"), {}),
        (p.TimerCommand(type="timer", id=15, action="extend", seconds=30), {}),
        (p.Close(type="close", id=16), {"texts": [(f"i{n}", f"text {n}") for n in range(5)]}),
        *[
            (p.Moderate(type="moderate", id=17, item=f"i{n}", action="approve"), {})
            for n in range(4)
        ],
        (p.Release(type="release", id=18), {}),
        (p.ShowText(type="show_text", id=19, shown=True), {}),
        (p.GroundingNow(type="grounding_now", id=20), {}),
        (p.Clear(type="clear", id=21), {}),
    ]
    state = room()
    held: list[tuple[RoomState, str]] = []
    for command, extra in session:
        held.append((state, state.model_dump_json()))
        try:
            state = apply(state, command, 1_000 * len(held), **extra)  # type: ignore[arg-type]
        except CommandError:
            continue  # refused: nothing changed either way
        for earlier, as_it_was in held:
            assert earlier.model_dump_json() == as_it_was, type(command).__name__
    assert state.live is None and len(held) == len(session)
    assert len(state.history) == 2  # the reveal and the release went through
