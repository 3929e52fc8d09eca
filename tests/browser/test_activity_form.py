"""The console's New activity form, from an outside run: it refuses what the room would refuse
(a step added to a plan with 99 scale points saved a plan file that would not load back), and
each step starts from a clean form (a title, or a check-in's feelings, rode along to the next)."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from server.domain.plans import load_plan
from tests.browser.harness import Harness


def add(console: Page, kind: str, text: str, **fields: str) -> None:
    console.get_by_label("Kind").select_option(kind)
    console.get_by_label("Question or text").fill(text)
    for label, value in fields.items():
        console.get_by_label(label, exact=True).fill(value)
    console.get_by_role("button", name="Add to plan").click()


def test_the_form_refuses_what_the_room_would_and_the_plan_loads_back(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    harness.panel(console, "New activity")
    error = console.locator("form:has(#new-kind) .error")
    refused = [
        ("scale", {"Points on the scale": "99"}, "A scale has between 2 and 10 points."),
        ("scale", {"Points on the scale": "1"}, "A scale has between 2 and 10 points."),
        ("poll", {"Options, one per line": "\n".join(f"o{i}" for i in range(13))},
         "Give between 2 and 12 options, one per line."),
        ("checkin", {"Options, one per line": "\n".join(f"o{i}" for i in range(7))},
         "Give between 2 and 6 options, one per line."),
        ("poll", {"Options, one per line": "a\n" + "b" * 121}, "An option can be at most 120 characters."),
        ("reflection", {"Duration (seconds)": "0"}, "Give a time between 10 and 3600 seconds."),
        ("grounding", {"Duration (seconds)": "1500"}, "Give a time between 20 and 1200 seconds."),
    ]  # fmt: skip
    for kind, fields, said in refused:
        add(console, kind, f"A {kind}", **fields)
        expect(error).to_have_text(said)
        expect(console.locator(".step")).to_have_count(0)

    add(console, "scale", "How steady?", **{"Points on the scale": "10"})
    expect(error).to_have_text("")
    expect(console.locator(".step")).to_have_count(1)
    with console.expect_download() as saved:
        console.get_by_role("button", name="Save plan file").click()
    plan = load_plan(Path(saved.value.path()).read_text())  # it loads back, for the server too
    assert [(i.activity.kind, getattr(i.activity, "points", None)) for i in plan.items] == [
        ("scale", 10)
    ]


def test_each_step_starts_from_a_clean_form(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    harness.panel(console, "New activity")
    console.get_by_label("Title (optional)").fill("Noticing")
    add(console, "prompt", "What do you notice?")
    expect(console.get_by_label("Title (optional)")).to_have_value("")
    expect(console.get_by_label("Question or text")).to_have_value("")
    add(console, "poll", "Which helped?", **{"Options, one per line": "Walking\nTalking"})
    expect(console.get_by_label("Options, one per line")).to_have_value("")
    # a check-in fills in its feelings; switching away takes them back out
    console.get_by_label("Kind").select_option("checkin")
    expect(console.get_by_label("Options, one per line")).not_to_have_value("")
    console.get_by_label("Kind").select_option("poll")
    expect(console.get_by_label("Options, one per line")).to_have_value("")
    with console.expect_download() as saved:
        console.get_by_role("button", name="Save plan file").click()
    items = json.loads(Path(saved.value.path()).read_text())["items"]
    assert [i["activity"].get("title", "") for i in items] == ["Noticing", ""]


def test_a_double_click_on_add_to_plan_adds_one_step_and_no_error(harness: Harness) -> None:
    """The second click of a double click found the form it had just cleared, and said in red
    that the question was missing, under a step that had been added."""
    console = harness.facilitator(k=3)
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("scale")
    console.get_by_label("Question or text").fill("How steady are you?")
    console.get_by_role("button", name="Add to plan").dblclick()
    expect(console.locator(".step")).to_have_count(1)
    expect(console.get_by_label("Question or text")).to_have_value("")
    expect(console.locator("form:has(#new-kind) .error")).to_have_text("")


def test_a_field_at_its_limit_says_so_and_stops_saying_once_there_is_room(
    harness: Harness,
) -> None:
    """A title stops at 120 characters; the rest of what was typed used to vanish unsaid."""
    console = harness.facilitator(k=3)
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("poll")
    title = console.locator("#new-title")
    full = console.locator("#new-title-full")
    title.fill("A" * 100)
    expect(full).to_be_hidden()
    title.press_sequentially("B" * 30)
    expect(title).to_have_value("A" * 100 + "B" * 20)
    expect(full).to_have_text("This field is full: more typing is not added.")
    expect(full).to_be_visible()
    expect(title).to_have_attribute("aria-describedby", "new-title-full")
    title.press("Backspace")
    expect(full).to_be_hidden()
