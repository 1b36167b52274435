"""Goldens for the factorisation-based solvers of JAX 0.10.2: `lax.linalg` cholesky,
triangular_solve and lu; `jnp.linalg` cholesky, solve, inv, det, slogdet, tensorsolve,
tensorinv and matrix_power; `jax.scipy.linalg` solve_triangular, cho_factor/cho_solve,
lu_factor/lu_solve, lu, block_diag and expm. Values, JVPs and VJPs in float32 and float64,
unbatched and batched; singular matrices; the messages of misuse.
Checked by `crates/core/tests/suite/linalg_solve.rs`.
Run: .venv/bin/python parity/linalg_solve.py (writes parity/goldens/linalg_solve.json)

Sections:
- "cases": `{"fn", "params", "dtype", "args", "diff", "out", "ints", "jvp", "grad"}`.
  `fn(*args, **params)` gives the float outputs `out` and the integer outputs `ints` (LU
  pivots and permutations). `jvp` are the tangents of `out` when every argument listed in
  `diff` moves along the direction whose element k (row-major in the argument's shape) is
  `((k * 5) % 11 - 5) / 5`; `grad` (one per `diff` argument) is the gradient of
  `sum_i sum(out_i * w_i)` with `w_i` element k `((k * 7) % 13 - 6.5) / 4` in out_i's shape.
- "singular": `{"fn", "dtype", "x", "b", "out"}`: det/slogdet/solve/inv of singular
  matrices (zeros, infinities and NaNs where JAX gives them).
- "errors": `{"call", "message", "key"}`: what JAX raises for a misuse named `call` (the
  Rust test makes the same call); `key` is the part of `message` the Rust panic must hold.
- "complex": as "cases" for complex64/complex128 arguments (`golden_encoding.cenc`; outputs
  may be complex). A complex argument's tangent is `direction + i * cdirection_im` (element k
  of the imaginary part `((k * 3) % 7 - 3) / 3`), and the loss is `sum_i sum(real(out_i *
  w_i))` with `w_i = weights * (1 - 0.5i)` for a complex output (plain `weights` for a real
  one); `grad` is JAX's conjugate-convention gradient.
"""

import json
import os
import warnings

import numpy as np

import jax

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402
from jax import lax  # noqa: E402

from golden_encoding import cenc, enc  # noqa: E402  (after the platform is set)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "linalg_solve.json")


def direction(shape):
    n = int(np.prod(shape))
    return (((np.arange(n) * 5) % 11 - 5) / 5).reshape(shape)


def weights(shape):
    n = int(np.prod(shape))
    return (((np.arange(n) * 7) % 13 - 6.5) / 4).reshape(shape)


def general(rng, shape):
    """A well-conditioned square matrix stack: identity-dominated plus noise."""
    n = shape[-1]
    return 2.0 * np.eye(n) + 0.5 * rng.standard_normal(shape)


def spd(rng, shape):
    n = shape[-1]
    g = rng.standard_normal(shape)
    return g @ np.swapaxes(g, -1, -2) / n + np.eye(n)


def triangular_ish(rng, shape):
    """Full matrices (both triangles hold data, so reading the wrong one shows) whose
    triangles are well conditioned."""
    n = shape[-1]
    return 0.5 * rng.standard_normal(shape) + np.eye(n) * (2.0 + rng.random(shape[:-1]))[..., None]


def lower_factor(rng, shape):
    return np.tril(triangular_ish(rng, shape))


def tsolve(a, b, **p):
    return lax.linalg.triangular_solve(a, b, **p)


def lax_lu(x):
    lu, piv, perm = lax.linalg.lu(x)
    return [lu], [piv, perm]


def slogdet(x):
    s, l = jnp.linalg.slogdet(x)
    return [s, l]


