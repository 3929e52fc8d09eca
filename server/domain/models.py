"""The one base for models of what crosses a boundary (wire messages, activities, plans,
summaries, request bodies)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown fields are refused; a value of the wrong JSON type is refused, never converted
    ("1" for 1, true for 1, "yes" for true); no number may be infinite or NaN; immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Document(Strict):
    """Files people write or keep (plans, summaries): the same rules, but values are converted where
    a person would expect it — "5" is 5, "2026-12-03" a date."""

    model_config = ConfigDict(strict=False)
