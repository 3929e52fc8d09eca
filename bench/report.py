"""Turn bench/results/*.json into the Markdown table in docs/performance.md.

python -m bench.report [bench/results]
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

ORDER = ["baseline", "memory", "redis", "redis2"]
NAMES = {
    "baseline": "bare websockets",
    "memory": "Hearth, memory store",
    "redis": "Hearth, Redis",
    "redis2": "Hearth, 2 processes, Redis",
}


def _p(figures: dict[str, Any], key: str) -> str:
    d = figures.get(key) or {}
    return f"{d.get('p50', '-')} / {d.get('p95', '-')} / {d.get('p99', '-')} / {d.get('max', '-')}"


def paired(report: dict[str, Any], kind: str, base: str = "baseline") -> float | None:
    """Median of run-by-run ratios (runs were interleaved, so each pair met the same load)."""
    mine = report["targets"].get(kind, {}).get("repeats")
    theirs = report["targets"].get(base, {}).get("repeats")
    if not mine or not theirs:
        return None
    pairs = [a / b for a, b in zip(mine, theirs, strict=False) if a is not None and b]
    return round(statistics.median(pairs), 3) if pairs else None


def _ratio(report: dict[str, Any], kind: str) -> str:
    if kind == "baseline":
        return "1"
    best = report["ratios"].get(f"{kind}/baseline")
    median = report.get("median_ratios", {}).get(f"{kind}/baseline")
    pair = paired(report, kind)
    if best is None:
        return "-"
    return f"{best} / {median}" + (f" / **{pair}**" if pair is not None else "")


def _cpu(figures: dict[str, Any]) -> str:
    per = next((v for k, v in figures.items() if k.startswith("server_us_per_")), None)
    parts = [
        f"gen {figures.get('generator_cpu', '-')}",
        f"srv {figures.get('server_cpu', '-')}",
        f"rq {figures.get('server_runqueue', '-')}",
    ]
    if per is not None:
        parts.append(f"{per} µs/unit")
    return ", ".join(parts)


def rows(name: str, report: dict[str, Any]) -> list[str]:
    scenario, out = report["scenario"], []
    for kind in ORDER:
        f = report["targets"].get(kind)
        if f is None:
            continue
        if scenario in ("fanout", "rooms"):
            counts = f"{f['delivered']}/{f['expected']} delivered, {f['join_errors']} join errors"
            if scenario == "rooms":
                counts += f"; {f['answers']} answers, ack p99 {f['ack_ms'].get('p99')} ms"
            main = _p(f, "latency_ms")
        elif scenario == "ingest":
            main = (
                f"{f['acks_per_second']} acks/s; ack p50/p99 {f['ack_ms'].get('p50')}/"
                f"{f['ack_ms'].get('p99')} ms; tally exact {f['tally_exact_after_last_ack_ms']} ms "
                "after the last ack"
            )
            counts = f"{f['answers']}/{f['expected']} acked, tally exact: {f['tally_exact']}"
        elif scenario == "storm":
            main = f"{f['joins_per_second']} joins/s; join {_p(f, 'join_ms')}"
            counts = f"{f['joined']} joined, {f['join_errors']} errors"
        else:
            main = f"{f['kib_per_connection']} KiB per connection"
            counts = (
                f"{f['joined']} joined, {f['join_errors']} errors, "
                f"{f['open_after_hold']} open after hold"
            )
        out.append(
            f"| {name} | {NAMES[kind]} | {main} | {_ratio(report, kind)} | {counts} | {_cpu(f)} |"
        )
    return out


def main(folder: str = "bench/results") -> int:
    print("| run | target | figures | ratio: best / median / **paired** | counts | CPU |")
    print("|---|---|---|---|---|---|")
    for path in sorted(Path(folder).glob("*.json")):
        report = json.loads(path.read_text())
        for row in rows(path.stem, report):
            print(row)
        redis2 = report["ratios"].get("redis2/redis")
        if redis2 is not None:
            median = report.get("median_ratios", {}).get("redis2/redis")
            ratio = f"{redis2} / {median} / **{paired(report, 'redis2', 'redis')}**"
            print(f"| {path.stem} | 2 processes / 1 process (Redis) | | {ratio} | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
