#!/usr/bin/env bash
# Convolutional training benchmark: equinox-rs (benches/cnn.rs) and JAX + Equinox + optax
# (benches/cnn_jax.py) back to back on the same workloads (the Equinox MNIST tutorial's CNN with
# AdamW, and a ResNet basic block's forward + backward with BatchNorm state), then a table of
# first-call and median step times and ratios (JAX / equinox-rs; > 1 means we are faster), the
# first step's loss on each side (final losses depend on how many steps each timing loop ran;
# a non-finite one is flagged), and for the ResNet block the convolutions' GFLOP/s (forward
# flops × 3 over the median step). Both use the whole machine (all cores).
#
# usage: benches/run_cnn.sh   (from anywhere; PYTHON overrides the interpreter, default
#                              python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -q -p equinox --bench cnn 2>/dev/null | tee -a "$out"
"$PYTHON" benches/cnn_jax.py 2>/dev/null | tee -a "$out"
"$PYTHON" - "$out" <<'PY'
import json, math, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
rows = [r for r in lines if r["kind"] == "train"]
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
for n in names:
    o, j = by.get(("equinox-rs", n)), by.get(("jax+equinox", n))
    if o and j and "conv_gflops" in o and "conv_gflops" in j:
        print(f"{n}: conv GFLOP/s (2 convs fwd x3, median step): ours {o['conv_gflops']:.1f}, jax {j['conv_gflops']:.1f}")
for k in (r for r in lines if r["kind"] == "kernels"):
    g = k["gemm_gflops"]
    parts = ", ".join(f"{name} {k[name + '_gflops']:.1f} ({k[name + '_gflops'] / g:.0%})" for name in ("forward", "input_grad", "weight_grad"))
    print(f"{k['workload']} ({k['impl']}), GFLOP/s and share of a same-size matmul's {g:.1f}: {parts}")
PY
