"""Goldens for equinox-optim (issue 12): Optax 0.2.8 optimiser trajectories and schedule values,
float32, from real Optax / JAX 0.10.2.

Every trajectory runs 6 steps on a two-leaf parameter dict {"b": f32[4], "w": f32[3,4]} with a
non-trivial loss whose gradients are computed inside the loop (eagerly, no jit: op by op, as the
Rust side runs). Each step records the gradients fed to `update`, the updates it returned, the
parameters after `optax.apply_updates` and the leaves of the new state in Optax's order
(`jax.tree.leaves(state)`); the Rust test feeds the same gradients and compares the rest.

Run: .venv/bin/python parity/optim.py  (writes parity/goldens/optim.json)
Checked by crates/optim/tests/suite/parity.rs.
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


def state_leaves(state):
    """The state's leaves in Optax's order; a typed PRNG key as its `uint32` key data (what
    the Rust state holds)."""
    def leaf(l):
        if jnp.issubdtype(l.dtype, jax.dtypes.prng_key):
            l = jax.random.key_data(l)
        return enc(l)
    return [leaf(l) for l in jax.tree.leaves(state)]


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
        # The rest of Optax's optimisers (issue 12, part "optimisers"): defaults, then one
        # case with non-default settings each.
        "adamax": optax.adamax(0.01),
        "adamax_options": optax.adamax(0.01, b1=0.8, b2=0.99, eps=1e-6),
        "adamaxw": optax.adamaxw(0.01),
        "adamaxw_masked": optax.adamaxw(0.01, weight_decay=0.1, mask=mask_matrices),
        "amsgrad": optax.amsgrad(0.01),
        "amsgrad_options": optax.amsgrad(
            0.01, b1=0.8, b2=0.99, eps_root=1e-8, bias_correction_nu=False),
        "nadam": optax.nadam(0.01),
        "nadam_options": optax.nadam(0.01, b1=0.8, b2=0.99, eps=1e-6),
        "nadamw": optax.nadamw(0.01),
        "nadamw_options": optax.nadamw(0.01, weight_decay=0.1, mask=mask_matrices),
        "radam": optax.radam(0.01),
        "radam_options": optax.radam(0.01, b2=0.99, threshold=3.0, nesterov=True),
        "adabelief": optax.adabelief(0.01),
        "adabelief_options": optax.adabelief(
            0.01, b1=0.8, eps=1e-8, eps_root=0.0, nesterov=True),
        "adadelta": optax.adadelta(),
        "adadelta_options": optax.adadelta(0.5, rho=0.8, eps=1e-4, weight_decay=0.01),
        "adafactor": optax.adafactor(),
        "adafactor_options": optax.adafactor(
            0.01, min_dim_size_to_factor=2, clipping_threshold=0.5, momentum=0.9,
            weight_decay_rate=0.001, decay_offset=1),
        "adafactor_unfactored_no_scale": optax.adafactor(
            0.05, multiply_by_parameter_scale=False, clipping_threshold=None, factored=False,
            decay_rate=0.5),
        "adan": optax.adan(0.01),
        "adan_options": optax.adan(0.01, b1=0.9, b2=0.9, b3=0.95, eps_root=0.0,
                                   weight_decay=0.01),
        "lamb": optax.lamb(0.01),
        "lamb_options": optax.lamb(0.01, weight_decay=0.01, mask=mask_matrices),
        "lars": optax.lars(0.1),
        "lars_options": optax.lars(0.1, weight_decay=0.01, trust_coefficient=0.01, eps=1e-6,
                                   trust_ratio_mask=mask_matrices, momentum=0.8,
                                   nesterov=True),
        "novograd": optax.novograd(0.01),
        "novograd_options": optax.novograd(0.01, b1=0.8, b2=0.5, eps_root=1e-8,
                                           weight_decay=0.01),
        "rprop": optax.rprop(0.01),
        "rprop_options": optax.rprop(0.01, eta_minus=0.3, eta_plus=1.5, min_step_size=0.005,
                                     max_step_size=0.02),
        "sm3": optax.sm3(0.1),
        "sm3_options": optax.sm3(0.1, momentum=0.5),
        "scale_by_sm3_options": optax.scale_by_sm3(b1=0.8, b2=0.9, eps=1e-4),
        "yogi": optax.yogi(0.01),
        "yogi_options": optax.yogi(0.01, b1=0.8, b2=0.99, eps=1e-4),
        "scale_by_yogi_options": optax.scale_by_yogi(eps_root=1e-8, initial_accumulator_value=0.1),
        "fromage": optax.fromage(0.01),
        "fromage_options": optax.fromage(0.05, min_norm=0.5),
        "fromage_schedule": optax.fromage(optax.linear_schedule(0.05, 0.01, 4)),
        "noisy_sgd": optax.noisy_sgd(0.01, key=0),
        "noisy_sgd_options": optax.noisy_sgd(0.01, eta=0.1, gamma=0.3, key=5),
        "sign_sgd": optax.sign_sgd(0.01),
        "sign_sgd_schedule": optax.sign_sgd(optax.exponential_decay(0.01, 2, 0.5)),
        "polyak_sgd": optax.polyak_sgd(),
        "polyak_sgd_options": optax.polyak_sgd(
            max_learning_rate=0.5, scaling=0.5, f_min=0.01, eps=1e-3, variant="sps+"),
        "optimistic_gradient_descent": optax.optimistic_gradient_descent(0.01),
        "optimistic_gradient_descent_options": optax.optimistic_gradient_descent(
            0.01, alpha=0.5, beta=2.0),
        "lbfgs": optax.lbfgs(),
        "lbfgs_options": optax.lbfgs(
            0.5, memory_size=3, scale_init_precond=False, linesearch=None),
        "lbfgs_linesearch_options": optax.lbfgs(
            memory_size=4, linesearch=optax.scale_by_zoom_linesearch(
                max_linesearch_steps=10, slope_rtol=1e-3, curv_rtol=0.5,
                initial_guess_strategy="keep")),
        # Blocks on their own.
        "ema": optax.ema(0.9),
        "ema_options": optax.ema(0.8, debias=False, accumulator_dtype=jnp.bfloat16),
        "centralize": optax.centralize(),
        "set_to_zero": optax.set_to_zero(),
        "scale_by_sign": optax.scale_by_sign(),
        "scale_by_param_block_norm": optax.scale_by_param_block_norm(),
        "scale_by_param_block_rms": optax.scale_by_param_block_rms(min_scale=0.6),
        "scale_by_trust_ratio": optax.scale_by_trust_ratio(),
        "scale_by_trust_ratio_options": optax.scale_by_trust_ratio(
            min_norm=0.05, trust_coefficient=0.5, eps=1e-3),
        "add_noise": optax.add_noise(0.1, 0.55, key=3),
        "scale_by_distance_over_gradients": optax.scale_by_distance_over_gradients(),
        "scale_by_distance_over_gradients_options": optax.scale_by_distance_over_gradients(
            reps_rel=1e-3, eps=1e-6, global_scale=0.5),
        "scale_by_polyak": optax.scale_by_polyak(),
        "scale_by_rprop": optax.scale_by_rprop(0.02),
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

    value_and_grad = jax.value_and_grad(loss)
    out = {}
    for name, opt in cases.items():
        params = params0
        state = opt.init(params)
        steps = []
        for _ in range(STEPS):
            value, grads = value_and_grad(params)
            step = {"grads": {k: enc(v) for k, v in grads.items()}}
            if "polyak" in name:
                # The objective's value is an extra argument of `update` (Rust:
                # `update_with_value`).
                updates, state = opt.update(grads, state, params, value=value)
                step["value"] = enc(value)
            elif name.startswith("lbfgs"):
                # L-BFGS's line search also evaluates the loss at trial points (Rust: the
                # same loss, written with Rust's operations).
                updates, state = opt.update(
                    grads, state, params, value=value, grad=grads, value_fn=loss)
                step["value"] = enc(value)
            else:
                updates, state = opt.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            step.update({
                "updates": {k: enc(v) for k, v in updates.items()},
                "params": {k: enc(v) for k, v in params.items()},
                "state": state_leaves(state),
            })
            steps.append(step)
        out[name] = {
            "init_state": state_leaves(opt.init(params0)),
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
