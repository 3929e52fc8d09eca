"""A run-sheet larger than one frame, put back together (docs/protocol.md "Large run-sheets").

Frames stay at `settings.max_message_bytes` for every socket; a console sends a larger plan as
`runsheet_part`s, in order, on its one socket. Each socket holds at most one run-sheet in the
making, at most `MAX_RUNSHEET_BYTES`; a part 0 starts again, anything else out of order drops it.
"""

from __future__ import annotations

from typing import Any

import orjson

from server.domain.rooms import CommandError
from server.i18n import _
from server.wire import commands
from server.wire import protocol as p


class RunSheetParts:
    """The parts of one run-sheet received so far on one socket."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit or commands.MAX_RUNSHEET_BYTES
        self.texts: list[str] = []
        self.size = 0
        self.parts = 0

    def add(self, part: p.RunSheetPart) -> p.RunSheet | None:
        """The whole run-sheet once `part` completes it; None while more are to come. Raises
        CommandError (and forgets what it held) when a part is out of order or too much."""
        if part.part == 0:
            self.texts, self.size, self.parts = [], 0, part.parts
        if part.part != len(self.texts) or part.parts != self.parts:
            self._forget()
            raise CommandError("out_of_order", _("The plan's parts arrived out of order."))
        self.size += len(part.text.encode())
        if self.size > self.limit:
            self._forget()
            raise CommandError(
                "too_large",
                _(
                    "This plan is too large for the room to keep: more than {limit} KiB.",
                    limit=self.limit // 1024,
                ),
            )
        self.texts.append(part.text)
        if len(self.texts) < part.parts:
            return None
        whole = "".join(self.texts)
        self._forget()
        try:
            body: Any = orjson.loads(whole)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise CommandError("invalid", _("The plan's parts do not make a run-sheet."))
        # Validation errors (pydantic) are the caller's to describe, as for any message.
        return p.RunSheet.model_validate({**body, "type": "runsheet", "id": part.id})

    def _forget(self) -> None:
        self.texts, self.size, self.parts = [], 0, 0
