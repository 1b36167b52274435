"""Goldens for the decompositions of `jax.numpy.linalg` / `jax.lax.linalg` (JAX 0.10.2): QR,
eigh, SVD and what is built on them (eigvalsh, svdvals, pinv, matrix_rank, cond, lstsq),
their values, JVPs and VJPs, in float32 and float64, unbatched and with one or two leading
batch axes. Checked by `crates/core/tests/suite/linalg_decompositions.rs`.
Run: .venv/bin/python parity/linalg_decompositions.py
(writes parity/goldens/linalg_decompositions.json)

Eigenvectors and singular vectors are unique only up to sign, so each case compares a
sign-invariant view of the outputs (`VIEWS` below, mirrored by the Rust test): squares of the
vectors' entries, reconstructions, eigen/singular values. QR is compared directly (faer's
Householder QR has LAPACK's sign convention).

Sections:
- "cases": `{"fn", "dtype", "x", "b" (lstsq only), "out", "jvp", "grad"}`. `out` is the list of
  views of `fn(x)`; `jvp` their tangents along the direction whose element k (row-major in
  x's shape) is `((k * 5) % 11 - 5) / 5`; `grad` is `jax.grad(lambda x: sum_i sum(view_i *
  w_i))` with `w_i` element k `((k * 7) % 13 - 6.5) / 4` in view i's shape. `jvp`/`grad` are
  absent for views that are not differentiable (JAX refuses the JVP, or integer outputs).
- "eig": `{"dtype", "x", "w_re", "w_im", "v_abs", "jvp_re", "jvp_im", "grad"}` for general
  square matrices (random ones, with complex conjugate pairs, and ones with only real
  eigenvalues). `jnp.linalg.eig` is complex and its order is LAPACK's, so the eigenvalues are
  sorted by (real, imaginary) part (`w_re`, `w_im`); `v_abs` is `|v|` with the columns in that
  order (invariant under the eigenvectors' unit-modulus scale); `jvp_*` the tangents of the
  sorted eigenvalues along `direction`; `grad` that of `sum(w_re * c_re + w_im * c_im)` with
  `c_re`, `c_im` the `weights` of `w_re` and `w_im`'s shape, the second scaled by -1.
- "nan": `{"fn", "x", "nan_masks"}`: which output entries are NaN when the input has a NaN
  (`fn` names a view of "cases", or `eig`/`eigvals`/`lstsq`/`norm2`/`nuc`).
- "errors": `{"call", "message"}`: JAX's error message for each misuse the Rust test repeats
  (the test checks that the panic contains the message's key phrase).
- "int_inputs": `{"fn", "x", "out", "dtype"}`: linalg of an int32 matrix (promoted to float).
- "complex": `{"fn", "dtype", "x", "out", "jvp", "grad"}` as "cases" for complex64/complex128
  inputs (`golden_encoding.cenc`), with the phase-invariant views of `CVIEWS` (real arrays:
  real and imaginary parts of QR's factors, which follow LAPACK's convention, |v|² of
  eigen/singular vectors, eigen/singular values). The tangent direction is `direction + i *
  cdirection_im` (element k of the imaginary part `((k * 3) % 7 - 3) / 3`); `grad` is JAX's
  (conjugate-convention) gradient of the same weighted sum, a complex array. `fn` "eigvals"
  sorts the eigenvalues of a general complex matrix by (real, imaginary) part.
"""

import json
import os

import numpy as np

import jax

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

from golden_encoding import cenc, enc  # noqa: E402  (after the platform is set)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens",
                   "linalg_decompositions.json")


def sq(a):
    return a * a


def svd_full_view(x):
    u, s, vh = jnp.linalg.svd(x, full_matrices=True)
    k = s.shape[-1]
    uk, vk = u[..., :, :k], vh[..., :k, :]
    return [s, sq(uk), sq(vk), (uk * s[..., None, :]) @ vk]


def sym(x):
    return x + jnp.swapaxes(x, -1, -2)


