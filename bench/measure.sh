#!/bin/sh
# The commands behind docs/performance.md. Each writes one JSON object to bench/results/.
# Run from the repository root as root (for --nice and to install nchan): ./bench/measure.sh
# Every target is run --repeat times, interleaved; every run is reported (median, min-max, paired).
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
run fanout-1000 fanout -n 1000 --rounds 10 --repeat 5 --targets baseline,nchan,memory,plain,redis
run fanout-5000 fanout -n 5000 --rounds 10 --repeat 3 --targets baseline,nchan,memory,redis,redis2
run fanout-open fanout -n 1000 --rounds 20 --rate 10 --repeat 3 --targets baseline,nchan,memory,redis2
run ingest-change ingest -n 1000 --answers 10 --repeat 5 --targets baseline,memory,redis
run ingest-first ingest -n 1000 --answers 10 --first --repeat 5 --targets baseline,memory,redis
run idle idle -n 10000 --hold 2 --repeat 3 --targets baseline,nchan,memory
# 20,000 phones on one process need more open files than some hosts allow (a container's hard
# limit cannot be raised without CAP_SYS_RESOURCE): there, the same run in a virtual machine.
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 20100 ]; then
    run idle-20000 idle -n 20000 --hold 5 --targets memory
else
    echo "== idle-20000-vm: ./bench/vm.sh idle -n 20000 --hold 5 --targets baseline,memory" >&2
    ./bench/vm.sh idle -n 20000 --hold 5 --targets baseline,memory > "$OUT/idle-20000-vm.json"
fi
# Past one Redis (docs/operations.md, "Redis Cluster"): the same process counts on one Redis and on
# a 3+3 Redis Cluster, in one run, repeats interleaved. (Not rerun with the new bench: see the doc.)
# run cluster-fanout fanout -n 1000 --rounds 10 --repeat 3 --targets redis,redis2,cluster,cluster2
# run cluster-ingest ingest -n 1000 --answers 10 --repeat 3 --targets redis,redis2,cluster,cluster2,cluster2w
