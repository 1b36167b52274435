"""Writes parity/goldens/prng_extra.json: jax.random results for the Rust `random` module tests,
beyond the shared golden file (other seeds, odd sizes, 2-D and 3-D shapes, half precision,
float64 with x64 enabled in a separate process).

Run with the reference venv:  .venv/bin/python parity/prng.py

Each case: {"op", "seed", "x64", "legacy", "shape", "dtype", "params", "out", "exact"}; "legacy"
cases run with jax_threefry_partitionable=False (the Rust `random::Mode::Legacy`). Float outputs
are IEEE bit patterns (unsigned ints); integer and bool outputs are values; everything is
flattened row-major. "exact" says whether the Rust side must match bit for bit (otherwise it
checks a small ulp distance).
"""
import json
import os
import subprocess
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "prng_extra.json")


def flat_out(x):
    x = np.asarray(x)
    if x.dtype.kind == "f" or x.dtype.name == "bfloat16":
        width = x.dtype.itemsize * 8
        view = {16: np.uint16, 32: np.uint32, 64: np.uint64}[width]
        return [int(v) for v in x.reshape(-1).view(view)]
    if x.dtype == np.bool_:
        return [bool(v) for v in x.reshape(-1)]
    return [int(v) for v in x.reshape(-1)]


def cases_x32():
    import jax
    import jax.numpy as jnp
    from jax import random as jr

    out = []

    def add(op, seed, shape, dtype, params, value, exact=True):
        out.append(dict(op=op, seed=seed, x64=False, legacy=False, shape=list(np.shape(value)),
                        dtype=dtype, params=params, out=flat_out(value), exact=exact))

    dt = {"float32": jnp.float32, "float16": jnp.float16, "bfloat16": jnp.bfloat16}
    for seed in [1, 7, 123456789, 2**32 - 1]:
        k = jr.PRNGKey(seed)
        for shape in [(), (1,), (7,), (3, 5), (2, 3, 4)]:
            add("bits", seed, shape, "uint32", {}, jr.bits(k, shape))
        add("bits_u8", seed, (7,), "uint8", {}, jr.bits(k, (7,), jnp.uint8))
        add("bits_u16", seed, (2, 3), "uint16", {}, jr.bits(k, (2, 3), jnp.uint16))
        add("split", seed, (5,), "uint32", {"num": [5]}, jr.split(k, 5))
        add("split", seed, (2, 3), "uint32", {"num": [2, 3]}, jr.split(k, (2, 3)))
        for d in [0, 2**32 - 1]:
            add("fold_in", seed, (), "uint32", {"data": d}, jr.fold_in(k, d))
        for shape in [(13,), (4, 5), (2, 3, 4)]:
            for lo, hi in [(0.0, 1.0), (0.1, 0.7), (-3.3, 1.7)]:
                add("uniform", seed, shape, "float32", {"minval": lo, "maxval": hi},
                    jr.uniform(k, shape, jnp.float32, lo, hi))
        for name in ["float16", "bfloat16"]:
            for lo, hi in [(0.0, 1.0), (-2.0, 3.5)]:
                add("uniform", seed, (9,), name, {"minval": lo, "maxval": hi},
                    jr.uniform(k, (9,), dt[name], lo, hi))
            add("normal", seed, (9,), name, {}, jr.normal(k, (9,), dt[name]), exact=False)
        for shape in [(5,), (17,), (3, 4), (2, 3, 4)]:
            add("normal", seed, shape, "float32", {}, jr.normal(k, shape), exact=False)
        for lo, hi, shape in [(-1.5, 2.5, (11,)), (-2.0, 2.0, (3, 4)), (0.5, 3.0, (6,))]:
            add("truncated_normal", seed, shape, "float32", {"lower": lo, "upper": hi},
                jr.truncated_normal(k, lo, hi, shape), exact=False)
        for p, shape in [(0.5, (3, 5)), (0.1, (20,))]:
            add("bernoulli", seed, shape, "bool", {"p": p}, jr.bernoulli(k, p, shape))
        for lo, hi, shape, d in [(-5, 1000, (3, 4), "int32"), (0, 1, (7,), "int32"),
                                 (5, 5, (4,), "int32"), (0, 256, (9,), "uint8"),
                                 (-2**31, 2**31 - 1, (5,), "int32"), (3, 40, (6,), "uint32")]:
            add("randint", seed, shape, d, {"minval": lo, "maxval": hi},
                jr.randint(k, shape, lo, hi, getattr(jnp, d)))
        for n in [1, 17, 100, 2000]:
            add("permutation", seed, (n,), "int32", {"n": n}, jr.permutation(k, n))
        x = jnp.arange(12, dtype=jnp.int32).reshape(4, 3)
        add("permutation_array", seed, (4, 3), "int32", {"axis": 0, "independent": False},
            jr.permutation(k, x, axis=0))
        add("permutation_array", seed, (4, 3), "int32", {"axis": 1, "independent": False},
            jr.permutation(k, x, axis=1))
        add("permutation_array", seed, (4, 3), "int32", {"axis": 1, "independent": True},
            jr.permutation(k, x, axis=1, independent=True))
        logits = jnp.asarray(np.linspace(-2.0, 1.0, 12, dtype=np.float32).reshape(3, 4))
        add("categorical", seed, (3,), "int32", {"axis": -1, "shape": None},
            jr.categorical(k, logits, axis=-1))
        add("categorical", seed, (4,), "int32", {"axis": 0, "shape": None},
            jr.categorical(k, logits, axis=0))
        add("categorical", seed, (2, 3), "int32", {"axis": -1, "shape": [2, 3]},
            jr.categorical(k, logits, axis=-1, shape=(2, 3)))
        p = jnp.asarray([0.1, 0.2, 0.05, 0.3, 0.15, 0.2], dtype=jnp.float32)
        add("choice", seed, (2, 3), "int32", {"n": 6, "replace": True, "p": True},
            jr.choice(k, 6, (2, 3), replace=True, p=p))
        add("choice", seed, (4,), "int32", {"n": 6, "replace": False, "p": True},
            jr.choice(k, 6, (4,), replace=False, p=p))
        add("choice", seed, (5,), "int32", {"n": 2000, "replace": False, "p": False},
            jr.choice(k, 2000, (5,), replace=False))
        add("choice", seed, (3, 2), "int32", {"n": 7, "replace": True, "p": False},
            jr.choice(k, 7, (3, 2), replace=True))
        # Choice from an array: a = arange(prod(a_shape)) as float32, p over a.shape[axis].
        for a_shape, axis, shape, replace, with_p in [
                ((9,), 0, (4,), False, False), ((9,), 0, (2, 3), True, False),
                ((4, 3), 0, (2,), False, False), ((4, 3), 1, (2, 2), True, False),
                ((4, 3), -1, (), True, False), ((2, 5, 3), 1, (3,), False, False),
                ((2, 5, 3), 1, (2, 2), True, True), ((2, 5, 3), -2, (3,), False, True),
                ((6,), 0, (5,), True, True), ((6,), 0, (4,), False, True)]:
            a = jnp.arange(int(np.prod(a_shape)), dtype=jnp.float32).reshape(a_shape)
            pw = None
            if with_p:
                m = a_shape[axis]
                pw = jnp.asarray(np.linspace(1.0, 2.0, m, dtype=np.float32) ** 2)
            add("choice_array", seed, shape, "float32",
                {"a_shape": list(a_shape), "axis": axis, "shape": list(shape),
                 "replace": replace, "p": with_p},
                jr.choice(k, a, shape, replace=replace, p=pw, axis=axis))
        for op in ["gumbel", "exponential", "laplace", "logistic"]:
            add(op, seed, (50,), "float32", {}, getattr(jr, op)(k, (50,)), exact=False)
    return out


