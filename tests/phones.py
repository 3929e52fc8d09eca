"""A lean simulated phone for resilience tests: one answer, resent with the same ballot until it is
acknowledged, over whichever of several server addresses answers (as a load balancer would)."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

LOST = (OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, TimeoutError, EOFError)


class Phone:
    def __init__(self, urls: list[str], code: str, first: int = 0) -> None:
        self.urls = urls
        self.code = code
        self.index = first
        self.token: str | None = None
        self.ballot = secrets.token_urlsafe(16)
        self.ws: Any = None
        self.view: dict[str, Any] = {}
        self.you: dict[str, Any] | None = None
        self.next_id = 1
        self.acked_via: str | None = None  # the address whose ack arrived
        self.lost_at: float | None = None  # first time a socket was lost before the ack
        self.back_at: float | None = None  # first fresh snapshot after that
        self.sends = 0
        self.told_reconnect = False
        self.errors: list[str] = []

    @property
    def url(self) -> str:
        return self.urls[self.index % len(self.urls)]

    async def connect(self, attempts: int = 60) -> None:
        """Connect and say hello, trying the next address after each failure, with jitter."""
        for attempt in range(attempts):
            url = self.url
            try:
                ws = await websockets.connect(
                    url,
                    origin=url.replace("ws://", "http://").rsplit("/ws", 1)[0],  # type: ignore[arg-type]
                    compression=None,
                    open_timeout=5,
                )
                hello: dict[str, Any] = {"type": "hello", "role": "participant", "code": self.code}
                if self.token:
                    hello["credential"] = self.token
                await ws.send(json.dumps(hello))
                welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if welcome["type"] != "welcome":
                    await ws.close()
                    raise ConnectionError(f"refused: {welcome}")
                self.token = welcome.get("token") or self.token
                snapshot = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert snapshot["type"] == "snapshot", snapshot
                self.view, self.you = snapshot["view"], snapshot.get("you")
                self.ws = ws
                if self.lost_at is not None and self.back_at is None:
                    self.back_at = time.monotonic()
                return
            except (*LOST, ConnectionError) as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                self.index += 1
                await asyncio.sleep(random.uniform(0, min(0.5, 0.02 * 2**attempt)))
        raise AssertionError(f"could not reconnect after {attempts} attempts")

    def _lost(self) -> None:
        self.ws = None
        if self.lost_at is None and self.acked_via is None:
            self.lost_at = time.monotonic()

    async def answer_until_acked(self, option: int, timeout: float = 20.0) -> None:
        """Send the answer; on any loss reconnect (fresh snapshot) and send it again, same ballot."""
        deadline = time.monotonic() + timeout
        while self.acked_via is None:
            if time.monotonic() > deadline:
                raise AssertionError("no ack in time")
            if self.ws is None:
                await self.connect()
            activity = self.view["activity"]
            request_id, self.next_id = self.next_id, self.next_id + 1
            message = {
                "type": "answer",
                "id": request_id,
                "activity": activity["id"],
                "ballot": self.ballot,
                "value": {"kind": "choice", "option": option},
            }
            url = self.url
            try:
                await self.ws.send(json.dumps(message))
                self.sends += 1
                while True:
                    reply = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
                    if reply["type"] == "reconnect":
                        # This address is going away: come back on the next one, but only once
                        # the server closes, since acks in flight still arrive before that.
                        self.told_reconnect = True
                        self.index += 1
                        continue
                    if reply.get("id") != request_id:
                        continue
                    if reply["type"] == "ack":
                        self.acked_via = url
                        return
                    self.errors.append(reply["code"])
                    await asyncio.sleep(0.05)  # e.g. "unavailable": try again shortly
                    break
            except LOST:
                self._lost()

    async def drain_until_closed(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Read everything until the server closes the socket; returns what arrived."""
        seen: list[dict[str, Any]] = []
        try:
            while True:
                seen.append(json.loads(await asyncio.wait_for(self.ws.recv(), timeout)))
        except ConnectionClosed:
            pass
        self._lost()
        return seen

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
