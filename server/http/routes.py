"""HTTP routes: health, the room API, and the three pages."""

from __future__ import annotations

import functools
import io
import logging
import socket
from collections.abc import Awaitable, Callable

import segno
from pydantic import Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server.domain.models import Strict
from server.domain.results import MAX_K, MIN_K
from server.http import auth, catalogue_routes, source_routes, summary_export, ticket_routes
from server.http.content_routes import routes as content_routes
from server.http.pages import ASSET_DIRS, templates
from server.i18n import _
from server.service import tickets
from server.service.rooms import Service

log = logging.getLogger("hearth.web")


def lan_address() -> str:
    """The address phones on the same network should use. A UDP connect sends no packet."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def join_url(base: str, code: str) -> str:
    # The code rides in the fragment: browsers never send it, so no server or proxy logs it.
    return f"{base}/join#{code}"


@functools.lru_cache(maxsize=512)
def qr_svg(url: str) -> str:
    """A standalone SVG document (with its namespace, no XML declaration): the pages parse it as
    SVG, never as HTML."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=8,
        dark="#1b1b1b",
        light="#ffffff",
        border=2,
        omitsize=True,
    )
    return out.getvalue().decode()


def _service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


async def healthz(request: Request) -> Response:
    service = _service(request)
    ready = await service.store.ping()
    body = {"status": "ok" if ready else "unavailable", "store": service.store.kind, "ready": ready}
    return JSONResponse(body, status_code=200 if ready else 503)


async def livez(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def describe_validation(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


class NewRoom(Strict):
    """The body of POST /api/rooms (optional): numbers of the wrong type or out of range are
    refused, never converted."""

    k: int | None = Field(default=None, ge=MIN_K, le=MAX_K)


async def create_room(request: Request) -> Response:
    service = _service(request)
    if not auth.host_secret_ok(request):
        auth.failed(request)
        return auth.reply(
            {"error": "unauthorised", "message": _("The host secret is missing or wrong.")},
            401,
            **{"WWW-Authenticate": "Bearer"},
        )
    body = await request.body()
    try:
        k = NewRoom.model_validate_json(body or b"{}").k
    except ValidationError as exc:
        return auth.reply({"error": "invalid", "message": describe_validation(exc)}, 400)
    room = await service.create_room(k=k)
    base = request.app.state.base_url
    # Links that open a screen carry one-time tickets, never the credentials
    # (server/service/tickets.py).
    ttl = service.settings.ticket_ttl_seconds
    console = await tickets.mint(
        service.store, tickets.Grant("facilitator", room.code, room.facilitator_credential), ttl
    )
    display = await tickets.mint(
        service.store, tickets.Grant("display", room.code, room.display_credential), ttl
    )
    return JSONResponse(
        {
            "code": room.code,
            "facilitator_credential": room.facilitator_credential,
            "display_credential": room.display_credential,
            "join_url": join_url(base, room.code),
            "console_url": f"{base}/host#ticket={console}",
            "display_url": f"{base}/display#ticket={display}",
        },
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


def _page(template: str, title: str):  # type: ignore[no-untyped-def]
    async def page(request: Request) -> Response:
        return templates.TemplateResponse(request, template, {"title": title})

    return page


async def _to_join(request: Request) -> Response:
    """The bare address is the join page's: one path, so that the phone's rejoin cookie can be
    scoped to it (docs/privacy.md). A code after # stays with the browser across the redirect."""
    query = request.url.query
    return RedirectResponse("/join" + (f"?{query}" if query else ""), status_code=302)


def _store_errors(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """The store down (Redis unreachable) is a 503 the caller can retry, not a 500 traceback."""

    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:
            log.warning("request failed (%s); answered 503", type(exc).__name__)
            return auth.reply(
                {"error": "unavailable", "message": _("The session store is not answering.")},
                503,
                **{"Retry-After": "2"},
            )

    return guarded


def routes() -> list[Route | Mount]:
    return [
        Route("/healthz", healthz),
        Route("/livez", livez),
        Route("/api/rooms", auth.guarded(_store_errors(create_room)), methods=["POST"]),
        *content_routes(),
        *ticket_routes.routes(),
        *catalogue_routes.routes(),
        *source_routes.routes(),
        *summary_export.routes(),
        Route("/", _to_join),
        Route("/join", _page("join.html", "Join")),
        Route("/host", _page("console.html", "Console")),
        Route("/display", _page("display.html", "Display")),
        Route("/privacy", _page("privacy.html", "Your privacy in this session")),
        Mount("/static/facilitator", StaticFiles(directory=ASSET_DIRS["facilitator"] / "static")),
        Mount("/static/participant", StaticFiles(directory=ASSET_DIRS["participant"] / "static")),
        Mount("/static/shared", StaticFiles(directory=ASSET_DIRS["shared"] / "static")),
    ]
