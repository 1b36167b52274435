"""Goldens for Equinox's stateful layers and their helpers: BatchNorm (ema, batch and legacy
modes; outputs and state after several training steps under a named vmap, inference, gradients),
SpectralNorm (initial power-iteration state from a key, outputs and state after steps, gradients),
WeightNorm (g, outputs, gradients), Shared (tied weights: leaves, outputs, gradients), and
Sequential threading a State and a split key through mixed layers. Three `.eqx` files of models with
their State (`nn_stateful_bn.eqx`, `nn_stateful_seq.eqx`, `nn_stateful_conv.eqx`: Conv2d +
BatchNorm + ReLU) are written by Equinox for the Rust side
to load and to reproduce byte for byte.

Checked by `crates/equinox/tests/suite/nn_stateful.rs`. Run: .venv/bin/python parity/nn_stateful.py
Inputs are stored with their bit patterns ("bits"), which the Rust side reads exactly.
"""

import json
import os
import sys
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from golden_encoding import enc as enc_values  # noqa: E402

HERE = os.path.dirname(__file__)
OUT = os.path.join(HERE, "goldens")


def enc(a):
    """`golden_encoding.enc` plus each element's bit pattern in its own dtype, as hex."""
    a = np.asarray(a)
    out = enc_values(a)
    if a.dtype.kind == "f":
        uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
        out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    return out


def enc_leaves(tree):
    """The leaves as the Rust tree has them: arrays, and Python bools (the `inference` flags,
    0-d bool arrays in Rust, as `.eqx` files record them); `SharedNode`s, strings and functions
    are not leaves there."""
    out = []
    for x in jax.tree_util.tree_leaves(tree):
        if eqx.is_array(x):
            out.append(enc(x))
        elif isinstance(x, bool):
            out.append(enc(np.array(x)))
    return out


def clone(state):
    """A fresh copy of a State (Equinox invalidates a State once `set` has been called on it)."""
    leaves, treedef = jax.tree_util.tree_flatten(state)
    return jax.tree_util.tree_unflatten(treedef, leaves)


def batch_step(layer):
    """One training call on a batch: vmapped over the examples, state shared."""
    return jax.vmap(layer, axis_name="batch", in_axes=(0, None), out_axes=(0, None))


# ----------------------------------------------------------------------------------------------
# BatchNorm


