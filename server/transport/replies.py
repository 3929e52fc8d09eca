"""What the endpoint says back when it refuses a screen or a request: error frames, validation
errors put in words, each refusal's close code (server/transport/endpoint.py sends them)."""

from __future__ import annotations

import contextlib
import logging
from typing import get_args

import orjson
from pydantic import ValidationError

from server.domain.activities import ActivityKind, AnswerValue
from server.domain.rooms import CommandError
from server.i18n import _, say
from server.service.membership import RefusalReason
from server.service.rooms import RoomGone
from server.wire import protocol as p
from server.wire.close_codes import (
    CLOSE_NO_ROOM,
    CLOSE_REFUSED,
    CLOSE_UNAUTHORISED,
    REASON_REPLACED,
)

log = logging.getLogger("hearth.ws")

NO_ROOM = _("No session with that code is running.")

# What each refusal closes with (code, reason), what the screen is told, and whether it counts
# as a failed attempt against the address (guessing codes and credentials is slowed down; see
# auth.py).
REFUSALS: dict[RefusalReason, tuple[int, str, str, bool, str]] = {
    "lost": (CLOSE_NO_ROOM, "", "", False, ""),  # an `ended` frame, not an error
    "no_room": (CLOSE_NO_ROOM, "no_room", NO_ROOM, True, ""),
    "gone": (CLOSE_NO_ROOM, "no_room", NO_ROOM, False, ""),
    "unauthorised": (
        CLOSE_UNAUTHORISED,
        "unauthorised",
        _("That credential is not valid here."),
        True,
        "",
    ),
    # the credential a newer link replaced: held by whoever had the console, not guessed; the
    # reason tells the console to say it was signed out, not that its link is wrong
    "replaced": (
        CLOSE_UNAUTHORISED,
        "unauthorised",
        _("This console was opened somewhere else."),
        False,
        REASON_REPLACED,
    ),
    "locked": (CLOSE_REFUSED, "locked", _("This session is not taking new people."), False, ""),
    "full": (CLOSE_REFUSED, "full", _("This session is full."), False, ""),
}


def error(code: str, message: str, request_id: int | None = None) -> p.ErrorFrame:
    return p.ErrorFrame(code=code, message=message, id=request_id)


ANSWER_KINDS = frozenset(
    kind.model_fields["kind"].default for kind in get_args(get_args(AnswerValue)[0])
)
UNION_TAGS = frozenset(get_args(ActivityKind)) | ANSWER_KINDS


def describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = list(first.get("loc", ()))
    # Drop pydantic's union tags ("answer.value.text.text" -> "value.text"): name the field.
    if loc and loc[0] in p.CLIENT_TYPES:
        loc = loc[1:]
    parts = [
        part
        for i, part in enumerate(loc)
        if not (i and loc[i - 1] in ("value", "activity") and part in UNION_TAGS)
    ]
    where = ".".join(str(part) for part in parts) or "message"
    return f"{where}: {first.get('msg', 'invalid')}"


def request_id_of(raw: str) -> int | None:
    """Echo a request id back on a validation error when one can be read."""
    with contextlib.suppress(Exception):
        value = orjson.loads(raw).get("id")
        if isinstance(value, int):
            return value
    return None


def failure(exc: Exception, request_id: int | None, lang: str | None) -> p.ErrorFrame:
    """The error frame for a request that failed (the socket stays)."""
    if isinstance(exc, CommandError):
        return error(exc.code, say(exc.message, lang), request_id)
    if isinstance(exc, RoomGone):
        return error("no_room", say(_("This session has ended."), lang))
    log.warning("request failed (%s); sent an error frame", type(exc).__name__)  # e.g. Redis down
    # Said beside the button pressed: "Not done" first, or the red line left there after the
    # outage reads as if it had been. The write may still land once the store is back: check.
    message = _(
        "Not done: the server could not reach its session store in time. Once it is back, check "
        "and press again if needed."
    )
    return error("unavailable", say(message, lang), request_id)
