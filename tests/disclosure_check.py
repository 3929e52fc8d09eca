"""An independent check of promise 3 for the result styles: enumerate every tally a reader's
screen is consistent with, and see what they could work out. Slow and simple on purpose: it
shares no code with server/domain/disclosure.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import combinations, product
from typing import Any

from server.domain.activities import CheckIn, Poll, Scale
from server.domain.results import compute


def compositions(n: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 1:
        yield (n,)
        return
    for first in range(n + 1):
        for rest in compositions(n - first, parts - 1):
            yield (first, *rest)


def activity_for(kind: str, options: int, style: str, multiple: bool = False) -> Any:
    labels = [f"o{i}" for i in range(options)]
    if kind == "scale":
        return Scale(text="s", points=options, result_style=style)  # type: ignore[arg-type]
    if kind == "checkin":
        return CheckIn(text="c", options=labels, result_style=style)  # type: ignore[arg-type]
    return Poll(text="p", options=labels, multiple=multiple, result_style=style)  # type: ignore[arg-type]


def tally_of(kind: str, values: tuple[int, ...], n: int) -> dict[str, int]:
    cell = "v:{}" if kind == "scale" else "o:{}"
    first = 1 if kind == "scale" else 0
    out = {cell.format(i + first): c for i, c in enumerate(values) if c}
    out["n"] = n
    return out


def what_is_seen(activity: Any, kind: str, values: tuple[int, ...], n: int, k: int) -> str:
    result = compute(activity, tally_of(kind, values, n), k).overall
    assert result is not None
    return json.dumps(result.model_dump(), sort_keys=True)


def leaks(kind: str, options: int, style: str, n: int, k: int, multiple: bool = False) -> list[str]:
    """Every way a reader of any screen at n answers could work out a forbidden count."""
    activity = activity_for(kind, options, style, multiple)
    tallies = product(range(n + 1), repeat=options) if multiple else compositions(n, options)
    seen: dict[str, list[tuple[int, ...]]] = {}
    for values in tallies:
        seen.setdefault(what_is_seen(activity, kind, values, n, k), []).append(values)
    found = []
    for screen, consistent in seen.items():
        possible = [sorted({v[i] for v in consistent}) for i in range(options)]
        everything = all(len(p) == 1 for p in possible)
        for i, values in enumerate(possible):
            if len(values) != 1:
                continue
            v = values[0]
            if 0 < v < k or (v == 0 and not everything) or (multiple and 0 < n - v < k):
                found.append(f"option {i} is {v} on {screen}")
        if multiple:
            continue
        for size in range(2, options):
            for group in combinations(range(options), size):
                totals = {sum(v[i] for i in group) for v in consistent}
                if len(totals) == 1 and 0 < min(totals) < k:
                    found.append(f"options {group} total {min(totals)} on {screen}")
    return found


def observed_leaks(definition: dict[str, Any], shown: dict[str, Any], k: int) -> list[str]:
    """What a reader of this one result could work out: every tally at its n is described, and
    those described exactly as `shown` are what the reader is left with."""
    kind = definition["kind"]
    if kind not in ("poll", "checkin", "scale") or not shown["shown"]:
        return []
    n = shown["answered"]
    options = len(shown["cells"])
    multiple = bool(definition.get("multiple"))
    activity = activity_for(kind, options, definition.get("result_style", "auto"), multiple)
    if kind == "checkin":
        activity = activity.model_copy(update={"options": [c["label"] for c in shown["cells"]]})
    elif kind == "poll":
        activity = activity.model_copy(update={"options": [c["label"] for c in shown["cells"]]})
    target = json.dumps(shown, sort_keys=True)
    tallies = product(range(n + 1), repeat=options) if multiple else compositions(n, options)
    consistent = []
    for values in tallies:
        result = compute(activity, tally_of(kind, values, n), k).overall
        assert result is not None
        if json.dumps(result.model_dump(), sort_keys=True) == target:
            consistent.append(values)
    if not consistent:
        return [f"no tally at n={n} is drawn as {target}"]
    found = []
    possible = [{v[i] for v in consistent} for i in range(options)]
    everything = all(len(p) == 1 for p in possible)
    for i, values in enumerate(possible):
        if len(values) == 1:
            (v,) = values
            if 0 < v < k or (v == 0 and not everything) or (multiple and 0 < n - v < k):
                found.append(f"option {i} is {v}")
    if not multiple:
        for size in range(2, options):
            for group in combinations(range(options), size):
                totals = {sum(v[i] for i in group) for v in consistent}
                if len(totals) == 1 and 0 < min(totals) < k:
                    found.append(f"options {group} total {min(totals)}")
    return found
