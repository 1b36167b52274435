"""Goldens for the Equinox pretty-printer (`eqx.tree_pformat`) on trees mirrored in
`crates/equinox/tests/suite/module.rs`. Run: .venv/bin/python parity/tree_pformat.py

Only values that print the same in Python and Rust are used (arrays, ints, floats, None,
lists, tuples, dicts with int keys, modules): Rust prints bools and strings in Rust syntax.
"""

import json
import os

import equinox as eqx
import jax
import jax.numpy as jnp


class Linear(eqx.Module):
    weight: jax.Array
    bias: jax.Array | None
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)


class Mlp(eqx.Module):
    layers: list
    depth: int


class Block(eqx.Module):
    norm: tuple
    cache: dict
    extra: None
    scale: float


class Empty(eqx.Module):
    pass


def linear(i, o, bias=True, dtype=jnp.float32):
    return Linear(
        jnp.zeros((o, i), dtype), jnp.zeros((o,), dtype) if bias else None, i, o
    )


trees = {
    "linear": linear(3, 4),
    "linear_nobias": linear(3, 4, bias=False),
    "mlp": Mlp([linear(2, 8), linear(8, 8), linear(8, 3)], 2),
    "block": Block(
        (jnp.ones(16), jnp.zeros(16, jnp.bfloat16)),
        {0: jnp.zeros((2, 16), jnp.int32), 1: jnp.zeros((2, 16), jnp.uint8)},
        None,
        0.5,
    ),
    "empty": Empty(),
    "weak": (jnp.array(2.0), jnp.ones(()), (jnp.zeros((0, 3)), (jnp.ones(2),))),
    "list_of_ints": [list(range(12)), list(range(30))],
}

cases = []
for name, tree in trees.items():
    for width in (80, 40, 20, 120):
        cases.append(
            {"name": name, "width": width, "text": eqx.tree_pformat(tree, width=width)}
        )

out = os.path.join(os.path.dirname(__file__), "goldens", "tree_pformat.json")
with open(out, "w") as f:
    json.dump(
        {"jax": jax.__version__, "equinox": eqx.__version__, "cases": cases}, f, indent=1
    )
print(f"wrote {len(cases)} cases to {out}")