# name -> function of (*args, **params) giving (float outputs, integer outputs)
FNS = {
    "lax_cholesky": lambda x, **p: ([lax.linalg.cholesky(x, **p)], []),
    "triangular_solve": lambda a, b, **p: ([tsolve(a, b, **p)], []),
    "lax_lu": lambda x: lax_lu(x),
    "cholesky": lambda x, **p: ([jnp.linalg.cholesky(x, **p)], []),
    "solve": lambda a, b: ([jnp.linalg.solve(a, b)], []),
    "inv": lambda x: ([jnp.linalg.inv(x)], []),
    "det": lambda x: ([jnp.linalg.det(x)], []),
    "slogdet": lambda x: (slogdet(x), []),
    "tensorsolve": lambda a, b, **p: ([jnp.linalg.tensorsolve(a, b, **p)], []),
    "tensorinv": lambda a, **p: ([jnp.linalg.tensorinv(a, **p)], []),
    "matrix_power": lambda a, **p: ([jnp.linalg.matrix_power(a, **p)], []),
    "solve_triangular": lambda a, b, **p: ([jsl.solve_triangular(a, b, **p)], []),
    "cho_factor": lambda a, **p: ([jsl.cho_factor(a, **p)[0]], []),
    "cho_solve": lambda c, b, **p: ([jsl.cho_solve((c, p["lower"]), b)], []),
    "lu_factor": lambda a: (lambda lu, piv: ([lu], [piv]))(*jsl.lu_factor(a)),
    "lu_solve": lambda lu, piv, b, **p: ([jsl.lu_solve((lu, piv), b, **p)], []),
    "scipy_lu": lambda a, **p: (list(jsl.lu(a, **p)), []),
    "block_diag": lambda *xs: ([jsl.block_diag(*xs)], []),
    "expm": lambda a, **p: ([jsl.expm(a, **p)], []),
}


def cdirection(shape):
    n = int(np.prod(shape))
    return direction(shape) + 1j * (((np.arange(n) * 3) % 7 - 3) / 3).reshape(shape)


def tangent(a):
    return (cdirection if a.dtype.kind == "c" else direction)(a.shape).astype(a.dtype)


def out_weights(o):
    w = weights(o.shape)
    return (w * (1 - 0.5j) if jnp.iscomplexobj(o) else w).astype(o.dtype)


def case(fn, dtype, args, params=None, diff=None):
    params = params or {}
    args = [np.asarray(a) for a in args]
    diff = [i for i, a in enumerate(args) if a.dtype.kind in "fc"] if diff is None else diff
    jargs = [jnp.asarray(a) for a in args]
    f = FNS[fn]
    outs, ints = f(*jargs, **params)
    c = {"fn": fn, "params": params, "dtype": dtype, "args": [cenc(a) for a in args],
         "diff": diff, "out": [cenc(o) for o in outs]}
    if ints:
        c["ints"] = [enc(i) for i in ints]

    def of_diff(*xs):
        full = list(jargs)
        for i, x in zip(diff, xs):
            full[i] = x
        return f(*full, **params)[0]

    primals = [jargs[i] for i in diff]
    tangents = [jnp.asarray(tangent(args[i])) for i in diff]
    _, touts = jax.jvp(of_diff, primals, tangents)
    c["jvp"] = [cenc(o) for o in touts]
    ws = [jnp.asarray(out_weights(o)) for o in outs]
    loss = lambda *xs: sum(jnp.sum(jnp.real(o * w)) for o, w in zip(of_diff(*xs), ws))  # noqa: E731
    gs = jax.grad(loss, argnums=tuple(range(len(diff))))(*primals)
    c["grad"] = [cenc(g) for g in gs]
    return c


