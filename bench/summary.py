"""From every run of every target to the figures reported: medians with the min and max of all runs,
and paired ratios (target's run i over the baseline's run i, two runs next to each other in time),
never only the best run. Missing deliveries are listed for every run."""

from __future__ import annotations

import statistics
from typing import Any

# The figure compared across targets in each scenario, and whether lower is better.
HEADLINE = {
    "fanout": (("latency_ms", "p99"), True),
    "rooms": (("latency_ms", "p99"), True),
    "ingest": (("acks_per_second",), False),
    "storm": (("join_ms", "p99"), True),
    "idle": (("kib_per_connection",), True),
}
BASES = ("baseline", "nchan")  # the Python floor and the C ceiling
# Pairs reported next to each other besides "over a base": more processes on one Redis,
# and the same number of processes on a cluster instead of one Redis.
SIDE_BY_SIDE = [
    ("memory", "plain"),  # what the fast path (server/transport/fast.py) is worth
    ("redis2", "redis"),
    ("cluster", "redis"),
    ("cluster2", "redis2"),
    ("cluster2w", "cluster2"),
]


def pick(figures: dict[str, Any], *path: str) -> float | None:
    value: Any = figures
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def headline(scenario: str, figures: dict[str, Any]) -> float | None:
    return pick(figures, *HEADLINE[scenario][0])


def spread(values: list[float | None], digits: int = 3) -> dict[str, Any]:
    """Median, min and max of all runs, and every run's value in order."""
    present = [v for v in values if v is not None]
    if not present:
        return {"runs": values}
    return {
        "median": round(statistics.median(present), digits),
        "min": round(min(present), digits),
        "max": round(max(present), digits),
        "runs": [None if v is None else round(v, digits) for v in values],
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def pairs(kinds: list[str]) -> list[tuple[str, str]]:
    out = [(kind, base) for base in BASES if base in kinds for kind in kinds if kind != base]
    out += [(a, b) for a, b in SIDE_BY_SIDE if a in kinds and b in kinds]
    return out


def summarise(scenario: str, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    lower_is_better = HEADLINE[scenario][1]
    targets: dict[str, dict[str, Any]] = {}
    spreads: dict[str, dict[str, Any]] = {}
    for kind, done in runs.items():
        values = [headline(scenario, r) for r in done]
        ranked = sorted(done, key=lambda r: headline(scenario, r) or 0.0)
        if not lower_is_better:
            ranked.reverse()
        median_run = dict(ranked[len(ranked) // 2])  # a real run's figures, the middle one
        median_run["repeats"] = values
        targets[kind] = median_run
        spreads[kind] = {
            "headline": spread(values),
            "missing": [r.get("missing") for r in done],
        }
        if scenario == "fanout":
            spreads[kind]["first_ms_p50"] = spread([pick(r, "first_ms", "p50") for r in done])
            spreads[kind]["server_us_per_delivery"] = spread(
                [pick(r, "server_us_per_delivery") for r in done]
            )
        if scenario == "idle":
            spreads[kind]["join_seconds"] = spread([pick(r, "join_seconds") for r in done])
    paired: dict[str, dict[str, Any]] = {}
    first_over: dict[str, dict[str, Any]] = {}
    for kind, base in pairs(list(runs)):
        mine, theirs = runs[kind], runs[base]
        ratios = []
        for a, b in zip(mine, theirs, strict=False):
            x, y = headline(scenario, a), headline(scenario, b)
            ratios.append(x / y if x is not None and y else None)
        paired[f"{kind}/{base}"] = spread(ratios)
        if scenario == "idle":
            joins = [
                _ratio(pick(a, "join_seconds"), pick(b, "join_seconds"))
                for a, b in zip(mine, theirs, strict=False)
            ]
            paired[f"{kind}/{base} join_seconds"] = spread(joins)
        if scenario == "fanout":
            diffs = []
            for a, b in zip(mine, theirs, strict=False):
                x, y = pick(a, "first_ms", "p50"), pick(b, "first_ms", "p50")
                diffs.append(x - y if x is not None and y is not None else None)
            first_over[f"{kind}-{base}"] = spread(diffs, 2)
    medians = {k: headline(scenario, t) for k, t in targets.items()}
    out: dict[str, Any] = {
        "targets": targets,
        "pick": "the median run of each target; every run in `spread` and `repeats`",
        "spread": spreads,
        "paired": paired,
        # the median of each paired spread, and the ratio of the median runs (older readers)
        "paired_ratios": {k: v["median"] for k, v in paired.items() if "median" in v},
        "ratios": {
            f"{a}/{b}": round(medians[a] / medians[b], 3)  # type: ignore[operator]
            for a, b in pairs(list(runs))
            if medians.get(a) is not None and medians.get(b)
        },
        "missing_total": sum(m or 0 for s in spreads.values() for m in s["missing"]),
    }
    if first_over:
        out["first_phone_ms_over"] = first_over  # paired differences of the first-phone p50
    return out
