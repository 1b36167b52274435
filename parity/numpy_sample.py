"""Writes goldens/numpy.json: a sample of jax.numpy functions evaluated by real JAX (float32,
CPU), for the numpy-level functions of crates/core/src/numpy/.

Run with .venv/bin/python parity/numpy_sample.py (jax 0.10.2). The topic is "numpy", but a
script named numpy.py would shadow the numpy package for every script in this directory.
Values are the float32 (or int32 / bool) results widened to float64, so they round-trip
exactly; NaN and infinities are written as the strings "nan", "inf" and "-inf".
"""

import json
import os

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np

jax.config.update("jax_platforms", "cpu")

from golden_encoding import enc  # noqa: E402  (after the platform is set)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "numpy.json")




f32 = np.float32
rng = np.random.default_rng(1)
nan, inf = np.nan, np.inf

inputs = {
    # Mixed magnitudes and signs, and the non-finite values.
    "scalars": np.array([-100, -88, -20, -3.5, -1, -0.5, -1e-3, -1e-7, 0, 1e-7, 1e-3, 0.5, 1,
                         2.5, 3, 20, 88, 100, -inf, inf, nan], f32),
    # Positive values over a wide range (log, sqrt, gammaln), plus 0 and a negative.
    "positive": np.array([1e-30, 1e-7, 1e-3, 0.1, 0.5, 1, 1.5, 2, 3.5, 20, 88, 100, 1e4, 1e30,
                          0, -1, inf], f32),
    # The open interval (-1, 1) and its ends (erfinv, arcsin).
    "unit": np.array([-1, -0.999999, -0.999, -0.9, -0.5, -1e-3, 0, 1e-7, 0.3, 0.7, 0.99,
                      0.999, 0.999999, 1], f32),
    # Non-integer and negative arguments and poles for gammaln.
    "gamma_args": np.array([-100.5, -20.5, -3.5, -2.5, -1.5, -0.5, -1e-3, 1e-7, 0.5, 1, 2, 2.5,
                            3, 10.5, 20, 88, 100, 1e4, -3, 0], f32),
    # Dense values around tanh's interesting range: checked bit for bit.
    "dense": np.concatenate([rng.uniform(-10, 10, 200), rng.uniform(-1e-3, 1e-3, 20),
                             [7.9988117, 8.0, -7.99, 4e-4, -4e-4, 3.9e-4]]).astype(f32),
    "a": np.array([-7, -3.5, -1, -0.0, 1, 3.5, 7, 5.5, -5.5, 1e-3, 100, -2, 0.5, 2.0, 1e10], f32),
    "b": np.array([2, 2, -3, 3, -0.5, 1.5, -2, 2.5, 2, 0.7, 3, 3, -1.5, 0.5, 3], f32),
    "base": np.array([0.5, 2, 10, 1e-3, 1.5, 0, 0, 3, 100, 7], f32),
    "expo": np.array([0.5, -3, 2.5, 1.5, 10, 2, -1, 0, 0.5, -0.25], f32),
    "ia": np.array([-7, -7, 7, 7, 0, 5, -5, 9, -9, 2147483647], np.int32),
    "ib": np.array([2, -2, 2, -2, 3, 1, -1, 4, 4, 3], np.int32),
    "halves": np.array([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 3.49, -3.51, 0.49999997,
                        8388609.0, -0.0], f32),
    "nan_a": np.array([nan, 1, -inf, 0, nan, 2, inf], f32),
    "nan_b": np.array([1, nan, 0, -0.0, nan, inf, 3], f32),
    "m": (rng.standard_normal((4, 6)) * 3).astype(f32),
    "cube": (rng.standard_normal((2, 3, 4)) * 2 + 1).astype(f32),
    "finite": np.array([-100, -20, -3.5, -1e-3, 0, 1e-7, 0.5, 3, 20, 88, 100], f32),
    "col": (rng.standard_normal((4, 1)) * 3).astype(f32),
    "row": (rng.standard_normal((1, 6)) * 3).astype(f32),
}

cases = []


def case(fn, ins, out, **args):
    cases.append({"fn": fn, "inputs": ins, "args": args, "out": enc(out)})


J = {k: jnp.asarray(v) for k, v in inputs.items()}

