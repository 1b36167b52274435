#!/usr/bin/env bash
# Runs the FFT benchmarks of equinox (rustfft/realfft) and JAX (XLA's DUCC FFT) back to back
# and prints a table of median milliseconds and JAX/equinox time ratios (> 1: equinox is
# faster).
# Usage: PYTHON=.venv/bin/python benches/run_fft.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=$(mktemp)
cargo bench -p equinox --bench fft --no-run >/dev/null 2>&1
cargo bench -q -p equinox --bench fft 2>/dev/null | grep '^{' >>"$OUT"
"$PY" benches/fft_jax.py 2>/dev/null | grep '^{' >>"$OUT"
"$PY" - "$OUT" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
get = {(r["impl"], r["op"], r["shape"], r["dtype"]): r for r in rows}
keys = sorted({(r["op"], r["shape"], r["dtype"]) for r in rows})
print("| op | shape | dtype | equinox median ms | jax median ms | jax/equinox |")
print("|---|---|---|---|---|---|")
for op, shape, dt in keys:
    e, j = get.get(("equinox", op, shape, dt)), get.get(("jax", op, shape, dt))
    if e and j:
        print(f'| {op} | {shape} | {dt} | {e["median_ms"]} | {j["median_ms"]} | '
              f'{j["median_ms"] / e["median_ms"]:.2f}x |')
PYEOF
rm -f "$OUT"
