#!/usr/bin/env bash
# Elementwise-math benchmark: equinox-rs (benches/elementwise.rs) and JAX
# (benches/elementwise_jax.py) back to back on a (1000, 1000) f32 array, eager against eager and
# jit against jit, then a table of medians and ratios (JAX / equinox-rs; > 1 means we are
# faster). Both use the whole machine.
#
# usage: benches/run_elementwise.sh   (PYTHON overrides the interpreter, default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -q -p equinox --bench elementwise 2>/dev/null | tee -a "$out"
"$PYTHON" benches/elementwise_jax.py 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["mode"], r["op"]): r for r in rows}
ops = []
for r in rows:
    if r["op"] not in ops:
        ops.append(r["op"])
print()
print(f"{'workload':18} {'mode':5} | {'ours ms median (min)':>22} | {'jax ms median (min)':>22} | jax/ours")
print("-" * 84)
for op in ops:
    for mode in ("eager", "jit"):
        o, j = by.get(("equinox-rs", mode, op)), by.get(("jax", mode, op))
        if not (o and j):
            continue
        f = lambda r: f"{r['median_s'] * 1e3:8.3f} ({r['min_s'] * 1e3:.3f})"
        print(f"{op:18} {mode:5} | {f(o):>22} | {f(j):>22} | {j['median_s'] / o['median_s']:.2f}x")
PY
