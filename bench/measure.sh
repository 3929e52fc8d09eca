#!/bin/sh
# The commands behind docs/performance.md. Each writes one JSON object to bench/results/.
# Run from the repository root as root (for --nice): ./bench/measure.sh  (about 12 minutes)
set -eu
PY=${PYTHON:-.venv/bin/python}
OUT=${OUT:-bench/results}
NICE=${NICE:--10}
mkdir -p "$OUT"
run() {
    name=$1; shift
    echo "== $name: python -m bench $* --nice $NICE --json" >&2
    "$PY" -m bench "$@" --nice "$NICE" --json > "$OUT/$name.json"
}
run fanout-1000 fanout -n 1000 --rounds 20 --repeat 5 --targets baseline,memory,redis
run fanout-5000 fanout -n 5000 --rounds 20 --repeat 5 --targets baseline,memory,redis,redis2
run rooms       rooms --rooms 50 -n 20 --rounds 10 --repeat 3 --targets baseline,memory,redis
run ingest      ingest -n 1000 --answers 20 --repeat 3 --targets baseline,memory,redis
run storm       storm -n 5000 --seconds 5 --repeat 3 --targets baseline,memory,redis
run idle        idle -n 10000 --hold 5 --targets baseline,memory,redis
# Past one Redis (docs/operations.md, "Redis Cluster"): the same process counts on one Redis and on
# a 3+3 Redis Cluster, in one run, repeats interleaved.
run cluster-fanout fanout -n 1000 --rounds 10 --repeat 3 --targets redis,redis2,cluster,cluster2
run cluster-ingest ingest -n 1000 --answers 10 --repeat 3 --targets redis,redis2,cluster,cluster2,cluster2w
