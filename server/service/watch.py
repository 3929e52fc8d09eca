"""Each process's link between the store and its hub: the one store subscription per active room,
the publications that arrive on it, the facilitator-only counts (progress), this process's
presence counts, and a heartbeat that checks every local room against the store, so a room lost
with a restarted Redis ends as "lost" and an outage is shown on every screen.

The hub (server/transport/hub.py) owns sockets, views and fan-out and never touches the store;
this module is the only one that reads the store on the hub's behalf."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.clock import now_ms
from server.domain.activities import accepts_answers
from server.domain.paper import counted, known
from server.domain.results import preview_of
from server.domain.rooms import RoomState
from server.store import RoomStore
from server.store.base import ENDED, PROGRESS, STATE
from server.transport.connection import Connection
from server.transport.hub import Hub, RoomChannel
from server.wire import protocol as p

log = logging.getLogger("hearth.hub")

# Each process rewrites its phone count this often; a count not rewritten for PRESENCE_STALE_MS
# no longer counts, so a process that dies stops counting within seconds.
PRESENCE_SECONDS = 1.0
PRESENCE_STALE_MS = 3_000  # three missed rewrites
PROGRESS_INTERVAL = 0.1  # facilitator counts: at most ten updates a second
PRESENCE_ROLES = ("participant", "facilitator", "display")


class StoreWatch:
    def __init__(self, hub: Hub, store: RoomStore, room_ttl: int, heartbeat_seconds: float) -> None:
        self.hub = hub
        self.store = store
        self.room_ttl = room_ttl
        self.heartbeat_seconds = heartbeat_seconds
        self.store_ok = True
        self._locks: dict[str, asyncio.Lock] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._recheck: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        # Set by the service: called every PRESENCE_SECONDS for each local room.
        self.attendance: Callable[[RoomChannel], Awaitable[None]] | None = None
        hub.on_progress = lambda room: self.progress_changed(room, publish=False)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._loops = [
            asyncio.create_task(
                self._every(self.heartbeat_seconds, self.beat_all), name="heartbeat"
            ),
            asyncio.create_task(self._every(PRESENCE_SECONDS, self.refresh_presence)),
        ]
        listen = getattr(self.store, "on_reconnect", None)
        if listen is not None:  # Redis came back: check every room now, not at the next beat
            listen(self._store_reconnected)

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        tasks = [*self._loops, *self._background]
        tasks += [t for t in (self._recheck,) if t is not None]
        tasks += [room.progress_task for room in self.hub.rooms.values() if room.progress_task]
        for task in tasks:
            task.cancel()
        # Wait for them, so no store call is left pending when the event loop closes.
        await asyncio.gather(*tasks, return_exceptions=True)

    @staticmethod
    async def _every(seconds: float, beat: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            await beat()

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

    # -- rooms in use ------------------------------------------------------------------------

    async def attach(self, code: str, conn: Connection) -> RoomChannel | None:
        """Add a socket to its room, subscribing and loading the room on first use."""
        hub = self.hub
        lock = self._locks.setdefault(code, asyncio.Lock())
        async with lock:
            room = hub.rooms.get(code)
            if room is None:
                room = hub.rooms[code] = RoomChannel(code)
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
                hub.set_state(room, RoomState.model_validate_json(doc), broadcast=False)
            room.sockets[conn.role].add(conn)
        if conn.role in PRESENCE_ROLES:
            self._presence_changed(room)
        return room

    async def detach(self, code: str, conn: Connection) -> None:
        room = self.hub.rooms.get(code)
        if room is None:
            return
        room.sockets[conn.role].discard(conn)
        if conn.role in PRESENCE_ROLES:
            self._presence_changed(room)
        if room.count() == 0:
            lock = self._locks.setdefault(code, asyncio.Lock())
            async with lock:
                if room.count() == 0 and self.hub.rooms.get(code) is room:
                    await self._forget(room)

    async def _forget(self, room: RoomChannel) -> None:
        self.hub.rooms.pop(room.code, None)
        self._locks.pop(room.code, None)
        if room.progress_task:
            room.progress_task.cancel()
        await self.store.unsubscribe(room.code)

    def _on_publication(self, code: str, payload: bytes) -> None:
        room = self.hub.rooms.get(code)
        if room is None:
            return
        tag = payload[:1]
        if tag == STATE:  # the document itself: no tag to cut off
            state = self.hub.own_echo(room, payload) or RoomState.model_validate_json(payload)
            self.hub.set_state(room, state, broadcast=True)
        elif tag == PROGRESS:
            if payload[1:].decode() != self.hub.process_id:
                self.progress_changed(room, publish=False)
        elif tag == ENDED:
            ended = p.Ended.model_validate_json(payload[1:])
            self.hub.end_locally(code, ended.reason, ended.receipt)

    # -- progress: facilitator-only counts ---------------------------------------------------

    def answers_changed(self, code: str) -> None:
        """An answer, signal or departure was stored: the consoles of every process recount."""
        room = self.hub.rooms.get(code)
        if room is not None:
            self.progress_changed(room, publish=True)

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
        self._spawn(self.store.publish(room.code, PROGRESS + self.hub.process_id.encode()))

    async def progress(self, room: RoomChannel) -> p.Progress:
        state = room.state
        live = state.live if state else None
        code, since = room.code, now_ms() - PRESENCE_STALE_MS
        # Closed or revealed: the counts are final (a reveal closes first). The passes stay
        # split out after a reveal, or the bar's "Responded 8" contradicts "7 answered" beside it.
        status = live.status if live is not None and accepts_answers(live.activity) else None
        settled, closed = status in ("closed", "revealed"), status == "closed"
        # The reads are independent: one round trip's wait for all of them, not one each.
        here, joined, pauses, words, co, displays, answered, tally = await asyncio.gather(
            self.store.connected(code, since, "p"),
            self.store.joined(code),
            self.store.pauses(code),
            self.store.words(code),
            self.store.connected(code, since, "c"),
            self.store.connected(code, since, "d"),
            self.store.answered(code, live.id) if live is not None else _nothing(0),
            self.store.tally(code, live.id) if live is not None and settled else _nothing({}),
        )
        passed, preview = None, None
        if state is not None and live is not None and settled:
            # Closed: no answer can change what is seen from here on, so one look is all
            # anyone gets. While open, a preview per answer would let one subtract. Paper
            # answers count as in the reveal (server/domain/rooms.py results_for).
            split = state.split and state.tracks
            cells = counted(tally, live.paper)
            if closed:  # revealed: the results themselves are in the view
                preview = preview_of(live.activity, cells, state.k, split, known(live.paper))
            passed = None if split else cells.get("pass", 0)
        return p.Progress(
            connected=here,
            activity=live.id if live is not None else None,
            answered=answered,
            passed=passed,
            joined=joined,
            pauses=pauses,
            words=words,
            cofacilitators=co,
            displays=displays,
            preview=preview,
        )

    async def _send_progress(self, room: RoomChannel) -> None:
        try:
            while room.progress_dirty and room.sockets["facilitator"]:
                room.progress_dirty = False
                message = await self.progress(room)
                if not await self._same_room(room):
                    return  # counts read from a store that lost the room are not real
                self.hub.fan_out(room.sockets["facilitator"], message.model_dump_json())
                await asyncio.sleep(PROGRESS_INTERVAL)
        except Exception as exc:
            log.warning("progress update failed: %s", type(exc).__name__)
            self.hub.tell_unavailable(room)

    async def _same_room(self, room: RoomChannel) -> bool:
        """The store still holds this room (same epoch); otherwise end it locally as lost. Read
        with the counts, not left to the 5 s heartbeat: a Redis that restarted empty answers 0
        for everything, and a console must never show that as real. The epoch is found in the
        stored bytes, without parsing the document."""
        if room.ending or room.ended or room.state is None:
            return False  # erased on purpose (announce_end tells the screens), or gone
        doc = await self.store.load(room.code)
        if doc is not None and f'"epoch":"{room.state.epoch}"'.encode() in doc:
            return True
        self.hub.end_locally(room.code, "lost", None)
        return False

    # -- presence ----------------------------------------------------------------------------

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
                    room.code, f"{role}:{self.hub.process_id}", count, now, self.room_ttl
                )
                for role, count in room.presence().items()
                if count or not refresh
            )
        )

    async def refresh_presence(self) -> None:
        """Rewrite this process's counts in every local room and recount for the local
        facilitators: another process's count that stopped being rewritten drops out. Then
        tell the service who is attending each room (a room without a facilitator ends)."""
        rooms = [r for r in self.hub.rooms.values() if not (r.ended or r.unavailable)]
        if not rooms or not self.store_ok:
            return
        results = await asyncio.gather(
            *(self.write_presence(r, refresh=True) for r in rooms), return_exceptions=True
        )
        for failure in results:
            if isinstance(failure, Exception):
                log.warning("presence write failed: %s", type(failure).__name__)
        for room in rooms:
            if room.sockets["facilitator"]:
                self.progress_changed(room, publish=False)
        if self.attendance is not None:
            for room in rooms:
                try:
                    await self.attendance(room)
                except Exception as exc:
                    log.warning("attendance check failed: %s", type(exc).__name__)

    # -- heartbeat ---------------------------------------------------------------------------

    async def beat_all(self) -> None:
        """Check the store and every local room against it: lost rooms end, outages are shown."""
        hub = self.hub
        hub.drop_stalled()
        ok = await self.store.ping()
        if ok != self.store_ok:
            self.store_ok = ok
            if ok:
                log.warning("the session store answers again")
            else:
                log.error("the session store is not answering; /healthz reports 503, retrying")
        if not ok:  # every screen hears of it now; no call waits on a store that is not there
            for room in list(hub.rooms.values()):
                hub.tell_unavailable(room)
            return
        for room in list(hub.rooms.values()):
            try:
                await self._beat(room)
            except Exception as exc:
                log.warning("heartbeat failed: %s", type(exc).__name__)
                hub.tell_unavailable(room)

    def _store_reconnected(self) -> None:
        if self._recheck is None or self._recheck.done():
            self._recheck = asyncio.create_task(self.beat_all())

    async def _beat(self, room: RoomChannel) -> None:
        hub = self.hub
        if room.ending:
            return  # being erased by this process: "ended" follows, not "lost"
        if room.state is None:
            return  # its first socket is attaching: that load decides whether the room is there
        doc = await self.store.load(room.code)
        if doc is None:
            hub.end_locally(room.code, "lost", None)
            return
        state = RoomState.model_validate_json(doc)
        if room.state is None or state.epoch != room.state.epoch:
            hub.end_locally(room.code, "lost", None)
            return
        hub.set_state(room, state, broadcast=True)  # catches up a missed publication
        if room.unavailable:
            # Back after an outage with the room intact: acks and updates may have been lost
            # on the way, so every screen reconnects for a fresh snapshot (and resends answers).
            room.unavailable = False
            hub.reconnect_all(room)
            return
        self.progress_changed(room, publish=False)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("background store write failed: %s", type(task.exception()).__name__)


async def _nothing(value: Any) -> Any:
    """A read that need not be made, as an awaitable for gather."""
    return value
