"""Goldens for crates/core/tests/suite/float8_dtypes.rs: JAX's 8-bit float dtypes against JAX 0.10.2
(writes parity/goldens/float8_dtypes.json).

usage: .venv/bin/python parity/float8_dtypes.py

Runs in x64 mode (so float64, int64 and uint64 sources exist). Every array is stored as the bit
patterns of its elements, so the Rust test compares bits exactly: {"dtype", "shape", "hex"},
where "hex" is each element's unsigned bit pattern as fixed-width hex (two digits per byte; bool
is one byte, 00 or 01). Sections:
- `decode`: per format, every one of its 256 codes converted to each other dtype (float8
  formats included), as a hex string of the target's bits.
- `encode`: per source dtype, the inputs (hex bits, or JSON integers for integer sources) and
  per format the codes `astype` gives: a dense sweep of float32 (every code's value, every
  midpoint and its neighbours, subnormals, specials, random bits), float64 (midpoints nudged
  below f32 resolution, to catch double rounding), float16 and bfloat16 (a stride through all
  codes plus every NaN), and integers.
- `ops`: elementwise ops, comparisons, reductions, dot/matmul, sorting and indexing on float8
  operands ({"dtype", "name", "args", "out"}).
- `jit`: a jitted function of several ops ({"dtype", "args", "out"}).
- `grad`: `jax.grad` of the sum of a function of a float8 operand.
- `finfo`: `jnp.finfo` of each float8 dtype and of float16, bfloat16, float32 and float64.
- `promotion`: `jnp.result_type` of a float8 array with every dtype's array and with Python
  scalars ("int", "float", "complex"); the result dtype name or {"error": message}.
- `can_cast`: `jnp.can_cast(from, to, casting)` rows for "safe" and "same_kind".
- `printing`: `repr` and `str` of arrays and scalars.
"""

import json
import os
import sys
import warnings

warnings.simplefilter("ignore")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import ml_dtypes  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402
from golden_encoding import benc, hexbits, named_dtype as dt  # noqa: E402

FORMATS = ["float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn",
           "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu"]
OTHERS = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]


def codes(fmt):
    return np.arange(256, dtype=np.uint8).view(dt(fmt))


def decode_section():
    out = {}
    for fmt in FORMATS:
        c = jnp.asarray(codes(fmt))
        targets = ["float32", "float64", "float16", "bfloat16", "int32", "int8", "uint8",
                   "bool"] + [f for f in FORMATS if f != fmt]
        out[fmt] = {t: hexbits(c.astype(dt(t))) for t in targets}
    return out


def f32_sweep():
    vals = set()
    for fmt in FORMATS:
        v = np.sort(np.unique(codes(fmt).astype(np.float32)))
        v = v[np.isfinite(v)]
        vals.update(v.tolist())
        mids = ((v[:-1].astype(np.float64) + v[1:]) / 2).astype(np.float32)
        for m in mids:
            vals.update([float(m), float(np.nextafter(m, np.float32(np.inf))),
                         float(np.nextafter(m, np.float32(-np.inf)))])
        # Just above the largest finite value and at the overflow midpoint.
        top = float(v[-1])
        vals.update([top * 1.03, top * 1.06, top * 1.0625, top * 1.07, top * 1.2, top * 2])
    vals = np.array(sorted(vals), np.float32)
    rng = np.random.default_rng(8)
    rand = rng.integers(0, 2**32, 3000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    # f32 subnormals and the smallest normals (float8_e8m0fnu's 2^-127 is an f32 subnormal).
    small = rng.integers(0, 2**24, 400, dtype=np.uint64).astype(np.uint32).view(np.float32)
    edges = np.array([0x00400000, 0x00400001, 0x003fffff, 0x00000001, 0x007fffff, 0x00800000,
                      0x7f7fffff, 0x7f000000, 0x7effffff, 0x7f400000, 0x3fc00000, 0x40400000],
                     np.uint32).view(np.float32)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan], np.float32)
    nans = np.array([0x7f800001, 0xff800001, 0x7fc00001, 0xffffffff], np.uint32).view(np.float32)
    allv = np.concatenate([vals, -vals, rand, small, -small, edges, specials, nans])
    return allv.astype(np.float32)


