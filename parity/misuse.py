"""Goldens for misuse messages (issue 18): common programmer errors run through real JAX 0.10.2
on CPU, with the exception JAX raises and its message.

Run: .venv/bin/python parity/misuse.py  (writes parity/goldens/misuse.json)

Each case is a small call that JAX refuses. The golden records, per case:
- "name": the case, mirrored by the same name in crates/core/tests/suite/misuse_messages.rs;
- "call": the Python call, for the reader;
- "exception": the exception's type name;
- "message": JAX's full message (this file's directory written as "parity", so the golden
  does not depend on where the repository lives);
- "keys": the phrase(s) of the message a user needs (what went wrong, and the shapes, dtypes or
  axes involved). Each key is checked here to be a substring of JAX's message, and the Rust
  test checks that our panic message contains every key.

Cases where JAX's own message is an accident of its implementation (an IndexError "tuple index
out of range" for `jnp.argmax(axis=2)` on a 2-d array, an MLIR verifier error for a negative
shape, a ZeroDivisionError for `jnp.arange` with step 0) and cases our API rules out by its
types (negative counts and shapes are `usize`) are not included.
"""

import json
import os

import jax

jax.config.update("jax_platforms", "cpu")

import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "goldens", "misuse.json")


def o(shape, dtype=jnp.float32):
    return jnp.ones(shape, dtype)


def true_fun():
    return o(2)


def false_fun_shape():
    return o(3)


def false_fun_dtype():
    return o(2, jnp.int32)


def grow(c):
    return jnp.concatenate([c, c])


OOB_2D = "axis 3 is out of bounds for array of dimension 2"
CONTRACT = "dot_general requires contracting dimensions to have the same shape, got (3,) and (4,)"
SCAN = "scan body function carry input and carry output must have equal types"
WHILE = "while_loop body function carry input and carry output must have equal types"
CARRY_SHAPE = ("has type float32[2] but the corresponding output carry component has type "
               "float32[4], so the shapes do not match")
CARRY_DTYPE = ("has type float32[2] but the corresponding output carry component has type "
               "int32[2], so the dtypes do not match")
COND = "cond branches must have equal output types"

