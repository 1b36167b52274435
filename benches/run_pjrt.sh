#!/usr/bin/env bash
# The PJRT backend's benchmark: benches/pjrt.rs (our executor and our PJRT backend) and
# benches/pjrt_jax.py (JAX on its own CPU backend and on the same PJRT plugin) back to back on
# the MLP and CNN training steps, then a table of first-call and median step times, with the
# ratio that matters for the backend: JAX on the plugin over us on the plugin (same compiler;
# > 1 means we are faster).
#
# usage: benches/run_pjrt.sh [workload...]   (PYTHON overrides the interpreter, default
#        python3; EQX_PJRT_PLUGIN the plugin, default XLA's CPU plugin from .ci/xla-cpu-plugin)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
export EQX_PJRT_PLUGIN="${EQX_PJRT_PLUGIN:-$(.ci/xla-cpu-plugin)}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Each implementation in a process of its own: idle worker threads of one would take cores
# from the other.
cargo bench -q -p equinox --bench pjrt -- cpu "$@" 2>/dev/null | tee -a "$out"
cargo bench -q -p equinox --bench pjrt -- pjrt "$@" 2>/dev/null | tee -a "$out"
"$PYTHON" benches/pjrt_jax.py "$@" 2>/dev/null | tee -a "$out"
"$PYTHON" benches/pjrt_jax.py --plugin "$EQX_PJRT_PLUGIN" "$@" 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["workload"]): r for r in rows}
names = list(dict.fromkeys(r["workload"] for r in rows))
impls = ["equinox-rs", "equinox-rs-pjrt", "jax", "jax-pjrt"]
print()
print(f"{'workload':8} | " + " | ".join(f"{i:>22}" for i in impls) + " | jax-pjrt / ours-pjrt")
print(f"{'':8} | " + " | ".join(f"{'first ms, step µs':>22}" for _ in impls) + " |")
print("-" * 125)
for n in names:
    cells = []
    for i in impls:
        r = by.get((i, n))
        cells.append(f"{r['first_call_s'] * 1e3:9.1f}, {r['median_s'] * 1e6:9.1f}" if r else f"{'-':>22}")
    o, j = by.get(("equinox-rs-pjrt", n)), by.get(("jax-pjrt", n))
    ratio = f"{j['median_s'] / o['median_s']:.2f}x" if o and j else "-"
    print(f"{n:8} | " + " | ".join(f"{c:>22}" for c in cells) + f" | {ratio}")
PY