def f64_sweep():
    vals = []
    for fmt in FORMATS:
        v = np.sort(np.unique(codes(fmt).astype(np.float64)))
        v = v[np.isfinite(v)]
        mids = (v[:-1] + v[1:]) / 2
        vals += [mids * (1 + 2.0**-40), mids * (1 - 2.0**-40)]
    rng = np.random.default_rng(9)
    e = rng.integers(-150, 130, 1000)
    vals.append(rng.uniform(-2, 2, 1000) * np.exp2(e.astype(np.float64)))
    vals.append(np.exp2(np.arange(-140, 130).astype(np.float64)))
    vals.append(np.exp2(np.arange(-140, 130).astype(np.float64)) * 1.5)
    vals.append(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 5e-324, 1e308]))
    return np.concatenate(vals)


def half_sweep():
    h = list(range(0, 65536, 11))
    h += list(range(0x7c00, 0x7c10)) + list(range(0xfc00, 0xfc10)) + [0x7e00, 0xfe00, 0x7fff]
    return np.array(h, np.uint16)


def encode_section():
    sources = {
        "float32": f32_sweep(),
        "float64": f64_sweep(),
        "float16": half_sweep().view(np.float16),
        "bfloat16": half_sweep().view(ml_dtypes.bfloat16),
    }
    out = {}
    for name, x in sources.items():
        xj = jnp.asarray(x)
        out[name] = {"inputs": hexbits(x),
                     "out": {fmt: hexbits(xj.astype(dt(fmt))) for fmt in FORMATS}}
    rng = np.random.default_rng(10)
    ints = {
        "int32": np.concatenate([np.arange(-600, 600), rng.integers(-2**31, 2**31, 500),
                                 [2**31 - 1, -2**31, 3 * 2**20 - 1, 3 * 2**20]]).astype(np.int32),
        "int64": np.concatenate([rng.integers(-2**62, 2**62, 500) >> rng.integers(0, 62, 500),
                                 [3 * 2**39 - 1, 3 * 2**39, 2**63 - 1, -2**63]]).astype(np.int64),
        "uint64": np.array([0, 1, 2**64 - 1, 3 * 2**39 - 1, 2**63 + 2**40 - 1], np.uint64),
        "uint8": np.arange(256, dtype=np.uint8),
        "int8": np.arange(-128, 128, dtype=np.int8),
        "bool": np.array([False, True]),
    }
    for name, x in ints.items():
        xj = jnp.asarray(x)
        out[name] = {"inputs": [bool(v) if name == "bool" else int(v) for v in x.tolist()],
                     "out": {fmt: hexbits(xj.astype(dt(fmt))) for fmt in FORMATS}}
    return out


