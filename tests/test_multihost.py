"""Several hosts, simulated: three Hearth hosts, a Redis Cluster host and a phones host, each in
its own network namespace, joined by veth pairs to a bridge in a switch namespace, on private
addresses (10.18.0.0/24) that exist only inside those namespaces. Nothing is added to the
machine's own network. Phones are spread over the three Hearth hosts; one host is killed (SIGKILL)
mid-vote; its phones reconnect to the others with their tokens and resend: nothing is lost,
nothing is counted twice."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import require_tool

ROOT = Path(__file__).resolve().parent.parent
SECRET = "multihost-host-secret-0123456789"
HOSTS = ("redis", "a", "b", "c", "phones")  # 10.18.0.1 .. 10.18.0.5
REDIS_PORTS = range(7001, 7007)  # free by construction: the namespace has nothing else


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=check)


class Lab:
    def __init__(self, tmp: Path) -> None:
        self.tag = secrets.token_hex(2)
        self.tmp = tmp
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    def ns(self, host: str) -> str:
        return f"hl{self.tag}-{host}"

    @staticmethod
    def address(host: str) -> str:
        return f"10.18.0.{HOSTS.index(host) + 1}"

    def build(self) -> None:
        switch = self.ns("sw")
        for name in (switch, *(self.ns(h) for h in HOSTS)):
            sh("ip", "netns", "add", name)
            self.namespaces.append(name)
            sh("ip", "-n", name, "link", "set", "lo", "up")
        sh("ip", "-n", switch, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", switch, "link", "set", "br0", "up")
        for i, host in enumerate(HOSTS):
            inside, port = f"v{self.tag}{i}h", f"v{self.tag}{i}s"
            # Both ends are created directly in their namespaces: nothing in the machine's own.
            sh("ip", "link", "add", inside, "netns", self.ns(host), "type", "veth",
               "peer", "name", port, "netns", switch)  # fmt: skip
            sh("ip", "-n", self.ns(host), "addr", "add", f"{self.address(host)}/24", "dev", inside)
            sh("ip", "-n", self.ns(host), "link", "set", inside, "up")
            sh("ip", "-n", switch, "link", "set", port, "master", "br0")
            sh("ip", "-n", switch, "link", "set", port, "up")

    def run(self, host: str, argv: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(["ip", "netns", "exec", self.ns(host), *argv], **kwargs)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def ask(self, host: str, *argv: str) -> str:
        return sh("ip", "netns", "exec", self.ns(host), *argv, check=False).stdout

    def until(self, predicate: object, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def cluster(self) -> str:
        binary = require_tool("redis-server", "apt-get install redis-server")
        cli = require_tool("redis-cli", "apt-get install redis-tools")
        ip = self.address("redis")
        for port in REDIS_PORTS:
            workdir = self.tmp / f"redis-{port}"
            workdir.mkdir()
            self.run(
                "redis",
                [binary, "--port", str(port), "--bind", ip, "--save", "", "--appendonly", "no",
                 "--protected-mode", "no",  # the network exists only in these namespaces
                 "--dir", str(workdir), "--cluster-enabled", "yes",
                 "--cluster-config-file", str(workdir / "nodes.conf"),
                 "--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no",
                 "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"],
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        for port in REDIS_PORTS:
            self.until(
                lambda p=port: "PONG" in self.ask("redis", cli, "-h", ip, "-p", str(p), "PING"),  # type: ignore[misc]
                10,
                "redis-server",
            )
        nodes = [f"{ip}:{p}" for p in REDIS_PORTS]
        created = sh("ip", "netns", "exec", self.ns("redis"), cli, "--cluster", "create", *nodes,
                     "--cluster-replicas", "1", "--cluster-yes", check=False)  # fmt: skip
        assert created.returncode == 0, created.stdout[-2000:]

        def synced() -> bool:
            infos = [
                self.ask("redis", cli, "-h", ip, "-p", str(p), "INFO", "replication")
                for p in REDIS_PORTS
            ]
            states = [
                self.ask("redis", cli, "-h", ip, "-p", str(p), "CLUSTER", "INFO")
                for p in REDIS_PORTS
            ]
            return all("cluster_state:ok" in s for s in states) and (
                sum("master_link_status:up" in i for i in infos) == 3
            )  # fmt: skip

        self.until(synced, 30, "the cluster")
        return "redis+cluster://" + ",".join(nodes[:3]) + "/"

    def hearth(self, host: str, redis_url: str) -> subprocess.Popen[bytes]:
        ip = self.address(host)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
        env.update(
            HEARTH_HOST_SECRET=SECRET,
            HEARTH_REDIS_URL=redis_url,
            HEARTH_REDIS_WAIT_REPLICAS="1",
            HEARTH_PUBLIC_URL=f"http://{ip}:8000",
        )
        argv = [sys.executable, "-m", "server.cli", "serve", "--host", ip, "--port", "8000"]
        return self.run(host, argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)  # fmt: skip

    def teardown(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        for name in self.namespaces:
            sh("ip", "netns", "del", name, check=False)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root (ip netns add)")
    probe = sh("ip", "netns", "add", f"hl-probe-{os.getpid()}", check=False)
    if probe.returncode != 0:
        pytest.skip(f"ip netns add is refused here: {probe.stderr.strip()}")
    sh("ip", "netns", "del", f"hl-probe-{os.getpid()}")
    built = Lab(tmp_path)
    try:
        built.build()
        yield built
    finally:
        built.teardown()


def test_one_host_killed_mid_vote_loses_and_doubles_nothing(lab: Lab) -> None:
    url = lab.cluster()
    hosts = {h: lab.hearth(h, url) for h in ("a", "b", "c")}
    phones = lab.run(
        "phones",
        [sys.executable, "-m", "tests.netns_phones", "--phones", "12", "--dead", "1",
         "--hosts", ",".join(f"{lab.address(h)}:8000" for h in ("a", "b", "c"))],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert phones.stdout is not None and phones.stdin is not None
    line = phones.stdout.readline().decode()
    assert line.strip() == "HALF", line
    hosts["b"].kill()  # SIGKILL: the host is gone mid-vote, with its sockets
    hosts["b"].wait(10)
    phones.stdin.write(b"go\n")
    phones.stdin.flush()
    result = json.loads(phones.stdout.readline().decode())
    assert phones.wait(30) == 0
    assert result["moved"] == 4  # the phones of host b came back through a and c
    assert result["answered"] == 12 and result["acked"] == 12
    assert result["counts"] == [6, 6]  # every answer once: none lost, none doubled
    assert result["end"] == "ack" and result["remaining"] == 0
