#!/usr/bin/env bash
# Runs the f32 matmul benchmarks of equinox (gemm), numpy (OpenBLAS) and JAX (XLA) back to back
# and prints a table of GFLOP/s and equinox/numpy, equinox/jax ratios (medians).
# 1 thread runs every process under `taskset -c 0`; 2 threads uses the whole machine.
# Usage: PYTHON=.venv/bin/python benches/run_matmul.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=$(mktemp)
cargo bench -p equinox --bench matmul --no-run >/dev/null 2>&1
for t in 1 2; do
  if [ "$t" = 1 ]; then PIN="taskset -c 0"; else PIN=""; fi
  $PIN cargo bench -q -p equinox --bench matmul -- --threads "$t" 2>/dev/null | grep '^{' >>"$OUT"
  # OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE slow a current numpy; unset them for this command only.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$t" \
    $PIN "$PY" benches/matmul_numpy.py --threads "$t" >>"$OUT"
  $PIN "$PY" benches/matmul_jax.py --threads "$t" 2>/dev/null | grep '^{' >>"$OUT"
done
"$PY" - "$OUT" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
get = {(r["impl"], r["n"], r["threads"]): r for r in rows}
print("| threads | n | equinox best/median | numpy best/median | jax best/median | eqx/numpy (median) | eqx/jax (median) |")
print("|---|---|---|---|---|---|---|")
for t in (1, 2):
    for n in (256, 512, 1024, 2048):
        e, np_, jx = (get.get((i, n, t)) for i in ("equinox", "numpy", "jax"))
        if not (e and np_ and jx):
            continue
        f = lambda r: f'{r["gflops_best"]} / {r["gflops_median"]}'
        print(f'| {t} | {n} | {f(e)} | {f(np_)} | {f(jx)} | '
              f'{e["gflops_median"] / np_["gflops_median"]:.2f} | {e["gflops_median"] / jx["gflops_median"]:.2f} |')
arch = next((r.get("openblas") for r in rows if r["impl"] == "numpy"), None)
print(f"\nOpenBLAS kernel: {arch}")
PYEOF
rm -f "$OUT"
