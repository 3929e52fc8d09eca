"""Every Lua script call goes through a Batch: calls made in the same loop turn go to Redis as one
pipeline per node, one round trip on one pooled connection for a burst of answers or joins, and
the answers to one activity in it as one script call (server/store/calls.py). At most
IN_FLIGHT_AT_MOST pipelines are out at once: calls made meanwhile wait for one to come back and
leave together, so under load the bursts grow instead of the number of pipelines.

Redis runs the calls in the order they were made: two pipelines on two connections run in the
order their bytes reached Redis, so a pipeline leaves only once the one before it has been
written. One written at once (a kept connection) lets the next go in the same turn; one that
must wait first (a connection to make or to take from the pool, a health check's PING) holds
the calls made meanwhile until its bytes are out, or an answer made after the commit that
closed its activity could run before it and be counted.

With `wait_replicas` above 0, each pipeline that wrote ends with WAIT on the same connection: a
call succeeds only once that many replicas hold what it wrote, so a replica promoted after the
primary died has every acknowledged answer. A call whose writes were not confirmed in time fails
(the phone resends the same ballot, which is counted once).

On a cluster the calls are grouped by the primary that holds their room's slot (redis-py's slot
map), and each group is its own pipeline: a primary that is down fails only its own rooms' calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import (
    NoScriptError,
    RedisError,
)

from server.store.calls import Call, Outcome, Script, Then, hand_out, merged
from server.store.connection_io import (
    heard_from,
    pack_command,
    read_replies,
    replies_at_hand,
    send_packed,
)

log = logging.getLogger("hearth.store")


class NotReplicated(RedisError):
    """A write reached the primary but not the replicas it had to reach in time."""


# A pipeline already written on a kept connection: the connection, its bytes, how many replies,
# and those read already (connection_io.replies_at_hand).
Written = tuple[Any, bytes, int, list[Any]]

KEEP_IDLE = 2  # connections a Batch keeps between pipelines
# Pipelines out at once. Uncapped, 1,000 phones answering kept ~170 pipelines of ~10 answers in
# flight, each on its own connection; capped, the calls made while two are out leave together
# (~100 answers a script call), in the order they were made. A quiet server sends each at once.
IN_FLIGHT_AT_MOST = 2


class Batch:
    def __init__(
        self,
        redis: Redis | RedisCluster,
        wait_replicas: int,
        wait_ms: int,
        scripts: tuple[Script, ...] = (),
    ) -> None:
        self.redis = redis
        self.wait_replicas = wait_replicas
        self.wait_ms = wait_ms
        self.scripts = scripts  # loaded together on a node that has lost its script cache
        self._loading: asyncio.Task[None] | None = None  # one load for every pipeline that asks
        self._loop: asyncio.AbstractEventLoop | None = None  # asked for once: see running_loop
        self.pending: list[Call] = []
        self.in_flight = 0  # pipelines sent (or being sent) whose replies are not all read
        self.unwritten = 0  # of those, not written yet: the calls made meanwhile wait for them
        self._tasks: set[asyncio.Task[None]] = set()  # flushes in flight, kept from the GC
        # Connections kept between pipelines (one Redis): taking one from redis-py's blocking
        # pool (its lock, deadline and checks) was a tenth of a millisecond before every push.
        # At most KEEP_IDLE: more go back to the pool, which the other calls share.
        self._idle: list[Any] = []

    def call(
        self,
        script: Script,
        keys: list[Any],
        args: list[Any],
        then: Then | None = None,
        now: bool = False,
    ) -> asyncio.Future[Any]:
        """The call's reply, as a future. `then(reply)`, if given, runs as soon as the reply is
        read and before the future is done (not for an error): what must follow a write at
        once (a commit's screens) need not wait for the caller's turn. `now`: sent now, with
        whatever is pending, rather than at the end of this turn (a commit: the screens wait
        for it, and nothing else is made in the turn of a console's message); when Redis has
        answered within the write (on the same core) `then` has run before this returns."""
        future: asyncio.Future[Any] = self.running_loop().create_future()
        self._add((script, keys, args, future, then))
        if now:
            self._flush()  # the flush the turn's end would do finds nothing left to send
        return future

    def call_with(
        self, script: Script, keys: list[Any], args: list[Any], outcome: Callable[[Any], None]
    ) -> None:
        """The call's reply, or its error (an exception), handed to `outcome` the moment it is
        read: no future to make and no waiter to resume a turn later."""
        self._add((script, keys, args, Outcome(outcome), None))

    def _add(self, call: Call) -> None:
        if not self.pending and self.in_flight < IN_FLIGHT_AT_MOST and not self.unwritten:
            self.running_loop().call_soon(self._flush)
        # else a flush is due already, or the pipeline ahead sends these once written or back
        self.pending.append(call)

    def running_loop(self) -> asyncio.AbstractEventLoop:
        """The loop, asked for once: on Python 3.11 each `asyncio.get_running_loop()` (and
        `asyncio.create_task`) is a getpid() system call, 0.3 µs here (3.12 dropped it)."""
        loop = self._loop
        if loop is None or loop.is_closed():  # first use, or a new loop (tests make one each)
            loop = self._loop = asyncio.get_running_loop()
        return loop

    async def drain(self) -> None:
        """Let the pipelines in flight finish (before the client closes under them)."""
        while self.pending or self._tasks:
            if self.pending and self.in_flight < IN_FLIGHT_AT_MOST and not self.unwritten:
                self._flush()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if isinstance(self.redis, Redis):
            while self._idle:
                await self.redis.connection_pool.release(self._idle.pop())

    def _flush(self, settle: bool = True) -> None:
        """Send what is pending; `settle`: its replies may be handed out now if they are at hand
        (not while an earlier pipeline's replies wait to be handed out: replies go out in the
        order Redis ran their calls)."""
        if self.in_flight >= IN_FLIGHT_AT_MOST or self.unwritten:
            return  # the pipeline ahead sends them, once written (or back)
        batch, self.pending = self.pending, []
        if not batch:  # flushed already (by a pipeline that came back, or by drain())
            return
        batch = merged(batch)
        # Written now, in this turn, when a kept connection can take it at once; a task reads
        # the replies. A task's first step came a turn later: 40 µs before a commit left.
        written = self._write_now(batch)
        if written is not None and settle and not self.in_flight:
            if self._settled_now(batch, written):
                return
        self.in_flight += 1
        if written is None:  # written by the task, turns from now: what is made meanwhile waits
            self.unwritten += 1
        task = self.running_loop().create_task(self._send(batch, written))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _write_now(self, calls: list[Call]) -> Written | None:
        """Write the pipeline on a kept connection without waiting: (the connection, what was
        written, the replies to read), or None when it must go the long way (a cluster, no
        connection kept, not connected, a health check due, no hiredis, a transport that is
        closing or full)."""
        if pack_command is None or not self._idle or isinstance(self.redis, RedisCluster):
            return None
        conn = self._idle[-1]
        writer = getattr(conn, "_writer", None)
        transport = getattr(writer, "transport", None)
        if (
            transport is None
            or not conn.is_connected
            or transport.is_closing()
            or transport.get_write_buffer_size() > 0
            or (conn.health_check_interval and self.running_loop().time() > conn.next_health_check)
        ):
            return None
        commands = self._commands(calls, True)
        packed = b"".join(pack_command(command) for command in commands)
        self._idle.pop()
        transport.write(packed)
        return conn, packed, len(commands), replies_at_hand(conn, len(commands))

    def _settled_now(self, calls: list[Call], written: Written) -> bool:
        """Every reply of a pipeline just written was at hand (Redis answered within the write,
        on the same core): hand them out now. Not when one is an error (NOSCRIPT, a demoted
        primary) or a WAIT ends the pipeline: the task's path deals with those."""
        conn, _packed, count, got = written
        if len(got) < count or self._waits(calls):
            return False
        if any(isinstance(reply, Exception) for reply in got):
            return False
        heard_from(conn, self.running_loop())
        self._idle.append(conn)  # _write_now took it from there, in this turn
        for call, reply in zip(calls, got, strict=True):
            hand_out(call, reply)
        return True

    async def _send(self, batch: list[Call], written: Written | None = None) -> None:
        replies: list[tuple[Call, Any]] = []
        waited_on = [written is None]  # counted in `unwritten` until its bytes are out

        def out() -> None:
            """Its bytes are out (or never will be): the calls held behind it may leave."""
            if waited_on[0]:
                waited_on[0] = False
                self.unwritten -= 1
                if self.pending:  # (_flush waits while IN_FLIGHT_AT_MOST are out)
                    self._flush(settle=False)

        try:
            replies = await self._send_groups(batch, written, out)
        finally:
            self.in_flight -= 1
            out()
            # The calls made while the pipelines were out leave now, together, before these
            # replies are handed out: Redis runs them while the acks of these go out.
            if self.pending:
                self._flush(settle=False)
        for call, reply in replies:
            hand_out(call, reply)

    async def _send_groups(
        self, batch: list[Call], written: Written | None, out: Callable[[], None]
    ) -> list[tuple[Call, Any]]:
        """Each call with its reply, or its error."""
        if isinstance(self.redis, RedisCluster):
            groups: dict[str, list[Call]] = defaultdict(list)
            nodes: dict[str, ClusterNode | None] = {}
            for call in batch:
                try:
                    node = self.redis.get_node_from_key(call[1][0])
                except RedisError:
                    node = None  # no slot map yet (cluster unreachable at start): let it fail
                name = node.name if node is not None else ""
                groups[name].append(call)
                nodes[name] = node
            sent = [self._send_group(c, nodes[n]) for n, c in groups.items()]
            # redis-py writes a cluster's pipelines turns later, after its own awaits: the
            # next waits for these replies (`out` is called as the task ends)
            return [reply for replies in await asyncio.gather(*sent) for reply in replies]
        return await self._send_group(batch, None, written, out)

    async def _send_group(
        self,
        calls: list[Call],
        node: ClusterNode | None,
        written: Written | None = None,
        out: Callable[[], None] | None = None,
    ) -> list[tuple[Call, Any]]:
        try:
            results = await self._pipeline(calls, node, True, written, out)
            retry = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
            if retry:  # a new or restarted primary without our scripts: EVAL caches them there
                await self._scripts_loaded()
                again = await self._pipeline([calls[i] for i in retry], node, evalsha=False)
                for i, result in zip(retry, again, strict=True):
                    results[i] = result
        except Exception as exc:
            results = [exc] * len(calls)
        return list(zip(calls, results, strict=True))

    async def _scripts_loaded(self) -> None:
        """A node answered NOSCRIPT (restarted, promoted by a failover, its cache flushed): every
        script goes to it now, not only those of this pipeline. A node that held some and not
        others would answer a later pipeline's calls in part, and the calls sent again with EVAL
        would run after the rest of that pipeline: an answer sent before the commit that closed
        its activity would come after it, and be refused. The pipelines that meet the empty
        cache together wait for one load. Best effort: the EVAL that follows caches the scripts
        this pipeline needs whatever happens here."""
        if self._loading is None or self._loading.done():
            self._loading = asyncio.create_task(self._load_scripts())
        await asyncio.shield(self._loading)

    async def _load_scripts(self) -> None:
        loads = [self.redis.script_load(script.source) for script in self.scripts]
        for failed in await asyncio.gather(*loads, return_exceptions=True):
            if isinstance(failed, Exception):  # a Redis error, a lost connection, a deadline
                log.warning("loading the scripts failed (%s)", type(failed).__name__)
                return

    def _waits(self, calls: list[Call]) -> bool:
        return self.wait_replicas > 0 and any(call[0].writes for call in calls)

    def _commands(self, calls: list[Call], evalsha: bool) -> list[tuple[Any, ...]]:
        commands: list[tuple[Any, ...]] = [
            (
                *(("EVALSHA", script.sha) if evalsha else ("EVAL", script.source)),
                len(keys),
                *keys,
                *args,
            )
            for script, keys, args, *_ in calls
        ]
        if self._waits(calls):  # on the connection that carried the writes: WAIT counts its own
            commands.append(("WAIT", self.wait_replicas, self.wait_ms))
        return commands

    async def _pipeline(
        self,
        calls: list[Call],
        node: ClusterNode | None,
        evalsha: bool,
        written: Written | None = None,
        out: Callable[[], None] | None = None,
    ) -> list[Any]:
        wait = self._waits(calls)
        results: list[Any]
        if isinstance(self.redis, RedisCluster):
            async with self.redis.pipeline(transaction=False) as pipe:
                extra = {"target_nodes": node} if node is not None else {}
                for command in self._commands(calls, evalsha):
                    pipe.execute_command(*command, **(extra if command[0] == "WAIT" else {}))
                results = await pipe.execute(raise_on_error=False)
        else:
            # Built once: a pipeline the flush wrote already carries its bytes and count.
            commands = self._commands(calls, evalsha) if written is None else []
            results = await self._exchange(commands, written, out)
        if wait:
            acked = results.pop()
            failure = None
            if isinstance(acked, Exception) or int(acked) < self.wait_replicas:
                failure = NotReplicated("replicas did not confirm the write in time")
            elif node is not None and self._moved(calls, node):
                # A call redirected to another node (MOVED) ran on another connection, which
                # this WAIT does not cover: not confirmed.
                failure = NotReplicated("the slot moved during the write")
            if failure is not None:
                pairs = zip(calls, results, strict=True)
                results = [failure if call[0].writes else r for call, r in pairs]
        return results

    async def _exchange(
        self,
        commands: list[tuple[Any, ...]],
        written: Written | None = None,
        out: Callable[[], None] | None = None,
    ) -> list[Any]:
        """One pipeline on one pooled connection (one Redis, or Sentinel's primary): packed by
        hiredis in C and read reply by reply, with the client's retries and deadlines.
        redis-py's own pipeline packed each argument in Python and wrapped each reply: a
        sixth of an answer's cost on Redis. `written`: already sent on that connection (a
        retry sends it again); then `commands` is not needed. `out()` once its bytes are out."""
        assert isinstance(self.redis, Redis)
        packed: bytes | list[bytes]
        got: list[Any] = []
        if written is not None:
            conn, packed, count, got = written
        else:
            count = len(commands)
            if self._idle:
                conn = self._idle.pop()
            else:
                conn = await self.redis.connection_pool.get_connection()  # type: ignore[no-untyped-call]
            packed = (
                b"".join(pack_command(command) for command in commands)
                if pack_command is not None
                else conn.pack_commands(commands)
            )
        sent = written is not None

        async def send_and_read() -> list[Any]:
            nonlocal sent, got
            if sent:
                sent = False  # a retry, after a lost connection, sends it again
            else:
                got = []  # and reads every reply afresh
                await send_packed(conn, packed)
                if out is not None:
                    out()
            return await read_replies(conn, count, got)

        async def drop(_error: Exception) -> None:  # as redis-py does: reconnect on the retry
            await conn.disconnect()

        try:
            results: list[Any] = await conn.retry.call_with_retry(send_and_read, drop)
            return results
        except BaseException:
            await conn.disconnect()  # replies may be half read: it connects afresh when used
            raise
        finally:
            if len(self._idle) < KEEP_IDLE:
                self._idle.append(conn)
            else:  # pipelines overlapped (a slow Redis): the pool has it back
                await self.redis.connection_pool.release(conn)

    def _moved(self, calls: list[Call], node: ClusterNode) -> bool:
        assert isinstance(self.redis, RedisCluster)
        try:
            owners = {self.redis.get_node_from_key(c[1][0]) for c in calls}
        except RedisError:
            return True
        return any(owner is None or owner.name != node.name for owner in owners)
