"""Authentication, once for HTTP and the socket: which origins may act (with what a trusted proxy
says of TLS), the bearer header, the host secret compared in constant time, and the per-address
limiter that slows down anyone who keeps failing. Every HTTP route that takes a secret (the host
secret, a facilitator credential, a one-time ticket) goes through `guarded`; the WebSocket
endpoint uses the same origin check and limiter."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from server.i18n import _, localise_body, request_lang
from server.launch import is_loopback

Handler = Callable[[Request], Awaitable[Response]]

FORBIDDEN = {"error": "forbidden", "message": _("Cross-site request refused.")}
SLOW_DOWN = {"error": "slow_down", "message": _("Too many tries; wait a minute.")}
NO_STORE = {"Cache-Control": "no-store"}


def reply(body: dict[str, Any], status: int = 200, **headers: str) -> Response:
    # Marked messages in the request's language (Accept-Language; server/i18n.py).
    body = localise_body(body, request_lang.get())
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **headers})


def bearer(conn: HTTPConnection) -> str:
    scheme, _sep, value = conn.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def secret_matches(given: str, secret: str) -> bool:
    return bool(secret) and bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def host_secret_ok(request: Request) -> bool:
    return secret_matches(bearer(request), request.app.state.service.settings.host_secret)


def limiter(conn: HTTPConnection) -> AttemptLimiter:
    return conn.app.state.attempts  # type: ignore[no-any-return]


def failed(conn: HTTPConnection) -> None:
    """Count a wrong secret, code or ticket against the caller's address."""
    limiter(conn).failed(client_address(conn))


def cross_site(conn: HTTPConnection) -> bool:
    """A browser on another site (a page may not act for someone else's tab). Clients that are
    not browsers send no Origin and are judged by their credentials alone."""
    if "origin" not in conn.headers:
        return False
    return not origin_allowed(conn, conn.app.state.service.settings.origin_allowlist)


def refusal(request: Request) -> Response | None:
    """Cross-site posts, and addresses over their failed-attempt limit, are refused up front."""
    if cross_site(request):
        return reply(FORBIDDEN, 403)
    if limiter(request).blocked(client_address(request)):
        return reply(SLOW_DOWN, 429, **{"Retry-After": "60"})
    return None


def guarded(handler: Handler) -> Handler:
    """Every route that takes a secret goes through this, before it reads anything."""

    async def guard(request: Request) -> Response:
        return refusal(request) or await handler(request)

    guard.__name__ = handler.__name__
    guard.__doc__ = handler.__doc__
    return guard


# -- origins ----------------------------------------------------------------------------------


def is_tls(scope: Scope) -> bool:
    """Served over TLS, directly or behind a proxy that says so. uvicorn rewrites the scheme from
    a trusted proxy's X-Forwarded-Proto; the raw header is honoured too, because all it changes is
    what the requester itself is told (HSTS, a wss: connect-src), and browsers cannot forge it."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    proto = Headers(scope=scope).get("x-forwarded-proto", "")
    return proto.split(",")[0].strip().lower() == "https"


def secure_context(scope: Scope) -> bool:
    """The browser counts this page's origin as potentially trustworthy: TLS, or a loopback host.
    Headers that browsers honour only there (Clear-Site-Data, Cross-Origin-Opener-Policy) are
    sent only there: elsewhere each page would log an error on every phone and do nothing."""
    if is_tls(scope):
        return True
    try:  # the host without its port (and an IPv6 address without its brackets)
        name = urlsplit("//" + Headers(scope=scope).get("host", "")).hostname or ""
    except ValueError:  # a malformed Host header: nothing trustworthy about it
        return False
    return name.endswith(".localhost") or is_loopback(name)


def origin_allowed(conn: HTTPConnection, extra: Iterable[str]) -> bool:
    """The request's Origin is this server (as the browser reached it) or an allowed one."""
    origin = conn.headers.get("origin")
    if not origin:
        return False
    host = conn.headers.get("host", "")
    schemes = ("http", "https") if is_tls(conn.scope) else ("http",)
    same = {f"{scheme}://{host}" for scheme in schemes} if host else set()
    return origin.rstrip("/") in same | set(extra)


# -- join-attempt limiter -----------------------------------------------------------------------


class AttemptLimiter:
    """Failed attempts (wrong codes, credentials, tickets) per client address, in this process's
    memory only. Addresses are kept as keyed hashes (the key is random per process and never
    leaves it); an entry is forgotten `window` seconds after its first failure."""

    def __init__(
        self,
        per_window: int,
        window: float = 60.0,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window = window
        self.max_entries = max_entries
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: dict[bytes, tuple[int, float]] = {}
        self._swept = clock()

    def _id(self, address: str) -> bytes:
        return hmac.new(self._key, address.encode(), hashlib.sha256).digest()[:16]

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.window / 4 and len(self._entries) < self.max_entries:
            return
        self._swept = now
        stale = [k for k, (_count, first) in self._entries.items() if now - first >= self.window]
        for k in stale:
            del self._entries[k]
        while len(self._entries) >= self.max_entries:  # a flood of addresses: drop the oldest
            del self._entries[next(iter(self._entries))]

    def blocked(self, address: str) -> bool:
        now = self.clock()
        self._sweep(now)
        ident = self._id(address)
        entry = self._entries.get(ident)
        if entry is not None and now - entry[1] >= self.window:
            del self._entries[ident]
            return False
        return entry is not None and entry[0] >= self.per_window

    def failed(self, address: str) -> None:
        now = self.clock()
        self._sweep(now)
        ident = self._id(address)
        count, first = self._entries.get(ident, (0, now))
        if now - first >= self.window:
            count, first = 0, now
        self._entries[ident] = (count + 1, first)

    def __len__(self) -> int:
        return len(self._entries)


def client_address(conn: HTTPConnection) -> str:
    """The peer as uvicorn sees it (after trusted proxy headers); used only as a limiter key."""
    return conn.client.host if conn.client else ""
