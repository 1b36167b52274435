"""Goldens for `jnp.pad` (JAX 0.10.2) in every mode. Checked by `crates/core/tests/suite/numpy_pad.rs`.
Run: .venv/bin/python parity/numpy_pad.py  (writes parity/goldens/numpy_pad.json)

Sections:
- "inputs": the arrays padded, by name (float32 ones as each element's bit pattern in hex,
  "bits"; int32 ones as "data").
- "values": `jnp.pad(inputs[x], pad_width, mode, **kwargs)` for every mode on float32 and int32
  arrays of rank 0-3, narrow pads and pads wider than the axis, `stat_length`,
  `reflect_type="odd"`, `end_values` and per-axis constants.
- "grads": `jax.grad(lambda x: jnp.sum(jnp.pad(x, ...) * w))` on float32 inputs, with `w`
  element k `((k * 7) % 13 - 6.5) / 4` (row-major in the padded shape).
- "errors": the calls JAX refuses (padding an empty axis, `stat_length=0`), as
  `{"raises": true}`, beside the empty-axis calls it accepts, with their result.

`pad_width`, `constant_values`, `end_values` and `stat_length` are stored as lists of
`[before, after]` pairs (one pair for all axes, or one per axis), as the Rust API takes them.
"""

import json
import os

import numpy as np

import jax
import jax.numpy as jnp

RNG = np.random.default_rng(20260)


def enc(a):
    """float arrays by bit pattern (hex), integer arrays by value."""
    a = np.asarray(a)
    out = {"shape": list(a.shape), "dtype": str(a.dtype)}
    if a.dtype.kind == "f":
        uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
        out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    else:
        out["data"] = [int(v) for v in a.reshape(-1).tolist()]
    return out


SHAPES = {"r0": (), "r1": (5,), "one": (1,), "two": (2,), "r2": (3, 4), "r3": (2, 3, 2)}

INPUTS = {}
for name, shape in SHAPES.items():
    INPUTS[f"f32_{name}"] = RNG.standard_normal(shape).astype(np.float32)
    INPUTS[f"i32_{name}"] = RNG.integers(-20, 21, shape).astype(np.int32)

# (shape name, pad_width) combinations: narrow, wide (wider than the axis) and mixed.
WIDTHS = [
    ("r0", [[2, 2]]),
    ("r1", [[2, 3]]),
    ("r1", [[7, 12]]),
    ("r1", [[0, 4]]),
    ("one", [[3, 2]]),
    ("two", [[3, 4]]),
    ("r2", [[1, 2]]),
    ("r2", [[5, 0], [2, 6]]),
    ("r3", [[1, 0], [2, 2], [0, 3]]),
]


def mode_variants(nd):
    """(mode, kwargs) pairs for an array of rank `nd`, kwargs in the JSON (pair-list) form;
    the per-axis forms only where there are two axes or more."""
    out = [
        ("constant", {}),
        ("constant", {"constant_values": [[2.5, 2.5]]}),
        ("constant", {"constant_values": [[i + 1.5, -(i + 2.0)] for i in range(nd)]}),
        ("edge", {}),
        ("wrap", {}),
        ("reflect", {}),
        ("reflect", {"reflect_type": "odd"}),
        ("symmetric", {}),
        ("symmetric", {"reflect_type": "odd"}),
        ("linear_ramp", {}),
        ("linear_ramp", {"end_values": [[5.0, -3.0]]}),
        ("linear_ramp", {"end_values": [[2.0 * i + 1.5, -i - 3.0] for i in range(nd)]}),
        ("empty", {}),
    ]
    for stat in ("maximum", "minimum", "mean", "median"):
        out.append((stat, {}))
        out.append((stat, {"stat_length": [[2, 3]]}))
        out.append((stat, {"stat_length": [[i + 1, 3 - i] for i in range(nd)]}))
    return [(m, k) for m, k in out if nd >= 2 or all(len(v) == 1 for v in k.values()
                                                      if isinstance(v, list))]


def jax_kwargs(kwargs):
    """The JSON kwargs as `jnp.pad` takes them."""
    out = {}
    for k, v in kwargs.items():
        if k in ("constant_values", "end_values", "stat_length"):
            out[k] = tuple(tuple(p) for p in v)
        else:
            out[k] = v
    return out


def call(x, pad_width, mode, kwargs):
    return jnp.pad(x, tuple(tuple(p) for p in pad_width), mode=mode, **jax_kwargs(kwargs))