def cases_legacy(x64):
    import jax
    jax.config.update("jax_threefry_partitionable", False)
    if x64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import random as jr

    out = []

    def add(op, seed, shape, dtype, params, value, exact=True):
        out.append(dict(op=op, seed=seed, x64=x64, legacy=True, shape=list(np.shape(value)),
                        dtype=dtype, params=params, out=flat_out(value), exact=exact))

    if x64:
        for seed in [0, 42]:
            k = jr.PRNGKey(seed)
            for shape in [(5,), (2, 3)]:
                add("bits_u64", seed, shape, "uint64", {}, jr.bits(k, shape, jnp.uint64))
                add("uniform", seed, shape, "float64", {"minval": -3.3, "maxval": 1.7},
                    jr.uniform(k, shape, jnp.float64, -3.3, 1.7))
        return out
    dt = {"float32": jnp.float32, "float16": jnp.float16, "bfloat16": jnp.bfloat16}
    for seed in [0, 7, 2**32 - 1]:
        k = jr.PRNGKey(seed)
        for shape in [(), (1,), (4,), (7,), (3, 5), (2, 3, 4)]:
            add("bits", seed, shape, "uint32", {}, jr.bits(k, shape))
        for shape in [(1,), (7,), (3, 5)]:
            add("bits_u8", seed, shape, "uint8", {}, jr.bits(k, shape, jnp.uint8))
            add("bits_u16", seed, shape, "uint16", {}, jr.bits(k, shape, jnp.uint16))
        for num in [1, 2, 3, 5]:
            add("split", seed, (num, 2), "uint32", {"num": [num]}, jr.split(k, num))
        add("split", seed, (2, 3, 2), "uint32", {"num": [2, 3]}, jr.split(k, (2, 3)))
        add("fold_in", seed, (), "uint32", {"data": 7}, jr.fold_in(k, 7))
        for shape in [(7,), (4, 5)]:
            add("uniform", seed, shape, "float32", {"minval": -3.3, "maxval": 1.7},
                jr.uniform(k, shape, jnp.float32, -3.3, 1.7))
        for name in ["float16", "bfloat16"]:
            add("uniform", seed, (9,), name, {"minval": 0.0, "maxval": 1.0},
                jr.uniform(k, (9,), dt[name]))
        add("normal", seed, (2, 3), "float32", {}, jr.normal(k, (2, 3)), exact=False)
        add("randint", seed, (3, 4), "int32", {"minval": -5, "maxval": 1000},
            jr.randint(k, (3, 4), -5, 1000))
        add("permutation", seed, (17,), "int32", {"n": 17}, jr.permutation(k, 17))
        add("choice", seed, (4,), "int32", {"n": 10, "replace": False, "p": False},
            jr.choice(k, 10, (4,), replace=False))
    return out


