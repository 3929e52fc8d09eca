"""The baseline: a minimal broadcast server on the bare `websockets` library.

It answers the same client messages the load generator sends to Hearth (hello -> welcome and
snapshot; open -> an update broadcast to the room with `websockets.broadcast`; answer -> ack;
reveal -> the tally broadcast), with none of Hearth's validation, storage, views or thresholds.
It is the floor Hearth is measured against: `python -m bench.baseline --port N`.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, broadcast, serve


@dataclass
class Room:
    version: int = 1
    sockets: set[ServerConnection] = field(default_factory=set)
    activity: dict[str, Any] | None = None
    ballots: dict[str, int] = field(default_factory=dict)


rooms: dict[str, Room] = {}


def now_ms() -> int:
    return int(time.time() * 1000)


def update(room: Room, changes: dict[str, Any]) -> str:
    room.version += 1
    body = {
        "type": "update",
        "version": room.version,
        "base": room.version - 1,
        "now": now_ms(),
        "changes": changes,
    }
    return orjson.dumps(body).decode()


async def handler(ws: ServerConnection) -> None:
    hello = orjson.loads(await ws.recv())
    room = rooms.setdefault(str(hello.get("code")), Room())
    role = hello.get("role")
    token = secrets.token_urlsafe(24) if role == "participant" else None
    await ws.send(orjson.dumps({"type": "welcome", "role": role, "token": token}).decode())
    view = {"activity": room.activity, "results": None}
    snapshot = {"type": "snapshot", "version": room.version, "now": now_ms(), "view": view}
    await ws.send(orjson.dumps(snapshot).decode())
    room.sockets.add(ws)
    try:
        async for raw in ws:
            message = orjson.loads(raw)
            kind, request_id = message.get("type"), message.get("id")
            if kind == "open":
                room.activity = {"id": secrets.token_hex(4), "status": "open"}
                room.activity["definition"] = message["activity"]
                room.ballots = {}
                broadcast(room.sockets, update(room, {"activity": room.activity, "results": None}))
            elif kind == "answer":
                room.ballots[message["ballot"]] = int(message["value"]["option"])
            elif kind == "reveal" and room.activity is not None:
                options = room.activity["definition"].get("options", [])
                counts = [0] * len(options)
                for option in room.ballots.values():
                    counts[option] += 1
                cells = [{"label": o, "count": c} for o, c in zip(options, counts, strict=True)]
                results = {"overall": {"answered": len(room.ballots), "cells": cells}}
                room.activity = {**room.activity, "status": "revealed"}
                broadcast(
                    room.sockets, update(room, {"activity": room.activity, "results": results})
                )
            if request_id is not None:
                await ws.send(
                    orjson.dumps({"type": "ack", "id": request_id, "detail": ""}).decode()
                )
    finally:
        room.sockets.discard(ws)


async def main(host: str, port: int) -> None:
    async with serve(handler, host, port, compression=None, max_size=16 * 1024, backlog=4096):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    import uvloop

    uvloop.run(main(args.host, args.port))