def cases():
    out = []
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(23 if dtype == "float32" else 24)

        def r(x):
            return np.asarray(x).astype(dtype)

        def add(fn, args, params=None, diff=None):
            out.append(case(fn, dtype, [r(a) if np.asarray(a).dtype.kind == "f" else a
                                        for a in args], params, diff))

        for shape in [(3, 3), (2, 4, 4)]:
            add("lax_cholesky", [spd(rng, shape)])
        add("lax_cholesky", [spd(rng, (3, 3))], {"symmetrize_input": False})
        # triangular_solve: every flag, left and right, vector-free (lax needs matrices).
        for left in (True, False):
            for lower in (True, False):
                for transpose_a in (False, True):
                    a = triangular_ish(rng, (3, 3))
                    b = rng.standard_normal((3, 2) if left else (2, 3))
                    add("triangular_solve", [a, b], {"left_side": left, "lower": lower,
                                                     "transpose_a": transpose_a})
        add("triangular_solve", [triangular_ish(rng, (3, 3)), rng.standard_normal((3, 4))],
            {"left_side": True, "lower": True, "unit_diagonal": True})
        add("triangular_solve", [triangular_ish(rng, (3, 3)), rng.standard_normal((2, 3))],
            {"left_side": False, "lower": False, "unit_diagonal": True, "conjugate_a": True})
        add("triangular_solve", [triangular_ish(rng, (2, 3, 3)),
                                 rng.standard_normal((2, 3, 2))],
            {"left_side": True, "lower": True})
        for shape in [(3, 3), (4, 3), (3, 4), (2, 3, 3)]:
            add("lax_lu", [rng.standard_normal(shape)])
        for shape in [(3, 3), (2, 4, 4)]:
            add("cholesky", [spd(rng, shape)])
        add("cholesky", [spd(rng, (3, 3))], {"upper": True})
        add("cholesky", [spd(rng, (3, 3))], {"symmetrize_input": False})
        # solve: vector and matrix right-hand sides; batch axes broadcast as JAX does.
        for ashape, bshape in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)),
                               ((2, 3, 3), (2, 3, 2)), ((3, 3), (2, 3, 2)),
                               ((2, 1, 3, 3), (4, 3, 1)), ((1, 3, 3), (2, 3, 3))]:
            add("solve", [general(rng, ashape), rng.standard_normal(bshape)])
        for shape in [(3, 3), (2, 4, 4)]:
            add("inv", [general(rng, shape)])
        for shape in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (2, 4, 4)]:
            add("det", [general(rng, shape)])
        for shape in [(1, 1), (2, 2), (3, 3), (4, 4), (2, 3, 3)]:
            add("slogdet", [general(rng, shape)])
        neg = general(rng, (4, 4))
        neg[0] *= -1
        add("slogdet", [neg])
        add("tensorsolve", [general(rng, (6, 6)).reshape(2, 3, 6), rng.standard_normal((2, 3))])
        add("tensorsolve", [general(rng, (6, 6)).reshape(3, 2, 3, 2),
                            rng.standard_normal((2, 3))], {"axes": (0,)})
        add("tensorinv", [general(rng, (6, 6)).reshape(2, 3, 6)])
        add("tensorinv", [general(rng, (6, 6)).reshape(6, 2, 3)], {"ind": 1})
        for n in (0, 1, 3, -2, 6):
            add("matrix_power", [0.5 * general(rng, (3, 3))], {"n": n})
        add("matrix_power", [0.5 * general(rng, (2, 3, 3))], {"n": 3})
        # jax.scipy.linalg.
        for trans in (0, 1, 2):
            for lower in (False, True):
                add("solve_triangular", [triangular_ish(rng, (3, 3)), rng.standard_normal(3)],
                    {"trans": trans, "lower": lower})
        add("solve_triangular", [triangular_ish(rng, (3, 3)), rng.standard_normal((3, 2))],
            {"lower": True, "unit_diagonal": True})
        add("solve_triangular", [triangular_ish(rng, (2, 3, 3)),
                                 rng.standard_normal((3, 2))], {"trans": 1})
        add("solve_triangular", [triangular_ish(rng, (3, 3)),
                                 rng.standard_normal((2, 3, 4))], {"lower": True})
        for lower in (False, True):
            add("cho_factor", [spd(rng, (3, 3))], {"lower": lower})
            add("cho_solve", [lower_factor(rng, (3, 3)), rng.standard_normal(3)],
                {"lower": lower})
            add("cho_solve", [lower_factor(rng, (2, 3, 3)), rng.standard_normal((2, 3, 2))],
                {"lower": lower})
        add("cho_factor", [spd(rng, (2, 3, 3))])
        for shape in [(3, 3), (2, 3, 3)]:
            add("lu_factor", [rng.standard_normal(shape)])
        for trans in (0, 1):
            for bshape in [(3,), (3, 2)]:
                a = rng.standard_normal((3, 3))
                lu, piv = jsl.lu_factor(jnp.asarray(r(a)))
                add("lu_solve", [np.asarray(lu), np.asarray(piv), rng.standard_normal(bshape)],
                    {"trans": trans})
        a = rng.standard_normal((2, 3, 3))
        lu, piv = jsl.lu_factor(jnp.asarray(r(a)))
        add("lu_solve", [np.asarray(lu), np.asarray(piv), rng.standard_normal((2, 3, 2))])
        for shape in [(3, 3), (4, 3), (3, 4)]:
            for permute_l in (False, True):
                add("scipy_lu", [rng.standard_normal(shape)], {"permute_l": permute_l})
        add("block_diag", [rng.standard_normal((2, 2)), rng.standard_normal((1, 3)),
                           np.asarray(rng.standard_normal()), rng.standard_normal(2)])
        add("block_diag", [rng.standard_normal((3, 1))])
        # expm: L1 norms that reach each Padé order and the squaring loop.
        norms = ([0.01, 0.2, 0.8, 1.5, 3.0, 20.0] if dtype == "float64"
                 else [0.3, 1.2, 3.0, 12.0])
        for target in norms:
            x = rng.standard_normal((3, 3))
            x *= target / np.abs(x).sum(axis=0).max()
            add("expm", [x])
        x = rng.standard_normal((2, 3, 3))
        add("expm", [x])
        add("expm", [np.triu(rng.standard_normal((3, 3)))], {"upper_triangular": True})
    return out


