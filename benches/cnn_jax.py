"""JAX + Equinox + optax counterparts of benches/cnn.rs: convolutional training steps, float32,
random data.

usage: .venv/bin/python benches/cnn_jax.py [--min-time S]
(benches/run_cnn.sh runs it after the Rust bench and prints ratios.)

Workloads, as in the Rust bench:
  cnn           the Equinox tutorial's MNIST CNN ("Convolutional Neural Network on MNIST"):
                Conv2d(1, 3, 4) -> MaxPool2d(2) (stride 1) -> relu -> ravel -> Linear(1728, 512)
                -> sigmoid -> Linear(512, 64) -> relu -> Linear(64, 10) -> log_softmax, batch 64
                of (1, 28, 28), the tutorial's cross_entropy; the step is
                eqx.filter_jit(filter_value_and_grad -> optax.adamw(3e-4).update ->
                eqx.apply_updates), the optimiser's state an argument of the step
  resnet-block  a ResNet basic block, 64 channels, batch 32 of (64, 32, 32): conv3x3 (no bias,
                padding 1) -> BatchNorm(mode="batch", axis "batch") -> relu -> conv3x3 ->
                BatchNorm -> + input -> relu; the step is the filter_jit'd
                filter_value_and_grad(has_aux=True) of mean(output**2) with respect to the block,
                under jax.vmap(axis_name="batch", in_axes=(0, None), out_axes=(0, None)) with the
                State (eqx.nn.make_with_state) threaded from step to step; its line also carries
                conv_gflops: the two convolutions' forward flops (2 * 2*N*C*H*W*C*9) times 3
                (backward ~ 2x forward) over the median step time
first_call_s is the wall time of the first call (trace + lower + XLA compile + one run), after the
backend has been started by a trivial jit; first_loss is that call's loss (comparable across
implementations, where final_loss depends on how many steps the timing loop ran). Step times block on the step's outputs every step
(latency), in batches of steps as in the Rust bench; min and median per step. Prints one JSON
line per workload.
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

jax.jit(lambda x: x + 1)(jnp.ones(3)).block_until_ready()  # backend start-up, not timed


def emit(name, first, timing, loss, **extra):
    mn, med, reps = timing
    print(json.dumps({"kind": "train", "impl": "jax+equinox", "workload": name,
                      "first_call_s": first, "min_s": mn, "median_s": med, "reps": reps,
                      "final_loss": float(loss), **extra}), flush=True)


# --------------------------------------------------------------------------------------------
# cnn: the Equinox MNIST tutorial's model


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
    pred_y = jax.vmap(model)(x)
    pred_y = jnp.take_along_axis(pred_y, jnp.expand_dims(y, 1), axis=1)
    return -jnp.mean(pred_y)


def bench_cnn(model_key, data_key):
    kx, ky = jax.random.split(data_key)
    model = CNN(model_key)
    x = jax.random.normal(kx, (64, 1, 28, 28), jnp.float32)
    y = jax.random.randint(ky, (64,), 0, 10)
    optim = optax.adamw(3e-4)
    opt_state = optim.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def step(model, opt_state, x, y):
        loss, grads = eqx.filter_value_and_grad(cross_entropy)(model, x, y)
        updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    t0 = perf()
    model, opt_state, loss = step(model, opt_state, x, y)
    loss.block_until_ready()
    first = perf() - t0
    first_loss = float(loss)
    state = [model, opt_state, loss]

    def one_step():
        m, s, l = step(state[0], state[1], x, y)
        l.block_until_ready()
        state[0], state[1], state[2] = m, s, l

    timing = time_it(one_step, 5, args.min_time)
    emit("cnn", first, timing, state[2], first_loss=first_loss)


# --------------------------------------------------------------------------------------------
# resnet-block: a ResNet basic block with BatchNorm state

CHANNELS, BATCH, SIDE = 64, 32, 32


class BasicBlock(eqx.Module):
    conv1: eqx.nn.Conv2d
    bn1: eqx.nn.BatchNorm
    conv2: eqx.nn.Conv2d
    bn2: eqx.nn.BatchNorm

    def __init__(self, key):
        k1, k2 = jax.random.split(key)
        self.conv1 = eqx.nn.Conv2d(CHANNELS, CHANNELS, 3, padding=1, use_bias=False, key=k1)
        self.bn1 = eqx.nn.BatchNorm(CHANNELS, axis_name="batch", mode="batch")
        self.conv2 = eqx.nn.Conv2d(CHANNELS, CHANNELS, 3, padding=1, use_bias=False, key=k2)
        self.bn2 = eqx.nn.BatchNorm(CHANNELS, axis_name="batch", mode="batch")

    def __call__(self, x, state):
        y, state = self.bn1(self.conv1(x), state)
        y = self.conv2(jax.nn.relu(y))
        y, state = self.bn2(y, state)
        return jax.nn.relu(y + x), state


def block_loss(block, x, state):
    batched = jax.vmap(block, axis_name="batch", in_axes=(0, None), out_axes=(0, None))
    y, state = batched(x, state)
    return jnp.mean(y ** 2), state


def bench_resnet_block(model_key, data_key):
    block, state = eqx.nn.make_with_state(BasicBlock)(model_key)
    x = jax.random.normal(data_key, (BATCH, CHANNELS, SIDE, SIDE), jnp.float32)

    @eqx.filter_jit
    def step(block, x, state):
        (loss, state), grads = eqx.filter_value_and_grad(block_loss, has_aux=True)(block, x, state)
        return loss, grads, state

    t0 = perf()
    out = jax.block_until_ready(step(block, x, state))
    first = perf() - t0
    cur = [out[0], out[2]]

    def one_step():
        loss, grads, s = jax.block_until_ready(step(block, x, cur[1]))
        cur[0], cur[1] = loss, s

    timing = time_it(one_step, 1, args.min_time)
    conv_fwd = 2 * 2 * BATCH * CHANNELS * SIDE * SIDE * CHANNELS * 9
    emit("resnet-block", first, timing, cur[0], first_loss=float(out[0]),
         conv_gflops=round(3 * conv_fwd / timing[1] / 1e9, 2))


model_key, data_key = jax.random.split(jax.random.PRNGKey(0))
bench_cnn(model_key, data_key)
bench_resnet_block(model_key, data_key)
