"""`hearth serve` and friends. Every flag mirrors a Settings field and HEARTH_<NAME>."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import errno
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import uvicorn

from server import launch
from server.log_redaction import log_config
from server.settings import Settings
from server.store import RoomStore, open_store
from server.transport.fast import FastPathProtocol
from server.transport.upgrade_first import UpgradeFirst


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn must run Hearth: no access log (it records addresses), no compression,
    the message size cap enforced by the protocol layer (close 1009)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "http": UpgradeFirst,  # a phone's handshake straight to the WebSocket protocol
        "ws": FastPathProtocol,  # uvicorn's sans-I/O protocol + encode-once frame writes
        "ws_max_size": settings.max_message_bytes,
        "ws_per_message_deflate": False,
        # every handler redacts (server/log_redaction.py)
        "log_config": log_config(settings.log_level),
        "ws_ping_interval": settings.ping_interval_seconds,
        "ws_ping_timeout": settings.ping_interval_seconds,
        "access_log": False,
        "log_level": settings.log_level,
        "server_header": False,
        # The proxy's X-Forwarded-For becomes the client address (join-attempt limits need it).
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_graceful_shutdown": 8,
        # A room of hundreds joining at once queues its connections here until they are accepted;
        # past the queue, a connection is dropped and the phone's retry waits a second or more.
        "backlog": settings.backlog,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth", description="Real-time facilitation for small groups."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="Run the server.")
    for f in fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        kind = type(f.default)
        if f.name == "open":  # a choice with two flags: --open, --no-open
            opening = serve.add_mutually_exclusive_group()
            opening.add_argument(
                "--open",
                dest="open",
                action="store_const",
                const="always",
                default=None,
                help="Open the console in this computer's browser at start (default: when run"
                " from a terminal on a desktop; HEARTH_OPEN=auto|always|never).",
            )
            opening.add_argument(
                "--no-open",
                dest="open",
                action="store_const",
                const="never",
                help="Do not open a browser.",
            )
            continue
        serve.add_argument(flag, dest=f.name, type=kind, default=None, help=f.metadata["help"])
    sub.add_parser("settings", help="List every setting with its environment variable.")
    link = sub.add_parser("link", help="Print a new one-time facilitator link (server running).")
    link.add_argument("--url", default=None, help="The server, default http://127.0.0.1:PORT.")
    link.add_argument("--port", type=int, default=None, help="Port of a local server.")
    link.add_argument(
        "--room",
        default=None,
        help="Get back into this running room (its code); a console open elsewhere is closed.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "settings":
        for f in fields(Settings):
            print(f"HEARTH_{f.name.upper():28} {f.metadata['help']} (default: {f.default!r})")
        return 0
    if args.command == "link":
        return print_link(args.url, args.port, args.room)
    overrides = {f.name: getattr(args, f.name) for f in fields(Settings)}
    settings = Settings.from_env(**overrides)
    if settings.workers > 1 and not settings.redis_url:
        print(
            "hearth: the embedded store lives in one process; --workers above 1 needs --redis-url.",
            file=sys.stderr,
        )
        return 2
    if settings.open not in launch.OPEN_CHOICES:
        print("hearth: HEARTH_OPEN is auto, always or never.", file=sys.stderr)
        return 2
    if not settings.host_secret:
        # Made here, kept for `hearth link` in a file only this user can read, gone at exit.
        settings = settings.replace(host_secret=secrets.token_urlsafe(24))
        keep_secret(settings.port, settings.host_secret)
    return serve(settings)


def secret_file(port: int) -> Path:
    """Where `hearth serve` keeps the host secret it made, for `hearth link` on this machine."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("XDG_STATE_HOME")
    folder = Path(base) if base else Path.home() / ".local" / "state"
    return folder / "hearth" / f"host-secret-{port}"


def keep_secret(port: int, secret: str) -> None:
    path = secret_file(port)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secret)
    except OSError as exc:
        print(f"  (could not keep the host secret for `hearth link`: {exc.strerror})")
        return
    atexit.register(lambda: path.unlink(missing_ok=True))


def _exit_cleanly(sig: int, frame: object) -> None:
    raise SystemExit(0)  # SIGTERM is how a process is asked to stop: a clean stop is status 0


