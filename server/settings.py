"""One typed settings object. Every field has a default and a help line; the CLI builds its flags
from these fields and reads HEARTH_<NAME> from the environment."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from typing import Any


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    host: str = _setting("0.0.0.0", "Interface to listen on.")
    port: int = _setting(8000, "TCP port to listen on.")
    redis_url: str = _setting(
        "",
        "Redis URL: redis://, rediss:// or unix:// (one Redis), redis+cluster://host:port,... "
        "(a Redis Cluster), redis+sentinel://host:port,.../name (Sentinel). Empty: the embedded "
        "in-memory store, one process only.",
    )
    redis_wait_replicas: int = _setting(
        0,
        "Replicas that must hold each write before it is acknowledged (WAIT). 0 for one Redis; "
        "1 for a cluster or Sentinel with replicas, so a failover loses no acknowledged answer.",
    )
    redis_timeout_seconds: float = _setting(
        1.0, "Deadline for each call to Redis; past it Redis counts as not answering."
    )
    host_secret: str = _setting(
        "", "Secret that lets a facilitator create rooms. Empty: a new one is generated at start."
    )
    workers: int = _setting(1, "Server processes on this host (needs --redis-url when above 1).")
    backlog: int = _setting(
        4096,
        "Connections queued until accepted (a room joining at once); the kernel caps it at "
        "net.core.somaxconn.",
    )
    gc_young_objects: int = _setting(
        50_000,
        "Allocations between passes of Python's cyclic garbage collector over new objects "
        "(Python's default is 700, which a busy server spends a few percent of its CPU on). "
        "0 leaves the collector as Python sets it.",
    )
    public_url: str = _setting(
        "", "Base URL phones should open, e.g. https://hearth.example.org. Empty: the LAN address."
    )
    room_ttl_seconds: int = _setting(4 * 3600, "A room idle this long expires with all its keys.")
    heartbeat_seconds: float = _setting(
        5.0,
        "How often each room is checked against the store (a lost room says so on every screen), "
        "stalled sockets dropped and abandoned rooms ended.",
    )
    facilitator_away_seconds: float = _setting(
        5.0, "No facilitator console this long (longer than a reload): screens say it is away."
    )
    facilitator_grace_seconds: float = _setting(
        1200.0, "A room with no facilitator console connected this long ends and is erased."
    )
    default_k: int = _setting(5, "Default minimum number of answers before any result is shown.")
    max_participants: int = _setting(300, "Default cap on participants per room.")
    max_sockets_per_room: int = _setting(2000, "Cap on open sockets per room in one process.")
    max_message_bytes: int = _setting(16 * 1024, "Largest WebSocket message accepted (close 1009).")
    send_queue_messages: int = _setting(
        64, "Messages queued per socket before a slow client is dropped."
    )
    write_deadline_seconds: float = _setting(
        10.0, "A socket whose unsent messages have not moved for this long is dropped (4409)."
    )
    rate_per_second: float = _setting(20.0, "Sustained messages per second allowed per socket.")
    rate_burst: int = _setting(40, "Burst of messages allowed per socket before throttling.")
    allowed_origins: str = _setting(
        "", "Comma-separated extra origins allowed to open WebSockets (same origin always is)."
    )
    join_attempts_per_minute: int = _setting(
        30, "Failed joins (wrong code, credential or link) allowed per client address per minute."
    )
    ticket_ttl_seconds: int = _setting(
        600, "A one-time link (console, display) left unused expires after this long."
    )
    start_link_ttl_seconds: int = _setting(
        3600, "The one-time facilitator link printed at start expires after this long."
    )
    ping_interval_seconds: float = _setting(20.0, "WebSocket keepalive ping interval.")
    forwarded_allow_ips: str = _setting(
        "127.0.0.1",
        "Proxies trusted for X-Forwarded-For/-Proto: comma-separated addresses or networks, * any.",
    )
    log_level: str = _setting("info", "Log level: debug, info, warning, error.")
    open: str = _setting(
        "auto",
        "Open the console in this computer's browser at start: auto (when run from a terminal"
        " on a desktop), always (--open) or never (--no-open).",
    )
    source_url: str = _setting(
        "",
        "Where the running version's source can be had (the 'Source code' link on every page)."
        " Empty: /source, served by this server.",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"HEARTH_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def store_kind(self) -> str:
        return "redis" if self.redis_url else "memory"

    @property
    def origin_allowlist(self) -> frozenset[str]:
        return frozenset(
            o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()
        )


def _coerce(f: dataclasses.Field[Any], raw: str) -> Any:
    kind: type = type(f.default)
    if kind is bool:
        return raw.lower() in {"1", "true", "yes", "on"}
    if kind in (int, float):
        return kind(raw)
    return raw


def setting_help() -> dict[str, str]:
    return {f.name: f.metadata["help"] for f in fields(Settings)}
