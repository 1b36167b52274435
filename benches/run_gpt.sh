#!/usr/bin/env bash
# Transformer benchmark: equinox-rs (benches/gpt.rs) and JAX + Equinox + optax
# (benches/gpt_jax.py) back to back on the same workloads (a 2-block character-level GPT's
# AdamW training step at batch 16 x 64 tokens, and its per-token decoding at batch 1 with a KV
# cache), then a table of first-call and median step times and ratios (JAX / equinox-rs; > 1
# means we are faster) and the first call's loss on each side (for decoding, the sum of the
# first logits; a non-finite final one is flagged). Both use the whole machine (all cores).
#
# usage: benches/run_gpt.sh   (from anywhere; PYTHON overrides the interpreter, default
#                              python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -q -p equinox --bench gpt 2>/dev/null | tee -a "$out"
"$PYTHON" benches/gpt_jax.py 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {(r["impl"], r["workload"]): r for r in rows}
names = []
for r in rows:
    if r["workload"] not in names:
        names.append(r["workload"])
def ms(s):
    return f"{s * 1e3:9.2f}"
print()
print(f"{'workload':12} | {'first call ms ours / jax':>26} | {'step ms median ours (min)':>27} | {'step ms median jax (min)':>26} | jax/ours | {'first-step loss ours / jax':>27}")
print("-" * 141)
for n in names:
    o, j = by.get(("equinox-rs", n)), by.get(("jax+equinox", n))
    if not (o and j):
        continue
    first = f"{o['first_call_s'] * 1e3:9.2f} / {j['first_call_s'] * 1e3:9.2f}"
    mo = f"{ms(o['median_s'])} ({o['min_s'] * 1e3:.2f})"
    mj = f"{ms(j['median_s'])} ({j['min_s'] * 1e3:.2f})"
    loss = f"{o['first_loss']:.7g} / {j['first_loss']:.7g}"
    print(f"{n:12} | {first:>26} | {mo:>27} | {mj:>26} | {j['median_s'] / o['median_s']:7.2f}x | {loss:>27}")
for r in rows:
    if not math.isfinite(r["final_loss"]):
        print(f"NON-FINITE final loss: {r['impl']} {r['workload']}: {r['final_loss']}")
PY
