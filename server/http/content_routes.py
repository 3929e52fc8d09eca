"""HTTP routes for preparing a session: the built-in library, checking a plan file, and turning
past summary files into trend series. Nothing sent here is kept, logged or stored.

Checking needs a credential (so the server does not parse files for strangers): either the host
secret as Bearer, or a live room's facilitator credential as Bearer with the room's code in the
X-Hearth-Room header (never in the URL: URLs get logged).
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.domain import library
from server.domain.codes import matches, normalise_code
from server.domain.plans import (
    MAX_PLAN_BYTES,
    Format,
    PlanError,
    load_plan,
    missing_translations,
    normalised,
)
from server.domain.results import MAX_K, MIN_K
from server.domain.summary import MAX_SUMMARY_BYTES, Summary
from server.domain.trends import trends
from server.http import auth
from server.i18n import LANGUAGES, _
from server.service.rooms import RoomGone, Service

ROOM_HEADER = "x-hearth-room"


_reply = auth.reply


async def authorised(request: Request) -> bool:
    """The host secret, or a live room's facilitator credential; a wrong one counts against
    the caller's address like a wrong join code."""
    if auth.host_secret_ok(request):
        return True
    service: Service = request.app.state.service
    token, code = auth.bearer(request), normalise_code(request.headers.get(ROOM_HEADER, ""))
    state = None
    if token and code is not None:
        with contextlib.suppress(RoomGone):
            state = await service.load(code)
    if state is not None and matches(token, state.facilitator_digest):
        return True
    auth.failed(request)
    return False


UNAUTHORISED = {
    "error": "unauthorised",
    "message": _("Send the host secret, or the facilitator credential with X-Hearth-Room."),
}


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is larger than limit (read no further than that)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def get_library(request: Request) -> Response:
    theme = request.query_params.get("theme") or None
    if theme is not None and theme not in library.THEMES:
        return _reply(
            {"error": "invalid", "message": _("No theme called {theme}.", theme=repr(theme))}, 400
        )
    query = (request.query_params.get("q") or "")[:200]
    lang = request.query_params.get("lang")  # the console's: plans come in it first
    return JSONResponse(library.search(theme, query, lang if lang in LANGUAGES else None))


async def check_plan(request: Request) -> Response:
    if not await authorised(request):
        return _reply(UNAUTHORISED, 401)
    raw = await _body(request, MAX_PLAN_BYTES)
    if raw is None:
        message = _("Plan files are limited to {n} KB.", n=MAX_PLAN_BYTES // 1024)
        return _reply({"error": "too_large", "message": message}, 413)
    fmt: Format | None = None
    wanted = request.query_params.get("format")
    if wanted in ("json", "yaml"):
        fmt = wanted  # type: ignore[assignment]
    try:
        text = raw.decode("utf-8")
        plan = load_plan(text, fmt)
    except UnicodeDecodeError:
        return _reply(
            {"ok": False, "errors": [_problem("", _("The file is not UTF-8 text."))]}, 422
        )
    except PlanError as exc:
        return _reply({"ok": False, "errors": [p.as_dict() for p in exc.problems]}, 422)
    missing = missing_translations(plan)  # a warning: the plan runs, phones fall back
    return _reply({"ok": True, "plan": normalised(plan), "missing": missing})


def _problem(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "line": None, "column": None, "message": message}


async def summary_trends(request: Request) -> Response:
    if not await authorised(request):
        return _reply(UNAUTHORISED, 401)
    raw_k = request.query_params.get("k", str(MIN_K))
    k = int(raw_k) if raw_k.isdigit() and len(raw_k) <= 2 else 0
    if not MIN_K <= k <= MAX_K:
        message = _("k is a whole number from {low} to {high}.", low=MIN_K, high=MAX_K)
        return _reply({"ok": False, "errors": [_problem("k", message)]}, 422)
    raw = await _body(request, MAX_SUMMARY_BYTES * 8)
    if raw is None:
        return _reply({"error": "too_large", "message": _("Too many or too large summaries.")}, 413)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _reply(
            {"ok": False, "errors": [_problem("", _("Not valid JSON: {detail}", detail=str(exc)))]},
            422,
        )
    items = data.get("summaries") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        return _reply({"ok": False, "errors": [_problem("summaries", _("A list is needed."))]}, 422)
    summaries, errors = [], []
    for index, item in enumerate(items[:60]):
        if isinstance(item, dict) and item.get("format") == "hearth-plan":
            wrong = _("This is a session plan, not a summary: load it under “Session plan”.")
            errors.append(_problem(f"summaries[{index}]", wrong))
            continue
        try:
            summaries.append(Summary.model_validate(item))
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                where = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in e["loc"])
                errors.append(_problem(f"summaries[{index}]{where}", e["msg"]))
    if errors:
        return _reply({"ok": False, "errors": errors}, 422)
    series = trends(summaries, k)
    return _reply({"ok": True, "trends": [t.model_dump(mode="json") for t in series]})


def routes() -> list[Route]:
    return [
        Route("/api/library", get_library, methods=["GET"]),
        Route("/api/plans/check", auth.guarded(check_plan), methods=["POST"]),
        Route("/api/summaries/trends", auth.guarded(summary_trends), methods=["POST"]),
    ]
