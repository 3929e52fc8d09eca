"""Watching the store from each process: a heartbeat checks every local room against it, so a
room lost with a restarted Redis ends as "lost" and an outage is shown on every screen."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from . import protocol as p
from .rooms import RoomState

if TYPE_CHECKING:
    from .hub import Hub, RoomChannel

log = logging.getLogger("hearth.hub")

HEARTBEAT_SECONDS = 5.0
# Each process rewrites its phone count this often; a count not rewritten for PRESENCE_STALE_MS
# (server/hub.py) no longer counts, so a process that dies stops counting within seconds.
PRESENCE_SECONDS = 1.0


class StoreWatch:
    """The hub's heartbeat, outage notices and recovery."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.heartbeat: asyncio.Task[None] | None = None
        self.presence: asyncio.Task[None] | None = None
        self.recheck: asyncio.Task[None] | None = None
        # Set by the service: called every PRESENCE_SECONDS for each local room.
        self.attendance: Callable[[RoomChannel], Awaitable[None]] | None = None

    def start(self) -> None:
        self.heartbeat = asyncio.create_task(self._heartbeat_loop(), name="hearth-heartbeat")
        self.presence = asyncio.create_task(self._presence_loop(), name="hearth-presence")
        listen = getattr(self.hub.store, "on_reconnect", None)
        if listen is not None:  # Redis came back: check every room now, not at the next beat
            listen(self._store_reconnected)

    def tasks(self) -> list[asyncio.Task[None]]:
        return [t for t in (self.heartbeat, self.presence, self.recheck) if t is not None]

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            await self.beat_all()

    async def _presence_loop(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_SECONDS)
            await self.refresh_presence()

    async def refresh_presence(self) -> None:
        """Rewrite this process's counts in every local room and recount for the local
        facilitators: another process's count that stopped being rewritten drops out. Then
        tell the service who is attending each room (a room without a facilitator ends)."""
        hub = self.hub
        rooms = [r for r in hub.rooms.values() if not (r.ended or r.unavailable)]
        if not rooms or not hub.store_ok:
            return
        results = await asyncio.gather(
            *(hub.write_presence(r, refresh=True) for r in rooms), return_exceptions=True
        )
        for failure in results:
            if isinstance(failure, Exception):
                log.warning("presence write failed: %s", type(failure).__name__)
        for room in rooms:
            if room.sockets["facilitator"]:
                hub.progress_changed(room, publish=False)
        if self.attendance is not None:
            for room in rooms:
                try:
                    await self.attendance(room)
                except Exception as exc:
                    log.warning("attendance check failed: %s", type(exc).__name__)

    async def beat_all(self) -> None:
        """Check the store and every local room against it: lost rooms end, outages are shown."""
        hub = self.hub
        hub.drop_stalled()
        ok = await hub.store.ping()
        if ok != hub.store_ok:
            hub.store_ok = ok
            if ok:
                log.warning("the session store answers again")
            else:
                log.error("the session store is not answering; /healthz reports 503, retrying")
        if not ok:  # every screen hears of it now; no call waits on a store that is not there
            for room in list(hub.rooms.values()):
                self.unavailable(room)
            return
        for room in list(hub.rooms.values()):
            try:
                await self._beat(room)
            except Exception as exc:
                log.warning("heartbeat failed: %s", type(exc).__name__)
                self.unavailable(room)

    def _store_reconnected(self) -> None:
        if self.recheck is None or self.recheck.done():
            self.recheck = asyncio.create_task(self.beat_all())

    def unavailable(self, room: RoomChannel) -> None:
        """Tell the room's screens once per outage; they keep their socket and wait."""
        hub = self.hub
        if room.unavailable or room.ended:
            return
        room.unavailable = True
        text = p.ErrorFrame(
            code="unavailable", message="The server cannot reach its session store; retrying."
        ).model_dump_json()
        for sockets in room.sockets.values():
            hub.fan_out(sockets, text)

    async def _beat(self, room: RoomChannel) -> None:
        hub = self.hub
        if room.ending:
            return  # being erased by this process: "ended" follows, not "lost"
        doc = await hub.store.load(room.code)
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
            text = p.Reconnect(after_ms=0).model_dump_json()
            for sockets in room.sockets.values():
                for conn in list(sockets):
                    conn.offer(text)
                    conn.close(1012, "store back")
            return
        hub.progress_changed(room, publish=False)
