"""Goldens for crates/core/tests/suite/float8_dtypes.rs on JAX's 4-bit float, `float4_e2m1fn`
(writes parity/goldens/float4_dtypes.json).

usage: .venv/bin/python parity/float4_dtypes.py

The sections and encoding are float8_dtypes.py's, run with `float4_e2m1fn` as the only format
(its 16 codes, one per byte), plus: `decode` also converts every code to each 8-bit float,
`encode` also converts every code of each 8-bit float (NaNs and infinities included) to
`float4_e2m1fn`, and promotion and `can_cast` pair it with the 8-bit floats too. The operands
are drawn from all 16 values, with a negative zero (there is no NaN).
"""

import numpy as np

import float8_dtypes as f8
from golden_encoding import hexbits, named_dtype as dt

FLOAT8 = list(f8.FORMATS)
F4 = "float4_e2m1fn"


def codes(fmt):
    return np.arange(16 if fmt == F4 else 256, dtype=np.uint8).view(dt(fmt))


def operands(fmt):
    rng = np.random.default_rng(20)
    v = codes(fmt).astype(np.float32)
    x = np.concatenate([rng.choice(v, 12), [6.0, -6.0, -0.0, 1.5]])
    y = np.concatenate([rng.choice(v, 13), [1.0, 2.0, 0.5]])
    return np.asarray(x, np.float32).astype(dt(fmt)), np.asarray(y, np.float32).astype(dt(fmt))


def decode_section():
    import jax.numpy as jnp

    c = jnp.asarray(codes(F4))
    targets = ["float32", "float64", "float16", "bfloat16", "int32", "int8", "uint8",
               "bool"] + FLOAT8
    return {F4: {t: hexbits(c.astype(dt(t))) for t in targets}}


def encode_section():
    import jax.numpy as jnp

    out = base_encode()
    for fmt in FLOAT8:
        x = codes(fmt)
        out[fmt] = {"inputs": hexbits(x), "out": {F4: hexbits(jnp.asarray(x).astype(dt(F4)))}}
    return out


base_encode = f8.encode_section
f8.FORMATS = [F4]
f8.OTHERS = f8.OTHERS + FLOAT8
f8.GRAD_FORMATS = [F4]
f8.codes = codes
f8.operands = operands
f8.decode_section = decode_section
f8.encode_section = encode_section

if __name__ == "__main__":
    f8.main("float4_dtypes")
