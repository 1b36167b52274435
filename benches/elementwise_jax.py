"""JAX counterpart of benches/elementwise.rs: elementwise math on (1000, 1000) f32 arrays,
eager (op by op, as `jax.numpy` dispatches it) and under `jax.jit`.

usage: .venv/bin/python benches/elementwise_jax.py   (prints JSON lines)
"""
import json

import jax
import jax.numpy as jnp
from timing_jax import time_it


def emit(mode, op, res):
    mn, med, reps = res
    print(json.dumps({"kind": "elementwise", "impl": "jax", "mode": mode, "op": op,
                      "min_s": mn, "median_s": med, "reps": reps}), flush=True)


x = jax.random.uniform(jax.random.PRNGKey(0), (1000, 1000), jnp.float32, -4.0, 4.0)
# pow and rsqrt take positive operands (negative ones give NaN), drawn in [0, 4) from key 1.
positive = jax.random.uniform(jax.random.PRNGKey(1), (1000, 1000), jnp.float32, 0.0, 4.0)
OPS = {
    "exp": jnp.exp,
    "tanh": jnp.tanh,
    "log1p(abs)": lambda x: jnp.log1p(jnp.abs(x)),
    "gelu": jax.nn.gelu,
    "softmax(axis=-1)": lambda x: jax.nn.softmax(x, axis=-1),
    "sin": jnp.sin,
    "cos": jnp.cos,
}
POSITIVE_OPS = {
    "pow(x, 2.5)": lambda x: jnp.power(x, 2.5),
    "rsqrt": jax.lax.rsqrt,
}
for ops, arg in ((OPS, x), (POSITIVE_OPS, positive)):
    for name, f in ops.items():
        emit("eager", name, time_it(lambda: f(arg).block_until_ready()))
        jitted = jax.jit(f)
        emit("jit", name, time_it(lambda: jitted(arg).block_until_ready()))
