"""A plan in three languages (en, es, ar) is larger than one WebSocket frame may be (16 KiB):
the console still loads it, runs its first step on phones in each language, keeps the socket it
runs on, and the room keeps the plan, so a console that comes back finds it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocket, expect

from server.wire import commands
from tests.browser.harness import Harness
from tests.browser.test_languages import join
from tests.large_plans import checked, three_languages, wire_bytes


def load(console: Page, plan: dict[str, Any]) -> None:
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files(
        files=[{"name": "plan.json", "mimeType": "application/json",
                "buffer": json.dumps(plan, ensure_ascii=False).encode()}]
    )
    expect(console.get_by_role("heading", name=f"Plan: {plan['title']}")).to_be_visible()


def test_a_three_language_plan_loads_runs_and_stays_with_the_room(harness: Harness) -> None:
    plan = three_languages()
    size = wire_bytes({"type": "runsheet", "id": 1, "plan": checked(plan), "index": 0})
    assert size > 16 * 1024, size  # too large for one frame: the case here

    closes: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on("close", lambda _s: closes.append(socket.url))

    console = harness.facilitator(k=3)
    console.on("websocket", watch)
    console.reload()  # the console's socket, watched from its start
    expect(console.locator("#count-code")).to_have_text(Harness.code(console))
    code = Harness.code(console)
    arabic = join(harness, code, "ar-EG", "ar")
    spanish = join(harness, code, "es-ES", "es")

    load(console, plan)
    first = plan["items"][0]["activity"]
    console.get_by_role("button", name=f"Open next: {first['title']}").click()
    expect(console.locator(".step.current")).to_contain_text(first["title"])
    for phone, lang in ((spanish, "es"), (arabic, "ar")):  # the step's content note comes first
        expect(phone.get_by_text(first["translations"][lang]["content_note"])).to_be_visible()
    expect(console.locator("#net")).to_have_text("")
    expect(console.locator(".plan .error")).to_have_count(0)

    # The room kept the whole plan: a console with nothing of its own gets it back, at step 1.
    console.evaluate("() => sessionStorage.removeItem('hearth.plan')")
    console.reload()
    expect(console.get_by_role("heading", name=f"Plan: {plan['title']}")).to_be_visible()
    expect(console.locator(".step.current")).to_contain_text(first["title"])
    assert console.evaluate("() => JSON.parse(sessionStorage.getItem('hearth.plan')).plan"
                            ".languages") == ["en", "es", "ar"]
    assert len(closes) <= 1, closes  # only the reload closed a socket
    harness.check()


def test_a_plan_too_large_for_the_room_says_so_and_still_runs(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the run-sheet's limit (lowered here: a real one needs a plan near 256 KiB) the
    console says the room cannot keep the plan, keeps its socket, and still runs the plan."""
    monkeypatch.setattr(commands, "MAX_RUNSHEET_BYTES", 8 * 1024)
    plan = three_languages()
    console = harness.facilitator(k=3)
    spanish = join(harness, Harness.code(console), "es-ES", "es")
    load(console, plan)
    problem = console.locator(".plan .error.kept")
    expect(problem).to_contain_text("This plan is too large for the room to keep: more than 8 KiB.")
    expect(problem).to_contain_text("The plan still runs from this console")
    first = plan["items"][0]["activity"]
    console.get_by_role("button", name=f"Open next: {first['title']}").click()
    expect(console.locator(".step.current")).to_contain_text(first["title"])
    expect(spanish.get_by_text(first["translations"]["es"]["content_note"])).to_be_visible()
    expect(console.locator("#net")).to_have_text("")
    harness.check()
