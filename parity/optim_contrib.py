"""Goldens for equinox-optim's `contrib` module (issue 12): Optax 0.2.8's `optax.contrib`
optimisers (schedule-free, Muon, Prodigy, SAM, reduce-on-plateau, ADOPT, AdEMAMix,
D-Adaptation AdamW, Mechanic), float32,
from real Optax / JAX 0.10.2.

The trajectories follow `parity/optim.py`: 6 steps on the two-leaf parameters
{"b": f32[4], "w": f32[3,4]} with the same loss, gradients computed eagerly inside the loop. Each
step records the gradients fed to `update`, the updates, the parameters after
`optax.apply_updates` and the leaves of the new state in Optax's order; some cases add what
their optimiser needs (the loss value fed to `reduce_on_plateau`, schedule-free's evaluation
parameters, the gradients SAM's opaque mode asked for and where). Every optimiser runs with its
defaults and with non-default options. Newton-Schulz orthogonalisation is also checked alone, and
the constructors' argument errors by message. (Muon's "spectral" preconditioning needs an SVD,
which the Rust array library lacks: it is not ported, so not recorded.)

Run: .venv/bin/python parity/optim_contrib.py  (writes parity/goldens/optim_contrib.json)
Checked by crates/optim/tests/suite/contrib.rs.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax
from optax import contrib
from optax.contrib._muon import orthogonalize_via_newton_schulz

from golden_encoding import enc

STEPS = 6

# The loss values fed to `reduce_on_plateau`, one per step: a fall, a plateau, a fall, a rise.
PLATEAU_VALUES = [1.0, 0.5, 0.5, 0.4999, 0.3, 0.6]


def mask_matrices(params):
    return jax.tree.map(lambda x: x.ndim > 1, params)


def cases():
    return {
        # Schedule-free.
        "schedule_free_sgd": (contrib.schedule_free_sgd(0.1), "eval"),
        "schedule_free_sgd_options": (contrib.schedule_free_sgd(
            0.1, warmup_steps=2, b1=0.8, weight_decay=0.01, weight_lr_power=1.0), "eval"),
        "schedule_free_adamw": (contrib.schedule_free_adamw(), "eval"),
        "schedule_free_adamw_options": (contrib.schedule_free_adamw(
            0.01, warmup_steps=3, b1=0.95, b2=0.99, eps=1e-6, weight_decay=0.1), "eval"),
        "schedule_free_adam": (contrib.schedule_free(optax.adam(0.01, b1=0.0), 0.01), "eval"),
        "schedule_free_adam_schedule": (contrib.schedule_free(
            optax.adam(optax.linear_schedule(0.0, 0.02, 3), b1=0.0),
            optax.linear_schedule(0.0, 0.02, 3), b1=0.7, weight_lr_power=3.0), "eval"),
        # ADOPT.
        "scale_by_adopt": (contrib.scale_by_adopt(), None),
        "adopt": (contrib.adopt(0.01), None),
        "adopt_options": (contrib.adopt(
            0.01, b1=0.8, b2=0.99, eps=1e-4, nesterov=True, use_clipping=False), None),
        "adopt_clip_value_fn": (contrib.adopt(
            0.01, clip_value_fn=lambda c: 0.5 * (c + 1) ** 0.5), None),
        # AdEMAMix.
        "scale_by_ademamix": (contrib.scale_by_ademamix(), None),
        "ademamix": (contrib.ademamix(0.01), None),
        "ademamix_options": (contrib.ademamix(
            0.01, b1=0.8, b2=0.99, b3=0.95, alpha=3.0, eps=1e-6, eps_root=1e-8,
            weight_decay=0.1, mask=mask_matrices), None),
        "ademamix_schedules": (contrib.ademamix(
            0.01, b3=optax.linear_schedule(0.9, 0.999, 4),
            alpha=optax.linear_schedule(0.0, 5.0, 4)), None),
        "scale_by_simplified_ademamix": (contrib.scale_by_simplified_ademamix(), None),
        "simplified_ademamix": (contrib.simplified_ademamix(0.01), None),
        "simplified_ademamix_options": (contrib.simplified_ademamix(
            0.01, b1=0.9, b2=0.99, alpha=optax.linear_schedule(0.0, 2.0, 4), eps=1e-6,
            eps_root=1e-8, weight_decay=0.1), None),
        # Prodigy.
        "prodigy": (contrib.prodigy(), None),
        "prodigy_options": (contrib.prodigy(
            0.5, betas=(0.8, 0.99), beta3=0.9, eps=1e-6, estim_lr0=1e-4, estim_lr_coef=2.0,
            weight_decay=0.01, safeguard_warmup=True), None),
        "prodigy_schedule": (contrib.prodigy(optax.linear_schedule(1.0, 0.5, 4)), None),
        # D-Adaptation AdamW.
        "dadapt_adamw": (contrib.dadapt_adamw(), None),
        "dadapt_adamw_options": (contrib.dadapt_adamw(
            optax.linear_schedule(1.0, 0.5, 4), betas=(0.8, 0.99), eps=1e-6, estim_lr0=1e-4,
            weight_decay=0.01), None),
        # Mechanic.
        "mechanize_adam": (contrib.mechanize(optax.adam(0.01)), None),
        "mechanize_sgd_options": (contrib.mechanize(
            optax.sgd(0.1), weight_decay=0.0, eps=1e-6, s_init=1e-4, num_betas=4), None),
        # SAM (transparent mode: the caller alternates adversarial and outer steps).
        "sam": (contrib.sam(
            optax.sgd(0.1), optax.chain(contrib.normalize(), optax.sgd(0.05))), None),
        "sam_options": (contrib.sam(
            optax.adam(0.01), optax.chain(contrib.normalize(), optax.adam(0.05)),
            sync_period=3, reset_state=False), None),
        # SAM's opaque mode: one call runs the adversarial steps through `grad_fn`.
        "sam_opaque": (contrib.sam(
            optax.sgd(0.1), optax.chain(contrib.normalize(), optax.sgd(0.05)),
            opaque_mode=True), "opaque"),
        "sam_opaque_options": (contrib.sam(
            optax.adam(0.01), optax.chain(contrib.normalize(), optax.adam(0.05)),
            sync_period=3, reset_state=False, opaque_mode=True), "opaque"),
        # Reduce-on-plateau, fed `value=` (chained after an optimiser, as it is used).
        "reduce_on_plateau": (contrib.reduce_on_plateau(), "value"),
        "reduce_on_plateau_options": (optax.chain(optax.sgd(0.1), contrib.reduce_on_plateau(
            factor=0.5, patience=1, rtol=0.0, atol=1e-3, cooldown=1, min_scale=0.3)), "value"),
        "reduce_on_plateau_accumulation": (optax.chain(optax.adam(0.01), contrib.reduce_on_plateau(
            factor=0.5, patience=1, accumulation_size=2)), "value"),
        # Muon (Newton-Schulz on the matrix, AdamW on the vector).
        "muon": (contrib.muon(0.01), None),
        "muon_options": (contrib.muon(
            0.01, ns_steps=3, beta=0.9, eps=1e-6, weight_decay=0.1, nesterov=False,
            adam_b1=0.8, adam_b2=0.99, adam_eps_root=1e-8, adam_weight_decay=0.01,
            adam_learning_rate=0.005), None),
        "muon_dion_aol_adaptive": (contrib.muon(
            0.01, ns_coeffs="dion", preconditioning="aol", adaptive=True), None),
        "muon_schatten_consistent_rms": (contrib.muon(
            0.01, ns_coeffs=((3.0, -3.2, 1.2), (3.4445, -4.7750, 2.0315)), ns_steps=2,
            preconditioning="schatten", consistent_rms=0.2), None),
        "muon_dimension_numbers": (contrib.muon(
            0.01, muon_weight_dimension_numbers=lambda p: {
                "b": None, "w": contrib.MuonDimensionNumbers(reduction_axis=1, output_axis=0)}),
            None),
    }


def trajectories():
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

    def tree_enc(t):
        return {k: enc(v) for k, v in t.items()}

    out = {}
    for name, (opt, extra) in cases().items():
        params = params0
        state = opt.init(params)
        steps = []
        for i in range(STEPS):
            grads = grad(params)
            step = {"grads": tree_enc(grads)}
            if extra == "value":
                updates, state = opt.update(grads, state, params, value=PLATEAU_VALUES[i])
                step["value"] = PLATEAU_VALUES[i]
            elif extra == "opaque":
                calls = []

                def grad_fn(p, j, calls=calls):
                    g = grad(p)
                    calls.append({"params": tree_enc(p), "index": j, "grads": tree_enc(g)})
                    return g

                updates, state = opt.update(grads, state, params, grad_fn=grad_fn)
                step["grad_fn_calls"] = calls
            else:
                updates, state = opt.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            step["updates"] = tree_enc(updates)
            step["params"] = tree_enc(params)
            step["state"] = [enc(l) for l in jax.tree.leaves(state)]
            if extra == "eval":
                step["eval_params"] = tree_enc(contrib.schedule_free_eval_params(state, params))
            steps.append(step)
        out[name] = {
            "init_state": [enc(l) for l in jax.tree.leaves(opt.init(params0))],
            "steps": steps,
        }
    return {"params": tree_enc(params0)}, out


def newton_schulz():
    rng = np.random.default_rng(5)
    coeffs = jnp.asarray((3.4445, -4.7750, 2.0315))
    dion = jnp.asarray([(4.0848, -6.8946, 2.9270), (3.9505, -6.3029, 2.6377),
                        (3.7418, -5.5913, 2.3037), (2.8769, -3.1427, 1.2046),
                        (2.8366, -3.0525, 1.2012)])
    wide = rng.normal(size=(3, 5)).astype(np.float32)
    tall = rng.normal(size=(6, 2)).astype(np.float32)
    batched = rng.normal(size=(2, 3, 4)).astype(np.float32)
    conv = rng.normal(size=(2, 2, 3, 2)).astype(np.float32)
    dn = contrib.MuonDimensionNumbers
    specs = {
        "wide": (wide, coeffs, 5, "frobenius", 1e-8, None),
        "tall": (tall, coeffs, 5, "frobenius", 1e-8, None),
        "tall_steps_3_eps": (tall, coeffs, 3, "frobenius", 1e-3, None),
        "wide_aol": (wide, coeffs, 5, "aol", 1e-8, None),
        "tall_schatten": (tall, coeffs, 5, "schatten", 1e-8, None),
        "wide_dion": (wide, dion, 5, "frobenius", 1e-8, None),
        "batched": (batched, coeffs, 5, "frobenius", 1e-8, dn(reduction_axis=1, output_axis=2)),
        "conv_multi_axis": (conv, coeffs, 5, "frobenius", 1e-8,
                            dn(reduction_axis=(0, 1), output_axis=-1)),
        "transposed_axes": (wide, coeffs, 5, "frobenius", 1e-8, dn(reduction_axis=1,
                                                                    output_axis=0)),
    }
    out = {}
    for name, (x, c, steps, pre, eps, dims) in specs.items():
        y = orthogonalize_via_newton_schulz(
            jnp.asarray(x), c, steps, pre, eps, dims)
        out[name] = {
            "x": enc(x), "ns_steps": steps, "preconditioning": pre, "eps": eps,
            "coeffs": enc(np.asarray(c, np.float32)), "result": enc(y),
        }
    return out


def errors():
    out = {}
    for name, make in {
        "reduce_on_plateau_factor": lambda: contrib.reduce_on_plateau(factor=1.5),
        "reduce_on_plateau_negative_tol": lambda: contrib.reduce_on_plateau(rtol=-1.0),
        "reduce_on_plateau_zero_tol": lambda: contrib.reduce_on_plateau(rtol=0.0, atol=0.0),
        "reduce_on_plateau_rtol_above_one": lambda: contrib.reduce_on_plateau(rtol=2.0),
        "sam_sync_period": lambda: contrib.sam(optax.sgd(0.1), optax.sgd(0.1), sync_period=0),
        "muon_preset": lambda: contrib.muon(0.1, ns_coeffs="fast"),
        "newton_schulz_rank": lambda: orthogonalize_via_newton_schulz(
            jnp.ones((2, 2, 2)), jnp.asarray((3.4445, -4.7750, 2.0315))),
        "newton_schulz_coeffs": lambda: orthogonalize_via_newton_schulz(
            jnp.ones((2, 2)), jnp.ones((4,))),
        "newton_schulz_axes_overlap": lambda: orthogonalize_via_newton_schulz(
            jnp.ones((2, 3, 4)), jnp.asarray((3.4445, -4.7750, 2.0315)),
            dimension_numbers=contrib.MuonDimensionNumbers(0, -3)),
        "newton_schulz_rank_1": lambda: orthogonalize_via_newton_schulz(
            jnp.ones((3,)), jnp.asarray((3.4445, -4.7750, 2.0315)),
            dimension_numbers=contrib.MuonDimensionNumbers()),
        "newton_schulz_preconditioning": lambda: orthogonalize_via_newton_schulz(
            jnp.ones((2, 2)), jnp.asarray((3.4445, -4.7750, 2.0315)), 5, "newton"),
    }.items():
        try:
            make()
        except ValueError as e:
            out[name] = str(e)
        else:
            raise AssertionError(name)
    return out


def main():
    inputs, trajs = trajectories()
    out = {
        "_meta": {"jax": jax.__version__, "optax": optax.__version__, "steps": STEPS},
        "inputs": inputs,
        "trajectories": trajs,
        "newton_schulz": newton_schulz(),
        "errors": errors(),
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "goldens", "optim_contrib.json"), "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
