#!/usr/bin/env bash
# Transformation benchmarks: equinox-rs (benches/transforms.rs) and JAX
# (benches/transforms_jax.py) back to back, then a table of median times and ratios
# (JAX / equinox-rs; > 1 means we are faster). Workloads the Rust side cannot run yet are
# listed with the reason.
#
# usage: PYTHON=.venv/bin/python benches/run_transforms.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
cargo bench -q -p equinox --bench transforms 2>/dev/null | tee -a "$out"
"$PYTHON" benches/transforms_jax.py 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["op"]): r for r in rows}
ops = []
for r in rows:
    if r["op"] not in ops:
        ops.append(r["op"])
def fmt(r):
    if r is None:
        return "-"
    if "skipped" in r:
        return "skipped"
    return f"{r['median_s'] * 1e6:12.1f} (min {r['min_s'] * 1e6:.1f})"
print()
print(f"{'workload':52} | {'equinox-rs µs median (min)':>30} | {'jax µs median (min)':>30} | jax/ours")
print("-" * 130)
for op in ops:
    ours, jx = by.get(("equinox-rs", op)), by.get(("jax", op))
    ok = ours and jx and "skipped" not in ours and ours["median_s"] > 0
    ratio = f"{jx['median_s'] / ours['median_s']:.1f}x" if ok else "-"
    print(f"{op:52} | {fmt(ours):>30} | {fmt(jx):>30} | {ratio}")
for r in rows:
    if "skipped" in r:
        print(f"skipped: {r['op']}: {r['skipped'][:200]}")
PY
rm -f "$out"