def cases_x64():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import random as jr

    out = []

    def add(op, seed, shape, dtype, params, value, exact=True):
        out.append(dict(op=op, seed=seed, x64=True, legacy=False, shape=list(np.shape(value)),
                        dtype=dtype, params=params, out=flat_out(value), exact=exact))

    for seed in [0, 42, 2**40 + 3]:
        k = jr.PRNGKey(seed)
        add("bits_u64", seed, (5,), "uint64", {}, jr.bits(k, (5,), jnp.uint64))
        for shape in [(7,), (3, 4), (2, 3, 2)]:
            for lo, hi in [(0.0, 1.0), (-3.3, 1.7)]:
                add("uniform", seed, shape, "float64", {"minval": lo, "maxval": hi},
                    jr.uniform(k, shape, jnp.float64, lo, hi))
        for shape in [(5,), (2, 3, 4)]:
            add("normal", seed, shape, "float64", {}, jr.normal(k, shape, jnp.float64),
                exact=False)
    return out


def main():
    modes = {"--x64": cases_x64, "--legacy": lambda: cases_legacy(False),
             "--legacy-x64": lambda: cases_legacy(True)}
    if len(sys.argv) > 1:
        json.dump(modes[sys.argv[1]](), sys.stdout)
        return
    cases = cases_x32()
    # x64 and the partitionable flag must be set before any computation, so each other
    # configuration runs in its own process.
    for flag in modes:
        more = subprocess.run([sys.executable, __file__, flag], check=True, capture_output=True,
                              text=True).stdout
        cases += json.loads(more)
    import jax
    meta = {"jax": jax.__version__, "backend": "cpu", "jax_threefry_partitionable": True,
            "notes": "see parity/prng.py"}
    with open(OUT, "w") as f:
        json.dump({"_meta": meta, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