def values():
    cases = []
    for dtype in ("f32", "i32"):
        for shape_name, pw in WIDTHS:
            name = f"{dtype}_{shape_name}"
            x = jnp.asarray(INPUTS[name])
            nd = x.ndim
            for mode, kwargs in mode_variants(nd):
                if nd == 0 and mode != "constant" and mode != "reflect":
                    continue
                out = call(x, pw, mode, kwargs)
                cases.append({"x": name, "pad_width": pw, "mode": mode, "kwargs": kwargs,
                              "out": enc(out)})
    return cases


GRAD_WIDTHS = [("r1", [[7, 12]]), ("r2", [[5, 0], [2, 6]]), ("r3", [[1, 0], [2, 2], [0, 3]])]


def weights(shape):
    """The cotangent weights: ((k * 7) % 13 - 6.5) / 4 for element k, exact in float32."""
    n = int(np.prod(shape))
    return (((np.arange(n) * 7) % 13 - 6.5) / 4).astype(np.float32).reshape(shape)


GRAD_MODES = [
    ("constant", {}), ("edge", {}), ("wrap", {}), ("reflect", {}),
    ("reflect", {"reflect_type": "odd"}), ("symmetric", {}),
    ("symmetric", {"reflect_type": "odd"}), ("linear_ramp", {"end_values": [[5.0, -3.0]]}),
    ("empty", {}),
]


def grads():
    """Each case's `w` is `weights(out_shape)`."""
    cases = []
    for shape_name, pw in GRAD_WIDTHS:
        name = f"f32_{shape_name}"
        x = jnp.asarray(INPUTS[name])
        variants = GRAD_MODES + [
            ("constant", {"constant_values": [[i + 1.5, -(i + 2.0)] for i in range(x.ndim)]})]
        for stat in ("maximum", "minimum", "mean", "median"):
            variants += [(stat, {}), (stat, {"stat_length": [[2, 3]]})]
        for mode, kwargs in variants:
            w = jnp.asarray(weights(call(x, pw, mode, kwargs).shape))
            g = jax.grad(lambda x: jnp.sum(call(x, pw, mode, kwargs) * w))(x)
            cases.append({"x": name, "pad_width": pw, "mode": mode, "kwargs": kwargs,
                          "grad": enc(g)})
    return cases


def errors():
    cases = []
    for shape in ((0, 3), (3, 0)):
        x = jnp.zeros(shape, jnp.float32)
        for mode, kwargs in mode_variants(2):
            if "stat_length" in kwargs and len(kwargs["stat_length"]) != 1:
                continue
            for pw in ([[1, 0], [0, 0]], [[0, 0], [1, 1]], [[0, 0]]):
                case = {"shape": list(shape), "pad_width": pw, "mode": mode, "kwargs": kwargs}
                try:
                    case["out"] = enc(call(x, pw, mode, kwargs))
                except (ValueError, TypeError):
                    case["raises"] = True
                cases.append(case)
    x = jnp.asarray(INPUTS["i32_r1"])
    for stat_length in ([[0, 2]], [[2, 0]]):
        try:
            call(x, [[1, 1]], "mean", {"stat_length": stat_length})
            raise AssertionError("JAX accepted stat_length 0")
        except ValueError:
            pass
        cases.append({"x": "i32_r1", "pad_width": [[1, 1]], "mode": "mean",
                      "kwargs": {"stat_length": stat_length}, "raises": True})
    return cases


def main():
    out = {
        "jax": jax.__version__,
        "inputs": {k: enc(v) for k, v in INPUTS.items()},
        "values": values(),
        "grads": grads(),
        "errors": errors(),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "numpy_pad.json")
    # One case per line: small, and diffs stay readable.
    with open(path, "w") as f:
        f.write("{\n")
        keys = list(out)
        for i, k in enumerate(keys):
            v = out[k]
            f.write(f" {json.dumps(k)}: ")
            if isinstance(v, list):
                f.write("[\n")
                f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in v))
                f.write("\n ]")
            elif isinstance(v, dict):
                f.write("{\n")
                f.write(",\n".join(f"  {json.dumps(n)}: " + json.dumps(c, separators=(",", ":"))
                                   for n, c in v.items()))
                f.write("\n }")
            else:
                f.write(json.dumps(v))
            f.write(",\n" if i + 1 < len(keys) else "\n")
        f.write("}\n")
    n = sum(len(out[k]) for k in ("values", "grads", "errors"))
    print(f"wrote {n} pad cases to {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
