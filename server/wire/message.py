"""The base of every wire message and the small types they share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from server.domain.models import Strict

Role = Literal["facilitator", "cofacilitator", "display", "participant"]
RequestId = Annotated[
    int, Field(ge=0, le=2**31, description="Chosen by the client; echoed in the ack or error.")
]
Secret = Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")]


class Message(Strict):
    # The strict rules of server/domain/models.py; messages are built field by field as they go out.
    model_config = ConfigDict(frozen=False)
