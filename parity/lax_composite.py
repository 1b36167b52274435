"""Goldens for crates/core/tests/suite/lax_composite.rs: jax.lax's functions built from other
primitives or holding user functions (`reduce` with a user computation, `conv_transpose`,
`conv_general_dilated_patches`, `custom_root`, `custom_linear_solve`) and the
`reduce_precision` primitive: values, and jax.grad of the sum in the first operand where
defined.

Run with the reference venv: `python parity/lax_composite.py` (jax 0.10.2). Each case is
{"name", "args": [encoded arrays], "outs": [encoded arrays], "grad": encoded or absent}; the
Rust test maps each name to the same call (fixed parameters are part of the name).
"""

import json
import os

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
from jax import lax

from golden_encoding import enc, function_cases

M = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3.0
V = np.array([0.3, -1.2, 2.5, 0.7, -0.4, 1.9, -2.2, 0.05, 1.1, -0.8], np.float32).reshape(2, 5)
I = np.array([[3, 12, 5, 255], [-7, 0, 9, 6], [1, 2, 4, 8]], np.int32)

# reduce_precision operands: ties, overflow after rounding, values at and below each format's
# smallest normal, signed zeros, infinities, NaN, float32 subnormals.
RP = np.array([1.0, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 1.0 + 2.0**-11 + 2.0**-20, -1.5,
               65504.0, 65519.0, 65520.0, 70000.0, 6.103515625e-05, 6.0e-05, 1.0e-05,
               2.0**-14 * (1 - 2.0**-11), 3.0e38, 3.4e38, 1e-40, -1e-40, 0.0, -0.0, np.inf,
               -np.inf, np.nan, 0.1, -0.3, 255.0, 240.0, 448.0, 464.0, 0.015625, 0.01],
              np.float32)
RP_F16 = RP[:13].astype(np.float16)
RP_BF16 = np.array([1.0, 1.0078125, 1.01171875, -3.140625, 3e38, 1e-38, 0.0, np.inf, np.nan],
                   ml_dtypes.bfloat16)


def select_max_with_index(a, b):
    """(value, index) pairs: the larger value, the smaller index on ties."""
    (av, ai), (bv, bi) = a, b
    take_b = (bv > av) | ((bv == av) & (bi < ai))
    return lax.select(take_b, bv, av), lax.select(take_b, bi, ai)


def newton_sqrt_solve(f, x0):
    x = x0
    for _ in range(30):
        x = x - f(x) / (2.0 * x)
    return x


def cubic_solve(f, x0):
    # x^3 + x - b = 0 by Newton's method; f's derivative is 3x^2 + 1 (the solve may use what it
    # knows about f, as in JAX's documentation).
    x = x0
    for _ in range(40):
        x = x - f(x) / (3.0 * x * x + 1.0)
    return x


def scalar_tangent_solve(g, y):
    return y / g(jnp.ones_like(y))


def root_sqrt(a):
    return lax.custom_root(lambda x: x * x - a, jnp.ones_like(a), newton_sqrt_solve,
                           scalar_tangent_solve)


def root_cubic(b):
    return lax.custom_root(lambda x: x * x * x + x - b, jnp.zeros_like(b), cubic_solve,
                           scalar_tangent_solve)


A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]], np.float32)
AN = np.array([[3.0, 1.0, 0.0], [-1.0, 2.0, 0.5], [0.25, 0.0, 1.5]], np.float32)


def dense_solve(matvec, b):
    # Recovers the matrix by applying matvec to the identity's columns.
    n = b.shape[0]
    mat = jax.vmap(matvec, in_axes=1, out_axes=1)(jnp.eye(n, dtype=b.dtype))
    return jnp.linalg.solve(mat, b)


def linear_solve_sym(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b, dense_solve, symmetric=True)


def linear_solve_nonsym(b, a):
    return lax.custom_linear_solve(lambda x: a @ x, b, dense_solve, transpose_solve=dense_solve)


def linear_solve_params(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b, dense_solve, transpose_solve=dense_solve)


