#!/usr/bin/env bash
# Eager dispatch benchmark: equinox-rs (benches/eager.rs) and JAX/numpy (benches/eager_jax.py)
# back to back, then a table of median times and ratios (JAX / equinox-rs; > 1 means we are
# faster). JAX runs once pinned to 1 core and once to 2 cores; the Rust bench sizes its own
# rayon pools (1 and 2 threads).
#
# usage: benches/run_eager.sh   (from the repository root; PYTHON overrides the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
cargo bench -q -p equinox --bench eager 2>/dev/null | tee -a "$out"
taskset -c 0 "$PYTHON" benches/eager_jax.py 1 2>/dev/null | tee -a "$out"
taskset -c 0,1 "$PYTHON" benches/eager_jax.py 2 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["op"], r["threads"]): r for r in rows}
ops = []
for r in rows:
    if r["op"] not in ops:
        ops.append(r["op"])
def fmt(r):
    return "-" if r is None else f"{r['median_s'] * 1e6:9.3f} (min {r['min_s'] * 1e6:.3f})"
print()
print(f"{'workload':28} {'thr':>3} | {'equinox-rs µs median (min)':>28} | {'jax µs median (min)':>28} | {'numpy µs':>10} | jax/ours")
print("-" * 120)
for op in ops:
    for t in (1, 2):
        ours, jx, npy = by.get(("equinox-rs", op, t)), by.get(("jax", op, t)), by.get(("numpy", op, t))
        if not (ours or jx or npy):
            continue
        ratio = f"{jx['median_s'] / ours['median_s']:.1f}x" if ours and jx else "-"
        n = f"{npy['median_s'] * 1e6:10.3f}" if npy else f"{'-':>10}"
        print(f"{op:28} {t:>3} | {fmt(ours):>28} | {fmt(jx):>28} | {n} | {ratio}")
PY
rm -f "$out"
