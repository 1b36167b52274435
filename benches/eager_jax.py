"""JAX and numpy counterparts of benches/eager.rs: eager dispatch of one add.

usage: .venv/bin/python benches/eager_jax.py THREADS
Run it under `taskset` to limit XLA to THREADS cores (benches/run_eager.sh does). Each workload
blocks on its result; times are per call, from batches, as in the Rust bench. Prints JSON lines.
"""
import json
import sys

import numpy as np
import jax
import jax.numpy as jnp
from timing_jax import time_it

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1


def emit(impl, op, res):
    mn, med, reps = res
    print(json.dumps({"kind": "eager", "impl": impl, "op": op, "threads": threads,
                      "min_s": mn, "median_s": med, "reps": reps}), flush=True)


a4 = jnp.arange(4, dtype=jnp.float32)
b4 = jnp.ones(4, jnp.float32)
rng = np.random.default_rng(0)
na1k = rng.standard_normal((1000, 1000), dtype=np.float32)
nb1k = rng.standard_normal((1000, 1000), dtype=np.float32)
a1k, b1k = jnp.asarray(na1k), jnp.asarray(nb1k)
jadd = jax.jit(jnp.add)

emit("jax", "add (4,)", time_it(lambda: jnp.add(a4, b4).block_until_ready(), 100))
emit("jax", "a + b (4,)", time_it(lambda: (a4 + b4).block_until_ready(), 100))
emit("jax", "jit(add) (4,)", time_it(lambda: jadd(a4, b4).block_until_ready(), 100))
emit("jax", "a * 2.0 (4,) weak scalar", time_it(lambda: (a4 * 2.0).block_until_ready(), 100))
emit("jax", "add (1000,1000)", time_it(lambda: jnp.add(a1k, b1k).block_until_ready(), 1))
emit("jax", "jit(add) (1000,1000)", time_it(lambda: jadd(a1k, b1k).block_until_ready(), 1))
na4, nb4 = np.asarray(a4), np.asarray(b4)
emit("numpy", "add (4,)", time_it(lambda: np.add(na4, nb4), 1000))
emit("numpy", "add (1000,1000)", time_it(lambda: np.add(na1k, nb1k), 1))
