"""How often a revealed result says something, per style, group size and answer spread.

    .venv/bin/python -m bench.results_sim [--k 5] [--runs 2000] [--seed 12]

Each run draws one answer per person for a 5-option check-in and a 5-point scale, and one to
three ticks per person for a 6-option multiple-choice poll, from one of three spreads, computes
the result exactly as the server does (server.domain.results.compute), and
counts it as saying something when it tells anything beyond how many answered: a count, a word
that sets some options apart, an order that is not one big tie, a lean, or two bands or more.
The table in docs/results.md is this command's output.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable

from server.domain.activities import CheckIn, Poll, Scale
from server.domain.results import Result, compute

SIZES = (4, 6, 8, 10, 12, 20, 30)
OPTIONS = 5
SPREADS: dict[str, list[float]] = {
    "uniform": [1, 1, 1, 1, 1],
    "skewed": [8, 4, 2, 1, 1],
    "two-peaked": [4, 1, 0.5, 1, 4],
}
TICKED_OPTIONS = 6  # the built-in plans' multiple-choice polls
TICK_SPREADS: list[list[float]] = [[1] * 6, [8, 4, 2, 1, 1, 1], [4, 1, 0.5, 0.5, 1, 4]]
CHOICE_STYLES = ("counts", "words", "leaning", "auto")
SCALE_STYLES = ("counts", "words", "leaning", "bands", "auto")


def says_something(result: Result) -> bool:
    if not result.shown:
        return False
    if result.style == "counts":
        return any(not c.withheld for c in result.cells)
    if result.style == "words":
        return len({c.word for c in result.cells if not c.withheld}) > 1
    if result.style == "leaning":
        return result.lean is not None or len({c.rank for c in result.cells if c.rank}) > 1
    return len(result.bands) > 1


def tally(answers: list[list[int]], cell: str) -> dict[str, int]:
    out: dict[str, int] = {"n": len(answers)}
    for ticks in answers:
        for a in ticks:
            out[cell.format(a)] = out.get(cell.format(a), 0) + 1
    return out


def one_each(size: int, run: int, first: int, rng: random.Random) -> list[list[int]]:
    weights = list(SPREADS.values())[run % len(SPREADS)]
    return [[a] for a in rng.choices(range(first, first + OPTIONS), weights=weights, k=size)]


def ticks(size: int, run: int, rng: random.Random) -> list[list[int]]:
    """One to three different options per person, drawn by the run's spread."""
    weights = TICK_SPREADS[run % len(TICK_SPREADS)]
    out = []
    for _ in range(size):
        chosen: set[int] = set()
        wanted = rng.randint(1, 3)
        while len(chosen) < wanted:
            chosen.add(rng.choices(range(TICKED_OPTIONS), weights=weights)[0])
        out.append(sorted(chosen))
    return out


def share(
    make: Callable[[str], object],
    answer: Callable[[int, int, random.Random], list[list[int]]],
    cell: str,
    size: int,
    k: int,
    runs: int,
    rng: random.Random,
) -> dict[str, float]:
    styles = SCALE_STYLES if cell.startswith("v") else CHOICE_STYLES
    said = dict.fromkeys(styles, 0)
    activities = {style: make(style) for style in styles}
    for run in range(runs):
        cells = tally(answer(size, run, rng), cell)
        for style, activity in activities.items():
            overall = compute(activity, cells, k).overall
            assert overall is not None
            said[style] += says_something(overall)
    return {style: said[style] / runs for style in styles}


def table(k: int, runs: int, seed: int) -> dict[str, dict[int, dict[str, float]]]:
    rng = random.Random(seed)

    def check_in(style: str) -> object:
        options = [f"o{i}" for i in range(OPTIONS)]
        return CheckIn(text="x", options=options, result_style=style)

    def scale(style: str) -> object:
        return Scale(text="x", points=OPTIONS, result_style=style)

    def poll(style: str) -> object:
        options = [f"o{i}" for i in range(TICKED_OPTIONS)]
        return Poll(text="x", options=options, multiple=True, result_style=style)

    def choice(size: int, run: int, rng: random.Random) -> list[list[int]]:
        return one_each(size, run, 0, rng)

    def point(size: int, run: int, rng: random.Random) -> list[list[int]]:
        return one_each(size, run, 1, rng)

    return {
        "check-in": {n: share(check_in, choice, "o:{}", n, k, runs, rng) for n in SIZES},
        "scale": {n: share(scale, point, "v:{}", n, k, runs, rng) for n in SIZES},
        "poll, several ticks": {n: share(poll, ticks, "o:{}", n, k, runs, rng) for n in SIZES},
    }


def markdown(results: dict[str, dict[int, dict[str, float]]]) -> str:
    lines = []
    for name, rows in results.items():
        styles = list(next(iter(rows.values())))
        lines.append(f"| {name}, people | " + " | ".join(styles) + " |")
        lines.append("|---:|" + "---:|" * len(styles))
        for size, row in rows.items():
            lines.append(f"| {size} | " + " | ".join(f"{row[s]:.0%}" for s in styles) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    print(markdown(table(args.k, args.runs, args.seed)))


if __name__ == "__main__":
    main()
