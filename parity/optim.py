"""Goldens for equinox-optim (issue 12): Optax 0.2.8 optimiser trajectories and schedule values,
float32, from real Optax / JAX 0.10.2.

Every trajectory runs 6 steps on a two-leaf parameter dict {"b": f32[4], "w": f32[3,4]} with a
non-trivial loss whose gradients are computed inside the loop (eagerly, no jit: op by op, as the
Rust side runs). Each step records the gradients fed to `update`, the updates it returned, the
parameters after `optax.apply_updates` and the leaves of the new state in Optax's order
(`jax.tree.leaves(state)`); the Rust test feeds the same gradients and compares the rest.

Run: .venv/bin/python parity/optim.py  (writes parity/goldens/optim.json)
Checked by crates/optim/tests/parity.rs.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax

from golden_encoding import enc

STEPS = 6


def mask_matrices(params):
    # Weight decay on matrices only, the usual choice (Rust: a leaf predicate `x.ndim() > 1`).
    return jax.tree.map(lambda x: x.ndim > 1, params)


def trajectories():
    warmup_cosine = optax.warmup_cosine_decay_schedule(0.0, 0.05, 2, 6)
    cases = {
        "scale": optax.scale(-0.05),
        "scale_by_learning_rate": optax.scale_by_learning_rate(0.1),
        "scale_by_learning_rate_no_flip": optax.scale_by_learning_rate(0.1, flip_sign=False),
        "scale_by_learning_rate_schedule": optax.scale_by_learning_rate(
            optax.linear_schedule(0.1, 0.01, 4)),
        "scale_by_schedule": optax.scale_by_schedule(optax.exponential_decay(-0.1, 2, 0.5)),
        "trace": optax.trace(0.9),
        "trace_nesterov": optax.trace(0.5, nesterov=True),
        "sgd": optax.sgd(0.1),
        "sgd_momentum": optax.sgd(0.1, momentum=0.9),
        "sgd_nesterov": optax.sgd(0.1, momentum=0.9, nesterov=True),
        "sgd_momentum_bfloat16": optax.sgd(0.1, momentum=0.9, accumulator_dtype=jnp.bfloat16),
        "scale_by_adam": optax.scale_by_adam(),
        "scale_by_adam_options": optax.scale_by_adam(b1=0.8, b2=0.99, eps=1e-6, eps_root=1e-8),
        "adam": optax.adam(0.01),
        "adam_nesterov": optax.adam(0.01, nesterov=True),
        "adam_schedule": optax.adam(warmup_cosine),
        "adam_mu_dtype_bfloat16": optax.adam(0.01, mu_dtype=jnp.bfloat16),
        "add_decayed_weights": optax.add_decayed_weights(0.1),
        "add_decayed_weights_masked": optax.add_decayed_weights(0.1, mask_matrices),
        "add_decayed_weights_schedule": optax.add_decayed_weights(
            optax.exponential_decay(0.1, 2, 0.5)),
        "adamw": optax.adamw(0.01),
        "adamw_masked": optax.adamw(0.01, weight_decay=0.1, mask=mask_matrices),
        "adamw_weight_decay_schedule": optax.adamw(
            0.01, weight_decay=optax.linear_schedule(0.1, 0.0, 5)),
        "masked_adam": optax.masked(optax.adam(0.01), mask_matrices),
        "clip": optax.clip(0.05),
        "clip_by_global_norm": optax.clip_by_global_norm(0.1),
        "clip_by_global_norm_inactive": optax.clip_by_global_norm(100.0),
        "chain_clip_adam": optax.chain(optax.clip_by_global_norm(0.5), optax.adam(0.01)),
        "scale_by_rms": optax.scale_by_rms(),
        "scale_by_rms_options": optax.scale_by_rms(
            decay=0.8, eps=1e-4, initial_scale=0.1, eps_in_sqrt=False, bias_correction=True),
        "scale_by_stddev": optax.scale_by_stddev(),
        "rmsprop": optax.rmsprop(0.01),
        "rmsprop_momentum": optax.rmsprop(0.01, momentum=0.9, nesterov=True),
        "rmsprop_centered": optax.rmsprop(0.01, centered=True, bias_correction=True),
        "scale_by_rss": optax.scale_by_rss(),
        "adagrad": optax.adagrad(0.1),
        "adagrad_options": optax.adagrad(0.1, initial_accumulator_value=0.5, eps=1e-3),
        "scale_by_lion": optax.scale_by_lion(),
        "lion": optax.lion(0.001),
        "lion_options": optax.lion(0.003, b1=0.95, b2=0.98, weight_decay=0.1),
    }

    rng = np.random.default_rng(12)
    x = jnp.asarray(rng.uniform(-1, 1, size=(5, 3)).astype(np.float32))
    y = jnp.asarray(rng.uniform(-1, 1, size=(5, 4)).astype(np.float32))
    params0 = {
        "b": jnp.asarray(rng.uniform(-0.5, 0.5, size=(4,)).astype(np.float32)),
        "w": jnp.asarray(rng.uniform(-1, 1, size=(3, 4)).astype(np.float32)),
    }

    def loss(p):
        pred = jnp.tanh(x @ p["w"] + p["b"])
        return jnp.mean((pred - y) ** 2) + 0.01 * jnp.sum(p["w"] ** 4)

    grad = jax.grad(loss)
    out = {}
    for name, opt in cases.items():
        params = params0
        state = opt.init(params)
        steps = []
        for _ in range(STEPS):
            grads = grad(params)
            updates, state = opt.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            steps.append({
                "grads": {k: enc(v) for k, v in grads.items()},
                "updates": {k: enc(v) for k, v in updates.items()},
                "params": {k: enc(v) for k, v in params.items()},
                "state": [enc(l) for l in jax.tree.leaves(state)],
            })
        out[name] = {
            "init_state": [enc(l) for l in jax.tree.leaves(opt.init(params0))],
            "steps": steps,
        }
    inputs = {"x": enc(x), "y": enc(y), "params": {k: enc(v) for k, v in params0.items()}}
    return inputs, out


def schedules():
    cases = {
        "constant_schedule": optax.constant_schedule(0.3),
        "linear_schedule": optax.linear_schedule(0.1, 0.01, 5, transition_begin=2),
        "polynomial_schedule": optax.polynomial_schedule(1.0, 0.1, 2, 8),
        "polynomial_schedule_fractional_power": optax.polynomial_schedule(0.5, 0.05, 0.5, 7, 1),
        "polynomial_schedule_no_steps": optax.polynomial_schedule(0.5, 0.05, 2, 0),
        "exponential_decay": optax.exponential_decay(0.5, 3, 0.7),
        "exponential_decay_staircase": optax.exponential_decay(0.5, 3, 0.7, staircase=True),
        "exponential_decay_end_value": optax.exponential_decay(
            0.5, 2, 0.6, transition_begin=2, end_value=0.2),
        "exponential_decay_growth": optax.exponential_decay(0.1, 2, 1.5, end_value=0.5),
        "cosine_decay_schedule": optax.cosine_decay_schedule(0.2, 7),
        "cosine_decay_schedule_options": optax.cosine_decay_schedule(
            0.2, 9, alpha=0.1, exponent=1.5),
        "warmup_cosine_decay_schedule": optax.warmup_cosine_decay_schedule(
            0.0, 1.0, 3, 10, end_value=0.05),
        "piecewise_constant_schedule": optax.piecewise_constant_schedule(
            0.5, {3: 0.5, 6: 0.1}),
        "join_schedules": optax.join_schedules(
            [optax.constant_schedule(1.0), optax.linear_schedule(1.0, 0.0, 4)], [3]),
    }
    out = {}
    for name, sched in cases.items():
        values = [float(np.asarray(sched(jnp.asarray(i, jnp.int32)))) for i in range(13)]
        out[name] = values
    return out


def errors():
    out = {}
    for name, make in {
        "cosine_decay_schedule": lambda: optax.cosine_decay_schedule(0.1, 0),
        "warmup_cosine_decay_schedule": lambda: optax.warmup_cosine_decay_schedule(
            0.0, 1.0, 5, 5),
        "piecewise_constant_schedule": lambda: optax.piecewise_constant_schedule(
            1.0, {2: 0.5, 4: -1.0}),
    }.items():
        try:
            make()
        except ValueError as e:
            out[name] = str(e)
        else:
            raise AssertionError(name)
    return out


def global_norms():
    tree = {"a": jnp.asarray([3.0, -4.0], jnp.float32),
            "b": jnp.asarray([[1.5, 2.5], [-0.5, 0.25]], jnp.float32)}
    return {"two_leaves": float(optax.tree.norm(tree))}


def main():
    inputs, trajs = trajectories()
    out = {
        "_meta": {"jax": jax.__version__, "optax": optax.__version__, "steps": STEPS},
        "inputs": inputs,
        "trajectories": trajs,
        "schedules": schedules(),
        "schedule_errors": errors(),
        "global_norm": global_norms(),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "goldens", "optim.json"), "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
