"""A pipeline's bytes on one redis-py connection: written under a deadline, its replies read
straight from the hiredis parser when already received (server/store/batch.py sends through
these)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from redis.exceptions import ConnectionError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

try:  # the `fast` extra: commands packed and replies parsed in C
    from hiredis import Reader, pack_command
except ImportError:  # pragma: no cover - without it, redis-py's own packer and parser
    Reader = None  # type: ignore[assignment,misc]
    pack_command = None  # type: ignore[assignment]
try:  # what redis-py's hiredis reader answers while a reply is incomplete
    from redis._parsers.hiredis import NOT_ENOUGH_DATA
except ImportError:  # pragma: no cover - another redis-py: replies through read_response
    NOT_ENOUGH_DATA = None

__all__ = [
    "UNREAD",
    "buffered_replies",
    "heard_from",
    "next_reply",
    "pack_command",
    "read_replies",
    "replies_at_hand",
    "send_packed",
]

READ_AT_ONCE = 65536  # bytes per read of a socket whose replies have arrived
UNREAD = object()  # next_reply: this connection is not read that way (redis-py reads it)


async def send_packed(conn: Any, packed: bytes | list[bytes]) -> None:
    """What `conn.send_packed_command` does (connect if needed, the health check, a deadline,
    a lost connection dropped), but under `asyncio.timeout`: its `asyncio.wait_for` made a task
    per write (Python 3.11), and that task's turn of the loop came before the pipeline left."""
    if not conn.is_connected:
        # connect(), not what send_packed_command would do: with Sentinel only connect() asks
        # which node is the primary now (a connection dropped after a failover must not come
        # back to the old address).
        await conn.connect()
    write = getattr(conn, "_send_packed_command", None)
    if write is None:
        await conn.send_packed_command(packed)
        return
    await conn.check_health()
    try:
        async with asyncio.timeout(conn.socket_timeout):
            await write([packed] if isinstance(packed, bytes) else packed)
    except TimeoutError:
        await conn.disconnect(nowait=True)
        raise RedisTimeoutError("Timeout writing to socket") from None
    except OSError as exc:
        await conn.disconnect(nowait=True)
        raise ConnectionError(f"Error while writing to socket: {exc.args}") from exc


