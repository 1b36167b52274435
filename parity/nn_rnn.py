"""Goldens for Equinox 0.13.8's recurrent cells (`GRUCell`, `LSTMCell`) and
`RotaryPositionalEmbedding`. Checked by `crates/equinox/tests/suite/nn_rnn.rs`.
Run: .venv/bin/python parity/nn_rnn.py  (writes parity/goldens/nn_rnn.json)

Cells: for several sizes, keys and options, the initial parameters (compared bit for bit:
"bits" holds each element's bit pattern, as hex) and the printed layer; then, with those
parameters, one step on a stored input and hidden state and the gradients of a weighted sum of
the new state (stored weights "c") with respect to every parameter, the input and the hidden
state. Half-precision cells store only their parameters. "gru_scan": a GRU scanned with
`lax.scan` over a short sequence from a zero state (optionally vmapped over a batch): the final
state, every step's state, and gradients of a weighted sum of the final state. "rope": the
rotary embedding of a stored input for several sizes, thetas and dtypes, and the gradient of a
weighted sum with respect to the input. Equinox caches the rotary tables under (embedding_size,
dtype) only, ignoring theta, so the cache is cleared before each case to store each theta's own
result. float64 layers need `jax_enable_x64`, so they are made in a child process with x64 on
and stored under "x64".
"""

import json
import os
import re
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
from equinox.nn import _embedding

sys.path.insert(0, os.path.dirname(__file__))
from golden_encoding import enc as enc_values  # noqa: E402


def enc(a):
    """`golden_encoding.enc` plus "bits" for float arrays: each element's bit pattern in its
    own dtype, as hex."""
    a = np.asarray(a)
    out = enc_values(a)
    if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
        uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
        out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    return out


def rand(seed, shape, dtype):
    return jr.normal(jr.PRNGKey(seed), shape, jnp.float32).astype(dtype)


PARAMS = ("weight_ih", "weight_hh", "bias", "bias_n")


def params_of(cell):
    return {k: getattr(cell, k) for k in PARAMS
            if hasattr(cell, k) and getattr(cell, k) is not None}


def pformat(tree):
    """`eqx.tree_pformat` with Python's booleans spelled as Rust prints them."""
    return re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", eqx.tree_pformat(tree)))


def cell_case(kind, name, in_size, hidden, seed, use_bias=True, dtype=None, forward=True):
    make = {"gru": eqx.nn.GRUCell, "lstm": eqx.nn.LSTMCell}[kind]
    cell = make(in_size, hidden, use_bias=use_bias,
                dtype=getattr(jnp, dtype) if dtype else None, key=jr.PRNGKey(seed))
    case = {"name": name, "input_size": in_size, "hidden_size": hidden, "seed": seed,
            "use_bias": use_bias, "dtype": dtype,
            "init": {k: enc(v) for k, v in params_of(cell).items()}, "pformat": pformat(cell)}
    if not forward:
        return case
    pdtype = cell.weight_ih.dtype
    x = rand(seed + 1, (in_size,), pdtype)
    if kind == "gru":
        hidden_state = rand(seed + 2, (hidden,), pdtype)
    else:
        hidden_state = (rand(seed + 2, (hidden,), pdtype), rand(seed + 3, (hidden,), pdtype))
    out = cell(x, hidden_state)
    outs = (out,) if kind == "gru" else out
    cs = tuple(rand(seed + 7 + i, o.shape, o.dtype) for i, o in enumerate(outs))

    def loss(args):
        m, xx, hh = args
        new = m(xx, hh)
        new = (new,) if kind == "gru" else new
        return sum(jnp.sum(o * c) for o, c in zip(new, cs))

    g_cell, g_x, g_h = eqx.filter_grad(loss)((cell, x, hidden_state))
    if kind == "gru":
        case.update({"x": enc(x), "hidden": enc(hidden_state), "y": enc(out), "c": enc(cs[0])})
        grads = {"x": enc(g_x), "hidden": enc(g_h)}
    else:
        case.update({"x": enc(x), "h": enc(hidden_state[0]), "c": enc(hidden_state[1]),
                     "y_h": enc(out[0]), "y_c": enc(out[1]),
                     "weight_h": enc(cs[0]), "weight_c": enc(cs[1])})
        grads = {"x": enc(g_x), "h": enc(g_h[0]), "c": enc(g_h[1])}
    case["grads"] = {**{k: enc(v) for k, v in params_of(g_cell).items()}, **grads}
    return case


def gru_cases(x64=False):
    if x64:
        return [
            cell_case("gru", "gru_f64_3_4", 3, 4, 20, dtype="float64"),
            cell_case("gru", "gru_f64_no_bias", 2, 3, 21, use_bias=False, dtype="float64"),
        ]
    return [
        cell_case("gru", "gru_2_3", 2, 3, 0),
        cell_case("gru", "gru_4_5", 4, 5, 1),
        cell_case("gru", "gru_no_bias_3_4", 3, 4, 2, use_bias=False),
        cell_case("gru", "gru_1_1", 1, 1, 3),
        cell_case("gru", "gru_0_2", 0, 2, 4),
        cell_case("gru", "gru_5_7", 5, 7, 5),
        cell_case("gru", "gru_bf16", 3, 2, 6, dtype="bfloat16", forward=False),
        cell_case("gru", "gru_f16_no_bias", 2, 3, 7, use_bias=False, dtype="float16",
                  forward=False),
    ]


