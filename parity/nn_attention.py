"""Goldens for `jax.nn.dot_product_attention` (JAX 0.10.2, `xla` implementation) and
`eqx.nn.MultiheadAttention` (Equinox 0.13.8). Checked by `crates/equinox/tests/suite/nn_attention.rs`.
Run: .venv/bin/python parity/nn_attention.py  (writes parity/goldens/nn_attention.json)

"dot_product_attention": per case the inputs, the options, the output and the gradients of
`sum(out * c)` (a stored `c`) with respect to query, key, value (and bias when given).

"mha": per case the layer's options and key, its initial parameters (compared bit for bit:
"bits" holds each element's bit pattern, as hex), then, with the parameters set to stored random
values, the forward output on stored inputs (with the case's mask, and `process_heads` when
"process_heads" is set: `(q * 0.5, flip(k, heads axis), v + 1)`) and the gradients of
`sum(y * c)` with respect to every parameter and the three inputs.

"mha_dropout": outputs of a layer with dropout for a given call key, in training and with the
call's `inference=True`.

"x64": a float64 layer and a float64 `dot_product_attention` (made in a child process with
`jax_enable_x64`).
"""

import json
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
    """`golden_encoding.enc` plus "bits" for float arrays: each element's bit pattern in its
    own dtype, as hex."""
    a = np.asarray(a)
    out = enc_values(a)
    if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
        uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
        out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    return out


def rand(seed, shape, dtype=jnp.float32):
    return jr.normal(jr.PRNGKey(seed), shape, jnp.float32).astype(dtype)


def bool_mask(seed, shape):
    """A random boolean mask with every query row keeping at least its first key, so that no
    row is fully masked (Equinox's finfo.min masking would make such a row uniform)."""
    m = jr.bernoulli(jr.PRNGKey(seed), 0.6, shape)
    return m.at[..., 0].set(True)


def dpa_case(name, q_shape, kv_shape, seed, bias_shape=None, mask_shape=None, lengths=None,
             dtype=jnp.float32, **kw):
    q = rand(seed, q_shape, dtype)
    k = rand(seed + 1, kv_shape, dtype)
    v = rand(seed + 2, kv_shape, dtype)
    bias = None if bias_shape is None else rand(seed + 3, bias_shape)
    mask = None if mask_shape is None else bool_mask(seed + 4, mask_shape)
    call_kw = dict(kw)
    case = {"name": name, "query": enc(q), "key": enc(k), "value": enc(v), **kw}
    if lengths is not None:
        ql, kvl = lengths
        if ql is not None:
            call_kw["query_seq_lengths"] = jnp.asarray(ql, jnp.int32)
            case["query_seq_lengths"] = enc(call_kw["query_seq_lengths"])
        if kvl is not None:
            call_kw["key_value_seq_lengths"] = jnp.asarray(kvl, jnp.int32)
            case["key_value_seq_lengths"] = enc(call_kw["key_value_seq_lengths"])
    if "local_window_size" in kw:
        case["local_window_size"] = list(kw["local_window_size"])
    if mask is not None:
        case["mask"] = enc(mask)

    def f(q, k, v, bias):
        return jax.nn.dot_product_attention(q, k, v, bias=bias, mask=mask, **call_kw)

    out = f(q, k, v, bias)
    c = rand(seed + 7, out.shape)
    argnums = (0, 1, 2) if bias is None else (0, 1, 2, 3)
    grads = jax.grad(lambda *a: jnp.sum(f(*a).astype(jnp.float32) * c), argnums=argnums)(
        q, k, v, bias)
    names = ("query", "key", "value", "bias")
    case.update({"out": enc(out), "c": enc(c),
                 "grads": {names[i]: enc(g) for i, g in enumerate(grads)}})
    if bias is not None:
        case["bias"] = enc(bias)
    return case


def dpa_cases(x64=False):
    if x64:
        return [dpa_case("f64_gqa_causal", (2, 3, 4, 2), (2, 4, 2, 2), 140, dtype=jnp.float64,
                         is_causal=True)]
    return [
        dpa_case("mha_3d", (4, 2, 3), (5, 2, 3), 0),
        dpa_case("batched", (2, 3, 2, 4), (2, 4, 2, 4), 10),
        dpa_case("gqa", (2, 3, 4, 2), (2, 4, 2, 2), 20),
        dpa_case("mqa", (4, 3, 4), (4, 1, 4), 30),
        dpa_case("bias_full", (2, 3, 2, 2), (2, 4, 2, 2), 40, bias_shape=(2, 2, 3, 4)),
        dpa_case("bias_shared_gqa", (3, 4, 4), (5, 2, 4), 50, bias_shape=(3, 5)),
        dpa_case("mask_per_head", (1, 4, 4, 3), (1, 4, 2, 3), 60, mask_shape=(1, 4, 4, 4)),
        dpa_case("mask_bias_scale", (3, 2, 4), (3, 2, 4), 70, bias_shape=(1, 2, 3, 3),
                 mask_shape=(3, 3), scale=0.3),
        dpa_case("causal", (2, 4, 2, 3), (2, 4, 2, 3), 80, is_causal=True),
        dpa_case("causal_gqa_rect", (4, 4, 2), (6, 2, 2), 90, is_causal=True),
        dpa_case("seq_lengths", (2, 4, 2, 2), (2, 5, 2, 2), 100, lengths=([4, 2], [3, 5])),
        dpa_case("kv_lengths_causal", (2, 4, 1, 3), (2, 4, 1, 3), 110, is_causal=True,
                 lengths=(None, [2, 4])),
        dpa_case("q_lengths_mask", (2, 3, 1, 4), (2, 3, 1, 4), 120, mask_shape=(2, 1, 3, 3),
                 lengths=([1, 3], None)),
        dpa_case("local_window", (6, 1, 4), (6, 1, 4), 130, local_window_size=(2, 1)),
        dpa_case("f16_mask", (4, 2, 4), (3, 2, 4), 150, mask_shape=(4, 3), dtype=jnp.float16),
        dpa_case("bf16_gqa", (3, 2, 2), (4, 1, 2), 160, dtype=jnp.bfloat16),
    ]


