"""Plans larger than one WebSocket frame, for the run-sheet tests (socket and browser)."""

from __future__ import annotations

import json
from typing import Any

from server.domain.library import load_library
from server.domain.plans import Plan
from tests.support import Client

FIELDS = {"title", "text", "content_note", "options", "low_label", "high_label",
          "facilitator_notes"}
ARABIC = "هذه كلمات عربية بطول النص الإسباني تقريبا "


def arabic_like(text: str) -> str:
    """Arabic letters as long as `text` (2 bytes a letter in UTF-8, as real Arabic is)."""
    return (ARABIC * (len(text) // len(ARABIC) + 1))[: max(1, len(text))].strip() or "ع"


def in_arabic(words: dict[str, Any]) -> dict[str, Any]:
    return {
        key: [arabic_like(o) + f" {i}" for i, o in enumerate(value)]
        if isinstance(value, list)
        else arabic_like(value)
        for key, value in words.items()
    }


def three_languages() -> dict[str, Any]:
    """The largest built-in plan ("Two kinds of work", en + es) with Arabic as a third."""
    plan = next(e.plan for e in load_library().plans if e.plan.title == "Two kinds of work")
    data: dict[str, Any] = plan.model_dump(mode="json", exclude_unset=True)
    data["languages"] = ["en", "es", "ar"]  # the library has six: this plan keeps two of them
    data["translations"] = {"es": data["translations"]["es"]}
    data["translations"]["ar"] = in_arabic(data["translations"]["es"])
    for item in data["items"]:
        words = item["activity"].setdefault("translations", {})
        for other in set(words) - {"es"}:
            del words[other]
        own = {k: v for k, v in item["activity"].items() if k in FIELDS}
        words["ar"] = in_arabic(own)  # every field, as a full translation has
        for side in item["activity"].get("sides", {}).values():
            side_words = side.get("translations", {})
            for other in set(side_words) - {"es"}:
                del side_words[other]
            if "es" in side_words:
                side_words["ar"] = in_arabic(side_words["es"])
    Plan.model_validate(data)
    return data


def checked(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as the plan check (and the library) hands it to the console: every default."""
    return Plan.model_validate(plan).model_dump(mode="json")


def wire_bytes(message: dict[str, Any]) -> int:
    """A message's size as a browser sends it (JSON.stringify: compact, UTF-8)."""
    return len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode())


def slices(text: str, budget: int) -> list[str]:
    """What facilitator/static/runsheet-sync.js does: each slice within `budget` bytes once
    JSON-encoded (Python's str has no surrogate halves to avoid)."""
    out: list[str] = []
    at = 0
    while at < len(text):
        n = min(len(text) - at, budget)
        while (size := len(json.dumps(text[at : at + n], ensure_ascii=False).encode())) > budget:
            n = max(1, n * budget // size - 1)
        out.append(text[at : at + n])
        at += n
    return out


ENVELOPE = 160  # as facilitator/static/runsheet-sync.js


async def send_in_parts(
    console: Client, body: dict[str, Any], limit: int, order: list[int] | None = None
) -> dict[str, Any]:
    texts = slices(json.dumps(body, ensure_ascii=False), limit - ENVELOPE)
    reply: dict[str, Any] = {}
    for part in order if order is not None else range(len(texts)):
        message = {"type": "runsheet_part", "part": part, "parts": len(texts), "text": texts[part]}
        reply = await request(console, message, limit)
        if reply["type"] == "error":
            return reply
    return reply


async def request(console: Client, message: dict[str, Any], limit: int) -> dict[str, Any]:
    """Client.command, but sent as a browser sends it (UTF-8, compact), checked to fit a frame."""
    request_id, console.next_id = console.next_id, console.next_id + 1
    text = json.dumps({**message, "id": request_id}, ensure_ascii=False, separators=(",", ":"))
    assert len(text.encode()) <= limit
    await console.ws.send(text)
    return await console.expect_where(
        lambda m: m.get("id") == request_id and m["type"] in ("ack", "error")
    )
