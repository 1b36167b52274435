"""Goldens for the breadth of `jax.numpy` (JAX 0.10.2): rearranging, diagonals and grids, more
elementwise functions, statistics and NaN-ignoring reductions, quantiles, histograms,
polynomials and convolutions, set operations and nonzero positions. Checked by
`crates/core/tests/numpy_breadth.rs`.
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
"""

import json
import os

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

A = {k: jnp.asarray(v) for k, v in INPUTS.items()}


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


def values():
    return [{"fn": fn, "args": args, "kw": kw, "out": call(fn, args, kw)}
            for fn, args, kw in VALUES]


def grads():
    cases = []
    for fn, args, kw in GRADS:
        rest = [A[a] for a in args[1:]]

        def f(x):
            out = CALLS[fn](x, *rest, kw)
            out = out[0] if isinstance(out, list) else out
            return jnp.sum(out * jnp.asarray(weights(out.shape)))

        cases.append({"fn": fn, "args": args, "kw": kw, "grad": enc(jax.grad(f)(A[args[0]]))})
    return cases


def errors():
    cases = []
    for fn, args, kw in ERRORS:
        try:
            CALLS[fn](*[arg(a) for a in args], kw)
        except (ValueError, TypeError, IndexError, RuntimeError):
            cases.append({"fn": fn, "args": args, "kw": kw})
            continue
        raise AssertionError(f"JAX accepted {fn} {args} {kw}")
    return cases


def main():
    out = {
        "jax": jax.__version__,
        "inputs": {k: enc(v) for k, v in INPUTS.items()},
        "values": values(),
        "grads": grads(),
        "errors": errors(),
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
    n = sum(len(out[k]) for k in ("values", "grads", "errors"))
    print(f"wrote {n} cases to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
