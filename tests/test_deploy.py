"""Production shapes, run for real: `hearth serve --workers 2` on one Redis; nginx with
deploy/nginx/hearth.conf (TLS) in front of two `hearth serve` processes on deploy/redis.conf;
Caddy with deploy/Caddyfile in front of two processes; readiness while Redis is away; and the
deployment files that cannot run here (compose, image, unit), checked by reading."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
import yaml
from redis.asyncio import Redis

from server.settings import Settings
from server.store.base import key
from tests.deploy_support import DEPLOY, POLL, HardenedRedis, answer, connect, whole_session
from tests.support import Client, LiveServer, RedisServer, ServeProcess, free_port, require_tool

NGINX_SITE = DEPLOY / "nginx" / "hearth.conf"
STARTUP_SECONDS = 60  # a loaded 2-core CI box can take a while to import and fork


async def phones_by_process(redis: Redis, code: str) -> list[int]:
    """The room's participant count on each Hearth process that holds any (a "p:<process>"
    presence field each, removed when its count falls to 0)."""
    fields = await redis.hgetall(key(code, "presence"))  # type: ignore[misc]
    return [int(value.split(b":")[0]) for f, value in fields.items() if f.startswith(b"p:")]


async def processes_serving(redis: Redis, code: str) -> int:
    """How many Hearth processes hold participant sockets of this room."""
    return len(await phones_by_process(redis, code))


async def until_processes(redis: Redis, code: str, want: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while await processes_serving(redis, code) < want:
        assert time.monotonic() < deadline, f"fewer than {want} processes took sockets"
        await asyncio.sleep(0.05)


# -- several processes on one host ---------------------------------------------------------


async def test_workers_on_one_redis_behave_as_one(redis_server: RedisServer) -> None:
    phones = 12
    server = ServeProcess(redis_server.url, "--workers", "2").start(wait=False)
    redis = Redis.from_url(redis_server.url)
    try:
        server.wait_ready(STARTUP_SECONDS)
        room = await server.create_room(k=3)
        code = room["code"]

        async def until_counted(want: int) -> list[int]:
            deadline = time.monotonic() + STARTUP_SECONDS
            while sum(counts := await phones_by_process(redis, code)) != want:
                assert time.monotonic() < deadline, f"{counts} phones counted, not {want}"
                await asyncio.sleep(0.05)
            return counts

        async def join(role: str, index: int) -> Client:
            client = await connect(server.ws_url, room, role)
            if role != "participant" or index < phones - 1:
                return client
            # The kernel hands each connection to either worker, and can hand all of them to
            # one. The last phone comes back with its token, as a phone whose signal dropped
            # does, until both workers hold some of the room.
            deadline = time.monotonic() + STARTUP_SECONDS
            while len(await until_counted(phones)) < 2:
                assert time.monotonic() < deadline, "the second worker never took a socket"
                await client.close()
                await until_counted(phones - 1)
                client = await connect(server.ws_url, room, role, token=client.token)
            return client

        async def both_workers() -> None:
            assert await processes_serving(redis, code) == 2

        receipt = await whole_session(join, phones=phones, joined=both_workers)
        assert receipt["deleted"] > 0 and receipt["remaining"] == 0
        assert [k async for k in redis.scan_iter(match=f"hearth:{{{code}}}:*")] == []
    finally:
        await redis.aclose()
        server.stop()


def test_the_embedded_store_refuses_several_workers() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--workers", "2", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--workers above 1 needs --redis-url" in done.stderr


# -- liveness and readiness ----------------------------------------------------------------


async def test_readiness_follows_redis_and_liveness_does_not() -> None:
    redis = RedisServer().start()
    live = LiveServer.start(redis_url=redis.url)
    try:
        async with httpx.AsyncClient(base_url=live.base_url) as http:

            async def until(status: int) -> dict[str, Any]:
                deadline = time.monotonic() + 15
                while (response := await http.get("/healthz")).status_code != status:
                    assert time.monotonic() < deadline, response.text
                    await asyncio.sleep(0.05)
                return response.json()  # type: ignore[no-any-return]

            assert (await until(200))["ready"] is True
            redis.stop()
            assert (await until(503))["ready"] is False
            assert (await http.get("/livez")).status_code == 200  # alive: do not restart it
            redis.start()  # the same port again
            assert (await until(200))["ready"] is True
        room = await live.create_room()  # and it works again, not just answers
        phone = await Client.join(live, room, "participant")
        await phone.close()
    finally:
        live.stop()
        redis.stop()


# -- nginx with TLS in front of two processes on the hardened Redis ------------------------


def render(text: str, replacements: list[tuple[str, str]]) -> str:
    """Each replaced piece must exist: if the example changes shape, this test must notice."""
    for old, new in replacements:
        assert old in text, f"the deployment file no longer contains {old!r}"
        text = text.replace(old, new)
    return text


@dataclass
class Stack:
    tmp: Path
    redis: HardenedRedis
    hearths: list[ServeProcess]
    https_port: int
    http_port: int
    tls: ssl.SSLContext
    nginx: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ws_url(self) -> str:
        return f"wss://127.0.0.1:{self.https_port}/ws"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    openssl = require_tool("openssl", "apt-get install openssl")
    cert, private = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(private), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, private


def start_nginx(
    tmp: Path, upstreams: list[int], https_port: int, http_port: int
) -> subprocess.Popen[bytes]:
    nginx = "/usr/sbin/nginx"  # Debian's; not on a normal user's PATH
    if not Path(nginx).exists():
        raise RuntimeError(
            "nginx is needed by the tests but is not installed: apt-get install nginx"
        )
    cert, private = self_signed(tmp)
    site = render(
        NGINX_SITE.read_text(),
        [
            ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
            ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
            ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
            ("    listen [::]:80;\n", ""),
            ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
            ("    listen [::]:443 ssl http2;\n", ""),
            ("/etc/letsencrypt/live/hearth.example.org/fullchain.pem", str(cert)),
            ("/etc/letsencrypt/live/hearth.example.org/privkey.pem", str(private)),
            ("/var/log/nginx/hearth.error.log", str(tmp / "hearth.error.log")),
        ],
    )
    (tmp / "hearth.conf").write_text(site)
    # Debian's /etc/nginx/nginx.conf, reduced to what a test may write: everything in tmp.
    temp_paths = "\n".join(
        f"    {name}_temp_path {tmp / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"worker_processes 1;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'main.error.log'} info;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n    access_log {tmp / 'access.log'};\n{temp_paths}\n"
        f"    include {tmp / 'hearth.conf'};\n}}\n"
    )
    tmp.chmod(0o755)  # nginx's workers drop root; they need to reach their temp paths
    args = [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "main.error.log")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx -t rejected the rendered example:\n{checked.stderr}"
    process = subprocess.Popen([*args, "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
        try:
            httpx.get(f"http://127.0.0.1:{http_port}/", timeout=0.5)
            return process
        except httpx.TransportError:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)


def stop_nginx(nginx: subprocess.Popen[bytes]) -> None:
    nginx.send_signal(signal.SIGQUIT)  # graceful, as `systemctl stop nginx`
    try:
        nginx.wait(10)
    except subprocess.TimeoutExpired:  # a socket a failed test left open
        nginx.kill()
        nginx.wait(5)
    if nginx.stderr:
        nginx.stderr.close()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    https_port, http_port = free_port(), free_port()
    redis = HardenedRedis(tmp_path).start()
    hearths = [
        ServeProcess(redis.url(), "--public-url", f"https://127.0.0.1:{https_port}").start(
            wait=False
        )
        for _ in range(2)
    ]
    nginx: subprocess.Popen[bytes] | None = None
    try:
        for hearth in hearths:
            hearth.wait_ready(STARTUP_SECONDS)
        logs = tmp_path / "nginx"
        logs.mkdir()
        nginx = start_nginx(logs, [h.port for h in hearths], https_port, http_port)
        tls = ssl.create_default_context(cafile=str(logs / "cert.pem"))
        yield Stack(logs, redis, hearths, https_port, http_port, tls, nginx)
    finally:
        # Each part is stopped even if stopping another failed: nothing may outlive the test.
        with contextlib.ExitStack() as stopping:
            stopping.callback(redis.stop)
            for hearth in hearths:
                stopping.callback(hearth.stop)
            if nginx is not None:
                stopping.callback(stop_nginx, nginx)


async def test_a_session_through_nginx_over_tls_on_two_processes(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base, verify=stack.tls) as http:
        assert (await http.get("/healthz")).json()["ready"] is True
        created = await http.post(
            "/api/rooms",
            headers={"Authorization": f"Bearer {stack.hearths[0].host_secret}"},
            json={"k": 3},
        )
        assert created.status_code == 201, created.text
        room = created.json()
        assert room["join_url"].startswith(stack.base + "/join#")
        page = await http.get("/join")
        # HSTS only when Hearth sees X-Forwarded-Proto: https, i.e. the proxy passed it on.
        assert page.status_code == 200 and "strict-transport-security" in page.headers
    async with httpx.AsyncClient() as http:
        plain = await http.get(f"http://127.0.0.1:{stack.http_port}/join")
    assert plain.status_code == 301 and plain.headers["location"] == "https://127.0.0.1/join"

    # Another site's page may not open a socket through the proxy.
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(stack.ws_url, origin="https://elsewhere.example", ssl=stack.tls)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403

    redis = Redis.from_url(stack.redis.url())  # the ACL user: it may read Hearth's keys

    async def both_processes() -> None:
        await until_processes(redis, room["code"], 2)

    try:
        receipt = await whole_session(
            lambda role, _: connect(stack.ws_url, room, role, origin=stack.base, tls=stack.tls),
            phones=8,
            joined=both_processes,
        )
    finally:
        await redis.aclose()
    assert receipt["deleted"] > 0 and receipt["remaining"] == 0

    # nginx logged no request at all: the site's `access_log off` wins over the http default.
    access = stack.tmp / "access.log"
    assert not access.exists() or access.read_text() == ""
    # Its error logs (at "info" for the test) name no client and no room.
    for log in stack.tmp.glob("*.log"):
        text = log.read_text()
        assert "client:" not in text and room["code"] not in text, f"{log.name}: {text[-500:]}"


async def test_a_rolling_restart_behind_nginx_keeps_the_room(stack: Stack) -> None:
    """docs/operations.md 1.7: stop one process; nginx sends every reconnecting screen to the other
    and the room, held in Redis, carries on with the same tokens and answers."""
    async with httpx.AsyncClient(base_url=stack.base, verify=stack.tls) as http:
        created = await http.post(
            "/api/rooms", headers={"Authorization": f"Bearer {stack.hearths[0].host_secret}"}
        )
    room = created.json()

    async def join(role: str, token: str | None = None) -> Client:
        return await connect(
            stack.ws_url, room, role, origin=stack.base, tls=stack.tls, token=token
        )

    facilitator = await join("facilitator")
    phones = [await join("participant") for _ in range(4)]
    await facilitator.command({"type": "open", "activity": POLL})
    view = await phones[0].until_view(lambda v: v["activity"] is not None)
    for phone in phones[:2]:
        await answer(phone, view["activity"]["id"], {"kind": "choice", "option": 0})
    redis = Redis.from_url(stack.redis.url())
    try:
        await until_processes(redis, room["code"], 2)  # some screens are on the one we stop
        stopping = stack.hearths[0].process
        assert stopping is not None
        stopping.send_signal(signal.SIGTERM)  # what `systemctl restart` sends first
        assert await asyncio.to_thread(stopping.wait, 15) == 0  # drained and exited cleanly
        for client in (facilitator, *phones):
            await client.close()
        # Every screen comes back through nginx, whichever upstream it tries first.
        facilitator = await join("facilitator")
        again = [await join("participant", phone.token) for phone in phones]
        assert [p.token for p in again] == [p.token for p in phones]
        assert [p.inbox for p in again] == [[]] * 4
        for phone in again[2:]:
            await answer(phone, view["activity"]["id"], {"kind": "choice", "option": 1})
        progress = await facilitator.expect_where(
            lambda m: m["type"] == "progress" and m["answered"] == 4 and m["connected"] == 4
        )
        assert progress["answered"] == 4
        for client in (facilitator, *again):
            await client.close()
    finally:
        await redis.aclose()


# -- Caddy, as compose runs it, in front of two processes --------------------------------------


def start_caddy(
    tmp: Path, upstreams: list[int], https_port: int, http_port: int
) -> subprocess.Popen[bytes]:
    """deploy/Caddyfile with the compose service names swapped for local ports; its internal CA
    stands in for Let's Encrypt. Everything Caddy keeps goes to tmp."""
    caddy = require_tool("caddy", "apt-get install caddy")
    site = render(
        (DEPLOY / "Caddyfile").read_text(),
        [
            (
                "{\n\t# No access log",
                f"{{\n\tadmin off\n\tskip_install_trust\n\tdefault_sni 127.0.0.1\n"
                f"\thttp_port {http_port}\n\thttps_port {https_port}\n\t# No access log",
            ),
            ("hearth-1:8000", f"127.0.0.1:{upstreams[0]}"),
            ("hearth-2:8000", f"127.0.0.1:{upstreams[1]}"),
        ],
    )
    (tmp / "Caddyfile").write_text(site)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "DOMAIN": "127.0.0.1"}
    env |= {"XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config")}
    args = [caddy, "run", "--adapter", "caddyfile", "--config", str(tmp / "Caddyfile")]
    log = (tmp / "caddy.log").open("wb")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    root = tmp / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, (tmp / "caddy.log").read_text()
        if root.exists():
            try:
                tls = ssl.create_default_context(cafile=str(root))
                if (
                    httpx.get(f"https://127.0.0.1:{https_port}/healthz", verify=tls).status_code
                    == 200
                ):
                    return process
            except (httpx.TransportError, ssl.SSLError):
                pass
        assert time.monotonic() < deadline, (tmp / "caddy.log").read_text()
        time.sleep(0.1)


