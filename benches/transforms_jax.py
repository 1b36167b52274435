"""JAX counterparts of benches/transforms.rs: (a) jit call overhead of x*2+1 on f32[4],
(b) trace+compile time of a 784-512-512-10 MLP SGD step (first call of a fresh jit minus the
steady-state step time), (c) eager grad of sum(tanh(w*x+b)) on f32[8] and of the binary-only
(w*x+b)^2 on scalars, (d) steady-state MLP step time at batch 128.

usage: /work/venv/bin/python benches/transforms_jax.py   (benches/run_transforms.sh runs it)
Prints JSON lines like the Rust bench.
"""
import json
import time

import numpy as np
import jax
import jax.numpy as jnp
from timing_jax import time_it


def emit(op, res):
    mn, med, reps = res
    print(json.dumps({"kind": "transforms", "impl": "jax", "op": op,
                      "min_s": mn, "median_s": med, "reps": reps}), flush=True)


# (a)
f = jax.jit(lambda x: x * 2.0 + 1.0)
x4 = jnp.arange(4, dtype=jnp.float32)
emit("(a) jit call x*2+1 f32[4]", time_it(lambda: f(x4).block_until_ready(), 1000))

# (c)
rng = np.random.default_rng(0)
w8, x8, b8 = (jnp.asarray(rng.uniform(-1, 1, 8).astype(np.float32)) for _ in range(3))
g = jax.grad(lambda w: jnp.sum(jnp.tanh(w * x8 + b8)))
emit("(c) eager grad sum(tanh(w*x+b)) f32[8]", time_it(lambda: g(w8).block_until_ready(), 20))
w0, x0, b0 = jnp.float32(0.3), jnp.float32(1.5), jnp.float32(-0.2)
g0 = jax.grad(lambda w: (w * x0 + b0) * (w * x0 + b0))
emit("(c') eager grad (w*x+b)^2 f32[] (binary ops only)",
     time_it(lambda: g0(w0).block_until_ready(), 20))

# (d) and (b)
sizes = [784, 512, 512, 10]
params = []
for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
    params.append(jnp.asarray(rng.uniform(-1, 1, (m, n)).astype(np.float32) / np.sqrt(m)))
    params.append(jnp.zeros(n, jnp.float32))
params = tuple(params)


def loss(p, x, y):
    h = x
    for l in range(3):
        h = h @ p[2 * l] + p[2 * l + 1]
        if l < 2:
            h = jax.nn.relu(h)
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(h, -1), -1))


def sgd_step(p, x, y):
    l, g = jax.value_and_grad(loss)(p, x, y)
    return l, tuple(w - 0.01 * gw for w, gw in zip(p, g))


x = jnp.asarray(rng.uniform(-1, 1, (128, 784)).astype(np.float32))
y = jax.nn.one_hot(jnp.arange(128) * 7 % 10, 10)
step = jax.jit(sgd_step)
res = time_it(lambda: jax.block_until_ready(step(params, x, y)), 3)
emit("(d) MLP step steady state, batch 128", res)
steady = res[1]
firsts = []
for _ in range(7):
    jax.clear_caches()  # otherwise a fresh jit of the same function reuses the trace
    fresh = jax.jit(sgd_step)
    t0 = time.perf_counter()
    jax.block_until_ready(fresh(params, x, y))
    firsts.append(time.perf_counter() - t0)
firsts.sort()
emit("(b) MLP step trace+compile", (max(firsts[0] - steady, 0), max(firsts[3] - steady, 0), 7))
