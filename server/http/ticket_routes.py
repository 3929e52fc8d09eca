"""HTTP routes for one-time links and for forgetting: mint a ticket, exchange it, clear the site.

POST /api/tickets           {"role": "facilitator"|"display", "code", "credential"} -> a ticket for
                            a page of that room (whoever holds a credential may pass it on once);
                            {"role": "display", "code", "credential": the facilitator's} -> the
                            display credential that goes with it (made anew after re-entry), as
                            a ticket;
                            {"role": "cofacilitator", "code", "credential": the facilitator's}
                            -> a new co-facilitator credential, as a ticket;
                            {"role": "host"} with the host secret as Bearer -> a start link;
                            {"role": "facilitator", "code"} with the host secret as Bearer ->
                            re-entry: the room's facilitator credential is replaced.
POST /api/tickets/exchange  {"ticket"} -> {"kind", "code", "credential"}; the ticket is spent.
POST /api/tickets/state     {"ticket", "code", "credential": the facilitator's}
                            -> {"waiting": true|false}: whether a link the console made is still
                            unused (false once opened or expired); nothing is spent.
POST /api/forget            Clear-Site-Data for this origin (the phone's Leave and end).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain.codes import matches, normalise_code
from server.domain.errors import CommandError
from server.domain.rooms import RoomState
from server.http import auth
from server.i18n import _
from server.service import tickets
from server.service.rooms import RoomGone, Service

PAGES = {"host": "/host", "facilitator": "/host", "cofacilitator": "/host", "display": "/display"}
NO_TICKET = {"error": "no_ticket", "message": _("This link has been used or has expired.")}


def _service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


answer = auth.reply


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


async def _room_of(service: Service, code: str | None) -> RoomState | None:
    """The running room a credential is checked against, or None (no code, no such room)."""
    if code is None:
        return None
    try:
        return await service.load(code)
    except RoomGone:
        return None


def link(request: Request, kind: str, ticket: str) -> str:
    return f"{request.app.state.base_url}{PAGES[kind]}#ticket={ticket}"


async def create_ticket(request: Request) -> Response:
    body = await _json(request)
    if body is None:
        return answer({"error": "invalid", "message": _("Send a JSON object.")}, 400)
    service = _service(request)
    ttl = service.settings.ticket_ttl_seconds
    role = body.get("role")
    if role == "host":
        if not auth.host_secret_ok(request):
            auth.failed(request)
            return answer({"error": "unauthorised", "message": _("The host secret is wrong.")}, 401)
        grant = tickets.Grant("host", None, service.settings.host_secret)
        ttl = service.settings.start_link_ttl_seconds
    elif role == "facilitator" and "credential" not in body and auth.bearer(request):
        # Re-entry with the host secret (`hearth link --room CODE`): the room's facilitator
        # credential is replaced, so a console left open elsewhere is shut out.
        code = normalise_code(str(body.get("code", "")))
        if not auth.host_secret_ok(request):
            auth.failed(request)
            return answer({"error": "unauthorised", "message": _("The host secret is wrong.")}, 401)
        try:
            if code is None:
                raise RoomGone("")
            fresh = await service.rekey_facilitator(code)
        except RoomGone:
            return answer(
                {"error": "no_room", "message": _("No session with that code is running.")}, 404
            )
        grant = tickets.Grant("facilitator", code, fresh)
    elif role in ("facilitator", "display", "cofacilitator"):
        code = normalise_code(str(body.get("code", "")))
        credential = body.get("credential")
        state = await _room_of(service, code) if isinstance(credential, str) else None
        # A co-facilitator link is made with the facilitator's credential; a display link with
        # the display credential, or with the facilitator's (a console back from re-entry has
        # no other): it hands on the display credential that goes with it. The one the current
        # display credential replaced still admits its display, but makes no links.
        made: str | None = None  # the credential the ticket hands on
        if state is not None and isinstance(credential, str):
            if matches(credential, state.facilitator_digest):
                made = credential
                if role == "display":
                    try:
                        made = await service.display_for(state.code, credential)
                    except RoomGone:
                        made = None
                    except CommandError as busy:
                        return answer({"error": busy.code, "message": busy.message}, 503)
            elif role == "display" and matches(credential, state.display_digest):
                made = credential
        if code is None or made is None:
            auth.failed(request)
            return answer(
                {"error": "unauthorised", "message": _("That credential is not valid here.")}, 401
            )
        if role == "cofacilitator":
            grant = tickets.Grant(role, code, await service.new_cofacilitator(code))
        else:
            grant = tickets.Grant(role, code, made)
    else:
        message = "role: host, facilitator, cofacilitator or display"
        return answer({"error": "invalid", "message": message}, 400)
    ticket = await tickets.mint(service.store, grant, ttl)
    return answer({"ticket": ticket, "url": link(request, grant.kind, ticket), "ttl": ttl}, 201)


async def exchange_ticket(request: Request) -> Response:
    body = await _json(request)
    raw = body.get("ticket") if body else None
    grant = await tickets.redeem(_service(request).store, raw) if isinstance(raw, str) else None
    if grant is None:
        auth.failed(request)
        return answer(NO_TICKET, 404)
    return answer({"kind": grant.kind, "code": grant.code, "credential": grant.credential})


async def ticket_state(request: Request) -> Response:
    """A console that made a link asks, with its own credential, whether it has been opened.
    The credential is checked as minting checks it, so a stranger learns nothing of any ticket."""
    body = await _json(request) or {}
    service = _service(request)
    code = normalise_code(str(body.get("code", "")))
    credential, ticket = body.get("credential"), body.get("ticket")
    asked = isinstance(credential, str) and isinstance(ticket, str)
    state = await _room_of(service, code) if asked else None
    if code is None or state is None or not matches(str(credential), state.facilitator_digest):
        auth.failed(request)
        return answer(
            {"error": "unauthorised", "message": _("That credential is not valid here.")}, 401
        )
    return answer({"waiting": await tickets.waiting(service.store, code, str(ticket))})


async def forget(request: Request) -> Response:
    """Takes no secret, so no address is slowed down here; but another site may not wipe a
    phone's session mid-way."""
    if auth.cross_site(request):
        return answer(auth.FORBIDDEN, 403)
    # Browsers honour this only on secure origins (HTTPS or localhost) and log an error
    # elsewhere; the page also clears its own storage, so on plain HTTP nothing is lost but
    # this extra sweep of caches.
    headers = {"Cache-Control": "no-store"}
    if auth.secure_context(request.scope):
        headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return Response(status_code=204, headers=headers)


def routes() -> list[Route]:
    return [
        Route("/api/tickets", auth.guarded(create_ticket), methods=["POST"]),
        Route("/api/tickets/exchange", auth.guarded(exchange_ticket), methods=["POST"]),
        Route("/api/tickets/state", auth.guarded(ticket_state), methods=["POST"]),
        Route("/api/forget", forget, methods=["POST"]),
    ]
