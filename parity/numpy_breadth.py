"""Goldens for the breadth of `jax.numpy` (JAX 0.10.2): rearranging, diagonals and grids, more
elementwise functions, statistics and NaN-ignoring reductions, quantiles, histograms,
polynomials and convolutions, set operations and nonzero positions. Checked by
`crates/core/tests/suite/numpy_breadth.rs`.
Run: .venv/bin/python parity/numpy_breadth.py  (writes parity/goldens/numpy_breadth.json)

Sections:
- "inputs": the arrays used, by name (`golden_encoding.enc`: float32 values widened exactly,
  NaN and infinities as strings).
- "values": `{"fn", "args" (input names, or Python scalars written `#2.5` / `#3`), "kw", "out"}`: `out` is one encoded array, or a list
  of them for functions returning several. `fn` names a call in `CALLS` below; the Rust test
  makes the same call through the Rust API with the same keywords.
- "grads": `{"fn", "args", "kw", "grad"}`: `jax.grad(lambda x: jnp.sum(f(x, *rest) * w))` with
  respect to the first argument (of the first output, for functions returning several), `w` element k `((k * 7) % 13 - 6.5) / 4` (row-major in the
  output's shape).
- "errors": `{"fn", "args", "kw"}`: calls JAX refuses (the Rust API panics).
- "more_inputs", "more_values", "more_grads", "more_errors": the same for the functions added
  later (splitting and stacking, index helpers, set operations, polynomials, windows, ...).
  With `--only-new` the script rewrites just these sections of an existing golden file and
  leaves the others byte for byte (a fresh run of the old sections can move them by an ulp).
"""

import json
import os
import sys

import numpy as np

import jax
import jax.numpy as jnp

jax.config.update("jax_platforms", "cpu")

from golden_encoding import enc  # noqa: E402  (after the platform is set)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "numpy_breadth.json")

f32, i32 = np.float32, np.int32
nan, inf = np.nan, np.inf
rng = np.random.default_rng(1802)

INPUTS = {
    "f5": rng.standard_normal(5).astype(f32),
    "g5": rng.standard_normal(5).astype(f32),
    "f3": np.array([0.5, -1.0, 2.0], f32),
    "f34": rng.standard_normal((3, 4)).astype(f32),
    "g34": rng.standard_normal((3, 4)).astype(f32),
    "f44": rng.standard_normal((4, 4)).astype(f32),
    "f234": rng.standard_normal((2, 3, 4)).astype(f32),
    "f22": np.array([[1.0, -2.0], [0.5, 3.0]], f32),
    "f0": np.array(1.5, f32),
    "i6": np.array([3, -1, 4, 0, -5, 2], i32),
    "j6": np.array([-2, 0, 3, 3, 1, 0], i32),
    "i34": rng.integers(-4, 5, (3, 4)).astype(i32),
    "i2": np.array([2, -3], i32),
    "b34": rng.random((3, 4)) < 0.5,
    "pos": np.array([0, 2, 2, 5, 1, 0, 2, 3], i32),
    "wpos": np.array([0.5, 1.0, -2.0, 3.0, 0.25, 1.5, 2.0, -1.0], f32),
    # NaN and infinities, with one all-NaN row and one all-NaN column.
    "nan34": np.array([[1.0, nan, -2.0, nan], [nan, nan, nan, nan], [inf, 0.5, -inf, nan]], f32),
    "special": np.array([0.0, -0.0, 1.0, -1.0, inf, -inf, nan, 2.5, -3.0], f32),
    "special2": np.array([-0.0, 2.0, -inf, nan, 1.0, -2.0, 3.0, 0.0, inf], f32),
    "v3": rng.standard_normal((4, 3)).astype(f32),
    "w3": rng.standard_normal((4, 3)).astype(f32),
    "v2": rng.standard_normal((4, 2)).astype(f32),
    "w2": rng.standard_normal((4, 2)).astype(f32),
    "v34": rng.standard_normal((3, 4)).astype(f32),
    "w34": rng.standard_normal((3, 4)).astype(f32),
    "xp": np.array([-1.0, 0.0, 0.5, 2.0, 3.0], f32),
    "fp": np.array([1.0, -1.0, 2.0, 0.0, 4.0], f32),
    "xq": np.array([-2.0, -1.0, -0.25, 0.0, 0.3, 1.0, 2.0, 2.9, 3.0, 5.0, nan], f32),
    "pcoef": np.array([0.5, -1.0, 2.0, 3.0], f32),
    "icoef": np.array([2, 0, -1], i32),
    "k4": np.array([1.0, 0.5, -2.0, 0.25], f32),
    "row4": np.array([[1.0, 0.5, -2.0, 0.25]], f32),
    "n7": rng.standard_normal(7).astype(f32),
    "ga": np.array([12, -18, 0, 0, 7, 100, -45, 1], i32),
    "gb": np.array([8, 12, 5, 0, 13, 75, -60, 1], i32),
    "bins": np.array([-1.0, 0.0, 0.5, 1.5], f32),
    "rbins": np.array([1.5, 0.5, 0.0, -1.0], f32),
    "dup": np.array([3.0, 1.0, nan, 3.0, -2.0, 1.0, nan, 3.0], f32),
    "idup": np.array([[2, 7, 2], [5, 7, 0]], i32),
    "empty": np.zeros((0,), f32),
    "urows": np.array([[2, 1, 2], [0, 5, 0], [2, 1, 2], [0, 4, 0]], i32),
    "unan": np.array([[1.0, nan], [0.5, 2.0], [1.0, nan], [1.0, -1.0]], f32),
    "hw": rng.random(12).astype(f32).reshape(3, 4),
    "fw": np.array([1, 2, 0, 3], i32),
    "aw": np.array([0.5, 1.0, 2.0, 0.25], f32),
    "q4": np.array([0.0, 0.25, 0.5, 1.0], f32),
    "zero34": np.array([[0.0, 1.0, 0.0, -2.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, nan, 0.0]], f32),
}

MORE_INPUTS = {
    "a7": rng.standard_normal(7).astype(f32),
    "m33": rng.standard_normal((3, 3)).astype(f32),
    "m234": rng.standard_normal((2, 3, 4)).astype(f32),
    "k7": np.array([3, 0, -2, 7, 0, 1, 5], i32),
    "s8": np.array([4, 1, 3, 1, 9, 4, 0, 3], i32),
    "t6": np.array([3, 7, 0, 4, 4, 8], i32),
    "fs": np.array([2.5, -1.0, 0.0, 2.5, 7.0, -3.5], f32),
    "ft": np.array([0.0, 7.0, 1.5, -3.5, 8.0], f32),
    "bits": np.array([1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0], i32),
    "bits23": (rng.random((2, 3)) < 0.5),
    "u8": np.array([0, 1, 5, 128, 255, 77], np.uint8),
    "ints": np.array([0, 1, -1, 7, -8, 255, 1023, -2147483647], i32),
    # No subnormals: XLA's CPU backend flushes them to zero, this library keeps them.
    "parts": np.array([2.5, -1.25, 0.0, -0.0, 8.0, 1e-30, 3.0e38, 0.75, -7.0], f32),
    "exps": np.array([1, -1, 3, 0, -2, 100, -5, 4, 2], i32),
    "fdiv": np.array([7.0, -7.0, 7.5, -7.5, 0.0, 3.0, -0.5, 2.0], f32),
    "gdiv": np.array([2.0, 2.0, -2.0, -2.0, 3.0, -1.5, 0.25, 0.0], f32),
    "idiv": np.array([7, -7, 7, -7, 0, 9], i32),
    "jdiv": np.array([2, 2, -2, -2, 3, 4], i32),
    "cond5": np.array([True, False, True, True, False]),
    "cond3": np.array([False, True, True]),
    "choice_idx": np.array([[0, 2, 1, 1], [2, 0, 0, 1], [1, 1, 2, 0]], i32),
    "wrap_idx": np.array([[0, 4, -1, 1], [2, 3, 0, 5], [1, 1, 2, -2]], i32),
    "row4i": np.array([10, 20, 30, 40], i32),
    "flat_ix": np.array([0, 5, 11, 7, -1, 3], i32),
    "ij_r": np.array([0, 2, 1, 2], i32),
    "ij_c": np.array([3, 0, 2, 1], i32),
    "ij_c_oob": np.array([3, 5, -1, 1], i32),
    "pvals": np.array([1.5, -2.0, 0.5], f32),
    "pa": np.array([1.0, -3.0, 2.0], f32),
    "pb": np.array([2.0, 0.5], f32),
    "pc": np.array([1.0, 0.0, -7.0, 6.0], f32),
    "pz": np.array([0.0, 0.0, 1.0, -1.0, -6.0], f32),
    "zr": np.array([1.0, -2.0, 0.5], f32),
    "xfit": np.linspace(-1.0, 2.0, 8).astype(f32),
    "yfit": (np.linspace(-1.0, 2.0, 8) ** 2 * 1.5 - 0.5 + rng.standard_normal(8) * 0.1).astype(f32),
    "yfit2": rng.standard_normal((8, 2)).astype(f32),
    "wfit": (rng.random(8) + 0.5).astype(f32),
    "lk1": np.array([1, 0, 1, 0, 1, 0], i32),
    "lk2": np.array([3, 3, 1, 2, 1, 2], i32),
    "lk3": np.array([0.5, 0.5, -1.0, 0.5, -1.0, 2.0], f32),
    "part": np.array([5.0, 1.0, 4.0, 2.0, 3.0, 0.0, 6.0], f32),
    "part34": rng.permutation(12).reshape(3, 4).astype(i32),
    "upart": np.array([5, 0, 4, 2, 3, 0], np.uint8),
    "trimz": np.array([0.0, 0.0, 1.5, 0.0, -2.0, 0.0], f32),
    "trimz2": np.array([[0, 0, 0, 0], [0, 3, 0, 0], [0, 0, 4, 0], [0, 0, 0, 0]], i32),
    "ang": np.array([0.0, 3.0, 6.5, -0.5, 9.0, 2.0, -4.0], f32),
    "hx": rng.standard_normal(20).astype(f32),
    "hy": rng.standard_normal(20).astype(f32),
    "hw20": rng.random(20).astype(f32),
    "xb": np.array([-1.0, 0.0, 1.0, 2.5], f32),
    "gx": np.array([0.0, 0.5, 1.5, 3.0, 3.5], f32),
    "fill3": np.array([7.0, 8.0], f32),
    "vals2": np.array([100, 200], i32),
    "i0x": np.array([0.0, 0.5, -1.0, 2.0, 5.5, -12.0, 29.0, 31.0, 60.0], f32),
}