# Each view: a function of x giving the list of sign-invariant arrays compared, and whether
# it is differentiable.
VIEWS = {
    "qr_reduced": (lambda x: list(jnp.linalg.qr(x)), True),
    "qr_complete": (lambda x: list(jnp.linalg.qr(x, mode="complete")), True),
    "qr_r": (lambda x: [jnp.linalg.qr(x, mode="r")], True),
    "eigh": (lambda x: (lambda w, v: [w, sq(v)])(*jnp.linalg.eigh(x)), True),
    "eigh_upper_nosym": (
        lambda x: (lambda w, v: [w, sq(v)])(*jnp.linalg.eigh(x, UPLO="U", symmetrize_input=False)),
        True),
    "eigvalsh": (lambda x: [jnp.linalg.eigvalsh(x)], True),
    "svd_thin": (lambda x: (lambda u, s, vh: [s, sq(u), sq(vh)])(
        *jnp.linalg.svd(x, full_matrices=False)), True),
    "svd_full": (svd_full_view, False),
    "svd_hermitian": (lambda x: (lambda u, s, vh: [s, sq(u), sq(vh)])(
        *jnp.linalg.svd(sym(x), full_matrices=False, hermitian=True)), True),
    "svdvals": (lambda x: [jnp.linalg.svdvals(x)], True),
    "pinv": (lambda x: [jnp.linalg.pinv(x)], True),
    "pinv_hermitian": (lambda x: [jnp.linalg.pinv(sym(x), hermitian=True)], True),
    "matrix_rank": (lambda x: [jnp.linalg.matrix_rank(x)], False),
    "cond": (lambda x: [jnp.linalg.cond(x)], True),
}

GENERAL = [(3, 3), (4, 3), (3, 4), (2, 4, 3), (2, 2, 3, 4)]
SQUARE = [(3, 3), (4, 4), (2, 3, 3), (2, 2, 3, 3)]
SQUARE_FNS = {"eigh", "eigh_upper_nosym", "eigvalsh", "svd_hermitian", "pinv_hermitian"}


def direction(shape):
    n = int(np.prod(shape))
    return (((np.arange(n) * 5) % 11 - 5) / 5).reshape(shape)


def weights(shape):
    n = int(np.prod(shape))
    return (((np.arange(n) * 7) % 13 - 6.5) / 4).reshape(shape)


def well_conditioned(rng, shape, dtype):
    """A random matrix stack with singular values well apart (1, 2, 3, ... times a random
    orthogonal pair), so the vectors' derivatives are well defined."""
    *batch, m, n = shape
    k = min(m, n)
    out = np.empty(shape)
    for idx in np.ndindex(*batch):
        u, _ = np.linalg.qr(rng.standard_normal((m, m)))
        v, _ = np.linalg.qr(rng.standard_normal((n, n)))
        s = np.zeros((m, n))
        s[np.arange(k), np.arange(k)] = 1.0 + np.arange(k)[::-1] * (0.7 + 0.3 * rng.random())
        out[idx] = u @ s @ v.T
    return out.astype(dtype)


def case(fn, x, dtype, extra=None):
    view, differentiable = VIEWS[fn] if extra is None else extra
    xs = jnp.asarray(x)
    outs = view(xs)
    c = {"fn": fn, "dtype": dtype, "x": enc(x), "out": [enc(o) for o in outs]}
    if differentiable:
        t = jnp.asarray(direction(x.shape).astype(dtype))
        _, touts = jax.jvp(view, (xs,), (t,))
        c["jvp"] = [enc(o) for o in touts]
        ws = [jnp.asarray(weights(o.shape).astype(o.dtype)) for o in outs]
        g = jax.grad(lambda x: sum(jnp.sum(o * w) for o, w in zip(view(x), ws)))(xs)
        c["grad"] = enc(g)
    return c


def cases():
    out = []
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(17 if dtype == "float32" else 18)
        for fn in VIEWS:
            shapes = SQUARE if fn in SQUARE_FNS else GENERAL
            for shape in shapes:
                out.append(case(fn, well_conditioned(rng, shape, dtype), dtype))
        # Rank-deficient inputs for matrix_rank and pinv (rank 2 of 4).
        for shape in [(4, 4), (2, 5, 4)]:
            a = rng.standard_normal(shape[:-1] + (2,))
            b = rng.standard_normal(shape[:-2] + (2, shape[-1]))
            low = (a @ b).astype(dtype)
            out.append(case("matrix_rank", low, dtype))
            out.append(case("pinv", low, dtype))
        # lstsq: tall, square and wide systems, one and two right-hand sides.
        for (m, n), k in [((5, 3), None), ((4, 4), 2), ((3, 5), None), ((6, 2), 3)]:
            a = well_conditioned(rng, (m, n), dtype)
            b = rng.standard_normal((m,) if k is None else (m, k)).astype(dtype)
            bj = jnp.asarray(b)

            def view(x, bj=bj):
                x_, resid, rank, s = jnp.linalg.lstsq(x, bj)
                return [x_, resid, s]

            c = case("lstsq", a, dtype, (view, True))
            x_, resid, rank, s = jnp.linalg.lstsq(jnp.asarray(a), bj)
            c["b"] = enc(b)
            c["rank"] = int(rank)
            out.append(c)
    return out


