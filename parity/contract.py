"""Goldens for contractions and windows: matmul, einsum, tensordot, conv_general_dilated,
reduce_window (max/avg pooling) and select_and_scatter_add (the max-pool gradient), from real
JAX on CPU in float32. Inputs and outputs are stored as the float64 values of the float32
numbers, so they round-trip exactly.

Run: .venv/bin/python parity/contract.py  (writes parity/goldens/contract.json)
"""
import json, os
import numpy as np
import jax, jax.numpy as jnp
from jax import lax

rng = np.random.default_rng(1234)
cases = []


def arr(*shape):
    return (rng.standard_normal(shape)).astype(np.float32)


def enc(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "data": [float(v) for v in x.ravel()]}


def add(name, inputs, out):
    cases.append({"name": name, "inputs": [enc(i) for i in inputs], "out": enc(out)})


a, b = arr(2, 3, 4), arr(4, 5)
add("matmul_3d_2d", [a, b], jnp.matmul(a, b))
a, b = arr(2, 1, 3, 4), arr(5, 4, 2)
add("matmul_broadcast", [a, b], jnp.matmul(a, b))
a, b = arr(4), arr(3, 4, 2)
add("matmul_vec_batched", [a, b], jnp.matmul(a, b))
a, b = arr(3, 4, 5), arr(3, 5, 2)
add("einsum_bij_bjk", [a, b], jnp.einsum("bij,bjk->bik", a, b))
a, b, c = arr(3, 4), arr(4, 5), arr(5, 2)
add("einsum_chain", [a, b, c], jnp.einsum("ij,jk,kl->li", a, b, c))
a, b = arr(2, 3, 4), arr(4, 3)
add("einsum_sum_and_ellipsis", [a, b], jnp.einsum("...ij,ji->...", a, b))
a, b = arr(2, 3, 4), arr(3, 4, 5)
add("tensordot_2", [a, b], jnp.tensordot(a, b, 2))

x, w = arr(2, 3, 7, 7), arr(4, 3, 3, 3)
add("conv_same", [x, w], lax.conv_general_dilated(x, w, (1, 1), "SAME"))
x, w = arr(2, 4, 9, 8), arr(6, 2, 3, 2)
add("conv_stride_dilation_groups", [x, w], lax.conv_general_dilated(
    x, w, (2, 1), ((1, 0), (2, -1)), rhs_dilation=(2, 1), feature_group_count=2))
x, w = arr(1, 6, 6, 3), arr(3, 3, 3, 5)
add("conv_nhwc_hwio", [x, w], lax.conv_general_dilated(
    x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")))
x, w = arr(2, 3, 5), arr(4, 3, 3)
add("conv_transposed_1d", [x, w], lax.conv_general_dilated(
    x, w, (1,), ((2, 1),), lhs_dilation=(2,)))
x, w = arr(4, 2, 6), arr(4, 2, 3)
add("conv_batch_groups", [x, w], lax.conv_general_dilated(
    x, w, (1,), "VALID", batch_group_count=2))
x, w = arr(1, 2, 4, 4, 4), arr(3, 2, 2, 2, 2)
add("conv_3d", [x, w], lax.conv_general_dilated(x, w, (2, 1, 1), "SAME"))

x = arr(3, 6, 7)
add("max_pool_2x2", [x], lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2), (1, 2, 2), ((0, 0), (0, 0), (0, 0))))
add("avg_pool_3x3_pad", [x], lax.reduce_window(x, 0.0, lax.add, (1, 3, 3), (1, 2, 2), ((0, 0), (1, 1), (1, 1))) / 9.0)
add("reduce_window_min_dilated", [x], lax.reduce_window(
    x, jnp.inf, lax.min, (1, 2, 2), (1, 1, 2), ((0, 0), (1, 0), (0, 1)), base_dilation=(1, 2, 1), window_dilation=(1, 1, 2)))
g_shape = lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3), (1, 2, 2), ((0, 0), (1, 1), (1, 1))).shape
g = arr(*g_shape)
grad = jax.grad(lambda x: jnp.sum(lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3), (1, 2, 2), ((0, 0), (1, 1), (1, 1))) * g))(x)
add("max_pool_grad", [g, x], grad)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "contract.json")
with open(out, "w") as f:
    json.dump({"jax_version": jax.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {out}")
