"""Goldens for the first `eqx.nn` layers (Linear, Identity, Lambda, Sequential, MLP): initial
parameters (compared bit for bit), forward outputs on fixed inputs, and `eqx.tree_pformat`.
Checked by `crates/equinox/tests/suite/nn_layers.rs`. Run: .venv/bin/python parity/nn_layers.py

float64 layers need `jax_enable_x64` (without it Equinox silently makes float32), so they are
generated in a child process with x64 on and stored under "x64".

Printing: Rust prints static values in Rust syntax (`true`, `"scalar"`), `fn` pointers as
`<function>` and `Vec`s as `[...]`. So `pformat` is `eqx.tree_pformat` of the same layer with
the layer tuple swapped for a list (`eqx.tree_at`), activations wrapped in `RustFn` (which
prints as `<function>`, so line breaking sees the same widths as in Rust) and the
length-preserving tokens `True`/`False`/`'scalar'` respelled; `pformat_equinox` is Equinox's
own text (function addresses removed so the file is deterministic), for reference.
"""

import json
import re
import os
import subprocess
import sys

import numpy as np

X64 = "--x64" in sys.argv
if X64:
    import jax

    jax.config.update("jax_enable_x64", True)

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

sys.path.insert(0, os.path.dirname(__file__))
from golden_encoding import enc as enc_values  # noqa: E402


def enc(a):
    """`golden_encoding.enc` plus "bits": each element's bit pattern in its own dtype, as hex.
    Parameters are compared on these bits (a JSON float parser need not round exactly)."""
    a = np.asarray(a)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    out = enc_values(a)
    out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    return out

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "tanh": jax.nn.tanh,
    "sigmoid": jax.nn.sigmoid,
    "identity": lambda x: x,
}


class RustFn:
    """A function that prints as Rust prints a `fn` pointer field."""

    def __init__(self, f):
        self.f = f

    def __call__(self, x):
        return self.f(x)

    def __repr__(self):
        return "<function>"


def rust_spelling(text):
    text = re.sub(r"\bTrue\b", "true", text)
    text = re.sub(r"\bFalse\b", "false", text)
    return text.replace("'scalar'", '"scalar"')


def as_rust_layer_list(module):
    """The module with its `layers` tuple as a list, as the Rust layer holds a `Vec`."""
    if hasattr(module, "layers"):
        return eqx.tree_at(lambda m: m.layers, module, list(module.layers))
    return module


def pformats(module, rust_module):
    raw = re.sub(r" at 0x[0-9a-f]+", "", eqx.tree_pformat(module))
    return {
        "pformat_equinox": raw,
        "pformat": rust_spelling(eqx.tree_pformat(as_rust_layer_list(rust_module))),
    }


def size_json(s):
    return s if s == "scalar" else int(s)


def input_for(size, seed, dtype):
    shape = () if size == "scalar" else (size,)
    return jr.normal(jr.PRNGKey(1000 + seed), shape, dtype)


def linear_case(name, in_f, out_f, seed, use_bias=True, dtype=None):
    lin = eqx.nn.Linear(in_f, out_f, use_bias=use_bias, dtype=dtype, key=jr.PRNGKey(seed))
    x = input_for(in_f, seed, lin.weight.dtype)
    return {
        "name": name,
        "in_features": size_json(in_f),
        "out_features": size_json(out_f),
        "use_bias": use_bias,
        "dtype": str(lin.weight.dtype),
        "seed": seed,
        "weight": enc(lin.weight),
        "bias": None if lin.bias is None else enc(lin.bias),
        "x": enc(x),
        "y": enc(lin(x)),
        **pformats(lin, lin),
    }


