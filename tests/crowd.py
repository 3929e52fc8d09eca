"""Thousands of simulated phones in one test process, each doing what participant/static/
connection.js does with what the server sends: apply an update whose base is its version, ask for
a snapshot (`sync`) when one is not, and reconnect with its token for a fresh snapshot when the
server closes it (fell behind, restarting, store back) or says `reconnect`.

Each phone is a bench.client.Client (one asyncio.Protocol per socket, no task per socket), so
2,000 of them fit next to a server on a two-core machine.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from bench.client import Client

JOINS_IN_FLIGHT = 64
GONE_FOR_GOOD = {4401, 4404}  # not allowed in, no such room: reconnecting will not help


class CrowdClient(Client):
    def __init__(self, host: str, port: int, phone: Phone) -> None:
        super().__init__(host, port, keep=True)
        self.phone = phone

    def _message(self, message: dict[str, Any], now: float) -> None:
        kind, phone = message["type"], self.phone
        if kind == "update":
            if not self.view or message["base"] != self.version:
                phone.gaps += 1
                self.send({"type": "sync"})  # as the page does: the snapshot repairs it
                return
            self.view.update(message["changes"])
            self.version = message["version"]
            phone.crowd.changed(phone)
        elif kind == "snapshot":
            super()._message(message, now)
            phone.crowd.changed(phone)
        elif kind == "reconnect":
            phone.told_reconnect += 1
            self.close()
        elif kind == "error":
            phone.errors[str(message.get("code"))] += 1
        else:
            super()._message(message, now)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        for future in (self.opened, self.joined):  # nobody may be waiting on these any more
            if future.done() and not future.cancelled():
                future.exception()
        self.phone.lost(self)


class Phone:
    def __init__(self, crowd: Crowd, port: int, code: str) -> None:
        self.crowd, self.port, self.code = crowd, port, code
        self.token: str | None = None
        self.client: CrowdClient | None = None
        self.closes: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.gaps = 0
        self.told_reconnect = 0
        self.reconnects = 0
        self.reconnecting: asyncio.Task[None] | None = None

    @property
    def version(self) -> int:
        return self.client.version if self.client is not None else -1

    @property
    def view(self) -> dict[str, Any]:
        return self.client.view if self.client is not None else {}

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        host = "127.0.0.1"
        _, client = await loop.create_connection(
            lambda: CrowdClient(host, self.port, self), host, self.port
        )
        self.client = client
        await client.opened
        client.code = self.code
        hello = {"type": "hello", "role": "participant", "code": self.code}
        client.send({**hello, "credential": self.token})
        await client.joined
        self.token = client.token or self.token

    def lost(self, client: CrowdClient) -> None:
        if client is not self.client or self.crowd.stopping:
            return
        code = client.close_code or 1006
        self.closes[code] += 1
        if code not in GONE_FOR_GOOD and self.reconnecting is None:
            self.reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            for attempt in range(60):
                await asyncio.sleep(random.uniform(0, min(0.5, 0.02 * 2**attempt)))
                try:
                    await self.connect()
                except (OSError, ConnectionError):
                    continue
                self.reconnects += 1
                return
        finally:
            self.reconnecting = None


class Crowd:
    """The phones, and an event for "every phone's view is at version `target`"."""

    def __init__(self) -> None:
        self.phones: list[Phone] = []
        self.stopping = False
        self.target: int | None = None
        self.behind: set[Phone] = set()
        self.caught_up = asyncio.Event()

    async def join(self, port: int, code: str, count: int) -> None:
        gate = asyncio.Semaphore(JOINS_IN_FLIGHT)

        async def one() -> None:
            phone = Phone(self, port, code)
            async with gate:
                await phone.connect()
            self.phones.append(phone)

        await asyncio.gather(*(one() for _ in range(count)))

    def changed(self, phone: Phone) -> None:
        if self.target is not None and phone in self.behind and phone.version >= self.target:
            self.behind.discard(phone)
            if not self.behind:
                self.caught_up.set()

    async def wait_for_version(self, target: int, timeout: float) -> None:
        """Until every phone shows `target`; on timeout, say how many do not."""
        self.target = target
        self.behind = {p for p in self.phones if p.version < target}
        if not self.behind:
            return
        try:
            await asyncio.wait_for(self.caught_up.wait(), timeout)
        except TimeoutError:
            versions = Counter(p.version for p in self.behind)
            raise AssertionError(
                f"{len(self.behind)} phones never reached version {target}: {versions}"
            ) from None

    def totals(self) -> dict[str, Any]:
        closes: Counter[int] = Counter()
        errors: Counter[str] = Counter()
        for phone in self.phones:
            closes.update(phone.closes)
            errors.update(phone.errors)
        return {
            "gaps_repaired_by_sync": sum(p.gaps for p in self.phones),
            "told_reconnect": sum(p.told_reconnect for p in self.phones),
            "reconnected": sum(p.reconnects for p in self.phones),
            "closes": dict(closes),
            "errors": dict(errors),
        }

    def close(self) -> None:
        """Stop reconnecting and close every socket (the test's loop ends soon after)."""
        self.stopping = True
        for phone in self.phones:
            if phone.reconnecting is not None:
                phone.reconnecting.cancel()
            if phone.client is not None:
                phone.client.close()