def port_taken(host: str, port: int) -> str | None:
    """What stops Hearth listening on host:port (another program holds it, or it needs rights
    this user lacks), said for the facilitator, or None. Asked before the banner: a link printed
    by a server that then fails to start would open whatever else listens there."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        return f"Hearth cannot listen on {host}: {exc.strerror}."
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} is already in use: is Hearth, or another program, already"
                    f" running there? Stop it, or start on another port:"
                    f" `hearth serve --port {port + 1}`."
                )
            return f"Hearth cannot listen on port {port}: {exc.strerror}."
    return None


def serve(settings: Settings) -> int:
    from server.app import base_url, create_app

    taken = port_taken(settings.host, settings.port)
    if taken is not None:
        print(taken, file=sys.stderr)
        return 1

    # Workers are separate processes: they read the same settings from the environment.
    for f in fields(Settings):
        os.environ[f"HEARTH_{f.name.upper()}"] = str(getattr(settings, f.name))
    base = base_url(settings)
    local = launch.local_console(settings.host, settings.port)
    store = (
        "Redis (shared by every process)"
        if settings.redis_url
        else "the embedded in-memory store (one process)"
    )
    print(f"Hearth is starting with {store}.", flush=True)
    embedded = open_store(settings.redis_url) if not settings.redis_url else None
    # The start link is a one-time ticket. Under systemd, whose journal keeps a service's output,
    # none is minted: a log holds no ticket, and `hearth link` makes one when it is wanted.
    terminal = launch.interactive()
    wants_open = launch.should_open(settings.open, terminal, os.environ)
    journal = launch.journal_kept()
    try:
        ticket = asyncio.run(start_ticket(settings, embedded, mint=not journal or wants_open))
        answering = True
    except Exception as exc:  # Redis down at start: serve anyway (no crash loop), retry per call
        ticket, answering = None, False
        print(f"  Redis is not answering ({type(exc).__name__}): /healthz says 503 until it does.")
    another = link_command(settings.host, settings.port)
    if not answering:
        print(f"  Facilitator link: run `{another}` once Redis answers.", flush=True)
    elif ticket is None or journal:
        print(f"  Facilitator link: run `{another}` (none is printed into the journal).",
              flush=True)  # fmt: skip
    else:
        print(f"  Facilitator (one-time link): {local}/host#ticket={ticket}", flush=True)
    print(f"  Phones join: {base}/join", flush=True)
    launch.print_addresses(settings.host, settings.port, f"{base}/join")
    if ticket is not None and not journal:
        print(f"  The link works once; `{another}` prints another.", flush=True)
    if answering:
        back = link_command(settings.host, settings.port, "CODE")
        print(f"  Console closed mid-session? `{back}` brings it back.", flush=True)
    opening = ticket is not None and wants_open
    options = uvicorn_options(settings)
    # uvicorn re-raises SIGTERM with this handler once its graceful shutdown is done.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if settings.workers > 1:
        if opening:
            link = f"a link from `{another}`" if journal else "the facilitator link above"
            print(f"  Open {link} in your browser.", flush=True)
        uvicorn.run("server.app:create_app", factory=True, workers=settings.workers, **options)
        return 0
    config = uvicorn.Config(create_app(settings, embedded), **options)
    console = f"{local}/host#ticket={ticket}"
    if opening:
        print("  Opening the console in your browser…", flush=True)
    ready = (lambda: launch.open_in_browser(console)) if opening else None
    ReadyServer(config, on_ready=ready).run()
    return 0


class ReadyServer(uvicorn.Server):
    """uvicorn's server, calling on_ready once it listens (not before: a browser opened early
    would find nothing there)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.on_ready is not None:
            self.on_ready()


async def start_ticket(settings: Settings, store: RoomStore | None, mint: bool) -> str | None:
    """Mint the start link's ticket (in the embedded store the server will use, or in Redis);
    without `mint`, only check that Redis answers. Raises when Redis does not."""
    from server.service import tickets

    grant = tickets.Grant("host", None, settings.host_secret)
    ttl = settings.start_link_ttl_seconds
    if store is not None:
        return await tickets.mint(store, grant, ttl) if mint else None
    redis_store = open_store(settings.redis_url, settings.redis_timeout_seconds)
    try:
        if mint:
            return await tickets.mint(redis_store, grant, ttl)
        if not await redis_store.ping():
            raise ConnectionError("Redis did not answer a PING")
        return None
    finally:
        await redis_store.stop()


def link_options(host: str, port: int) -> str:
    """What `hearth link` needs after it to reach this server. It asks http://127.0.0.1:PORT,
    PORT by default the default port: nothing more is needed there, --port on another port, and
    --url for a server listening on one address 127.0.0.1 does not reach. The console's page
    says the same (facilitator/templates/console.html; tests/test_cli_link.py holds them alike)."""
    if not (host in ("", "0.0.0.0", "::", "localhost") or host.startswith("127.")):
        shown = f"[{host}]" if ":" in host else host
        return f"--url http://{shown}:{port}"
    return "" if port == Settings.port else f"--port {port}"


def link_command(host: str, port: int, room: str | None = None) -> str:
    """`hearth link` as it must be typed on this computer, for this server (and a room)."""
    program = launch.hearth_program()
    words = [f"{program} link", f"--room {room}" if room else "", link_options(host, port)]
    return " ".join(word for word in words if word)


def print_link(url: str | None, port: int | None, room: str | None = None) -> int:
    """Ask a running server for a new one-time facilitator link: a new room, or back into a
    running one. The host secret comes from HEARTH_HOST_SECRET or the file `hearth serve` keeps
    on this machine."""
    import json
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    settings = Settings.from_env()
    # the port of the server asked: given, or in the address given, or the default
    port = port or (urlsplit(url).port if url else None) or settings.port
    secret = settings.host_secret
    if not secret:
        with contextlib.suppress(OSError):
            secret = secret_file(port).read_text().strip()
    if not secret:
        where = f"at {url}" if url else f"on port {port} here"
        print(
            f"hearth: no server started by you is running {where}; "
            "elsewhere, set HEARTH_HOST_SECRET to the server's host secret.",
            file=sys.stderr,
        )
        return 2
    body: dict[str, str] = {"role": "host"}
    if room is not None:
        body = {"role": "facilitator", "code": room.strip().upper()}
    base = (url or f"http://127.0.0.1:{port}").rstrip("/")
    request = urllib.request.Request(
        base + "/api/tickets",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {secret}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            print(json.loads(response.read())["url"])
    except urllib.error.HTTPError as exc:
        message = json.loads(exc.read() or b"{}").get("message", exc.reason)
        print(f"hearth: {message}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
        print(f"hearth: could not get a link from {base}: {exc}", file=sys.stderr)
        return 1
    if room is not None:
        print("Open it once: the console comes back to the room; any other console is closed.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
