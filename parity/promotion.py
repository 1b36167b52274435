"""Dtype-promotion goldens from real JAX: writes parity/goldens/promotion.json.

usage: .venv/bin/python parity/promotion.py

Four tables:
- `promote_types`: `jnp.promote_types(a, b)` for every pair of the library's dtypes, with
  64-bit types enabled (explicit 64-bit dtypes behave as in JAX with `jax_enable_x64`).
- `array_array`: dtype and weak_type of `zeros(a) + zeros(b)` for the same pairs, x64 mode
  (uint64 with a signed integer gives a *weak* float64).
- `weak`: result dtype and weak_type of `a + s` and `s + a` for an array `a` of each dtype and a
  Python scalar `s` (bool, int or float). Arrays of 32-bit-or-narrower dtypes are computed in
  JAX's default mode (Python scalars are 32-bit weak types, as Rust literals are in this
  library); int64/uint64/float64 arrays need x64 mode, recorded in `x64`.
- `scalar_scalar`: the same for two Python scalars (`jnp.asarray(s1) + s2`), default mode.
"""
import json
import os
import subprocess
import sys

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64"]
# Dtypes JAX's default mode canonicalises to 32 bits: their weak rows come from x64 mode.
WIDE = ("int64", "uint64", "float64")
SCALARS = {"bool": "True", "int": "3", "float": "2.5"}

WORKER = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import jax
x64 = sys.argv[1] == "1"
jax.config.update("jax_enable_x64", x64)
import jax.numpy as jnp
dtypes = json.loads(sys.argv[2])
scalars = json.loads(sys.argv[3])
out = {"promote_types": [], "array_array": [], "weak": [], "scalar_scalar": []}
for a in dtypes:
    for b in dtypes:
        out["promote_types"].append([a, b, jnp.promote_types(a, b).name])
        r = jnp.zeros((2,), dtype=a) + jnp.zeros((2,), dtype=b)
        out["array_array"].append([a, b, r.dtype.name, bool(r.aval.weak_type)])
for d in dtypes:
    arr = jnp.zeros((2,), dtype=d)
    for kind, lit in scalars.items():
        s = eval(lit)
        for side in ("array_first", "scalar_first"):
            r = arr + s if side == "array_first" else s + arr
            out["weak"].append({"dtype": d, "scalar": kind, "order": side, "x64": x64,
                                "result": r.dtype.name, "weak_type": bool(r.aval.weak_type)})
for k1, l1 in scalars.items():
    for k2, l2 in scalars.items():
        r = jnp.asarray(eval(l1)) + eval(l2)
        out["scalar_scalar"].append({"left": k1, "right": k2, "result": r.dtype.name,
                                     "weak_type": bool(r.aval.weak_type)})
print(json.dumps(out))
"""


def run(x64, dtypes):
    res = subprocess.run([sys.executable, "-c", WORKER, "1" if x64 else "0", json.dumps(dtypes),
                          json.dumps(SCALARS)], check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def main():
    wide = run(True, DTYPES)
    narrow = run(False, [d for d in DTYPES if d not in WIDE])
    weak = narrow["weak"] + [w for w in wide["weak"] if w["dtype"] in WIDE]
    import jax
    golden = {
        "jax_version": jax.__version__,
        "dtypes": DTYPES,
        "promote_types": wide["promote_types"],
        "array_array": wide["array_array"],
        "weak": weak,
        "scalar_scalar": narrow["scalar_scalar"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "promotion.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