# name -> (call text, thunk, key phrases)
CASES = [
    ("matmul_contracting", "jnp.matmul(ones((2, 3)), ones((4, 5)))",
     lambda: jnp.matmul(o((2, 3)), o((4, 5))), [CONTRACT]),
    ("dot_vectors", "jnp.dot(ones(3), ones(4))",
     lambda: jnp.dot(o(3), o(4)), [CONTRACT]),
    ("tensordot_contracting", "jnp.tensordot(ones((2, 3)), ones((4, 5)), axes=1)",
     lambda: jnp.tensordot(o((2, 3)), o((4, 5)), axes=1), [CONTRACT]),
    ("dot_general_contracting",
     "lax.dot_general(ones((2, 3)), ones((4, 5)), (((1,), (0,)), ((), ())))",
     lambda: lax.dot_general(o((2, 3)), o((4, 5)), (((1,), (0,)), ((), ()))), [CONTRACT]),
    ("add_broadcast", "jnp.add(ones((2, 3)), ones(4))",
     lambda: jnp.add(o((2, 3)), o(4)),
     ["Incompatible shapes for broadcasting: shapes=[(2, 3), (4,)]"]),
    ("where_broadcast", "jnp.where(ones((2, 3)) > 0, ones(4), ones((2, 3)))",
     lambda: jnp.where(o((2, 3)) > 0, o(4), o((2, 3))),
     ["Incompatible shapes for broadcasting: shapes=[(2, 3), (4,), (2, 3)]"]),
    ("broadcast_to", "jnp.broadcast_to(ones((2, 3)), (4, 3))",
     lambda: jnp.broadcast_to(o((2, 3)), (4, 3)),
     ["Incompatible types for broadcasting: input type=float32[2,3] and requested type="
      "float32[4,3]"]),
    ("reshape_size", "jnp.reshape(ones(6), (4,))",
     lambda: jnp.reshape(o(6), (4,)),
     ["cannot reshape array of shape (6,) (size 6) into shape (4,) (size 4)"]),
    ("concatenate_shapes", "jnp.concatenate([ones((2, 3)), ones((2, 4))], axis=0)",
     lambda: jnp.concatenate([o((2, 3)), o((2, 4))], axis=0),
     ["Cannot concatenate arrays with shapes that differ in dimensions other than the one "
      "being concatenated: concatenating along dimension 0 for shapes (2, 3), (2, 4)"]),
    ("concatenate_ndim", "jnp.concatenate([ones((2, 3)), ones(3)])",
     lambda: jnp.concatenate([o((2, 3)), o(3)]),
     ["Cannot concatenate arrays with different numbers of dimensions: got (2, 3), (3,)"]),
    ("lax_concatenate_ndim", "lax.concatenate([ones(2), ones((2, 2))], 0)",
     lambda: lax.concatenate([o(2), o((2, 2))], 0),
     ["Cannot concatenate arrays with different numbers of dimensions: got (2,), (2, 2)"]),
    ("stack_shapes", "jnp.stack([ones((2, 3)), ones((3, 2))])",
     lambda: jnp.stack([o((2, 3)), o((3, 2))]),
     ["All input arrays must have the same shape. Got (2, 3), (3, 2)"]),
    ("sum_axis", "jnp.sum(ones((2, 3)), axis=5)",
     lambda: jnp.sum(o((2, 3)), axis=5),
     ["axis 5 is out of bounds for array of dimension 2"]),
    ("cumsum_axis", "jnp.cumsum(ones((2, 3)), axis=3)",
     lambda: jnp.cumsum(o((2, 3)), axis=3), [OOB_2D]),
    ("softmax_axis", "jax.nn.softmax(ones((2, 3)), axis=3)",
     lambda: jax.nn.softmax(o((2, 3)), axis=3), [OOB_2D]),
    ("flip_axis", "jnp.flip(ones((2, 3)), axis=3)",
     lambda: jnp.flip(o((2, 3)), axis=3), [OOB_2D]),
    ("roll_axis", "jnp.roll(ones((2, 3)), 1, axis=3)",
     lambda: jnp.roll(o((2, 3)), 1, axis=3), [OOB_2D]),
    ("moveaxis_axis", "jnp.moveaxis(ones((2, 3)), 0, 3)",
     lambda: jnp.moveaxis(o((2, 3)), 0, 3), [OOB_2D]),
    ("take_axis", "jnp.take(ones((2, 3)), jnp.array([0]), axis=2)",
     lambda: jnp.take(o((2, 3)), jnp.array([0]), axis=2),
     ["axis 2 is out of bounds for array of dimension 2"]),
    ("expand_dims_axis", "jnp.expand_dims(ones((2, 3)), 5)",
     lambda: jnp.expand_dims(o((2, 3)), 5),
     ["axis 5 is out of bounds for array of dimension 3"]),
    ("trace_1d", "jnp.trace(ones(3))",
     lambda: jnp.trace(o(3)),
     ["axis 1 is out of bounds for array of dimension 1"]),
    ("diagonal_1d", "jnp.diagonal(ones(3))",
     lambda: jnp.diagonal(o(3)),
     ["diagonal requires an array of at least two dimensions"]),
    ("transpose_permutation", "jnp.transpose(ones((2, 3)), (0, 0))",
     lambda: jnp.transpose(o((2, 3)), (0, 0)),
     ["transpose permutation isn't a permutation of operand dimensions, got permutation "
      "(0, 0) for operand shape (2, 3)"]),
    ("squeeze_non_unit", "jnp.squeeze(ones((2, 3)), axis=0)",
     lambda: jnp.squeeze(o((2, 3)), axis=0),
     ["cannot select an axis to squeeze out which has size not equal to one, got "
      "shape=(2, 3) and dimensions=(0,)"]),
    ("take_along_axis_ndim",
     "jnp.take_along_axis(ones((2, 3)), zeros(2, int32), axis=1)",
     lambda: jnp.take_along_axis(o((2, 3)), jnp.zeros(2, jnp.int32), axis=1),
     ["indices and arr must have the same number of dimensions; 1 vs. 2"]),
    ("einsum_label_size", "jnp.einsum('ij,jk->ik', ones((2, 3)), ones((4, 5)))",
     lambda: jnp.einsum("ij,jk->ik", o((2, 3)), o((4, 5))),
     ["Size of label 'j' for operand 1 (3) does not match previous terms (4)"]),
    ("einsum_output_label", "jnp.einsum('ij->ik', ones((2, 3)))",
     lambda: jnp.einsum("ij->ik", o((2, 3))),
     ["Output character 'k' did not appear in the input"]),
    ("split_unequal", "jnp.split(ones(5), 2)",
     lambda: jnp.split(o(5), 2),
     ["array split does not result in an equal division: rest is 1"]),
    ("pad_width_shape", "jnp.pad(ones((2, 3)), ((1, 1), (1, 1), (1, 1)))",
     lambda: jnp.pad(o((2, 3)), ((1, 1), (1, 1), (1, 1))),
     ["pad_width with nd=2 has unsupported shape (3, 2)"]),
    ("lax_pad_config", "lax.pad(ones(3), 0.0, [(1, 1, 0), (1, 1, 0)])",
     lambda: lax.pad(o(3), 0.0, [(1, 1, 0), (1, 1, 0)]),
     ["length of padding_config must equal the number of axes of operand, got "
      "padding_config ((1, 1, 0), (1, 1, 0)) for operand shape (3,)"]),
    # Under jit: eagerly JAX 0.10.2 runs slice through dynamic_slice, whose message shows
    # numpy scalars (`np.int64(3)`); the traced shape rule's message is the one meant.
    ("slice_limits", "jax.jit(lambda x: lax.slice(x, (0, 0), (3, 3)))(ones((2, 3)))",
     lambda: jax.jit(lambda x: lax.slice(x, (0, 0), (3, 3)))(o((2, 3))),
     ["slice limit_indices must be less than or equal to operand shape, got limit_indices "
      "(3, 3) for operand shape (2, 3)"]),
    ("dynamic_slice_sizes", "lax.dynamic_slice(ones((2, 3)), (0, 0), (3, 3))",
     lambda: lax.dynamic_slice(o((2, 3)), (0, 0), (3, 3)),
     ["slice slice_sizes must be less than or equal to operand shape, got slice_sizes "
      "(3, 3) for operand shape (2, 3)"]),
    ("dynamic_slice_indices", "lax.dynamic_slice(ones((2, 3)), (0,), (1,))",
     lambda: lax.dynamic_slice(o((2, 3)), (0,), (1,)),
     ["Length of slice indices must match number of operand dimensions (1 vs (2, 3))"]),
    ("dynamic_update_slice_shape", "lax.dynamic_update_slice(ones(3), ones(4), (0,))",
     lambda: lax.dynamic_update_slice(o(3), o(4), (0,)),
     ["dynamic_update_slice update shape must be smaller than operand shape, got update "
      "shape (4,) for operand shape (3,)"]),
    ("reduce_window_dims",
     "lax.reduce_window(ones(4), 0.0, lax.add, (2, 2), (1,), 'VALID')",
     lambda: lax.reduce_window(o(4), 0.0, lax.add, (2, 2), (1,), "VALID"),
     ["reduce_window got the wrong number of window_dimensions for operand: got operand "
      "shape (4,) with window_dimensions (2, 2)"]),
    ("conv_ranks", "lax.conv_general_dilated(ones((1, 1, 4)), ones((1, 1, 3, 3)), (1,), 'VALID')",
     lambda: lax.conv_general_dilated(o((1, 1, 4)), o((1, 1, 3, 3)), (1,), "VALID"),
     ["convolution requires lhs and rhs ndim to be equal, got 3 and 4"]),
    ("top_k_too_large", "lax.top_k(ones(3), 5)",
     lambda: lax.top_k(o(3), 5),
     ["k argument to top_k must be no larger than size along axis; got k=5 with shape=[3] "
      "and axis=0"]),
    ("inv_nonsquare", "jnp.linalg.inv(ones((2, 3)))",
     lambda: jnp.linalg.inv(o((2, 3))),
     ["Argument to inv must have shape [..., n, n], got (2, 3)"]),
    ("det_nonsquare", "jnp.linalg.det(ones((2, 3)))",
     lambda: jnp.linalg.det(o((2, 3))),
     ["must have shape [..., n, n], got (2, 3)"]),
    ("choice_no_replace", "jax.random.choice(key(0), 3, (5,), replace=False)",
     lambda: jax.random.choice(jax.random.key(0), 3, (5,), replace=False),
     ["Cannot take a larger sample (size 5) than population (size 3) when 'replace=False'"]),
    ("grad_nonscalar", "jax.grad(lambda x: x * 2)(ones(3))",
     lambda: jax.grad(lambda x: x * 2)(o(3)),
     ["Gradient only defined for scalar-output functions. Output had shape: (3,)"]),
    ("grad_int", "jax.grad(lambda x: x * 2)(jnp.int32(3))",
     lambda: jax.grad(lambda x: x * 2)(jnp.int32(3)),
     ["grad requires real- or complex-valued inputs (input dtype that is a sub-dtype of "
      "np.inexact), but got int32"]),
    ("jvp_tangent_shape", "jax.jvp(jnp.sin, (ones(3),), (ones(4),))",
     lambda: jax.jvp(jnp.sin, (o(3),), (o(4),)),
     ["jvp called with different primal and tangent shapes",
      "primal shape (3,) and tangent shape as (4,)"]),
    ("vjp_cotangent_shape", "jax.vjp(jnp.sin, ones(3))[1](ones(4))",
     lambda: jax.vjp(jnp.sin, o(3))[1](o(4)),
     ["unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got float32[4], "
      "but expected float32[3]"]),
    ("vmap_axis_rank", "jax.vmap(lambda x: x, in_axes=2)(ones((2, 3)))",
     lambda: jax.vmap(lambda x: x, in_axes=2)(o((2, 3))),
     ["vmap was requested to map its argument along axis 2, which implies that its rank "
      "should be at least 3, but is only 2 (its shape is (2, 3))"]),
    ("vmap_sizes", "jax.vmap(lambda x, y: x + y)(ones(2), ones(3))",
     lambda: jax.vmap(lambda x, y: x + y)(o(2), o(3)),
     ["vmap got inconsistent sizes for array axes to be mapped",
      "one axis had size 2: axis 0 of argument", "of type float32[2]",
      "one axis had size 3: axis 0 of argument", "of type float32[3]"]),
    ("scan_carry_shape", "lax.scan(lambda c, x: (concatenate([c, c]), x), ones(2), ones(3))",
     lambda: lax.scan(lambda c, x: (grow(c), x), o(2), o(3)),
     [SCAN, CARRY_SHAPE]),
    ("scan_carry_dtype", "lax.scan(lambda c, x: (c.astype(int32), x), ones(2), ones(3))",
     lambda: lax.scan(lambda c, x: (c.astype(jnp.int32), x), o(2), o(3)),
     [SCAN, CARRY_DTYPE]),
    ("while_carry_shape",
     "lax.while_loop(lambda c: c.sum() < 10, lambda c: concatenate([c, c]), ones(2))",
     lambda: lax.while_loop(lambda c: c.sum() < 10, grow, o(2)),
     [WHILE, CARRY_SHAPE]),
    ("fori_carry_dtype", "lax.fori_loop(0, 3, lambda i, c: c.astype(int32), ones(2))",
     lambda: lax.fori_loop(0, 3, lambda i, c: c.astype(jnp.int32), o(2)),
     [SCAN, CARRY_DTYPE]),
    ("cond_shapes", "lax.cond(True, true_fun, false_fun_shape)",
     lambda: lax.cond(True, true_fun, false_fun_shape),
     [COND, "The output of true_fun has type float32[2] but the corresponding output of "
      "false_fun has type float32[3], so the shapes do not match"]),
    ("cond_dtypes", "lax.cond(True, true_fun, false_fun_dtype)",
     lambda: lax.cond(True, true_fun, false_fun_dtype),
     [COND, "The output of true_fun has type float32[2] but the corresponding output of "
      "false_fun has type int32[2], so the dtypes do not match"]),
]


def main():
    cases = []
    for name, call, thunk, keys in CASES:
        try:
            thunk()
        except Exception as e:  # noqa: BLE001 (the message is the golden)
            message = str(e).replace(HERE, "parity")
            for key in keys:
                assert key in message, f"{name}: key {key!r} not in {message!r}"
            cases.append({"name": name, "call": call, "exception": type(e).__name__,
                          "message": message, "keys": keys})
        else:
            raise AssertionError(f"{name} did not raise")
    out = {"jax_version": jax.__version__, "cases": cases}
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
