"""Per-process fan-out: each update is encoded once per role per process and offered to every
local socket without awaiting any of them. One store subscription per active room, never per
socket, is server/service/watch.py's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from server.clock import now_ms
from server.domain.rooms import RoomState
from server.i18n import SOURCE, _, say
from server.service.role_views import build_view, changed_sections
from server.transport.connection import Connection
from server.transport.fast_writes import offer_to_all
from server.wire import protocol as p
from server.wire import views as vm
from server.wire.close_codes import CLOSE_TOO_SLOW, CLOSE_UNAUTHORISED, REASON_REPLACED

log = logging.getLogger("hearth.hub")

EndReason = Literal["ended", "expired", "lost", "abandoned"]
ROLES = ("facilitator", "display", "participant")
# Phones first: the first phone's update does not wait for the console's and projector's views.
FAN_OUT_ORDER = ("participant", "display", "facilitator")


@dataclass
class RoomChannel:
    code: str
    state: RoomState | None = None
    sockets: dict[str, set[Connection]] = field(default_factory=lambda: {r: set() for r in ROLES})
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # as JSON, to diff
    view_texts: dict[str, str] = field(default_factory=dict)  # views encoded, for snapshots
    role_version: dict[str, int] = field(default_factory=dict)
    progress_dirty: bool = False
    progress_task: asyncio.Task[None] | None = None
    publish_progress_pending: bool = False
    presence_pending: bool = False
    ended: bool = False  # ended or lost: write nothing more for it (keys must stay gone)
    unavailable: bool = False  # the store stopped answering; its screens have been told
    unattended_since_ms: int | None = None  # first seen with no facilitator console anywhere
    ending: bool = False  # being erased here: its state is gone on purpose, not "lost"
    written: tuple[bytes, RoomState] | None = None  # the last document this process wrote

    def count(self, role: str | None = None) -> int:
        if role:
            return len(self.sockets[role])
        return sum(len(s) for s in self.sockets.values())

    def presence(self) -> dict[str, int]:
        """Local sockets by presence role: p phones, f facilitator consoles, c co-facilitators,
        d displays."""
        consoles = self.sockets["facilitator"]
        co = sum(1 for c in consoles if getattr(c, "seat", "lead") == "co")
        # people, not tabs: a phone's two tabs share its token (the digest each socket holds)
        people = {c.grant or id(c) for c in self.sockets["participant"]}
        displays = len(self.sockets["display"])
        return {"p": len(people), "f": len(consoles) - co, "c": co, "d": displays}


class Hub:
    """The sockets of this process's rooms, their views and the fan-out. It never reads or
    writes the store: server/service/watch.py links each room to it, and tells the hub what
    changed."""

    def __init__(
        self, process_id: str, join_url: Callable[[str], str], qr_svg: Callable[[str], str]
    ) -> None:
        self.process_id = process_id
        self.join_url = join_url
        self.qr_svg = qr_svg
        self.rooms: dict[str, RoomChannel] = {}
        # Called when a room's facilitator counts may have changed (set by server/service/watch.py).
        self.on_progress: Callable[[RoomChannel], None] = lambda room: None
        self.in_flight = 0  # requests being handled (counted by server/transport/endpoint.py)
        self.draining = False

    # -- state and views ---------------------------------------------------------------------

    def state(self, code: str) -> RoomState | None:
        room = self.rooms.get(code)
        return room.state if room else None

    def expect_echo(self, state: RoomState, doc: bytes) -> None:
        """This process writes `doc`, the document of `state`: its publication comes back."""
        room = self.rooms.get(state.code)
        if room is not None:
            room.written = (doc, state)

    @staticmethod
    def own_echo(room: RoomChannel, doc: bytes) -> RoomState | None:
        """The state behind `doc` if it is the last one this process wrote, else None (the
        same bytes are the same state, whoever wrote them)."""
        written = room.written
        return written[1] if written is not None and written[0] == doc else None

    def local_commit(self, state: RoomState) -> None:
        """Apply a state this process just committed, without waiting for its own echo."""
        room = self.rooms.get(state.code)
        if room is not None:
            self.set_state(room, state, broadcast=True)

    def set_state(self, room: RoomChannel, state: RoomState, broadcast: bool) -> None:
        if room.ended:
            return
        if room.state is not None and state.epoch != room.state.epoch:
            # Same code, another room (Redis restarted and the code was reused): never show it
            # as a continuation of the old one.
            self.end_locally(room.code, "lost", None)
            return
        if room.state is not None and state.version <= room.state.version:
            return  # our own echo, or an older publication overtaken by a snapshot
        previous_live = room.state.live.id if room.state and room.state.live else None
        room.state = state
        self._shut_out_old_consoles(room, state)
        join_url, qr = self.join_url(state.code), self.qr_svg(state.code)
        now = now_ms()
        for role in FAN_OUT_ORDER:
            model = build_view(state, role, join_url, qr)
            view = model.model_dump(mode="json")
            changes = changed_sections(room.views.get(role), view)
            room.views[role] = view
            room.view_texts.pop(role, None)  # encoded again by the next snapshot, if any
            if not changes and role in room.role_version:
                continue
            base = room.role_version.get(role, 0)
            room.role_version[role] = state.version
            if broadcast and room.sockets[role]:
                self.fan_out(room.sockets[role], p.update_json(state.version, base, now, changes))
        live_id = state.live.id if state.live else None
        if live_id != previous_live or broadcast:
            self.on_progress(room)

    def drop_stalled(self) -> int:
        """Close (4409) every local socket whose peer stopped reading, even if nothing more is
        offered to it; returns how many."""
        dropped = 0
        for room in list(self.rooms.values()):
            for sockets in room.sockets.values():
                for conn in list(sockets):
                    if conn.stalled():
                        conn.close(CLOSE_TOO_SLOW, "fell behind")
                        dropped += 1
        return dropped

    @staticmethod
    def _shut_out_old_consoles(room: RoomChannel, state: RoomState) -> None:
        """After a console's credential was replaced (re-entry, a new co-facilitator link),
        a console still holding the old one is closed (4401) and cannot come back with it."""
        current = {"lead": state.facilitator_digest, "co": state.cofacilitator_digest}
        for conn in list(room.sockets["facilitator"]):
            if conn.grant is not None and conn.grant != current.get(conn.seat):
                message = _("This console was opened somewhere else.")
                conn.offer(
                    p.ErrorFrame(
                        code="unauthorised", message=say(message, conn.lang)
                    ).model_dump_json()
                )
                conn.close(CLOSE_UNAUTHORISED, REASON_REPLACED)

    def tell_unavailable(self, room: RoomChannel) -> None:
        """Tell the room's screens once per outage; they keep their socket and wait."""
        if room.unavailable or room.ended:
            return
        room.unavailable = True
        # A participant needs no word for the store, only what becomes of what they send.
        screens = _("The server cannot reach its session store; retrying.")
        phones = _("The server is having trouble for a moment. What you send waits on this "
                   "phone and goes once it is back.")  # fmt: skip
        frames: dict[tuple[bool, str], str] = {}  # encoded once per language in use
        for role, sockets in room.sockets.items():
            for conn in list(sockets):
                key = (role == "participant", conn.lang or SOURCE)
                if key not in frames:
                    said = say(phones if key[0] else screens, key[1])
                    frames[key] = p.ErrorFrame(code="unavailable", message=said).model_dump_json()
                conn.offer(frames[key])

    def reconnect_all(self, room: RoomChannel) -> None:
        """Every screen of the room reconnects for a fresh snapshot (and resends answers)."""
        text = p.Reconnect(after_ms=0).model_dump_json()
        for sockets in room.sockets.values():
            for conn in list(sockets):
                conn.offer(text)
                conn.close(1012, "store back")

    @staticmethod
    def fan_out(sockets: set[Connection], text: str) -> None:
        # The set itself, not a copy: copying touches every connection object once more before
        # the first write (300 us at 5,000 phones with the caches cold after the last fan-out).
        # Nothing leaves the set while this runs: a socket that offer() closes is cleaned up in a
        # task (endpoint.Session._deliver).
        offer_to_all(sockets, text)

    def snapshot(self, code: str, role: str, you: vm.You | None = None) -> str | None:
        room = self.rooms.get(code)
        if room is None or room.state is None:
            return None
        # The view is encoded once per change, not once per joining socket: a room of 300
        # joining at once encoded the same view 300 times. The envelope is p.Snapshot's
        # (tests/test_hub.py checks it against the model).
        view = room.view_texts.get(role)
        if view is None:
            view = room.view_texts[role] = orjson.dumps(room.views[role]).decode()
        mine = "null" if you is None else you.model_dump_json()
        version = room.role_version[role]
        return (
            f'{{"type":"snapshot","version":{version},"now":{now_ms()},'
            f'"view":{view},"you":{mine}}}'
        )

    # -- ending ------------------------------------------------------------------------------

    def end_locally(self, code: str, reason: EndReason, receipt: p.Receipt | None) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        room.ended = True
        plain = p.Ended(reason=reason).model_dump_json()
        with_receipt = p.Ended(reason=reason, receipt=receipt).model_dump_json()
        for role, sockets in room.sockets.items():
            for conn in list(sockets):
                conn.offer(with_receipt if role == "facilitator" else plain)
                conn.close(1000, "session ended")

    def shutdown(self) -> None:
        """Tell every local socket to reconnect (to another process) before this one exits."""
        text = p.Reconnect(after_ms=250).model_dump_json()
        for room in list(self.rooms.values()):
            for sockets in room.sockets.values():
                for conn in list(sockets):
                    if not self.draining:  # drain() has told them already
                        conn.offer(text)
                    conn.close(1012, "restarting")

    async def drain(self, grace: float) -> None:
        """On SIGTERM, before the server closes sockets: say `reconnect` at once, let requests
        in flight finish so their acks are written, then close every socket (1012)."""
        text = p.Reconnect(after_ms=250).model_dump_json()
        for room in list(self.rooms.values()):
            for sockets in room.sockets.values():
                self.fan_out(sockets, text)
        self.draining = True
        steps = int(grace / 0.01)
        for _step in range(steps):  # polled: requests in flight have no event to wait on
            if not self.in_flight:
                break
            await asyncio.sleep(0.01)
        self.shutdown()
        for _step in range(steps):  # until every close is written and answered
            if not any(room.count() for room in self.rooms.values()):
                break
            await asyncio.sleep(0.01)