LHS2 = np.linspace(-1.0, 1.0, 2 * 5 * 4 * 3, dtype=np.float32).reshape(2, 5, 4, 3)
K2 = np.linspace(-0.5, 0.8, 3 * 2 * 3 * 4, dtype=np.float32).reshape(3, 2, 3, 4)
LHS1 = np.linspace(-2.0, 1.0, 2 * 7 * 2, dtype=np.float32).reshape(2, 7, 2)
K1 = np.linspace(-1.0, 1.0, 3 * 2 * 3, dtype=np.float32).reshape(3, 2, 3)
NCHW = np.linspace(-1.0, 2.0, 2 * 3 * 5 * 4, dtype=np.float32).reshape(2, 3, 5, 4)

# name -> (function, args, differentiate?)
CASES = {
    "reduce_precision_e5m10": (lambda x: lax.reduce_precision(x, 5, 10), [RP], False),
    "reduce_precision_e8m7": (lambda x: lax.reduce_precision(x, 8, 7), [RP], False),
    "reduce_precision_e4m3": (lambda x: lax.reduce_precision(x, 4, 3), [RP], False),
    "reduce_precision_e5m2": (lambda x: lax.reduce_precision(x, 5, 2), [RP], False),
    "reduce_precision_e2m1": (lambda x: lax.reduce_precision(x, 2, 1), [RP], False),
    "reduce_precision_e3m0": (lambda x: lax.reduce_precision(x, 3, 0), [RP], False),
    "reduce_precision_e8m23": (lambda x: lax.reduce_precision(x, 8, 23), [RP], False),
    "reduce_precision_e11m30": (lambda x: lax.reduce_precision(x, 11, 30), [RP], False),
    "reduce_precision_grad": (lambda x: lax.reduce_precision(x, 5, 10) * x, [V], True),
    "reduce_precision_f16_e4m3": (lambda x: lax.reduce_precision(x, 4, 3), [RP_F16], False),
    "reduce_precision_bf16_e5m2": (lambda x: lax.reduce_precision(x, 5, 2), [RP_BF16], False),
    "reduce_add": (lambda x: lax.reduce(x, np.float32(0.0), lax.add, (0, 2)), [M], True),
    "reduce_max": (lambda x: lax.reduce(x, np.float32(-np.inf), lax.max, (2,)), [M], True),
    "reduce_mul_all": (lambda x: lax.reduce(x, np.float32(1.0), lax.mul, (0, 1)), [V], True),
    "reduce_custom": (
        lambda x: lax.reduce(x, np.float32(0.0), lambda a, b: a * b + a + b, (1,)), [V * 0.3],
        True),
    "reduce_xor_int": (lambda x: lax.reduce(x, np.int32(0), lax.bitwise_xor, (0,)), [I], False),
    "reduce_argmax": (
        lambda v, i: lax.reduce((v, i), (np.float32(-np.inf), np.int32(0)),
                                select_max_with_index, (1,)),
        [V, np.broadcast_to(np.arange(5, dtype=np.int32), (2, 5)).copy()], False),
    "reduce_empty_axis": (lambda x: lax.reduce(x, np.float32(-7.0), lax.add, (1,)),
                          [np.zeros((3, 0), np.float32)], False),
    "reduce_no_axes": (lambda x: lax.reduce(x, np.float32(0.0), lax.add, ()), [V], True),
    "conv_transpose_same_s2": (lambda x, k: lax.conv_transpose(x, k, (2, 2), "SAME"),
                               [LHS2, K2], True),
    "conv_transpose_valid_s2": (lambda x, k: lax.conv_transpose(x, k, (2, 1), "VALID"),
                                [LHS2, K2], True),
    "conv_transpose_explicit": (lambda x, k: lax.conv_transpose(x, k, (2, 3), ((1, 2), (0, 1))),
                                [LHS2, K2], True),
    "conv_transpose_kernel": (
        lambda x, k: lax.conv_transpose(x, k[:, :, :, :3], (2, 2), "SAME", transpose_kernel=True),
        [LHS2, K2], True),
    "conv_transpose_1d_dilated": (
        lambda x, k: lax.conv_transpose(x, k, (3,), "SAME", rhs_dilation=(2,)), [LHS1, K1], True),
    "conv_transpose_consistent": (
        lambda x, k: lax.conv_transpose(x, k, (2, 2), ((1, 1), (0, 1)),
                                        use_consistent_padding=True), [LHS2, K2], True),
    "conv_transpose_nchw": (
        lambda x, k: lax.conv_transpose(x, k, (2, 2), "VALID",
                                        dimension_numbers=("NCHW", "OIHW", "NCHW")),
        [NCHW, np.linspace(-1, 1, 2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)], True),
    "patches_valid": (lambda x: lax.conv_general_dilated_patches(x, (2, 3), (1, 1), "VALID"),
                      [NCHW], True),
    "patches_same_strided": (
        lambda x: lax.conv_general_dilated_patches(x, (3, 2), (2, 1), "SAME"), [NCHW], True),
    "patches_dilated": (
        lambda x: lax.conv_general_dilated_patches(x, (2, 2), (1, 2), ((1, 0), (0, 1)),
                                                   lhs_dilation=(1, 2), rhs_dilation=(2, 1)),
        [NCHW], True),
    "patches_nhwc": (
        lambda x: lax.conv_general_dilated_patches(
            x, (2, 2), (1, 1), "VALID", dimension_numbers=("NHWC", "OIHW", "CNHW")),
        [LHS2], True),
    "local_valid": (
        lambda x, w: lax.conv_general_dilated_local(x, w, (1, 1), "VALID", (2, 3)),
        [NCHW, np.linspace(-1, 1, 2 * 18 * 4 * 2, dtype=np.float32).reshape(2, 18, 4, 2)], True),
    "local_nhwc_strided": (
        lambda x, w: lax.conv_general_dilated_local(
            x, w, (2, 1), "SAME", (2, 2), dimension_numbers=("NHWC", "HWIO", "NHWC")),
        [LHS2, np.linspace(-1, 1, 3 * 4 * 12 * 2, dtype=np.float32).reshape(3, 4, 12, 2)], True),
    "ragged_dot": (
        lambda x, w: lax.ragged_dot(x, w, jnp.array([2, 0, 3], jnp.int32)),
        [np.linspace(-1, 1, 6 * 4, dtype=np.float32).reshape(6, 4),
         np.linspace(-2, 1, 3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)], True),
    "ragged_dot_rhs": (
        lambda w, x: lax.ragged_dot(x, w, jnp.array([1, 3, 1], jnp.int32)),
        [np.linspace(-2, 1, 3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5),
         np.linspace(-1, 1, 6 * 4, dtype=np.float32).reshape(6, 4)], True),
    "top_k_axis0": (lambda x: lax.top_k(x, 2, axis=0), [V.T], False),
    "approx_max_k": (lambda x: lax.approx_max_k(x, 3), [V], False),
    "approx_max_k_dim0": (lambda x: lax.approx_max_k(x, 1, reduction_dimension=0), [V], False),
    "approx_min_k": (lambda x: lax.approx_min_k(x, 2), [V], False),
    "approx_min_k_ties": (lambda x: lax.approx_min_k(x, 2, reduction_dimension=1),
                          [np.array([[1, 3, 3, -2], [0, 0, 5, -1], [4, 4, 4, 4]], np.float32)],
                          False),
    "at_apply_repeated": (lambda x: x.at[jnp.array([1, 1, 3])].apply(jnp.sin),
                          [np.arange(5, dtype=np.float32)], False),
    "at_apply_slice": (lambda x: x.at[:, 1].apply(jnp.exp), [M[0]], False),
    "scatter_apply_drop": (
        lambda x: lax.scatter_apply(
            x, jnp.array([[1], [7], [1]], jnp.int32), jnp.cos,
            lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                        scatter_dims_to_operand_dims=(0,)),
            update_shape=(3,), mode=lax.GatherScatterMode.FILL_OR_DROP),
        [np.array([0.5, 1.0, 2.0, -1.0], np.float32)], False),
    "custom_root_sqrt": (root_sqrt, [np.array([4.0, 2.0, 9.0, 0.25], np.float32)], True),
    "custom_root_cubic": (root_cubic, [np.array([2.0, -1.0, 10.0, 0.5], np.float32)], True),
    "custom_linear_solve_sym": (linear_solve_sym, [A, np.array([1.0, -2.0, 0.5], np.float32)],
                                True),
    "custom_linear_solve_b": (linear_solve_nonsym, [np.array([1.0, -2.0, 0.5], np.float32), AN],
                              True),
    "custom_linear_solve_matrix": (linear_solve_params,
                                   [AN, np.array([1.0, -2.0, 0.5], np.float32)], True),
}