def heard_from(conn: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """The connection answered: its health check (a PING before the next write) is not due for
    another interval, as redis-py's read_response does. Replies read here from the hiredis
    parser bypass it: a busy connection sent a PING every interval, ahead of a pipeline."""
    if conn.health_check_interval:
        now = (loop or asyncio.get_running_loop()).time()
        conn.next_health_check = now + conn.health_check_interval


def _hiredis_reader(conn: Any) -> Any:
    """The connection's hiredis reader, or None when it does not parse with hiredis."""
    reader = getattr(getattr(conn, "_parser", None), "_reader", None)
    if Reader is None or NOT_ENOUGH_DATA is None or not isinstance(reader, Reader):
        return None
    return reader


def buffered_replies(conn: Any) -> Callable[[], Any] | None:
    """The connection's hiredis reader's `gets` (the next whole reply, or NOT_ENOUGH_DATA), or
    None when the connection does not parse with hiredis (then every reply is read through
    `read_response`; tests/test_store.py checks that a Redis connection here does)."""
    reader = _hiredis_reader(conn)
    return None if reader is None else reader.gets


def replies_at_hand(conn: Any, count: int) -> list[Any]:
    """Up to `count` replies that have arrived already, read from the socket without waiting.

    When redis-server runs on the same core as this process, writing a pipeline wakes it and
    it runs (and replies) before the write returns: the replies are in the socket by then. Read
    at once, they are handed out in this turn, without the turns the event loop, the
    connection's stream and a task took to bring them (35 us before the first phone heard of a
    commit). Only where nothing is queued in the stream ahead of them, and not under TLS (the
    socket holds encrypted records); what is not whole yet is read later, in order, by
    `read_replies`, which is given these first."""
    reader = _hiredis_reader(conn)
    stream = getattr(conn, "_reader", None)
    transport = getattr(getattr(conn, "_writer", None), "transport", None)
    if reader is None or stream is None or transport is None:
        return []
    if getattr(stream, "_buffer", True) or stream.at_eof() or transport.is_closing():
        return []  # bytes (or the end) queued in the stream come first
    sock = transport.get_extra_info("socket")
    if sock is None or transport.get_extra_info("ssl_object") is not None:
        return []
    gets, feed = reader.gets, reader.feed
    replies: list[Any] = []
    while len(replies) < count:
        reply = gets()
        if reply is NOT_ENOUGH_DATA:
            try:
                data = os.read(sock.fileno(), READ_AT_ONCE)  # the socket is non-blocking
            except OSError:  # nothing more yet (or a failure, which the stream will meet)
                break
            if not data:  # the end: left for the stream to meet
                break
            feed(data)
            continue
        replies.append(reply)
    return replies


async def read_replies(conn: Any, count: int, got: list[Any] | None = None) -> list[Any]:
    """`count` replies in order, each call's error (NOSCRIPT, a bug) in its place; `got`, those
    read already (`replies_at_hand`), come first.

    A reply already received is taken straight from the hiredis reader: `read_response`, with
    its deadline and its handling of a lost connection, runs only when the socket must be read.
    Per reply it set up and tore down a deadline: a twentieth of an answer's cost on Redis."""
    gets = buffered_replies(conn)
    replies: list[Any] = []
    failed = False  # a call's own error among the replies
    early = iter(got or ())
    while len(replies) < count:
        reply = next(early, NOT_ENOUGH_DATA)
        if reply is NOT_ENOUGH_DATA:
            reply = gets() if gets is not None else NOT_ENOUGH_DATA
        if reply is NOT_ENOUGH_DATA:  # none whole yet: read the socket, under the deadline
            try:
                reply = await conn.read_response()
            except ResponseError as error:
                reply = error
        elif isinstance(reply, ConnectionError):
            raise reply
        failed = failed or isinstance(reply, ResponseError)
        replies.append(reply)
    heard_from(conn)
    if failed:
        # The node may not be what it was: a primary demoted to a replica by a failover answers
        # READONLY (or NOSCRIPT, or refuses WAIT). redis-py's Sentinel pool drops its idle
        # connections when the primary moves, but not one kept by the Batch: this one connects
        # afresh, to the primary Sentinel names, when next used.
        await conn.disconnect()
        if any(isinstance(reply, ReadOnlyError) for reply in replies):
            raise ConnectionError("the primary is now a replica")  # retried on the new one
    return replies


async def next_reply(conn: Any, wait_seconds: float) -> Any:
    """The next whole reply on a connection that only listens (pub/sub), read from its stream
    straight into its hiredis parser: None when none came within `wait_seconds`; UNREAD when the
    connection is not connected or does not parse with hiredis (redis-py's get_message then
    reads it, and connects it again). A subscriber's message went through seven coroutines of
    redis-py's (get_message, its retries and deadline) and a dict: 114 us from its bytes'
    arrival to its room, cold; read this way, a second process's fan-out (whose phones are
    often first: it is woken by the publication) starts about 50 us sooner. Redis
    closing the connection disconnects it (redis-py connects afresh on the next read) and
    raises ConnectionError. Only the reader task may call this."""
    reader = _hiredis_reader(conn)
    stream = getattr(conn, "_reader", None)
    if reader is None or stream is None or not conn.is_connected:
        return UNREAD
    reply = reader.gets()
    while reply is NOT_ENOUGH_DATA:
        try:
            async with asyncio.timeout(wait_seconds):
                data = await stream.read(READ_AT_ONCE)
        except TimeoutError:
            return None
        if not data:
            await conn.disconnect(nowait=True)
            raise ConnectionError("Connection closed by server.")
        reader.feed(data)
        reply = reader.gets()
    heard_from(conn)
    return reply
