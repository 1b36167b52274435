#!/usr/bin/env bash
# Training-step benchmark: equinox-rs (benches/train.rs) and JAX + Equinox + optax
# (benches/train_jax.py) back to back on the same workloads, then a table of first-call and
# median step times and ratios (JAX / equinox-rs; > 1 means we are faster). Both use the whole
# machine (all cores).
#
# usage: benches/run_train.sh   (from anywhere; PYTHON overrides the interpreter, default
#                                python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -q -p equinox --bench train 2>/dev/null | tee -a "$out"
"$PYTHON" benches/train_jax.py 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["workload"]): r for r in rows}
names = []
for r in rows:
    if r["workload"] not in names:
        names.append(r["workload"])
def us(s):
    return f"{s * 1e6:10.1f}"
print()
print(f"{'workload':10} | {'first call ms ours / jax':>26} | {'step µs median ours (min)':>27} | {'step µs median jax (min)':>26} | jax/ours")
print("-" * 110)
for n in names:
    o, j = by.get(("equinox-rs", n)), by.get(("jax+equinox", n))
    if not (o and j):
        continue
    first = f"{o['first_call_s'] * 1e3:9.2f} / {j['first_call_s'] * 1e3:9.2f}"
    mo = f"{us(o['median_s'])} ({o['min_s'] * 1e6:.1f})"
    mj = f"{us(j['median_s'])} ({j['min_s'] * 1e6:.1f})"
    print(f"{n:10} | {first:>26} | {mo:>27} | {mj:>26} | {j['median_s'] / o['median_s']:.2f}x")
PY
