"""Goldens for numpy indexing, `.at` updates, take, pad and tril, computed by jax.numpy.

Run with .venv/bin/python parity/indexing.py; writes parity/goldens/indexing.json.
Inputs are rebuilt in the Rust test (crates/core/tests/suite/indexing.rs) from the same recipe:
`x` = arange(24) as float32 reshaped to (2, 3, 4); `v` = arange(5) as int32. Values are
stored as float64 (exact for these float32/int32 results); NaN is stored as null.
"""
import json
import math
import os

import jax
import jax.numpy as jnp

x = jnp.arange(24, dtype=jnp.float32).reshape(2, 3, 4)
v = jnp.arange(5, dtype=jnp.int32)
i2 = jnp.array([2, -1, 0], dtype=jnp.int32)
oob = jnp.array([7, -1, -7, 2], dtype=jnp.int32)
dup = jnp.array([1, 1, 3, 1], dtype=jnp.int32)
rows = jnp.array([[0], [1]], dtype=jnp.int32)
cols = jnp.array([1, 3], dtype=jnp.int32)

cases = {
    "basic_int_slice": x[1, ::-1, 1:3],
    "basic_ellipsis_newaxis": x[None, ..., 2],
    "basic_negative_step": x[:, 2:0:-2, ::-3],
    "basic_clamped_int": v[7],
    "adv_one_array": x[:, i2],
    "adv_adjacent_arrays": x[:, i2, cols[:1]],
    "adv_separated_arrays": x[rows, :, cols],
    "adv_int_and_array": x[1, :, i2],
    "adv_array_with_slice_step": x[i2[:2], ::2, 1:],
    "adv_out_of_bounds_clamps": v[oob],
    "at_set_oob_dropped": v.at[oob].set(100),
    "at_add_duplicates": v.at[dup].add(10),
    "at_add_float_into_int": v.at[dup].add(1.7),
    "at_mul": v.at[dup].multiply(3),
    "at_min": v.at[dup].min(jnp.array([0, 5, 1, 2], dtype=jnp.int32)),
    "at_max_2d": x.at[:, i2, 1].max(10.0),
    "at_set_slice": x.at[1, 1:, ::2].set(-1.0),
    "at_get_fill": v.at[oob].get(mode="fill", fill_value=-5),
    "take_default_fill": jnp.take(x, oob, axis=2),
    "take_flat_clip": jnp.take(x, oob, mode="clip"),
    "take_along_axis": jnp.take_along_axis(
        x, jnp.array([[[3, 0, -1, 9]]], dtype=jnp.int32), axis=2
    ),
    "pad_constant": jnp.pad(x[0], ((1, 0), (0, 2)), constant_values=7.0),
    "tril_k1": jnp.tril(x, 1),
    "triu_km1": jnp.triu(x[0], -1),
    "repeat_axis1": jnp.repeat(x[0], 2, axis=1),
    "tile": jnp.tile(v[:3], (2, 2)),
}


def encode(a):
    vals = [None if math.isnan(float(e)) else float(e) for e in a.ravel().tolist()]
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": vals}


out = {"jax_version": jax.__version__, "cases": {k: encode(a) for k, a in cases.items()}}
path = os.path.join(os.path.dirname(__file__), "goldens", "indexing.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