def complex_cases():
    out = []
    for dtype in ("complex64", "complex128"):
        rng = np.random.default_rng(33 if dtype == "complex64" else 34)

        def cn(*shape):
            return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

        def hpd(shape):
            n = shape[-1]
            g = cn(*shape)
            return g @ np.conj(np.swapaxes(g, -1, -2)) / n + np.eye(n)

        def cgeneral(shape):
            return 2.0 * np.eye(shape[-1]) + 0.5 * cn(*shape)

        def ctri(shape):
            n = shape[-1]
            return 0.5 * cn(*shape) + np.eye(n) * (2.0 + rng.random(shape[:-1]))[..., None]

        def add(fn, args, params=None):
            out.append(case(fn, dtype, [np.asarray(a).astype(dtype)
                                        if np.asarray(a).dtype.kind in "fc" else a
                                        for a in args], params))

        for shape in [(3, 3), (2, 4, 4)]:
            add("lax_cholesky", [hpd(shape)])
        for left in (True, False):
            for transpose_a in (False, True):
                for conjugate_a in (False, True):
                    b = cn(3, 2) if left else cn(2, 3)
                    add("triangular_solve", [ctri((3, 3)), b],
                        {"left_side": left, "lower": True, "transpose_a": transpose_a,
                         "conjugate_a": conjugate_a})
        add("triangular_solve", [ctri((2, 3, 3)), cn(2, 3, 2)],
            {"left_side": True, "lower": False, "transpose_a": True, "conjugate_a": True})
        for shape in [(3, 3), (4, 3), (3, 4), (2, 3, 3)]:
            add("lax_lu", [cn(*shape)])
        add("cholesky", [hpd((3, 3))])
        add("cholesky", [hpd((3, 3))], {"upper": True})
        for ashape, bshape in [((3, 3), (3,)), ((2, 3, 3), (2, 3, 2))]:
            add("solve", [cgeneral(ashape), cn(*bshape)])
        for shape in [(3, 3), (2, 4, 4)]:
            add("inv", [cgeneral(shape)])
        for shape in [(2, 2), (3, 3), (4, 4), (2, 4, 4)]:
            add("det", [cgeneral(shape)])
        for shape in [(2, 2), (4, 4), (2, 3, 3)]:
            add("slogdet", [cgeneral(shape)])
        for trans in (0, 1, 2):
            add("solve_triangular", [ctri((3, 3)), cn(3)], {"trans": trans, "lower": True})
        for lower in (False, True):
            add("cho_factor", [hpd((3, 3))], {"lower": lower})
            add("cho_solve", [np.tril(ctri((3, 3))), cn(3, 2)], {"lower": lower})
        add("lu_factor", [cn(3, 3)])
        for trans in (0, 1, 2):
            lu, piv = jsl.lu_factor(jnp.asarray(cn(3, 3).astype(dtype)))
            add("lu_solve", [np.asarray(lu), np.asarray(piv), cn(3, 2)], {"trans": trans})
    return out


