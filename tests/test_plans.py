"""Plan files: round trips, precise errors for bad files, and the check endpoint over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.domain.library import load_library
from server.domain.plans import MAX_PLAN_BYTES, Plan, PlanError, dump_plan, load_plan, normalised
from tests.support import Client, LiveServer

GOOD_YAML = """\
title: Week one
items:
  - minutes: 5
    activity:
      kind: prompt
      text: Welcome.
  - activity:
      kind: poll
      text: Which?
      options: [yes, no, "3"]
"""


def problems(text: str, fmt: str | None = None) -> list[tuple[str, int | None]]:
    with pytest.raises(PlanError) as caught:
        load_plan(text, fmt)  # type: ignore[arg-type]
    return [(p.path, p.line) for p in caught.value.problems]


def test_yaml_plain_words_stay_text() -> None:
    plan = load_plan(GOOD_YAML)
    poll = plan.items[1].activity
    assert poll.kind == "poll" and poll.options == ["yes", "no", "3"]  # not True/False/3
    assert plan.items[0].minutes == 5 and plan.minutes == 5


def test_every_library_file_round_trips_through_yaml_and_json() -> None:
    library = load_library()
    for entry in (*library.plans, *library.collections):
        for fmt in ("yaml", "json"):
            text = dump_plan(entry.plan, fmt)  # type: ignore[arg-type]
            assert load_plan(text, fmt) == entry.plan  # type: ignore[arg-type]
            assert load_plan(text) == entry.plan  # the format is detected
        full = {k: v for k, v in normalised(entry.plan).items() if k != "minutes"}
        assert Plan.model_validate(full) == entry.plan


TRICKY = [
    "yes",
    "no",
    "null",
    "~",
    ": ",
    "#",
    "&a",
    "*a",
    "!!int",
    "- ",
    "'",
    '"',
    "\n",
    "3",
    "1e3",
]
awkward = (
    st.lists(
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029"
            ),
            max_size=8,
        )
        | st.sampled_from(TRICKY),
        min_size=1,
        max_size=5,
    )
    .map("".join)
    .filter(lambda s: s.strip() != "")
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=awkward, text=awkward, options=st.lists(awkward, min_size=2, max_size=4))
def test_any_text_round_trips(title: str, text: str, options: list[str]) -> None:
    plan = Plan.model_validate(
        {
            "title": title[:120],
            "items": [
                {"activity": {"kind": "poll", "text": text, "options": [o[:120] for o in options]}}
            ],
        }
    )
    for fmt in ("yaml", "json"):
        assert load_plan(dump_plan(plan, fmt), fmt) == plan  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # field errors: the path without union tags, and the line of the offending value
        (GOOD_YAML.replace('[yes, no, "3"]', "[only]"), [("items[1].activity.options", 10)]),
        (GOOD_YAML.replace("minutes: 5", "minutes: 0"), [("items[0].minutes", 3)]),
        (GOOD_YAML.replace("kind: poll", "kind: pol"), [("items[1].activity", 8)]),
        (
            GOOD_YAML.replace("text: Which?", "txt: Which?"),
            [("items[1].activity.text", 8), ("items[1].activity.txt", 9)],
        ),
        (GOOD_YAML.replace("title: Week one\n", ""), [("title", 1)]),
        (
            GOOD_YAML.replace("      kind: prompt\n", "      kind: prompt\n      seconds: 9\n"),
            [("items[0].activity.seconds", 6)],
        ),
        # syntax errors: the position the parser stopped at
        ("title: [unclosed\nitems: []\n", [("", 2)]),
        ("title: x\n  bad indent: 1\n", [("", 2)]),
        # what a careful reader refuses
        ("base: &a {kind: prompt, text: hi}\ntitle: x\nitems: [{activity: *a}]\n", [("base", 1)]),
        ("title: x\nitems:\n  - activity: *nothing\n", [("items[0]", 3)]),
        ("title: !!python/object:os.system x\nitems: []\n", [("title", 1)]),
        ("title: a\ntitle: b\nitems: []\n", [("title", 2)]),
        ("title: a\n---\ntitle: b\n", [("", 2)]),
        ("", [("", None)]),
        ("- just\n- a list\n", [("", 1)]),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 30)), [("a" + "[0]" * 15, 17)]),
    ],
)
def test_bad_yaml_gets_precise_errors(text: str, expected: list[tuple[str, int | None]]) -> None:
    assert problems(text) == expected


def test_bad_json_gets_precise_errors() -> None:
    good = {"title": "x", "items": [{"activity": {"kind": "scale", "text": "How?", "points": 5}}]}
    text = json.dumps(good, indent=2)
    assert load_plan(text).items[0].activity.kind == "scale"
    bad = text.replace('"points": 5', '"points": 50')
    assert problems(bad) == [("items[0].activity.points", 8)]
    tabbed = json.dumps(good, indent="\t").replace('"points": 5', '"points": 50')
    assert problems(tabbed) == [("items[0].activity.points", 8)]
    assert problems('{"title": "x",,}') == [("", 1)]
    assert problems('{"title": "x", "title": "y", "items": []}')[0][0] == ""
    assert problems("[" * 50 + "]" * 50, "json") == [("", None)]
    assert problems("[" * 200_000 + "]" * 200_000, "json")  # never a RecursionError


def test_size_cap() -> None:
    big = GOOD_YAML + "# " + "x" * MAX_PLAN_BYTES + "\n"
    with pytest.raises(PlanError, match="larger than"):
        load_plan(big)


def test_error_message_reads_well() -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(GOOD_YAML.replace("minutes: 5", "minutes: lots"))
    assert str(caught.value).startswith("line 3, column 14: items[0].minutes:")


def test_a_summary_file_is_named_as_one_not_listed_as_a_plans_errors() -> None:
    summary = {"format": "hearth-summary", "version": 1, "date": "2026-12-07", "k": 5,
               "entries": []}  # fmt: skip
    with pytest.raises(PlanError) as caught:
        load_plan(json.dumps(summary))
    assert [str(p) for p in caught.value.problems] == [
        "file: This is a session summary, not a plan: load it under “Across weeks”, “Load past"
        " summaries”."
    ]


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


async def test_check_endpoint(server: LiveServer) -> None:
    room = await server.create_room()
    host = {"Authorization": f"Bearer {server.settings.host_secret}"}
    console = {
        "Authorization": f"Bearer {room['facilitator_credential']}",
        "X-Hearth-Room": room["code"],
    }
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        for headers in (host, console):
            reply = await http.post("/api/plans/check", content=GOOD_YAML, headers=headers)
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert body["ok"] and body["plan"]["items"][1]["activity"]["options"] == [
                "yes",
                "no",
                "3",
            ]
            assert body["plan"]["minutes"] == 5 and reply.headers["cache-control"] == "no-store"
        bad = GOOD_YAML.replace("minutes: 5", "minutes: 500")
        reply = await http.post("/api/plans/check", content=bad, headers=host)
        assert reply.status_code == 422
        assert reply.json()["errors"] == [
            {
                "path": "items[0].minutes",
                "line": 3,
                "column": 14,
                "message": "Input should be less than or equal to 180",
            }
        ]
        too_big = "#" * (MAX_PLAN_BYTES + 10)
        assert (
            await http.post("/api/plans/check", content=too_big, headers=host)
        ).status_code == 413
        not_utf8 = await http.post("/api/plans/check", content=b"title: \xff", headers=host)
        assert not_utf8.status_code == 422
        # refused: no credential, a display credential, the right credential for another room
        other = await server.create_room()
        for headers in (
            {},
            {"Authorization": "Bearer " + room["facilitator_credential"]},
            {
                "Authorization": "Bearer " + room["display_credential"],
                "X-Hearth-Room": room["code"],
            },
            {
                "Authorization": "Bearer " + room["facilitator_credential"],
                "X-Hearth-Room": other["code"],
            },
        ):
            reply = await http.post("/api/plans/check", content=GOOD_YAML, headers=headers)
            assert reply.status_code == 401, headers
    # a room that ended no longer vouches for its credential
    facilitator = await Client.join(server, room, "facilitator")
    await facilitator.command({"type": "end"})
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        reply = await http.post("/api/plans/check", content=GOOD_YAML, headers=console)
        assert reply.status_code == 401