A = {k: jnp.asarray(v) for k, v in {**INPUTS, **MORE_INPUTS}.items()}


def weights(shape):
    n = int(np.prod(shape))
    return (((np.arange(n) * 7) % 13 - 6.5) / 4).astype(f32).reshape(shape)


def opt(kw, k, default=None):
    return kw.get(k, default)


def axis_kw(kw):
    """`axis`: an int, a list (tuple in JAX), or absent for None."""
    a = kw.get("axis")
    return tuple(a) if isinstance(a, list) else a


def quantile_kw(kw):
    return dict(axis=kw.get("axis"), method=kw.get("method", "linear"),
                keepdims=kw.get("keepdims", False))


def cov_kw(kw, a):
    out = {k: kw[k] for k in ("rowvar", "bias", "ddof") if k in kw}
    for k in ("y", "fweights", "aweights"):
        if k in kw:
            out[k] = a[kw[k]]
    return out


def unique_call(x, kw):
    r = jnp.unique(x, return_index=kw.get("return_index", False),
                   return_inverse=kw.get("return_inverse", False),
                   return_counts=kw.get("return_counts", False),
                   axis=kw.get("axis"), equal_nan=kw.get("equal_nan", True), size=kw.get("size"),
                   fill_value=kw.get("fill_value"))
    return list(r) if isinstance(r, tuple) else [r]


# fn -> (args, kw) -> array or list of arrays. `a` holds the inputs by name for keywords that
# name an input.
CALLS = {
    "roll": lambda x, kw: jnp.roll(x, kw["shift"], kw.get("axis")),
    "roll_axes": lambda x, kw: jnp.roll(x, tuple(kw["shifts"]), tuple(kw["axes"])),
    "rot90": lambda x, kw: jnp.rot90(x, kw["k"], tuple(kw.get("axes", [0, 1]))),
    "fliplr": lambda x, kw: jnp.fliplr(x),
    "flipud": lambda x, kw: jnp.flipud(x),
    "atleast_3d": lambda x, kw: jnp.atleast_3d(x),
    "append": lambda x, y, kw: jnp.append(x, y, kw.get("axis")),
    "insert": lambda x, v, kw: jnp.insert(x, kw["index"], v, kw.get("axis")),
    "insert_indices": lambda x, v, kw: jnp.insert(x, jnp.array(kw["indices"], i32), v,
                                                  kw.get("axis")),
    "delete": lambda x, kw: jnp.delete(x, kw["index"], kw.get("axis")),
    "delete_indices": lambda x, kw: jnp.delete(x, np.array(kw["indices"]), kw.get("axis")),
    "diff": lambda x, kw: jnp.diff(x, n=kw.get("n", 1), axis=kw.get("axis", -1),
                                   prepend=kw.get("prepend_value", A.get(kw.get("prepend"))),
                                   append=kw.get("append_value", A.get(kw.get("append")))),
    "ediff1d": lambda x, kw: jnp.ediff1d(x, to_end=A.get(kw.get("to_end")),
                                         to_begin=A.get(kw.get("to_begin"))),
    "diag": lambda x, kw: jnp.diag(x, kw.get("k", 0)),
    "diagflat": lambda x, kw: jnp.diagflat(x, kw.get("k", 0)),
    "diagonal": lambda x, kw: jnp.diagonal(x, kw.get("offset", 0), kw.get("axis1", 0),
                                           kw.get("axis2", 1)),
    "trace": lambda x, kw: jnp.trace(x, kw.get("offset", 0), kw.get("axis1", 0),
                                     kw.get("axis2", 1)),
    "tri": lambda kw: jnp.tri(kw["n"], kw.get("m"), kw.get("k", 0)),
    "meshgrid": lambda *a: list(jnp.meshgrid(*a[:-1], indexing=a[-1].get("indexing", "xy"),
                                             sparse=a[-1].get("sparse", False))),
    "kron": lambda x, y, kw: jnp.kron(x, y),
    "cross": lambda x, y, kw: jnp.cross(x, y, axisa=kw.get("axisa", -1),
                                        axisb=kw.get("axisb", -1), axisc=kw.get("axisc", -1),
                                        axis=kw.get("axis")),
    "hypot": lambda x, y, kw: jnp.hypot(x, y),
    "sinc": lambda x, kw: jnp.sinc(x),
    "logaddexp2": lambda x, y, kw: jnp.logaddexp2(x, y),
    "copysign": lambda x, y, kw: jnp.copysign(x, y),
    "signbit": lambda x, kw: jnp.signbit(x),
    "heaviside": lambda x, y, kw: jnp.heaviside(x, y),
    "float_power": lambda x, y, kw: jnp.float_power(x, y),
    "nan_to_num": lambda x, kw: jnp.nan_to_num(x, nan=kw.get("nan", 0.0),
                                               posinf=kw.get("posinf"), neginf=kw.get("neginf")),
    "gcd": lambda x, y, kw: jnp.gcd(x, y),
    "lcm": lambda x, y, kw: jnp.lcm(x, y),
    "select": lambda x, y, c1, c2, kw: jnp.select([c1 > 0, c2 < -0.5], [x, y], kw["default"]),
    "empty": lambda kw: jnp.empty(tuple(kw["shape"])),
    "count_nonzero": lambda x, kw: jnp.count_nonzero(x, axis_kw(kw)),
    "ptp": lambda x, kw: jnp.ptp(x, axis_kw(kw), keepdims=kw.get("keepdims", False)),
    "average": lambda x, kw: list(jnp.average(x, axis_kw(kw), A.get(kw.get("weights")),
                                              returned=True, keepdims=kw.get("keepdims", False))),
    "cov": lambda x, kw: jnp.cov(x, **cov_kw(kw, A)),
    "corrcoef": lambda x, kw: jnp.corrcoef(x, A.get(kw.get("y")), kw.get("rowvar", True)),
    "quantile": lambda x, q, kw: jnp.quantile(x, q, **quantile_kw(kw)),
    "quantile_scalar": lambda x, kw: jnp.quantile(x, f32(kw["q"]), **quantile_kw(kw)),
    "percentile": lambda x, kw: jnp.percentile(x, f32(kw["q"]), **quantile_kw(kw)),
    "median": lambda x, kw: jnp.median(x, kw.get("axis")),
    "nanquantile": lambda x, q, kw: jnp.nanquantile(x, q, **quantile_kw(kw)),
    "nanquantile_scalar": lambda x, kw: jnp.nanquantile(x, f32(kw["q"]), **quantile_kw(kw)),
    "nanpercentile": lambda x, kw: jnp.nanpercentile(x, f32(kw["q"]), **quantile_kw(kw)),
    "nanmedian": lambda x, kw: jnp.nanmedian(x, kw.get("axis")),
    "nansum": lambda x, kw: jnp.nansum(x, axis_kw(kw)),
    "nanprod": lambda x, kw: jnp.nanprod(x, axis_kw(kw)),
    "nanmax": lambda x, kw: jnp.nanmax(x, axis_kw(kw)),
    "nanmin": lambda x, kw: jnp.nanmin(x, axis_kw(kw)),
    "nanmean": lambda x, kw: jnp.nanmean(x, axis_kw(kw)),
    "nanvar": lambda x, kw: jnp.nanvar(x, axis_kw(kw), ddof=kw.get("ddof", 0)),
    "nanstd": lambda x, kw: jnp.nanstd(x, axis_kw(kw)),
    "nanargmax": lambda x, kw: jnp.nanargmax(x, kw.get("axis")),
    "nanargmin": lambda x, kw: jnp.nanargmin(x, kw.get("axis")),
    "bincount": lambda x, kw: jnp.bincount(x, A.get(kw.get("weights")),
                                           minlength=kw.get("minlength", 0),
                                           length=kw.get("length")),
    "digitize": lambda x, b, kw: jnp.digitize(x, b, kw.get("right", False)),
    "histogram": lambda x, kw: list(jnp.histogram(
        x, A[kw["edges"]] if "edges" in kw else kw.get("bins", 10),
        range=tuple(kw["range"]) if "range" in kw else None, weights=A.get(kw.get("weights")),
        density=kw.get("density", False))),
    "isin": lambda x, t, kw: jnp.isin(x, t, invert=kw.get("invert", False)),
    "interp": lambda x, xp, fp, kw: jnp.interp(x, xp, fp, left=kw.get("left"),
                                               right=kw.get("right"), period=kw.get("period")),
    "trapezoid": lambda y, kw: jnp.trapezoid(y, A.get(kw.get("x")), dx=kw.get("dx", 1.0),
                                             axis=kw.get("axis", -1)),
    "polyval": lambda p, x, kw: jnp.polyval(p, x),
    "convolve": lambda x, y, kw: jnp.convolve(x, y, kw.get("mode", "full")),
    "correlate": lambda x, y, kw: jnp.correlate(x, y, kw.get("mode", "valid")),
    "nonzero": lambda x, kw: list(jnp.nonzero(x, size=kw.get("size"),
                                              fill_value=kw.get("fill_value"))),
    "argwhere": lambda x, kw: jnp.argwhere(x, size=kw.get("size"),
                                           fill_value=kw.get("fill_value")),
    "flatnonzero": lambda x, kw: jnp.flatnonzero(x, size=kw.get("size"),
                                                 fill_value=kw.get("fill_value")),
    "unique": lambda x, kw: unique_call(x, kw),
}