def mlp_case(name, in_s, out_s, width, depth, seed, activation="relu",
             final_activation="identity", use_bias=True, use_final_bias=True, dtype=None):
    def make(wrap):
        return eqx.nn.MLP(
            in_s, out_s, width, depth,
            activation=wrap(ACTIVATIONS[activation]),
            final_activation=wrap(ACTIVATIONS[final_activation]),
            use_bias=use_bias, use_final_bias=use_final_bias, dtype=dtype,
            key=jr.PRNGKey(seed),
        )

    mlp = make(lambda f: f)
    dt = mlp.layers[0].weight.dtype
    xs = [input_for(in_s, seed + 17 * i, dt) for i in range(3)]
    return {
        "name": name,
        "in_size": size_json(in_s),
        "out_size": size_json(out_s),
        "width_size": width,
        "depth": depth,
        "activation": activation,
        "final_activation": final_activation,
        "use_bias": use_bias,
        "use_final_bias": use_final_bias,
        "dtype": str(dt),
        "seed": seed,
        "layers": [
            {"weight": enc(l.weight), "bias": None if l.bias is None else enc(l.bias)}
            for l in mlp.layers
        ],
        "xs": [enc(x) for x in xs],
        "ys": [enc(mlp(x)) for x in xs],
        **pformats(mlp, make(RustFn)),
    }


def x64_cases():
    return {
        "linear": [linear_case("linear_3_4_f64", 3, 4, 0, dtype=jnp.float64)],
        "mlp": [mlp_case("mlp_f64", 4, 2, 5, 2, 3, activation="tanh", dtype=jnp.float64)],
    }


def main():
    linears = [
        linear_case("linear_3_4", 3, 4, 0),
        linear_case("linear_5_2_seed7", 5, 2, 7),
        linear_case("linear_nobias", 6, 3, 1, use_bias=False),
        linear_case("linear_scalar_scalar", "scalar", "scalar", 2),
        linear_case("linear_scalar_in", "scalar", 3, 3),
        linear_case("linear_scalar_out", 4, "scalar", 4),
        linear_case("linear_zero_in", 0, 2, 5),
        linear_case("linear_f16", 3, 2, 6, dtype=jnp.float16),
        linear_case("linear_bf16", 3, 2, 6, dtype=jnp.bfloat16),
        linear_case("linear_wide", 37, 20, 11),
    ]
    mlps = [
        mlp_case("mlp_2_3_8_2", 2, 3, 8, 2, 0),
        mlp_case("mlp_depth0", 3, 2, 16, 0, 1, final_activation="sigmoid"),
        mlp_case("mlp_depth0_nofinalbias", 3, 2, 16, 0, 1, use_final_bias=False),
        mlp_case("mlp_depth1_tanh", 4, 5, 6, 1, 2, activation="tanh"),
        mlp_case("mlp_depth3_sigmoid_final_tanh", 5, 3, 7, 3, 3,
                 activation="sigmoid", final_activation="tanh"),
        mlp_case("mlp_nobias", 3, 4, 5, 2, 4, use_bias=False),
        mlp_case("mlp_no_final_bias", 3, 4, 5, 2, 5, use_final_bias=False),
        mlp_case("mlp_scalar_scalar", "scalar", "scalar", 8, 2, 6, final_activation="tanh"),
        mlp_case("mlp_digits_shape", 64, 10, 16, 2, 42),
    ]

    def make_seq(wrap):
        k1, k2 = jr.split(jr.PRNGKey(9))
        return eqx.nn.Sequential([
            eqx.nn.Linear(4, 6, key=k1),
            eqx.nn.Lambda(wrap(jax.nn.relu)),
            eqx.nn.Identity(),
            eqx.nn.Linear(6, 2, key=k2),
            eqx.nn.Lambda(wrap(jax.nn.tanh)),
        ])

    seq = make_seq(lambda f: f)
    xs = jr.normal(jr.PRNGKey(99), (3, 4))
    sequential = {
        "seed": 9,
        "xs": [enc(x) for x in xs],
        "ys": [enc(seq(x)) for x in xs],
        **pformats(seq, make_seq(RustFn)),
        "pformat_identity": eqx.tree_pformat(eqx.nn.Identity()),
    }

    child = subprocess.run(
        [sys.executable, __file__, "--x64"], check=True, capture_output=True, text=True
    )
    out = {
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "linear": linears,
        "mlp": mlps,
        "sequential": sequential,
        "x64": json.loads(child.stdout),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "nn_layers.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {len(linears)} Linear, {len(mlps)} MLP and 1 Sequential cases to {path}")


if __name__ == "__main__":
    if X64:
        json.dump(x64_cases(), sys.stdout)
    else:
        main()