unary = {
    "exp": jnp.exp, "log": jnp.log, "log1p": jnp.log1p, "expm1": jnp.expm1, "tanh": jnp.tanh,
    "sqrt": jnp.sqrt, "rsqrt": jax.lax.rsqrt, "sin": jnp.sin, "cos": jnp.cos, "abs": jnp.abs,
    "sign": jnp.sign, "floor": jnp.floor, "ceil": jnp.ceil, "trunc": jnp.trunc,
    "round": jnp.round, "square": jnp.square, "reciprocal": jnp.reciprocal,
    "log2": jnp.log2, "log10": jnp.log10, "exp2": jnp.exp2, "arctan": jnp.arctan,
    "sinh": jnp.sinh, "cosh": jnp.cosh, "arcsinh": jnp.arcsinh, "cbrt": jnp.cbrt,
    "erf": jss.erf, "erfc": jss.erfc, "isfinite": jnp.isfinite, "isnan": jnp.isnan,
    "isinf": jnp.isinf,
}
for name, f in unary.items():
    for inp in ("scalars", "positive", "m"):
        case(name, [inp], f(J[inp]))
for name in ("tanh", "exp", "log1p", "expm1", "sin", "cos", "erf"):
    case(name, ["dense"], unary[name](J["dense"]))
case("round", ["halves"], jnp.round(J["halves"]))
for name, f in {"erfinv": jss.erfinv, "arcsin": jnp.arcsin, "arccos": jnp.arccos,
                "arctanh": jnp.arctanh}.items():
    case(name, ["unit"], f(J["unit"]))
for name, f in {"gammaln": jss.gammaln, "digamma": jss.digamma}.items():
    case(name, ["gamma_args"], f(J["gamma_args"]))
    case(name, ["positive"], f(J["positive"]))

binary = {
    "add": jnp.add, "subtract": jnp.subtract, "multiply": jnp.multiply, "divide": jnp.divide,
    "arctan2": jnp.arctan2, "remainder": jnp.remainder, "floor_divide": jnp.floor_divide,
    "fmod": jnp.fmod, "maximum": jnp.maximum, "minimum": jnp.minimum, "power": jnp.power,
}
for name, f in binary.items():
    case(name, ["a", "b"], f(J["a"], J["b"]))
    case(name, ["nan_a", "nan_b"], f(J["nan_a"], J["nan_b"]))
case("power", ["base", "expo"], jnp.power(J["base"], J["expo"]))
case("power", ["a", "b"], jnp.power(J["a"], J["b"]))
for name in ("remainder", "floor_divide", "fmod"):
    case(name, ["ia", "ib"], binary[name](J["ia"], J["ib"]))
# Broadcasting a column against a row.
for name in ("add", "multiply", "maximum", "arctan2"):
    case(name, ["col", "row"], binary[name](J["col"], J["row"]))
for n in (2, 3, -2, 0, 7):
    case("integer_pow", ["scalars"], jax.lax.integer_pow(J["scalars"], n), n=n)

for inp, axes_list in (("m", [None, 0, -1]), ("cube", [None, 0, 1, -1, [0, 2]])):
    x = J[inp]
    for axis in axes_list:
        ax = tuple(axis) if isinstance(axis, list) else axis
        for name, f in {"sum": jnp.sum, "mean": jnp.mean, "var": jnp.var, "std": jnp.std,
                        "max": jnp.max, "min": jnp.min, "prod": jnp.prod}.items():
            case(name, [inp], f(x, axis=ax), axis=axis)
    for axis in (None, 0, -1):
        case("argmax", [inp], jnp.argmax(x, axis=axis), axis=axis)
        case("argmin", [inp], jnp.argmin(x, axis=axis), axis=axis)
case("var_ddof1", ["m"], jnp.var(J["m"], axis=0, ddof=1), axis=0)
case("max", ["nan_a"], jnp.max(J["nan_a"]), axis=None)
case("argmax", ["nan_a"], jnp.argmax(J["nan_a"]), axis=None)
case("sum", ["finite"], jnp.sum(J["finite"]), axis=None)

case("clip", ["m"], jnp.clip(J["m"], -1.0, 2.0), lo=-1.0, hi=2.0)
case("clip", ["scalars"], jnp.clip(J["scalars"], -1.0, 2.0), lo=-1.0, hi=2.0)
case("where", ["m"], jnp.where(J["m"] > 0, J["m"], -2 * J["m"]))

with open(OUT, "w") as f:
    json.dump({"jax_version": jax.__version__,
               "inputs": {k: enc(v) for k, v in inputs.items()},
               "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {OUT}")
