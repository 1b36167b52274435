"""Goldens for `jnp.linalg`'s norms and products (JAX 0.10.2): `norm` (every `ord`, one or two
axes, `keepdims`), `vector_norm`, `matrix_norm`, `multi_dot`, `vecdot`, `matvec`, `vecmat`,
`jnp.linalg.{diagonal, trace, outer, cross}` and `einsum` with repeated indices. Checked by
`crates/core/tests/suite/linalg_products.rs`.
Run: .venv/bin/python parity/linalg_products.py  (writes parity/goldens/linalg_products.json)

Sections:
- "inputs": the arrays used, by name (`golden_encoding.cenc`): float32, float64, int32,
  complex64 and complex128 (norms of complex arrays are real; their gradients complex, JAX's
  conjugate convention).
- "cases": `{"fn", "args" (input names), "kw", "out", "grad"}`: `out` is the encoded result;
  `grad` is `jax.grad(lambda x: jnp.sum(f(x, *rest) * w))` with respect to the first argument,
  with `w` element k `((k * 7) % 13 - 6.5) / 4` in the output's shape (null when the function
  is not differentiable there).
- "errors": `{"fn", "args", "kw", "message"}`: calls JAX refuses, with the start of its message.
"""

import json
import os

import numpy as np

import jax

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

from golden_encoding import cenc, enc  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "linalg_products.json")

f32, f64 = np.float32, np.float64
rng = np.random.default_rng(1703)

