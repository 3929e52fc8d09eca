"""bench/ keeps working: every scenario at small scale against the baseline and Hearth.

No timing assertions: only that the JSON carries the figures and that every count is exact.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import require_tool

ROOT = Path(__file__).resolve().parent.parent
PERCENTILES = {"n", "p50", "p95", "p99", "max"}


def bench(*args: str) -> dict[str, Any]:
    require_tool("taskset", "apt-get install util-linux")
    require_tool("redis-server", "apt-get install redis-server")
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--workers", "2", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def check_joined(figures: dict[str, Any], n: int) -> None:
    assert figures["joined"] == n
    assert figures["join_errors"] == 0, figures["join_error_samples"]


def test_fanout_against_memory_and_two_processes_on_redis() -> None:
    report = bench("fanout", "-n", "50", "--rounds", "3", "--targets", "baseline,memory,redis2")
    assert set(report["targets"]) == {"baseline", "memory", "redis2"}
    for figures in report["targets"].values():
        check_joined(figures, 50)
        assert figures["delivered"] == figures["expected"] == 150
        assert set(figures["latency_ms"]) == PERCENTILES and figures["latency_ms"]["n"] == 150
        assert figures["missing"] == 0 and figures["first_ms"]["n"] == 3
        assert {"generator_cpu", "server_cpu"} <= set(figures)
    assert set(report["ratios"]) == {"memory/baseline", "redis2/baseline"}
    assert report["machine"]["cpus"] >= 1
    assert report["missing_total"] == 0


def test_every_run_is_reported_with_paired_ratios_and_an_open_loop() -> None:
    report = bench(
        "fanout", "-n", "30", "--rounds", "3", "--repeat", "2", "--rate", "10",
        "--targets", "baseline,memory",
    )  # fmt: skip
    assert report["params"]["rate"] == 10 and report["targets"]["memory"]["loop"].startswith("open")
    for kind in ("baseline", "memory"):
        spread = report["spread"][kind]
        assert len(spread["headline"]["runs"]) == 2 and spread["missing"] == [0, 0]
        assert (
            spread["headline"]["min"] <= spread["headline"]["median"] <= spread["headline"]["max"]
        )
        assert len(report["targets"][kind]["repeats"]) == 2
    paired = report["paired"]["memory/baseline"]
    assert len(paired["runs"]) == 2 and paired["min"] <= paired["median"] <= paired["max"]
    assert len(report["first_phone_ms_over"]["memory-baseline"]["runs"]) == 2


def test_nchan_is_the_c_ceiling_in_the_same_run() -> None:
    from bench.nchan import MODULE

    # deploy/dev test installs it; a missing module is a failure with the fix, never a skip.
    assert MODULE.exists(), "nginx's nchan module is missing: apt-get install libnginx-mod-nchan"
    report = bench("fanout", "-n", "40", "--rounds", "3", "--targets", "baseline,nchan,memory")
    for figures in report["targets"].values():
        check_joined(figures, 40)
        assert figures["delivered"] == figures["expected"] == 120 and figures["missing"] == 0
    assert {"memory/nchan", "memory/baseline", "baseline/nchan"} <= set(report["paired"])


def test_rooms() -> None:
    report = bench("rooms", "-n", "10", "--rooms", "5", "--rounds", "2")
    for figures in report["targets"].values():
        check_joined(figures, 50)
        assert figures["delivered"] == figures["expected"] == 100
        assert figures["answers"] == 100 and figures["answer_errors"] == 0
        assert set(figures["ack_ms"]) == PERCENTILES


@pytest.mark.parametrize("first", [False, True], ids=["changes_of_mind", "first_answers"])
def test_ingest_tally_is_exact(first: bool) -> None:
    targets = ("--targets", "baseline,memory,redis")
    report = bench(
        "ingest", "-n", "50", "--answers", "3", *targets, *(["--first"] if first else [])
    )
    for figures in report["targets"].values():
        assert figures["kind"] == ("first answers" if first else "changes of mind")
        assert figures["missing"] == 0
        check_joined(figures, 50)
        assert figures["answers"] == figures["expected"] == 150
        assert figures["answer_errors"] == 0
        assert figures["tally_exact"] and sum(figures["tally_shown"]) == 50
        assert figures["acks_per_second"] > 0 and "tally_exact_after_last_ack_ms" in figures
    # redis-server's own CPU per answer, where there is one (it is on the server's core)
    assert report["targets"]["redis"]["store_us_per_answer"] > 0
    assert "store_us_per_answer" not in report["targets"]["memory"]


def test_storm() -> None:
    report = bench("storm", "-n", "50", "--seconds", "0.5")
    for figures in report["targets"].values():
        check_joined(figures, 50)
        assert figures["join_ms"]["n"] == 50


def test_idle_memory_per_connection() -> None:
    report = bench("idle", "-n", "50", "--hold", "0.2")
    for figures in report["targets"].values():
        check_joined(figures, 50)
        assert figures["open_after_hold"] == 50 and figures["closed_after_hold"] == 0
        assert figures["rss_after_kib"] >= figures["rss_before_kib"] > 0
        assert isinstance(figures["kib_per_connection"], float)


def script_cost(*options: str) -> dict[str, Any]:
    """`python -m bench.script_cost` with these options: its JSON report."""
    require_tool("redis-server", "apt-get install redis-server")
    done = subprocess.run(
        [sys.executable, "-m", "bench.script_cost", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_script_cost_measures_redis_server_alone() -> None:
    """`python -m bench.script_cost` (docs/performance.md): redis-server's own CPU per answer
    script, first answers and changes of mind, every call stored."""
    # 40 answers in calls of 7: the last call is short
    report = script_cost("--people", "40", "--rounds", "3", "--merge", "7")
    assert report["people"] == 40 and report["rounds"] == 3 and report["merge"] == 7
    assert report["first_answer_us"] > 0 and report["change_of_mind_us"] > 0
    assert report["evalsha_usec_per_call"] > 0


def test_script_cost_measures_the_commit_script_of_this_tree_and_of_an_older_one(
    tmp_path: Path,
) -> None:
    """`python -m bench.script_cost --commit`: redis-server's own time per COMMIT, every commit
    applied (the script answers 1); `--scripts` runs a scripts.py from before COMMIT took the
    next version and the refresh flag, with its own arguments."""
    older = tmp_path / "scripts.py"
    older.write_text(
        '''COMMIT = """
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
if string.sub(ARGV[2], 1, 1) ~= '{' then return redis.error_reply('not its arguments') end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'doc', ARGV[2])
redis.call('PUBLISH', ARGV[5], 'S' .. ARGV[2])
return 1
"""
'''
    )
    for extra in ([], ["--scripts", str(older)]):
        report = script_cost("--commit", "--rounds", "70", *extra)
        assert report["commits"] == 70 and report["document_bytes"] > 100
        assert report["commit_us"] > 0 and report["evalsha_usec_per_call"] > 0
