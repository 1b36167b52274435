"""Goldens for crates/core/tests/suite/lax_breadth.rs: jax.lax's elementwise, reduction and shape
functions and the jax.nn functions identity, log1mexp, logmeanexp, sparse_plus,
sparse_sigmoid, squareplus, tanh (values, and jax.grad of the sum for the float ones).

Run with the reference venv: `python parity/lax_breadth.py` (jax 0.10.2). Each case is
{"name", "args": [encoded arrays], "outs": [encoded arrays], "grad": encoded or absent}; the
Rust test maps each name to the same call (fixed parameters are part of the name).
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from golden_encoding import enc, function_cases

F = np.array([-2.5, -1.0, -0.5, 0.0, 0.5, 1.5, 3.0], np.float32)
P = np.array([0.1, 0.5, 1.0, 2.0, 3.5, 7.0], np.float32)
G = np.array([-0.3, 0.8, 2.0, -1.7, 0.25, 4.0], np.float32)
I = np.array([-7, -1, 0, 3, 12, 255], np.int32)
S = np.array([0, 1, 2, 3, 4, 31], np.int32)
M = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3.0
B = np.array([[True, False, True], [False, False, True]])
U = np.array([0.0, 1.0, -0.0, 2.5, np.inf, -np.inf, np.nan], np.float32)

# name -> (function, args, differentiate?)
CASES = {
    "neg": (lax.neg, [F], True), "sign": (lax.sign, [F], False), "abs": (lax.abs, [F], False),
    "abs_int": (lax.abs, [I], False), "floor": (lax.floor, [F], False),
    "ceil": (lax.ceil, [F], False),
    "round_away": (lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO), [F], False),
    "round_even": (lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN), [F], False),
    "is_finite": (lax.is_finite, [U], False), "exp": (lax.exp, [F], True),
    "exp2": (lax.exp2, [F], True), "log": (lax.log, [P], True), "log1p": (lax.log1p, [P], True),
    "expm1": (lax.expm1, [F], True), "tanh": (lax.tanh, [F], True),
    "logistic": (lax.logistic, [F], True), "sin": (lax.sin, [F], True),
    "cos": (lax.cos, [F], True), "tan": (lax.tan, [G], True),
    "asin": (lax.asin, [F / 4], True), "acos": (lax.acos, [F / 4], True),
    "atan": (lax.atan, [F], True), "sinh": (lax.sinh, [F], True), "cosh": (lax.cosh, [F], True),
    "asinh": (lax.asinh, [F], True), "acosh": (lax.acosh, [P + 1], True),
    "atanh": (lax.atanh, [F / 4], True), "sqrt": (lax.sqrt, [P], True),
    "rsqrt": (lax.rsqrt, [P], True), "cbrt": (lax.cbrt, [G], True),
    "square": (lax.square, [F], True), "reciprocal": (lax.reciprocal, [G], True),
    "integer_pow3": (lambda x: lax.integer_pow(x, 3), [F], True),
    "bitwise_not": (lax.bitwise_not, [I], False),
    "population_count": (lax.population_count, [I], False), "clz": (lax.clz, [I], False),
    "add": (lax.add, [F[:6], G], True), "sub": (lax.sub, [F[:6], G], True),
    "mul": (lax.mul, [F[:6], G], True), "div": (lax.div, [F[:6], G], True),
    "div_int": (lax.div, [I, np.array([2, -3, 5, 2, -5, 7], np.int32)], False),
    "rem": (lax.rem, [F[:6], G], False),
    "rem_int": (lax.rem, [I, np.array([2, -3, 5, 2, -5, 7], np.int32)], False),
    "pow": (lax.pow, [P, G], True), "max": (lax.max, [F[:6], G], True),
    "min": (lax.min, [F[:6], G], True), "atan2": (lax.atan2, [F[:6], G], True),
    "nextafter": (lax.nextafter, [F[:6], G], False),
    "bitwise_and": (lax.bitwise_and, [I, S], False), "bitwise_or": (lax.bitwise_or, [I, S], False),
    "bitwise_xor": (lax.bitwise_xor, [I, S], False), "shift_left": (lax.shift_left, [I, S], False),
    "shift_right_logical": (lax.shift_right_logical, [I, S], False),
    "shift_right_arithmetic": (lax.shift_right_arithmetic, [I, S], False),
    "eq": (lax.eq, [F[:6], G], False), "ne": (lax.ne, [F[:6], G], False),
    "lt": (lax.lt, [F[:6], G], False), "le": (lax.le, [F[:6], G], False),
    "gt": (lax.gt, [F[:6], G], False), "ge": (lax.ge, [F[:6], G], False),
    "select": (lambda p, a, b: lax.select(p, a, b), [F[:6] > 0, F[:6], G], False),
    "select_n": (lambda w, a, b, c: lax.select_n(w, a, b, c),
                 [np.array([0, 1, 2, 2, 1, 0], np.int32), F[:6], G, P], False),
    "clamp": (lambda x: lax.clamp(np.float32(-1.0), x, np.float32(1.0)), [F], True),
    "convert_f32_i32": (lambda x: lax.convert_element_type(x, jnp.int32), [F], False),
    "reduce_sum": (lambda x: lax.reduce_sum(x, (0, 2)), [M], True),
    "reduce_prod": (lambda x: lax.reduce_prod(x, (1,)), [M], True),
    "reduce_max": (lambda x: lax.reduce_max(x, (2,)), [M], True),
    "reduce_min": (lambda x: lax.reduce_min(x, (0, 1)), [M], True),
    "reduce_and": (lambda x: lax.reduce_and(x, (1,)), [B], False),
    "reduce_or": (lambda x: lax.reduce_or(x, (1,)), [B], False),
    "reduce_xor": (lambda x: lax.reduce_xor(x, (0,)), [B], False),
    "argmax": (lambda x: lax.argmax(x, 1, jnp.int32), [M], False),
    "argmin": (lambda x: lax.argmin(x, 2, jnp.int32), [M], False),
    "cumsum": (lambda x: lax.cumsum(x, 2), [M], True),
    "cumsum_rev": (lambda x: lax.cumsum(x, 1, reverse=True), [M], True),
    "cumprod": (lambda x: lax.cumprod(x, 0), [M], True),
    "cummax": (lambda x: lax.cummax(x, 2), [M], True),
    "cummin": (lambda x: lax.cummin(x, 1, reverse=True), [M], True),
    "cumlogsumexp": (lambda x: lax.cumlogsumexp(x, 2), [M], True),
    "cumlogsumexp_rev": (lambda x: lax.cumlogsumexp(x, 1, reverse=True), [M], True),
    "sort": (lambda x: lax.sort(x, dimension=0), [M], True),
    "sort_key_val": (lambda k, v: lax.sort_key_val(k, v, dimension=0), [G, P], False),
    "top_k": (lambda x: lax.top_k(x, 2), [M], False),
    "reshape": (lambda x: lax.reshape(x, (4, 6)), [M], True),
    "reshape_dims": (lambda x: lax.reshape(x, (6, 4), dimensions=(2, 0, 1)), [M], True),
    "transpose": (lambda x: lax.transpose(x, (2, 0, 1)), [M], True),
    "rev": (lambda x: lax.rev(x, (0, 2)), [M], True),
    "squeeze": (lambda x: lax.squeeze(x, (0, 2)), [M[:1, :, :1]], True),
    "expand_dims": (lambda x: lax.expand_dims(x, (0, 2)), [G], True),
    "broadcast": (lambda x: lax.broadcast(x, (2,)), [G], True),
    "broadcast_in_dim": (lambda x: lax.broadcast_in_dim(x, (3, 6), (1,)), [G], True),
    "collapse": (lambda x: lax.collapse(x, 1, 3), [M], True),
    "index_in_dim": (lambda x: lax.index_in_dim(x, -1, 1, keepdims=False), [M], True),
    "dynamic_index_in_dim": (lambda x: lax.dynamic_index_in_dim(x, jnp.int32(1), 2), [M], True),
    "dynamic_update_slice_in_dim": (
        lambda x, u: lax.dynamic_update_slice_in_dim(x, u, jnp.int32(2), 2),
        [M, np.ones((2, 3, 2), np.float32)], True),
    "dynamic_update_index_in_dim": (
        lambda x, u: lax.dynamic_update_index_in_dim(x, u, jnp.int32(1), 1),
        [M, np.full((2, 4), 9.0, np.float32)], True),
    "full": (lambda: lax.full((2, 3), 1.5, jnp.float32), [], False),
    "full_like": (lambda x: lax.full_like(x, 2.0), [M], False),
    "tile": (lambda x: lax.tile(x, (2, 1)), [M[0]], True),
    "split": (lambda x: lax.split(x, (1, 3), axis=2), [M], False),
    "dot": (lambda a, b: lax.dot(a, b), [M[0], M[1].T], True),
    "batch_matmul": (lambda a, b: lax.batch_matmul(a, b), [M, np.swapaxes(M, 1, 2)], True),
    "mulhi_i32": (lax.mulhi, [np.array([-7, 2**30, -2**31, 123456789, -1, 65536], np.int32),
                              np.array([3, 5, 2**31 - 1, -987654321, -1, 65536], np.int32)], False),
    "mulhi_u32": (lax.mulhi, [np.array([7, 2**31, 2**32 - 1, 123456789, 1, 65536], np.uint32),
                              np.array([3, 5, 2**32 - 1, 987654321, 1, 65536], np.uint32)], False),
    "mulhi_u8": (lax.mulhi, [np.array([7, 128, 255, 16, 1, 200], np.uint8),
                             np.array([3, 5, 255, 16, 1, 100], np.uint8)], False),
    "bitcast_f32_i32": (lambda x: lax.bitcast_convert_type(x, jnp.int32), [F], False),
    "bitcast_i32_f32": (lambda x: lax.bitcast_convert_type(x, jnp.float32), [I], False),
    "bitcast_f32_u8": (lambda x: lax.bitcast_convert_type(x, jnp.uint8), [G], False),
    "scatter_sub": (lambda x, u: lax.scatter_sub(
        x, jnp.array([[1], [3], [1]], jnp.int32), u,
        lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                    scatter_dims_to_operand_dims=(0,))),
        [G, np.array([0.5, 2.0, 0.25], np.float32)], True),
    "broadcast_to_rank": (lambda x: lax.broadcast_to_rank(x, 3), [G], True),
    "optimization_barrier": (lambda x: lax.optimization_barrier(x), [G], True),
    "associative_scan_add": (lambda x: lax.associative_scan(jnp.add, x, axis=2), [M], True),
    "associative_scan_max_rev": (
        lambda x: lax.associative_scan(jnp.maximum, x, reverse=True, axis=1), [M], True),
    "associative_scan_affine": (
        lambda a, b: lax.associative_scan(
            lambda p, q: (p[0] * q[0], p[1] * q[0] + q[1]), (a, b), reverse=True),
        [np.array([0.9, 1.1, 0.5, -1.0, 2.0, 0.7, 1.3], np.float32), F], False),
    "index_take": (lambda x: lax.index_take(
        x, (jnp.array([0, 1, -1, 3], jnp.int32), jnp.array([2, -1, 0, 5], jnp.int32)), (0, 2)),
        [M], True),
    "conv_with_general_padding": (lambda x, w: lax.conv_with_general_padding(
        x, w, (2, 1), ((1, 0), (2, 1)), (1, 2), (2, 1)),
        [M.reshape(1, 2, 3, 4), np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 2, 3, 2)], True),
    "nn_identity": (jax.nn.identity, [F], True),
    "nn_tanh": (jax.nn.tanh, [F], True),
    "nn_squareplus": (jax.nn.squareplus, [F], True),
    "nn_squareplus_b": (lambda x: jax.nn.squareplus(x, 0.5), [F], True),
    "nn_sparse_plus": (jax.nn.sparse_plus, [F], True),
    "nn_sparse_sigmoid": (jax.nn.sparse_sigmoid, [F], True),
    "nn_log1mexp": (jax.nn.log1mexp, [np.array([1e-4, 0.1, 0.69, 0.7, 2.0, 30.0], np.float32)], True),
    "nn_logmeanexp": (lambda x: jax.nn.logmeanexp(x, axis=1), [M], True),
    "nn_logmeanexp_all": (lambda x: jax.nn.logmeanexp(x, keepdims=True), [M * 100], True),
}


def cases():
    return function_cases(CASES)


def ints(shape):
    return [int(d) for d in shape]


def shape_functions():
    """The pure shape functions, as name -> result (a list)."""
    return {
        "broadcast_shapes": ints(lax.broadcast_shapes((2, 1, 3), (4, 1), (1,))),
        "conv_shape_tuple": ints(lax.conv_shape_tuple((8, 3, 32, 30), (16, 3, 5, 4), (2, 3),
                                                      ((1, 2), (0, 0)))),
        "conv_shape_tuple_groups": ints(lax.conv_shape_tuple((8, 3, 9, 9), (16, 3, 3, 3), (1, 1),
                                                             ((0, 0), (1, 1)), 2)),
        "reduce_window_shape_tuple": ints(lax.reduce_window_shape_tuple(
            (10, 7), (3, 2), (2, 1), ((1, 0), (0, 2)))),
        "reduce_window_shape_tuple_dilated": ints(lax.reduce_window_shape_tuple(
            (10, 7), (3, 2), (2, 1), ((1, 0), (0, 2)), (2, 1), (1, 3))),
        "dtype": str(lax.dtype(jnp.ones(2, jnp.int32))),
    }


def main():
    result = {"jax_version": jax.__version__, "cases": cases(), "shape_functions": shape_functions()}
    path = os.path.join(os.path.dirname(__file__), "goldens", "lax_breadth.json")
    with open(path, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
