"""Promise 3, as a property: over random rooms, answers, changes of mind, passes, rejoins, k,
tracks, splits, result styles, reveals and second reveals, nothing offered to a display, a phone
or the console, and no summary file, carries a count c with 0 < c < k, and no result seen lets a
reader work one out: every result is checked against every tally it could have come from
(tests/disclosure_check.py), and each activity is seen in one form only (the console's preview
is the reveal, and nothing is previewed while answers come in).

The real code path runs in process: Service (load, apply, commit, publish) and Hub (views,
diffs, fan-out) over each store (memory, and a real Redis), with recording connections standing
in for sockets: every frame the hub would write to a display, phone or console socket is
captured and checked. Displayed counts are also compared with the truth, so a broken tally
fails too.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain.activities import TRACKS
from server.domain.codes import digest
from server.domain.rooms import CommandError
from server.domain.summary import build_summary
from server.domain.trends import Trend, trends
from server.service import watch as watch_module
from server.service.membership import Seat
from server.service.rooms import Service
from server.settings import Settings
from server.store import RoomStore
from server.store.base import side_tag
from server.store.memory import MemoryStore
from server.store.redis import RedisStore
from server.transport.hub import Hub
from server.wire import protocol as p
from tests.disclosure_check import observed_leaks

WORDS = ["calm", "tired", "hope", "Hope!"]  # "Hope!" normalises to "hope"
CHOICE_STYLES = ("auto", "counts", "words", "leaning")
ACTIVITIES: list[dict[str, Any]] = [
    *(
        {"kind": "poll", "text": "Which?", "options": ["a", "b", "c"], "result_style": s}
        for s in CHOICE_STYLES
    ),
    *(
        {
            "kind": "poll",
            "text": "Any?",
            "options": ["a", "b", "c"],
            "multiple": True,
            "result_style": s,
        }
        for s in CHOICE_STYLES
    ),
    *(
        {"kind": "scale", "text": "How?", "points": 4, "result_style": s}
        for s in (*CHOICE_STYLES, "bands")
    ),
    *(
        {
            "kind": "checkin",
            "text": "Arriving?",
            "options": ["calm", "raw", "numb"],
            "result_style": s,
        }
        for s in CHOICE_STYLES
    ),
    {"kind": "words", "text": "A word?", "max_words": 2},
]
REJOIN = {"kind": "rejoin"}  # a step: the phone leaves and comes back as a new participant


@dataclass(eq=False)
class Recorder:
    """Stands where a socket would: keeps every frame the hub offers it."""

    role: str
    frames: list[str] = field(default_factory=list)
    seat: str = "lead"
    grant: str | None = None
    lang: str | None = None
    closing: tuple[int, str] | None = None

    def offer(self, text: str) -> bool:
        self.frames.append(text)
        return True

    def close(self, code: int, reason: str) -> None:
        pass

    def stalled(self) -> bool:
        return False


def as_seat(code: str, token: str) -> Seat:
    """A phone's seat, as admission gives it: its token and the token's digest."""
    return Seat(code, "participant", who=digest(token), token=token)


def results_in(value: Any, fields: set[str]) -> list[dict[str, Any]]:
    """Every object with these fields anywhere in a message."""
    found = []
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if fields <= item.keys():
                found.append(item)
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return found


def assert_thresholded(message: Any, k: int) -> None:
    for trend in results_in(message, {"labels", "points", "k"}):
        assert trend["k"] >= k
        for point in trend["points"]:
            assert point["answered"] is None or point["answered"] == 0 or point["answered"] >= k
            assert all(c is None or c == 0 or c >= k for c in point["counts"]), point
            if not point["shown"]:
                assert point["counts"] == [] and point["answered"] is None
    for result in results_in(message, {"kind", "k", "shown", "cells"}):
        assert result["k"] >= k >= 3
        answered = result["answered"]
        assert answered is None or answered == 0 or answered >= k, result
        for cell in result["cells"]:
            c = cell["count"]
            assert c is None or c == 0 or c >= k, result
        # never an exact 0 beside a withheld option
        assert not (
            any(c.get("withheld") for c in result["cells"])
            and any(c["count"] == 0 for c in result["cells"])
        ), result
        for band in result.get("bands", []):
            assert band["count"] >= k, result
        if not result["shown"]:
            assert result["cells"] == [] and answered is None and result["mean"] is None


def value_strategy(activity: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    kind = activity["kind"]
    if kind == "poll" and activity.get("multiple"):
        choice = st.lists(st.integers(0, 2), min_size=1, max_size=3).map(
            lambda o: {"kind": "choices", "options": o}
        )
    elif kind in ("poll", "checkin"):
        choice = st.integers(0, 2).map(lambda o: {"kind": "choice", "option": o})
    elif kind == "scale":
        choice = st.integers(1, 4).map(lambda v: {"kind": "scale", "value": v})
    else:
        choice = st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(
            lambda w: {"kind": "words", "words": w}
        )
    return st.one_of(choice, st.just({"kind": "pass"}), st.just(REJOIN))


def truth(activity: dict[str, Any], answers: dict[Any, dict[str, Any]]) -> Counter[str]:
    """The counts each visible label should have, from the final answer of each phone."""
    counts: Counter[str] = Counter()
    for value in answers.values():
        if value["kind"] == "choice":
            counts[
                activity.get("options", ["Steady", "Tender", "Heavy", "Overwhelmed"])[
                    value["option"]
                ]
            ] += 1
        elif value["kind"] == "choices":
            for o in set(value["options"]):
                counts[activity["options"][o]] += 1
        elif value["kind"] == "scale":
            counts[str(value["value"])] += 1
        elif value["kind"] == "words":
            for w in {x.lower().strip("!") for x in value["words"]}:
                counts[w] += 1
    return counts


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(1, 11))
    tracks = draw(st.booleans())
    rounds = []
    for _ in range(draw(st.integers(1, 3))):
        activity = draw(st.sampled_from(ACTIVITIES))
        steps = draw(
            st.lists(st.tuples(st.integers(0, size - 1), value_strategy(activity)), max_size=24)
        )
        late = draw(
            st.lists(st.tuples(st.integers(0, size - 1), value_strategy(activity)), max_size=3)
        )
        toggle_at = draw(st.none() | st.integers(0, max(0, len(steps) - 1)))
        flip_after = draw(st.booleans())
        rounds.append(
            {
                "activity": activity,
                "steps": steps,
                "late": late,
                "toggle_at": toggle_at,
                "flip_after": flip_after,
            }
        )
    return {
        "k": draw(st.integers(3, 6)),
        "size": size,
        "tracks": tracks,
        "split": tracks and draw(st.booleans()),
        "sides": [draw(st.sampled_from([None, *TRACKS])) for _ in range(size)],
        "rounds": rounds,
    }


async def run(scenario: dict[str, Any], redis_url: str = "") -> None:
    k = scenario["k"]
    store: RoomStore = RedisStore(redis_url) if redis_url else MemoryStore()
    await store.start()
    hub = Hub("test", join_url=lambda c: f"http://x/join#{c}", qr_svg=lambda c: "<svg/>")
    service = Service(store, hub, Settings(default_k=k))
    try:
        room = await service.create_room(k=k)
        code = room.code
        display, facilitator = Recorder("display"), Recorder("facilitator")
        phones = [Recorder("participant") for _ in range(scenario["size"])]
        who = [secrets.token_hex(8) for _ in phones]
        for conn in (display, facilitator, *phones):
            assert await service.watch.attach(code, conn) is not None
        for person in who:
            assert await store.join(code, digest(person), 300, 600) == "ok"
        await service.command(
            code,
            p.Configure(type="configure", id=1, tracks=scenario["tracks"], split=scenario["split"]),
        )
        if scenario["tracks"]:
            for person, side in zip(who, scenario["sides"], strict=True):
                if side is not None:
                    await store.set_side(code, digest(person), side_tag(person, side), 600)
        public = [display, *phones]
        split = scenario["split"]
        revealed: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for number, round_ in enumerate(scenario["rounds"]):
            activity = round_["activity"]
            await service.command(
                code,
                p.client_adapter.validate_python({"type": "open", "id": 2, "activity": activity}),
            )
            aid = f"a{number + 1}"
            ballots = [secrets.token_urlsafe(16) for _ in phones]
            final: dict[tuple[int, str], dict[str, Any]] = {}
            sides: dict[tuple[int, str], str | None] = {}
            for step, (index, value) in enumerate(round_["steps"]):
                if step == round_["toggle_at"]:
                    split = await flip_split(service, code, split, scenario["tracks"], live=True)
                before = [len(c.frames) for c in public]
                if value == REJOIN:  # the answer given stays; the person comes back as new
                    await store.leave(code, digest(who[index]))
                    who[index] = secrets.token_hex(8)
                    assert await store.join(code, digest(who[index]), 300, 600) == "ok"
                    side = scenario["sides"][index]
                    if scenario["tracks"] and side is not None:
                        tag = side_tag(who[index], side)
                        await store.set_side(code, digest(who[index]), tag, 600)
                    ballots[index] = secrets.token_urlsafe(16)
                    assert [len(c.frames) for c in public] == before
                    continue
                answer = p.Answer(
                    type="answer", id=3, activity=aid, ballot=ballots[index], value=value
                )
                await service.answer(as_seat(code, who[index]), answer)
                final[(index, who[index])] = value
                sides[(index, who[index])] = (
                    scenario["sides"][index] if scenario["tracks"] else None
                )
                # no live trickle: an answer sends nothing to the display or any phone
                assert [len(c.frames) for c in public] == before
            await service.command(code, p.Reveal(type="reveal", id=4))
            shown = hub.state(code).live.results  # type: ignore[union-attr]
            assert shown is not None
            revealed[aid] = (activity, shown.model_dump())
            if round_["flip_after"]:  # revealed results are frozen whatever the split says now
                split = await flip_split(service, code, split, scenario["tracks"], live=False)
                await service.command(code, p.Reveal(type="reveal", id=4))
                assert hub.state(code).live.results == shown  # type: ignore[union-attr]
            if shown.by_track is None:
                assert shown.overall is not None
                expected = truth(activity, final)
                for cell in shown.overall.cells:
                    if cell.count is not None:
                        assert cell.count == expected[cell.label]
            else:
                assert shown.overall is None  # the whole minus the parts would tell
                assert scenario["tracks"]
                for side, result in (shown.by_track or {}).items():
                    mine = {i: v for i, v in final.items() if sides[i] == side}
                    expected = truth(activity, mine)
                    for cell in result.cells:
                        if cell.count is not None:
                            assert cell.count == expected[cell.label]
            frozen = [len(c.frames) for c in public]
            for index, value in round_["late"]:
                if value == REJOIN:
                    continue
                late = p.Answer(
                    type="answer", id=5, activity=aid, ballot=ballots[index], value=value
                )
                try:
                    await service.answer(as_seat(code, who[index]), late)
                except CommandError as exc:
                    assert exc.code == "closed"
                else:
                    raise AssertionError("a late answer was accepted")
            assert [len(c.frames) for c in public] == frozen
        summary = build_summary(hub.state(code), "Week 1")  # type: ignore[arg-type]
        document = json.loads(summary.model_dump_json())
        assert "who" not in json.dumps(document) and code not in json.dumps(document)
        assert_thresholded(document, k)
        for series in trends([summary], k)[:2]:
            await service.command(
                code, p.ShowTrend(type="trend", id=6, trend=Trend.model_validate(series))
            )
        # every frame a display or phone was offered, snapshots included
        for conn in public:
            assert_never_both_whole_and_split(conn.frames)
            snapshot = hub.snapshot(code, conn.role)
            assert snapshot is not None
            for frame in [*conn.frames, snapshot]:
                message = json.loads(frame)
                assert message["type"] not in ("progress", "summary")
                assert "pauses" not in frame and 'queue": [' not in frame
                assert_thresholded(message, k)
        for frame in facilitator.frames:  # the console is held to the same threshold
            assert_thresholded(json.loads(frame), k)
        assert_one_look(facilitator.frames, revealed, k)
        for frames in (display.frames, *(phone.frames for phone in phones)):
            assert_one_look(frames, revealed, k)
    finally:
        await settle(hub)
        await service.watch.stop()
        await store.stop()


def assert_one_look(
    frames: list[str], revealed: dict[str, tuple[dict[str, Any], dict[str, Any]]], k: int
) -> None:
    """Every result a screen saw is the one its activity revealed (a preview included, and
    nothing before the activity closed), and pins no count below k for any reader."""
    view: dict[str, Any] = {}
    seen: list[tuple[str, dict[str, Any]]] = []
    for frame in frames:
        message = json.loads(frame)
        if message["type"] == "snapshot":
            view = dict(message["view"])
        elif message["type"] == "update":
            view.update(message["changes"])
        activity = view.get("activity")
        if message["type"] == "progress":
            # a preview is of a closed activity, so it is what the reveal shows (one look)
            if message["preview"] is not None:
                seen.append((message["activity"], message["preview"]))
            elif message["passed"] is not None:
                assert message["activity"] in revealed
        elif view.get("results") and activity:
            seen.append((activity["id"], view["results"]))
    finals = {json.dumps(r, sort_keys=True): (a, r) for a, r in revealed.values()}
    for aid, results in seen:
        key = json.dumps(results, sort_keys=True)
        assert json.dumps(revealed[aid][1], sort_keys=True) == key, "seen in two forms"
    for definition, results in finals.values():
        parts = [results["overall"]] if results["overall"] else []
        parts += list((results["by_track"] or {}).values())
        for result in parts:
            assert observed_leaks(definition, result, k) == [], (definition, result)


async def flip_split(service: Service, code: str, split: bool, tracks: bool, live: bool) -> bool:
    """Try to turn the split over. While answers are collected that is refused whenever it
    would change how results are cut (tracks on); otherwise it takes effect."""
    command = p.Configure(type="configure", id=7, split=not split)
    if live and tracks:
        try:
            await service.command(code, command)
        except CommandError as exc:
            assert exc.code == "split_fixed"
            return split
        raise AssertionError("the split changed while answers were being collected")
    await service.command(code, command)
    return not split


def assert_never_both_whole_and_split(frames: list[str]) -> None:
    """Follow a screen's view through its frames: no activity's results are ever seen both
    whole and split (the whole minus a part would reveal the rest)."""
    view: dict[str, Any] = {}
    forms: dict[str, set[str]] = {}
    for frame in frames:
        message = json.loads(frame)
        if message["type"] == "snapshot":
            view = dict(message["view"])
        elif message["type"] == "update":
            view.update(message["changes"])
        results, activity = view.get("results"), view.get("activity")
        if results and activity:
            form = "whole" if results["overall"] is not None else "split"
            forms.setdefault(activity["id"], set()).add(form)
    assert all(len(f) == 1 for f in forms.values()), forms


async def settle(hub: Hub) -> None:
    """Let the hub's deferred presence and progress writes run (the interval is patched to 0),
    then cancel what is left, so no task outlives this example's event loop."""
    for _ in range(50):
        rooms = list(hub.rooms.values())
        if not any(r.presence_pending or r.publish_progress_pending for r in rooms):
            break
        await asyncio.sleep(0)
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_no_small_count_can_be_read_or_worked_out(
    backend: str, request: pytest.FixtureRequest
) -> None:
    redis_url = request.getfixturevalue("redis_server").url if backend == "redis" else ""

    @settings(
        max_examples=100 if backend == "memory" else 40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(scenario=scenarios())
    def check(scenario: dict[str, Any]) -> None:
        with mock.patch.object(watch_module, "PROGRESS_INTERVAL", 0):
            asyncio.run(run(scenario, redis_url))

    check()


def test_the_checker_catches_a_small_count() -> None:
    """The property is only as good as its checker: a 2 under k=3 must fail it."""
    leak = {
        "type": "update",
        "changes": {
            "results": {
                "overall": {
                    "kind": "poll",
                    "k": 3,
                    "shown": True,
                    "answered": None,
                    "cells": [{"label": "a", "count": 2}],
                    "mean": None,
                    "hidden_words": False,
                }
            }
        },
    }
    try:
        assert_thresholded(leak, 3)
    except AssertionError:
        return
    raise AssertionError("the checker let a count of 2 through with k=3")


def test_the_checker_catches_a_small_count_in_a_trend() -> None:
    point = {
        "date": "2026-01-01",
        "label": "",
        "shown": True,
        "answered": None,
        "counts": [0, 2],
        "mean": None,
    }
    leak = {"trend": {"k": 3, "labels": ["a", "b"], "points": [point]}}
    try:
        assert_thresholded(leak, 3)
    except AssertionError:
        return
    raise AssertionError("the checker let a count of 2 through in a trend")