def sorted_complex(z):
    """Complex results in a fixed order (by real part, then imaginary), as two float arrays:
    their order from an eigenvalue solver is not part of the contract."""
    z = np.sort_complex(np.asarray(z))
    return [z.real.astype(f32), z.imag.astype(f32)]


def sections_arg(kw):
    return kw["sections"] if isinstance(kw["sections"], int) else list(kw["sections"])


MORE_CALLS = {
    "array_split": lambda x, kw: jnp.array_split(x, sections_arg(kw), kw.get("axis", 0)),
    "hsplit": lambda x, kw: jnp.hsplit(x, sections_arg(kw)),
    "vsplit": lambda x, kw: jnp.vsplit(x, sections_arg(kw)),
    "dsplit": lambda x, kw: jnp.dsplit(x, sections_arg(kw)),
    "column_stack": lambda *a: jnp.column_stack(a[:-1]),
    "dstack": lambda *a: jnp.dstack(a[:-1]),
    "block2": lambda x, y, z, w, kw: jnp.block([[x, y], [z, w]]),
    "block1": lambda x, y, kw: jnp.block([x, y]),
    "rollaxis": lambda x, kw: jnp.rollaxis(x, kw["axis"], kw.get("start", 0)),
    "resize": lambda x, kw: jnp.resize(x, tuple(kw["shape"])),
    "trim_zeros": lambda x, kw: jnp.trim_zeros(x, kw.get("trim", "fb")),
    "cumulative_sum": lambda x, kw: jnp.cumulative_sum(
        x, axis=kw.get("axis"), include_initial=kw.get("include_initial", False)),
    "cumulative_prod": lambda x, kw: jnp.cumulative_prod(
        x, axis=kw.get("axis"), include_initial=kw.get("include_initial", False)),
    "nancumsum": lambda x, kw: jnp.nancumsum(x, kw.get("axis")),
    "nancumprod": lambda x, kw: jnp.nancumprod(x, kw.get("axis")),
    "array_equal": lambda x, y, kw: jnp.array_equal(x, y, equal_nan=kw.get("equal_nan", False)),
    "array_equiv": lambda x, y, kw: jnp.array_equiv(x, y),
    "array": lambda x, kw: jnp.array(x, dtype=kw.get("dtype"), ndmin=kw.get("ndmin", 0)),
    "logspace": lambda kw: jnp.logspace(kw["start"], kw["stop"], kw["num"],
                                        endpoint=kw.get("endpoint", True), base=kw.get("base", 10.0)),
    "geomspace": lambda kw: jnp.geomspace(kw["start"], kw["stop"], kw["num"],
                                          endpoint=kw.get("endpoint", True)),
    "fromfunction": lambda kw: jnp.fromfunction(lambda i, j: i * 10 + j, tuple(kw["shape"]),
                                                dtype=kw.get("dtype", float)),
    "divmod": lambda x, y, kw: list(jnp.divmod(x, y)),
    "modf": lambda x, kw: list(jnp.modf(x)),
    "frexp": lambda x, kw: list(jnp.frexp(x)),
    "ldexp": lambda x, y, kw: jnp.ldexp(x, y),
    "spacing": lambda x, kw: jnp.spacing(x),
    "bitwise_count": lambda x, kw: jnp.bitwise_count(x),
    "packbits": lambda x, kw: jnp.packbits(x, kw.get("axis"), kw.get("bitorder", "big")),
    "unpackbits": lambda x, kw: jnp.unpackbits(x, kw.get("axis"), kw.get("count"),
                                               kw.get("bitorder", "big")),
    "indices": lambda kw: jnp.indices(tuple(kw["shape"])),
    "indices_sparse": lambda kw: list(jnp.indices(tuple(kw["shape"]), sparse=True)),
    "ix_": lambda *a: list(jnp.ix_(*a[:-1])),
    "ravel_multi_index": lambda i, j, kw: jnp.ravel_multi_index(
        (i, j), tuple(kw["dims"]), mode=kw.get("mode", "raise"), order=kw.get("order", "C")),
    "unravel_index": lambda x, kw: list(jnp.unravel_index(x, tuple(kw["shape"]))),
    "diag_indices": lambda kw: list(jnp.diag_indices(kw["n"], kw.get("ndim", 2))),
    "diag_indices_from": lambda x, kw: list(jnp.diag_indices_from(x)),
    "tril_indices": lambda kw: list(jnp.tril_indices(kw["n"], kw.get("k", 0), kw.get("m"))),
    "triu_indices": lambda kw: list(jnp.triu_indices(kw["n"], kw.get("k", 0), kw.get("m"))),
    "tril_indices_from": lambda x, kw: list(jnp.tril_indices_from(x, kw.get("k", 0))),
    "triu_indices_from": lambda x, kw: list(jnp.triu_indices_from(x, kw.get("k", 0))),
    "mask_indices": lambda kw: list(jnp.mask_indices(
        kw["n"], jnp.triu if kw["fn"] == "triu" else jnp.tril, kw.get("k", 0),
        size=kw.get("size"))),
    "fill_diagonal": lambda x, v, kw: jnp.fill_diagonal(x, v, inplace=False),
    "vander": lambda x, kw: jnp.vander(x, kw.get("N"), kw.get("increasing", False)),
    "unique_values": lambda x, kw: jnp.unique_values(x, size=kw.get("size"),
                                                     fill_value=kw.get("fill_value")),
    "unique_counts": lambda x, kw: list(jnp.unique_counts(x, size=kw.get("size"),
                                                          fill_value=kw.get("fill_value"))),
    "unique_inverse": lambda x, kw: list(jnp.unique_inverse(x, size=kw.get("size"),
                                                            fill_value=kw.get("fill_value"))),
    "unique_all": lambda x, kw: list(jnp.unique_all(x, size=kw.get("size"),
                                                    fill_value=kw.get("fill_value"))),
    "union1d": lambda x, y, kw: jnp.union1d(x, y, size=kw.get("size"),
                                            fill_value=kw.get("fill_value")),
    "intersect1d": lambda x, y, kw: jnp.intersect1d(x, y, size=kw.get("size"),
                                                    fill_value=kw.get("fill_value")),
    "intersect1d_indices": lambda x, y, kw: list(jnp.intersect1d(x, y, return_indices=True)),
    "setdiff1d": lambda x, y, kw: jnp.setdiff1d(x, y, size=kw.get("size"),
                                                fill_value=kw.get("fill_value")),
    "setxor1d": lambda x, y, kw: jnp.setxor1d(x, y, size=kw.get("size"),
                                              fill_value=kw.get("fill_value")),
    "lexsort": lambda *a: jnp.lexsort(a[:-1], axis=a[-1].get("axis", -1)),
    "sort_complex": lambda x, kw: sorted_complex(jnp.sort_complex(x)),
    "partition": lambda x, kw: jnp.partition(x, kw["kth"], kw.get("axis", -1)),
    "argpartition": lambda x, kw: jnp.argpartition(x, kw["kth"], kw.get("axis", -1)),
    "choose": lambda a, *c: jnp.choose(a, list(c[:-1]), mode=c[-1].get("mode", "raise")),
    "compress": lambda c, x, kw: jnp.compress(c, x, kw.get("axis"), size=kw.get("size"),
                                              fill_value=kw.get("fill_value", 0)),
    "extract": lambda c, x, kw: jnp.extract(c, x, size=kw.get("size"),
                                            fill_value=kw.get("fill_value", 0)),
    "place": lambda x, m, v, kw: jnp.place(x, m, v, inplace=False),
    "put": lambda x, i, v, kw: jnp.put(x, i, v, mode=kw.get("mode"), inplace=False),
    "put_along_axis": lambda x, i, v, kw: jnp.put_along_axis(x, i, v, kw.get("axis"),
                                                             inplace=False),
    "poly": lambda x, kw: jnp.poly(x),
    "polyadd": lambda x, y, kw: jnp.polyadd(x, y),
    "polysub": lambda x, y, kw: jnp.polysub(x, y),
    "polymul": lambda x, y, kw: jnp.polymul(x, y),
    "polydiv": lambda x, y, kw: list(jnp.polydiv(x, y)),
    "polyder": lambda x, kw: jnp.polyder(x, kw.get("m", 1)),
    "polyint": lambda x, kw: jnp.polyint(x, kw.get("m", 1), A.get(kw.get("k"), kw.get("kv"))),
    "polyfit": lambda x, y, kw: jnp.polyfit(x, y, kw["deg"], w=A.get(kw.get("w"))),
    "roots": lambda x, kw: sorted_complex(jnp.roots(x)),
    "bartlett": lambda kw: jnp.bartlett(kw["m"]),
    "blackman": lambda kw: jnp.blackman(kw["m"]),
    "hamming": lambda kw: jnp.hamming(kw["m"]),
    "hanning": lambda kw: jnp.hanning(kw["m"]),
    "kaiser": lambda kw: jnp.kaiser(kw["m"], kw["beta"]),
    "i0": lambda x, kw: jnp.i0(x),
    "broadcast_shapes": lambda kw: jnp.asarray(
        jnp.broadcast_shapes(*[tuple(s) for s in kw["shapes"]]), i32),
    "can_cast": lambda kw: jnp.asarray(jnp.can_cast(kw["from"], kw["to"],
                                                    casting=kw.get("casting", "safe"))),
    "gradient": lambda *a: (lambda g: g if isinstance(g, list) else [g])(jnp.gradient(
        a[0], *a[1:-1], axis=(tuple(a[-1]["axis"]) if isinstance(a[-1].get("axis"), list)
                               else a[-1].get("axis")))),
    "unwrap": lambda x, kw: jnp.unwrap(x, kw.get("discont"), axis=kw.get("axis", -1),
                                       period=kw.get("period", 2 * np.pi)),
    "histogram_bin_edges": lambda x, kw: jnp.histogram_bin_edges(
        x, kw.get("bins", 10), range=tuple(kw["range"]) if "range" in kw else None),
    "histogram2d": lambda x, y, kw: list(jnp.histogram2d(
        x, y, kw.get("bins", 10), range=kw.get("range"), weights=A.get(kw.get("weights")),
        density=kw.get("density", False))),
    "histogramdd": lambda x, kw: (lambda h, e: [h, *e])(*jnp.histogramdd(
        x, kw.get("bins", 10), range=kw.get("range"), weights=A.get(kw.get("weights")),
        density=kw.get("density", False))),
    "apply_along_axis": lambda x, kw: jnp.apply_along_axis(
        {"cumsum": lambda r: jnp.cumsum(r) * r[0], "sum": jnp.sum,
         "outer": lambda r: jnp.outer(r, r[:2])}[kw["f"]], kw["axis"], x),
    "apply_over_axes": lambda x, kw: jnp.apply_over_axes(jnp.sum, x, kw["axes"]),
    "vectorize": lambda x, y, kw: jnp.vectorize(lambda a, b: jnp.where(a > b, a * b, a - b))(x, y),
    "piecewise": lambda x, kw: jnp.piecewise(
        x, [x < -0.5, x > 0.5], [lambda v: v * v, lambda v: -v] + ([2.5] if kw.get("default") else [])),
}
CALLS.update(MORE_CALLS)


