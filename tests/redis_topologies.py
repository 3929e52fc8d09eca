"""Real Redis topologies on loopback for the tests: a cluster of three primaries and three replicas
(`redis-server --cluster-enabled yes`, `redis-cli --cluster create`) and a Sentinel setup (one
primary, one replica, three `redis-server --sentinel`). Nothing is written to disk but the
cluster's and sentinels' own topology files, in a temporary directory."""

from __future__ import annotations

import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel

from tests.support import Freezable, free_port, require_tool

NODE_TIMEOUT_MS = 1000  # a primary that stops answering is failed over within a few seconds


def cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free too: below the ephemeral range."""
    while True:
        port = random.randrange(20_000, 30_000)
        try:
            for p in (port, port + 10_000):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port


def _ask(port: int, *command: str, host: str = "127.0.0.1", timeout: float = 1.0) -> str:
    """One command in RESP, the reply as text ("" if the node does not answer)."""
    out = f"*{len(command)}\r\n" + "".join(f"${len(c.encode())}\r\n{c}\r\n" for c in command)
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(out.encode())
            chunks = b""
            s.settimeout(timeout)
            while True:
                chunk = s.recv(65536)
                chunks += chunk
                if not chunk or _complete(chunks):
                    break
            return chunks.decode(errors="replace")
    except OSError:
        return ""


def _complete(reply: bytes) -> bool:
    if reply[:1] in (b"+", b"-", b":"):
        return reply.endswith(b"\r\n")
    if reply[:1] == b"$":
        head, _, rest = reply.partition(b"\r\n")
        size = int(head[1:])
        return size < 0 or len(rest) >= size + 2
    return reply.endswith(b"\r\n")  # arrays: good enough for the few we read (ROLE)


def info_field(port: int, section: str, name: str) -> str:
    """A field of INFO <section>, or of CLUSTER INFO for section "cluster"."""
    command = ("CLUSTER", "INFO") if section == "cluster" else ("INFO", section)
    for line in _ask(port, *command).splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def wait_until(predicate: object, seconds: float, what: str) -> None:
    """Poll a topology's state with a deadline (no event announces a cluster's convergence)."""
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Node(Freezable):
    """One redis-server process that keeps nothing on disk; `extra` adds its mode's flags."""

    def __init__(
        self, workdir: Path, extra: list[str], port: int | None = None, config: Path | None = None
    ) -> None:
        self.binary = require_tool("redis-server", "apt-get install redis-server")
        self.port = port or free_port()
        self.workdir = workdir
        self.extra = extra
        self.config = config  # a shipped file: then nothing about the disk is overridden
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Node:
        if self.config is not None:
            args = [self.binary, str(self.config), "--port", str(self.port)]
            args += ["--dir", str(self.workdir), *self.extra]
        else:
            args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
            args += ["--daemonize", "no", "--logfile", "", *self.extra]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._up, 10, f"redis-server on {self.port}")
        return self

    def _up(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server on {self.port} exited")
        return _ask(self.port, "PING", timeout=0.2).startswith(("+PONG", "-NOAUTH"))

    def kill(self) -> None:
        """SIGKILL: the process is gone at once, with everything it held in memory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen node cannot handle SIGTERM
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class RedisClusterSetup:
    """Three primaries, three replicas, `cluster-require-full-coverage no` so the rooms on the
    other primaries carry on while one shard fails over."""

    def __init__(self, primaries: int = 3, replicas: int = 1) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="hearth-cluster-"))
        self.count = primaries * (1 + replicas)
        self.replicas = replicas
        self.nodes: list[Node] = []

    def _node(self, i: int, port: int | None = None) -> Node:
        workdir = self.tmp / f"node-{i}"
        workdir.mkdir(exist_ok=True)
        return Node(
            workdir,
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", str(workdir / "nodes.conf"),
                "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                "--cluster-require-full-coverage", "no",
                "--repl-diskless-sync", "yes",
                "--repl-diskless-sync-delay", "0",
                "--repl-diskless-load", "on-empty-db",
            ],
            port or cluster_port(),
        )  # fmt: skip

    def start(self) -> RedisClusterSetup:
        cli = require_tool("redis-cli", "apt-get install redis-tools")
        self.nodes = [self._node(i).start() for i in range(self.count)]
        addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
        created = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", str(self.replicas)],
            input=b"yes\n",
            capture_output=True,
            timeout=60,
            check=False,
        )
        if created.returncode != 0:
            self.stop()
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout.decode()}")
        self.wait_ok()
        return self

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes[:3]) + "/"

    def wait_ok(self, seconds: float = 30) -> None:
        """Every live node says cluster_state:ok and knows every replica is in sync."""

        def ok() -> bool:
            live = [n for n in self.nodes if n.alive]
            roles = {n.port: info_field(n.port, "replication", "role") for n in live}
            return (
                all(info_field(n.port, "cluster", "cluster_state") == "ok" for n in live)
                and all(
                    info_field(n.port, "replication", "master_link_status") == "up"
                    for n in live
                    if roles[n.port] == "slave"
                )
                and all(  # and each primary counts its replica as online (WAIT can succeed)
                    "state=online" in info_field(n.port, "replication", "slave0")
                    for n in live
                    if roles[n.port] == "master"
                )
            )

        wait_until(ok, seconds, "cluster_state:ok")

    def node_for_port(self, port: int) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def primary_of(self, key: str) -> Node:
        """The node serving the slot of `key` now (asked of a live node)."""
        for node in self.nodes:
            if node.alive:
                reply = _ask(node.port, "CLUSTER", "KEYSLOT", key)
                if reply.startswith(":"):
                    return self.primary_of_slot(int(reply[1:].strip()))
        raise RuntimeError("no live node")

    def primary_of_slot(self, slot: int) -> Node:
        """The live primary that serves `slot` now (a failed one does not count)."""
        for node in self.nodes:
            if not node.alive:
                continue
            for line in _ask(node.port, "CLUSTER", "NODES").splitlines():
                parts = line.split()
                if len(parts) < 9 or "master" not in parts[2] or "fail" in parts[2]:
                    continue
                for span in parts[8:]:
                    low, _, high = span.partition("-")
                    if low.isdigit() and int(low) <= slot <= int(high or low):
                        return self.node_for_port(int(parts[1].split(":")[1].split("@")[0]))
        raise RuntimeError(f"no live primary serves slot {slot}")

    def served_by_other_than(self, key: str, node: Node) -> bool:
        """A live primary other than `node` serves `key` (a failover is done)."""
        try:
            return self.primary_of(key) is not node
        except RuntimeError:  # no primary for the slot yet, mid-failover
            return False

    def primaries(self) -> list[Node]:
        return [
            n
            for n in self.nodes
            if n.alive and info_field(n.port, "replication", "role") == "master"
        ]

    def restart(self, node: Node) -> None:
        """Bring a killed node back on its port with its topology file: it rejoins as a replica
        of the node that took its slots, and syncs over the socket."""
        index = self.nodes.index(node)
        self.nodes[index] = self._node(index, node.port).start()
        self.wait_ok()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


class SentinelSetup:
    """One primary, one replica and three sentinels watching them under the name `hearth`."""

    NAME = "hearth"

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="hearth-sentinel-"))
        self.primary: Node | None = None
        self.replica: Node | None = None
        self.sentinels: list[Node] = []

    def _data(self, name: str, port: int | None = None, extra: list[str] | None = None) -> Node:
        workdir = self.tmp / name
        workdir.mkdir(exist_ok=True)
        flags = ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]
        flags += ["--repl-diskless-load", "on-empty-db", *(extra or [])]
        return Node(workdir, flags, port)

    def start(self) -> SentinelSetup:
        self.primary = self._data("a").start()
        self.replica = self._data("b", extra=["--replicaof", "127.0.0.1", str(self.primary.port)])
        self.replica.start()
        wait_until(
            lambda: info_field(self.replica.port, "replication", "master_link_status") == "up",  # type: ignore[union-attr]
            20,
            "the replica to sync",
        )
        for i in range(3):
            workdir = self.tmp / f"sentinel-{i}"
            workdir.mkdir()
            port = free_port()
            conf = workdir / "sentinel.conf"  # sentinels rewrite their file: topology only
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\n"
                f"sentinel monitor {self.NAME} 127.0.0.1 {self.primary.port} 2\n"
                f"sentinel down-after-milliseconds {self.NAME} {NODE_TIMEOUT_MS}\n"
                f"sentinel failover-timeout {self.NAME} 5000\n"
                f"sentinel parallel-syncs {self.NAME} 1\n"
            )
            node = Node(workdir, [], port)
            self.sentinels.append(self._sentinel(node, conf))
        wait_until(self._watched, 20, "the sentinels to see the replica and each other")
        return self

    def _sentinel(self, node: Node, conf: Path) -> Node:
        binary = node.binary
        args = [binary, str(conf), "--sentinel", "--daemonize", "no", "--logfile", ""]
        node.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(node._up, 10, f"sentinel on {node.port}")
        return node

    def _watched(self) -> bool:
        for s in self.sentinels:
            reply = _ask(s.port, "SENTINEL", "REPLICAS", self.NAME)
            if str(self.replica.port) not in reply:  # type: ignore[union-attr]
                return False
            if not _ask(s.port, "SENTINEL", "CKQUORUM", self.NAME).startswith("+OK 3 usable"):
                return False
        return True

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.NAME}"

    def restart_old_primary(self) -> None:
        """The killed primary comes back on its port, empty; the sentinels turn it into a replica
        of the new primary, which it then syncs from over the socket. On a loaded machine the
        new primary may itself miss the sentinels' 1 s (its fork for that sync, starved of the
        core) and be failed over in turn, to the node just back: twice in CI all three sentinels
        named it primary in the end. Either way round, the pair settles as one primary and one
        replica whose link is up; which is which is read back, and the data is the caller's to
        check (an acknowledged answer must survive both)."""
        assert self.primary is not None and self.replica is not None
        old = self.primary
        pair = (self.replica, self._data("a", old.port).start())

        def settled() -> bool:
            return any(
                info_field(n.port, "replication", "role") == "slave"
                and info_field(n.port, "replication", "master_link_status") == "up"
                for n in pair
            )

        try:
            wait_until(settled, 60, "the pair to settle as a primary and a synced replica")
        except RuntimeError as missed:  # what each side thought, for the next one to read
            raise RuntimeError(f"{missed}; {self._views(old.port)}") from None
        replica = next(n for n in pair if info_field(n.port, "replication", "role") == "slave")
        self.replica, self.primary = replica, next(n for n in pair if n is not replica)

    def _views(self, port: int) -> str:
        """The returned node's role, and each sentinel's: TILT (a sentinel starved of its
        timer for 2 s stops acting for 30), the primary it names, and what it says of the node."""
        seen = [f"node {port}: role {info_field(port, 'replication', 'role')!r}"]
        for sentinel in self.sentinels:
            tilt = info_field(sentinel.port, "sentinel", "sentinel_tilt")
            replicas = _ask(sentinel.port, "SENTINEL", "REPLICAS", self.NAME)
            flags = re.findall(rf"{port}.*?flags\r\n\$\d+\r\n([^\r]*)", replicas, re.S)
            seen.append(
                f"sentinel {sentinel.port}: tilt {tilt!r}, primary {self._primary_of(sentinel)},"
                f" node flags {flags[:1]}"
            )
        return "; ".join(seen)

    def _primary_of(self, sentinel: Node) -> str:
        reply = _ask(sentinel.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.NAME)
        return reply.split("\r\n")[-2] if reply.count("\r\n") >= 2 else "?"

    def primaries_named(self) -> set[str]:
        """The primary each sentinel names: one port once they agree."""
        return {self._primary_of(sentinel) for sentinel in self.sentinels}

    def stop(self) -> None:
        for node in [*self.sentinels, self.primary, self.replica]:
            if node is not None:
                node.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


async def independent_client(url: str) -> Redis | RedisCluster:
    """A plain redis-py client for any of our URLs, built without server/store (for checks)."""
    if url.startswith("redis+cluster://"):
        hosts = url.split("://", 1)[1].strip("/").split(",")
        nodes = [ClusterNode(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in hosts]
        cluster = RedisCluster(startup_nodes=nodes, require_full_coverage=False)
        await cluster.initialize()
        return cluster
    if url.startswith("redis+sentinel://"):
        hosts, _, name = url.split("://", 1)[1].partition("/")
        sentinel = Sentinel(
            [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in hosts.split(",")]
        )  # type: ignore[no-untyped-call]
        primary: Redis = sentinel.master_for(name, redis_class=Redis)
        return primary
    return Redis.from_url(url)


async def scan_everywhere(redis: Redis | RedisCluster, match: str) -> AsyncIterator[bytes]:
    """SCAN every primary (a cluster) or the one Redis."""
    if isinstance(redis, RedisCluster):
        for node in redis.get_primaries():
            async for k in redis.scan_iter(match=match, target_nodes=node):
                yield k
    else:
        async for k in redis.scan_iter(match=match):
            yield k