def operands(fmt):
    d = dt(fmt)
    rng = np.random.default_rng(FORMATS.index(fmt))
    v = codes(fmt).astype(np.float32)
    finite = np.unique(v[np.isfinite(v)])
    small = finite[np.abs(finite) <= 8]
    x = np.concatenate([rng.choice(small, 12), [finite.max(), finite.min()],
                        v[np.isnan(v)][:1], [finite[len(finite) // 2]]])
    y = np.concatenate([rng.choice(small, 13), [1.0, 2.0], finite[-3:-2]])
    return np.asarray(x, np.float32).astype(d), np.asarray(y, np.float32).astype(d)


UNARY = [("neg", lax.neg), ("abs", jnp.abs), ("exp", jnp.exp), ("log", jnp.log),
         ("sqrt", jnp.sqrt), ("tanh", jnp.tanh), ("sin", jnp.sin), ("floor", jnp.floor),
         ("round", jnp.round), ("sign", jnp.sign), ("square", jnp.square),
         ("reciprocal", jnp.reciprocal), ("sigmoid", jax.nn.sigmoid),
         ("isnan", jnp.isnan), ("isinf", jnp.isinf), ("add_weak_float", lambda a: a + 1.5),
         ("mul_weak_int", lambda a: a * 3), ("sum", jnp.sum), ("max_all", jnp.max),
         ("min_all", jnp.min), ("mean", jnp.mean), ("prod", jnp.prod), ("cumsum", jnp.cumsum),
         ("argmax", jnp.argmax), ("sort", jnp.sort),
         ("sum_axis1", lambda a: jnp.sum(a.reshape(4, 4), axis=1)),
         ("max_axis0", lambda a: jnp.max(a.reshape(4, 4), axis=0)),
         ("matmul_self", lambda a: a.reshape(4, 4) @ a.reshape(4, 4)),
         ("transpose", lambda a: a.reshape(4, 4).T),
         ("take", lambda a: jnp.take(a, jnp.array([15, 0, 3, 3]))),
         ("astype_float32", lambda a: a.astype(jnp.float32)),
         ("zeros_like", jnp.zeros_like), ("ones_like", jnp.ones_like)]
BINARY = [("add", lax.add), ("sub", lax.sub), ("mul", lax.mul), ("div", lax.div),
          ("max", lax.max), ("min", lax.min), ("pow", lax.pow), ("atan2", lax.atan2),
          ("eq", lax.eq), ("lt", lax.lt), ("ge", lax.ge),
          ("mul_int32", lambda a, b: a * jnp.arange(16, dtype=jnp.int32)),
          ("where", lambda a, b: jnp.where(a > b, a, b)),
          ("concatenate", lambda a, b: jnp.concatenate([a, b])),
          ("dot", lambda a, b: jnp.dot(a, b)),
          ("matmul", lambda a, b: a.reshape(4, 4) @ b.reshape(4, 4))]


def ops_section():
    out = []
    for fmt in FORMATS:
        x, y = operands(fmt)
        xj, yj = jnp.asarray(x), jnp.asarray(y)
        for name, f in UNARY:
            out.append({"dtype": fmt, "name": name, "args": [benc(x)], "out": benc(f(xj))})
        for name, f in BINARY:
            out.append({"dtype": fmt, "name": name, "args": [benc(x), benc(y)],
                        "out": benc(f(xj, yj))})
    return out


def jitted(a, b):
    return jnp.sum(jnp.exp(a) * b + a, axis=0), jnp.maximum(a, b) / 3


def jit_section():
    out = []
    for fmt in FORMATS:
        x, y = operands(fmt)
        o1, o2 = jax.jit(jitted)(jnp.asarray(x).reshape(4, 4), jnp.asarray(y).reshape(4, 4))
        out.append({"dtype": fmt, "args": [benc(x.reshape(4, 4)), benc(y.reshape(4, 4))],
                    "outs": [benc(o1), benc(o2)]})
    return out


GRAD_FORMATS = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3"]


def grad_section():
    out = []
    for fmt in GRAD_FORMATS:
        x, _ = operands(fmt)
        x = x[:12]
        g = jax.grad(lambda a: jnp.sum(a * a + jnp.sin(a)))(jnp.asarray(x))
        out.append({"dtype": fmt, "args": [benc(x)], "out": benc(g)})
    return out


def finfo_section():
    out = {}
    for name in FORMATS + ["float16", "bfloat16", "float32", "float64"]:
        f = jnp.finfo(dt(name))
        out[name] = {k: (float(getattr(f, k)) if isinstance(getattr(f, k), (np.generic, float))
                         else int(getattr(f, k)))
                     for k in ["bits", "nmant", "nexp", "maxexp", "minexp", "machep", "negep",
                               "precision", "eps", "epsneg", "max", "min", "tiny",
                               "smallest_normal", "smallest_subnormal", "resolution"]}
        out[name]["dtype"] = str(f.dtype)
    return out


def promotion_section():
    rows = []
    scalars = {"int": 1, "float": 1.0, "complex": 1j}
    for a in FORMATS:
        xa = jnp.zeros(1, dt(a))
        for b in FORMATS + OTHERS + list(scalars):
            xb = scalars[b] if b in scalars else jnp.zeros(1, dt(b))
            try:
                r = {"dtype": jnp.result_type(xa, xb).name}
                # A weak scalar keeps the float8 dtype: check the weak flag through an add.
                if b in scalars:
                    r["weak"] = bool((xa + xb).weak_type)
            except Exception as e:  # noqa: BLE001
                r = {"error": f"{type(e).__name__}: {e}"}
            rows.append({"a": a, "b": b, "result": r})
    return rows


def can_cast_section():
    rows = []
    for casting in ["safe", "same_kind"]:
        for a in FORMATS:
            for b in FORMATS + OTHERS:
                rows.append([a, b, casting, bool(jnp.can_cast(dt(a), dt(b), casting))])
                if b not in FORMATS:
                    rows.append([b, a, casting, bool(jnp.can_cast(dt(b), dt(a), casting))])
    return rows


def printing_section():
    out = []
    for fmt in FORMATS:
        x, _ = operands(fmt)
        for a in [x[:6], x[12:16], x[0], np.array([], dt(fmt)), x[:4].reshape(2, 2)]:
            a = jnp.asarray(a)
            out.append({"array": benc(a), "repr": repr(a), "str": str(a)})
    return out


def main(name="float8_dtypes"):
    golden = {
        "jax_version": jax.__version__,
        "decode": decode_section(),
        "encode": encode_section(),
        "ops": ops_section(),
        "jit": jit_section(),
        "grad": grad_section(),
        "finfo": finfo_section(),
        "promotion": promotion_section(),
        "can_cast": can_cast_section(),
        "printing": printing_section(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", f"{name}.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
