"""Goldens for Equinox 0.13.8's normalisation, dropout, embedding and PReLU layers, and the
`scan=True` MLP. Checked by `crates/equinox/tests/suite/nn_norm.rs`.
Run: .venv/bin/python parity/nn_norm.py  (writes parity/goldens/nn_norm.json)

Per case: the layer's initial parameters (compared bit for bit: "bits" holds each element's bit
pattern, as hex), then, with parameters set to stored random values so that gradients are not
trivial, the forward output on a stored input and the gradients of `sum(y * c)` (a stored `c`)
with respect to every parameter and to the input. Dropout cases store the mask and output for
given keys. float64 layers need `jax_enable_x64`, so they are made in a child process with x64
on and stored under "x64".
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


PARAMS = ("weight", "bias", "negative_slope")


def params_of(layer):
    return {k: getattr(layer, k) for k in PARAMS
            if hasattr(layer, k) and getattr(layer, k) is not None}


def with_params(layer, seed):
    """The layer with every parameter replaced by random values of its shape and dtype."""
    for i, (k, v) in enumerate(params_of(layer).items()):
        layer = eqx.tree_at(lambda m: getattr(m, k), layer, rand(seed + 100 * (i + 1), v.shape, v.dtype))
    return layer


def forward_and_grads(layer, x, seed, grads=True):
    y = layer(x)
    out = {"x": enc(x), "y": enc(y)}
    if not grads:
        return out
    c = rand(seed + 7, y.shape, y.dtype)

    def loss(mx):
        m, xx = mx
        return jnp.sum(m(xx).astype(jnp.float32) * c.astype(jnp.float32))

    g_layer, g_x = eqx.filter_grad(loss)((layer, x))
    out["c"] = enc(c)
    out["grads"] = {**{k: enc(v) for k, v in params_of(g_layer).items()}, "x": enc(g_x)}
    return out


def layer_case(name, make, options, x_shape, seed, x_dtype=jnp.float32, grads=True):
    layer = make()
    init = {k: enc(v) for k, v in params_of(layer).items()}
    trained = with_params(layer, seed)
    x = rand(seed, x_shape, x_dtype)
    return {
        "name": name,
        **options,
        "init": init,
        "params": {k: enc(v) for k, v in params_of(trained).items()},
        **forward_and_grads(trained, x, seed, grads),
    }


def layer_norm_cases(x64=False):
    def ln(name, shape, x_shape=None, seed=0, x_dtype=jnp.float32, grads=True, **kw):
        opts = {"shape": list(shape) if isinstance(shape, tuple) else [shape], **kw}
        kw = {k: (getattr(jnp, v) if k == "dtype" else v) for k, v in kw.items()}
        return layer_case(name, lambda: eqx.nn.LayerNorm(shape, **kw), opts,
                          x_shape if x_shape is not None else opts["shape"], seed, x_dtype, grads)

    if x64:
        return [ln("layer_norm_f64", 4, dtype="float64", x_dtype=jnp.float64, seed=1)]
    return [
        ln("layer_norm_5", 5, seed=0),
        ln("layer_norm_2x3", (2, 3), seed=1),
        ln("layer_norm_no_weight", 4, use_weight=False, seed=2),
        ln("layer_norm_no_bias", 4, use_bias=False, seed=3),
        ln("layer_norm_no_affine", (3, 2), use_weight=False, use_bias=False, seed=4),
        ln("layer_norm_eps", 6, eps=0.5, seed=5),
        ln("layer_norm_scalar", (), seed=6),
        ln("layer_norm_f16_input", 4, x_dtype=jnp.float16, seed=7, grads=False),
        ln("layer_norm_bf16_input", 4, x_dtype=jnp.bfloat16, seed=8, grads=False),
        ln("layer_norm_bf16_params", 4, dtype="bfloat16", seed=9),
    ]


def group_norm_cases(x64=False):
    def gn(name, groups, channels, x_shape, seed, x_dtype=jnp.float32, grads=True, **kw):
        opts = {"groups": groups, "channels": channels, **kw}
        kw = {k: (getattr(jnp, v) if k == "dtype" else v) for k, v in kw.items()}
        return layer_case(name, lambda: eqx.nn.GroupNorm(groups, channels, **kw), opts,
                          x_shape, seed, x_dtype, grads)

    if x64:
        return [gn("group_norm_f64", 2, 4, (4, 3), 1, dtype="float64", x_dtype=jnp.float64)]
    return [
        gn("group_norm_2_4", 2, 4, (4, 3), 0),
        gn("group_norm_3_6_vector", 3, 6, (6,), 1),
        gn("group_norm_1_4", 1, 4, (4, 2, 2), 2),
        gn("group_norm_4_4", 4, 4, (4, 5), 3),
        gn("group_norm_no_affine", 2, None, (4, 3), 4, channelwise_affine=False),
        gn("group_norm_eps", 2, 6, (6, 2), 5, eps=0.25),
        gn("group_norm_f16_input", 2, 4, (4, 3), 6, x_dtype=jnp.float16, grads=False),
    ]


def rms_norm_cases(x64=False):
    def rms(name, shape, seed, x_dtype=jnp.float32, grads=True, **kw):
        opts = {"shape": list(shape) if isinstance(shape, tuple) else [shape], **kw}
        kw = {k: (getattr(jnp, v) if k == "dtype" else v) for k, v in kw.items()}
        return layer_case(name, lambda: eqx.nn.RMSNorm(shape, **kw), opts, opts["shape"], seed,
                          x_dtype, grads)

    if x64:
        return [rms("rms_norm_f64", 5, 1, dtype="float64", x_dtype=jnp.float64)]
    return [
        rms("rms_norm_5", 5, 0),
        rms("rms_norm_2x3", (2, 3), 1),
        rms("rms_norm_no_weight", 4, 2, use_weight=False),
        rms("rms_norm_no_bias", 4, 3, use_bias=False),
        rms("rms_norm_eps", 3, 4, eps=0.5),
        rms("rms_norm_f16_input", 4, 5, x_dtype=jnp.float16, grads=False),
        rms("rms_norm_bf16_params", 4, 6, dtype="bfloat16"),
    ]


def dropout_cases(x64=False):
    def dr(name, p, x_shape, key_seed, x_dtype=jnp.float32, grads=False, inference=False,
           call_inference=None):
        layer = eqx.nn.Dropout(p, inference=inference)
        x = rand(key_seed + 50, x_shape, x_dtype)
        key = jr.PRNGKey(key_seed)
        y = layer(x, key=key, inference=call_inference)
        case = {"name": name, "p": p, "inference": inference,
                "call_inference": call_inference, "key": key_seed, "x": enc(x), "y": enc(y)}
        if not (inference if call_inference is None else call_inference) and p != 0:
            q = 1 - jax.lax.stop_gradient(p)
            case["mask"] = enc(jr.bernoulli(key, q, x.shape))
        if grads:
            c = rand(key_seed + 7, y.shape, y.dtype)
            g = jax.grad(lambda xx: jnp.sum(layer(xx, key=key) * c))(x)
            case["c"], case["grad_x"] = enc(c), enc(g)
        return case

    if x64:
        return [dr("dropout_f64", 0.5, (12,), 1, x_dtype=jnp.float64, grads=True)]
    return [
        dr("dropout_default_10", 0.5, (10,), 0, grads=True),
        dr("dropout_p01", 0.1, (3, 4), 1, grads=True),
        dr("dropout_p09", 0.9, (20,), 2),
        dr("dropout_p03_big", 0.3, (200,), 3),
        dr("dropout_p0", 0.0, (5,), 4),
        dr("dropout_inference", 0.5, (5,), 5, inference=True),
        dr("dropout_call_inference", 0.5, (5,), 6, call_inference=True),
        dr("dropout_call_training", 0.5, (6,), 7, inference=True, call_inference=False),
        dr("dropout_f16", 0.25, (8,), 8, x_dtype=jnp.float16),
        dr("dropout_bf16", 0.7, (8,), 9, x_dtype=jnp.bfloat16),
        dr("dropout_scalar", 0.5, (), 10),
    ]


def embedding_cases(x64=False):
    def emb(name, num, size, seed, index, dtype=None):
        layer = eqx.nn.Embedding(num, size, dtype=getattr(jnp, dtype) if dtype else None,
                                 key=jr.PRNGKey(seed))
        case = {"name": name, "num_embeddings": num, "embedding_size": size, "seed": seed,
                "dtype": dtype, "init": {"weight": enc(layer.weight)}}
        if index is not None:
            i = jnp.asarray(index, jnp.int32)
            y = layer(i)
            c = rand(seed + 7, y.shape, y.dtype)
            g = eqx.filter_grad(lambda m: jnp.sum(m(i) * c))(layer)
            case.update({"index": index, "y": enc(y), "c": enc(c),
                         "grads": {"weight": enc(g.weight)}})
        return case

    if x64:
        return [emb("embedding_f64", 5, 3, 1, 2, dtype="float64")]
    return [
        emb("embedding_10_4", 10, 4, 0, 3),
        emb("embedding_3_2", 3, 2, 5, 0),
        emb("embedding_7_1_last", 7, 1, 6, 6),
        emb("embedding_0_3", 0, 3, 2, None),
        emb("embedding_4_0", 4, 0, 3, 1),
        emb("embedding_f16", 6, 3, 4, 5, dtype="float16"),
        emb("embedding_bf16", 6, 3, 4, 2, dtype="bfloat16"),
    ]


def prelu_cases():
    def pr(name, alpha, x_shape, seed, x_dtype=jnp.float32, grads=True):
        init_alpha = alpha if isinstance(alpha, float) else rand(seed + 300, tuple(alpha), jnp.float32)
        opts = {"alpha": alpha if isinstance(alpha, float) else enc(init_alpha)}
        return layer_case(name, lambda: eqx.nn.PReLU(init_alpha), opts, x_shape, seed, x_dtype,
                          grads)

    return [
        pr("prelu_default", 0.25, (7,), 0),
        pr("prelu_alpha_01", 0.1, (2, 3), 1),
        pr("prelu_alpha_vector", [3], (2, 3), 2),
        pr("prelu_f16_input", 0.25, (5,), 3, x_dtype=jnp.float16, grads=False),
        pr("prelu_scalar_input", 0.25, (), 4),
    ]


class RustFn:
    """A function that prints as Rust prints a `fn` pointer field."""

    def __init__(self, f):
        self.f = f

    def __call__(self, x):
        return self.f(x)

    def __repr__(self):
        return "<function>"


def mlp_scan_cases():
    acts = {"relu": jax.nn.relu, "tanh": jax.nn.tanh, "identity": lambda x: x}

    def mlp(name, in_s, out_s, width, depth, seed, activation="relu", final="identity"):
        def make(wrap):
            return eqx.nn.MLP(in_s, out_s, width, depth, activation=wrap(acts[activation]),
                              final_activation=wrap(acts[final]), scan=True,
                              key=jr.PRNGKey(seed))

        m = make(lambda f: f)
        x = rand(seed + 1, () if in_s == "scalar" else (in_s,), jnp.float32)
        y = m(x)
        c = rand(seed + 7, y.shape, y.dtype)
        g_m, g_x = eqx.filter_grad(lambda mx: jnp.sum(mx[0](mx[1]) * c))((m, x))
        leaves = lambda t: [enc(v) for v in jax.tree_util.tree_leaves(eqx.filter(t, eqx.is_array))]
        rust = make(RustFn)
        rust = eqx.tree_at(lambda t: t.layers, rust, list(rust.layers))
        pformat = eqx.tree_pformat(rust)
        pformat = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", pformat))
        return {"name": name, "in_size": in_s, "out_size": out_s, "width_size": width,
                "depth": depth, "seed": seed, "activation": activation,
                "final_activation": final, "leaves": leaves(m), "x": enc(x), "y": enc(y),
                "c": enc(c), "grads": leaves(g_m), "grad_x": enc(g_x),
                "pformat": pformat.replace("'scalar'", '"scalar"')}

    return [
        mlp("mlp_scan_2_3_4_3", 2, 3, 4, 3, 0),
        mlp("mlp_scan_depth1", 3, 2, 5, 1, 1, activation="tanh"),
        mlp("mlp_scan_depth4_tanh", 4, 2, 3, 4, 2, activation="tanh", final="tanh"),
        mlp("mlp_scan_depth0", 3, 2, 5, 0, 3),
        mlp("mlp_scan_scalar", "scalar", "scalar", 4, 2, 4),
    ]


def x64_cases():
    return {
        "layer_norm": layer_norm_cases(True),
        "group_norm": group_norm_cases(True),
        "rms_norm": rms_norm_cases(True),
        "dropout": dropout_cases(True),
        "embedding": embedding_cases(True),
    }


def main():
    child = subprocess.run(
        [sys.executable, __file__, "--x64"], check=True, capture_output=True, text=True
    )
    out = {
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "layer_norm": layer_norm_cases(),
        "group_norm": group_norm_cases(),
        "rms_norm": rms_norm_cases(),
        "dropout": dropout_cases(),
        "embedding": embedding_cases(),
        "prelu": prelu_cases(),
        "mlp_scan": mlp_scan_cases(),
        "x64": json.loads(child.stdout),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "nn_norm.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    if X64:
        json.dump(x64_cases(), sys.stdout)
    else:
        main()
