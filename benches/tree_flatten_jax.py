"""The structure of benches/tree_flatten.rs in JAX + Equinox: a list of 500 Linear-like
Modules (weight, bias, two static ints) plus a static activation, 1,000 leaves.

Measures jax.tree_util.tree_flatten, tree_unflatten, flatten + unflatten, and Equinox module
construction (calling the class, as user code and every `eqx.nn` layer does). Prints one JSON
object; times in ns per leaf (median of repeats).

Run: /work/venv/bin/python benches/tree_flatten_jax.py
"""

import json
import statistics
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
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number / n * 1e9


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
result["module_construction_us_per_module"] = (
    result["module_construction"] * n / (LAYERS + 1) / 1e3
)
print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}))