def arg(name):
    """An input by name, or a Python scalar written `#2.5` (float) or `#3` (int): weakly typed
    in JAX, as Rust's `Array::weak_scalar` is."""
    if name.startswith("#"):
        return float(name[1:]) if "." in name else int(name[1:])
    return A[name]


def call(fn, args, kw):
    out = CALLS[fn](*[arg(a) for a in args], kw)
    return [enc(o) for o in out] if isinstance(out, list) else enc(out)


# (fn, args, kw) for "values".
VALUES = [
    ("roll", ["f34"], {"shift": 1}), ("roll", ["f34"], {"shift": -2, "axis": 0}),
    ("roll", ["i34"], {"shift": 5, "axis": 1}), ("roll", ["f5"], {"shift": 7, "axis": -1}),
    ("roll_axes", ["f234"], {"shifts": [1, -1], "axes": [0, 2]}),
    ("roll_axes", ["f234"], {"shifts": [2], "axes": [1, 1]}),
    ("rot90", ["f34"], {"k": 1}), ("rot90", ["f34"], {"k": 2}), ("rot90", ["f34"], {"k": 3}),
    ("rot90", ["i34"], {"k": -1}), ("rot90", ["f234"], {"k": 1, "axes": [1, 2]}),
    ("rot90", ["f234"], {"k": 5, "axes": [2, 0]}),
    ("fliplr", ["f34"], {}), ("flipud", ["f34"], {}), ("flipud", ["i6"], {}),
    ("atleast_3d", ["f0"], {}), ("atleast_3d", ["f5"], {}), ("atleast_3d", ["f34"], {}),
    ("atleast_3d", ["f234"], {}),
    ("append", ["f5", "i6"], {}), ("append", ["f34", "g34"], {"axis": 0}),
    ("append", ["i34", "i34"], {"axis": 1}),
    ("insert", ["i6", "f0"], {"index": 2}), ("insert", ["f5", "i2"], {"index": -1}),
    ("insert", ["f34", "f3"], {"index": 1, "axis": 1}),
    ("insert", ["f34", "k4"], {"index": 3, "axis": 0}),
    ("insert", ["i6", "i2"], {"index": 100}),
    ("insert_indices", ["f5", "f3"], {"indices": [0, 2, 5]}),
    ("insert_indices", ["i6", "i2"], {"indices": [4, -1]}),
    ("insert_indices", ["f34", "f0"], {"indices": [3, 0], "axis": 0}),
    ("delete", ["f5"], {"index": -1}), ("delete", ["f34"], {"index": 1, "axis": 1}),
    ("delete", ["i34"], {"index": 5}),
    ("delete_indices", ["f5"], {"indices": [0, 2, 2, -1]}),
    ("delete_indices", ["f34"], {"indices": [0, 2], "axis": 0}),
    ("diff", ["f5"], {}), ("diff", ["f34"], {"n": 2, "axis": 0}),
    ("diff", ["i34"], {"prepend_value": 0, "append": "i34"}),
    ("diff", ["b34"], {}), ("diff", ["f5"], {"n": 3}), ("diff", ["f5"], {"n": 0}),
    ("diff", ["f34"], {"axis": 0, "prepend": "row4"}),
    ("ediff1d", ["f34"], {}), ("ediff1d", ["i6"], {"to_begin": "i2", "to_end": "f3"}),
    ("diag", ["f5"], {}), ("diag", ["f5"], {"k": 2}), ("diag", ["i6"], {"k": -1}),
    ("diag", ["f34"], {}), ("diag", ["f34"], {"k": 1}), ("diag", ["f34"], {"k": -2}),
    ("diag", ["f34"], {"k": 7}),
    ("diagflat", ["f22"], {"k": 1}), ("diagflat", ["i2"], {"k": -1}),
    ("diagonal", ["f234"], {}), ("diagonal", ["f234"], {"offset": 1, "axis1": 1, "axis2": 2}),
    ("diagonal", ["f234"], {"offset": -1, "axis1": 2, "axis2": 0}),
    ("diagonal", ["i34"], {"offset": 2}),
    ("trace", ["f34"], {}), ("trace", ["f234"], {"offset": 1, "axis1": 1, "axis2": 2}),
    ("trace", ["i34"], {"offset": -1}), ("trace", ["b34"], {}),
    ("tri", [], {"n": 3}), ("tri", [], {"n": 3, "m": 5, "k": 1}),
    ("tri", [], {"n": 4, "m": 2, "k": -1}),
    ("meshgrid", ["f5", "i2"], {}), ("meshgrid", ["f5", "i2"], {"indexing": "ij"}),
    ("meshgrid", ["f5", "i2", "f3"], {}),
    ("meshgrid", ["f5", "i2", "f3"], {"indexing": "ij", "sparse": True}),
    ("meshgrid", ["f3"], {}),
    ("kron", ["f5", "f3"], {}), ("kron", ["f34", "f22"], {}), ("kron", ["i34", "i2"], {}),
    ("kron", ["f22", "f234"], {}),
    ("cross", ["v3", "w3"], {}), ("cross", ["v2", "w2"], {}), ("cross", ["v2", "w3"], {}),
    ("cross", ["v3", "w2"], {}), ("cross", ["v34", "w34"], {"axis": 0}),
    ("cross", ["v3", "v34"], {"axisb": 0, "axisc": 0}),
    ("hypot", ["f34", "g34"], {}), ("hypot", ["special", "special2"], {}),
    ("hypot", ["i6", "j6"], {}),
    ("sinc", ["f5"], {}), ("sinc", ["special"], {}), ("sinc", ["i6"], {}),
    ("logaddexp2", ["f34", "g34"], {}), ("logaddexp2", ["special", "special2"], {}),
    ("logaddexp2", ["i6", "j6"], {}),
    ("copysign", ["f5", "g5"], {}), ("copysign", ["special", "special2"], {}),
    ("copysign", ["i6", "j6"], {}),
    ("signbit", ["special"], {}), ("signbit", ["i6"], {}), ("signbit", ["b34"], {}),
    ("heaviside", ["special", "f0"], {}), ("heaviside", ["i6", "f0"], {}),
    ("float_power", ["f34", "g34"], {}),
    ("float_power", ["i6", "j6"], {}), ("float_power", ["special", "special2"], {}),
    ("nan_to_num", ["nan34"], {}), ("nan_to_num", ["special"], {"nan": 7.5, "posinf": 1e3}),
    ("nan_to_num", ["special"], {"neginf": -2.0}), ("nan_to_num", ["i6"], {}),
    ("gcd", ["ga", "gb"], {}), ("lcm", ["ga", "gb"], {}), ("gcd", ["i6", "j6"], {}),
    ("lcm", ["i6", "j6"], {}),
    ("select", ["f34", "i34", "f34", "g34"], {"default": 7}),
    ("select", ["i34", "i34", "f34", "g34"], {"default": -1.5}),
    ("empty", [], {"shape": [2, 3]}),
    ("count_nonzero", ["i34"], {}), ("count_nonzero", ["i34"], {"axis": 0}),
    ("count_nonzero", ["b34"], {"axis": 1}), ("count_nonzero", ["zero34"], {"axis": [0, 1]}),
    ("ptp", ["f34"], {}), ("ptp", ["f34"], {"axis": 0}), ("ptp", ["i34"], {"axis": 1}),
    ("ptp", ["nan34"], {"axis": 1}), ("ptp", ["f234"], {"axis": [0, 2], "keepdims": True}),
    ("average", ["f34"], {}), ("average", ["i34"], {"axis": 1}),
    ("average", ["f34"], {"axis": 1, "weights": "aw"}),
    ("average", ["f34"], {"weights": "hw"}),
    ("average", ["f34"], {"axis": 0, "weights": "f3", "keepdims": True}),
    ("average", ["f234"], {"axis": [2, 0], "weights": "v2"}),
    ("average", ["f34"], {"axis": 0, "keepdims": True}),
    ("cov", ["f34"], {}), ("cov", ["f34"], {"rowvar": False}), ("cov", ["f34"], {"bias": True}),
    ("cov", ["f34"], {"ddof": 2}), ("cov", ["f5"], {}), ("cov", ["f34"], {"y": "g34"}),
    ("cov", ["i34"], {"fweights": "fw"}), ("cov", ["f34"], {"aweights": "aw"}),
    ("cov", ["f34"], {"fweights": "fw", "aweights": "aw"}),
    ("cov", ["f34"], {"fweights": "fw", "aweights": "aw", "ddof": 0}),
    ("cov", ["f5"], {"y": "g5"}),
    ("corrcoef", ["f34"], {}), ("corrcoef", ["f34"], {"rowvar": False}),
    ("corrcoef", ["f5"], {"y": "g5"}), ("corrcoef", ["f5"], {}),
    ("quantile_scalar", ["f34"], {"q": 0.3}), ("quantile_scalar", ["f34"], {"q": 0.3, "axis": 1}),
    ("quantile", ["f34", "q4"], {}), ("quantile", ["f34", "q4"], {"axis": 0}),
    ("quantile", ["f234", "q4"], {"axis": 1, "keepdims": True}),
    ("quantile_scalar", ["f234"], {"q": 0.75, "keepdims": True}),
    ("quantile_scalar", ["nan34"], {"q": 0.5, "axis": 0}),
    ("quantile_scalar", ["i34"], {"q": 0.6, "axis": 1}),
    ("percentile", ["f34"], {"q": 40.0}), ("percentile", ["f34"], {"q": 90.0, "axis": 0}),
    ("median", ["f34"], {}), ("median", ["f34"], {"axis": 0}), ("median", ["f34"], {"axis": 1}),
    ("median", ["i6"], {}), ("median", ["nan34"], {"axis": 1}), ("median", ["f5"], {}),
    ("quantile", ["f34", "q4"], {"axis": 1, "method": "lower"}),
    ("quantile", ["f34", "q4"], {"axis": 0, "method": "higher"}),
    ("quantile", ["f234", "q4"], {"axis": 2, "method": "nearest"}),
    ("quantile_scalar", ["f34"], {"q": 0.5, "method": "nearest"}),
    ("quantile_scalar", ["f34"], {"q": 0.3, "axis": 1, "method": "midpoint"}),
    ("quantile_scalar", ["i34"], {"q": 0.3, "axis": 0, "method": "lower"}),
    ("nanquantile", ["nan34", "q4"], {"axis": 1}), ("nanquantile", ["nan34", "q4"], {"axis": 0}),
    ("nanquantile", ["nan34", "q4"], {}), ("nanquantile", ["f234", "q4"], {"axis": 1}),
    ("nanquantile_scalar", ["nan34"], {"q": 0.3, "axis": 1}),
    ("nanquantile_scalar", ["nan34"], {"q": 0.7, "axis": 1, "keepdims": True}),
    ("nanquantile_scalar", ["nan34"], {"q": 0.4, "method": "nearest"}),
    ("nanquantile", ["nan34", "q4"], {"axis": 0, "method": "higher"}),
    ("nanpercentile", ["nan34"], {"q": 25.0, "axis": 1}),
    ("nanmedian", ["nan34"], {"axis": 1}), ("nanmedian", ["nan34"], {"axis": 0}),
    ("nanmedian", ["nan34"], {}), ("nanmedian", ["f34"], {"axis": 1}), ("nanmedian", ["i6"], {}),
    ("nansum", ["nan34"], {}), ("nansum", ["nan34"], {"axis": 1}), ("nansum", ["i34"], {"axis": 0}),
    ("nanprod", ["nan34"], {"axis": 1}), ("nanprod", ["f34"], {"axis": 0}),
    ("nanmax", ["nan34"], {"axis": 1}), ("nanmax", ["nan34"], {"axis": 0}),
    ("nanmax", ["nan34"], {}), ("nanmax", ["i34"], {"axis": 1}),
    ("nanmin", ["nan34"], {"axis": 1}), ("nanmin", ["nan34"], {"axis": 0}),
    ("nanmean", ["nan34"], {"axis": 1}), ("nanmean", ["nan34"], {}),
    ("nanmean", ["i34"], {"axis": 0}), ("nanmean", ["f234"], {"axis": [0, 2]}),
    ("nanvar", ["nan34"], {"axis": 1}), ("nanvar", ["nan34"], {"axis": 0, "ddof": 1}),
    ("nanvar", ["f34"], {}), ("nanvar", ["i34"], {"axis": 1}),
    ("nanstd", ["nan34"], {"axis": 1}), ("nanstd", ["f34"], {"axis": 0}),
    ("nanargmax", ["nan34"], {"axis": 1}), ("nanargmax", ["nan34"], {}),
    ("nanargmax", ["f34"], {"axis": 0}), ("nanargmin", ["nan34"], {"axis": 1}),
    ("nanargmin", ["nan34"], {"axis": 0}), ("nanargmin", ["i34"], {}),
    ("bincount", ["pos"], {}), ("bincount", ["pos"], {"minlength": 9}),
    ("bincount", ["pos"], {"weights": "wpos"}), ("bincount", ["pos"], {"length": 4}),
    ("bincount", ["i6"], {"length": 6}),
    ("digitize", ["f34", "bins"], {}), ("digitize", ["f34", "bins"], {"right": True}),
    ("digitize", ["f34", "rbins"], {}), ("digitize", ["bins", "bins"], {"right": True}),
    ("digitize", ["i34", "bins"], {}),
    ("histogram", ["f34"], {"bins": 5}), ("histogram", ["f34"], {}),
    ("histogram", ["f34"], {"bins": 4, "range": [-1.0, 1.0]}),
    ("histogram", ["f34"], {"bins": 3, "weights": "hw", "density": True}),
    ("histogram", ["f34"], {"edges": "bins"}), ("histogram", ["i6"], {"bins": 4}),
    ("histogram", ["f0"], {"bins": 2}),
    ("isin", ["i34", "i2"], {}), ("isin", ["i34", "i6"], {"invert": True}),
    ("isin", ["special", "special2"], {}), ("isin", ["f5", "empty"], {}),
    ("isin", ["f5", "empty"], {"invert": True}),
    ("interp", ["xq", "xp", "fp"], {}), ("interp", ["xq", "xp", "fp"], {"left": -9.0, "right": 9.0}),
    ("interp", ["xq", "xp", "fp"], {"period": 2.5}),
    ("interp", ["xq", "xp", "fp"], {"left": "extrapolate", "right": "extrapolate"}),
    ("interp", ["xq", "xp", "fp"], {"left": "extrapolate", "right": 0.5}), ("interp", ["f34", "xp", "fp"], {}),
    ("interp", ["i6", "xp", "fp"], {}),
    ("trapezoid", ["f34"], {}), ("trapezoid", ["f234"], {"axis": 1, "dx": 0.5}),
    ("trapezoid", ["f34"], {"x": "k4"}), ("trapezoid", ["f34"], {"x": "g34", "axis": 0}),
    ("trapezoid", ["i34"], {"axis": 0}),
    ("polyval", ["pcoef", "f34"], {}), ("polyval", ["icoef", "i6"], {}),
    ("polyval", ["pcoef", "special"], {}), ("polyval", ["icoef", "f5"], {}),
    ("convolve", ["n7", "f3"], {}), ("convolve", ["n7", "k4"], {"mode": "same"}),
    ("convolve", ["n7", "k4"], {"mode": "valid"}), ("convolve", ["f3", "n7"], {"mode": "same"}),
    ("convolve", ["i6", "i2"], {}),
    ("correlate", ["n7", "f3"], {}), ("correlate", ["n7", "k4"], {"mode": "full"}),
    ("correlate", ["n7", "k4"], {"mode": "same"}), ("correlate", ["k4", "n7"], {"mode": "full"}),
    ("correlate", ["f3", "n7"], {}),
    ("nonzero", ["i34"], {}), ("nonzero", ["b34"], {}), ("nonzero", ["zero34"], {}),
    ("nonzero", ["i6"], {"size": 8}), ("nonzero", ["zero34"], {"size": 2}),
    ("nonzero", ["zero34"], {"size": 6, "fill_value": -1}),
    ("argwhere", ["zero34"], {}), ("argwhere", ["i34"], {"size": 3}),
    ("argwhere", ["zero34"], {"size": 5, "fill_value": 9}),
    ("flatnonzero", ["zero34"], {}), ("flatnonzero", ["i6"], {"size": 7, "fill_value": -3}),
    ("unique", ["idup"], {}), ("unique", ["dup"], {}), ("unique", ["dup"], {"equal_nan": False}),
    ("unique", ["idup"], {"return_index": True, "return_inverse": True, "return_counts": True}),
    ("unique", ["dup"], {"return_index": True, "return_inverse": True, "return_counts": True}),
    ("unique", ["idup"], {"size": 6, "fill_value": -1, "return_counts": True}),
    ("unique", ["dup"], {"size": 2, "return_index": True, "return_counts": True}),
    ("unique", ["idup"], {"size": 7, "return_inverse": True}),
    ("unique", ["urows"], {"axis": 0, "return_index": True, "return_inverse": True,
                           "return_counts": True}),
    ("unique", ["urows"], {"axis": 1, "return_counts": True}),
    ("unique", ["unan"], {"axis": 0, "return_inverse": True}),
    ("unique", ["unan"], {"axis": 0, "equal_nan": False}),
    ("unique", ["urows"], {"axis": 0, "size": 5, "fill_value": -1, "return_counts": True}),
    ("unique", ["urows"], {"axis": -1, "size": 2, "return_index": True}),
    # Python scalars beside arrays: weak types keep the array's dtype.
    ("hypot", ["f34", "#2.0"], {}), ("hypot", ["i6", "#2"], {}), ("copysign", ["i6", "#-1"], {}),
    ("copysign", ["f5", "#-0.0"], {}), ("float_power", ["i6", "#2"], {}),
    ("heaviside", ["f5", "#0.5"], {}), ("logaddexp2", ["#1.5", "f5"], {}),
    ("gcd", ["i6", "#4"], {}), ("lcm", ["#6", "j6"], {}), ("append", ["f5", "#1.5"], {}),
    ("append", ["i6", "#7"], {}), ("kron", ["f22", "#2"], {}), ("polyval", ["pcoef", "#2.0"], {}),
    ("polyval", ["icoef", "#3"], {}), ("isin", ["i6", "#3"], {}),
    ("interp", ["#0.75", "xp", "fp"], {}), ("digitize", ["#0.25", "bins"], {}),
    ("insert", ["i6", "#9"], {"index": 1}), ("insert", ["f5", "#2.5"], {"index": 5}),
    ("diff", ["f5"], {"prepend_value": 2}),
]

