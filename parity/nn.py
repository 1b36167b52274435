"""Writes goldens/nn.json: outputs of the jax.nn functions from real JAX (float32, CPU).

Run with .venv/bin/python parity/nn.py (jax 0.10.2). Every value is the float32 result
widened to float64, so it round-trips exactly through JSON; NaN and infinities are written as
the strings "nan", "inf" and "-inf".
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_platforms", "cpu")

from golden_encoding import enc  # noqa: E402  (after the platform is set)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "nn.json")




rng = np.random.default_rng(0)

# 1-D inputs covering large, small, negative and tiny magnitudes, and the kinks of the
# piecewise activations (-1, 1, 6, -3, 3).
scalars = np.array(
    [-100, -88, -20, -6, -3.5, -3, -1, -0.5, -1e-3, -1e-7, 0, 1e-7, 1e-3, 0.5, 1, 2.5, 3,
     5.9, 6, 6.1, 20, 88, 100],
    dtype=np.float32,
)
m = (rng.standard_normal((4, 6)) * 3).astype(np.float32)
wide = (rng.standard_normal((3, 5)) * 40).astype(np.float32)
# Rows that exercise the -inf and all--inf paths of softmax/logsumexp.
with_inf = np.array(
    [[0.5, -np.inf, 2.0, -1.0], [-np.inf, -np.inf, -np.inf, -np.inf], [1e3, 1e3 - 1, -1e3, 0.0]],
    dtype=np.float32,
)
cube = rng.standard_normal((2, 3, 4)).astype(np.float32) * 2
# Pairs with a large common offset: the fast variance mean(x^2) - mean^2 cancels to a multiple
# of float32's spacing at 1e6 (0.0625), here negative for row 4 (so the clip to 0 matters),
# zero or positive elsewhere. Rows of two elements keep every sum a single addition, so the
# result does not depend on summation order (XLA sums short rows left to right; our kernel
# uses eight lanes) and stays comparable despite the ill-conditioning. The last row is
# constant (variance exactly 0).
offset = (np.float32(1000)
          + np.random.default_rng(5).standard_normal((6, 2)).astype(np.float32) * np.float32(3e-2))
offset = np.concatenate([offset.astype(np.float32), np.full((1, 2), 7.0, np.float32)])
labels = np.array([0, 1, 2, 3, -1, 4, 7, 2], dtype=np.int32)
labels2 = np.array([[0, 3], [1, -2]], dtype=np.int32)

inputs = {
    "scalars": scalars,
    "m": m,
    "wide": wide,
    "with_inf": with_inf,
    "cube": cube,
    "offset": offset,
    "labels": labels,
    "labels2": labels2,
}

nn = jax.nn
cases = []


def case(fn, inp, out, **args):
    cases.append({"fn": fn, "input": inp, "args": args, "out": enc(out)})


elementwise = {
    "relu": nn.relu,
    "relu6": nn.relu6,
    "sigmoid": nn.sigmoid,
    "log_sigmoid": nn.log_sigmoid,
    "softplus": nn.softplus,
    "silu": nn.silu,
    "swish": nn.swish,
    "gelu": nn.gelu,
    "gelu_exact": lambda x: nn.gelu(x, approximate=False),
    "elu": nn.elu,
    "celu": nn.celu,
    "selu": nn.selu,
    "leaky_relu": nn.leaky_relu,
    "hard_tanh": nn.hard_tanh,
    "hard_sigmoid": nn.hard_sigmoid,
    "hard_silu": nn.hard_silu,
    "hard_swish": nn.hard_swish,
    "soft_sign": nn.soft_sign,
    "mish": nn.mish,
}
for name, f in elementwise.items():
    for inp in ("scalars", "m"):
        case(name, inp, f(jnp.asarray(inputs[inp])))

for alpha in (0.5, 2.0):
    case("elu", "scalars", nn.elu(scalars, alpha=alpha), alpha=alpha)
    case("celu", "scalars", nn.celu(scalars, alpha=alpha), alpha=alpha)
case("leaky_relu", "scalars", nn.leaky_relu(scalars, negative_slope=0.2), negative_slope=0.2)

for axis in (-1, 0):
    case("glu", "m", nn.glu(m, axis=axis), axis=axis)

for inp in ("m", "wide", "with_inf", "cube"):
    for axis in (-1, 0):
        x = jnp.asarray(inputs[inp])
        case("softmax", inp, nn.softmax(x, axis=axis), axis=axis)
        case("log_softmax", inp, nn.log_softmax(x, axis=axis), axis=axis)
case("softmax", "cube", nn.softmax(cube, axis=(0, 2)), axis=[0, 2])
case("log_softmax", "cube", nn.log_softmax(cube, axis=(0, 2)), axis=[0, 2])

for inp in ("m", "wide", "with_inf", "cube"):
    x = jnp.asarray(inputs[inp])
    for axis in (None, -1, 0):
        for keepdims in (False, True):
            case("logsumexp", inp, nn.logsumexp(x, axis=axis, keepdims=keepdims),
                 axis=axis, keepdims=keepdims)
case("logsumexp", "cube", nn.logsumexp(cube, axis=(0, 2)), axis=[0, 2], keepdims=False)

for inp in ("m", "scalars"):
    y = jnp.asarray(inputs[inp][::-1].copy())
    case("logaddexp", inp, jnp.logaddexp(jnp.asarray(inputs[inp]), y), other="reversed")

case("one_hot", "labels", nn.one_hot(labels, 5), num_classes=5, axis=-1)
case("one_hot", "labels2", nn.one_hot(labels2, 4), num_classes=4, axis=-1)
case("one_hot", "labels2", nn.one_hot(labels2, 4, axis=0), num_classes=4, axis=0)

for inp in ("m", "cube"):
    x = jnp.asarray(inputs[inp])
    for axis in (-1, 0):
        case("standardize", inp, nn.standardize(x, axis=axis), axis=axis, epsilon=1e-5)
# The offset rows are evaluated primitive by primitive (`disable_jit`), the semantics of the
# jaxpr and of our eager mode: under jit, XLA contracts `mean(x^2) - mean^2` into a fused
# multiply-add, which on these ill-conditioned rows changes the (noise-level) variance.
with jax.disable_jit():
    for eps in (1e-5, 0.1):
        case("standardize", "offset", nn.standardize(offset, axis=-1, epsilon=eps),
             axis=-1, epsilon=eps)
case("standardize", "cube", nn.standardize(cube, axis=(0, 2)), axis=[0, 2], epsilon=1e-5)

with open(OUT, "w") as f:
    json.dump(
        {
            "jax_version": jax.__version__,
            "inputs": {k: enc(v) for k, v in inputs.items()},
            "cases": cases,
        },
        f,
        separators=(",", ":"),
    )
print(f"wrote {len(cases)} cases to {OUT}")
