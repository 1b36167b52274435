"""Goldens for complex64/complex128 (JAX 0.10.2): the promotion lattice with complex and weak
types, elementwise math on complex inputs, matmul, reductions, and JAX's complex autodiff
convention (grads of real-valued functions of complex inputs, VJPs and JVPs, holomorphic
grad/jacfwd/jacrev), plus the messages of operations that refuse complex operands.
Checked by `crates/core/tests/suite/complex.rs`.
Run: .venv/bin/python parity/complex.py   (writes parity/goldens/complex.json)

Encoding: real arrays as in `golden_encoding.enc`; complex arrays as
`{"shape", "dtype", "re", "im"}` (row-major parts).

Sections:
- "promote_types": `[a, b, jnp.promote_types(a, b)]` for every pair of the library's dtypes
  (x64 mode: explicit 64-bit dtypes are kept, as in this library).
- "weak_lattice": `{a, a_weak, b, b_weak, result, weak}` from `jax.dtypes.result_type` on
  arrays with those dtypes and weak flags (x64 mode; the library's weak results are the default
  mode's 32-bit types, so the test maps a weak result to int32/float32/complex64 by kind).
- "scalars": result dtype and weak flag of `array + scalar` and `scalar + array` for arrays
  of each dtype and Python scalars `True`, `3`, `2.5`, `1+2j` (default mode; 64-bit arrays in
  x64 mode, flagged "x64").
- "unary": `{fn, x, out}` for elementwise functions of complex inputs, complex64 and complex128.
- "binary": `{fn, x, y, out}`.
- "matmul": `{x, y, out}` for `jnp.matmul` (complex, mixed real/complex, batched).
- "reductions": `{fn, axis, x, out}`.
- "grads": `{fn, z, value, grad}`: `jax.grad` of real-valued functions of complex `z`.
- "vjp_jvp": `{fn, z, ct, t, out, vjp, jvp}` for complex-to-complex functions.
- "holomorphic": `{fn, how, z, out}` for grad/jacfwd/jacrev with `holomorphic=True`.
- "printing": `{x, str, repr}`: `str(x)` (numpy's) and `repr(x)` (JAX's) of complex arrays.
- "errors": `{op, dtype, message}`: the first line of JAX's error for a complex operand where
  JAX refuses one (operations JAX accepts but this library does not yet, e.g. `max`, `sort`,
  comparisons through `jnp`, are checked by the test alone).
"""

import json
import os
import subprocess
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")

import jax  # noqa: E402

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from jax._src.lax import lax as lax_internal  # noqa: E402

from golden_encoding import cenc, enc  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "complex.json")