# (fn, args, kw) for "grads": differentiated in the first argument.
GRADS = [
    ("roll", ["f34"], {"shift": 1}), ("roll_axes", ["f234"], {"shifts": [1, -1], "axes": [0, 2]}),
    ("rot90", ["f34"], {"k": 1}), ("insert", ["f34", "k4"], {"index": 3, "axis": 0}),
    ("insert_indices", ["f5", "f3"], {"indices": [0, 2, 5]}),
    ("delete_indices", ["f5"], {"indices": [0, 2, 2, -1]}),
    ("diff", ["f34"], {"n": 2, "axis": 0}), ("ediff1d", ["f34"], {}),
    ("diag", ["f5"], {"k": 2}), ("diag", ["f34"], {"k": 1}),
    ("diagonal", ["f234"], {"offset": 1, "axis1": 1, "axis2": 2}),
    ("trace", ["f234"], {"offset": 1, "axis1": 1, "axis2": 2}),
    ("kron", ["f34", "f22"], {}), ("cross", ["v3", "w3"], {}), ("cross", ["v2", "w3"], {}),
    ("hypot", ["f34", "g34"], {}), ("sinc", ["f5"], {}), ("sinc", ["special"], {}),
    ("logaddexp2", ["f34", "g34"], {}), ("copysign", ["f5", "g5"], {}),
    ("float_power", ["hw", "g34"], {}), ("nan_to_num", ["f34"], {}),
    ("ptp", ["f34"], {"axis": 0}), ("average", ["f34"], {"axis": 1, "weights": "aw"}),
    ("select", ["f34", "i34", "f34", "g34"], {"default": 7}),
    ("cov", ["f34"], {}), ("cov", ["f34"], {"fweights": "fw", "aweights": "aw"}),
    ("corrcoef", ["f34"], {}), ("quantile", ["f34", "q4"], {"axis": 0}),
    ("median", ["f34"], {"axis": 1}), ("nansum", ["nan34"], {"axis": 1}),
    ("nanmedian", ["nan34"], {"axis": 0}), ("nanquantile", ["f34", "q4"], {"axis": 1}),
    ("nanmean", ["f34"], {"axis": 1}), ("nanvar", ["f34"], {"axis": 0}),
    ("nanstd", ["f34"], {"axis": 1}), ("nanmax", ["f34"], {"axis": 1}),
    ("interp", ["f5", "xp", "fp"], {}), ("trapezoid", ["f34"], {"x": "k4"}),
    ("polyval", ["pcoef", "f34"], {}), ("convolve", ["n7", "k4"], {"mode": "same"}),
    ("correlate", ["n7", "f3"], {"mode": "full"}),
]

