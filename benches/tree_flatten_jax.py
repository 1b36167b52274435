"""The structure of benches/tree_flatten.rs in JAX + Equinox: a list of 500 Linear-like
Modules (weight, bias, two static ints) plus a static activation, 1,000 leaves.

Measures jax.tree_util.tree_flatten, tree_unflatten, flatten + unflatten, and Equinox module
construction (calling the class, as user code and every `eqx.nn` layer does). Prints one JSON
object; times in ns per leaf (median of repeats), as thread CPU time and wall-clock time.

Run: .venv/bin/python benches/tree_flatten_jax.py
"""

import json
import statistics
import time
import timeit

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu

LAYERS = 500


class Linear(eqx.Module):
    weight: jax.Array
    bias: jax.Array
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)


class Mlp(eqx.Module):
    layers: list
    activation: object = eqx.field(static=True)


w, b = jnp.zeros((4, 4)), jnp.zeros(4)
model = Mlp([Linear(w, b, 4 + i % 3, 4) for i in range(LAYERS)], jax.nn.relu)
leaves, treedef = jtu.tree_flatten(model)
n = len(leaves)
assert n == 2 * LAYERS


def per_leaf(fn, number=20, repeat=15):
    """Median ns per leaf: thread CPU time (robust on a shared machine) and wall-clock."""
    out = {}
    for name, timer in (("cpu", time.thread_time), ("wall", time.perf_counter)):
        times = timeit.repeat(fn, number=number, repeat=repeat, timer=timer)
        out[name] = round(statistics.median(times) / number / n * 1e9, 2)
    return out


def build():
    return Mlp([Linear(w, b, 4 + i % 3, 4) for i in range(LAYERS)], jax.nn.relu)


result = {
    "bench": "tree_flatten_jax",
    "leaves": n,
    "unit": "ns_per_leaf",
    "jax": jax.__version__,
    "equinox": eqx.__version__,
    "flatten": per_leaf(lambda: jtu.tree_flatten(model)),
    "unflatten": per_leaf(lambda: jtu.tree_unflatten(treedef, leaves)),
    "flatten_unflatten": per_leaf(
        lambda: jtu.tree_unflatten(*reversed(jtu.tree_flatten(model)))
    ),
    "tree_map_identity": per_leaf(lambda: jtu.tree_map(lambda x: x, model)),
    "module_construction": per_leaf(build, number=5),
}
result["module_construction_us_per_module"] = {
    k: round(v * n / (LAYERS + 1) / 1e3, 2)
    for k, v in result["module_construction"].items()
}
print(json.dumps(result))
