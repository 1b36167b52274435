"""Goldens for JAX's numeric corner cases checked in crates/core/tests/suite/sort_cumulative.rs,
prim_binary.rs and prim_select_convert.rs: cumulative sums of float16 (accumulated in float32,
each output rounded), NaN in cummax, bool scans, searchsorted on an unsorted array (JAX's
fixed-step binary search), jnp.remainder / floor_divide / power / shifts / bitwise and logical
functions on integer and float corner cases, and convert_element_type's rounding, saturation
and NaN handling.

Run with the reference venv: `python parity/literals_numeric.py` (jax 0.10.2). Float32 values
widen exactly to JSON numbers; non-finite values are "nan", "inf", "-inf". The default is JAX's
32-bit mode (the Rust library's dtypes); the conversions from int64 / float64 run under
jax.enable_x64, and their int64 inputs are JSON integers (exact, unlike a float64).
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from golden_encoding import enc

I32_MIN = -(2**31)


def cumulative():
    ones = jnp.ones(3000, jnp.float16)
    with_nan = jnp.array([1.0, np.nan, 2.0], jnp.float32)
    b = jnp.array([True, False, True])
    # name -> (the JAX expression, input, output); the Rust test calls jnp::<fn>(x, 0).
    cases = [
        ("cumsum", "jnp.cumsum", ones, jnp.cumsum(ones)),
        ("cummax", "lax.cummax", with_nan, lax.cummax(with_nan, 0)),
        ("cumsum", "jnp.cumsum", b, jnp.cumsum(b)),
        # jnp has no cummin; numpy's spelling of a running minimum on bool:
        ("cummin", "jnp.minimum.accumulate", b, jnp.minimum.accumulate(b)),
    ]
    return [{"fn": fn, "jax": expr, "x": enc(x), "out": enc(y)} for fn, expr, x, y in cases]


def searchsorted_unsorted():
    a = jnp.array([5.0, 1.0, 4.0, 2.0, 8.0, 0.0, 3.0], jnp.float32)
    v = jnp.array([-1.0, 0.0, 1.5, 2.0, 3.5, 4.0, 6.0, 9.0], jnp.float32)
    return [
        {"side": side, "a": enc(a), "v": enc(v), "out": enc(jnp.searchsorted(a, v, side=side))}
        for side in ("left", "right")
    ]


def integer_functions():
    i32 = lambda v: jnp.array(v, jnp.int32)
    u8 = lambda v: jnp.array(v, jnp.uint8)
    f32 = lambda v: jnp.array(v, jnp.float32)
    a = i32([7, -7, 7, -7, 0, I32_MIN, 5])
    b = i32([0, 0, -2, 2, 0, -1, 3])
    u, v = u8([7, 0, 9]), u8([0, 0, 2])
    f = f32([5.5, -5.5, 5.5, -5.5, 1.0, -0.0, 7.0, -7.0])
    g = f32([2.0, 2.0, -2.0, -2.0, 0.0, 3.0, np.inf, np.inf])
    x, one = i32([-8, 8]), i32([1])
    p, q = f32([0.0, 2.0, np.nan]), i32([1, 0, 0])
    cases = [
        ("remainder", a, b), ("floor_divide", a, b),
        ("remainder", u, v), ("floor_divide", u, v),
        ("floor_divide", f, g), ("remainder", f, g),
        ("power", i32([2, 0, 0, -3, 3]), i32([10, 0, 3, 3, 40])),
        ("right_shift", x, one), ("left_shift", x, one), ("right_shift", u8([200]), u8([1])),
        ("bitwise_and", x, one), ("bitwise_or", x, one), ("bitwise_xor", x, x),
        ("logical_and", p, q), ("logical_or", p, q), ("logical_xor", p, q),
    ]
    return [
        {"fn": fn, "a": enc(a), "b": enc(b), "out": enc(getattr(jnp, fn)(a, b))}
        for fn, a, b in cases
    ]


def convert():
    with jax.enable_x64(True):
        # int64 -> float32 rounds the exact integer once: 2^60 + 2^36 + 1 is just above the
        # midpoint between two float32 neighbours (as a float64 it would be the midpoint).
        big = jnp.array([(1 << 60) + (1 << 36) + 1], jnp.int64)
        # float64 -> bfloat16 / float16 just above a bfloat16 / float16 midpoint.
        to_bf16 = jnp.array([1.0 + 2.0**-8 + 2.0**-30], jnp.float64)
        to_f16 = jnp.array([1.0 + 2.0**-11 + 2.0**-40], jnp.float64)
        # Saturation, truncation toward zero, and NaN.
        specials = jnp.array([np.nan, 1e20, -1e20, -1.5, 300.7], jnp.float64)
        cases = [
            (big, jnp.float32), (to_bf16, jnp.bfloat16), (to_f16, jnp.float16),
            (specials, jnp.int32), (specials, jnp.uint8), (specials, jnp.bool_),
        ]
        out = []
        for x, dtype in cases:
            y = lax.convert_element_type(x, dtype)
            assert y.dtype == x.astype(dtype).dtype and np.array_equal(
                np.asarray(y), np.asarray(x.astype(dtype)), equal_nan=True)
            out.append({"x": enc(x), "to": str(np.dtype(dtype)), "out": enc(y)})
        return out


def main():
    out = {
        "jax_version": jax.__version__,
        # sort_cumulative.rs: cumulative_half_types_accumulate_in_f32_and_nan_propagates
        "cumulative": cumulative(),
        # sort_cumulative.rs: searchsorted_on_unsorted_input_follows_the_fixed_step_binary_search
        "searchsorted_unsorted": searchsorted_unsorted(),
        # prim_binary.rs: numpy_integer_functions_follow_jax
        "integer_functions": integer_functions(),
        # prim_select_convert.rs: convert_rounds_like_xla
        "convert": convert(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "literals_numeric.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