# Calls JAX refuses.
ERRORS = [
    ("diag", ["f234"], {}), ("diagonal", ["f5"], {}), ("diagonal", ["f34"], {"axis1": 1, "axis2": 1}),
    ("trace", ["f5"], {}), ("rot90", ["f5"], {"k": 1}), ("rot90", ["f34"], {"k": 1, "axes": [1, 1]}),
    ("fliplr", ["f5"], {}), ("cross", ["f34", "f34"], {}), ("diff", ["f0"], {}),
    ("meshgrid", ["f34", "f5"], {}), ("convolve", ["f34", "f3"], {}),
    ("convolve", ["empty", "f3"], {}), ("gcd", ["f5", "f5"], {}), ("delete", ["f5"], {"index": 5}),
    ("delete_indices", ["f5"], {"indices": [-6]}), ("nonzero", ["f0"], {}),
    ("interp", ["f5", "f34", "f34"], {}), ("quantile", ["f34", "f34"], {}),
    ("average", ["f34"], {"weights": "aw"}), ("bincount", ["f5"], {}),
    ("digitize", ["f5", "f34"], {}),
]


# (fn, args, kw) for "more_values".
MORE_VALUES = [
    ("array_split", ["a7"], {"sections": 3}), ("array_split", ["m234"], {"sections": 3, "axis": 2}),
    ("array_split", ["a7"], {"sections": [2, 5]}), ("array_split", ["a7"], {"sections": 9}),
    ("hsplit", ["m234"], {"sections": 3}), ("hsplit", ["a7"], {"sections": [3]}),
    ("vsplit", ["f34"], {"sections": [1]}), ("dsplit", ["m234"], {"sections": 2}),
    ("column_stack", ["f3", "pvals"], {}), ("column_stack", ["f3", "m33"], {}), ("column_stack", ["k7", "a7"], {}),
    ("dstack", ["f3", "pvals"], {}), ("dstack", ["m33", "m33"], {}),
    ("block2", ["f22", "f22", "f22", "f22"], {}),
    ("block1", ["f3", "k7"], {}), ("block1", ["f34", "g34"], {}),
    ("rollaxis", ["m234"], {"axis": 2}), ("rollaxis", ["m234"], {"axis": 0, "start": 3}),
    ("rollaxis", ["m234"], {"axis": -1, "start": 1}),
    ("resize", ["a7"], {"shape": [3, 4]}), ("resize", ["f34"], {"shape": [5]}),
    ("resize", ["empty"], {"shape": [2, 2]}),
    ("trim_zeros", ["trimz"], {}), ("trim_zeros", ["trimz"], {"trim": "f"}),
    ("trim_zeros", ["trimz"], {"trim": "b"}), ("trim_zeros", ["trimz2"], {}),
    ("cumulative_sum", ["a7"], {}), ("cumulative_sum", ["f34"], {"axis": 1}),
    ("cumulative_sum", ["i34"], {"axis": 0, "include_initial": True}),
    ("cumulative_sum", ["u8"], {}), ("cumulative_sum", ["b34"], {"axis": 1}),
    ("cumulative_prod", ["a7"], {"include_initial": True}),
    ("cumulative_prod", ["f34"], {"axis": 0}), ("cumulative_prod", ["b34"], {"axis": 0}),
    ("nancumsum", ["nan34"], {}), ("nancumsum", ["nan34"], {"axis": 1}),
    ("nancumprod", ["nan34"], {"axis": 0}), ("nancumsum", ["i34"], {"axis": 1}),
    ("array_equal", ["f34", "f34"], {}), ("array_equal", ["f34", "g34"], {}),
    ("array_equal", ["f34", "a7"], {}), ("array_equal", ["nan34", "nan34"], {}),
    ("array_equal", ["nan34", "nan34"], {"equal_nan": True}), ("array_equal", ["i6", "i6"], {}),
    ("array_equiv", ["row4", "row4"], {}), ("array_equiv", ["f3", "m33"], {}),
    ("array_equiv", ["f34", "a7"], {}), ("array_equiv", ["row4i", "row4i"], {}),
    ("array", ["i6"], {}), ("array", ["i6"], {"dtype": "float32", "ndmin": 3}),
    ("array", ["f0"], {"ndmin": 1}),
    ("logspace", [], {"start": 0.0, "stop": 2.0, "num": 5}),
    ("logspace", [], {"start": -1.0, "stop": 1.5, "num": 4, "endpoint": False, "base": 2.0}),
    ("geomspace", [], {"start": 1.0, "stop": 1000.0, "num": 4}),
    ("geomspace", [], {"start": -2.0, "stop": -32.0, "num": 5}),
    ("geomspace", [], {"start": 0.5, "stop": 8.0, "num": 4, "endpoint": False}),
    ("fromfunction", [], {"shape": [2, 3]}), ("fromfunction", [], {"shape": [3, 2], "dtype": "int32"}),
    ("divmod", ["fdiv", "gdiv"], {}), ("divmod", ["idiv", "jdiv"], {}),
    ("divmod", ["fdiv", "#2"], {}), ("modf", ["parts"], {}), ("modf", ["i6"], {}),
    ("frexp", ["parts"], {}), ("frexp", ["special"], {}), ("frexp", ["i6"], {}),
    ("ldexp", ["parts", "exps"], {}), ("ldexp", ["pvals", "#3"], {}),
    ("spacing", ["parts"], {}), ("spacing", ["special"], {}),
    ("bitwise_count", ["ints"], {}), ("bitwise_count", ["u8"], {}),
    ("packbits", ["bits"], {}), ("packbits", ["bits"], {"bitorder": "little"}),
    ("packbits", ["bits23"], {"axis": 1}), ("packbits", ["i34"], {"axis": 0}),
    ("unpackbits", ["u8"], {}), ("unpackbits", ["u8"], {"bitorder": "little", "count": 10}),
    ("unpackbits", ["u8"], {"count": 5}),
    ("indices", [], {"shape": [2, 3]}), ("indices_sparse", [], {"shape": [2, 3, 1]}),
    ("ix_", ["pvals", "row4i"], {}),
    ("ravel_multi_index", ["ij_r", "ij_c"], {"dims": [3, 4]}),
    ("ravel_multi_index", ["ij_r", "ij_c"], {"dims": [3, 4], "order": "F"}),
    ("ravel_multi_index", ["ij_r", "ij_c_oob"], {"dims": [3, 4], "mode": "clip"}),
    ("ravel_multi_index", ["ij_r", "ij_c_oob"], {"dims": [3, 4], "mode": "wrap"}),
    ("unravel_index", ["flat_ix"], {"shape": [3, 4]}),
    ("unravel_index", ["ints"], {"shape": [2, 5]}),
    ("diag_indices", [], {"n": 3}), ("diag_indices", [], {"n": 2, "ndim": 3}),
    ("diag_indices_from", ["m33"], {}),
    ("tril_indices", [], {"n": 3}), ("tril_indices", [], {"n": 3, "k": -1, "m": 4}),
    ("triu_indices", [], {"n": 4, "k": 1}), ("triu_indices", [], {"n": 2, "k": -1, "m": 5}),
    ("tril_indices_from", ["f34"], {"k": 1}), ("triu_indices_from", ["f34"], {}),
    ("mask_indices", [], {"n": 3, "fn": "triu", "k": 1}),
    ("mask_indices", [], {"n": 3, "fn": "tril", "size": 8}),
    ("fill_diagonal", ["f34", "#5.0"], {}), ("fill_diagonal", ["m33", "fill3"], {}),
    ("fill_diagonal", ["i34", "pvals"], {}), ("fill_diagonal", ["v3", "f3"], {}),
    ("vander", ["f3"], {}), ("vander", ["k7"], {"N": 3}),
    ("vander", ["pvals"], {"N": 4, "increasing": True}),
    ("unique_values", ["s8"], {}), ("unique_values", ["dup"], {}),
    ("unique_values", ["s8"], {"size": 7, "fill_value": -1}),
    ("unique_counts", ["s8"], {}), ("unique_counts", ["dup"], {}),
    ("unique_inverse", ["idup"], {}), ("unique_all", ["s8"], {}),
    ("unique_all", ["idup"], {"size": 6}),
    ("union1d", ["s8", "t6"], {}), ("union1d", ["fs", "ft"], {}),
    ("union1d", ["s8", "t6"], {"size": 10, "fill_value": 99}),
    ("intersect1d", ["s8", "t6"], {}), ("intersect1d", ["fs", "ft"], {}),
    ("intersect1d", ["s8", "t6"], {"size": 5}), ("intersect1d", ["s8", "t6"], {"size": 2}),
    ("intersect1d", ["s8", "t6"], {"size": 5, "fill_value": -7}),
    ("intersect1d", ["k7", "fs"], {}),
    ("intersect1d_indices", ["s8", "t6"], {}),
    ("setdiff1d", ["s8", "t6"], {}), ("setdiff1d", ["fs", "ft"], {}),
    ("setdiff1d", ["s8", "t6"], {"size": 6}), ("setdiff1d", ["s8", "t6"], {"size": 2}),
    ("setdiff1d", ["t6", "s8"], {"size": 4, "fill_value": 5}),
    ("setxor1d", ["s8", "t6"], {}), ("setxor1d", ["fs", "ft"], {}),
    ("setxor1d", ["s8", "t6"], {"size": 8}), ("setxor1d", ["s8", "t6"], {"size": 3, "fill_value": -1}),
    ("setxor1d", ["s8", "s8"], {"size": 2}),
    ("lexsort", ["lk1", "lk2"], {}), ("lexsort", ["lk3", "lk1", "lk2"], {}),
    ("lexsort", ["i34", "i34"], {"axis": 0}),
    ("sort_complex", ["a7"], {}), ("sort_complex", ["k7"], {}),
    ("partition", ["part"], {"kth": 3}), ("partition", ["part"], {"kth": -1}),
    ("partition", ["part34"], {"kth": 1, "axis": 0}), ("partition", ["upart"], {"kth": 2}),
    ("argpartition", ["part"], {"kth": 3}), ("argpartition", ["part34"], {"kth": 2}),
    ("argpartition", ["part34"], {"kth": 0, "axis": 0}), ("argpartition", ["upart"], {"kth": 1}),
    ("choose", ["choice_idx", "f34", "g34", "i34"], {}),
    ("choose", ["wrap_idx", "f34", "g34", "f0"], {"mode": "wrap"}),
    ("choose", ["wrap_idx", "i34", "row4i"], {"mode": "clip"}),
    ("compress", ["cond3", "f34"], {"axis": 0}), ("compress", ["cond5", "a7"], {}),
    ("compress", ["cond3", "f34"], {"axis": 1}),
    ("compress", ["cond5", "a7"], {"size": 4, "fill_value": -1.5}),
    ("compress", ["cond3", "f34"], {"axis": 0, "size": 3}),
    ("extract", ["b34", "f34"], {}), ("extract", ["i34", "f34"], {"size": 5}),
    ("place", ["f34", "b34", "pvals"], {}), ("place", ["i34", "b34", "fs"], {}),
    ("put", ["f34", "flat_ix", "pvals"], {}), ("put", ["i34", "ij_c_oob", "vals2"], {"mode": "clip"}),
    ("put", ["f34", "wrap_idx", "#2.5"], {"mode": "wrap"}),
    ("put_along_axis", ["f34", "choice_idx", "g34"], {"axis": 1}),
    ("put_along_axis", ["a7", "ij_r", "#9.0"], {}),
    ("poly", ["zr"], {}), ("poly", ["i2"], {}), ("poly", ["f0"], {}),
    ("polyadd", ["pa", "pb"], {}), ("polyadd", ["pb", "icoef"], {}),
    ("polysub", ["pb", "pc"], {}), ("polysub", ["icoef", "icoef"], {}),
    ("polymul", ["pa", "pb"], {}), ("polymul", ["icoef", "pc"], {}),
    ("polydiv", ["pc", "pa"], {}), ("polydiv", ["pc", "pb"], {}), ("polydiv", ["pb", "pc"], {}),
    ("polyder", ["pc"], {}), ("polyder", ["pc"], {"m": 2}), ("polyder", ["icoef"], {"m": 0}),
    ("polyder", ["pb"], {"m": 3}),
    ("polyint", ["pc"], {}), ("polyint", ["pa"], {"m": 2, "kv": 1.5}),
    ("polyint", ["pb"], {"m": 2, "k": "pb"}), ("polyint", ["icoef"], {}),
    ("polyfit", ["xfit", "yfit"], {"deg": 2}), ("polyfit", ["xfit", "yfit"], {"deg": 1, "w": "wfit"}),
    ("polyfit", ["xfit", "yfit2"], {"deg": 2}),
    ("roots", ["pc"], {}), ("roots", ["pz"], {}), ("roots", ["pa"], {}), ("roots", ["k4"], {}),
    ("bartlett", [], {"m": 5}), ("bartlett", [], {"m": 6}), ("bartlett", [], {"m": 1}),
    ("blackman", [], {"m": 7}), ("hamming", [], {"m": 6}), ("hanning", [], {"m": 5}),
    ("hanning", [], {"m": 0}), ("kaiser", [], {"m": 6, "beta": 14.0}),
    ("kaiser", [], {"m": 5, "beta": 0.5}),
    ("i0", ["i0x"], {}), ("i0", ["i6"], {}),
    ("gradient", ["a7"], {}), ("gradient", ["f34"], {}), ("gradient", ["f34", "#2.0"], {"axis": 1}),
    ("gradient", ["f34", "f3"], {"axis": 0}), ("gradient", ["m234", "#0.5", "k4"], {"axis": [0, 2]}),
    ("gradient", ["i34"], {"axis": [1]}),
    ("unwrap", ["ang"], {}), ("unwrap", ["ang"], {"discont": 4.0}),
    ("unwrap", ["ang"], {"period": 4.0}), ("unwrap", ["f34"], {"axis": 0, "period": 1.0}),
    ("histogram_bin_edges", ["hx"], {}), ("histogram_bin_edges", ["hx"], {"bins": 4, "range": [-1.0, 1.0]}),
    ("histogram2d", ["hx", "hy"], {"bins": 3}),
    ("histogram2d", ["hx", "hy"], {"bins": [2, 4], "range": [[-1.0, 1.0], [-2.0, 2.0]]}),
    ("histogram2d", ["hx", "hy"], {"bins": 3, "weights": "hw20", "density": True}),
    ("histogramdd", ["v3"], {"bins": 2}), ("histogramdd", ["v3"], {"bins": [2, 3, 1], "density": True}),
    ("apply_along_axis", ["f34"], {"f": "cumsum", "axis": 1}),
    ("apply_along_axis", ["m234"], {"f": "sum", "axis": 1}),
    ("apply_along_axis", ["m234"], {"f": "outer", "axis": 1}),
    ("apply_over_axes", ["m234"], {"axes": [0, 2]}), ("apply_over_axes", ["f34"], {"axes": [1]}),
    ("vectorize", ["f34", "k4"], {}), ("vectorize", ["i34", "#1"], {}),
    ("piecewise", ["a7"], {}), ("piecewise", ["a7"], {"default": True}),
    ("broadcast_shapes", [], {"shapes": [[3, 1], [4], []]}),
    ("broadcast_shapes", [], {"shapes": [[2, 1, 5], [1, 3, 1]]}),
    ("can_cast", [], {"from": "int32", "to": "float32"}),
    ("can_cast", [], {"from": "int32", "to": "float64"}),
    ("can_cast", [], {"from": "float64", "to": "float32", "casting": "same_kind"}),
    ("can_cast", [], {"from": "uint8", "to": "bfloat16"}),
]

