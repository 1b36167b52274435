"""Goldens for `jax.nn.initializers` (JAX 0.10.2): the arrays each initialiser returns for fixed
keys, shapes, dtypes and options. Checked by `crates/core/tests/suite/initializers.rs`.
Run: .venv/bin/python parity/initializers.py  (writes parity/goldens/initializers.json)

Each case stores the initialiser's name and arguments, the key seed, the shape, the dtype and
the result (with each element's bit pattern in "bits", as hex). float64 cases need
`jax_enable_x64`, so they are made in a child process with x64 on and stored under "x64".
"""

import json
import os
import subprocess
import sys

import numpy as np

X64 = "--x64" in sys.argv
if X64:
    import jax

    jax.config.update("jax_enable_x64", True)

import jax
import jax.numpy as jnp
import jax.random as jr
from jax.nn import initializers as init

sys.path.insert(0, os.path.dirname(__file__))
from golden_encoding import enc as enc_values  # noqa: E402


def enc(a):
    """`golden_encoding.enc` plus each element's bit pattern in its own dtype, as hex."""
    a = np.asarray(a)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    out = enc_values(a)
    out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    return out


def axes_json(a):
    return a if isinstance(a, int) else list(a)


def fan_kwargs(args):
    return {k: (v if isinstance(v, int) else tuple(v)) for k, v in args.items()
            if k in ("in_axis", "out_axis", "batch_axis")}


def build(name, args):
    """The JAX initialiser called `name`, built from the JSON-able `args`."""
    dtype = args.get("dtype")
    if name == "variance_scaling":
        return init.variance_scaling(args["scale"], args["mode"], args["distribution"],
                                     dtype=dtype, **fan_kwargs(args))
    if name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                "lecun_uniform", "lecun_normal"):
        return getattr(init, name)(dtype=dtype, **fan_kwargs(args))
    if name in ("uniform", "normal"):
        key = "scale" if name == "uniform" else "stddev"
        return getattr(init, name)(args.get(key, 1e-2), dtype=dtype)
    if name == "truncated_normal":
        return init.truncated_normal(args.get("stddev", 1e-2), dtype=dtype,
                                     lower=args.get("lower", -2.0),
                                     upper=args.get("upper", 2.0))
    if name == "constant":
        return init.constant(args["value"], dtype=dtype)
    if name in ("zeros", "ones"):
        return getattr(init, name)
    if name in ("orthogonal", "delta_orthogonal"):
        return getattr(init, name)(args.get("scale", 1.0), args.get("column_axis", -1),
                                   dtype=dtype)
    raise ValueError(name)


def case(name, seed, shape, **args):
    """`args` may hold the builder's `dtype` (the initialiser's default) and `call_dtype`
    (passed when calling it instead)."""
    call_dtype = args.pop("call_dtype", None)
    fn = build(name, args)
    key = jr.PRNGKey(seed)
    out = fn(key, shape) if call_dtype is None else fn(key, shape, call_dtype)
    return {
        "name": f"{name}_{seed}_{'x'.join(map(str, shape))}" + "".join(
            f"_{k}={v}" for k, v in sorted(args.items())) + (
            f"_call={call_dtype}" if call_dtype else ""),
        "init": name,
        "args": {k: (axes_json(v) if k.endswith("axis") else v) for k, v in args.items()},
        "call_dtype": call_dtype,
        "seed": seed,
        "shape": list(shape),
        "out": enc(out),
    }


