"""Shared JSON encoding for the parity goldens (imported by the topic scripts)."""

import math

import numpy as np


def enc(a):
    """An array as {"shape", "dtype", "data"}: data row-major; float32 values widen exactly to
    JSON numbers, and non-finite values become the strings "nan", "inf", "-inf"."""
    a = np.asarray(a)
    flat = []
    for v in a.reshape(-1).tolist():
        if isinstance(v, float) and not math.isfinite(v):
            flat.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            flat.append(v)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": flat}


UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def named_dtype(name):
    """A numpy dtype by name, ml_dtypes' bfloat16 and float8 formats included."""
    import ml_dtypes

    custom = name == "bfloat16" or name.startswith("float8")
    return np.dtype(getattr(ml_dtypes, name) if custom else name)


def hexbits(a):
    """The elements' bit patterns as fixed-width hex, two digits per byte (bool as one byte)."""
    a = np.asarray(a)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    width = a.dtype.itemsize
    u = a.reshape(-1).view(UINT[width])
    return "".join(f"{int(v):0{2 * width}x}" for v in u)


def benc(a):
    """An array as {"dtype", "shape", "hex"}: its elements' bit patterns (`hexbits`), so a
    reader compares NaN payloads, signed zeros and float8 NaN codes exactly."""
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "hex": hexbits(a)}


def cenc(a):
    """`enc` for real arrays; a complex array as {"shape", "dtype", "re", "im"}, its parts'
    data encoded as `enc` encodes them."""
    a = np.asarray(a)
    if not np.iscomplexobj(a):
        return enc(a)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "re": enc(a.real)["data"],
            "im": enc(a.imag)["data"]}


def function_cases(cases):
    """Runs `{name: (function, args, differentiate?)}` and encodes each case as
    {"name", "args", "outs", "grad"?}: the outputs (a tuple result gives several), and, when
    asked, jax.grad of the sum of the first output in the first operand."""
    import jax
    import jax.numpy as jnp

    out = []
    for name, (f, args, differentiate) in cases.items():
        args = [jnp.asarray(a) for a in args]
        res = f(*args)
        outs = list(res) if isinstance(res, (tuple, list)) else [res]
        case = {"name": name, "args": [enc(a) for a in args], "outs": [enc(o) for o in outs]}
        if differentiate:
            case["grad"] = enc(jax.grad(lambda a0, *rest: jnp.sum(f(a0, *rest)))(*args))
        out.append(case)
    return out
