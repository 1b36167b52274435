#!/usr/bin/env bash
# Runs the dense linear-algebra benchmarks of equinox (faer) and JAX (LAPACK through XLA) back
# to back and prints a table of median milliseconds and JAX/equinox time ratios (> 1: equinox
# is faster).
# Usage: PYTHON=.venv/bin/python benches/run_linalg.sh [--ops cholesky,solve] [--sizes 256]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=$(mktemp)
cargo bench -p equinox --bench linalg --no-run >/dev/null 2>&1
cargo bench -q -p equinox --bench linalg -- "$@" 2>/dev/null | grep '^{' >>"$OUT"
"$PY" benches/linalg_jax.py "$@" 2>/dev/null | grep '^{' >>"$OUT"
"$PY" - "$OUT" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
get = {(r["impl"], r["op"], r["n"], r["dtype"]): r for r in rows}
keys = sorted({(r["op"], r["n"], r["dtype"]) for r in rows}, key=lambda k: (k[0], k[2], k[1]))
print("| op | n | dtype | equinox median ms | jax median ms | jax/equinox |")
print("|---|---|---|---|---|---|")
for op, n, dt in keys:
    e, j = get.get(("equinox", op, n, dt)), get.get(("jax", op, n, dt))
    if e and j:
        shape = f"64x({n}x{n})" if op == "batched_solve" else str(n)
        print(f'| {op} | {shape} | {dt} | {e["median_ms"]} | {j["median_ms"]} | '
              f'{j["median_ms"] / e["median_ms"]:.2f}x |')
PYEOF
rm -f "$OUT"