DTYPES = ["bool", "uint8", "uint32", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128"]


def cplx(n, dtype, seed):
    rng = np.random.RandomState(seed)
    re = rng.uniform(-1.5, 1.5, n)
    im = rng.uniform(-1.5, 1.5, n)
    return (re + 1j * im).astype(dtype)


def promotion():
    pairs = [[a, b, jnp.promote_types(a, b).name] for a in DTYPES for b in DTYPES]
    lattice = []
    for a in DTYPES:
        for aw in ([False] if a == "bool" else [False, True]):
            for b in DTYPES:
                for bw in ([False] if b == "bool" else [False, True]):
                    x = lax_internal._convert_element_type(jnp.zeros((), a), np.dtype(a), aw)
                    y = lax_internal._convert_element_type(jnp.zeros((), b), np.dtype(b), bw)
                    d, w = jax.dtypes.result_type(x, y, return_weak_type_flag=True)
                    lattice.append({"a": a, "a_weak": aw, "b": b, "b_weak": bw,
                                    "result": np.dtype(d).name, "weak": bool(w)})
    return pairs, lattice


SCALAR_WORKER = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import jax
x64 = sys.argv[1] == "1"
jax.config.update("jax_enable_x64", x64)
import jax.numpy as jnp
out = []
for d in json.loads(sys.argv[2]):
    arr = jnp.zeros((2,), dtype=d)
    for kind, s in (("bool", True), ("int", 3), ("float", 2.5), ("complex", 1 + 2j)):
        for order in ("array_first", "scalar_first"):
            r = arr + s if order == "array_first" else s + arr
            out.append({"dtype": d, "scalar": kind, "order": order, "x64": x64,
                        "result": r.dtype.name, "weak": bool(r.aval.weak_type)})
print(json.dumps(out))
"""


def scalars():
    def run(x64, dtypes):
        res = subprocess.run([sys.executable, "-c", SCALAR_WORKER, "1" if x64 else "0",
                              json.dumps(dtypes)], check=True, capture_output=True, text=True)
        return json.loads(res.stdout)
    wide = ["int64", "float64", "complex128"]
    return run(False, [d for d in DTYPES if d not in wide]) + run(True, wide)


UNARY = {
    "neg": jnp.negative, "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p,
    "expm1": jnp.expm1, "sqrt": jnp.sqrt, "sin": jnp.sin, "cos": jnp.cos, "tanh": jnp.tanh,
    "square": jnp.square, "abs": jnp.abs, "sign": jnp.sign, "real": jnp.real,
    "imag": jnp.imag, "conj": jnp.conj, "angle": jnp.angle, "reciprocal": jnp.reciprocal,
    "cube": lambda z: z ** 3, "inv_square": lambda z: z ** -2,
    "iscomplex": jnp.iscomplex, "isreal": jnp.isreal, "isfinite": jnp.isfinite,
    "mul_i": lambda z: z * 1j, "add_real_scalar": lambda z: z + 2.5,
}
BINARY = {"add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.divide,
          "pow": jnp.power, "eq": jnp.equal, "ne": jnp.not_equal}


def elementwise():
    unary, binary = [], []
    for dt in ["complex64", "complex128"]:
        z = cplx(6, dt, 1)
        z[4] = 0.5 + 0j  # a real value (isreal/iscomplex)
        z = jnp.asarray(z)
        for name, f in UNARY.items():
            unary.append({"fn": name, "x": cenc(z), "out": cenc(f(z))})
        w = cplx(6, dt, 2)
        w[3] = z[3]
        w = jnp.asarray(w)
        for name, f in BINARY.items():
            binary.append({"fn": name, "x": cenc(z), "y": cenc(w), "out": cenc(f(z, w))})
    return unary, binary


def matmul():
    cases = []
    for dt, rt in [("complex64", "float32"), ("complex128", "float64")]:
        a = cplx(12, dt, 3).reshape(3, 4)
        b = cplx(8, dt, 4).reshape(4, 2)
        r = np.random.RandomState(5).uniform(-1, 1, (4, 2)).astype(rt)
        ba = cplx(24, dt, 6).reshape(2, 3, 4)
        bb = cplx(16, dt, 7).reshape(2, 4, 2)
        for x, y in [(a, b), (a, r), (ba, bb)]:
            cases.append({"x": cenc(x), "y": cenc(y), "out": cenc(jnp.matmul(x, y))})
    return cases


def reductions():
    cases = []
    for dt in ["complex64", "complex128"]:
        x = cplx(12, dt, 8).reshape(3, 4)
        for name, f in {"sum": jnp.sum, "prod": jnp.prod, "mean": jnp.mean}.items():
            for axis in [None, 0, 1]:
                cases.append({"fn": name, "axis": axis, "x": cenc(x),
                              "out": cenc(f(x, axis=axis))})
    return cases


W = np.array([[0.5 - 1j, 2.0 + 0.25j], [-1.0 + 0.5j, 0.75j], [1.5 + 0j, -0.5 - 0.5j]])

# Real-valued functions of a complex vector z of length 3 (the Rust test mirrors these).
GRAD_FNS = {
    "abs2": lambda z: jnp.sum(jnp.abs(z) ** 2),
    "abs": lambda z: jnp.sum(jnp.abs(z)),
    "real_sq": lambda z: jnp.sum(jnp.real(z * z)),
    "imag_sin_exp": lambda z: jnp.sum(jnp.imag(jnp.sin(z)) * jnp.real(jnp.exp(z))),
    "conj_mul": lambda z: jnp.sum(jnp.real(jnp.conj(z) * z * (1 + 2j))),
    "matmul_abs2": lambda z: jnp.sum(jnp.abs(z @ W.astype(z.dtype)) ** 2),
    "log_abs_sqrt": lambda z: jnp.sum(jnp.angle(jnp.sqrt(z)) + jnp.log(jnp.abs(z))),
    "div_tanh": lambda z: jnp.sum(jnp.real(jnp.tanh(z) / (z + 2.0))),
    "complex_ctor": lambda z: jnp.sum(jnp.abs(jax.lax.complex(jnp.real(z) * 2.0,
                                                               jnp.imag(z) ** 2)) ** 2),
    "mean_prod": lambda z: jnp.real(jnp.prod(z)) + jnp.imag(jnp.mean(z * z)),
}

# Complex-to-complex functions for VJPs and JVPs.
VJP_FNS = {
    "sin_conj": lambda z: jnp.sin(z) * jnp.conj(z),
    "exp_matmul": lambda z: jnp.exp(z) @ W.astype(z.dtype),
    "real_imag": lambda z: jax.lax.complex(jnp.imag(z), jnp.real(z) * 3.0),
    "sqrt_div": lambda z: jnp.sqrt(z) / (z * z + 1.0),
}

HOLO_FNS = {
    "cube_sin": lambda z: z ** 3 + jnp.sin(z),
    "exp_over": lambda z: jnp.exp(z) / (z + 2.0),
    "log_sq": lambda z: jnp.log(z) * z,
}


def autodiff():
    grads, vjps, holo = [], [], []
    for dt in ["complex64", "complex128"]:
        z = jnp.asarray(cplx(3, dt, 9))
        for name, f in GRAD_FNS.items():
            v, g = jax.value_and_grad(f)(z)
            grads.append({"fn": name, "z": cenc(z), "value": cenc(v), "grad": cenc(g)})
        ct = cplx(z.size, dt, 10)
        t = cplx(z.size, dt, 11)
        for name, f in VJP_FNS.items():
            out, pull = jax.vjp(f, z)
            ct_ = ct[:out.size].reshape(out.shape)
            _, tan = jax.jvp(f, (z,), (t,))
            vjps.append({"fn": name, "z": cenc(z), "ct": cenc(ct_), "t": cenc(t),
                         "out": cenc(out), "vjp": cenc(pull(ct_)[0]), "jvp": cenc(tan)})
        for name, f in HOLO_FNS.items():
            s = z[0]
            holo.append({"fn": name, "how": "grad", "z": cenc(s),
                         "out": cenc(jax.grad(f, holomorphic=True)(s))})
            for how, jac in [("jacfwd", jax.jacfwd), ("jacrev", jax.jacrev)]:
                holo.append({"fn": name, "how": how, "z": cenc(z),
                             "out": cenc(jac(f, holomorphic=True)(z))})
    return grads, vjps, holo


ERRORS = {
    "floor": jnp.floor, "ceil": jnp.ceil,
    "rem": lambda z: jax.lax.rem(z, z), "lt": lambda z: jax.lax.lt(z, z),
    "argmax": jnp.argmax, "clip": lambda z: jnp.clip(z, 0, 1),
    "floor_divide": lambda z: z // z,
    "grad_complex_output": lambda z: jax.grad(lambda v: jnp.sum(v * v))(z),
    "jacfwd_complex_input": lambda z: jax.jacfwd(jnp.sin)(z),
    "jacrev_complex_output": lambda z: jax.jacrev(jnp.sin)(z),
    "grad_holomorphic_real": lambda z: jax.grad(jnp.sum, holomorphic=True)(jnp.real(z)),
    "real_of_real": lambda z: jax.lax.real(jnp.real(z)),
}


PRINT_CASES = [
    ([1.5 + 2j, -1j], "complex64"),
    (1 + 2j, "complex64"),
    (2j, "complex128"),
    ([[1e-5 + 1j, 3 + 0j], [complex(np.nan, 1), complex(1, -np.inf)]], "complex64"),
    ([0.1 + 0.2j, 1 / 3 - 2j / 3, 1e10 + 1j], "complex128"),
    (1e20 - 3.25j, "complex128"),
    ([[0.5 + 0.25j] * 3] * 2, "complex64"),
]


def printing():
    out = []
    for value, dt in PRINT_CASES:
        a = jnp.asarray(np.asarray(value, dtype=dt))
        out.append({"x": cenc(a), "str": str(a), "repr": repr(a)})
    return out


def errors():
    out = []
    z = jnp.asarray(cplx(4, "complex64", 12))
    for op, f in ERRORS.items():
        try:
            f(z)
        except Exception as e:  # noqa: BLE001
            msg = str(e).split("\n")[0]
            out.append({"op": op, "dtype": "complex64", "message": msg})
        else:
            raise AssertionError(f"{op} accepted a complex operand")
    return out


def main():
    pairs, lattice = promotion()
    unary, binary = elementwise()
    grads, vjps, holo = autodiff()
    golden = {
        "jax_version": jax.__version__,
        "promote_types": pairs,
        "weak_lattice": lattice,
        "scalars": scalars(),
        "unary": unary,
        "binary": binary,
        "matmul": matmul(),
        "reductions": reductions(),
        "grads": grads,
        "vjp_jvp": vjps,
        "holomorphic": holo,
        "errors": errors(),
        "printing": printing(),
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
