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


def cenc(a):
    """`enc` for real arrays; a complex array as {"shape", "dtype", "re", "im"}, its parts'
    data encoded as `enc` encodes them."""
    a = np.asarray(a)
    if not np.iscomplexobj(a):
        return enc(a)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "re": enc(a.real)["data"],
            "im": enc(a.imag)["data"]}