# (fn, args, kw) for "more_grads": differentiated in the first argument.
MORE_GRADS = [
    ("array_split", ["a7"], {"sections": 3}), ("column_stack", ["f3", "m33"], {}),
    ("dstack", ["m33", "m33"], {}), ("block2", ["f22", "f22", "f22", "f22"], {}),
    ("resize", ["a7"], {"shape": [3, 4]}), ("cumulative_sum", ["f34"], {"axis": 1, "include_initial": True}),
    ("cumulative_prod", ["a7"], {}), ("nancumsum", ["nan34"], {"axis": 1}),
    ("nancumprod", ["nan34"], {"axis": 0}),
    ("divmod", ["fdiv", "gdiv"], {}), ("modf", ["parts"], {}),
    # Not `parts`: at 1e-30 JAX's `exp2(-e)` is off by 4e-6 (XLA's float32 exp2); 2^k is exact
    # here.
    ("frexp", ["fdiv"], {}), ("ldexp", ["pvals", "#3"], {}), ("fill_diagonal", ["m33", "fill3"], {}),
    ("vander", ["pvals"], {"N": 4}), ("partition", ["part"], {"kth": 3}),
    ("place", ["f34", "b34", "pvals"], {}), ("put", ["f34", "flat_ix", "pvals"], {}),
    ("put_along_axis", ["f34", "choice_idx", "g34"], {"axis": 1}),
    ("poly", ["zr"], {}), ("polyadd", ["pa", "pb"], {}), ("polymul", ["pa", "pb"], {}),
    ("polydiv", ["pc", "pa"], {}), ("polyder", ["pc"], {"m": 2}),
    ("polyint", ["pa"], {"m": 2, "kv": 1.5}), ("polyfit", ["xfit", "yfit"], {"deg": 2}),
    ("i0", ["i0x"], {}), ("gradient", ["f34", "f3"], {"axis": 0}), ("unwrap", ["ang"], {}),
    ("apply_along_axis", ["m234"], {"f": "outer", "axis": 1}), ("vectorize", ["f34", "k4"], {}),
    ("piecewise", ["a7"], {"default": True}),
]

