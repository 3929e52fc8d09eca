"""HTTP routes for one-time links and for forgetting: mint a ticket, exchange it, clear the site.

POST /api/tickets           {"role": "facilitator"|"display", "code", "credential"} -> a ticket for
                            a page of that room (whoever holds a credential may pass it on once);
                            {"role": "host"} with the host secret as Bearer -> a start link.
POST /api/tickets/exchange  {"ticket"} -> {"kind", "code", "credential"}; the ticket is spent.
POST /api/forget            Clear-Site-Data for this origin (the phone's Leave and end).
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import tickets
from .codes import matches, normalise_code
from .security import AttemptLimiter, client_address, origin_allowed
from .service import RoomGone, Service

PAGES = {"host": "/host", "facilitator": "/host", "display": "/display"}
NO_TICKET = {"error": "no_ticket", "message": "This link has been used or has expired."}
SLOW_DOWN = {"error": "slow_down", "message": "Too many tries; wait a minute."}


def _service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def limiter(request: Request) -> AttemptLimiter:
    return request.app.state.attempts  # type: ignore[no-any-return]


def bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def host_secret_ok(request: Request) -> bool:
    secret = _service(request).settings.host_secret
    return bool(secret) and hmac.compare_digest(bearer(request).encode(), secret.encode())


def cross_site(request: Request) -> bool:
    """A browser on another site posting here (a page may not act for someone else's tab).
    Non-browser clients send no Origin and are judged by their credentials alone."""
    if "origin" not in request.headers:
        return False
    return not origin_allowed(request, _service(request).settings.origin_allowlist)


def answer(body: dict[str, Any], status: int = 200) -> Response:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def _json(request: Request) -> dict[str, Any] | None:
    if not request.headers.get("content-type", "").startswith("application/json"):
        return None
    body = await request.body()
    if len(body) > 4096:
        return None
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def link(request: Request, kind: str, ticket: str) -> str:
    return f"{request.app.state.base_url}{PAGES[kind]}#ticket={ticket}"


def _refused(request: Request) -> Response | None:
    """Cross-site posts and addresses over their failed-attempt limit are refused up front."""
    if cross_site(request):
        return answer({"error": "forbidden", "message": "Cross-site request refused."}, 403)
    if limiter(request).blocked(client_address(request)):
        return answer(SLOW_DOWN, 429)
    return None


async def create_ticket(request: Request) -> Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    attempts, address = limiter(request), client_address(request)
    body = await _json(request)
    if body is None:
        return answer({"error": "invalid", "message": "Send a JSON object."}, 400)
    service = _service(request)
    ttl = service.settings.ticket_ttl_seconds
    role = body.get("role")
    if role == "host":
        if not host_secret_ok(request):
            attempts.failed(address)
            return answer({"error": "unauthorised", "message": "The host secret is wrong."}, 401)
        grant = tickets.Grant("host", None, service.settings.host_secret)
        ttl = service.settings.start_link_ttl_seconds
    elif role in ("facilitator", "display"):
        code = normalise_code(str(body.get("code", "")))
        credential = body.get("credential")
        state = None
        if code is not None and isinstance(credential, str):
            try:
                state = await service.load(code)
            except RoomGone:
                state = None
        expected = None
        if state is not None:
            expected = state.facilitator_digest if role == "facilitator" else state.display_digest
        if code is None or expected is None or not matches(str(credential), expected):
            attempts.failed(address)
            return answer(
                {"error": "unauthorised", "message": "That credential is not valid here."}, 401
            )
        grant = tickets.Grant(role, code, str(credential))
    else:
        return answer({"error": "invalid", "message": "role: host, facilitator or display"}, 400)
    ticket = await tickets.mint(service.store, grant, ttl)
    return answer({"ticket": ticket, "url": link(request, grant.kind, ticket), "ttl": ttl}, 201)


async def exchange_ticket(request: Request) -> Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    attempts, address = limiter(request), client_address(request)
    body = await _json(request)
    raw = body.get("ticket") if body else None
    grant = await tickets.redeem(_service(request).store, raw) if isinstance(raw, str) else None
    if grant is None:
        attempts.failed(address)
        return answer(NO_TICKET, 404)
    return answer({"kind": grant.kind, "code": grant.code, "credential": grant.credential})


async def forget(request: Request) -> Response:
    if cross_site(request):  # another site may not wipe a phone's session mid-way
        return answer({"error": "forbidden", "message": "Cross-site request refused."}, 403)
    # Browsers honour this only on secure origins (HTTPS or localhost); the page also clears
    # its own storage, so on plain HTTP nothing is lost but this extra sweep of caches.
    return Response(
        status_code=204,
        headers={"Clear-Site-Data": '"cache", "cookies", "storage"', "Cache-Control": "no-store"},
    )


def routes() -> list[Route]:
    return [
        Route("/api/tickets", create_ticket, methods=["POST"]),
        Route("/api/tickets/exchange", exchange_ticket, methods=["POST"]),
        Route("/api/forget", forget, methods=["POST"]),
    ]
