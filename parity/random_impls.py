"""Goldens for crates/core/tests/suite/random_impls.rs: JAX's PRNG implementations besides
threefry2x32 (`rbg`, `unsafe_rbg`, `philox2x32`, `philox4x32`, `threefry4x32`) and
`jax.lax.rng_bit_generator`, bit for bit (writes parity/goldens/random_impls.json).

usage: .venv/bin/python parity/random_impls.py

Arrays are stored as their elements' bit patterns ({"dtype", "shape", "hex"}, see
golden_encoding.benc). Sections:
- `samplers`: {"impl", "seed", "case", "out"}: `case` names the call on `jax.random.key(seed,
  impl=...)` (see SAMPLERS); threefry2x32 is included as the baseline. `gamma` maps over its
  keys one at a time for these implementations (JAX vmaps only threefry2x32 keys).
- `legacy`: the same cases with `jax_threefry_partitionable=False` (it changes how `rbg` splits
  and folds in: with threefry2x32 on each half key).
- `vmap`: `jax.vmap(lambda k: jax.random.bits(k, (3,)))` over `jax.random.split(key, 4)` — for
  the `rbg` implementations JAX's batching rule draws every lane from the first key.
- `rng_bit_generator`: {"key", "shape", "dtype", "algorithm", "new_key", "bits"}.
- `x64` (with `jax_enable_x64`): key data, 64-bit bits and float64 uniforms from seeds below
  and above 2^32.
- `x64_rng_bit_generator` (with `jax_enable_x64`): `rng_bit_generator` with `uint64` bits, and
  with `uint64[2]` keys.
"""

import json
import os
import warnings

warnings.simplefilter("ignore")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402
from golden_encoding import benc  # noqa: E402

R = jax.random
IMPLS = ["threefry2x32", "rbg", "unsafe_rbg", "philox2x32", "philox4x32", "threefry4x32"]
SEEDS = [0, 3, 123456789]
F32 = jnp.float32

SAMPLERS = {
    "key_data": lambda k: R.key_data(k),
    "split3": lambda k: R.key_data(R.split(k, 3)),
    "split2x3": lambda k: R.key_data(R.split(k, (2, 3))),
    "fold_in7": lambda k: R.key_data(R.fold_in(k, 7)),
    "fold_in_big": lambda k: R.key_data(R.fold_in(k, 3000000000)),
    "bits_scalar": lambda k: R.bits(k, ()),
    "bits5": lambda k: R.bits(k, (5,)),
    "bits3x4": lambda k: R.bits(k, (3, 4)),
    "bits2x3x5": lambda k: R.bits(k, (2, 3, 5)),
    "bits_u8": lambda k: R.bits(k, (7,), jnp.uint8),
    "bits_u16": lambda k: R.bits(k, (3, 3), jnp.uint16),
    "uniform": lambda k: R.uniform(k, (6,), F32),
    "normal": lambda k: R.normal(k, (2, 3), F32),
    "randint": lambda k: R.randint(k, (5,), 0, 10, jnp.int32),
    "permutation": lambda k: R.permutation(k, 10),
    "gamma": lambda k: R.gamma(k, 2.0, (4,), F32),
    "bernoulli": lambda k: R.bernoulli(k, 0.3, (8,)),
    "binomial": lambda k: R.binomial(k, 10.0, 0.3, (6,)),
    "choice": lambda k: R.choice(k, 10, (4,), replace=False),
    "split_uniform": lambda k: R.uniform(R.split(k)[1], (3,), F32),
    "fold_in_normal": lambda k: R.normal(R.fold_in(k, 5), (3,), F32),
}
LEGACY = ["split3", "split2x3", "fold_in7", "bits5", "split_uniform", "gamma"]

RBG_KEYS = {
    "small": [1, 2, 3, 4],
    # The counter's low word is 2^64 - 1: the 128-bit Philox counter carries into its high word.
    "carry": [5, 6, 0xFFFFFFFF, 0xFFFFFFFF],
    "mixed": [0x9E3779B9, 0x12345678, 0xDEADBEEF, 7],
}
RBG_SHAPES = [(), (1,), (7,), (2, 3), (5, 3), (3, 5, 7), (4, 0), (9,)]
ALGORITHMS = {
    "default": lax.RandomAlgorithm.RNG_DEFAULT,
    "three_fry": lax.RandomAlgorithm.RNG_THREE_FRY,
    "philox": lax.RandomAlgorithm.RNG_PHILOX,
}


def sampler_cases(names):
    out = []
    for impl in IMPLS:
        for seed in SEEDS:
            for case in names:
                value = SAMPLERS[case](R.key(seed, impl=impl))
                out.append({"impl": impl, "seed": seed, "case": case, "out": benc(value)})
    return out


def vmap_cases():
    out = []
    for impl in IMPLS:
        keys = R.split(R.key(11, impl=impl), 4)
        value = jax.vmap(lambda k: R.bits(k, (3,)))(keys)
        out.append({"impl": impl, "seed": 11, "out": benc(value)})
    return out


def rbg_cases(dtypes, keys):
    out = []
    for key_name, words in keys.items():
        for algorithm, alg in ALGORITHMS.items():
            for shape in RBG_SHAPES:
                for dtype in dtypes:
                    key = jnp.array(words, jnp.uint32 if len(words) == 4 else jnp.uint64)
                    new_key, bits = lax.rng_bit_generator(key, shape, dtype, alg)
                    out.append({"key": key_name, "shape": list(shape), "dtype": dtype,
                                "algorithm": algorithm, "key_in": benc(key),
                                "new_key": benc(new_key), "bits": benc(bits)})
    return out


def x64_section():
    jax.config.update("jax_enable_x64", True)
    out = []
    for impl in IMPLS:
        for seed in [3, 2**40 + 7]:
            k = R.key(seed, impl=impl)
            out.append({"impl": impl, "seed": seed, "case": "key_data", "out": benc(R.key_data(k))})
            out.append({"impl": impl, "seed": seed, "case": "bits_u64",
                        "out": benc(R.bits(k, (5,), jnp.uint64))})
            out.append({"impl": impl, "seed": seed, "case": "uniform_f64",
                        "out": benc(R.uniform(k, (4,), jnp.float64))})
    keys = {"small64": [1 | 2 << 32, 3 | 4 << 32], "carry64": [5, 2**64 - 1]}
    rbg = rbg_cases(["uint64", "uint32"], keys) + rbg_cases(["uint64"], {"small": [1, 2, 3, 4]})
    return out, rbg


def main():
    golden = {
        "jax_version": jax.__version__,
        "samplers": sampler_cases(list(SAMPLERS)),
        "vmap": vmap_cases(),
        "rng_bit_generator": rbg_cases(["uint8", "uint16", "uint32"], RBG_KEYS),
    }
    jax.config.update("jax_threefry_partitionable", False)
    golden["legacy"] = sampler_cases(LEGACY)
    jax.config.update("jax_threefry_partitionable", True)
    golden["x64"], golden["x64_rng_bit_generator"] = x64_section()
    path = os.path.join(os.path.dirname(__file__), "goldens", "random_impls.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(path)


if __name__ == "__main__":
    main()