def lexsort_last(w):
    """The permutation sorting each row of complex `w` by (real, imaginary) part."""
    w = np.asarray(w)
    flat = w.reshape(-1, w.shape[-1])
    perms = np.stack([np.lexsort((row.imag, row.real)) for row in flat])
    return perms.reshape(w.shape)


def eig_case(x, dtype):
    xs = jnp.asarray(x)
    w, v = jnp.linalg.eig(xs)
    perm = lexsort_last(w)
    ws = np.take_along_axis(np.asarray(w), perm, -1)
    vs = np.take_along_axis(np.abs(np.asarray(v)), perm[..., None, :], -1)
    t = jnp.asarray(direction(x.shape).astype(dtype))
    _, tw = jax.jvp(jnp.linalg.eigvals, (xs,), (t,))
    tw = np.take_along_axis(np.asarray(tw), perm, -1)
    c_re = jnp.asarray(weights(perm.shape).astype(dtype))
    c_im = -c_re

    def loss(x):
        w = jnp.take_along_axis(jnp.linalg.eigvals(x), jnp.asarray(perm), -1)
        return jnp.sum(w.real * c_re) + jnp.sum(w.imag * c_im)

    g = jax.grad(loss)(xs)
    return {"dtype": dtype, "x": enc(x), "w_re": enc(ws.real), "w_im": enc(ws.imag),
            "v_abs": enc(vs), "jvp_re": enc(np.real(tw)), "jvp_im": enc(np.imag(tw)),
            "grad": enc(g)}


def eig_cases():
    out = []
    for dtype in ("float32", "float64"):
        rng = np.random.default_rng(27 if dtype == "float32" else 28)
        for shape in [(2, 2), (3, 3), (4, 4), (6, 6), (2, 5, 5), (2, 2, 3, 3)]:
            out.append(eig_case(rng.standard_normal(shape).astype(dtype), dtype))
        # Only real eigenvalues: p diag(d) p^-1 with distinct d.
        for n in (3, 5):
            p = rng.standard_normal((n, n)) + 3 * np.eye(n)
            d = np.diag(np.arange(1, n + 1) * 1.5 - 4)
            out.append(eig_case((p @ d @ np.linalg.inv(p)).astype(dtype), dtype))
        # A rotation-and-scale block (eigenvalues 1 +- 2i) with a real eigenvalue 3.
        x = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -0.3], [0.0, 0.0, 3.0]])
        out.append(eig_case(x.astype(dtype), dtype))
    return out


def nan_views():
    return {
        "eig": lambda x: (lambda r: [r.eigenvalues, r.eigenvectors])(jnp.linalg.eig(x)),
        "eigvals": lambda x: [jnp.linalg.eigvals(x)],
        "lstsq": lambda x: list(jnp.linalg.lstsq(x, jnp.ones(x.shape[0])))[:2] + [
            jnp.linalg.lstsq(x, jnp.ones(x.shape[0]))[3]],
        "norm2": lambda x: [jnp.linalg.norm(x, 2)],
        "nuc": lambda x: [jnp.linalg.norm(x, "nuc")],
    }


def nan_cases():
    out = []
    x = np.array([[1.0, np.nan, 0.5], [2.0, 3.0, -1.0], [0.5, -2.0, 4.0]])
    extra = nan_views()
    names = ["qr_reduced", "qr_complete", "eigh", "eigvalsh", "svd_thin", "svdvals", "pinv",
             "matrix_rank", "cond"] + list(extra)
    for fn in names:
        view = extra[fn] if fn in extra else VIEWS[fn][0]
        outs = view(jnp.asarray(x))
        masks = [enc(np.isnan(np.asarray(o)).astype(np.int32)) for o in outs]
        out.append({"fn": fn, "x": enc(x), "nan_masks": masks})
    return out


