"""Fuzzing over real sockets: hypothesis sends valid and invalid client messages to the live
endpoint, and a state machine drives a room's lifecycle (join, answer, drop, resume, open, close,
reveal, end), checking after every step that the tally equals the distinct answerers and that no
key lacks a TTL. The server never crashes, and the sockets beside the abuser carry on."""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.wire import protocol as p
from tests.support import LiveServer

# -- a small synchronous client (hypothesis drives plain functions) -------------------------


class Phone:
    def __init__(self, live: LiveServer, hello: dict[str, Any]) -> None:
        # max_queue=None: a phone the test is not reading from keeps reading its socket. With
        # flow control on, a backlog of 16 unread frames stops the reads, the server's close
        # frame is never seen, and every close waits out its 10-s timeout.
        self.ws: ClientConnection = connect(
            live.ws_url,
            origin=live.base_url,
            compression=None,
            max_size=2**22,
            max_queue=None,
            legacy=True,
        )
        self.inbox: list[dict[str, Any]] = []
        self.ids = itertools.count(1)
        self.token: str | None = None
        self.ws.send(json.dumps({"type": "hello", **hello}))

    def receive(self, timeout: float = 20.0) -> dict[str, Any]:
        raw = self.ws.recv(timeout=timeout)
        p.server_adapter.validate_json(raw)  # everything the server says is well-formed
        message: dict[str, Any] = json.loads(raw)
        return message

    def expect(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for i, message in enumerate(self.inbox):
            if predicate(message):
                return self.inbox.pop(i)
        while True:
            message = self.receive()
            if predicate(message):
                return message
            self.inbox.append(message)

    def expect_type(self, kind: str) -> dict[str, Any]:
        return self.expect(lambda m: m["type"] == kind)

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        request = next(self.ids)
        self.ws.send(json.dumps({**message, "id": request}))
        return self.expect(lambda m: m.get("id") == request and m["type"] in ("ack", "error"))

    def alive(self) -> None:
        """A ping answered in order: everything sent before it was handled."""
        t = float(secrets.randbelow(10**9))
        self.ws.send(json.dumps({"type": "ping", "t": t}))
        self.expect(lambda m: m["type"] == "pong" and m["t"] == t)
        self.inbox = [m for m in self.inbox if m["type"] not in ("update", "progress", "snapshot")]

    def close(self) -> None:
        self.ws.close()


_http: dict[str, httpx.Client] = {}


def create_room(live: LiveServer, **body: Any) -> dict[str, Any]:
    # One client per server: building a new one (and its TLS context) costs ~0.1 s each time.
    response = http_for(live).post(
        live.base_url + "/api/rooms",
        headers={"Authorization": f"Bearer {live.settings.host_secret}"},
        json=body,
    )
    assert response.status_code == 201
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module", autouse=True)
def _close_http_clients() -> Iterator[None]:
    yield
    for client in _http.values():
        client.close()
    _http.clear()


def http_for(live: LiveServer) -> httpx.Client:
    return _http.get(live.base_url) or _http.setdefault(live.base_url, httpx.Client())


def join(live: LiveServer, room: dict[str, Any], role: str, token: str | None = None) -> Phone:
    credential = {
        "facilitator": room["facilitator_credential"],
        "display": room["display_credential"],
    }.get(role, token)
    phone = Phone(live, {"role": role, "code": room["code"], "credential": credential})
    phone.token = phone.expect_type("welcome")["token"] or credential
    phone.expect_type("snapshot")
    return phone


# -- messages, valid and not -------------------------------------------------------------------

text = st.text(max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
activities = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("poll"), "text": text, "options": st.lists(text, max_size=13)}
    ),
    st.fixed_dictionaries({"kind": st.just("prompt"), "text": text, "open_text": st.booleans()}),
    st.fixed_dictionaries({"kind": st.just("scale"), "text": text, "points": st.integers(-1, 12)}),
    st.fixed_dictionaries(
        {"kind": st.just("reflection"), "text": text, "seconds": st.integers(0, 4000)}
    ),
    st.dictionaries(text, json_values, max_size=4),
)
answers = st.one_of(
    st.fixed_dictionaries({"kind": st.just("choice"), "option": st.integers(-2, 20)}),
    st.fixed_dictionaries({"kind": st.just("scale"), "value": st.integers(-2, 20)}),
    st.fixed_dictionaries({"kind": st.just("text"), "text": st.text(max_size=300)}),
    st.fixed_dictionaries({"kind": st.just("pass")}),
    json_values,
)
request_ids = st.integers(-5, 2**32)
valid_shaped = st.one_of(
    st.builds(lambda t: {"type": "ping", "t": t}, st.floats(allow_nan=False)),
    st.just({"type": "sync"}),
    st.builds(lambda on: {"type": "pause", "on": on}, st.booleans()),
    st.builds(lambda t: {"type": "track", "track": t}, st.sampled_from(["hurt", "caused", "x"])),
    st.builds(
        lambda i, a, b, v: {"type": "answer", "id": i, "activity": a, "ballot": b, "value": v},
        request_ids,
        text,
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_", min_size=10, max_size=40),
        answers,
    ),
    st.builds(lambda i, a: {"type": "open", "id": i, "activity": a}, request_ids, activities),
    st.builds(
        lambda kind, i: {"type": kind, "id": i},
        st.sampled_from(["close", "reveal", "clear", "release"]),
        request_ids,
    ),
    st.builds(
        lambda i, a, s: {"type": "timer", "id": i, "action": a, "seconds": s},
        request_ids,
        st.sampled_from(["start", "pause", "resume", "extend", "stop", "explode"]),
        st.none() | st.integers(-5, 5000),
    ),
    st.builds(lambda i, b: {"type": "screen", "id": i, "blank": b}, request_ids, json_values),
    st.builds(
        lambda i, k, cap: {"type": "configure", "id": i, "k": k, "cap": cap},
        request_ids,
        st.none() | st.integers(-3, 60),
        st.none() | st.integers(-1, 20000),
    ),
    st.builds(
        lambda i, item, a: {"type": "moderate", "id": i, "item": item, "action": a},
        request_ids,
        text,
        st.sampled_from(["approve", "hide", "pending", "delete"]),
    ),
    st.builds(
        lambda h: {"type": "hello", "role": "facilitator", "code": h, "credential": None}, text
    ),
)
with_extra = st.builds(
    lambda m, k, v: {**m, k: v}, valid_shaped, st.text(min_size=1, max_size=10), json_values
)
raw_frames = st.one_of(
    st.builds(json.dumps, valid_shaped),
    st.builds(json.dumps, with_extra),
    st.builds(json.dumps, json_values),
    st.text(max_size=200),
    st.binary(max_size=200),
)


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[LiveServer]:
    # Flood limits are tested elsewhere; here they would only slow the fuzzer down.
    live = LiveServer.start(rate_per_second=10_000.0, rate_burst=10_000)
    yield live
    live.stop()


