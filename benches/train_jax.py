"""JAX + Equinox + optax counterparts of benches/train.rs: training steps, float32, random data.

usage: /work/venv/bin/python benches/train_jax.py [--min-time S]
(benches/run_train.sh runs it after the Rust bench and prints ratios.)

Workloads, as in the Rust bench and in the reference /work/shared/reference-bench/train_bench.py
(but with optax.sgd instead of adam, to match the Rust SGD step):
  tiny1 / tiny32  eqx.nn.MLP 2-32-32-1 relu, batch 1 / 32, mean squared error
  mlp             eqx.nn.MLP 784-512-512-10 relu, batch 128, softmax cross-entropy
  mlp-adam        the same step with optax.adam(1e-3)
  adamw-10m       optax.adamw(1e-3)'s update + eqx.apply_updates alone, jitted, on ten (1000, 1000)
                  f32 parameters (10M) with fixed gradients
The step is eqx.filter_jit(filter_value_and_grad -> optax.sgd(1e-2).update -> eqx.apply_updates).
first_call_s is the wall time of the first call (trace + lower + XLA compile + one run), after the
backend has been started by a trivial jit. Step times block on the loss every step (latency), in
batches of steps as in the Rust bench; min and median per step. Prints one JSON line per workload.
"""
import argparse
import json
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from timing_jax import time_it

p = argparse.ArgumentParser()
p.add_argument("--min-time", type=float, default=2.0)
args = p.parse_args()

perf = time.perf_counter
LEARNING_RATE = 1e-2

jax.jit(lambda x: x + 1)(jnp.ones(3)).block_until_ready()  # backend start-up, not timed


def mse(m, x, y):
    return jnp.mean((jax.vmap(m)(x) - y) ** 2)


def xent(m, x, y):
    return optax.softmax_cross_entropy_with_integer_labels(jax.vmap(m)(x), y).mean()


def bench(name, model, loss_fn, x, y, batch, optim=None):
    optim = optim or optax.sgd(LEARNING_RATE)
    opt_state = optim.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def step(model, opt_state, x, y):
        loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
        updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    t0 = perf()
    model, opt_state, loss = step(model, opt_state, x, y)
    loss.block_until_ready()
    first = perf() - t0
    state = [model, opt_state, loss]

    def one_step():
        m, s, l = step(state[0], state[1], x, y)
        l.block_until_ready()
        state[0], state[1], state[2] = m, s, l

    mn, med, reps = time_it(one_step, batch, args.min_time)
    print(json.dumps({"kind": "train", "impl": "jax+equinox", "workload": name,
                      "first_call_s": first, "min_s": mn, "median_s": med, "reps": reps,
                      "final_loss": float(state[2])}), flush=True)


mkey, dkey = jax.random.split(jax.random.PRNGKey(0))
kx, ky = jax.random.split(dkey)
for name, b in (("tiny1", 1), ("tiny32", 32)):
    model = eqx.nn.MLP(2, 1, width_size=32, depth=2, activation=jax.nn.relu, key=mkey)
    x = jax.random.normal(kx, (b, 2), jnp.float32)
    y = jax.random.normal(ky, (b, 1), jnp.float32)
    bench(name, model, mse, x, y, 100)
model = eqx.nn.MLP(784, 10, width_size=512, depth=2, activation=jax.nn.relu, key=mkey)
x = jax.random.normal(kx, (128, 784), jnp.float32)
y = jax.random.randint(ky, (128,), 0, 10)
bench("mlp", model, xent, x, y, 5)
bench("mlp-adam", model, xent, x, y, 5, optax.adam(1e-3))


def bench_adamw_update(name, key):
    keys = jax.random.split(key, 20)
    params = [jax.random.normal(k, (1000, 1000), jnp.float32) for k in keys[:10]]
    grads = [jax.random.normal(k, (1000, 1000), jnp.float32) for k in keys[10:]]
    optim = optax.adamw(1e-3)
    opt_state = optim.init(params)

    @eqx.filter_jit
    def step(params, opt_state, grads):
        updates, opt_state = optim.update(grads, opt_state, params)
        return eqx.apply_updates(params, updates), opt_state

    t0 = perf()
    params, opt_state = step(params, opt_state, grads)
    jax.block_until_ready(params)
    first = perf() - t0
    state = [params, opt_state]

    def one_step():
        p, s = step(state[0], state[1], grads)
        jax.block_until_ready(p)
        state[0], state[1] = p, s

    mn, med, reps = time_it(one_step, 5, args.min_time)
    print(json.dumps({"kind": "train", "impl": "jax+equinox", "workload": name,
                      "first_call_s": first, "min_s": mn, "median_s": med, "reps": reps,
                      "final_loss": float(jnp.mean(state[0][0]))}), flush=True)


bench_adamw_update("adamw-10m", mkey)
