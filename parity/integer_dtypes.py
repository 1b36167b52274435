"""Goldens for crates/core/tests/suite/integer_dtypes.rs: the integer dtypes int8, int16, uint16 and
uint64 against JAX 0.10.2 (writes parity/goldens/integer_dtypes.json).

usage: .venv/bin/python parity/integer_dtypes.py

int8/int16/uint16 run in JAX's default mode (the library's weak types and reduction dtypes
follow it); uint64 needs x64 mode (JAX's default mode canonicalises it to uint32), recorded per
dtype as "x64". Each dtype has:
- `cases`: {"name", "args": [encoded arrays], "out": encoded array}; the Rust test maps each
  name to the same call. Integer data are exact JSON integers (uint64 included).
- `iinfo`: min, max, bits.
- `repr`: `repr()` of a vector and of a 0-d array.
Plus `promotion`: `jnp.promote_types` and `jnp.result_type` (arrays) for pairs of the new
dtypes with each other and with the existing ones (x64 mode).
"""

import json
import os
import subprocess
import sys

NARROW = ["int8", "int16", "uint16"]
WIDE = ["uint64"]

WORKER = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import jax
jax.config.update("jax_enable_x64", sys.argv[1] == "1")
import jax.numpy as jnp
import numpy as np
from jax import lax
sys.path.insert(0, sys.argv[3])
from golden_encoding import enc

NAN = float("nan")


def operands(d):
    info = np.iinfo(d)
    lo, hi = int(info.min), int(info.max)
    if info.min < 0:
        x = [lo, lo + 1, -100, -7, -1, 0, 1, 3, 100, hi]
        y = [-1, 3, -2, 7, 5, -3, 2, 0, -9, 2]
    else:
        x = [0, 1, 3, 7, 100, 255, hi // 2 + 1, hi - 1, hi, 12345 % (hi + 1)]
        y = [1, 3, 2, 7, 0, 4, 2, hi, 3, 10]
    bits = info.bits
    s = [0, 1, 2, bits - 1, bits, bits + 1, 3, 1, bits // 2, 0]
    return (np.array(x, d), np.array(y, d), np.array(s, d))


FLOATS = np.array([-1.5, -200.7, 300.9, NAN, 1e20, -1e20, 2.5, np.inf, -np.inf, 70000.2],
                  np.float32)
I32 = np.array([-70000, -129, -128, -1, 0, 127, 128, 255, 65536, 2**31 - 1], np.int32)
U8 = np.array([0, 1, 127, 128, 200, 255], np.uint8)
BOOL = np.array([True, False, True])


def cases(d):
    x, y, s = operands(d)
    dt = jnp.dtype(d)
    m = x.reshape(2, 5)
    out = []

    def case(name, f, *args):
        args = [jnp.asarray(a) for a in args]
        out.append({"name": name, "args": [enc(a) for a in args], "out": enc(f(*args))})

    for name, f in [("neg", lax.neg), ("abs", jnp.abs), ("sign", lax.sign),
                    ("bitwise_not", lax.bitwise_not),
                    ("population_count", lax.population_count), ("clz", lax.clz),
                    ("square", lax.square), ("integer_pow3", lambda a: lax.integer_pow(a, 3))]:
        case(name, f, x)
    for name, f in [("add", lax.add), ("sub", lax.sub), ("mul", lax.mul), ("div", lax.div),
                    ("rem", lax.rem), ("max", lax.max), ("min", lax.min),
                    ("bitwise_and", lax.bitwise_and), ("bitwise_or", lax.bitwise_or),
                    ("bitwise_xor", lax.bitwise_xor), ("eq", lax.eq), ("ne", lax.ne),
                    ("lt", lax.lt), ("le", lax.le), ("gt", lax.gt), ("ge", lax.ge),
                    ("mulhi", lax.mulhi),
                    ("jnp_floor_divide", jnp.floor_divide), ("jnp_remainder", jnp.remainder)]:
        case(name, f, x, y)
    for name, f in [("shift_left", lax.shift_left),
                    ("shift_right_logical", lax.shift_right_logical),
                    ("shift_right_arithmetic", lax.shift_right_arithmetic)]:
        case(name, f, x, s)
    for name, f in [("sum", jnp.sum), ("prod", jnp.prod), ("max_all", jnp.max),
                    ("min_all", jnp.min), ("argmax", jnp.argmax), ("argmin", jnp.argmin),
                    ("cumsum", jnp.cumsum), ("cumulative_sum", jnp.cumulative_sum),
                    ("cumprod", jnp.cumprod), ("cummax", lambda a: lax.cummax(a, 0)),
                    ("sort", jnp.sort), ("argsort", jnp.argsort), ("mean", jnp.mean)]:
        case(name, f, x)
    case("sum_axis1", lambda a: jnp.sum(a, axis=1), m)
    case("max_axis0", lambda a: jnp.max(a, axis=0), m)
    case("transpose", jnp.transpose, m)
    case("concatenate", lambda a, b: jnp.concatenate([a, b]), x, y)
    case("where", lambda a, b: jnp.where(a > b, a, b), x, y)
    case("take", lambda a: jnp.take(a, jnp.array([9, 0, 3, 3])), x)
    case("scatter_add", lambda a, b: a.at[jnp.array([0, 2, 2])].add(b[:3]), x, y)
    case("arange", lambda: jnp.arange(7, dtype=d))
    case("iota", lambda: lax.iota(d, 5))
    case("bitcast_same_width",
         lambda a: lax.bitcast_convert_type(a, {"int8": jnp.uint8, "int16": jnp.uint16,
                                                 "uint16": jnp.int16, "uint64": jnp.int64}[d]), x)
    for target in ["float32", "int32", "uint8", "bool", "float16"]:
        case(f"astype_{target}", lambda a, t=target: a.astype(t), x)
    for name, src in [("from_float32", FLOATS), ("from_int32", I32), ("from_uint8", U8),
                      ("from_bool", BOOL)]:
        case(name, lambda a: a.astype(dt), src)
    return out


def main():
    x64 = sys.argv[1] == "1"
    res = {}
    for d in json.loads(sys.argv[2]):
        info = jnp.iinfo(d)
        x, _, _ = operands(d)
        res[d] = {"x64": x64, "cases": cases(d),
                  "iinfo": {"min": int(info.min), "max": int(info.max), "bits": int(info.bits)},
                  "repr": [repr(jnp.asarray(x[:4])), repr(jnp.asarray(x[-1]))]}
    if x64:
        others = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
                  "int64", "float16", "bfloat16", "float32", "float64"]
        new = ["int8", "int16", "uint16", "uint64"]
        rows = []
        for a in new:
            for b in others:
                r = jnp.result_type(jnp.zeros(1, a), jnp.zeros(1, b))
                rows.append([a, b, jnp.promote_types(a, b).name, r.name])
        res["promotion"] = rows
    print(json.dumps(res))


main()
"""


def run(x64, dtypes):
    here = os.path.dirname(os.path.abspath(__file__))
    res = subprocess.run([sys.executable, "-c", WORKER, "1" if x64 else "0", json.dumps(dtypes),
                          here], check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def main():
    import jax
    narrow = run(False, NARROW)
    wide = run(True, WIDE)
    golden = {"jax_version": jax.__version__, "promotion": wide.pop("promotion")}
    golden["dtypes"] = {**narrow, **wide}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens",
                        "integer_dtypes.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