INPUTS = {
    "v5": rng.standard_normal(5).astype(f32),
    "v5z": np.array([0.0, 1.5, 0.0, -2.0, 3.0], f32),
    "m34": rng.standard_normal((3, 4)).astype(f32),
    "m43": rng.standard_normal((4, 3)).astype(f32),
    "m33": rng.standard_normal((3, 3)).astype(f32),
    "b234": rng.standard_normal((2, 3, 4)).astype(f32),
    "b2333": rng.standard_normal((2, 3, 3, 3)).astype(f32),
    "d34": rng.standard_normal((3, 4)).astype(f64),
    "d234": rng.standard_normal((2, 3, 4)).astype(f64),
    "c3": rng.standard_normal(3).astype(f32),
    "c23": rng.standard_normal((2, 3)).astype(f32),
    "m45": rng.standard_normal((4, 5)).astype(f32),
    "m52": rng.standard_normal((5, 2)).astype(f32),
    "v4": rng.standard_normal(4).astype(f32),
    "v2": rng.standard_normal(2).astype(f32),
    "n34": rng.standard_normal((3, 4)).astype(f32),
    "i34": rng.integers(-4, 5, (3, 4)).astype(np.int32),
    "zv5": (rng.standard_normal(5) + 1j * rng.standard_normal(5)).astype(np.complex64),
    "z34": (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(np.complex64),
    "zd34": (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(
        np.complex128),
    "zb234": (rng.standard_normal((2, 3, 4))
              + 1j * rng.standard_normal((2, 3, 4))).astype(np.complex64),
}
A = {k: jnp.asarray(v) for k, v in INPUTS.items()}


def weights(shape):
    n = int(np.prod(shape))
    return (((np.arange(n) * 7) % 13 - 6.5) / 4).reshape(shape)


def ord_of(kw):
    o = kw.get("ord")
    return {"inf": np.inf, "-inf": -np.inf}.get(o, o) if isinstance(o, str) else o


def axis_of(kw):
    a = kw.get("axis")
    return tuple(a) if isinstance(a, list) else a


CALLS = {
    "norm": lambda x, kw: jnp.linalg.norm(x, ord=ord_of(kw), axis=axis_of(kw),
                                          keepdims=kw.get("keepdims", False)),
    "vector_norm": lambda x, kw: jnp.linalg.vector_norm(
        x, ord=ord_of(kw) if "ord" in kw else 2, axis=axis_of(kw),
        keepdims=kw.get("keepdims", False)),
    "matrix_norm": lambda x, kw: jnp.linalg.matrix_norm(
        x, ord=ord_of(kw) if "ord" in kw else "fro", keepdims=kw.get("keepdims", False)),
    "multi_dot": lambda *xs: jnp.linalg.multi_dot(list(xs[:-1])),
    "vecdot": lambda x, y, kw: jnp.vecdot(x, y, axis=kw.get("axis", -1)),
    "matvec": lambda x, y, kw: jnp.matvec(x, y),
    "vecmat": lambda x, y, kw: jnp.vecmat(x, y),
    "diagonal": lambda x, kw: jnp.linalg.diagonal(x, offset=kw.get("offset", 0)),
    "trace": lambda x, kw: jnp.linalg.trace(x, offset=kw.get("offset", 0)),
    "outer": lambda x, y, kw: jnp.linalg.outer(x, y),
    "cross": lambda x, y, kw: jnp.linalg.cross(x, y, axis=kw.get("axis", -1)),
    "einsum": lambda *xs: jnp.einsum(xs[-1]["subscripts"], *xs[:-1]),
}

CASES = []


def case(fn, args, grad=True, **kw):
    CASES.append((fn, args, kw, grad))


for x in ["v5", "v5z"]:
    for o in [None, 1, 2, 3, 0.5, "inf", "-inf", 0, -1]:
        case("norm", [x], grad=o not in (0,) and x != "v5z", ord=o)
for x in ["m34", "d34"]:
    for o in [None, "fro", "nuc", 1, -1, 2, -2, "inf", "-inf"]:
        case("norm", [x], ord=o)
    case("norm", [x], ord=2, axis=[1, 0])
    case("norm", [x], ord=1, axis=1, keepdims=True)
for o in [None, "fro", "nuc", 1, -1, 2, -2, "inf", "-inf"]:
    case("norm", ["b234"], ord=o, axis=[2, 0])
    case("norm", ["b234"], ord=o, axis=[0, 1], keepdims=True)
case("norm", ["b234"])
case("norm", ["b234"], keepdims=True)
case("norm", ["d234"], ord=3, axis=-1)
case("norm", ["i34"], grad=False, ord=1, axis=0)
case("vector_norm", ["b234"])
case("vector_norm", ["b234"], ord=1, axis=[0, 2], keepdims=True)
case("vector_norm", ["v5z"], grad=False, ord=0)
case("matrix_norm", ["b234"])
case("matrix_norm", ["b234"], ord="nuc", keepdims=True)
case("matrix_norm", ["b2333"], ord="inf")
case("multi_dot", ["m34", "m45", "m52"])
case("multi_dot", ["v4", "m45", "m52", "v2"])
case("multi_dot", ["m43", "m34", "m45"])
case("multi_dot", ["v5", "m52"])
case("vecdot", ["b234", "v4"])
case("vecdot", ["b234", "m34"], axis=-1)
case("vecdot", ["m34", "m34"], axis=0)
case("matvec", ["b234", "v4"])
case("matvec", ["m34", "m34"])
case("vecmat", ["m43", "m34"])
case("vecmat", ["v4", "m45"])
case("diagonal", ["b234"])
case("diagonal", ["b234"], offset=1)
case("diagonal", ["b234"], offset=-1)
case("trace", ["b2333"])
case("trace", ["b234"], offset=1)
case("outer", ["v5", "v4"])
case("cross", ["c23", "c3"])
case("cross", ["m34", "n34"], axis=0)
case("einsum", ["m33"], subscripts="ii->i")
case("einsum", ["m33"], subscripts="ii")
case("einsum", ["b2333"], subscripts="bjii->bj")
case("einsum", ["b2333"], subscripts="...ii->...i")
case("einsum", ["b2333"], subscripts="aiii->ai")
case("einsum", ["m33", "m34"], subscripts="ii,ij->j")
case("einsum", ["b2333", "m33"], subscripts="biij,jk->bik")

# Complex inputs: every norm order of vectors and matrices, and a batched matrix norm.
for o in [None, 1, 2, 3, "inf", "-inf"]:
    case("norm", ["zv5"], ord=o)
for x in ["z34", "zd34"]:
    for o in [None, "fro", "nuc", 1, -1, 2, -2, "inf", "-inf"]:
        case("norm", [x], ord=o)
case("norm", ["zb234"], ord=2, axis=[2, 0])
case("matrix_norm", ["zb234"], ord="nuc")
case("vector_norm", ["zb234"], ord=1, axis=[0, 2])

ERRORS = [
    ("norm", ["v5"], {"ord": "fro"}),
    ("norm", ["m34"], {"ord": 3}),
    ("norm", ["b234"], {"ord": 2}),
    ("multi_dot", ["m34", "m34"], {}),
    ("multi_dot", ["b234", "m43"], {}),
    ("outer", ["m34", "v4"], {}),
    ("cross", ["v4", "v4"], {}),
    ("vecdot", ["m34", "v5"], {}),
    ("einsum", ["m34"], {"subscripts": "ii->i"}),
]


def call(fn, xs, kw):
    if fn in ("multi_dot", "einsum"):
        return CALLS[fn](*xs, kw)
    return CALLS[fn](*xs, kw)


def main():
    cases = []
    for fn, args, kw, differentiable in CASES:
        xs = [A[a] for a in args]
        out = call(fn, xs, kw)
        g = None
        if differentiable:
            w = jnp.asarray(weights(out.shape), out.dtype)
            g = jax.grad(lambda x0: jnp.sum(call(fn, [x0] + xs[1:], kw) * w))(xs[0])
            g = cenc(g)
        cases.append({"fn": fn, "args": args, "kw": kw, "out": enc(out), "grad": g})
    errors = []
    for fn, args, kw in ERRORS:
        try:
            call(fn, [A[a] for a in args], kw)
        except (ValueError, TypeError) as e:
            errors.append({"fn": fn, "args": args, "kw": kw, "message": str(e).split("\n")[0]})
        else:
            raise SystemExit(f"{fn} {args} {kw} did not raise")
    golden = {
        "metadata": {"jax": jax.__version__, "script": "parity/linalg_products.py"},
        "inputs": {k: cenc(v) for k, v in INPUTS.items()},
        "cases": cases,
        "errors": errors,
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {len(errors)} errors")


if __name__ == "__main__":
    main()
