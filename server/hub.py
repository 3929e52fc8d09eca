"""Per-process fan-out. One store subscription per active room, never per socket; each update is
encoded once per role per process and offered to every local socket without awaiting any of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from . import protocol as p
from . import view_models as vm
from .activities import accepts_answers
from .connection import CLOSE_TOO_SLOW, CLOSE_UNAUTHORISED, Connection
from .paper import counted
from .results import preview_of
from .rooms import RoomState
from .store import RoomStore
from .store.base import ENDED, PROGRESS, STATE
from .views import build_view, changed_sections
from .watch import HEARTBEAT_SECONDS, StoreWatch

__all__ = ["HEARTBEAT_SECONDS", "Connection", "Hub", "RoomChannel"]

log = logging.getLogger("hearth.hub")

EndReason = Literal["ended", "expired", "lost", "abandoned"]
ROLES = ("facilitator", "display", "participant")
# Phones first: the first phone's update does not wait for the console's and projector's views.
FAN_OUT_ORDER = ("participant", "display", "facilitator")
PROGRESS_INTERVAL = 0.1  # facilitator counts: at most ten updates a second
PRESENCE_STALE_MS = 3_000  # three missed rewrites (server/watch.py PRESENCE_SECONDS)
PAUSE_WINDOW_MS = 5 * 60_000


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class RoomChannel:
    code: str
    state: RoomState | None = None
    sockets: dict[str, set[Connection]] = field(default_factory=lambda: {r: set() for r in ROLES})
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # as JSON, to diff
    view_models: dict[str, vm.View] = field(default_factory=dict)  # the same, for snapshots
    role_version: dict[str, int] = field(default_factory=dict)
    progress_dirty: bool = False
    progress_task: asyncio.Task[None] | None = None
    publish_progress_pending: bool = False
    presence_pending: bool = False
    ended: bool = False  # ended or lost: write nothing more for it (keys must stay gone)
    unavailable: bool = False  # the store stopped answering; its screens have been told
    unattended_since_ms: int | None = None  # first seen with no facilitator console anywhere
    ending: bool = False  # being erased here: its state is gone on purpose, not "lost"

    def count(self, role: str | None = None) -> int:
        if role:
            return len(self.sockets[role])
        return sum(len(s) for s in self.sockets.values())

    def presence(self) -> dict[str, int]:
        """Local sockets by presence role: p phones, f facilitator consoles, c co-facilitators."""
        consoles = self.sockets["facilitator"]
        co = sum(1 for c in consoles if getattr(c, "seat", "lead") == "co")
        return {"p": len(self.sockets["participant"]), "f": len(consoles) - co, "c": co}


class Hub:
    def __init__(
        self,
        store: RoomStore,
        process_id: str,
        join_url: Callable[[str], str],
        qr_svg: Callable[[str], str],
        room_ttl: int,
    ) -> None:
        self.store = store
        self.process_id = process_id
        self.join_url = join_url
        self.qr_svg = qr_svg
        self.room_ttl = room_ttl
        self.rooms: dict[str, RoomChannel] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.watch = StoreWatch(self)
        self._background: set[asyncio.Task[Any]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self.store_ok = True
        self.in_flight = 0  # requests being handled (counted by server/ws.py)
        self.draining = False

    async def start(self) -> None:
        self.watch.start()

    async def beat_all(self) -> None:
        await self.watch.beat_all()

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        tasks = self.watch.tasks()
        tasks += [room.progress_task for room in self.rooms.values() if room.progress_task]
        tasks += list(self._background)
        for task in tasks:
            task.cancel()
        # Wait for them, so no store call is left pending when the event loop closes.
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        """Run a background store write, kept until done so stop() can cancel it."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)

    def _later(self, callback: Callable[[RoomChannel], None], room: RoomChannel) -> None:
        def fire() -> None:
            self._timers.discard(handle)
            callback(room)

        handle = asyncio.get_running_loop().call_later(PROGRESS_INTERVAL, fire)
        self._timers.add(handle)

    # -- membership --------------------------------------------------------------------------

    async def attach(self, code: str, conn: Connection) -> RoomChannel | None:
        """Add a socket to its room, subscribing and loading the room on first use."""
        lock = self._locks.setdefault(code, asyncio.Lock())
        async with lock:
            room = self.rooms.get(code)
            if room is None:
                room = RoomChannel(code)
                self.rooms[code] = room
                try:
                    await self.store.subscribe(
                        code, lambda payload: self._on_publication(code, payload)
                    )
                    doc = await self.store.load(code)
                except Exception:
                    await self._forget(room)  # no half-attached room without a state
                    raise
                if doc is None:
                    await self._forget(room)
                    return None
                self.set_state(room, RoomState.model_validate_json(doc), broadcast=False)
            room.sockets[conn.role].add(conn)
        if conn.role in ("participant", "facilitator"):
            self._presence_changed(room)
        return room

    async def detach(self, code: str, conn: Connection) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        room.sockets[conn.role].discard(conn)
        if conn.role in ("participant", "facilitator"):
            self._presence_changed(room)
        if room.count() == 0:
            lock = self._locks.setdefault(code, asyncio.Lock())
            async with lock:
                if room.count() == 0 and self.rooms.get(code) is room:
                    await self._forget(room)

    async def _forget(self, room: RoomChannel) -> None:
        self.rooms.pop(room.code, None)
        self._locks.pop(room.code, None)
        if room.progress_task:
            room.progress_task.cancel()
        await self.store.unsubscribe(room.code)

    # -- state and views ---------------------------------------------------------------------

    def state(self, code: str) -> RoomState | None:
        room = self.rooms.get(code)
        return room.state if room else None

    def local_commit(self, state: RoomState) -> None:
        """Apply a state this process just committed, without waiting for its own echo."""
        room = self.rooms.get(state.code)
        if room is not None:
            self.set_state(room, state, broadcast=True)

    def _on_publication(self, code: str, payload: bytes) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        tag, body = payload[:1], payload[1:]
        if tag == STATE:
            self.set_state(room, RoomState.model_validate_json(body), broadcast=True)
        elif tag == PROGRESS:
            if body.decode() != self.process_id:
                self.progress_changed(room, publish=False)
        elif tag == ENDED:
            ended = p.Ended.model_validate_json(body)
            self.end_locally(code, ended.reason, ended.receipt)

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
            room.views[role], room.view_models[role] = view, model
            if not changes and role in room.role_version:
                continue
            base = room.role_version.get(role, 0)
            room.role_version[role] = state.version
            if broadcast and room.sockets[role]:
                update = p.Update(version=state.version, base=base, now=now, changes=changes)
                self.fan_out(room.sockets[role], update.model_dump_json())
        live_id = state.live.id if state.live else None
        if live_id != previous_live or broadcast:
            self.progress_changed(room, publish=False)

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
            seat, grant = getattr(conn, "seat", "lead"), getattr(conn, "grant", None)
            if grant is not None and grant != current.get(seat):
                conn.offer(
                    p.ErrorFrame(
                        code="unauthorised", message="This console was opened somewhere else."
                    ).model_dump_json()
                )
                conn.close(CLOSE_UNAUTHORISED, "console opened elsewhere")

    @staticmethod
    def fan_out(sockets: set[Connection], text: str) -> None:
        for conn in list(sockets):
            conn.offer(text)

    def snapshot(self, code: str, role: str, you: vm.You | None = None) -> str | None:
        room = self.rooms.get(code)
        if room is None or room.state is None:
            return None
        view = room.view_models[role]  # built once per change, not once per joining socket
        message = p.Snapshot(version=room.role_version[role], now=now_ms(), view=view, you=you)
        return message.model_dump_json()

    # -- progress: facilitator-only counts -------------------------------------------------

    def answers_changed(self, code: str) -> None:
        room = self.rooms.get(code)
        if room is not None:
            self.progress_changed(room, publish=True)

    def _presence_changed(self, room: RoomChannel) -> None:
        if not room.presence_pending:
            room.presence_pending = True
            self._later(self._spawn_presence, room)

    def _spawn_presence(self, room: RoomChannel) -> None:
        self._spawn(self._write_presence(room))

    async def _write_presence(self, room: RoomChannel) -> None:
        room.presence_pending = False
        if room.ended:
            return
        await self.write_presence(room)
        self.progress_changed(room, publish=True)

    async def write_presence(self, room: RoomChannel, refresh: bool = False) -> None:
        """This process's counts of the room's sockets, one field per role (0 removes it). A
        refresh rewrites only the counts there are: a 0 was written when it changed."""
        now = now_ms()
        await asyncio.gather(
            *(
                self.store.set_presence(
                    room.code, f"{role}:{self.process_id}", count, now, self.room_ttl
                )
                for role, count in room.presence().items()
                if count or not refresh
            )
        )

    def progress_changed(self, room: RoomChannel, publish: bool) -> None:
        if publish and not room.publish_progress_pending:
            room.publish_progress_pending = True
            self._later(self._spawn_publish, room)
        room.progress_dirty = True
        if room.sockets["facilitator"] and (
            room.progress_task is None or room.progress_task.done()
        ):
            room.progress_task = asyncio.create_task(self._send_progress(room))

    def _spawn_publish(self, room: RoomChannel) -> None:
        room.publish_progress_pending = False
        if room.ended:
            return
        self._spawn(self.store.publish(room.code, PROGRESS + self.process_id.encode()))

    async def progress(self, room: RoomChannel) -> p.Progress:
        state, now = room.state, now_ms()
        live = state.live if state else None
        answered, passed, preview = 0, None, None
        if state is not None and live is not None:
            answered = await self.store.answered(room.code, live.id)
            if live.status == "closed" and accepts_answers(live.activity):
                # Closed: no answer can change what is seen from here on, so one look is all
                # anyone gets. While open, a preview per answer would let one subtract. Paper
                # answers count as in the reveal (server/rooms.py results_for).
                split = state.split and state.tracks
                cells = counted(await self.store.tally(room.code, live.id), live.paper)
                preview = preview_of(live.activity, cells, state.k, split)
                passed = None if split else cells.get("pass", 0)
        since = now - PRESENCE_STALE_MS
        return p.Progress(
            connected=await self.store.connected(room.code, since, "p"),
            activity=live.id if live is not None else None,
            answered=answered,
            passed=passed,
            pauses=await self.store.pauses(room.code, now - PAUSE_WINDOW_MS),
            words=await self.store.words(room.code),
            cofacilitators=await self.store.connected(room.code, since, "c"),
            preview=preview,
        )

    async def _send_progress(self, room: RoomChannel) -> None:
        try:
            while room.progress_dirty and room.sockets["facilitator"]:
                room.progress_dirty = False
                message = await self.progress(room)
                if not await self._same_room(room):
                    return  # counts read from a Redis that lost the room are not real
                self.fan_out(room.sockets["facilitator"], message.model_dump_json())
                await asyncio.sleep(PROGRESS_INTERVAL)
        except Exception as exc:
            log.warning("progress update failed: %s", type(exc).__name__)
            self.watch.unavailable(room)

    async def _same_room(self, room: RoomChannel) -> bool:
        """The store still holds this room (same epoch); otherwise end it locally as lost."""
        if room.ending:
            return False  # erased on purpose; announce_end tells the screens
        doc = await self.store.load(room.code)
        if doc is not None and room.state is not None:
            if RoomState.model_validate_json(doc).epoch == room.state.epoch:
                return True
        self.end_locally(room.code, "lost", None)
        return False

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
        for _ in range(steps):  # polled: requests in flight have no event to wait on
            if not self.in_flight:
                break
            await asyncio.sleep(0.01)
        self.shutdown()
        for _ in range(steps):  # until every close is written and answered
            if not any(room.count() for room in self.rooms.values()):
                break
            await asyncio.sleep(0.01)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("background store write failed: %s", type(task.exception()).__name__)