# Calls JAX refuses.
MORE_ERRORS = [
    ("array_split", ["a7"], {"sections": 0}), ("hsplit", ["a7"], {"sections": 2}),
    ("dsplit", ["f34"], {"sections": 2}), ("cumulative_sum", ["f34"], {}),
    ("cumulative_sum", ["f0"], {}),
    ("ldexp", ["pvals", "pvals"], {}), ("packbits", ["a7"], {}), ("unpackbits", ["i6"], {}),
    ("ravel_multi_index", ["ij_r", "ij_c_oob"], {"dims": [3, 4]}),
    ("diag_indices_from", ["f34"], {}), ("tril_indices_from", ["m234"], {}),
    ("fill_diagonal", ["a7", "#1.0"], {}), ("fill_diagonal", ["m234", "#1.0"], {}),
    ("vander", ["f34"], {}), ("partition", ["part"], {"kth": 7}),
    ("choose", ["wrap_idx", "f34", "g34", "f0"], {}), ("choose", ["f34", "f34"], {}),
    ("compress", ["i34", "a7"], {}), ("compress", ["cond5", "a7"], {"size": 8}),
    ("place", ["f34", "cond5", "pvals"], {}), ("put", ["f34", "flat_ix", "pvals"], {"mode": "raise"}),
    ("put_along_axis", ["f34", "ij_r", "#1.0"], {"axis": 1}),
    ("polyfit", ["f34", "yfit"], {"deg": 1}), ("roots", ["f34"], {}),
    ("lexsort", ["lk1", "a7"], {}), ("gradient", ["f34", "a7"], {"axis": 1}),
    ("unwrap", ["f0"], {}),
    ("histogramdd", ["v3"], {"bins": [2, 3]}),
]


def values(cases=VALUES):
    return [{"fn": fn, "args": args, "kw": kw, "out": call(fn, args, kw)}
            for fn, args, kw in cases]


def grads(cases_in=GRADS):
    cases = []
    for fn, args, kw in cases_in:
        rest = [arg(a) for a in args[1:]]

        def f(x):
            out = CALLS[fn](x, *rest, kw)
            out = out[0] if isinstance(out, list) else out
            return jnp.sum(out * jnp.asarray(weights(out.shape)))

        cases.append({"fn": fn, "args": args, "kw": kw, "grad": enc(jax.grad(f)(A[args[0]]))})
    return cases


def errors(cases_in=ERRORS):
    cases = []
    for fn, args, kw in cases_in:
        try:
            CALLS[fn](*[arg(a) for a in args], kw)
        except (ValueError, TypeError, IndexError, RuntimeError, NotImplementedError,
                ZeroDivisionError):
            cases.append({"fn": fn, "args": args, "kw": kw})
            continue
        raise AssertionError(f"JAX accepted {fn} {args} {kw}")
    return cases


def main():
    new = {
        "more_inputs": {k: enc(v) for k, v in MORE_INPUTS.items()},
        "more_values": values(MORE_VALUES),
        "more_grads": grads(MORE_GRADS),
        "more_errors": errors(MORE_ERRORS),
    }
    if "--only-new" in sys.argv:
        with open(OUT) as f:
            out = json.load(f)
        out.update(new)
    else:
        out = {
            "jax": jax.__version__,
            "inputs": {k: enc(v) for k, v in INPUTS.items()},
            "values": values(),
            "grads": grads(),
            "errors": errors(),
            **new,
        }
    with open(OUT, "w") as f:
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
    n = sum(len(out[k]) for k in ("values", "grads", "errors", "more_values", "more_grads",
                                  "more_errors"))
    print(f"wrote {n} cases to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