def lstm_cases(x64=False):
    if x64:
        return [
            cell_case("lstm", "lstm_f64_3_4", 3, 4, 20, dtype="float64"),
            cell_case("lstm", "lstm_f64_no_bias", 2, 3, 21, use_bias=False, dtype="float64"),
        ]
    return [
        cell_case("lstm", "lstm_2_3", 2, 3, 0),
        cell_case("lstm", "lstm_4_5", 4, 5, 1),
        cell_case("lstm", "lstm_no_bias_3_4", 3, 4, 2, use_bias=False),
        cell_case("lstm", "lstm_1_1", 1, 1, 3),
        cell_case("lstm", "lstm_5_6", 5, 6, 5),
        cell_case("lstm", "lstm_bf16", 3, 2, 6, dtype="bfloat16", forward=False),
    ]


def gru_scan_case(name, in_size, hidden, steps, seed, batch=None):
    cell = eqx.nn.GRUCell(in_size, hidden, key=jr.PRNGKey(seed))

    def run(m, xs):
        def f(h, x):
            h = m(x, h)
            return h, h

        return jax.lax.scan(f, jnp.zeros(hidden), xs)

    shape = (steps, in_size) if batch is None else (batch, steps, in_size)
    xs = rand(seed + 1, shape, jnp.float32)
    go = run if batch is None else jax.vmap(run, in_axes=(None, 0))
    final, states = go(cell, xs)
    c = rand(seed + 7, final.shape, final.dtype)
    g_cell, g_xs = eqx.filter_grad(lambda a: jnp.sum(go(*a)[0] * c))((cell, xs))
    return {"name": name, "input_size": in_size, "hidden_size": hidden, "seed": seed,
            "batch": batch, "xs": enc(xs), "final": enc(final), "states": enc(states),
            "c": enc(c),
            "grads": {**{k: enc(v) for k, v in params_of(g_cell).items()}, "xs": enc(g_xs)}}


def gru_scan_cases():
    return [
        gru_scan_case("gru_scan_2_4_len6", 2, 4, 6, 0),
        gru_scan_case("gru_scan_3_5_len10", 3, 5, 10, 1),
        gru_scan_case("gru_scan_vmap_2_3_len5", 2, 3, 5, 2, batch=3),
    ]


def rope_case(name, size, seq, seed, theta=None, dtype=None, x_dtype=jnp.float32):
    _embedding.internal_rope_embedding_cache.clear()
    kw = {} if theta is None else {"theta": theta}
    if dtype is not None:
        kw["dtype"] = getattr(jnp, dtype)
    rope = eqx.nn.RotaryPositionalEmbedding(size, **kw)
    x = rand(seed, (seq, size), x_dtype)
    y = rope(x)
    case = {"name": name, "embedding_size": size, "seq_len": seq, "theta": theta,
            "dtype": dtype, "x": enc(x), "y": enc(y)}
    if x.dtype in (jnp.float32, jnp.float64):
        c = rand(seed + 7, y.shape, y.dtype)
        _embedding.internal_rope_embedding_cache.clear()
        case["c"] = enc(c)
        case["grad_x"] = enc(jax.grad(lambda xx: jnp.sum(rope(xx) * c))(x))
    return case


def rope_cases(x64=False):
    if x64:
        return [
            rope_case("rope_f64_8", 8, 6, 20, dtype="float64", x_dtype=jnp.float64),
            rope_case("rope_f64_theta_100", 6, 5, 21, theta=100.0, dtype="float64",
                      x_dtype=jnp.float64),
        ]
    return [
        rope_case("rope_4_3", 4, 3, 0),
        rope_case("rope_8_5", 8, 5, 1),
        rope_case("rope_6_7_theta_500", 6, 7, 2, theta=500.0),
        rope_case("rope_16_6_theta_1e6", 16, 6, 3, theta=1e6),
        rope_case("rope_10_24", 10, 24, 4),
        rope_case("rope_2_1", 2, 1, 5),
        rope_case("rope_0_3", 0, 3, 6),
        rope_case("rope_f16_input", 8, 4, 7, x_dtype=jnp.float16),
        rope_case("rope_bf16_tables", 8, 4, 8, dtype="bfloat16"),
    ]


def x64_cases():
    return {"gru": gru_cases(True), "lstm": lstm_cases(True), "rope": rope_cases(True)}


def main():
    child = subprocess.run(
        [sys.executable, __file__, "--x64"], check=True, capture_output=True, text=True
    )
    out = {
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "gru": gru_cases(),
        "lstm": lstm_cases(),
        "gru_scan": gru_scan_cases(),
        "rope": rope_cases(),
        "x64": json.loads(child.stdout),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "nn_rnn.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    if X64:
        json.dump(x64_cases(), sys.stdout)
    else:
        main()
