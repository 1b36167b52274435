"""Goldens for the filtered transformations (`crates/equinox/tests/suite/filter_ad.rs`,
`filter_vmap.rs`): gradients, Jacobians and pullbacks of small `eqx.nn` models, and an
ensemble of MLPs built by `filter_vmap` over keys, all from real Equinox.

The models are built from fixed keys (Rust's `nn` layers reproduce Equinox's initialisation bit
for bit); the data inputs are stored, so the Rust tests do not depend on `jax.random.normal`'s
last-ulp agreement. Leaves are listed in `jax.tree_util.tree_leaves` order, which is Rust's
`tree::leaves` order for the mirrored structs. Run: /work/venv/bin/python parity/filtered_transforms.py
"""

import json
import os
import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import jax.tree_util as jtu

sys.path.insert(0, os.path.dirname(__file__))
from golden_encoding import enc  # noqa: E402


def leaves(tree):
    """The array leaves (an MLP's activation functions are leaves to JAX; Rust keeps them as
    static fields)."""
    return [enc(l) for l in jtu.tree_leaves(tree) if eqx.is_array(l)]


class NeuralNetwork(eqx.Module):
    """test_ad.py::test_pytree_jacfwd's model."""

    layers: list
    extra_bias: jax.Array

    def __init__(self, key):
        key1, key2, key3 = jr.split(key, 3)
        self.layers = [
            eqx.nn.Linear(2, 8, key=key1),
            eqx.nn.Linear(8, 8, key=key2),
            eqx.nn.Linear(8, 2, key=key3),
        ]
        self.extra_bias = jnp.ones(2)

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = jax.nn.relu(layer(x))
        return self.layers[-1](x) + self.extra_bias


def pytree_jacfwd():
    def loss(model, x, y):
        pred_y = jax.vmap(model)(x)
        return jnp.mean((y - pred_y) ** 2)

    x_key, y_key, model_key = jr.split(jr.PRNGKey(0), 3)
    x = jr.normal(x_key, (3, 2))
    y = jr.normal(y_key, (3, 2))
    model = NeuralNetwork(model_key)
    value, grads = eqx.filter_value_and_grad(loss)(model, x, y)
    return {
        "x": enc(x),
        "y": enc(y),
        "params": leaves(model),
        "loss": enc(value),
        "grads": leaves(grads),
    }


def ensemble():
    keys = jr.split(jr.PRNGKey(1), 7)
    models = eqx.filter_vmap(lambda k: eqx.nn.MLP(5, 4, 3, 2, key=k))(keys)
    xs = jr.normal(jr.PRNGKey(2), (7, 5))
    out = eqx.filter_vmap(lambda m, x: m(x))(models, xs)
    x_shared = jnp.arange(5.0) / 5
    out_shared = eqx.filter_vmap(lambda m, x: m(x), in_axes=(eqx.if_array(0), None))(
        models, x_shared
    )
    return {
        "params": leaves(models),
        "xs": enc(xs),
        "out": enc(out),
        "out_shared": enc(out_shared),
    }


def filter_vjp():
    mlp = eqx.nn.MLP(2, 3, 2, 2, key=jr.PRNGKey(3))

    def f(_mlp, _x, _y):
        return _mlp(jnp.array([1.0, 2.0])) + _x + _y

    out, vjp_fn = eqx.filter_vjp(f, mlp, jnp.array(1), 1.0)
    ct_mlp, ct_x, ct_y = vjp_fn(jnp.array([1.0, 2.0, 3.0]))
    assert ct_x is None and ct_y is None
    return {"out": enc(out), "ct_mlp": leaves(ct_mlp)}


def main():
    golden = {
        "pytree_jacfwd": pytree_jacfwd(),
        "ensemble": ensemble(),
        "filter_vjp": filter_vjp(),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "filtered_transforms.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
