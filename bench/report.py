"""Turn bench/results/*.json into the Markdown table in docs/performance.md.

python -m bench.report [bench/results]

Each row is one target of one run of `python -m bench`: its median run's figures, the headline
figure as median (min-max of all runs), the paired ratios to the bare-websockets floor and to
nchan (median and min-max of run i over run i), and the missing deliveries of every run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ORDER = ["baseline", "nchan", "memory", "plain", "redis", "redis2"]
ORDER += ["cluster", "cluster2", "cluster2w"]
NAMES = {
    "baseline": "bare websockets",
    "nchan": "nginx + nchan",
    "memory": "Hearth, memory store",
    "plain": "Hearth, memory store, without the fast path",
    "redis": "Hearth, Redis",
    "redis2": "Hearth, 2 processes, Redis",
    "cluster": "Hearth, Redis Cluster",
    "cluster2": "Hearth, 2 processes, Redis Cluster",
    "cluster2w": "Hearth, 2 processes, Cluster, WAIT 1",
}


def _p(figures: dict[str, Any], key: str) -> str:
    d = figures.get(key) or {}
    return f"{d.get('p50', '-')} / {d.get('p95', '-')} / {d.get('p99', '-')} / {d.get('max', '-')}"


def _spread(s: dict[str, Any] | None) -> str:
    if not s or "median" not in s:
        return "-"
    if len(s.get("runs", [])) < 2:
        return f"{s['median']}"
    return f"**{s['median']}** ({s['min']}-{s['max']})"


def _paired(report: dict[str, Any], kind: str) -> str:
    parts = []
    for base in ("baseline", "nchan"):
        found = report.get("paired", {}).get(f"{kind}/{base}")
        if found and kind != base:
            parts.append(f"/{base}: {_spread(found)}")
    return "; ".join(parts) or "1"


def _cpu(figures: dict[str, Any]) -> str:
    per = next((v for k, v in figures.items() if k.startswith("server_us_per_")), None)
    parts = [
        f"gen {figures.get('generator_cpu', '-')}",
        f"srv {figures.get('server_cpu', '-')}",
        f"rq {figures.get('server_runqueue', '-')}",
    ]
    if per is not None:
        parts.append(f"{per} µs/unit")
    store = next((v for k, v in figures.items() if k.startswith("store_us_per_")), None)
    if store is not None:
        parts.append(f"redis-server {figures.get('store_cpu', '-')}, {store} µs/unit")
    return ", ".join(parts)


def _main(scenario: str, f: dict[str, Any]) -> str:
    if scenario in ("fanout", "rooms"):
        main = _p(f, "latency_ms")
        if "first_ms" in f:
            main += f"; first phone p50 {f['first_ms'].get('p50')}"
        return main
    if scenario == "ingest":
        return (
            f"{f.get('kind', '')}: {f['acks_per_second']} acks/s; ack p50/p99 "
            f"{f['ack_ms'].get('p50')}/{f['ack_ms'].get('p99')} ms; tally exact "
            f"{f['tally_exact_after_last_ack_ms']} ms after the last ack ({f['tally_exact']})"
        )
    if scenario == "storm":
        return f"{f['joins_per_second']} joins/s; join {_p(f, 'join_ms')}"
    return f"{f['kib_per_connection']} KiB per connection; joined in {f.get('join_seconds')} s"


def rows(name: str, report: dict[str, Any]) -> list[str]:
    scenario, out = report["scenario"], []
    for kind in ORDER:
        f = report["targets"].get(kind)
        if f is None:
            continue
        spread = report.get("spread", {}).get(kind, {})
        missing = spread.get("missing", [f.get("missing")])
        out.append(
            f"| {name} | {NAMES[kind]} | {_main(scenario, f)} | {_spread(spread.get('headline'))} "
            f"| {_paired(report, kind)} | {', '.join(str(m) for m in missing)} | {_cpu(f)} |"
        )
    return out


def main(folder: str = "bench/results") -> int:
    print(
        "| run | target | figures (median run) | headline: median (min-max) "
        "| paired ratio: median (min-max) | missing, each run | CPU |"
    )
    print("|---|---|---|---|---|---|---|")
    for path in sorted(Path(folder).glob("*.json")):
        try:
            report = json.loads(path.read_text())
        except ValueError:
            continue  # still being written
        if "spread" not in report:
            continue  # written by an older bench (best-of-N): not comparable
        for row in rows(path.stem, report):
            print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