async def test_a_session_through_caddy_over_tls_on_two_processes(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    https_port, http_port = free_port(), free_port()
    base = f"https://127.0.0.1:{https_port}"
    hearths = [
        ServeProcess(redis_server.url, "--public-url", base).start(wait=False) for _ in range(2)
    ]
    caddy: subprocess.Popen[bytes] | None = None
    redis = Redis.from_url(redis_server.url)
    try:
        for hearth in hearths:
            hearth.wait_ready(STARTUP_SECONDS)
        caddy = start_caddy(tmp_path, [h.port for h in hearths], https_port, http_port)
        root = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        tls = ssl.create_default_context(cafile=str(root))
        room = await hearths[0].create_room(k=3)

        async def both_processes() -> None:
            await until_processes(redis, room["code"], 2)

        receipt = await whole_session(
            lambda role, _: connect(
                f"wss://127.0.0.1:{https_port}/ws", room, role, origin=base, tls=tls
            ),
            phones=6,
            joined=both_processes,
        )
        assert receipt["remaining"] == 0 and receipt["deleted"] > 0
        async with httpx.AsyncClient() as http:
            plain = await http.get(f"http://127.0.0.1:{http_port}/join")
        assert plain.status_code in (301, 308) and plain.headers["location"].startswith("https://")
        # Caddy logged no request: no client address, no room.
        log = (tmp_path / "caddy.log").read_text()
        assert "remote_ip" not in log and room["code"] not in log, log[-1000:]
    finally:
        await redis.aclose()
        with contextlib.ExitStack() as stopping:
            for hearth in hearths:
                stopping.callback(hearth.stop)
            if caddy is not None:
                stopping.callback(caddy.wait, 10)
                stopping.callback(caddy.terminate)


def test_nginx_keeps_sockets_longer_than_the_ping_interval() -> None:
    timeouts = re.findall(r"proxy_(?:read|send)_timeout (\d+)s;", NGINX_SITE.read_text())
    assert len(timeouts) == 2
    # A quiet phone hears a ping every interval; a dead one is dropped after two.
    assert all(int(t) > 2 * Settings().ping_interval_seconds for t in timeouts)


# -- files that cannot run here: read and checked ------------------------------------------


def test_env_example_lists_every_setting() -> None:
    listed = set(
        re.findall(r"^#?\s*HEARTH_([A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M)
    )
    settings = {f.name.upper() for f in fields(Settings)}
    assert settings - listed == set(), "add these to deploy/env.example (hearth settings)"
    assert listed - settings == set(), "deploy/env.example names settings that do not exist"


def test_compose_file_follows_the_compose_specification() -> None:
    # `docker compose config` cannot run here (no Compose plugin, no engine): check the file
    # against the Compose Specification's JSON schema instead (vendored by check-jsonschema).
    checked = subprocess.run(
        [
            *(sys.executable, "-m", "check_jsonschema"),
            *("--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_runs_replicas_on_a_redis_that_keeps_nothing() -> None:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    redis = services["redis"]
    assert redis["command"][:2] == ["redis-server", "/usr/local/etc/redis/redis.conf"]
    assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in redis["volumes"]
    for mount in redis["volumes"]:
        assert mount.startswith("./") and mount.endswith(":ro"), f"Redis may not write {mount}"
    assert redis["read_only"] is True and redis["tmpfs"] == ["/data"]
    assert "ports" not in redis, "Redis must not be published on the host"
    assert "healthcheck" in redis and _seconds(redis["stop_grace_period"]) >= 10
    assert set(compose.get("volumes", {})) <= {"caddy_data", "caddy_config"}, "certificates only"

    hearths = {n: s for n, s in services.items() if s.get("command", [])[:2] == ["hearth", "serve"]}
    assert len(hearths) >= 2, "at least two Hearth replicas"
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    for name, service in hearths.items():
        assert service["environment"]["HEARTH_REDIS_URL"].startswith("redis://hearth:"), name
        assert re.search(r"/(livez|healthz)", " ".join(service["healthcheck"]["test"])), name
        assert _seconds(service["stop_grace_period"]) >= 10, name
        assert service["read_only"] is True and "volumes" not in service, name
        assert "ports" not in service, f"{name} is reached only through Caddy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert f"{name}:8000" in caddyfile, f"Caddy does not balance to {name}"
    assert compose["networks"]["backend"]["internal"] is True
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])


def test_the_image_runs_unprivileged_with_a_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and not user[-1].startswith(("root", "0")), user
    assert re.search(r"^HEALTHCHECK .*\n.*/livez", dockerfile, re.M)
    # The image checks at build time that the wheel carried the front-end in.
    assert "ASSET_DIRS" in dockerfile


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return int(match.group(1))


def test_the_systemd_unit_is_hardened() -> None:
    unit = (DEPLOY / "systemd" / "hearth@.service").read_text()
    lines = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert lines["ExecStart"].split()[1] == "serve"
    assert lines.get("DynamicUser") == "yes" or lines.get("User") not in (None, "root")
    for setting, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "KillSignal": "SIGTERM",
    }.items():
        assert lines.get(setting) == value, setting
    assert _seconds(lines["TimeoutStopSec"]) >= 10
    assert lines["EnvironmentFile"].startswith("/etc/hearth/")


def test_systemd_accepts_the_unit_and_rates_it_safe(tmp_path: Path) -> None:
    """systemd's own checks, offline (no systemd needed as PID 1): the unit parses, and its
    sandbox rates "OK" (exposure at most 2.0 of 10)."""
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    hearth = Path(sys.executable).parent / "hearth"  # the unit's ExecStart must exist to verify
    unit = (DEPLOY / "systemd" / "hearth@.service").read_text()
    (tmp_path / "hearth@.service").write_text(
        render(unit, [("/opt/hearth/venv/bin/hearth", str(hearth))])
    )
    verify = subprocess.run(
        [analyze, "verify", str(tmp_path / "hearth@8001.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr
    security = subprocess.run(
        [
            analyze,
            "security",
            "--offline=true",
            "--threshold=20",
            str(tmp_path / "hearth@.service"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert security.returncode == 0, security.stdout[-2000:] + security.stderr


def test_the_image_builds_the_wheel_from_what_it_copies() -> None:
    """The image's build stage copies every file the wheel is built from (pyproject.toml's
    packages and force-include), and the .dockerignore lets them through; the speed-ups go in,
    and a container never tries to open a browser."""
    import tomllib

    dockerfile = (DEPLOY / "Dockerfile").read_text()
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {*wheel["packages"], *wheel["force-include"], project["project"]["readme"]}
    copied = {
        source.rstrip("/").removeprefix("./")
        for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.M)
        for source in line.split()[:-1]
    }
    assert needed <= copied, needed - copied
    for path in needed:
        assert f"!{path}" in ignore or f"!{path}/" in ignore, path
        assert (DEPLOY.parent / path).exists(), path
    assert re.search(r'pip wheel .*-c deploy/requirements.lock "\.\[fast\]"', dockerfile)
    assert re.search(r'pip install --no-index --find-links /wheels "hearth\[fast\]"', dockerfile)
    assert re.search(r"^\s+HEARTH_OPEN=never", dockerfile, re.M)


def test_the_lock_pins_every_dependency_within_its_range_as_tested() -> None:
    """deploy/requirements.lock: every runtime dependency (and the speed-ups) pinned with ==,
    inside pyproject.toml's range (uvicorn's is narrow: server/transport/fast.py depends on its
    internals), and the very versions this suite runs against."""
    import tomllib
    from importlib import metadata

    from packaging.requirements import Requirement

    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())["project"]
    pins = {
        name.lower().replace("_", "-"): version
        for line in (DEPLOY / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
        for name, version in [line.split("==")]
    }
    for spec in [*project["dependencies"], *project["optional-dependencies"]["fast"]]:
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])
    for name, version in pins.items():
        assert metadata.version(name) == version, f"the suite runs {name} {metadata.version(name)}"