PROJS = ("query_proj", "key_proj", "value_proj", "output_proj")


def params_of(mha):
    out = {}
    for p in PROJS:
        lin = getattr(mha, p)
        out[f"{p}.weight"] = lin.weight
        if lin.bias is not None:
            out[f"{p}.bias"] = lin.bias
    return out


def with_params(mha, seed):
    for i, (name, v) in enumerate(params_of(mha).items()):
        proj, field = name.split(".")
        mha = eqx.tree_at(lambda m: getattr(getattr(m, proj), field), mha,
                          rand(seed + 100 * (i + 1), v.shape, v.dtype))
    return mha


def process_heads(q, k, v):
    return q * 0.5, jnp.flip(k, axis=1), v + 1


def mha_case(name, num_heads, query_size, seed, q_seq=3, kv_seq=4, mask=None,
             use_process_heads=False, grads=True, dtype=None, **kw):
    opts = {k: v for k, v in kw.items()}
    if dtype is not None:
        opts["dtype"] = dtype
        kw["dtype"] = getattr(jnp, dtype)
    layer = eqx.nn.MultiheadAttention(num_heads, query_size, **kw, key=jr.PRNGKey(seed))
    pdtype = layer.query_proj.weight.dtype
    trained = with_params(layer, seed)
    q = rand(seed + 1, (q_seq, layer.query_size), pdtype)
    k = rand(seed + 2, (kv_seq, layer.key_size), pdtype)
    v = rand(seed + 3, (kv_seq, layer.value_size), pdtype)
    m = None
    if mask == "shared":
        m = bool_mask(seed + 4, (q_seq, kv_seq))
    elif mask == "per_head":
        m = bool_mask(seed + 4, (num_heads, q_seq, kv_seq))
    ph = process_heads if use_process_heads else None

    def run(model, q, k, v):
        return model(q, k, v, mask=m, process_heads=ph)

    y = run(trained, q, k, v)
    case = {"name": name, "num_heads": num_heads, "query_size": query_size, "key": seed,
            **opts, "process_heads": use_process_heads,
            "init": {n: enc(a) for n, a in params_of(layer).items()},
            "params": {n: enc(a) for n, a in params_of(trained).items()},
            "query": enc(q), "key_": enc(k), "value": enc(v), "y": enc(y)}
    if m is not None:
        case["mask"] = enc(m)
    if grads:
        c = rand(seed + 7, y.shape, jnp.float32)

        def loss(args):
            model, q, k, v = args
            return jnp.sum(run(model, q, k, v).astype(jnp.float32) * c)

        g_model, g_q, g_k, g_v = eqx.filter_grad(loss)((trained, q, k, v))
        case["c"] = enc(c)
        case["grads"] = {**{n: enc(a) for n, a in params_of(g_model).items()},
                         "query": enc(g_q), "key_": enc(g_k), "value": enc(g_v)}
    return case


def mha_cases(x64=False):
    if x64:
        return [mha_case("mha_f64", 2, 4, 9, dtype="float64", use_query_bias=True)]
    return [
        mha_case("default_4_8", 4, 8, 0, q_seq=2, kv_seq=3),
        mha_case("sizes_biases", 2, 6, 1, key_size=5, value_size=3, output_size=7, qk_size=4,
                 vo_size=2, use_query_bias=True, use_key_bias=True, use_value_bias=True,
                 use_output_bias=True),
        mha_case("one_head_output_bias", 1, 4, 2, use_output_bias=True, q_seq=2, kv_seq=5),
        mha_case("mask_shared", 2, 4, 3, mask="shared", use_key_bias=True),
        mha_case("mask_per_head", 3, 6, 4, mask="per_head", vo_size=3, q_seq=2, kv_seq=3),
        mha_case("process_heads", 2, 4, 5, use_process_heads=True, mask="shared"),
        mha_case("bf16_params", 2, 4, 6, dtype="bfloat16", use_value_bias=True, grads=False),
    ]


def mha_dropout_cases():
    layer = eqx.nn.MultiheadAttention(2, 4, dropout_p=0.4, key=jr.PRNGKey(7))
    q, k = rand(71, (3, 4)), rand(72, (5, 4))
    v = rand(73, (5, 4))
    cases = []
    for call_key, inference in ((11, None), (12, None), (11, True)):
        y = layer(q, k, v, key=jr.PRNGKey(call_key), inference=inference)
        cases.append({"name": f"key{call_key}_inference{inference}", "dropout_p": 0.4,
                      "num_heads": 2, "query_size": 4, "key": 7, "call_key": call_key,
                      "inference": inference, "query": enc(q), "key_": enc(k),
                      "value": enc(v), "y": enc(y)})
    return cases


def main():
    child = subprocess.run(
        [sys.executable, __file__, "--x64"], check=True, capture_output=True, text=True
    )
    out = {
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "dot_product_attention": dpa_cases(),
        "mha": mha_cases(),
        "mha_dropout": mha_dropout_cases(),
        "x64": json.loads(child.stdout),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "nn_attention.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    if X64:
        json.dump({"mha": mha_cases(True), "dot_product_attention": dpa_cases(True)},
                  sys.stdout)
    else:
        main()
