"""The console's New activity form checks the limits of server/domain/activities.py itself, so a
step the room would refuse is never added to a plan (facilitator/static/activity-form.js). Its
copy of the limits is read here and held to the models', so the two cannot drift apart."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from server.domain.activities import CheckIn, Grounding, Poll, Reflection, Scale, WordCloud

FORM = Path(__file__).resolve().parents[1] / "facilitator/static/activity-form.js"
pytestmark = pytest.mark.fast


def form_constant(name: str) -> Any:
    """A constant of the form, written as a JS object or array literal."""
    found = re.search(rf"^const {name} = (.+);$", FORM.read_text(), re.MULTILINE)
    assert found, name
    return json.loads(re.sub(r"(\w+):", r'"\1":', found.group(1)))


def bounds(model: type[BaseModel], field: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for rule in model.model_fields[field].metadata:
        for key in ("ge", "le", "min_length", "max_length"):
            if hasattr(rule, key):
                out[key] = getattr(rule, key)
    return out


def test_the_form_s_limits_are_the_models() -> None:
    most = form_constant("MOST_OPTIONS")
    for kind, model in (("poll", Poll), ("checkin", CheckIn)):
        assert bounds(model, "options") == {"min_length": 2, "max_length": most[kind]}, kind
    longest = form_constant("LABEL_CHARS")
    Poll(text="?", options=["a", "b" * longest])
    with pytest.raises(ValidationError):
        Poll(text="?", options=["a", "b" * (longest + 1)])
    seconds = form_constant("SECONDS")
    for kind, model in (("reflection", Reflection), ("grounding", Grounding)):
        assert bounds(model, "seconds") == dict(zip(("ge", "le"), seconds[kind], strict=True))
    assert bounds(Scale, "points") == dict(zip(("ge", "le"), form_constant("POINTS"), strict=True))
    words = form_constant("WORDS")
    assert bounds(WordCloud, "max_words") == dict(zip(("ge", "le"), words, strict=True))
