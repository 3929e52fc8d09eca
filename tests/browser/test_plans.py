"""Running a session from a plan: the built-in library, stepping to the end with phones and the
display, plan files saved and loaded (with precise errors), and progress across weeks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from server.domain.activities import Activity, Prompt, Reflection, accepts_answers
from server.domain.library import load_library
from server.domain.plans import load_plan
from tests.browser.drive import press_twice, record_sent, sent
from tests.browser.harness import Harness


def respond(phone: Page) -> bool:
    """Answer the live step the way a tired participant might: skip or pass. False: nothing to do."""
    skip = phone.get_by_role("button", name="Skip this one")
    passing = phone.get_by_role("button", name="Pass")
    expect(phone.locator(".activity")).to_be_visible()
    if skip.count():
        skip.click()
    elif passing.count():
        passing.click()
    else:
        return False
    expect(phone.locator(".answer-status")).to_contain_text("passed")
    return True


def writes(activity: Activity) -> bool:
    """Whether the activity takes written answers, which reach the console only once closed."""
    return isinstance(activity, (Prompt, Reflection)) and accepts_answers(activity)


def test_a_built_in_plan_runs_to_the_end(harness: Harness, tmp_path: Path) -> None:
    entry = load_library().plans[0]
    console = harness.facilitator(k=3)
    display = harness.display(console)
    phones = [harness.phone(harness.code(console)) for _ in range(2)]

    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=f"Use this plan: {entry.plan.title}").click()
    expect(console.get_by_role("heading", name=f"Plan: {entry.plan.title}")).to_be_visible()
    expect(console.locator(".step")).to_have_count(len(entry.plan.items))

    for index, item in enumerate(entry.plan.items):
        console.get_by_role("button", name=re.compile("^Open next:")).click()
        text = item.activity.text
        expect(console.locator(".live-text")).to_have_text(text)
        expect(console.locator(".step.current")).to_have_count(1)
        expect(console.locator(".step").nth(index)).to_have_attribute("aria-current", "step")
        expect(display.locator(".text")).to_have_text(text)
        if item.activity.facilitator_notes:
            expect(console.locator(".facilitator-notes")).to_contain_text(
                item.activity.facilitator_notes[:40]
            )
        answered = [respond(phone) for phone in phones]
        if all(answered):
            expect(console.locator("#count-answered")).to_have_text("2")
        if all(answered) and writes(item.activity) and index + 1 < len(entry.plan.items):
            # what people wrote is unread until answers close: the next step asks first
            console.get_by_role("button", name=re.compile("^Open next:")).click()
            asked = console.get_by_role("dialog")
            expect(asked).to_contain_text("2 people have responded")
            asked.get_by_role("button", name="Close answers first").click()
            expect(console.locator("#live-status")).to_have_text("Closed")
            expect(console.locator(".step").nth(index)).to_have_attribute("aria-current", "step")
    expect(console.get_by_text("That was the last step.")).to_be_visible()

    with console.expect_download() as saved:
        harness.panel(console, "Across weeks")
        console.get_by_role("button", name="Save summary file").click()
    summary = json.loads(Path(saved.value.path()).read_text())
    assert summary["format"] == "hearth-summary" and summary["k"] == 3
    assert "token" not in json.dumps(summary)


def test_plan_files_round_trip_and_bad_files_name_the_line(
    harness: Harness, tmp_path: Path
) -> None:
    harness.allow_console.append(r"status of 422")  # the check answers 422 for a bad file
    console = harness.facilitator(k=3)
    harness.panel(console, "New activity")
    console.get_by_label("Kind").select_option("scale")
    console.get_by_label("Question or text").fill("How steady is your breathing?")
    console.get_by_role("button", name="Add to plan").click()
    console.get_by_label("Kind").select_option("poll")
    console.get_by_label("Question or text").fill("Which helped?")
    console.get_by_label("Options, one per line").fill("Walking\nTalking")
    console.get_by_role("button", name="Add to plan").click()
    expect(console.locator(".step")).to_have_count(2)
    console.get_by_role("button", name="Move step 2 up").click()
    expect(console.locator(".step").first).to_contain_text("Which helped?")
    console.get_by_role("button", name="Edit step 2: How steady is your breathing?").click()
    expect(console.get_by_role("heading", name="Edit step 2")).to_be_visible()
    # beside "Save step 2", "Add to plan" would add the step a second time
    expect(console.get_by_role("button", name="Add to plan")).to_be_hidden()
    expect(console.get_by_label("Question or text")).to_have_value("How steady is your breathing?")
    console.get_by_label("Question or text").fill("How steady is your breathing tonight?")
    # Enter in a field saves the step: it never opens the half-edited step on the phones
    console.get_by_label("Title (optional)").press("Enter")
    expect(console.locator("#live-heading")).to_have_text("Nothing live")
    expect(console.locator(".step").nth(1)).to_contain_text("How steady is your breathing tonight?")
    expect(console.get_by_role("heading", name="New activity")).to_be_visible()
    expect(console.get_by_role("button", name="Add to plan")).to_be_visible()

    with console.expect_download() as saved:
        console.get_by_role("button", name="Save plan file").click()
    text = Path(saved.value.path()).read_text()
    plan = load_plan(text)  # the saved file is a valid plan for the server too
    assert [i.activity.kind for i in plan.items] == ["poll", "scale"]

    # Close plan throws away what was built here: it can be taken back, as a removed step can
    console.get_by_role("button", name="Close plan").click()
    expect(console.locator(".step")).to_have_count(0)
    undo = console.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    undo.click()
    expect(console.locator(".step")).to_have_count(2)
    expect(console.locator(".step").nth(1)).to_contain_text("How steady is your breathing tonight?")
    console.get_by_role("button", name="Close plan").click()
    expect(console.locator(".step")).to_have_count(0)
    good = tmp_path / "week.json"
    good.write_text(text)
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files(str(good))
    expect(console.locator(".step")).to_have_count(2)

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: hearth-plan\ntitle: Week 4\nitems:\n  - activity:\n      kind: poll\n"
        "      text: Pick one\n      options: [only one]\n"
    )
    console.get_by_label("Load a plan file (JSON or YAML)").set_input_files(str(bad))
    problems = console.locator(".plan .problems li")
    expect(problems.first).to_contain_text("line 7")
    expect(problems.first).to_contain_text("options")


def test_a_trend_from_past_summaries_reaches_the_display(harness: Harness, tmp_path: Path) -> None:
    week = {
        "format": "hearth-summary",
        "version": 1,
        "k": 3,
        "title": "",
        "entries": [
            {
                "kind": "scale",
                "title": "Steadiness",
                "text": "How steady do you feel?",
                "labels": ["1", "2", "3"],
                "results": {
                    "overall": {
                        "kind": "scale",
                        "k": 3,
                        "shown": True,
                        "answered": 6,
                        "cells": [
                            {"label": str(v), "count": c} for v, c in [(1, 0), (2, 3), (3, 3)]
                        ],
                        "mean": 2.5,
                        "hidden_words": False,
                    }
                },
            }
        ],
    }
    files = []
    for n, date in enumerate(["2026-10-31", "2026-11-07", "2026-11-14"], start=1):
        path = tmp_path / f"week{n}.json"
        path.write_text(json.dumps({**week, "date": date, "title": f"Week {n}"}))
        files.append(str(path))
    console = harness.facilitator(k=3)
    display = harness.display(console)
    harness.panel(console, "Across weeks")
    console.get_by_label("Load past summaries").set_input_files(files)
    console.get_by_role("button", name="Show on display: Steadiness").click()
    expect(display.locator(".trend .bar")).to_have_count(3)
    expect(display.locator(".trend .bar-count").first).to_have_text("average 2.5")
    console.get_by_role("button", name="Hide the trend").click()
    expect(display.locator(".big-code")).to_be_visible()


PRESS_N_TWICE = """() => {
  for (const _ of [1, 2]) document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "n", bubbles: true }));
}"""


def test_open_next_pressed_twice_takes_one_step(harness: Harness) -> None:
    """A double click on Open next, or N pressed twice, before the step lands opens it once: the
    second press used to open the same step again, and phones and the projector saw it twice."""
    entry = load_library().plans[0]
    console = harness.facilitator(k=3)
    console.get_by_role("button", name="Browse the library").click()
    console.get_by_role("button", name=f"Use this plan: {entry.plan.title}").click()
    record_sent(console)
    first, second = (item.activity.text for item in entry.plan.items[:2])

    press_twice(console.get_by_role("button", name=re.compile("^Open next:")))
    expect(console.locator(".live-text")).to_have_text(first)
    expect(console.locator(".step").nth(0)).to_have_attribute("aria-current", "step")
    assert sent(console, "open") == 1

    console.evaluate(PRESS_N_TWICE)
    expect(console.locator(".live-text")).to_have_text(second)
    expect(console.locator(".step").nth(1)).to_have_attribute("aria-current", "step")
    assert sent(console, "open") == 2
