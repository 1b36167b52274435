"""JAX counterparts of benches/pjrt.rs: the MLP (SGD) and CNN (AdamW) training steps, float32,
random data, on JAX's own CPU backend or, with --plugin PATH, on that PJRT plugin (the one
benches/pjrt.rs runs on, so both sides use the same XLA).

usage: .venv/bin/python benches/pjrt_jax.py [--plugin PATH] [--min-time S]
(benches/run_pjrt.sh runs it after the Rust bench and prints ratios.)

Workloads, as in the Rust bench (and benches/train_jax.py, benches/cnn_jax.py):
  mlp  eqx.nn.MLP 784-512-512-10 relu, batch 128, softmax cross-entropy, optax.sgd(1e-2)
  cnn  the Equinox MNIST tutorial's CNN, batch 64, optax.adamw(3e-4)
The step is eqx.filter_jit(filter_value_and_grad -> optimiser update -> eqx.apply_updates);
each step feeds the next and blocks on its loss, read back as a float (as the Rust side does).
first_call_s: trace + lower + XLA compile + one step. Prints one JSON line per workload, impl
"jax" or "jax-pjrt".
"""
import argparse
import json
import time

p = argparse.ArgumentParser()
p.add_argument("--plugin", default=None)
p.add_argument("--min-time", type=float, default=2.0)
p.add_argument("only", nargs="*")
args = p.parse_args()

import jax  # noqa: E402

if args.plugin:
    from jax._src import xla_bridge

    xla_bridge.register_plugin("eqxplugin", priority=500, library_path=args.plugin, options=None)
    jax.config.update("jax_platforms", "eqxplugin")

import equinox as eqx  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from timing_jax import time_it

IMPL = "jax-pjrt" if args.plugin else "jax"
perf = time.perf_counter
jax.jit(lambda x: x + 1)(jnp.ones(3)).block_until_ready()  # backend start-up, not timed


def bench(name, model, loss_fn, x, y, optim):
    opt_state = optim.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def step(model, opt_state, x, y):
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
        updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    t0 = perf()
    model, opt_state, loss = step(model, opt_state, x, y)
    first_loss = float(loss)
    first = perf() - t0
    state = [model, opt_state]

    def one_step():
        m, s, l = step(state[0], state[1], x, y)
        float(l)
        state[0], state[1] = m, s

    mn, med, reps = time_it(one_step, 5, args.min_time)
    print(json.dumps({"kind": "train", "impl": IMPL, "workload": name, "first_call_s": first,
                      "min_s": mn, "median_s": med, "reps": reps, "first_loss": first_loss}),
          flush=True)


def xent(m, x, y):
    return optax.softmax_cross_entropy_with_integer_labels(jax.vmap(m)(x), y).mean()


class CNN(eqx.Module):
    layers: list

    def __init__(self, key):
        key1, key2, key3, key4 = jax.random.split(key, 4)
        self.layers = [
            eqx.nn.Conv2d(1, 3, kernel_size=4, key=key1),
            eqx.nn.MaxPool2d(kernel_size=2),
            jax.nn.relu,
            jnp.ravel,
            eqx.nn.Linear(1728, 512, key=key2),
            jax.nn.sigmoid,
            eqx.nn.Linear(512, 64, key=key3),
            jax.nn.relu,
            eqx.nn.Linear(64, 10, key=key4),
            jax.nn.log_softmax,
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def cross_entropy(model, x, y):
    pred_y = jnp.take_along_axis(jax.vmap(model)(x), jnp.expand_dims(y, 1), axis=1)
    return -jnp.mean(pred_y)


def wanted(name):
    return not args.only or any(o in name for o in args.only)


mkey, dkey = jax.random.split(jax.random.PRNGKey(0))
if wanted("mlp"):
    kx, ky = jax.random.split(dkey)
    model = eqx.nn.MLP(784, 10, width_size=512, depth=2, activation=jax.nn.relu, key=mkey)
    x = jax.random.normal(kx, (128, 784), jnp.float32)
    y = jax.random.randint(ky, (128,), 0, 10)
    bench("mlp", model, xent, x, y, optax.sgd(1e-2))
if wanted("cnn"):
    kx, ky = jax.random.split(dkey)
    x = jax.random.normal(kx, (64, 1, 28, 28), jnp.float32)
    y = jax.random.randint(ky, (64,), 0, 10)
    bench("cnn", CNN(mkey), cross_entropy, x, y, optax.adamw(3e-4))
