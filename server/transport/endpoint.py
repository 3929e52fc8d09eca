"""The WebSocket endpoint: transport, authentication and dispatch, nothing more.

Origin check -> the first message (credentials travel there, never in the URL, which servers and
proxies log) admitted by the service -> snapshot -> message pump handing each message to the
service. Every room operation is the service's (server/service/rooms.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.clock import now_ms
from server.http.auth import client_address, origin_allowed
from server.i18n import _, say
from server.service.membership import Refused, Seat
from server.service.rooms import Service
from server.transport import eager
from server.transport.asgi import SocketConnection
from server.transport.connection import Connection
from server.transport.deadline import within
from server.transport.fast import FastPathProtocol, extension
from server.transport.fast_writes import BYTES_PER_QUEUED_MESSAGE, FastConnection
from server.transport.parts import RunSheetParts
from server.transport.rate_limit import RateLimit
from server.transport.replies import REFUSALS, describe, error, failure, request_id_of
from server.wire import protocol as p
from server.wire.close_codes import (
    CLOSE_BAD_HELLO,
    CLOSE_HELLO_TIMEOUT,
    CLOSE_NO_ROOM,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_REFUSED,
    CLOSE_TRY_LATER,
)

log = logging.getLogger("hearth.ws")

HELLO_TIMEOUT = 10.0


async def endpoint(websocket: WebSocket) -> None:
    service: Service = websocket.app.state.service
    if not origin_allowed(websocket, service.settings.origin_allowlist):
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
        if session.inbox is None:  # a socket taken over cleans up when it is gone
            await session.cleanup()


class Session:
    """One socket: its connection, its seat once admitted, its rate limit."""

    def __init__(self, websocket: WebSocket, service: Service) -> None:
        self._websocket: WebSocket | None = websocket  # until the fast path takes it over
        self.fast: FastPathProtocol | None = extension(websocket.scope)  # takes it over if set
        self.service = service
        self.settings = service.settings
        self.conn: Connection | None = None  # FastConnection or SocketConnection
        self.seat: Seat | None = None
        self.limit = RateLimit(self.settings.rate_per_second, self.settings.rate_burst)
        self.lang: str | None = None  # for error frames: from hello (or sync); never stored
        # Taken over (the fast path): events arrive here and are handled one at a time, in
        # order (at once with the embedded store, else in one short-lived task).
        self.inbox: list[dict[str, Any]] | None = None  # (a list: smaller than a deque)
        self.pumping = False  # _drain is handling the inbox (at once, or in a task)
        self.immediate = service.store.immediate
        self.parts: RunSheetParts | None = None  # a run-sheet larger than a frame (consoles)
        # Asked for once (the fast path's protocol knows it): on Python 3.11 each lookup (and so
        # each asyncio.create_task) is a getpid() system call; a message's task is made here.
        fast = self.fast
        self.loop = fast.loop if fast is not None else asyncio.get_running_loop()

    @property
    def websocket(self) -> WebSocket:
        assert self._websocket is not None, "taken over: its events come to _deliver"
        return self._websocket

    def _error(self, code: str, message: str, request_id: int | None = None) -> p.ErrorFrame:
        return error(code, say(message, self.lang), request_id)

    async def _receive_text(self) -> str | None:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        return _text(message)

    async def _reject(self, code: int, message: p.Message, reason: str = "") -> None:
        await self.websocket.send_text(message.model_dump_json())
        await self.websocket.close(code, reason)

    async def unavailable(self) -> None:
        err = self._error("unavailable", _("The server cannot reach its session store; retrying."))
        if self.conn is not None:
            self.conn.send_now(err)
            self.conn.close(CLOSE_TRY_LATER, "store unavailable")
            return
        with contextlib.suppress(Exception):
            await self._reject(CLOSE_TRY_LATER, err)

    async def run(self) -> None:
        try:  # no extra task, unlike wait_for; no loop lookups, unlike asyncio.timeout
            raw = await within(self.loop, HELLO_TIMEOUT, self._receive_text())
        except TimeoutError:
            await self._reject(CLOSE_HELLO_TIMEOUT, self._error("timeout", _("Say hello first.")))
            return
        try:
            hello = p.client_adapter.validate_json(raw or "")
        except ValidationError as exc:
            await self._reject(CLOSE_BAD_HELLO, self._error("invalid", describe(exc)))
            return
        if not isinstance(hello, p.Hello):
            await self._reject(
                CLOSE_BAD_HELLO, self._error("hello_first", _("The first message is hello."))
            )
            return
        self.lang = hello.lang
        if not await self._authenticate(hello):
            return
        fast = self.fast
        if fast is not None:
            # An idle phone then costs no task, no suspended ASGI stack, no receive queue and no
            # request object (with its headers): 22 KiB of Python objects down to 9.
            self.inbox, self._websocket = [], None
            fast.take_over(self._deliver)
            return
        while await self._consume(await self._receive_text()):
            pass

    def _admitted(self, raw: str) -> bool | None:
        """The rate limit: True to handle the message; None when it is dropped (its sender is
        told); False once the socket is closed for flooding."""
        tokens = self.limit.take()
        if tokens < -self.settings.rate_burst:
            assert self.conn is not None
            self.conn.close(CLOSE_POLICY, "too many messages")
            return False
        if tokens < 0:  # the request it drops is named: a console waiting for its ack stops
            dropped = request_id_of(raw)
            self._send(
                self._error("slow_down", _("Too many messages; this one was dropped."), dropped)
            )
            return None
        return True

    async def _consume(self, raw: str | None) -> bool:
        """Handle one message under the rate limit; False once the socket is closed for it."""
        admitted = self._admitted(raw or "")
        if not admitted:
            return admitted is None
        hub = self.service.hub
        hub.in_flight += 1  # a drain before exit waits for these acks
        try:
            await self._handle(raw or "")
        finally:
            hub.in_flight -= 1
        return True

    def _deliver(self, event: dict[str, Any]) -> None:
        """A socket event, in arrival order (the fast path calls this once taken over)."""
        assert self.inbox is not None
        self.inbox.append(event)
        if not self.pumping:
            self.pumping = True
            if event["type"] == "websocket.receive" and self._answer_at_once(_text(event)):
                return
            # With the embedded store nothing waits: a message is handled now, no task per
            # message. A disconnect is not: its cleanup takes the socket out of the room's set,
            # which the hub may be iterating right now (a fan-out that closed a slow reader).
            drain = self._drain()
            at_once = self.immediate and event["type"] == "websocket.receive"
            task = eager.start(drain, self.loop) if at_once else self.loop.create_task(drain)
            if task is not None and self.fast is not None:
                self.fast.keep(task)

    def _answer_at_once(self, raw: str) -> bool:
        """A participant's answer (most of what a server handles) by calls, not coroutines: the
        store hands the outcome back, at once or from Redis's reply, and the ack leaves from
        there. False for anything else (another message, an invalid one, a room whose state is
        not at hand): the coroutine path takes it."""
        seat, inbox, hub = self.seat, self.inbox, self.service.hub
        if seat is None or seat.who is None or seat.role != "participant" or inbox is None:
            return False
        if len(inbox) != 1 or '"answer"' not in raw:  # the type's name: every answer has it
            return False
        admitted = self._admitted(raw)  # before anything else, as on the coroutine path
        if not admitted:
            inbox.pop()
            self._next(resume=admitted is None)
            return True
        try:
            message: Any = p.client_adapter.validate_json(raw)
        except ValidationError:
            message = None
        state = hub.state(seat.code)
        if not isinstance(message, p.Answer) or state is None:
            # The coroutine path takes its own token (and says what is wrong with an invalid one)
            self.limit.give_back()
            return False
        inbox.pop()
        hub.in_flight += 1  # a drain before exit waits for these acks

        def done(outcome: str | Exception) -> None:
            hub.in_flight -= 1
            try:
                if isinstance(outcome, Exception):
                    self._refused(outcome, message.id)
                else:
                    self._send(p.ack_json(message.id, outcome))
            except Exception as exc:  # a bug, not a client's doing: as _drain does
                log.warning("socket handling failed (%s)", type(exc).__name__)
            self._next(resume=True)

        try:
            self.service.answer_then(seat, message, state, done)
        except Exception as exc:  # refused before anything was stored (closed, bad_answer)
            done(exc)
        return True

    def _next(self, resume: bool) -> None:
        """A message taken at once is handled: what arrived meanwhile (a disconnect) is handled
        next, in order; else the socket's next message is read (unless it was closed)."""
        if self.inbox:
            task = self.loop.create_task(self._drain())
            if self.fast is not None:
                self.fast.keep(task)
            return
        self.pumping = False
        if resume and self.fast is not None:
            self.fast.resume()

    async def _drain(self) -> None:
        """Handle what has arrived, one message at a time, as the ASGI loop would; read the
        next once all are handled; clean up after the disconnect."""
        assert self.inbox is not None
        fast = self.fast
        try:
            while self.inbox:
                event = self.inbox.pop(0)
                if event["type"] == "websocket.disconnect":
                    self.inbox.clear()
                    await self.cleanup()
                    return
                if event["type"] == "websocket.receive" and await self._consume(_text(event)):
                    if not self.inbox and fast is not None:
                        fast.resume()
        except Exception as exc:  # a bug, not a client's doing: say what, keep the socket read
            log.warning("socket handling failed (%s)", type(exc).__name__)
            if fast is not None:
                with contextlib.suppress(Exception):
                    fast.resume()
        finally:
            self.pumping = False

    def _send(self, message: p.Message | str) -> None:
        if self.conn is not None:
            self.conn.send_now(message)

    async def _authenticate(self, hello: p.Hello) -> bool:
        # Failed attempts per address, in memory only (server/http/auth.py): guessing codes is slow.
        attempts, address = self.websocket.app.state.attempts, client_address(self.websocket)
        if attempts.blocked(address):
            await self._reject(
                CLOSE_REFUSED, self._error("slow_down", _("Too many tries; wait a minute."))
            )
            return False
        try:
            seat = await self.service.admit(hello)
        except Refused as refusal:
            close_code, code, text, counts, reason = REFUSALS[refusal.reason]
            if counts:
                attempts.failed(address)
            message = self._error(code, text) if code else p.Ended(reason="lost")
            await self._reject(close_code, message, reason)
            return False
        self.seat = seat
        queue, deadline = self.settings.send_queue_messages, self.settings.write_deadline_seconds
        fast = self.fast  # frames straight to the transport when we can
        conn: Connection = (
            FastConnection(fast, seat.audience, queue * BYTES_PER_QUEUED_MESSAGE, deadline)
            if fast is not None
            else SocketConnection(self.websocket, seat.audience, queue, deadline)
        )
        self.conn = conn
        self.conn.lang = self.lang  # the hub's own error frames
        # which console, and the credential it came with; a phone's token: two tabs, one person
        self.conn.seat = seat.console
        self.conn.grant = seat.credential_digest if seat.audience == "facilitator" else seat.who
        room = await self.service.attach(seat, self.conn)
        if room is None:
            self.conn.close(CLOSE_NO_ROOM, "no room")
            return False
        if room.count() > self.settings.max_sockets_per_room:
            self._send(
                self._error("room_full", _("Too many screens are connected to this session."))
            )
            self.conn.close(CLOSE_REFUSED, "too many sockets")
            return False
        self._send(
            p.Welcome(
                role=hello.role,
                token=seat.issued_token,
                max_bytes=self.settings.max_message_bytes,
            )
        )
        await self._send_snapshot(on_join=True)
        return True

    async def _send_snapshot(self, on_join: bool = False) -> None:
        assert self.seat is not None
        text = await self.service.snapshot(self.seat, on_join)
        if text is not None and self.conn is not None:
            self.conn.offer(text)

    async def _handle(self, raw: str) -> None:
        assert self.seat is not None
        seat = self.seat
        try:
            message: Any = p.client_adapter.validate_json(raw)
        except ValidationError as exc:
            self._send(self._error("invalid", describe(exc), request_id_of(raw)))
            return
        kind = message.type
        request_id = getattr(message, "id", None)
        try:
            if kind == "sync":
                self.lang = message.lang or self.lang  # the screen changed its language
                if self.conn is not None:
                    self.conn.lang = self.lang
                await self._send_snapshot()
            elif kind == "ping":
                self._send(p.Pong(t=message.t, now=now_ms()))
            elif kind == "hello":
                self._send(self._error("already_joined", _("This socket has already said hello.")))
            elif kind in p.FACILITATOR_TYPES:
                if not p.may_send(seat.role, kind):
                    self._send(
                        self._error("forbidden", _("Only the facilitator can do that."), request_id)
                    )
                elif isinstance(message, p.SummaryRequest):
                    self._send(await self.service.summary_file(seat.code, message))
                elif isinstance(message, p.End):
                    receipt = await self.service.end(seat.code)
                    detail = (
                        f"erased {receipt.deleted} keys, {receipt.remaining} left"  # for tooling
                    )
                    self._send(p.Ack(id=message.id, detail=detail))  # before the socket closes
                    await self.service.announce_end(seat.code, receipt)
                elif isinstance(message, p.RunSheetPart):
                    try:
                        self.parts = self.parts or RunSheetParts()
                        whole = self.parts.add(message)
                    except ValidationError as exc:
                        self._send(self._error("invalid", describe(exc), request_id))
                        return
                    detail = "" if whole is None else await self.service.command(seat.code, whole)
                    self._send(p.Ack(id=message.id, detail=detail))
                else:
                    detail = await self.service.command(seat.code, message)
                    self._send(p.Ack(id=message.id, detail=detail))  # every command has an id
            elif kind in p.PARTICIPANT_TYPES:
                if seat.role != "participant" or seat.who is None:
                    self._send(
                        self._error("forbidden", _("Only participants can do that."), request_id)
                    )
                    return
                acked = await self.service.participant(seat, message)
                if acked is not None and isinstance(message, p.Answer):
                    self._send(p.ack_json(message.id, acked))
                if isinstance(message, p.Leave) and self.conn is not None:
                    self.conn.close(CLOSE_NORMAL, "left")
        except Exception as exc:
            self._refused(exc, request_id)

    def _refused(self, exc: Exception, request_id: int | None) -> None:
        self._send(failure(exc, request_id, self.lang))

    async def cleanup(self) -> None:
        if self.conn is not None and self.seat is not None:
            await self.service.detach(self.seat, self.conn)
            await self.conn.finish()  # the ASGI path sends what it queued before the close


def _text(message: dict[str, Any] | Any) -> str:
    return message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