class Room:
    """A room with a facilitator, a display and a phone, rebuilt if a message ends it."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.room = create_room(live, k=3)
        self.screens = {
            "facilitator": join(live, self.room, "facilitator"),
            "display": join(live, self.room, "display"),
            "participant": join(live, self.room, "participant"),
        }

    def close(self) -> None:
        for screen in self.screens.values():
            screen.close()


@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_any_message_gets_an_answer_or_nothing_and_harms_no_one(
    fuzz_server: LiveServer, role: str
) -> None:
    room = Room(fuzz_server)

    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(frame=raw_frames)
    def send(frame: str | bytes) -> None:
        sender = room.screens[role]
        sender.ws.send(frame)
        try:
            sender.alive()
        except ConnectionClosed as closed:
            # Only a hello-less, well-formed goodbye may close the sender's socket.
            assert closed.rcvd is not None and closed.rcvd.code == 1000, closed
            room.screens[role] = join(fuzz_server, room.room, role)
        for name, other in room.screens.items():
            if name != role:
                other.alive()

    try:
        send()
    finally:
        room.close()


@settings(max_examples=60, deadline=None, database=None)
@given(hello=st.one_of(json_values, st.builds(lambda m: {**m, "type": "hello"}, with_extra)))
def test_any_hello_is_refused_or_welcomed_cleanly(fuzz_server: LiveServer, hello: Any) -> None:
    phone = Phone.__new__(Phone)
    phone.ws = connect(
        fuzz_server.ws_url, origin=fuzz_server.base_url, compression=None, legacy=True
    )
    phone.inbox, phone.ids = [], itertools.count(1)
    phone.ws.send(json.dumps(hello))
    try:
        first = phone.receive()
        if first["type"] == "welcome":  # a well-formed hello for a room: then a snapshot
            assert phone.receive()["type"] == "snapshot"
        else:
            assert first["type"] == "error"
            with pytest.raises(ConnectionClosed) as closed:
                phone.receive()
            assert closed.value.rcvd is not None and closed.value.rcvd.code in {
                4400,
                4401,
                4404,
                4429,
            }
    finally:
        phone.close()
    # and the server is still there
    assert http_for(fuzz_server).get(fuzz_server.base_url + "/livez").status_code == 200


# -- the room lifecycle as a state machine ------------------------------------------------------


def lifecycle(live: LiveServer) -> type[RuleBasedStateMachine]:
    class Lifecycle(RuleBasedStateMachine):
        """Phones are numbered; a rule picks one by number (modulo how many have joined)."""

        @initialize()
        def start(self) -> None:
            self.sockets: dict[int, Phone | None] = {}
            self.facilitator: Phone | None = None
            self.new_room()

        def new_room(self) -> None:
            self.teardown()
            self.room = create_room(live, k=3)
            self.code = self.room["code"]
            self.facilitator = join(live, self.room, "facilitator")
            self.activity: str | None = None
            self.accepting = False
            self.answered: set[int] = set()
            self.ballots: dict[tuple[int, str], str] = {}
            self.sockets = {}
            self.tokens: dict[int, str] = {}
            for _ in range(3):
                self.join()
            self.open()

        def teardown(self) -> None:
            if self.facilitator is not None:
                self.facilitator.close()
            for socket in self.sockets.values():
                if socket is not None:
                    socket.close()

        def pick(self, number: int) -> int:
            return number % len(self.tokens)

        @rule()
        def join(self) -> None:
            phone = join(live, self.room, "participant")
            assert phone.token
            number = len(self.tokens)
            self.sockets[number], self.tokens[number] = phone, phone.token

        @rule(number=st.integers(0, 7), option=st.integers(0, 2))
        def answer(self, number: int, option: int) -> None:
            number = self.pick(number)
            socket = self.sockets[number]
            if socket is None or self.activity is None:
                return
            ballot = self.ballots.setdefault((number, self.activity), secrets.token_urlsafe(16))
            reply = socket.command(
                {
                    "type": "answer",
                    "activity": self.activity,
                    "ballot": ballot,
                    "value": {"kind": "choice", "option": option},
                }
            )
            if self.accepting:
                assert reply == {"type": "ack", "id": reply["id"], "detail": "stored"}, reply
                self.answered.add(number)
            else:
                assert reply["type"] == "error" and reply["code"] == "closed", reply

        @rule(number=st.integers(0, 7))
        def drop(self, number: int) -> None:
            number = self.pick(number)
            socket = self.sockets[number]
            if socket is not None:
                socket.close()
                self.sockets[number] = None

        @rule(number=st.integers(0, 7))
        def resume(self, number: int) -> None:
            number = self.pick(number)
            if self.sockets[number] is not None:
                return
            again = Phone(
                live,
                {"role": "participant", "code": self.code, "credential": self.tokens[number]},
            )
            assert again.expect_type("welcome")["token"] is None  # the same person, resumed
            snapshot = again.expect_type("snapshot")
            assert snapshot["you"]["answered"] == (
                self.activity is not None and number in self.answered
            )
            self.sockets[number] = again

        @rule()
        def open(self) -> None:
            assert self.facilitator is not None
            activity = {"kind": "poll", "text": "Which?", "options": ["a", "b", "c"]}
            assert self.facilitator.command({"type": "open", "activity": activity})["type"] == "ack"
            view = self.facilitator.expect(
                lambda m: (
                    m["type"] in ("update", "snapshot")
                    and (m.get("changes") or m.get("view") or {}).get("activity") is not None
                    and (m.get("changes") or m.get("view"))["activity"]["status"] == "open"
                )
            )
            self.activity = (view.get("changes") or view.get("view"))["activity"]["id"]
            self.accepting, self.answered = True, set()

        @rule()
        def close(self) -> None:
            assert self.facilitator is not None
            assert self.facilitator.command({"type": "close"})["type"] in ("ack", "error")
            self.accepting = False

        @rule()
        def reveal(self) -> None:
            assert self.facilitator is not None
            assert self.facilitator.command({"type": "reveal"})["type"] in ("ack", "error")
            self.accepting = False

        @rule()
        def end(self) -> None:
            assert self.facilitator is not None
            assert self.facilitator.command({"type": "end"})["type"] == "ack"
            receipt = self.facilitator.expect_type("ended")["receipt"]
            assert receipt["remaining"] == 0 and receipt["deleted"] > 0
            for socket in self.sockets.values():
                if socket is not None:
                    assert socket.expect_type("ended")["receipt"] is None
            assert live.call(live.service.store.key_ttls(self.code)) == {}
            self.new_room()

        @invariant()
        def tally_is_the_distinct_answerers(self) -> None:
            if self.activity is None:
                return
            store = live.service.store
            answered = live.call(store.answered(self.code, self.activity))
            tally = live.call(store.tally(self.code, self.activity))
            assert answered == len(self.answered)
            assert tally.get("n", 0) == len(self.answered)
            assert sum(v for k, v in tally.items() if k.startswith("o:")) == len(self.answered)

        @invariant()
        def every_key_has_a_ttl(self) -> None:
            ttls = live.call(live.service.store.key_ttls(self.code))
            assert ttls and all(t > 0 for t in ttls.values()), ttls

    return Lifecycle


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_room_lifecycle_state_machine(backend: str, request: pytest.FixtureRequest) -> None:
    # A redis-server of its own: the invariants scan the keyspace after every step, and the
    # session's shared one holds every other test's rooms.
    url = request.getfixturevalue("own_redis").url if backend == "redis" else ""
    live = LiveServer.start(redis_url=url)
    try:
        run_lifecycle(live)
    finally:
        live.stop()


def run_lifecycle(live: LiveServer) -> None:
    machine = lifecycle(live)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            # The server is outside hypothesis's control: replaying or shrinking against it is
            # not deterministic, so a failure is reported as found, with its steps printed.
            phases=[Phase.generate],
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
