"""Goldens for the AD conventions checked in crates/core/tests/suite/ad_layout_reduce.rs and
crates/core/tests/suite/ad_gather_sort_window.rs: how JAX splits a gradient between tied maxima and
minima (reductions, cumulative scans, scatter, pooling windows), reduce_prod's and cumprod's
gradients at zeros, and the gradients of sort / top_k and of scatter with duplicate indices.

Every case is `grad(lambda x: sum(f(x) * w))` at an input chosen to hit the convention; the
Rust tests rebuild `f` from the case's fields and read `x` and `w` from here too.

Run with the reference venv: `python parity/literals_ad.py` (jax 0.10.2, float64).
"""

import json
import os

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

from golden_encoding import enc  # noqa: E402


def f64(v):
    return jnp.asarray(v, jnp.float64)


def grad_of_weighted(f, x, w):
    """grad(lambda x: sum(f(x) * w)) at x."""
    return jax.grad(lambda x: jnp.sum(f(x) * w))(x)


REDUCE = {"reduce_max": lax.reduce_max, "reduce_min": lax.reduce_min, "reduce_prod": lax.reduce_prod}
CUMULATIVE = {"cumsum": lax.cumsum, "cumprod": lax.cumprod, "cummax": lax.cummax, "cummin": lax.cummin}


def reduce_case(op, axes, x, w):
    x, w = f64(x), f64(w)
    g = grad_of_weighted(lambda x: REDUCE[op](x, tuple(axes)), x, w)
    return {"op": op, "axes": list(axes), "x": enc(x), "w": enc(w), "grad": enc(g)}


def scan_case(op, reverse, x):
    x = f64(x)
    w = jnp.arange(1.0, x.shape[0] + 1, dtype=jnp.float64)
    g = grad_of_weighted(lambda x: CUMULATIVE[op](x, 0, reverse=reverse), x, w)
    return {"op": op, "reverse": reverse, "x": enc(x), "w": enc(w), "grad": enc(g)}


def scatter_case(op, idx, x, u, w):
    idx = jnp.asarray(idx, jnp.int32)
    x, u, w = f64(x), f64(u), f64(w)

    def loss(x, u):
        at = x.at[idx]
        return jnp.sum((at.max(u) if op == "max" else at.set(u)) * w)

    gx, gu = jax.grad(loss, argnums=(0, 1))(x, u)
    return {"op": op, "idx": enc(idx), "x": enc(x), "u": enc(u), "w": enc(w),
            "grad_x": enc(gx), "grad_u": enc(gu)}


def sort_case(op, x, w, k=None):
    x, w = f64(x), f64(w)
    f = (lambda x: jnp.sort(x)) if op == "sort" else (lambda x: lax.top_k(x, k)[0])
    out = {"op": op, "x": enc(x), "w": enc(w), "grad": enc(grad_of_weighted(f, x, w))}
    if k is not None:
        out["k"] = k
    return out


def pool_case(kind, x, window, strides):
    x = f64(x)
    init, op = (-jnp.inf, lax.max) if kind == "max" else (jnp.inf, lax.min)
    f = lambda x: lax.reduce_window(x, init, op, tuple(window), tuple(strides), "VALID")
    w = jnp.ones(f(x).shape, jnp.float64)
    return {"kind": kind, "window": window, "strides": strides, "padding": "VALID",
            "x": enc(x), "w": enc(w), "grad": enc(grad_of_weighted(f, x, w))}


def main():
    out = {
        "jax_version": jax.__version__,
        # ad_layout_reduce.rs: reduce_max_and_min_split_ties_evenly
        "reduce_ties": [
            reduce_case("reduce_max", [0], [1.0, 3.0, 3.0], 1.0),
            reduce_case("reduce_min", [0], [2.0, 1.0, 1.0, 5.0], 1.0),
            reduce_case("reduce_max", [0], [2.0, 2.0, 2.0], 1.0),
            reduce_case("reduce_max", [1], [[1.0, 4.0, 4.0], [7.0, 2.0, 7.0]], [1.0, 10.0]),
        ],
        # ad_layout_reduce.rs: reduce_prod_is_exact_at_zeros
        "reduce_prod_zeros": [
            reduce_case("reduce_prod", [0], [2.0, 0.0, 3.0], 1.0),
            reduce_case("reduce_prod", [0], [2.0, 0.0, 3.0, 0.0], 1.0),
            reduce_case("reduce_prod", [0], [2.0, 5.0, 3.0], 1.0),
        ],
        # ad_layout_reduce.rs: scans_follow_jax_on_ties_and_zeros (weights 1..=n)
        "scan_grads": [
            scan_case("cummax", False, [1.0, 3.0, 3.0, 2.0, 3.0, 5.0, 5.0]),
            scan_case("cummax", True, [1.0, 3.0, 3.0, 2.0, 3.0, 5.0, 5.0]),
            scan_case("cummin", False, [4.0, 2.0, 2.0, 2.0, 3.0, 1.0]),
            scan_case("cumprod", False, [2.0, 0.0, 3.0, 4.0, 0.0, 5.0]),
            scan_case("cumprod", True, [2.0, 0.0, 3.0, 4.0, 0.0, 5.0]),
            scan_case("cumsum", False, [0.5] * 4),
            scan_case("cumsum", True, [0.5] * 4),
        ],
        # ad_gather_sort_window.rs: scatter_conventions_match_jax
        "scatter_grads": [
            # Tied updates share the tangent ...
            scatter_case("max", [0, 0], [1.0, 5.0], [3.0, 3.0], [1.0, 1.0]),
            # ... and split it with an operand entry they tie.
            scatter_case("max", [0, 0], [3.0, 5.0], [3.0, 2.0], [1.0, 1.0]),
            # The last duplicate wins; overwritten operand entries get 0.
            scatter_case("set", [0, 2, 0], [1.0, 5.0, 7.0], [3.0, 3.0, 4.0], [1.0, 2.0, 3.0]),
        ],
        # ad_gather_sort_window.rs: sort_grad_matches_jax
        "sort_grads": [
            sort_case("sort", [3.0, 1.0, 2.0], [2.0, 0.0, 1.0]),
            sort_case("top_k", [3.0, 1.0, 2.0], [1.0, 10.0], k=2),
        ],
        # ad_gather_sort_window.rs: pooling_grads_and_ties_match_jax
        "pooling_ties": [
            pool_case("max", [1.0, 1.0, 0.0], [2], [1]),
            pool_case("min", [1.0, 1.0, 2.0], [2], [1]),
        ],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "literals_ad.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