def cases():
    return function_cases(CASES)


def jvps():
    """Forward mode of custom_root and custom_linear_solve (tangent of every operand)."""
    a = jnp.array([4.0, 2.0, 9.0, 0.25], jnp.float32)
    ta = jnp.array([1.0, -0.5, 2.0, 0.1], jnp.float32)
    b = jnp.array([1.0, -2.0, 0.5], jnp.float32)
    tb = jnp.array([0.3, 0.2, -1.0], jnp.float32)
    tm = jnp.asarray(AN) * 0.1
    return {
        "custom_root_sqrt": [enc(o) for o in jax.jvp(root_sqrt, (a,), (ta,))],
        "custom_linear_solve_matrix": [
            enc(o) for o in jax.jvp(linear_solve_params, (jnp.asarray(AN), b), (tm, tb))],
    }


COLLECTIVES = {
    "ppermute": (lambda v: lax.ppermute(v, "i", perm=[(0, 1), (1, 2), (2, 0)]), (3, 4, 2)),
    "psum_scatter": (lambda v: lax.psum_scatter(v, "i", scatter_dimension=0), (3, 3, 2)),
    "psum_scatter_tiled": (
        lambda v: lax.psum_scatter(v, "i", scatter_dimension=1, tiled=True), (3, 2, 6)),
    "all_to_all": (lambda v: lax.all_to_all(v, "i", 0, 1), (3, 3, 2)),
    "all_to_all_back": (lambda v: lax.all_to_all(v, "i", 1, 0), (3, 2, 3)),
    "all_to_all_tiled": (lambda v: lax.all_to_all(v, "i", 0, 1, tiled=True), (3, 6, 2)),
    "all_to_all_tiled_same": (lambda v: lax.all_to_all(v, "i", 1, 1, tiled=True), (3, 2, 6)),
    "pswapaxes": (lambda v: lax.pswapaxes(v, "i", 0), (3, 3, 2)),
}