def error_cases():
    """JAX's message for each misuse, keyed by the call the Rust test repeats."""
    calls = {
        "eig_nonsquare": lambda: jnp.linalg.eig(jnp.ones((3, 4))),
        "eig_rank1": lambda: jnp.linalg.eig(jnp.ones(3)),
        "eigvals_nonsquare": lambda: jnp.linalg.eigvals(jnp.ones((3, 4))),
        "lax_eig_int": lambda: jax.lax.linalg.eig(jnp.ones((2, 2), jnp.int32)),
        "eig_vectors_jvp": lambda: jax.jvp(lambda x: jnp.linalg.eig(x).eigenvectors,
                                           (jnp.eye(2),), (jnp.eye(2),)),
        "eigvals_second_order": lambda: jax.hessian(
            lambda x: jnp.linalg.eigvals(x).real.sum())(jnp.array([[1.0, 2.0], [3.0, 4.0]])),
        "eigh_nonsquare": lambda: jnp.linalg.eigh(jnp.ones((3, 4))),
        "eigh_rank1": lambda: jnp.linalg.eigh(jnp.ones(3)),
        "eigvalsh_nonsquare": lambda: jnp.linalg.eigvalsh(jnp.ones((3, 4))),
        "eigvalsh_rank1": lambda: jnp.linalg.eigvalsh(jnp.ones(3)),
        "qr_rank1": lambda: jnp.linalg.qr(jnp.ones(3)),
        "svd_rank1": lambda: jnp.linalg.svd(jnp.ones(3)),
        "svdvals_rank1": lambda: jnp.linalg.svdvals(jnp.ones(3)),
        "pinv_rank1": lambda: jnp.linalg.pinv(jnp.ones(3)),
        "cond_rank1": lambda: jnp.linalg.cond(jnp.ones(3)),
        "lstsq_mismatch": lambda: jnp.linalg.lstsq(jnp.ones((3, 2)), jnp.ones(4)),
        "lstsq_a_rank1": lambda: jnp.linalg.lstsq(jnp.ones(3), jnp.ones(3)),
        "lstsq_b_rank3": lambda: jnp.linalg.lstsq(jnp.ones((3, 2)), jnp.ones((3, 2, 2))),
        "norm_nuc_vector": lambda: jnp.linalg.norm(jnp.ones(3), "nuc"),
        "svd_full_jvp": lambda: jax.jvp(lambda x: jnp.linalg.svd(x)[0], (jnp.ones((3, 2)),),
                                        (jnp.ones((3, 2)),)),
    }
    out = []
    for call, f in calls.items():
        try:
            f()
        except Exception as e:  # noqa: BLE001 (the message is the golden)
            out.append({"call": call, "message": str(e)})
        else:
            raise AssertionError(f"{call} did not raise")
    return out


def int_cases():
    x = np.array([[4, 1, 2], [1, 3, 0], [2, 0, 5]], dtype=np.int32)
    xs = jnp.asarray(x)
    calls = {
        "eigvalsh": lambda: jnp.linalg.eigvalsh(xs),
        "svdvals": lambda: jnp.linalg.svdvals(xs),
        "qr_r": lambda: jnp.linalg.qr(xs, mode="r"),
        "pinv": lambda: jnp.linalg.pinv(xs),
        "cond": lambda: jnp.linalg.cond(xs),
        "eigvals_re": lambda: jnp.sort(jnp.linalg.eigvals(xs).real),
        "lstsq": lambda: jnp.linalg.lstsq(xs, jnp.array([1, 2, 3], jnp.int32))[0],
    }
    out = []
    for fn, f in calls.items():
        r = f()
        out.append({"fn": fn, "x": enc(x), "out": enc(r), "dtype": str(r.dtype)})
    return out


def reim(z):
    return [jnp.real(z), jnp.imag(z)]


def abs2(z):
    return jnp.real(z * jnp.conj(z))


def sorted_eigvals(x):
    w = jnp.linalg.eigvals(x)
    # The sort permutation is a constant of the primal (as the Rust test's).
    perm = jnp.asarray(lexsort_last(jax.lax.stop_gradient(w)))
    return reim(jnp.take_along_axis(w, perm, -1))


