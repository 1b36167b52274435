"""Goldens for gradients through Equinox's MLP (issue 6): loss values and parameter gradients
from real Equinox 0.13.8 / JAX 0.10.2, float32, for MLPs built from fixed keys.

Run: /work/venv/bin/python parity/nn_grads.py  (writes parity/goldens/nn_grads.json)
Mirrored in crates/equinox/tests/suite/nn_grads.rs.
"""

import json
import os

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from golden_encoding import enc

CASES = [
    # name, in, out, width, depth, activation, final_activation, seed, batch
    ("relu_3_2_w8_d2", 3, 2, 8, 2, "relu", "identity", 0, 4),
    ("tanh_5_3_w6_d1", 5, 3, 6, 1, "tanh", "sigmoid", 1, 3),
    ("relu_4_1_w16_d3", 4, 1, 16, 3, "relu", "identity", 2, 5),
]
ACT = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "identity": lambda x: x}


def main():
    out = {}
    for name, i, o, w, d, act, fin, seed, batch in CASES:
        mlp = eqx.nn.MLP(i, o, w, d, activation=ACT[act], final_activation=ACT[fin],
                         key=jax.random.PRNGKey(seed))
        x = jnp.asarray(np.random.default_rng(seed).uniform(-1, 1, size=(batch, i)).astype(np.float32))

        def loss(m):
            y = jax.vmap(m)(x)
            return jnp.mean(jnp.sum(y * y, axis=-1))

        value, grads = eqx.filter_value_and_grad(loss)(mlp)
        leaves = jax.tree_util.tree_leaves(eqx.filter(grads, eqx.is_array))
        out[name] = {
            "in": i, "out": o, "width": w, "depth": d, "activation": act,
            "final_activation": fin, "seed": seed, "x": enc(x), "loss": enc(value),
            "grads": [enc(g) for g in leaves],
        }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "goldens", "nn_grads.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
