"""deploy/redis-cluster.conf, deploy/sentinel.conf and deploy/redis-users-replicated.acl as
shipped: a Redis Cluster and a Sentinel setup built from them serve a whole session through the
`hearth` ACL user (with every write confirmed by a replica), and nothing reaches the disk but the
cluster's and sentinels' topology files."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import NoPermissionError

from server.store.topology import close
from tests.deploy_support import ACL_TEMPLATE, DEPLOY, REDIS_CONF, connect, whole_session
from tests.redis_topologies import Node, cluster_port, wait_until
from tests.support import LiveServer, free_port, require_tool

REPLICATED_ACL = DEPLOY / "redis-users-replicated.acl"
CLUSTER_CONF = DEPLOY / "redis-cluster.conf"
SENTINEL_CONF = DEPLOY / "sentinel.conf"
USERS = ("REDIS", "REPLICA", "SENTINEL", "ADMIN")  # placeholders: @@HEARTH_<USER>_PASSWORD_SHA256@@


@dataclass
class Secrets:
    passwords: dict[str, str] = field(
        default_factory=lambda: {u: secrets.token_urlsafe(24) for u in USERS}
    )

    def render(self, dest: Path) -> Path:
        """As docs/operations.md says: each password's SHA-256 in place of its placeholder."""
        text = REPLICATED_ACL.read_text()
        for user, password in self.passwords.items():
            placeholder = f"@@HEARTH_{user}_PASSWORD_SHA256@@"
            assert placeholder in text, placeholder
            text = text.replace(placeholder, hashlib.sha256(password.encode()).hexdigest())
        dest.write_text(text)
        return dest


def cli(port: int, user: str, password: str, *command: str) -> str:
    binary = require_tool("redis-cli", "apt-get install redis-tools")
    args = [binary, "-p", str(port), "--user", user, "--pass", password, "--no-auth-warning"]
    done = subprocess.run([*args, *command], capture_output=True, timeout=30, check=False)
    return done.stdout.decode()


def shipped_node(tmp: Path, name: str, acl: Path, extra: list[str], port: int) -> Node:
    """redis-server on the shipped files: deploy/redis.conf, then the topology's own file."""
    workdir = tmp / name
    workdir.mkdir()
    conf = workdir / "redis.conf"
    includes = [REDIS_CONF, *([CLUSTER_CONF] if "--cluster-config-file" in extra else [])]
    conf.write_text("".join(f"include {path}\n" for path in includes))
    return Node(workdir, ["--aclfile", str(acl), *extra], port, config=conf)


def start_shipped(node: Node) -> Node:
    return node.start()


