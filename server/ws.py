"""The WebSocket endpoint: origin check -> first-message credentials -> snapshot -> message pump.

Credentials travel in the first message, never in the URL (servers and proxies log URLs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, get_args

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import protocol as p
from . import view_models as vm
from .activities import TRACKS, ActivityKind
from .codes import digest, matches, new_credential, normalise_code
from .connection import (
    CLOSE_BAD_HELLO,
    CLOSE_HELLO_TIMEOUT,
    CLOSE_NO_ROOM,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_REFUSED,
    CLOSE_TRY_LATER,
    CLOSE_UNAUTHORISED,
    Connection,
    RateLimit,
    SocketConnection,
)
from .fastpath import BYTES_PER_QUEUED_MESSAGE, FastConnection, extension
from .rooms import CommandError
from .security import client_address, origin_allowed
from .service import RoomGone, Service
from .store.base import side_of, side_tag
from .summary import build_summary, filename

log = logging.getLogger("hearth.ws")

HELLO_TIMEOUT = 10.0

def error(code: str, message: str, request_id: int | None = None) -> p.ErrorFrame:
    return p.ErrorFrame(code=code, message=message, id=request_id)


ANSWER_KINDS = frozenset({"choice", "choices", "scale", "text", "words", "pass"})
UNION_TAGS = frozenset(get_args(ActivityKind)) | ANSWER_KINDS


def describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = list(first.get("loc", ()))
    # Drop pydantic's union tags ("answer.value.text.text" -> "value.text"): name the field.
    if loc and loc[0] in p.CLIENT_TYPES:
        loc = loc[1:]
    parts = [
        part
        for i, part in enumerate(loc)
        if not (i and loc[i - 1] in ("value", "activity") and part in UNION_TAGS)
    ]
    where = ".".join(str(part) for part in parts) or "message"
    return f"{where}: {first.get('msg', 'invalid')}"


async def endpoint(websocket: WebSocket) -> None:
    service: Service = websocket.app.state.service
    settings = service.settings
    if not origin_allowed(websocket, settings.origin_allowlist):
        await websocket.close(code=CLOSE_POLICY)  # before accept: the handshake gets a 403
        return
    await websocket.accept()
    session = Session(websocket, service)
    try:
        await session.run()
    except WebSocketDisconnect:
        pass
    except Exception as exc:  # the store failed before the pump ran: tell the screen, not a 1011
        log.warning("socket setup failed (%s); told the client to retry", type(exc).__name__)
        await session.unavailable()
    finally:
        await session.cleanup()


class Session:
    def __init__(self, websocket: WebSocket, service: Service) -> None:
        self.websocket = websocket
        self.service = service
        self.settings = service.settings
        self.conn: Connection | None = None  # FastConnection or SocketConnection
        self.code = ""
        self.role = ""
        self.who: str | None = None
        self.token: str | None = None  # in this process's memory only: it reads the side tag
        self.track: str | None = None  # as read from the store when the participant joined
        self.newcomer = False
        self.limit = RateLimit(self.settings.rate_per_second, self.settings.rate_burst)

    async def _receive_text(self) -> str | None:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        return message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")

    async def _reject(self, code: int, err: p.ErrorFrame) -> None:
        await self.websocket.send_text(err.model_dump_json())
        await self.websocket.close(code)

    async def unavailable(self) -> None:
        err = error("unavailable", "The server cannot reach its session store; retrying.")
        if self.conn is not None:
            self.conn.send_now(err)
            self.conn.close(CLOSE_TRY_LATER, "store unavailable")
            return
        with contextlib.suppress(Exception):
            await self._reject(CLOSE_TRY_LATER, err)

    async def run(self) -> None:
        try:
            raw = await asyncio.wait_for(self._receive_text(), HELLO_TIMEOUT)
        except TimeoutError:
            await self._reject(CLOSE_HELLO_TIMEOUT, error("timeout", "Say hello first."))
            return
        try:
            hello = p.client_adapter.validate_json(raw or "")
        except ValidationError as exc:
            await self._reject(CLOSE_BAD_HELLO, error("invalid", describe(exc)))
            return
        if not isinstance(hello, p.Hello):
            await self._reject(CLOSE_BAD_HELLO, error("hello_first", "The first message is hello."))
            return
        if not await self._authenticate(hello):
            return
        while True:
            raw = await self._receive_text()
            tokens = self.limit.take()
            if tokens < -self.settings.rate_burst:
                assert self.conn is not None
                self.conn.close(CLOSE_POLICY, "too many messages")
                return
            if tokens < 0:
                self._send(error("slow_down", "Too many messages; this one was dropped."))
                continue
            hub = self.service.hub
            hub.in_flight += 1  # a drain before exit waits for these acks
            try:
                await self._handle(raw or "")
            finally:
                hub.in_flight -= 1

    def _send(self, message: p.Message) -> None:
        if self.conn is not None:
            self.conn.send_now(message)

    async def _authenticate(self, hello: p.Hello) -> bool:
        service = self.service
        # Failed joins per address, in memory only (server/security.py): guessing codes is slow.
        attempts, address = self.websocket.app.state.attempts, client_address(self.websocket)
        if attempts.blocked(address):
            await self._reject(CLOSE_REFUSED, error("slow_down", "Too many tries; wait a minute."))
            return False
        code = normalise_code(hello.code)
        state = None
        if code is not None:
            with contextlib.suppress(RoomGone):
                state = await service.load(code)
        if hello.epoch is not None and (state is None or state.epoch != hello.epoch):
            # The room this screen knew is gone (or its code was reused after Redis lost
            # everything): never join it to a stranger's room. Alike for every code.
            await self.websocket.send_text(p.Ended(reason="lost").model_dump_json())
            await self.websocket.close(CLOSE_NO_ROOM)
            return False
        if code is None or state is None:
            # A wrong code and an ended room answer exactly alike.
            attempts.failed(address)
            await self._reject(
                CLOSE_NO_ROOM, error("no_room", "No session with that code is running.")
            )
            return False
        token = None
        if hello.role == "facilitator":
            ok = hello.credential is not None and matches(
                hello.credential, state.facilitator_digest
            )
        elif hello.role == "cofacilitator":
            ok = (
                hello.credential is not None
                and state.cofacilitator_digest is not None
                and matches(hello.credential, state.cofacilitator_digest)
            )
        elif hello.role == "display":
            ok = hello.credential is not None and matches(hello.credential, state.display_digest)
        else:
            ok, token = await self._join(code, hello, state.locked, state.cap)
            if not ok:
                return False
        if not ok:
            attempts.failed(address)
            await self._reject(
                CLOSE_UNAUTHORISED, error("unauthorised", "That credential is not valid here.")
            )
            return False
        self.code, self.role = code, hello.role
        queue, deadline = self.settings.send_queue_messages, self.settings.write_deadline_seconds
        # A co-facilitator's console sees what the facilitator's sees: it joins that audience.
        audience = "facilitator" if hello.role == "cofacilitator" else hello.role
        fast = extension(self.websocket.scope)  # frames straight to the transport when we can
        conn: Connection = (
            FastConnection(fast, audience, queue * BYTES_PER_QUEUED_MESSAGE, deadline)
            if fast is not None
            else SocketConnection(self.websocket, audience, queue, deadline)
        )
        self.conn = conn
        if audience == "facilitator":  # which seat, and the credential it came with
            self.conn.seat = "co" if hello.role == "cofacilitator" else "lead"
            self.conn.grant = digest(hello.credential or "")
        room = await service.hub.attach(code, self.conn)
        if room is None:
            self.conn.close(CLOSE_NO_ROOM, "no room")
            return False
        if room.count() > self.settings.max_sockets_per_room:
            self._send(error("room_full", "Too many screens are connected to this session."))
            self.conn.close(CLOSE_REFUSED, "too many sockets")
            return False
        self._send(p.Welcome(role=hello.role, token=token))
        await self._send_snapshot(on_join=True)
        return True

    async def _join(
        self, code: str, hello: p.Hello, locked: bool, cap: int
    ) -> tuple[bool, str | None]:
        store, ttl = self.service.store, self.service.ttl
        if hello.credential is not None:
            who = digest(hello.credential)
            tag = await store.member(code, who)
            if tag is not None:
                self.who, self.token = who, hello.credential
                self.track = side_of(tag, hello.credential, TRACKS)
                return True, None
        if locked:
            await self._reject(
                CLOSE_REFUSED, error("locked", "This session is not taking new people.")
            )
            return False, None
        token = new_credential()
        who = digest(token)
        status = await store.join(code, who, cap, ttl)
        if status != "ok":
            err = (
                error("full", "This session is full.")
                if status == "full"
                else error("no_room", "No session with that code is running.")
            )
            await self._reject(CLOSE_REFUSED if status == "full" else CLOSE_NO_ROOM, err)
            return False, None
        self.who, self.token, self.track = who, token, ""
        self.newcomer = True  # nothing answered, no track: its snapshot needs no store reads
        return True, token

    async def _send_snapshot(self, on_join: bool = False) -> None:
        you = None
        if self.role == "participant" and self.who is not None:
            state = self.service.hub.state(self.code)
            live = state.live if state else None
            store = self.service.store
            answered = False
            if live is not None and not (on_join and self.newcomer):
                answered = await store.has_answered(self.code, live.id, self.who)
            # On join the track was read a moment ago; on sync it may have changed since.
            track = self.track
            if not on_join and self.token is not None:
                tag = await store.member(self.code, self.who)
                track = side_of(tag or "", self.token, TRACKS)
            you = vm.You(answered=answered, track=track or None)
        audience = self.conn.role if self.conn is not None else self.role
        text = self.service.hub.snapshot(self.code, audience, you)
        if text is not None and self.conn is not None:
            self.conn.offer(text)

    async def _handle(self, raw: str) -> None:
        try:
            message: Any = p.client_adapter.validate_json(raw)
        except ValidationError as exc:
            self._send(error("invalid", describe(exc), _request_id(raw)))
            return
        kind = message.type
        request_id = getattr(message, "id", None)
        try:
            if kind == "sync":
                await self._send_snapshot()
            elif kind == "ping":
                self._send(p.Pong(t=message.t, now=int(time.time() * 1000)))
            elif kind == "hello":
                self._send(error("already_joined", "This socket has already said hello."))
            elif kind in p.FACILITATOR_TYPES:
                allowed = self.role == "facilitator" or (
                    self.role == "cofacilitator" and kind in p.COFACILITATOR_TYPES
                )
                if not allowed:
                    self._send(error("forbidden", "Only the facilitator can do that.", request_id))
                    return
                if isinstance(message, p.SummaryRequest):
                    state = await self.service.load(self.code)
                    summary = build_summary(state, message.title)
                    self._send(
                        p.SummaryFile(id=message.id, filename=filename(summary), summary=summary)
                    )
                    return
                if isinstance(message, p.End):
                    receipt = await self.service.end(self.code)
                    detail = f"erased {receipt.deleted} keys, {receipt.remaining} left"
                    self._send(p.Ack(id=message.id, detail=detail))  # before the socket closes
                    await self.service.announce_end(self.code, receipt)
                    return
                detail = await self.service.command(self.code, message)
                self._send(p.Ack(id=message.id, detail=detail))  # every command carries an id
            elif kind in p.PARTICIPANT_TYPES:
                if self.role != "participant" or self.who is None:
                    self._send(error("forbidden", "Only participants can do that.", request_id))
                    return
                await self._participant(message)
        except CommandError as exc:
            self._send(error(exc.code, exc.message, request_id))
        except RoomGone:
            self._send(error("no_room", "This session has ended."))
        except Exception as exc:  # e.g. Redis unreachable: an error frame, the socket stays
            log.warning("request failed (%s); sent an error frame", type(exc).__name__)
            self._send(error("unavailable", "The server could not do that just now.", request_id))

    async def _participant(self, message: Any) -> None:
        assert self.who is not None and self.token is not None
        if isinstance(message, p.Answer):
            await self.service.answer(self.code, self.token, message)
            self._send(p.Ack(id=message.id, detail="stored"))
        elif isinstance(message, p.PauseSignal):
            await self.service.pause(self.code, self.who, message.on)
        elif isinstance(message, p.WordSignal):
            await self.service.word(self.code, self.who, message.on)
        elif isinstance(message, p.ChooseTrack):
            state = await self.service.load(self.code)
            if not state.tracks:
                raise CommandError("no_tracks", "This session does not use tracks.")
            tag = side_tag(self.token, message.track)
            await self.service.store.set_side(self.code, self.who, tag, self.service.ttl)
            self.track = message.track
        elif isinstance(message, p.Leave):
            await self.service.store.leave(self.code, self.who)
            self.service.hub.answers_changed(self.code)
            assert self.conn is not None
            self.conn.close(CLOSE_NORMAL, "left")

    async def cleanup(self) -> None:
        if self.conn is not None:
            await self.service.hub.detach(self.code, self.conn)
            writer = getattr(self.conn, "writer", None)  # the ASGI path drains its queue first
            if self.conn.closing is not None and writer is not None and not writer.done():
                with contextlib.suppress(asyncio.TimeoutError, Exception):
                    await asyncio.wait_for(asyncio.shield(writer), 2.0)
            await self.conn.finish()


def _request_id(raw: str) -> int | None:
    """Echo a request id back on a validation error when one can be read."""
    import orjson

    with contextlib.suppress(Exception):
        value = orjson.loads(raw).get("id")
        if isinstance(value, int):
            return value
    return None
