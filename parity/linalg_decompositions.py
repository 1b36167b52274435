"""Goldens for the decompositions of `jax.numpy.linalg` / `jax.lax.linalg` (JAX 0.10.2): QR,
eigh, SVD and what is built on them (eigvalsh, svdvals, pinv, matrix_rank, cond, lstsq),
their values, JVPs and VJPs, in float32 and float64, unbatched and with one or two leading
batch axes. Checked by `crates/core/tests/linalg_decompositions.rs`.
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
"""

import json
import os

import numpy as np

import jax

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

from golden_encoding import enc  # noqa: E402  (after the platform is set)

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


def main():
    out = {"jax": jax.__version__, "cases": cases()}
    with open(OUT, "w") as f:
        f.write("{\n")
        f.write(f' "jax": {json.dumps(out["jax"])},\n')
        f.write(' "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in out["cases"]))
        f.write("\n ]\n}\n")
    print(f"wrote {len(out['cases'])} cases to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
