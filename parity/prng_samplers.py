"""Writes parity/goldens/prng_samplers.json: the jax.random samplers beyond uniform/normal,
for the Rust `random` module (`crates/core/tests/suite/random_golden.rs`): closed-form transforms
of uniform/normal/bernoulli draws (cauchy, pareto, weibull_min, rayleigh, wald, triangular,
lognormal, maxwell, double_sided_maxwell, rademacher, geometric), the Gamma family (gamma,
loggamma: Marsaglia-Tsang rejection loops, and what is built on them) and poisson.

Run with the reference venv:  .venv/bin/python parity/prng_samplers.py

The case format is prng.py's: {"op", "seed", "x64", "legacy", "shape", "dtype", "params",
"out", "exact"}; float outputs are IEEE bit patterns, integers values, flattened row-major.
"exact" marks the samplers whose arithmetic is exact (rademacher, geometric's integer result);
the others go through tan/log/pow/exp, where the Rust side is held to a few ulp.
"""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
from jax import random as jr

from prng import flat_out

jax.config.update("jax_platforms", "cpu")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "prng_samplers.json")


def cases():
    out = []

    def add(op, seed, shape, dtype, params, value, exact):
        out.append(dict(op=op, seed=seed, x64=False, legacy=False, shape=list(np.shape(value)),
                        dtype=dtype, params=params, out=flat_out(value), exact=exact))

    dt = {"float32": jnp.float32, "float16": jnp.float16, "bfloat16": jnp.bfloat16}
    for seed in [0, 7, 123456789]:
        k = jr.PRNGKey(seed)
        for name in ["float32", "float16", "bfloat16"]:
            d = dt[name]
            shape = (40,) if name == "float32" else (9,)
            add("cauchy", seed, shape, name, {}, jr.cauchy(k, shape, d), False)
            add("maxwell", seed, shape, name, {}, jr.maxwell(k, shape, d), False)
            for b in [0.5, 3.0]:
                add("pareto", seed, shape, name, {"b": b}, jr.pareto(k, b, shape, d), False)
            for scale, conc in [(1.0, 1.0), (2.0, 0.7), (0.5, 3.3)]:
                add("weibull_min", seed, shape, name, {"scale": scale, "concentration": conc},
                    jr.weibull_min(k, scale, conc, shape, d), False)
            for scale in [1.0, 2.5]:
                add("rayleigh", seed, shape, name, {"scale": scale},
                    jr.rayleigh(k, scale, shape, d), False)
            for mean in [1.0, 0.3, 4.0]:
                add("wald", seed, shape, name, {"mean": mean}, jr.wald(k, mean, shape, d), False)
            for left, mode, right in [(0.0, 0.5, 1.0), (-1.0, 1.5, 2.0), (2.0, 2.0, 5.0)]:
                add("triangular", seed, shape, name,
                    {"left": left, "mode": mode, "right": right},
                    jr.triangular(k, left, mode, right, shape, d), False)
            for sigma in [1.0, 0.25]:
                add("lognormal", seed, shape, name, {"sigma": sigma},
                    jr.lognormal(k, sigma, shape, d), False)
            for loc, scale in [(0.0, 1.0), (1.5, 0.5)]:
                add("double_sided_maxwell", seed, shape, name, {"loc": loc, "scale": scale},
                    jr.double_sided_maxwell(k, loc, scale, shape, d), False)
        for shape in [(), (7,), (3, 4)]:
            add("rademacher", seed, shape, "int32", {}, jr.rademacher(k, shape, jnp.int32), True)
            add("rademacher", seed, shape, "float32", {},
                jr.rademacher(k, shape, jnp.float32), True)
            for p in [0.3, 0.9, 1e-3]:
                add("geometric", seed, shape, "int32", {"p": p},
                    jr.geometric(k, p, shape, jnp.int32), True)
        gamma_as = [0.1, 0.5, 1.0, 3.0, 7.5]
        # float32 only: for 16-bit dtypes XLA keeps the rejection test's intermediates in
        # float32 (excess precision), which can flip an accept decision against per-operation
        # rounding, so 16-bit Gamma samples are not reproduced draw for draw.
        for name in ["float32"]:
            d = dt[name]
            for a in [0.3, 1.0, 2.5, 10.0]:
                add("gamma", seed, (12,), name, {"a": a}, jr.gamma(k, a, (12,), d), False)
                add("loggamma", seed, (12,), name, {"a": a},
                    jr.loggamma(k, a, (12,), d), False)
            add("loggamma", seed, (12,), name, {"a": 0.01}, jr.loggamma(k, 0.01, (12,), d), False)
            arr = jnp.array(gamma_as, jnp.float32)
            add("gamma", seed, (5,), name, {"a": gamma_as}, jr.gamma(k, arr, (5,), d), False)
            add("gamma", seed, (2, 5), name, {"a": gamma_as},
                jr.gamma(k, arr, (2, 5), d), False)
            add("loggamma", seed, (2, 5), name, {"a": gamma_as},
                jr.loggamma(k, arr, (2, 5), d), False)
            for a, b in [(2.0, 5.0), (0.3, 0.7)]:
                add("beta", seed, (10,), name, {"a": a, "b": b},
                    jr.beta(k, a, b, (10,), d), False)
            add("dirichlet", seed, (4, 3), name, {"alpha": [0.5, 1.0, 4.0]},
                jr.dirichlet(k, jnp.array([0.5, 1.0, 4.0], jnp.float32), (4,), d), False)
            for df in [1.0, 3.0, 10.0]:
                add("chisquare", seed, (10,), name, {"df": df},
                    jr.chisquare(k, df, (10,), d), False)
                add("t", seed, (10,), name, {"df": df}, jr.t(k, df, (10,), d), False)
            add("f", seed, (10,), name, {"dfnum": 5.0, "dfden": 7.0},
                jr.f(k, 5.0, 7.0, (10,), d), False)
            for p_ in [0.7, 1.0, 2.0, 3.5]:
                add("generalized_normal", seed, (10,), name, {"p": p_},
                    jr.generalized_normal(k, p_, (10,), d), False)
            for dim, p_ in [(2, 2.0), (3, 1.0), (5, 3.0)]:
                add("ball", seed, (4, dim), name, {"d": dim, "p": p_},
                    jr.ball(k, dim, p_, (4,), d), False)
        for lam in [0.0, 0.5, 3.0, 9.9, 10.0, 25.0, 400.0]:
            add("poisson", seed, (20,), "int32", {"lam": lam}, jr.poisson(k, lam, (20,)), True)
        lams = [0.0, 1.0, 4.0, 12.0, 50.0]
        add("poisson", seed, (2, 5), "int32", {"lam": lams},
            jr.poisson(k, jnp.array(lams, jnp.float32), (2, 5)), True)
    return out


def main():
    result = {"jax_version": jax.__version__, "cases": cases()}
    with open(OUT, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(result['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
