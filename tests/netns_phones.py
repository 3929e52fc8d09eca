"""The phones of tests/test_multihost.py, run inside their own network namespace.

Joins a room through host 0, spreads `--phones` participants over every host, opens a poll,
lets half of them answer, prints "HALF" and waits for a line on stdin (the test kills one host
meanwhile), then: the phones of the dead host reconnect to the others with their token (as a
load balancer would send them) and resend what had no ack, with the same ballot; everyone else
answers; the facilitator reveals. Prints one JSON line with what every screen saw."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from typing import Any

import httpx

from tests.support import Client, create_room

SECRET = "multihost-host-secret-0123456789"


async def ready(base: str) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(base + "/healthz", timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base} did not become ready")
            await asyncio.sleep(0.1)


async def join(host: str, room: dict[str, Any], role: str, token: str | None = None) -> Client:
    credential = {
        "facilitator": room["facilitator_credential"],
        "display": room["display_credential"],
    }.get(role, token)
    client = await Client.connect(
        f"ws://{host}/ws", role=role, code=room["code"], credential=credential
    )
    welcome = await client.expect("welcome", 10)
    client.token = welcome.get("token") or credential
    await client.expect("snapshot", 10)
    return client


async def answer(phone: Client, activity: str, ballot: str, option: int) -> bool:
    try:
        reply = await phone.command(
            {
                "type": "answer",
                "activity": activity,
                "ballot": ballot,
                "value": {"kind": "choice", "option": option},
            }
        )
    except Exception:  # the host died under it: no ack
        return False
    return reply["type"] == "ack"


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", required=True, help="host:port of each Hearth host")
    ap.add_argument("--phones", type=int, default=12)
    ap.add_argument("--dead", type=int, default=1, help="index of the host the test kills")
    args = ap.parse_args()
    hosts = args.hosts.split(",")
    for host in hosts:
        await ready(f"http://{host}")
    room = await create_room(f"http://{hosts[0]}", SECRET, k=3)
    facilitator = await join(hosts[0], room, "facilitator")
    display = await join(hosts[-1], room, "display")
    where = [i % len(hosts) for i in range(args.phones)]
    phones = [await join(hosts[w], room, "participant") for w in where]
    poll = {"kind": "poll", "text": "Which helps more this week?", "options": ["A", "B"],
            "result_style": "counts"}
    assert (await facilitator.command({"type": "open", "activity": poll}))["type"] == "ack"
    activity = (await phones[0].until_view(lambda v: v["activity"] is not None, 10))["activity"]
    ballots = [secrets.token_urlsafe(16) for _ in phones]
    acked: set[int] = set()
    half = args.phones // 2
    for i in range(half):
        if await answer(phones[i], activity["id"], ballots[i], i % 2):
            acked.add(i)
    print("HALF", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # host killed
    alive = [h for i, h in enumerate(hosts) if i != args.dead]
    moved = 0
    for i, phone in enumerate(phones):
        if where[i] == args.dead:  # its socket is gone: reconnect elsewhere with the token
            await phone.ws.close()
            phones[i] = await join(alive[i % len(alive)], room, "participant", phone.token)
            moved += 1
    for i in range(args.phones):
        if i not in acked:  # the rest, and any answer without an ack, same ballot
            for _ in range(5):
                if await answer(phones[i], activity["id"], ballots[i], i % 2):
                    acked.add(i)
                    break
                await asyncio.sleep(0.2)
    progress = await facilitator.expect_where(
        lambda m: m["type"] == "progress" and m["answered"] >= args.phones, 15
    )
    assert (await facilitator.command({"type": "reveal"}))["type"] == "ack"
    view = await display.until_view(lambda v: v["results"] is not None, 10)
    counts = [c["count"] for c in view["results"]["overall"]["cells"]]
    receipt_ack = await facilitator.command({"type": "end"})
    receipt = (await facilitator.expect("ended", 10))["receipt"]
    print(
        json.dumps(
            {
                "answered": progress["answered"],
                "acked": len(acked),
                "counts": counts,
                "moved": moved,
                "end": receipt_ack["type"],
                "remaining": receipt["remaining"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