def start_sentinel(conf: Path, port: int) -> Node:
    node = Node(conf.parent, [], port)
    node.process = subprocess.Popen(
        [node.binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until(node._up, 10, "a sentinel on the shipped file")
    return node


def nothing_on_disk(nodes: list[Node], allowed: set[str]) -> None:
    for node in nodes:
        node.stop()
        left = {p.name for p in node.workdir.iterdir()} - {"redis.conf", "sentinel.conf"}
        assert left <= allowed, f"{node.workdir.name} wrote {left - allowed}"


def test_the_hearth_user_is_the_same_in_both_acl_templates() -> None:
    def hearth(path: Path) -> str:
        return next(
            line for line in path.read_text().splitlines() if line.startswith("user hearth ")
        )

    assert hearth(REPLICATED_ACL) == hearth(ACL_TEMPLATE)


@pytest.fixture
def shipped_cluster(tmp_path: Path) -> Iterator[tuple[list[Node], Secrets]]:
    keys = Secrets()
    acl = keys.render(tmp_path / "users.acl")
    nodes = []
    for i in range(6):
        workdir_flags = ["--cluster-config-file", str(tmp_path / f"n{i}" / "nodes.conf")]
        flags = [*workdir_flags, "--masterauth", keys.passwords["REPLICA"]]
        flags += ["--cluster-node-timeout", "1000"]  # a test need not wait 5 s for anything
        nodes.append(shipped_node(tmp_path, f"n{i}", acl, flags, cluster_port()))
    try:
        for node in nodes:
            start_shipped(node)
        admin = keys.passwords["ADMIN"]
        created = subprocess.run(
            [
                require_tool("redis-cli", "apt-get install redis-tools"),
                "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in nodes],
                "--cluster-replicas", "1", "--cluster-yes",
                "--user", "hearth-admin", "--pass", admin, "--no-auth-warning",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )  # fmt: skip
        assert created.returncode == 0, created.stdout.decode()[-2000:]

        def synced() -> bool:
            infos = [cli(n.port, "hearth-admin", admin, "INFO", "replication") for n in nodes]
            states = [cli(n.port, "hearth-admin", admin, "CLUSTER", "INFO") for n in nodes]
            return all("cluster_state:ok" in s for s in states) and (
                sum("master_link_status:up" in i for i in infos) == 3
            )

        wait_until(synced, 30, "the shipped cluster to form and sync")
        yield nodes, keys
    finally:
        for node in nodes:
            node.stop()


async def test_a_cluster_from_the_shipped_files_serves_a_session_and_keeps_nothing(
    shipped_cluster: tuple[list[Node], Secrets],
) -> None:
    nodes, keys = shipped_cluster
    password = keys.passwords["REDIS"]
    hosts = ",".join(f"127.0.0.1:{n.port}" for n in nodes[:3])
    live = LiveServer.start(
        redis_url=f"redis+cluster://hearth:{password}@{hosts}/",
        redis_wait_replicas=1,
        redis_timeout_seconds=3.0,
    )
    try:
        rooms = [await live.create_room(k=3) for _ in range(3)]
        for room in rooms:
            receipt = await whole_session(
                lambda role, _, room=room: connect(live.ws_url, room, role)  # type: ignore[misc]
            )
            assert receipt["deleted"] > 0 and receipt["remaining"] == 0
    finally:
        live.stop()
    app = RedisCluster(
        startup_nodes=[ClusterNode("127.0.0.1", nodes[0].port)],
        username="hearth",
        password=password,
        require_full_coverage=False,
    )
    try:
        await app.initialize()
        for node in app.get_primaries():
            assert [k async for k in app.scan_iter(match="*", target_nodes=node)] == []
        for command in (("CLUSTER", "RESET"), ("CLUSTER", "FAILOVER"), ("READWRITE",)):
            with pytest.raises(NoPermissionError):
                await app.execute_command(*command, target_nodes=app.get_primaries()[0])
    finally:
        await close(app)
    # Only each node's topology file: no RDB, no AOF, not even at shutdown.
    nothing_on_disk(nodes, {"nodes.conf"})


async def test_sentinel_from_the_shipped_files_serves_a_session_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    keys = Secrets()
    acl = keys.render(tmp_path / "users.acl")
    auth = ["--masteruser", "hearth-replica", "--masterauth", keys.passwords["REPLICA"]]
    primary = start_shipped(shipped_node(tmp_path, "primary", acl, auth, free_port()))
    replica = shipped_node(
        tmp_path,
        "replica",
        acl,
        [*auth, "--replicaof", "127.0.0.1", str(primary.port)],
        free_port(),
    )
    start_shipped(replica)
    sentinels: list[Node] = []
    try:
        for i in range(3):
            workdir = tmp_path / f"sentinel-{i}"
            workdir.mkdir()
            port = free_port()
            text = SENTINEL_CONF.read_text()
            # What an operator edits: the port, the primary's address, the sentinel password.
            text = text.replace("port 26379", f"port {port}")
            text = text.replace("127.0.0.1 6379 2", f"127.0.0.1 {primary.port} 2")
            text = text.replace("@@HEARTH_SENTINEL_PASSWORD@@", keys.passwords["SENTINEL"])
            conf = workdir / "sentinel.conf"
            conf.write_text(text)
            sentinels.append(start_sentinel(conf, port))
        admin = keys.passwords["ADMIN"]
        wait_until(
            lambda: (
                "state=online" in cli(primary.port, "hearth-admin", admin, "INFO", "replication")
            ),
            20,
            "the replica to sync through the hearth-replica user",
        )
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in sentinels)
        password = keys.passwords["REDIS"]
        live = LiveServer.start(
            redis_url=f"redis+sentinel://hearth:{password}@{hosts}/hearth",
            redis_wait_replicas=1,
            redis_timeout_seconds=3.0,
        )
        try:
            room = await live.create_room(k=3)
            receipt = await whole_session(lambda role, _: connect(live.ws_url, room, role))
            assert receipt["deleted"] > 0 and receipt["remaining"] == 0
        finally:
            live.stop()
    finally:
        for node in sentinels:
            node.stop()
    nothing_on_disk([primary, replica], set())
