"""Goldens for the transformations (issue 5): gradients, Hessians and vmapped gradients of a
dozen functions, and make_jaxpr structure, from real JAX 0.10.2 on CPU (float32).

Run: /work/venv/bin/python parity/transforms.py  (writes parity/goldens/transforms.json)
Every function here is mirrored in crates/core/tests/suite/transforms_parity.rs by the same name.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

from golden_encoding import enc

rng = np.random.default_rng(0)


def arr(*shape):
    return jnp.asarray(rng.uniform(-1.0, 1.0, size=shape).astype(np.float32))


W = arr(4, 5)
B = arr(4)
W2 = arr(3, 4)
K = arr(2, 1, 3)  # conv kernel OIW


def sin_sq(x):
    return jnp.sum(jnp.sin(x) * x**2)


def tanh_layer(x):
    return jnp.sum(jnp.tanh(W @ x + B))


def logsumexp(x):
    return jax.nn.logsumexp(x)


def softmax_xent(x):
    label = jnp.arange(5) == 2
    return -jnp.sum(jax.nn.log_softmax(x) * label)


def mlp(x):
    h = jax.nn.relu(W @ x + B)
    return jnp.sum(jnp.tanh(W2 @ h))


def norm(x):
    return jnp.sqrt(jnp.sum(x**2))


def strided_product(x):
    return jnp.sum(x[::2][:2] * x[1::2])


def cumsum_sq(x):
    return jnp.sum(jnp.cumsum(x) ** 2)


def sorted_weighted(x):
    return jnp.sum(jnp.sort(x) * jnp.arange(5.0))


def max_minus_min(x):
    return jnp.max(x) - jnp.min(x) + jnp.mean(x**3)


def piecewise(x):
    return jnp.sum(jnp.where(x > 0, x**2, -x))


def conv1d(x):
    y = jax.lax.conv_general_dilated(x.reshape(1, 1, 5), K, (1,), "VALID")
    return jnp.sum(y**2)


def logaddexp_exp(x):
    return jnp.sum(jnp.logaddexp(x, 2.0 * x) * jnp.exp(-x))


FUNCTIONS = [sin_sq, tanh_layer, logsumexp, softmax_xent, mlp, norm, strided_product,
             cumsum_sq, sorted_weighted, max_minus_min, piecewise, conv1d, logaddexp_exp]
HESSIANS = ["sin_sq", "tanh_layer", "logsumexp", "norm", "cumsum_sq", "logaddexp_exp"]


def jaxpr_structure(f, *args):
    """The primitive names of a jaxpr's top-level equations, in order."""
    j = jax.make_jaxpr(f)(*args)
    return [str(e.primitive) for e in j.jaxpr.eqns], str(j)


def main():
    x = arr(5)
    xs = arr(3, 5)
    out = {"constants": {"W": enc(W), "B": enc(B), "W2": enc(W2), "K": enc(K)},
           "x": enc(x), "xs": enc(xs), "functions": {}}
    for f in FUNCTIONS:
        entry = {
            "value": enc(f(x)),
            "grad": enc(jax.grad(f)(x)),
            "vmap_grad": enc(jax.vmap(jax.grad(f))(xs)),
            "vmap_value": enc(jax.vmap(f)(xs)),
        }
        if f.__name__ in HESSIANS:
            entry["hessian"] = enc(jax.hessian(f)(x))
        out["functions"][f.__name__] = entry
    y = arr(3)
    out["jaxprs"] = {}
    for name, f, args in [
        ("sin_mul", lambda a, b: jnp.sin(a) * b, (y, y)),
        ("grad_sin_sq", jax.grad(lambda a: jnp.sum(jnp.sin(a) * a * a)), (y,)),
        ("vmap_dot", jax.vmap(lambda a, b: jnp.sum(a * b)), (xs, xs)),
        ("tanh_layer", tanh_layer, (x,)),
    ]:
        names, text = jaxpr_structure(f, *args)
        out["jaxprs"][name] = {"primitives": names, "text": text}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "goldens", "transforms.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
