"""Goldens for crates/core/tests/suite/ad_elementwise.rs: JAX's derivatives of the elementwise
primitives and of jax.nn / jax.numpy functions at their special points (kinks, ties, domain
edges), clamp's tangent masks, scipy's polygamma values, and make_jaxpr text.

Run with the reference venv: `python parity/ad_elementwise.py` (jax 0.10.2, scipy). Floats are
float32 results widened exactly to JSON numbers (f64 for polygamma); non-finite values are the
strings "nan", "inf", "-inf".
"""

import json
import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special
from jax import lax


def num(v):
    v = float(v)
    if math.isfinite(v):
        return v
    return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def grad_at(f, x):
    return num(jax.grad(f)(jnp.float32(x)))


# name -> (function, points). The Rust test maps each name to the same function.
SPECIAL = {
    "abs": (jnp.abs, [0.0, -0.0, -2.0, 3.0]),
    "sqrt": (jnp.sqrt, [0.0, 4.0]),
    "cbrt": (jnp.cbrt, [0.0, 8.0]),
    "rsqrt": (lax.rsqrt, [0.0, 4.0]),
    "log": (jnp.log, [0.0, 2.0]),
    "erf_inv": (lax.erf_inv, [1.0, 0.0]),
    "asin": (jnp.arcsin, [1.0, 0.0]),
    "acosh": (jnp.arccosh, [1.0, 2.0]),
    "atanh": (jnp.arctanh, [1.0, 0.0]),
    "sign": (jnp.sign, [0.0, 2.0]),
    "floor": (jnp.floor, [1.0, 1.5]),
    "round": (jnp.round, [0.5, 1.5]),
    "stop_gradient": (lax.stop_gradient, [1.0]),
    "integer_pow0": (lambda x: lax.integer_pow(x, 0), [0.0, 2.0]),
    "integer_pow3": (lambda x: lax.integer_pow(x, 3), [0.0, -2.0]),
    "tanh": (jnp.tanh, [0.0, 20.0]),
    "logistic": (jax.nn.sigmoid, [0.0, -100.0]),
    "digamma": (jax.scipy.special.digamma, [2.5, 0.5]),
    "lgamma": (jax.scipy.special.gammaln, [0.5, 3.0]),
    "where_pos": (lambda x: jnp.where(x > 0, x, 0.0), [0.0, 1.0, -1.0]),
    "clip01": (lambda x: jnp.clip(x, 0.0, 1.0), [0.0, 1.0, 0.5, 2.0]),
    "clamp01": (lambda x: lax.clamp(0.0, x, 1.0), [0.0, 1.0, 0.5, 2.0]),
    "maximum0": (lambda x: jnp.maximum(x, 0.0), [0.0, 1.0]),
    "relu": (jax.nn.relu, [0.0, -0.0, -1.0, 2.0]),
    "relu6": (jax.nn.relu6, [0.0, 6.0, 3.0, -1.0, 7.0]),
    "softplus": (jax.nn.softplus, [0.0, 1.0, -2.0, 30.0, -30.0]),
    "log_sigmoid": (jax.nn.log_sigmoid, [0.0, 3.0]),
    "mish": (jax.nn.mish, [0.0, 1.0]),
    "leaky_relu": (jax.nn.leaky_relu, [0.0, -1.0]),
    "elu": (jax.nn.elu, [0.0, -1.0]),
    "celu": (jax.nn.celu, [0.0, -1.0]),
    "hard_tanh": (jax.nn.hard_tanh, [1.0, -1.0, 0.0]),
    "hard_sigmoid": (jax.nn.hard_sigmoid, [-3.0, 3.0, 0.0]),
    "silu": (jax.nn.silu, [0.0]),
    "gelu": (jax.nn.gelu, [0.0, 1.0]),
}

LOGADDEXP_POINTS = [(1.0, 1.0), (0.0, 2.0), (3.0, -1.0), (-0.5, -0.5), (0.0, 0.0), (20.0, -20.0)]
CLAMP_POINTS = [
    (0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (0.0, 0.5, 1.0), (0.0, 2.0, 1.0), (0.0, -1.0, 1.0),
    (1.0, 0.0, 1.0), (2.0, 0.0, 1.0), (0.5, 0.5, 0.5),
]
POLYGAMMA_POINTS = [0.001, 0.3, 0.5, 1.0, 2.5, 7.3, 19.9, 25.0, 1000.0, 1e8, -0.5, -2.3, -7.9, 0.0, -1.0]


def jaxprs():
    x3 = jnp.ones(3, jnp.float32)
    return {
        "jvp_sqrt": jax.make_jaxpr(lambda x: jax.jvp(jnp.sqrt, (x,), (x,)))(x3),
        "jvp_tanh": jax.make_jaxpr(lambda x: jax.jvp(jnp.tanh, (x,), (x,)))(x3),
        "jvp_abs": jax.make_jaxpr(lambda x: jax.jvp(lax.abs, (x,), (x,)))(x3),
        "jvp_clamp": jax.make_jaxpr(lambda x: jax.jvp(lambda y: lax.clamp(0.0, y, 1.0), (x,), (x,)))(x3),
        "jvp_integer_pow": jax.make_jaxpr(lambda x: jax.jvp(lambda y: lax.integer_pow(y, 3), (x,), (x,)))(x3),
        "vmap_select": jax.make_jaxpr(jax.vmap(lambda p, x: lax.select(p, x, -x)))(jnp.ones(3, bool), x3),
        "convert": jax.make_jaxpr(lambda x: lax.convert_element_type(x, jnp.int32))(x3),
        "round": jax.make_jaxpr(lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN))(x3),
    }


def main():
    special = []
    for name, (f, points) in SPECIAL.items():
        for x in points:
            special.append({"name": name, "x": num(np.float32(x)), "grad": grad_at(f, x)})
    lae = []
    for a, b in LOGADDEXP_POINTS:
        g1, g2 = jax.grad(jnp.logaddexp, argnums=(0, 1))(jnp.float32(a), jnp.float32(b))
        lae.append({"x1": a, "x2": b, "g1": num(g1), "g2": num(g2)})
    clamp = []
    for lo, x, hi in CLAMP_POINTS:
        gs = jax.grad(lambda l, y, h: lax.clamp(l, y, h), argnums=(0, 1, 2))(
            jnp.float32(lo), jnp.float32(x), jnp.float32(hi))
        clamp.append({"lo": lo, "x": x, "hi": hi, "grads": [num(g) for g in gs]})
    poly = []
    for n in (1, 2, 3, 4):
        for x in POLYGAMMA_POINTS:
            poly.append({"n": n, "x": x, "value": num(scipy.special.polygamma(n, x))})
    out = {
        "jax_version": jax.__version__,
        "special_grads": special,
        "logaddexp_grads": lae,
        "clamp_grads": clamp,
        "polygamma": poly,
        "jaxprs": {k: str(v) for k, v in jaxprs().items()},
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "ad_elementwise.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