def singular():
    out = []
    mats = {
        2: [[1.0, 2.0], [2.0, 4.0]],
        3: [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
        4: [[2.0, 1.0, 0.0, 1.0], [4.0, 2.0, 0.0, 2.0], [1.0, 0.0, 1.0, 0.0],
            [0.0, 1.0, 1.0, 2.0]],
    }
    for dtype in ("float32", "float64"):
        for n, m in mats.items():
            x = np.asarray(m, dtype=dtype)
            b = np.arange(1.0, n + 1).astype(dtype)
            out.append({"fn": "det", "dtype": dtype, "x": enc(x),
                        "out": [enc(jnp.linalg.det(x))]})
            out.append({"fn": "slogdet", "dtype": dtype, "x": enc(x),
                        "out": [enc(o) for o in jnp.linalg.slogdet(x)]})
            out.append({"fn": "solve", "dtype": dtype, "x": enc(x), "b": enc(b),
                        "out": [enc(jnp.linalg.solve(x, b))]})
            out.append({"fn": "inv", "dtype": dtype, "x": enc(x),
                        "out": [enc(jnp.linalg.inv(x))]})
    return out


def f32(*shape):
    return jnp.ones(shape, jnp.float32)


# call -> (the misuse, the part of JAX's message that the Rust panic must hold)
ERRORS = {
    "cholesky_nonsquare": (lambda: lax.linalg.cholesky(f32(2, 3), symmetrize_input=False),
                           "must be a square matrix"),
    "cholesky_rank1": (lambda: lax.linalg.cholesky(f32(3), symmetrize_input=False),
                       "must have rank at least 2"),
    "triangular_solve_nonsquare": (
        lambda: lax.linalg.triangular_solve(f32(2, 3), f32(3, 2), left_side=True),
        "must be a square matrix"),
    "triangular_solve_shapes": (
        lambda: lax.linalg.triangular_solve(f32(3, 3), f32(2, 2), left_side=True),
        "Incompatible shapes for arguments to triangular_solve"),
    "triangular_solve_batch": (
        lambda: lax.linalg.triangular_solve(f32(2, 3, 3), f32(4, 3, 2), left_side=True),
        "corresponds to two sizes: 2 and 4"),
    "triangular_solve_ranks": (
        lambda: lax.linalg.triangular_solve(f32(2, 3, 3), f32(2, 4, 3, 2), left_side=True),
        "must have the same number of batch dimensions"),
    "triangular_solve_int": (
        lambda: lax.linalg.triangular_solve(f32(3, 3), jnp.ones((3, 3), jnp.int32)),
        "does not accept dtype int32 at position 1"),
    "lu_rank1": (lambda: lax.linalg.lu(f32(3)), "must have rank at least 2"),
    "solve_rank1": (lambda: jnp.linalg.solve(f32(3), f32(3)),
                    "left hand array must be at least two dimensional"),
    "solve_nonsquare": (lambda: jnp.linalg.solve(f32(2, 3), f32(2)),
                        "inconsistent size for core dimension 'm'"),
    "solve_mismatch": (lambda: jnp.linalg.solve(f32(3, 3), f32(4)),
                       "inconsistent size for core dimension 'm'"),
    "solve_batch": (lambda: jnp.linalg.solve(f32(2, 3, 3), f32(4, 3, 1)),
                    "Incompatible shapes for broadcasting"),
    "solve_old_batched_vector": (lambda: jnp.linalg.solve(f32(2, 3, 3), f32(2, 3)),
                                 "Invalid shapes for solve"),
    "inv_nonsquare": (lambda: jnp.linalg.inv(f32(2, 3)), "must have shape [..., n, n]"),
    "inv_rank1": (lambda: jnp.linalg.inv(f32(3)), "must have shape [..., n, n]"),
    "det_nonsquare": (lambda: jnp.linalg.det(f32(2, 3)), "must have shape [..., n, n]"),
    "slogdet_nonsquare": (lambda: jnp.linalg.slogdet(f32(2, 3)),
                          "must have shape [..., n, n]"),
    "matrix_power_rank1": (lambda: jnp.linalg.matrix_power(f32(3), 2),
                           "Array must be at least two-dimensional"),
    "matrix_power_nonsquare": (lambda: jnp.linalg.matrix_power(f32(2, 3), 2),
                               "Last 2 dimensions of the array must be square"),
    "tensorinv_sizes": (lambda: jnp.linalg.tensorinv(f32(2, 3, 4)),
                        "tensorinv is only possible when the product"),
    "tensorsolve_shapes": (lambda: jnp.linalg.tensorsolve(f32(2, 3, 6), f32(3, 2)),
                           "leading shape of a must match shape of b"),
    "solve_triangular_mismatch": (lambda: jsl.solve_triangular(f32(3, 3), f32(4)),
                                  "inconsistent size for core dimension 'n'"),
    "solve_triangular_batch": (lambda: jsl.solve_triangular(f32(2, 3, 3), f32(4, 3, 1)),
                               "Incompatible shapes for broadcasting"),
    "solve_triangular_trans": (lambda: jsl.solve_triangular(f32(3, 3), f32(3), trans=3),
                               "Invalid 'trans' value"),
    "cho_solve_mismatch": (lambda: jsl.cho_solve((f32(3, 3), False), f32(4, 2)),
                           "inconsistent size for core dimension 'n'"),
    "lu_solve_mismatch": (
        lambda: jsl.lu_solve((f32(3, 3), jnp.zeros(3, jnp.int32)), f32(4)),
        "inconsistent size for core dimension 'n'"),
    "lu_solve_trans": (
        lambda: jsl.lu_solve((f32(3, 3), jnp.zeros(3, jnp.int32)), f32(3), trans=3),
        "'trans' value must be 0, 1, or 2"),
    "block_diag_rank3": (lambda: jsl.block_diag(f32(2, 2), f32(1, 2, 2)),
                         "must have at most 2 dimensions"),
    "expm_nonsquare": (lambda: jsl.expm(f32(2, 3)),
                       "Expected A to be a (batched) square matrix"),
    "expm_rank1": (lambda: jsl.expm(f32(3)), "Expected A to be a (batched) square matrix"),
}


def errors():
    out = []
    for call, (f, key) in ERRORS.items():
        try:
            f()
        except (TypeError, ValueError) as e:
            msg = str(e)
        else:
            raise AssertionError(f"{call}: JAX raised nothing")
        assert key in msg, f"{call}: {key!r} not in {msg!r}"
        out.append({"call": call, "message": msg, "key": key})
    return out


def main():
    warnings.simplefilter("ignore", FutureWarning)
    out = {"jax": jax.__version__, "cases": cases(), "singular": singular(),
           "errors": errors(), "complex": complex_cases()}
    with open(OUT, "w") as f:
        f.write("{\n")
        f.write(f' "jax": {json.dumps(out["jax"])},\n')
        keys = ("cases", "singular", "errors", "complex")
        for i, key in enumerate(keys):
            f.write(f' "{key}": [\n')
            f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in out[key]))
            f.write("\n ]" + (",\n" if i + 1 < len(keys) else "\n"))
        f.write("}\n")
    print(f"wrote {len(out['cases'])} cases to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
