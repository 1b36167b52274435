"""Printing goldens: numpy's `str()` and JAX's `repr()` of a set of arrays.

usage: .venv/bin/python parity/printing.py   (writes parity/goldens/printing.json)

Each case stores the dtype, shape, weak flag and elements (floats as the hex bit pattern of
their float64 value, so they round-trip exactly; integers and bools as JSON numbers), plus
`str` (numpy's `str(np.asarray(x))`, which is what `str(jax_array)` prints) and `repr` (JAX's
`repr(jax_array)`).
"""
import json
import os
import struct
import warnings

warnings.simplefilter("ignore")
import jax

jax.config.update("jax_enable_x64", True)  # int64/float64 cases need it
import jax.numpy as jnp
import numpy as np
from jax._src.lax.lax import _convert_element_type

nan, inf = float("nan"), float("inf")


def f64_bits(v):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", float(v)))[0]


CASES = [
    ("ints_2x3", np.arange(6, dtype=np.int32).reshape(2, 3)),
    ("ints_negative", np.array([-5, 10, 200, -3000], dtype=np.int64)),
    ("uint8", np.array([0, 7, 255], dtype=np.uint8)),
    ("uint32_large", np.array([1, 4294967295], dtype=np.uint32)),
    ("int_wide_2x2", np.array([[1, -100000], [22, 3]], dtype=np.int32)),
    ("floats_simple", np.array([1.5, 2.0, 3.0], dtype=np.float32)),
    ("floats_tenths", np.array([0.1, 0.2, 0.3], dtype=np.float32)),
    ("floats_thirds", np.array([1 / 3, 2 / 3, 100 / 3], dtype=np.float32)),
    ("float64_thirds", np.array([1 / 3, 2 / 3, 100 / 3], dtype=np.float64)),
    ("floats_aligned", np.array([1.5, 10.25, 100.0, -0.125], dtype=np.float32)),
    ("floats_mixed_magnitudes", np.array([1e-5, 1.0, 1000.0], dtype=np.float32)),
    ("floats_ratio_sci", np.array([1.0, 2000.0], dtype=np.float32)),
    ("floats_large", np.array([1e8, 1.0], dtype=np.float64)),
    ("float32_million", np.array([1e6, 2.5], dtype=np.float32)),
    ("floats_tiny", np.array([1e-20, 3e-5], dtype=np.float32)),
    ("floats_sci_mixed", np.array([1.5e10, -2.25e-3, 0.0], dtype=np.float64)),
    ("floats_negative", np.array([-1.5, 2.25, -3.0], dtype=np.float32)),
    ("floats_neg_zero", np.array([-0.0, 0.0, 1.0], dtype=np.float32)),
    ("floats_nan_inf", np.array([nan, inf, -inf, 1.5], dtype=np.float32)),
    ("floats_nan_only", np.array([nan, nan], dtype=np.float32)),
    ("floats_inf_sci", np.array([inf, 1e-7], dtype=np.float32)),
    ("float16", np.array([0.1, 1.0, 65504.0 / 1000], dtype=np.float16)),
    ("float16_large", np.array([1000.0, 2.0], dtype=np.float16)),
    ("bfloat16", np.array([0.1, 1.5, -3.0], dtype=jnp.bfloat16)),
    ("bool", np.array([True, False, True])),
    ("bool_2x2", np.array([[True, False], [False, False]])),
    ("scalar_f32", np.array(2.0, dtype=np.float32)),
    ("scalar_f32_tenth", np.array(0.1, dtype=np.float32)),
    ("scalar_f32_large", np.array(1.5e10, dtype=np.float32)),
    ("scalar_f64_small", np.array(1e-5, dtype=np.float64)),
    ("scalar_f32_nan", np.array(nan, dtype=np.float32)),
    ("scalar_i32", np.array(-7, dtype=np.int32)),
    ("scalar_f32_below_cutoff", np.array(123456.7, dtype=np.float32)),
    ("scalar_f32_at_cutoff", np.array(1e6, dtype=np.float32)),
    ("scalar_f32_tiny", np.array(1e-4, dtype=np.float32)),
    ("scalar_f64_big", np.array(1e15, dtype=np.float64)),
    ("scalar_f64_third", np.array(1 / 3, dtype=np.float64)),
    ("scalar_f16_big", np.array(1000, dtype=np.float16)),
    ("scalar_f16", np.array(0.1, dtype=np.float16)),
    ("scalar_bf16", np.array(0.1, dtype=jnp.bfloat16)),
    ("scalar_neg_zero", np.array(-0.0, dtype=np.float32)),
    ("scalar_neg_inf", np.array(-np.inf, dtype=np.float64)),
    ("bfloat16_wide", np.array([1e10, 3.0, -1e-5, np.nan], dtype=jnp.bfloat16)),
    ("float64_long_digits", np.array([np.pi, np.e * 1e3, -1e-3], dtype=np.float64)),
    ("float32_nan_sci", np.array([np.nan, 1e-5, -np.inf], dtype=np.float32)),
    ("float32_2d_wrap", (np.arange(40, dtype=np.float32) * 1.25 - 7).reshape(2, 20)),
    ("elided_neg_floats", (np.arange(1200, dtype=np.float32) - 600.5) / 7),
    ("uint32_elided", np.arange(2000, dtype=np.uint32) * 2000000),
    ("scalar_bool", np.array(True)),
    ("empty_1d", np.zeros((0,), dtype=np.float32)),
    ("empty_2d", np.zeros((2, 0), dtype=np.int32)),
    ("cube_3d", np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
    ("int_3d", np.arange(8, dtype=np.int64).reshape(2, 2, 2) - 4),
    ("long_row_wraps", np.arange(30, dtype=np.float32)),
    ("long_int_row_wraps", np.arange(40, dtype=np.int32) * 7),
    ("elided_1d", np.arange(2000, dtype=np.float32)),
    ("elided_2d", np.arange(1600, dtype=np.int32).reshape(40, 40)),
    ("elided_3d", (np.arange(1331, dtype=np.float32) / 10).reshape(11, 11, 11)),
    ("not_elided_1000", np.arange(1000, dtype=np.int32)),
    ("size1_dims", np.array([[[1.25]]], dtype=np.float32)),
]


def main():
    cases = []
    for name, a in CASES:
        x = jnp.asarray(a)
        weak = False
        cases.append((name, a, x, weak))
    # A weakly typed scalar, as `x * 2.0` produces in JAX's default mode.
    w = _convert_element_type(2.0, np.dtype(np.float32), weak_type=True)
    cases.append(("weak_scalar", np.asarray(w), w, True))
    wv = _convert_element_type(jnp.arange(3, dtype=jnp.float32), np.dtype(np.float32), weak_type=True)
    cases.append(("weak_vector", np.asarray(wv), wv, True))
    out = []
    for name, a, x, weak in cases:
        assert bool(x.aval.weak_type) == weak, name
        flat = np.asarray(a).reshape(-1)
        if np.issubdtype(a.dtype, np.floating) or a.dtype == jnp.bfloat16:
            data = [f64_bits(v) for v in flat.astype(np.float64)]
        elif a.dtype == np.bool_:
            data = [bool(v) for v in flat]
        else:
            data = [int(v) for v in flat]
        out.append({
            "name": name,
            "dtype": x.dtype.name,
            "shape": list(a.shape),
            "weak_type": weak,
            "data": data,
            "str": str(x),
            "repr": repr(x),
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "printing.json")
    with open(path, "w") as f:
        json.dump({"jax_version": jax.__version__, "numpy_version": np.__version__, "cases": out},
                  f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
