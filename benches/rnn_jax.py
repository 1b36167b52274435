"""JAX + Equinox counterparts of benches/rnn.rs: a GRU scanned over a sequence, forward and
backward, float32, random data.

usage: .venv/bin/python benches/rnn_jax.py [--min-time S]
(benches/run_rnn.sh runs it after the Rust bench and prints ratios.)

Workloads, as in the Rust bench:
  gru-scan     eqx.nn.GRUCell(64, 128) scanned with jax.lax.scan over 256 steps from a zero
               state, jax.vmap'd over a batch of 32 sequences; the step is the eqx.filter_jit'd
               eqx.filter_value_and_grad of mean(final_state**2) with respect to the cell
  gru-scan-b1  the same on a single sequence (no vmap)
first_call_s is the wall time of the first call (trace + lower + XLA compile + one run), after the
backend has been started by a trivial jit. Step times block on the step's outputs every step
(latency); min and median per step. final_loss does not change between calls (the cell is not
updated), so it is comparable with the Rust bench's. Prints one JSON line per workload.
"""
import argparse
import json
import time

import equinox as eqx
import jax
import jax.numpy as jnp
from timing_jax import time_it

p = argparse.ArgumentParser()
p.add_argument("--min-time", type=float, default=2.0)
args = p.parse_args()

perf = time.perf_counter

jax.jit(lambda x: x + 1)(jnp.ones(3)).block_until_ready()  # backend start-up, not timed

INPUT_SIZE, HIDDEN_SIZE, STEPS, BATCH = 64, 128, 256, 32


def run(cell, xs):
    final, _ = jax.lax.scan(lambda h, x: (cell(x, h), None), jnp.zeros(cell.hidden_size), xs)
    return final


def loss(cell, xs):
    h = jax.vmap(run, in_axes=(None, 0))(cell, xs) if xs.ndim == 3 else run(cell, xs)
    return jnp.mean(h ** 2)


def bench(name, cell, xs):
    step = eqx.filter_jit(eqx.filter_value_and_grad(loss))
    t0 = perf()
    out = jax.block_until_ready(step(cell, xs))
    first = perf() - t0
    cur = [out[0]]

    def one_step():
        l, _ = jax.block_until_ready(step(cell, xs))
        cur[0] = l

    mn, med, reps = time_it(one_step, 1, args.min_time)
    print(json.dumps({"kind": "train", "impl": "jax+equinox", "workload": name,
                      "first_call_s": first, "min_s": mn, "median_s": med, "reps": reps,
                      "final_loss": float(cur[0])}), flush=True)


model_key, data_key = jax.random.split(jax.random.PRNGKey(0))
cell = eqx.nn.GRUCell(INPUT_SIZE, HIDDEN_SIZE, key=model_key)
xs = jax.random.normal(data_key, (BATCH, STEPS, INPUT_SIZE), jnp.float32)
bench("gru-scan", cell, xs)
bench("gru-scan-b1", cell, xs[0])