# The phase-invariant views of complex decompositions (all real-valued, all differentiable).
CVIEWS = {
    "qr_reduced": lambda x: sum((reim(f) for f in jnp.linalg.qr(x)), []),
    "qr_complete": lambda x: sum((reim(f) for f in jnp.linalg.qr(x, mode="complete")), []),
    "eigh": lambda x: (lambda w, v: [w, abs2(v)])(*jnp.linalg.eigh(x)),
    "eigvalsh": lambda x: [jnp.linalg.eigvalsh(x)],
    "svd_thin": lambda x: (lambda u, s, vh: [s, abs2(u), abs2(vh)])(
        *jnp.linalg.svd(x, full_matrices=False)),
    "svdvals": lambda x: [jnp.linalg.svdvals(x)],
    "pinv": lambda x: reim(jnp.linalg.pinv(x)),
    "cond": lambda x: [jnp.linalg.cond(x)],
    "eigvals": sorted_eigvals,
}

CSHAPES = {
    "qr_reduced": [(3, 3), (4, 3), (3, 4), (2, 4, 3)],
    "qr_complete": [(4, 3), (3, 4)],
    "eigh": [(3, 3), (2, 3, 3)],
    "eigvalsh": [(4, 4)],
    "svd_thin": [(3, 3), (4, 3), (3, 4), (2, 4, 3)],
    "svdvals": [(4, 3), (2, 3, 4)],
    "pinv": [(4, 3), (3, 4), (2, 3, 3)],
    "cond": [(3, 3)],
    "eigvals": [(3, 3), (2, 4, 4)],
}


def cdirection(shape):
    n = int(np.prod(shape))
    return direction(shape) + 1j * (((np.arange(n) * 3) % 7 - 3) / 3).reshape(shape)


def complex_well_conditioned(rng, shape, dtype):
    """`well_conditioned` with random unitary factors."""
    *batch, m, n = shape
    k = min(m, n)
    out = np.empty(shape, dtype=np.complex128)

    def unitary(d):
        q, _ = np.linalg.qr(rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d)))
        return q

    for idx in np.ndindex(*batch):
        u, v = unitary(m), unitary(n)
        s = np.zeros((m, n))
        s[np.arange(k), np.arange(k)] = 1.0 + np.arange(k)[::-1] * (0.7 + 0.3 * rng.random())
        out[idx] = u @ s @ v.conj().T
    return out.astype(dtype)


def complex_cases():
    out = []
    for dtype in ("complex64", "complex128"):
        rng = np.random.default_rng(37 if dtype == "complex64" else 38)
        for fn, shapes in CSHAPES.items():
            for shape in shapes:
                x = complex_well_conditioned(rng, shape, dtype)
                xs = jnp.asarray(x)
                view = CVIEWS[fn]
                outs = view(xs)
                t = jnp.asarray(cdirection(shape).astype(dtype))
                _, touts = jax.jvp(view, (xs,), (t,))
                ws = [jnp.asarray(weights(o.shape).astype(o.dtype)) for o in outs]
                g = jax.grad(lambda x: sum(jnp.sum(o * w) for o, w in zip(view(x), ws)))(xs)
                out.append({"fn": fn, "dtype": dtype, "x": cenc(x),
                            "out": [enc(o) for o in outs], "jvp": [enc(o) for o in touts],
                            "grad": cenc(g)})
    return out


def main():
    out = {"jax": jax.__version__, "cases": cases(), "eig": eig_cases(), "nan": nan_cases(),
           "errors": error_cases(), "int_inputs": int_cases(), "complex": complex_cases()}
    with open(OUT, "w") as f:
        f.write("{\n")
        f.write(f' "jax": {json.dumps(out["jax"])},\n')
        sections = ["cases", "eig", "nan", "errors", "int_inputs", "complex"]
        for k, name in enumerate(sections):
            f.write(f' "{name}": [\n')
            f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in out[name]))
            f.write("\n ]" + (",\n" if k + 1 < len(sections) else "\n"))
        f.write("}\n")
    print(f"wrote {sum(len(out[k]) for k in ('cases', 'eig', 'nan', 'errors', 'int_inputs', 'complex'))} "
          f"cases to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
