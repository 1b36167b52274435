"""Goldens for crates/core/tests/suite/random_breadth.rs: jax.random.binomial, multinomial,
orthogonal, multivariate_normal, PRNGKey, key_data, wrap_key_data and clone (jax 0.10.2,
default 32-bit mode, float32).

Run with the reference venv: `python parity/random_breadth.py`. Each case is {"name",
"seed", "out": encoded array} with the call fixed by the name (see CASES); arrays are encoded
by golden_encoding.enc (float32 values widen exactly, so the Rust test compares bit for bit
where the sampler is exact).
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

from golden_encoding import enc

R = jax.random
N6 = jnp.array([5.0, 20.0, 100.0, 1000.0, 0.0, 7.5], jnp.float32)
P6 = jnp.array([0.3, 0.7, 0.05, 0.5, 0.5, 0.9], jnp.float32)
BAD_N = jnp.array([-1.0, jnp.nan, jnp.inf, 10.0, 10.0, 30.0], jnp.float32)
BAD_P = jnp.array([0.5, 0.5, 0.5, jnp.nan, -0.2, 1.0], jnp.float32)
P3 = jnp.array([0.2, 0.5, 0.3], jnp.float32)
P24 = jnp.array([[0.1, 0.2, 0.3, 0.4], [0.0, 0.5, 0.0, 0.5]], jnp.float32)
MEAN = jnp.array([1.0, -1.0, 0.5], jnp.float32)
COV = jnp.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 0.8]], jnp.float32)

CASES = {
    "binomial_vec": (0, lambda k: R.binomial(k, N6, P6)),
    "binomial_invalid": (1, lambda k: R.binomial(k, BAD_N, BAD_P)),
    "binomial_btrs": (2, lambda k: R.binomial(k, 50.0, 0.4, shape=(64,))),
    "binomial_inversion": (3, lambda k: R.binomial(k, 8.0, 0.2, shape=(64,))),
    "binomial_high_p": (4, lambda k: R.binomial(k, 40.0, 0.85, shape=(32,))),
    "multinomial": (5, lambda k: R.multinomial(k, 20.0, P3, shape=(4, 3))),
    "multinomial_batch": (6, lambda k: R.multinomial(k, jnp.array([10.0, 100.0]), P24)),
    "orthogonal": (7, lambda k: R.orthogonal(k, 3)),
    "orthogonal_tall": (8, lambda k: R.orthogonal(k, 4, (2,), m=2)),
    "orthogonal_wide": (9, lambda k: R.orthogonal(k, 2, m=4)),
    "mvn_cholesky": (10, lambda k: R.multivariate_normal(k, MEAN, COV, (5,))),
    "mvn_eigh": (11, lambda k: R.multivariate_normal(k, MEAN, COV, (5,), method="eigh")),
    "mvn_svd": (12, lambda k: R.multivariate_normal(k, MEAN, COV, (5,), method="svd")),
    "prng_key": (42, lambda k: k),
    "key_data": (13, lambda k: R.key_data(R.split(k, 3))),
    "wrap_key_data": (14, lambda k: R.uniform(R.wrap_key_data(R.key_data(k)), (4,))),
    "clone": (15, lambda k: R.normal(R.clone(k), (4,))),
}


def cases():
    out = []
    for name, (seed, f) in CASES.items():
        out.append({"name": name, "seed": seed, "out": enc(f(R.PRNGKey(seed)))})
    return out


def main():
    result = {"jax_version": jax.__version__, "cases": cases()}
    path = os.path.join(os.path.dirname(__file__), "goldens", "random_breadth.json")
    with open(path, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
