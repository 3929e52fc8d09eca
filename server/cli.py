"""`hearth serve` and friends. Every flag mirrors a Settings field and HEARTH_<NAME>."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import fields
from typing import Any

from .settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn must run Hearth: no access log (it records addresses), no compression,
    the message size cap enforced by the protocol layer (close 1009)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "ws": "websockets-sansio",
        "ws_max_size": settings.max_message_bytes,
        "ws_per_message_deflate": False,
        "ws_ping_interval": settings.ping_interval_seconds,
        "ws_ping_timeout": settings.ping_interval_seconds,
        "access_log": False,
        "log_level": settings.log_level,
        "server_header": False,
        "timeout_graceful_shutdown": 8,
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
        serve.add_argument(flag, dest=f.name, type=kind, default=None, help=f.metadata["help"])
    sub.add_parser("settings", help="List every setting with its environment variable.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "settings":
        for f in fields(Settings):
            print(f"HEARTH_{f.name.upper():28} {f.metadata['help']} (default: {f.default!r})")
        return 0
    overrides = {f.name: getattr(args, f.name) for f in fields(Settings)}
    settings = Settings.from_env(**overrides)
    if settings.workers > 1 and not settings.redis_url:
        print(
            "hearth: the embedded store lives in one process; --workers above 1 needs --redis-url.",
            file=sys.stderr,
        )
        return 2
    if not settings.host_secret:
        settings = settings.replace(host_secret=secrets.token_urlsafe(24))
    return serve(settings)


def serve(settings: Settings) -> int:
    import uvicorn

    from .app import base_url, create_app

    # Workers are separate processes: they read the same settings from the environment.
    for f in fields(Settings):
        os.environ[f"HEARTH_{f.name.upper()}"] = str(getattr(settings, f.name))
    base = base_url(settings)
    local = f"http://127.0.0.1:{settings.port}"
    store = (
        "Redis (shared by every process)"
        if settings.redis_url
        else "embedded in-memory store (one process)"
    )
    print(f"Hearth is starting with the {store}.", flush=True)
    print(f"  Facilitator: {local}/host#secret={settings.host_secret}", flush=True)
    print(f"  Phones join: {base}/join", flush=True)
    print("  Keep the facilitator link private: it lets its holder open rooms.", flush=True)
    options = uvicorn_options(settings)
    if settings.workers > 1:
        uvicorn.run("server.app:create_app", factory=True, workers=settings.workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
