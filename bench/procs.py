"""Processes the bench runs: Hearth (`hearth serve`), the baseline, redis-server; CPU pinning,
file-descriptor limits, and what /proc says about a process (memory, CPU time)."""

from __future__ import annotations

import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
SECRET = "bench-host-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


WANTED_FILES = 65536  # 20,000 phones on one process, with room to spare


def raise_nofile() -> int:
    """Lift the soft open-files limit to the hard one (10,000 sockets need 10,000 fds); as root,
    lift the hard one too, to WANTED_FILES."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < WANTED_FILES:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (WANTED_FILES, WANTED_FILES))
            return WANTED_FILES
        except (ValueError, OSError):
            pass
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def prioritise(nice: int) -> None:
    """The same priority for everything the bench starts (servers, Redis, load generator).

    With the kernel's autogroup scheduling, CPU is shared between sessions first, so the
    session's weight is set too; every child inherits both.
    """
    os.setpriority(os.PRIO_PROCESS, 0, nice)
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:
        pass


def pinned(cpus: str, argv: list[str]) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", cpus, *argv] if cpus and taskset else argv


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (from /proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def schedstat(pids: list[int]) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) over every thread of these
    processes, from /proc/<pid>/task/<tid>/schedstat (nanoseconds). The second says how much
    other work on the same core held them up."""
    ran = waited = 0
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                fields = f.read().split()
            ran, waited = ran + int(fields[0]), waited + int(fields[1])
    return ran / 1e9, waited / 1e9


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def wait_port(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stderr.read().decode(errors="replace")[-800:] if process.stderr else ""
            raise RuntimeError(f"{what} exited with {process.returncode}: {said}")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


@dataclass
class Target:
    """A server under test: `kind` is baseline, nchan, memory, plain (the memory store without
    the fast path: bench/plain.py), redis or redis2 (two processes), or on
    a Redis Cluster of 3 primaries + 3 replicas: cluster (one process), cluster2 (two), cluster2w
    (two, each write confirmed by a replica: --redis-wait-replicas 1)."""

    kind: str
    cpus: str
    port: int = field(default_factory=free_port)
    host: str = HOST
    attached_pids: list[int] = field(default_factory=list)
    secret: str = SECRET
    process: subprocess.Popen[bytes] | None = None
    redis: subprocess.Popen[bytes] | None = None
    redis_url: str = ""
    cluster: Any = None
    nchan: Any = None

    def start(self) -> Target:
        if self.kind == "attached":
            return self
        if self.kind == "nchan":
            from .nchan import NchanServer

            self.nchan = NchanServer(self.host, self.port, pinned(self.cpus, []))
            self.process = self.nchan.start()
            wait_port(self.port, self.process, "nginx with nchan")
            return self
        if self.kind == "baseline":
            argv = [sys.executable, "-m", "bench.baseline", "--port", str(self.port)]
        else:
            module = "bench.plain" if self.kind == "plain" else "server.cli"
            argv = [
                sys.executable, "-m", module, "serve",
                "--host", HOST, "--port", str(self.port), "--host-secret", SECRET,
                "--public-url", f"http://{HOST}:{self.port}",
                "--max-participants", "20000", "--max-sockets-per-room", "20100",
                "--join-attempts-per-minute", "1000000", "--log-level", "warning",
            ]  # fmt: skip
            if self.kind.startswith("redis"):
                self.redis_url = self._start_redis()
                argv += ["--redis-url", self.redis_url]
            if self.kind.startswith("cluster"):
                from tests.redis_topologies import RedisClusterSetup

                self.cluster = RedisClusterSetup().start()
                self.redis_url = self.cluster.url
                argv += ["--redis-url", self.redis_url]
                if self.kind == "cluster2w":
                    argv += ["--redis-wait-replicas", "1"]
            if self.kind in ("redis2", "cluster2", "cluster2w"):
                argv += ["--workers", "2"]
        self.process = subprocess.Popen(
            pinned(self.cpus, argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_port(self.port, self.process, self.kind)
        if self.kind in (
            "redis2",
            "cluster2",
            "cluster2w",
        ):  # both workers up before anyone connects
            deadline = time.monotonic() + 20
            while len(children(self.process.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)
        return self

    def _start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is needed: apt-get install redis-server")
        port = free_port()
        argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        self.redis = subprocess.Popen(pinned(self.cpus, argv), stdout=subprocess.DEVNULL)
        wait_port(port, self.redis, "redis-server")
        return f"redis://{HOST}:{port}/0"

    @property
    def pids(self) -> list[int]:
        """The processes doing the serving (uvicorn's workers when there are several)."""
        if self.process is None:
            return self.attached_pids
        kids = [p for p in children(self.process.pid) if _is_python(p) or self.kind == "nchan"]
        return [self.process.pid, *kids]

    @property
    def store_pids(self) -> list[int]:
        """The redis-server processes the server keeps its rooms in (none for the embedded
        store): their CPU is the other part of what an answer costs on Redis."""
        if self.redis is not None:
            return [self.redis.pid]
        if self.cluster is not None:
            return [n.process.pid for n in self.cluster.nodes if n.process is not None]
        return []

    def create_room(self, k: int = 5) -> dict[str, str]:
        if self.kind in ("baseline", "nchan"):
            code = os.urandom(4).hex().upper()
            return {"code": code, "facilitator_credential": "x" * 24}
        request = urllib.request.Request(
            f"http://{self.host}:{self.port}/api/rooms",
            data=f'{{"k": {k}}}'.encode(),
            method="POST",
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            import json

            room: dict[str, str] = json.loads(response.read())
            return room

    def stop(self) -> None:
        if self.nchan is not None:
            self.nchan.stop()
            return
        for process in (self.process, self.redis):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        if self.cluster is not None:
            self.cluster.stop()


def _is_python(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().startswith("python")
    except OSError:
        return False
