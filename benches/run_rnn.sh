#!/usr/bin/env bash
# Recurrent benchmark: equinox-rs (benches/rnn.rs) and JAX + Equinox (benches/rnn_jax.py) back to
# back on the same workloads (a GRUCell(64, 128) scanned over 256 steps, forward + backward,
# batch 32 and batch 1), then a table of first-call and median step times and ratios
# (JAX / equinox-rs; > 1 means we are faster) and the loss on each side (the same computation,
# so they should agree to float32 rounding). Both use the whole machine (all cores).
#
# usage: benches/run_rnn.sh   (from anywhere; PYTHON overrides the interpreter, default
#                              python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -q -p equinox --bench rnn 2>/dev/null | tee -a "$out"
"$PYTHON" benches/rnn_jax.py 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["workload"]): r for r in rows}
names = []
for r in rows:
    if r["workload"] not in names:
        names.append(r["workload"])
print()
print(f"{'workload':12} | {'first call ms ours / jax':>26} | {'step ms median ours (min)':>27} | {'step ms median jax (min)':>26} | jax/ours | {'loss ours / jax':>27}")
print("-" * 141)
for n in names:
    o, j = by.get(("equinox-rs", n)), by.get(("jax+equinox", n))
    if not (o and j):
        continue
    first = f"{o['first_call_s'] * 1e3:9.2f} / {j['first_call_s'] * 1e3:9.2f}"
    mo = f"{o['median_s'] * 1e3:9.2f} ({o['min_s'] * 1e3:.2f})"
    mj = f"{j['median_s'] * 1e3:9.2f} ({j['min_s'] * 1e3:.2f})"
    loss = f"{o['final_loss']:.7g} / {j['final_loss']:.7g}"
    print(f"{n:12} | {first:>26} | {mo:>27} | {mj:>26} | {j['median_s'] / o['median_s']:7.2f}x | {loss:>27}")
PY
