"""Goldens for crates/core/tests/suite/xla_rounding.rs: results whose bits depend on where XLA's CPU
backend rounds, bit for bit, on every float width (writes parity/goldens/xla_rounding.json):
`lax.cumsum`/`lax.cumprod` (forward and reverse), `jnp.cumsum` under `jit` and `grad`, and
`jax.nn.sigmoid` on half and 8-bit floats.

usage: .venv/bin/python parity/xla_rounding.py

XLA's CPU backend computes a cumulative sum or product as a `reduce_window` that rounds to the
element type at every step, and rewrites scans longer than 16 elements into 16-element blocks
plus a scan of the block totals; that association decides the low bits of every result, and of
everything at float8/bfloat16/float16 width. The lengths below cross the block size at one and
two levels of that rewrite. Runs in x64 mode (float64 cases). Arrays are stored as the bit
patterns of their elements ({"dtype", "shape", "hex"}), as in float8_dtypes.py. Sections:
- `scans`: {"dtype", "op" ("cumsum" | "cumprod"), "axis", "reverse", "x", "out"}.
- `jit`: `jax.jit(jnp.cumsum)` along the last axis ({"dtype", "x", "out"}).
- `grad`: float32 `jax.grad(lambda x: jnp.sum(jnp.cumsum(x, axis) * w))` ({"axis", "x", "w",
  "out"}): the cotangent's reverse cumsum.
- `sigmoid`: `jax.nn.sigmoid` ({"dtype", "x", "out"}). XLA expands `logistic` into
  `1 / (1 + exp(-x))` before widening float16/bfloat16/float8 operands, so each of the three
  operations rounds to the element type.
"""

import json
import os
import sys
import warnings

warnings.simplefilter("ignore")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402
from golden_encoding import benc, named_dtype as dt  # noqa: E402

DTYPES = ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]
# (shape, axis): lines of 1..300 elements, the scanned axis first, middle and last.
SHAPES = [((1,), 0), ((7,), 0), ((16,), 0), ((17,), 0), ((33,), 0), ((257,), 0), ((300,), 0),
          ((37, 5), 0), ((5, 37), 1), ((3, 40, 2), 1)]
# Three levels of blocks (4099 -> 257 -> 17 -> 2), for two widths only, to keep the file small.
LONG = (((4099,), 0), ["float32", "float8_e4m3fn"])


def inputs(rng, shape, op, dtype):
    if op == "cumsum":
        x = rng.normal(size=shape) * 3
        # Signed zeros: a scan starts from +0, so a leading -0 sums to +0.
        x.reshape(-1)[:2] = -0.0
    else:
        # Factors near one, so long products neither vanish nor overflow at once.
        x = np.exp(rng.normal(size=shape) * 0.05)
    return jnp.asarray(x.astype(dt(dtype)))


def scans_section(rng):
    out = []
    for dtype in DTYPES:
        for shape, axis in SHAPES + ([LONG[0]] if dtype in LONG[1] else []):
            for op, f in [("cumsum", lax.cumsum), ("cumprod", lax.cumprod)]:
                x = inputs(rng, shape, op, dtype)
                for reverse in [False, True]:
                    out.append({"dtype": dtype, "op": op, "axis": axis, "reverse": reverse,
                                "x": benc(x), "out": benc(f(x, axis=axis, reverse=reverse))})
    return out


def jit_section(rng):
    f = jax.jit(lambda x: jnp.cumsum(x, axis=-1))
    return [{"dtype": d, "x": benc(x), "out": benc(f(x))}
            for d in DTYPES for x in [inputs(rng, (4, 300), "cumsum", d)]]


def grad_section(rng):
    out = []
    for shape, axis in [((300,), 0), ((6, 40), 1), ((50, 3), 0)]:
        x = jnp.asarray(rng.normal(size=shape).astype(np.float32))
        w = jnp.asarray(rng.normal(size=shape).astype(np.float32))
        g = jax.grad(lambda x: jnp.sum(jnp.cumsum(x, axis=axis) * w))(x)
        out.append({"axis": axis, "x": benc(x), "w": benc(w), "out": benc(g)})
    return out


def sigmoid_section(rng):
    out = []
    for d in ["float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "float8_e3m4",
              "float8_e4m3fnuz"]:
        x = jnp.asarray((rng.normal(size=2000) * 4).astype(dt(d)))
        out.append({"dtype": d, "x": benc(x), "out": benc(jax.nn.sigmoid(x))})
    return out


def main():
    rng = np.random.default_rng(0)
    golden = {"scans": scans_section(rng), "jit": jit_section(rng), "grad": grad_section(rng),
              "sigmoid": sigmoid_section(rng)}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens",
                        "xla_rounding.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
