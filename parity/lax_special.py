"""Goldens for crates/core/tests/suite/lax_special.rs: the values and derivatives of jax.lax's special
functions (lgamma, digamma, polygamma, igamma, igammac, igamma_grad_a, random_gamma_grad,
betainc, zeta, bessel_i0e, bessel_i1e, erf, erfc, erf_inv) in float32 and float64.

Run with the reference venv: `python parity/lax_special.py` (jax 0.10.2). Each case is
{"name", "dtype", "args": [encoded arrays], "value": encoded, "grads": [encoded or null]}:
`grads[i]` is the elementwise derivative with respect to argument i (jax.grad of the sum),
null where JAX defines none (it raises). Arrays are encoded by golden_encoding.enc.
"""

import json
import os

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from golden_encoding import enc  # noqa: E402

UNARY_POINTS = {
    "lgamma": [0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 0.01, -0.5, -2.3, 50.0],
    "digamma": [0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 0.01, -0.5, -2.3, 50.0],
    "erf": [-3.0, -1.0, -0.2, 0.0, 0.3, 0.9, 2.0, 4.0],
    "erfc": [-3.0, -1.0, -0.2, 0.0, 0.3, 0.9, 2.0, 4.0, 8.0],
    "erf_inv": [-0.99, -0.5, -0.1, 0.0, 0.2, 0.7, 0.999],
    "bessel_i0e": [-20.0, -7.5, -1.0, 0.0, 0.3, 1.0, 5.0, 8.0, 9.0, 30.0, 500.0],
    "bessel_i1e": [-20.0, -7.5, -1.0, 0.0, 0.3, 1.0, 5.0, 8.0, 9.0, 30.0, 500.0],
}

# (first operand, second operand) pairs.
IGAMMA_POINTS = [
    (0.5, 0.2), (0.5, 2.0), (1.0, 1.0), (2.5, 0.7), (2.5, 3.0), (3.0, 10.0), (10.0, 8.0),
    (10.0, 12.0), (0.1, 0.05), (50.0, 45.0), (4.0, 0.0), (0.0, 1.0), (-1.0, 1.0), (2.0, -1.0),
    (3.0, float("inf")),
]
GRAD_A_POINTS = [
    (0.5, 0.2), (0.5, 2.0), (1.0, 1.0), (2.5, 0.7), (2.5, 3.0), (3.0, 10.0), (10.0, 8.0),
    (10.0, 12.0), (0.1, 0.05), (4.0, 0.0), (0.0, 1.0), (2.0, -1.0),
]
ZETA_POINTS = [
    (2.0, 1.0), (3.0, 1.0), (2.0, 0.5), (4.5, 2.0), (1.5, 3.0), (10.0, 1.2), (1.0, 1.0),
    (0.5, 1.0), (2.0, -1.0), (3.0, -2.0), (2.5, -1.5), (2.0, 30.0),
]
POLYGAMMA_POINTS = [
    (0.0, 1.5), (1.0, 0.5), (1.0, 2.0), (2.0, 3.3), (3.0, 0.7), (4.0, 10.0), (1.0, 25.0),
    (2.0, 1.0), (1.5, 2.0), (-1.0, 2.0),
]
BETAINC_POINTS = [
    (1.0, 1.0, 0.3), (2.0, 3.0, 0.4), (0.5, 0.5, 0.9), (5.0, 2.0, 0.8), (10.0, 10.0, 0.5),
    (0.2, 4.0, 0.01), (3.0, 0.7, 0.999), (2.0, 2.0, 0.0), (2.0, 2.0, 1.0), (0.0, 2.0, 0.5),
    (2.0, 0.0, 0.5), (-1.0, 2.0, 0.5), (2.0, 2.0, 1.5), (50.0, 30.0, 0.6),
]
# Betainc's derivative in x is only compared where it is finite and the point is interior.
BETAINC_GRAD_POINTS = BETAINC_POINTS[:7] + [(50.0, 30.0, 0.6)]

UNARY = {
    "lgamma": lax.lgamma, "digamma": lax.digamma, "erf": lax.erf, "erfc": lax.erfc,
    "erf_inv": lax.erf_inv, "bessel_i0e": lax.bessel_i0e, "bessel_i1e": lax.bessel_i1e,
}
# name -> (function, points, which arguments JAX differentiates)
NARY = {
    "igamma": (lax.igamma, IGAMMA_POINTS, [0, 1]),
    "igammac": (lax.igammac, IGAMMA_POINTS, [0, 1]),
    "igamma_grad_a": (lax.igamma_grad_a, GRAD_A_POINTS, []),
    "random_gamma_grad": (lax.random_gamma_grad, GRAD_A_POINTS, []),
    "zeta": (lax.zeta, ZETA_POINTS, []),
    "polygamma": (lax.polygamma, POLYGAMMA_POINTS, [1]),
    "betainc": (lax.betainc, BETAINC_POINTS, [2]),
}


def grads_of(f, args, argnums, grad_points=None):
    out = []
    for i in range(len(args)):
        if i not in argnums:
            out.append(None)
            continue
        g = jax.grad(lambda *a: jnp.sum(f(*a)), argnums=i)(*args)
        out.append(enc(g))
    return out


def cases():
    out = []
    for dtype in (np.float32, np.float64):
        for name, f in UNARY.items():
            x = jnp.asarray(np.array(UNARY_POINTS[name], dtype))
            out.append({"name": name, "dtype": np.dtype(dtype).name, "args": [enc(x)],
                        "value": enc(f(x)), "grads": grads_of(f, [x], [0])})
        for name, (f, points, argnums) in NARY.items():
            cols = list(zip(*points))
            args = [jnp.asarray(np.array(c, dtype)) for c in cols]
            case = {"name": name, "dtype": np.dtype(dtype).name, "args": [enc(a) for a in args],
                    "value": enc(f(*args)), "grads": grads_of(f, args, argnums)}
            if name == "betainc":
                gcols = list(zip(*BETAINC_GRAD_POINTS))
                gargs = [jnp.asarray(np.array(c, dtype)) for c in gcols]
                case["grads"] = [None, None, None]
                case["grad_x"] = {"args": [enc(a) for a in gargs],
                                  "grad": enc(jax.grad(lambda x: jnp.sum(f(gargs[0], gargs[1], x)))(gargs[2]))}
            out.append(case)
    return out


def main():
    result = {"jax_version": jax.__version__, "cases": cases()}
    path = os.path.join(os.path.dirname(__file__), "goldens", "lax_special.json")
    with open(path, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