def batch_norm_case(name, input_size, batch, spatial, seed, steps=3, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bn, state = eqx.nn.make_with_state(eqx.nn.BatchNorm)(input_size, "batch", **kwargs)
    if bn.weight is not None:
        # Non-trivial affine parameters, so that they matter in outputs and gradients.
        k1, k2 = jr.split(jr.PRNGKey(seed + 500))
        bn = eqx.tree_at(
            lambda m: (m.weight, m.bias),
            bn,
            (1 + 0.5 * jr.normal(k1, (input_size,)), 0.5 * jr.normal(k2, (input_size,))),
        )
    keys = jr.split(jr.PRNGKey(seed), steps + 1)
    shape = (batch, input_size, *spatial)
    # Offset and scaled, so that the statistics are far from 0 and 1.
    xs = [2.0 + 3.0 * jr.normal(k, shape) for k in keys]
    ct = jr.normal(jr.PRNGKey(seed + 1000), shape)

    def loss(weight, bias, x):
        m = eqx.tree_at(lambda m: (m.weight, m.bias), bn, (weight, bias))
        y, _ = batch_step(m)(x, state)
        return jnp.sum(y * ct)

    if bn.weight is not None:
        gw, gb, gx = jax.grad(loss, argnums=(0, 1, 2))(bn.weight, bn.bias, xs[0])
        grads = {"weight": enc(gw), "bias": enc(gb), "x": enc(gx)}
    else:
        gx = jax.grad(lambda x: jnp.sum(batch_step(bn)(x, state)[0] * ct))(xs[0])
        grads = {"x": enc(gx)}

    outputs, states = [], []
    s = state
    for x in xs[:steps]:
        y, s = batch_step(bn)(x, s)
        outputs.append(enc(y))
        states.append(enc_leaves(s))
    # Inference: through the flag, through the call's override, and on a fresh state.
    y_inf, s_inf = batch_step(eqx.nn.inference_mode(bn))(xs[steps], s)
    y_override, _ = jax.vmap(
        lambda x, st: bn(x, st, inference=True), axis_name="batch", in_axes=(0, None),
        out_axes=(0, None),
    )(xs[steps], s)
    y_fresh, _ = batch_step(eqx.nn.inference_mode(bn))(xs[steps], state)
    assert all(bool(jnp.all(a == b)) for a, b in zip(jax.tree_util.tree_leaves(s_inf),
                                                      jax.tree_util.tree_leaves(s)))
    return {
        "name": name,
        "input_size": input_size,
        "options": {k: v for k, v in kwargs.items()},
        "mode": bn.mode,
        "weight": None if bn.weight is None else enc(bn.weight),
        "bias": None if bn.bias is None else enc(bn.bias),
        "markers": [str(k) for k in state._state.keys()],
        "init_state": enc_leaves(state),
        "xs": [enc(x) for x in xs],
        "ct": enc(ct),
        "outputs": outputs,
        "states": states,
        "inference_output": enc(y_inf),
        "override_output": enc(y_override),
        "fresh_inference_output": enc(y_fresh),
        "grads": grads,
    }


def batch_norm_cases():
    return [
        batch_norm_case("batch_vector", 3, 4, (), 1, mode="batch"),
        batch_norm_case("ema_vector", 3, 4, (), 2, mode="ema"),
        batch_norm_case("legacy_default", 2, 3, (), 3),
        batch_norm_case(
            "batch_spatial_options", 2, 5, (3,), 4, mode="batch", momentum=0.9, eps=1e-3
        ),
        batch_norm_case(
            "ema_spatial_no_affine", 3, 2, (2, 2), 5, mode="ema", momentum=0.5,
            channelwise_affine=False,
        ),
    ]


def batch_norm_two_axes():
    """Statistics over two named axes (nested vmaps), axis_name=("outer", "inner")."""
    bn, state = eqx.nn.make_with_state(eqx.nn.BatchNorm)(2, ("outer", "inner"), mode="batch")
    x = 1.0 + jr.normal(jr.PRNGKey(77), (2, 3, 2))
    inner = jax.vmap(bn, axis_name="inner", in_axes=(0, None), out_axes=(0, None))
    outer = jax.vmap(inner, axis_name="outer", in_axes=(0, None), out_axes=(0, None))
    y, s = outer(x, state)
    return {"x": enc(x), "y": enc(y), "state": enc_leaves(s)}


# ----------------------------------------------------------------------------------------------
# SpectralNorm and WeightNorm


class Weight3(eqx.Module):
    """A layer with a rank-3 weight: y[o] = sum_ij weight[o, i, j] * x[i, j]."""

    weight: jax.Array

    def __call__(self, x, *, key=None):
        return jnp.einsum("oij,ij->o", self.weight, x)


def make_inner(kind, key):
    if kind == "linear":
        return eqx.nn.Linear(4, 3, key=key), (4,)
    return Weight3(jr.normal(key, (3, 2, 2))), (2, 2)


def spectral_case(name, kind, seed, steps=3, **kwargs):
    k1, k2, k3 = jr.split(jr.PRNGKey(seed), 3)
    inner, in_shape = make_inner(kind, k1)
    sn, state = eqx.nn.make_with_state(eqx.nn.SpectralNorm)(inner, "weight", key=k2, **kwargs)
    xs = [jr.normal(k, in_shape) for k in jr.split(k3, steps + 1)]
    outputs, states = [], []
    s = clone(state)
    for x in xs[:steps]:
        y, s = sn(x, s)
        outputs.append(enc(y))
        states.append(enc_leaves(s))
    y_inf, s_inf = eqx.nn.inference_mode(sn)(xs[steps], s)
    ct = jr.normal(jr.PRNGKey(seed + 1000), outputs[0]["shape"])

    def loss(layer, x):
        m = eqx.tree_at(lambda m: m.layer, sn, layer)
        return jnp.sum(m(x, clone(state))[0] * ct)

    g_layer, gx = eqx.filter_grad(lambda lx: loss(*lx))((sn.layer, xs[0]))
    return {
        "name": name,
        "kind": kind,
        "seed": seed,
        "options": kwargs,
        "inner_leaves": enc_leaves(inner),
        "init_state": enc_leaves(state),
        "xs": [enc(x) for x in xs],
        "outputs": outputs,
        "states": states,
        "inference_output": enc(y_inf),
        "ct": enc(ct),
        "grads": {"layer": enc_leaves(g_layer), "x": enc(gx)},
    }


def weight_norm_case(name, kind, seed, **kwargs):
    k1, k2 = jr.split(jr.PRNGKey(seed))
    inner, in_shape = make_inner(kind, k1)
    wn = eqx.nn.WeightNorm(inner, **kwargs)
    x = jr.normal(k2, in_shape)
    y = wn(x)
    ct = jr.normal(jr.PRNGKey(seed + 1000), y.shape)
    # Move g away from its initial value, so that the reparameterisation is visible.
    wn2 = eqx.tree_at(lambda m: m.g, wn, wn.g * 1.5 + 0.25)
    g_model, gx = eqx.filter_grad(lambda mx: jnp.sum(mx[0](mx[1]) * ct))((wn2, x))
    return {
        "name": name,
        "kind": kind,
        "seed": seed,
        "axis": kwargs.get("axis", 0),
        "inner_leaves": enc_leaves(inner),
        "g": enc(wn.g),
        "x": enc(x),
        "y": enc(y),
        "y_moved_g": enc(wn2(x)),
        "ct": enc(ct),
        "grads": {"model": enc_leaves(g_model), "x": enc(gx)},
    }


# ----------------------------------------------------------------------------------------------
# Shared and Sequential


def shared_case():
    k1, k2, k3 = jr.split(jr.PRNGKey(11), 3)
    pair = (eqx.nn.Linear(3, 3, key=k1), eqx.nn.Linear(3, 3, key=k2))
    shared = eqx.nn.Shared(pair, lambda p: p[1].weight, lambda p: p[0].weight)
    x = jr.normal(k3, (3,))

    def f(s, x):
        a, b = s()
        return b(jnp.tanh(a(x)))

    y = f(shared, x)
    grads = eqx.filter_grad(lambda s: jnp.sum(f(s, x) ** 2))(shared)
    return {
        "pair_leaves": enc_leaves(pair),
        "leaves": enc_leaves(shared),
        "x": enc(x),
        "y": enc(y),
        "grads": enc_leaves(grads),
    }


class Noise(eqx.Module):
    """A non-stateful layer that uses its key: x + scale * normal(key)."""

    scale: float = eqx.field(static=True)

    def __call__(self, x, *, key=None):
        return x + self.scale * jr.normal(key, x.shape)


def make_sequential(seed, mode):
    k1, k2 = jr.split(jr.PRNGKey(seed))
    return eqx.nn.Sequential([
        eqx.nn.Linear(3, 4, key=k1),
        eqx.nn.BatchNorm(4, "batch", mode=mode),
        eqx.nn.Lambda(jax.nn.relu),
        Noise(0.1),
        eqx.nn.Linear(4, 2, key=k2),
    ])


def sequential_case():
    seq, state = eqx.nn.make_with_state(make_sequential)(21, "batch")
    xs = [jr.normal(k, (5, 3)) for k in jr.split(jr.PRNGKey(22), 3)]
    keys = jr.split(jr.PRNGKey(23), 3)
    step = jax.vmap(
        lambda x, s, k: seq(x, s, key=k), axis_name="batch", in_axes=(0, None, None),
        out_axes=(0, None),
    )
    outputs, states = [], []
    s = state
    for x, k in zip(xs, keys):
        y, s = step(x, s, k)
        outputs.append(enc(y))
        states.append(enc_leaves(s))
    # A Sequential without stateful layers, called with a key only.
    plain = eqx.nn.Sequential([seq[0], seq[2], seq[3], seq[4]])
    y_plain = plain(xs[0][0], key=keys[0])
    # Dropout gets its own split of the key.
    dropping = eqx.nn.Sequential([seq[0], eqx.nn.Dropout(0.5), seq[4]])
    y_dropout = dropping(xs[0][1], key=keys[1])
    return {
        "markers": [str(k) for k in state._state.keys()],
        "xs": [enc(x) for x in xs],
        "keys": [enc(jr.key_data(k) if jnp.issubdtype(k.dtype, jax.dtypes.prng_key) else k)
                 for k in keys],
        "leaves": enc_leaves(seq),
        "outputs": outputs,
        "states": states,
        "plain_output": enc(y_plain),
        "dropout_output": enc(y_dropout),
    }


# ----------------------------------------------------------------------------------------------
# .eqx files of a model with its State


def eqx_files():
    out = {}
    # A BatchNorm in batch mode, with moved parameters and two training steps of state.
    bn, state = eqx.nn.make_with_state(eqx.nn.BatchNorm)(3, "batch", mode="batch")
    bn = eqx.tree_at(lambda m: (m.weight, m.bias), bn,
                     (jnp.array([0.5, 1.5, -1.0]), jnp.array([0.1, 0.2, 0.3])))
    for k in jr.split(jr.PRNGKey(31), 2):
        _, state = batch_step(bn)(1.0 + jr.normal(k, (4, 3)), state)
    eqx.tree_serialise_leaves(os.path.join(OUT, "nn_stateful_bn.eqx"), (bn, state))
    x = jr.normal(jr.PRNGKey(32), (4, 3))
    y_train, s_train = batch_step(bn)(x, state)
    y_inf, _ = batch_step(eqx.nn.inference_mode(bn))(x, state)
    out["bn"] = {
        "file": "nn_stateful_bn.eqx",
        "x": enc(x),
        "y_train": enc(y_train),
        "state_after": enc_leaves(s_train),
        "y_inference": enc(y_inf),
    }

    # A Sequential with an ema-mode BatchNorm.
    k1, k2 = jr.split(jr.PRNGKey(33))
    seq, state = eqx.nn.make_with_state(eqx.nn.Sequential)([
        eqx.nn.Linear(2, 3, key=k1),
        eqx.nn.BatchNorm(3, "batch", mode="ema"),
        eqx.nn.Lambda(jax.nn.relu),
    ])
    step = jax.vmap(lambda x, s: seq(x, s), axis_name="batch", in_axes=(0, None),
                    out_axes=(0, None))
    for k in jr.split(k2, 2):
        _, state = step(jr.normal(k, (4, 2)), state)
    eqx.tree_serialise_leaves(os.path.join(OUT, "nn_stateful_seq.eqx"), (seq, state))
    x = jr.normal(jr.PRNGKey(34), (4, 2))
    y_train, s_train = step(x, state)
    out["seq"] = {
        "file": "nn_stateful_seq.eqx",
        "x": enc(x),
        "y_train": enc(y_train),
        "state_after": enc_leaves(s_train),
    }

    # A convolutional block: Conv2d (padding 1, no bias) + BatchNorm (batch mode) + ReLU.
    k1, k2 = jr.split(jr.PRNGKey(35))
    conv, state = eqx.nn.make_with_state(eqx.nn.Sequential)([
        eqx.nn.Conv2d(2, 4, 3, padding=1, use_bias=False, key=k1),
        eqx.nn.BatchNorm(4, "batch", mode="batch"),
        eqx.nn.Lambda(jax.nn.relu),
    ])
    step = jax.vmap(lambda x, s: conv(x, s), axis_name="batch", in_axes=(0, None),
                    out_axes=(0, None))
    for k in jr.split(k2, 2):
        _, state = step(jr.normal(k, (3, 2, 5, 5)), state)
    eqx.tree_serialise_leaves(os.path.join(OUT, "nn_stateful_conv.eqx"), (conv, state))
    x = jr.normal(jr.PRNGKey(36), (3, 2, 5, 5))
    y_train, s_train = step(x, state)
    y_inf, _ = jax.vmap(
        lambda x, s: eqx.nn.inference_mode(conv)(x, s), axis_name="batch", in_axes=(0, None),
        out_axes=(0, None))(x, state)
    out["conv"] = {
        "file": "nn_stateful_conv.eqx",
        "x": enc(x),
        "y_train": enc(y_train),
        "state_after": enc_leaves(s_train),
        "y_inference": enc(y_inf),
    }
    return out


def main():
    golden = {
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "batch_norm": batch_norm_cases(),
        "batch_norm_two_axes": batch_norm_two_axes(),
        "spectral_norm": [
            spectral_case("linear_default", "linear", 1),
            spectral_case("linear_options", "linear", 2, num_power_iterations=3, eps=1e-4),
            spectral_case("rank3", "weight3", 3),
        ],
        "weight_norm": [
            weight_norm_case("linear_axis0", "linear", 1),
            weight_norm_case("linear_axis_none", "linear", 2, axis=None),
            weight_norm_case("linear_axis1", "linear", 3, axis=1),
            weight_norm_case("rank3_axis0", "weight3", 4),
        ],
        "shared": shared_case(),
        "sequential": sequential_case(),
        "eqx_files": eqx_files(),
    }
    path = os.path.join(OUT, "nn_stateful.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