def collectives():
    """Each collective under `vmap(axis_name="i")` (and inside an unnamed outer vmap): the
    output, and the gradient of a weighted sum of it."""
    out = []
    for name, (f, shape) in COLLECTIVES.items():
        x = jnp.arange(np.prod(shape), dtype=jnp.float32).reshape(shape) * 0.5 - 1.0
        mapped = jax.vmap(f, axis_name="i")
        y = mapped(x)
        w = jnp.linspace(-1.0, 2.0, y.size, dtype=jnp.float32).reshape(y.shape)
        g = jax.grad(lambda x: jnp.sum(mapped(x) * w))(x)
        xx = jnp.stack([x, x * 2.0 + 1.0])
        nested = jax.vmap(mapped)(xx)
        out.append({"name": name, "x": enc(x), "out": enc(y), "weights": enc(w), "grad": enc(g),
                    "nested_x": enc(xx), "nested": enc(nested)})
    return out


def ints(shape):
    return [int(d) for d in shape]


def shape_functions():
    """The pure shape functions, as name -> result (a list)."""
    nhwc = ("NHWC", "HWIO", "NHWC")
    return {
        "conv_general_permutations": [ints(p) for p in lax.conv_general_permutations(nhwc)],
        "conv_general_permutations_nchw": [
            ints(p) for p in lax.conv_general_permutations(("NCHW", "OIHW", "NCHW"))],
        "conv_general_shape_tuple": ints(lax.conv_general_shape_tuple(
            (8, 32, 30, 3), (5, 4, 3, 16), (2, 3), ((1, 2), (0, 0)), nhwc)),
        "conv_transpose_shape_tuple_same": ints(lax.conv_transpose_shape_tuple(
            (2, 5, 4, 3), (3, 2, 3, 4), (2, 2), "SAME", nhwc)),
        "conv_transpose_shape_tuple_valid": ints(lax.conv_transpose_shape_tuple(
            (2, 5, 4, 3), (3, 2, 3, 4), (2, 1), "VALID", nhwc)),
        "conv_transpose_shape_tuple_explicit": ints(lax.conv_transpose_shape_tuple(
            (2, 5, 4, 3), (3, 2, 3, 4), (2, 3), ((1, 2), (0, 1)), nhwc)),
    }


def main():
    result = {"jax_version": jax.__version__, "cases": cases(), "jvps": jvps(),
              "shape_functions": shape_functions(), "collectives": collectives()}
    path = os.path.join(os.path.dirname(__file__), "goldens", "lax_composite.json")
    with open(path, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
