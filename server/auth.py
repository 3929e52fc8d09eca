"""One rule for every HTTP route that takes a secret (the host secret, a facilitator credential,
a one-time ticket): a browser on another site is refused, an address that keeps failing is slowed
down, and secrets are compared in constant time. The WebSocket endpoint checks origins with the
same function (server/security.py)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response

from .security import AttemptLimiter, client_address, origin_allowed

Handler = Callable[[Request], Awaitable[Response]]

FORBIDDEN = {"error": "forbidden", "message": "Cross-site request refused."}
SLOW_DOWN = {"error": "slow_down", "message": "Too many tries; wait a minute."}
NO_STORE = {"Cache-Control": "no-store"}


def reply(body: dict[str, Any], status: int = 200, **headers: str) -> Response:
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **headers})


def bearer(conn: HTTPConnection) -> str:
    scheme, _, value = conn.headers.get("authorization", "").partition(" ")
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
