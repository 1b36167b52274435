#!/usr/bin/env bash
# Distributed benchmarks (benches/distributed.rs) under MPI: the all-reduce of a 10M-float
# buffer with 2 ranks (ours against a plain MPI_Allreduce of the same buffer), and the
# data-parallel MLP and CNN training steps with 1 and 2 ranks of one thread each (throughput ratio).
# Needs the `mpi` feature's setup (README: Open MPI and libclang).
#
# usage: benches/run_distributed.sh [allreduce|mlp|cnn]   (from anywhere; the argument picks workloads)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q -p equinox --features mpi --bench distributed --no-run 2>/dev/null
bin=$(ls -t target/release/deps/distributed-* | grep -v '\.d$' | head -1)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
mpi="mpirun --oversubscribe --allow-run-as-root --bind-to core"
RAYON_NUM_THREADS=1 $mpi -n 1 "$bin" "$@" | tee -a "$out"
RAYON_NUM_THREADS=1 $mpi -n 2 "$bin" "$@" | tee -a "$out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(workload, impl, ranks):
    xs = [r["median_s"] for r in rows if r["workload"] == workload and r["impl"] == impl and r["ranks"] == ranks]
    return statistics.median(xs) if xs else None
print()
mpi_s, ours_s = med("allreduce-10m", "mpi", 2), med("allreduce-10m", "equinox-rs", 2)
if mpi_s and ours_s:
    print(f"all-reduce 10M f32, 2 ranks: MPI_Allreduce {mpi_s*1e3:.2f} ms, lax.psum {ours_s*1e3:.2f} ms: ours at {mpi_s/ours_s:.0%} of MPI's speed")
    group_s = med("allreduce-10m", "equinox-rs-group", 2)
    print(f"  the process group's all_reduce alone: {group_s*1e3:.2f} ms")
for model, title, batch in (("mlp", "MLP 784-512-512-10", 256), ("mlp", "MLP 784-512-512-10", 1024), ("cnn", "CNN conv32-conv64", 256)):
    one, two = med(f"{model}-train-b{batch}", "equinox-rs", 1), med(f"{model}-train-b{batch}", "equinox-rs", 2)
    if one and two:
        print(f"{title} SGD, global batch {batch}: 1 rank {one*1e3:.2f} ms/step, 2 ranks {two*1e3:.2f} ms/step: {one/two:.2f}x the throughput")
    for ranks in (1, 2):
        local = med(f"{model}-step-no-exchange-b{batch}", "equinox-rs", ranks)
        pmean = med(f"{model}-grad-pmean-b{batch}", "equinox-rs", ranks)
        if local and pmean:
            print(f"  {ranks} rank(s): the step without the exchange {local*1e3:.2f} ms, tree_pmean of the gradients {pmean*1e3:.2f} ms")
PY