def vs_cases():
    out = []
    for mode in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        for dist in ("truncated_normal", "normal", "uniform"):
            out.append(case("variance_scaling", 3, (4, 6), scale=2.0, mode=mode,
                            distribution=dist))
    out += [
        # a convolution kernel (O, I, H, W) with Equinox-style axes, and a receptive field
        case("variance_scaling", 5, (3, 2, 3, 3), scale=1.0, mode="fan_in",
             distribution="uniform", in_axis=1, out_axis=0),
        case("variance_scaling", 6, (3, 3, 2, 4), scale=0.5, mode="fan_avg",
             distribution="truncated_normal"),
        # several input axes, and a batch axis that is ignored
        case("variance_scaling", 7, (2, 3, 4), scale=1.0, mode="fan_in",
             distribution="normal", in_axis=[0, 1], out_axis=-1),
        case("variance_scaling", 8, (5, 3, 4), scale=1.0, mode="fan_out",
             distribution="uniform", batch_axis=0),
        case("variance_scaling", 9, (5,), scale=1.0, mode="fan_in",
             distribution="uniform", in_axis=0, out_axis=0),
        case("variance_scaling", 10, (3, 4), scale=1.0, mode="fan_in",
             distribution="uniform", dtype="float16"),
        case("variance_scaling", 10, (3, 4), scale=1.0, mode="fan_in",
             distribution="uniform", dtype="bfloat16"),
        case("variance_scaling", 11, (3, 4), scale=3.0, mode="fan_avg",
             distribution="uniform", call_dtype="bfloat16"),
    ]
    return out


def named_cases():
    out = []
    for name in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                 "lecun_uniform", "lecun_normal"):
        out.append(case(name, 0, (3, 5)))
        out.append(case(name, 1, (2, 4, 3, 3), in_axis=1, out_axis=0))
    out.append(case("glorot_uniform", 2, (64, 32)))
    out += [
        case("uniform", 0, (2, 3)),
        case("uniform", 1, (4,), scale=10.0),
        case("uniform", 1, (3, 2), scale=0.5, dtype="float16"),
        case("normal", 0, (2, 3)),
        case("normal", 2, (5,), stddev=3.0),
        case("truncated_normal", 0, (2, 3)),
        case("truncated_normal", 3, (40,), stddev=1.0),
        case("truncated_normal", 4, (3, 3), stddev=2.0, lower=-1.0, upper=0.5),
        case("constant", 0, (2, 3), value=-7.0),
        case("constant", 0, (2,), value=0.1, dtype="bfloat16"),
        case("constant", 0, (3,), value=2.5, call_dtype="float16"),
        case("zeros", 0, (2, 3)),
        case("ones", 0, (3,)),
        case("ones", 0, (2, 2), call_dtype="bfloat16"),
    ]
    return out


def orthogonal_cases():
    return [
        case("orthogonal", 0, (3, 3)),
        case("orthogonal", 1, (2, 5)),
        case("orthogonal", 2, (5, 2)),
        case("orthogonal", 3, (4, 4), scale=2.0),
        case("orthogonal", 4, (3, 2, 4)),
        case("orthogonal", 5, (3, 4), column_axis=0),
        case("orthogonal", 6, (2, 3, 2), column_axis=1),
        case("orthogonal", 7, (0, 3)),
        case("delta_orthogonal", 0, (3, 3, 3)),
        case("delta_orthogonal", 1, (3, 3, 2, 4)),
        case("delta_orthogonal", 2, (2, 3, 3, 3, 3), scale=0.5),
        case("delta_orthogonal", 3, (4, 2, 3)),
    ]


def x64_cases():
    return [
        case("glorot_uniform", 0, (3, 5), dtype="float64"),
        case("he_normal", 1, (4, 3), dtype="float64"),
        case("variance_scaling", 2, (4, 6), scale=2.0, mode="fan_geo_avg",
             distribution="normal", dtype="float64"),
        case("uniform", 3, (4,), scale=5.0, dtype="float64"),
        case("truncated_normal", 4, (6,), stddev=1.0, dtype="float64"),
        case("orthogonal", 5, (3, 4), dtype="float64"),
    ]


def main():
    child = subprocess.run(
        [sys.executable, __file__, "--x64"], check=True, capture_output=True, text=True
    )
    out = {
        "jax": jax.__version__,
        "variance_scaling": vs_cases(),
        "named": named_cases(),
        "orthogonal": orthogonal_cases(),
        "x64": json.loads(child.stdout),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "initializers.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    n = sum(len(v) for k, v in out.items() if k != "jax")
    print(f"wrote {n} initializer cases to {path}")


if __name__ == "__main__":
    if X64:
        json.dump(x64_cases(), sys.stdout)
    else:
        main()
