"""Goldens for equinox-optim's combinators, clipping and constraints (issue 12), and the
optimiser state files of the state round trip, from real Optax 0.2.8 / JAX 0.10.2 / Equinox.

Trajectories run 6 steps on the parameters and loss of `parity/optim.py` (a dict
{"b": f32[4], "w": f32[3,4]}), eagerly. Some cases feed a non-finite gradient at chosen steps
(`nan_steps`: element 1 of "b" becomes NaN) to exercise `apply_if_finite`, `zero_nans` and
MultiSteps' skipping. Each step records the gradients fed to `update`, and the leaves
(`jax.tree.leaves`) of the updates, of the parameters after `optax.apply_updates` and of the
new state; the Rust test feeds the same gradients and compares the rest.

`functions` holds the plain functions (per-example clipping, `unitwise_norm`,
`incremental_update`, `periodic_update`). `state_files` describes the `.eqx` files: an Adam
state and a chain(clip_by_global_norm, adamw) state after 3 steps, saved with
`eqx.tree_serialise_leaves`, with the 3 steps that follow.

Run: .venv/bin/python parity/optim_combine.py
  (writes parity/goldens/optim_combine.json, optim_state_adam.eqx, optim_state_chain.eqx)
Checked by crates/optim/tests/suite/combine.rs and crates/optim/tests/suite/state_io.rs.
"""

import functools
import json
import os

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from golden_encoding import enc

STEPS = 6
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens")


def leaves(tree):
    return [enc(l) for l in jax.tree.leaves(tree)]


def by_ndim(p):
    # Rust: `Labels::new(|_, x| if x.ndim() > 1 { "mat" } else { "vec" })`.
    return jax.tree.map(lambda x: "mat" if x.ndim > 1 else "vec", p)


def vectors(p):
    return jax.tree.map(lambda x: x.ndim == 1, p)


def every_k(step):
    # Rust: `|s: &Array| jnp::minimum(s, 2) + 1`: accumulate 1, then 2, then 3 steps.
    return jnp.minimum(step, 2) + 1


def problem():
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

    return x, y, params0, loss


def with_nan(grads):
    return {**grads, "b": grads["b"].at[1].set(jnp.nan)}


def trajectories(params0, loss):
    inject_adam = optax.inject_hyperparams(optax.adam)(learning_rate=0.01)
    inject_sgd = optax.inject_hyperparams(optax.sgd)(
        learning_rate=optax.linear_schedule(0.1, 0.01, 4), momentum=0.9)
    # name -> (transformation, options)
    cases = {
        "named_chain": (optax.named_chain(
            ("clip", optax.clip_by_global_norm(0.5)), ("adam", optax.adam(0.01))), {}),
        "named_chain_momentum": (optax.named_chain(
            ("momentum", optax.trace(0.9)), ("lr", optax.scale(-0.1))), {}),
        "partition": (optax.partition(
            {"mat": optax.adam(0.01), "vec": optax.sgd(0.1)}, by_ndim), {}),
        "partition_label_tree": (optax.partition(
            {"frozen": optax.set_to_zero(), "train": optax.adam(0.01)},
            {"b": "frozen", "w": "train"}), {}),
        "multi_transform": (optax.multi_transform(
            {"mat": optax.sgd(0.1, momentum=0.9), "vec": optax.adam(0.05)}, by_ndim), {}),
        "freeze": (optax.freeze(vectors), {}),
        "freeze_chain_adam": (optax.chain(optax.freeze(vectors), optax.adam(0.01)), {}),
        "selective_transform": (optax.selective_transform(
            optax.adam(0.01), freeze_mask={"b": False, "w": True}), {}),
        "apply_if_finite": (optax.apply_if_finite(optax.adam(0.01), 2),
                            {"nan_steps": [2, 3]}),
        "apply_if_finite_no_errors": (optax.apply_if_finite(optax.sgd(0.1), 0),
                                      {"nan_steps": [2]}),
        "multi_steps": (optax.MultiSteps(optax.adam(0.01), 3), {}),
        "multi_steps_sum": (optax.MultiSteps(optax.sgd(0.1), 2, use_grad_mean=False), {}),
        "multi_steps_schedule": (optax.MultiSteps(optax.adam(0.01), every_k), {}),
        "multi_steps_skip_not_finite": (optax.MultiSteps(
            optax.adam(0.01), 2, should_skip_update_fn=optax.skip_not_finite),
            {"nan_steps": [2]}),
        "multi_steps_skip_large_updates": (optax.MultiSteps(
            optax.sgd(0.1), 2, should_skip_update_fn=functools.partial(
                optax.skip_large_updates, max_squared_norm=0.12)), {}),
        "apply_every": (optax.apply_every(3), {}),
        "apply_every_default": (optax.chain(optax.apply_every(), optax.sgd(0.1)), {}),
        "inject_hyperparams": (inject_adam, {"set_learning_rate": [3, 0.001]}),
        "inject_hyperparams_schedule": (inject_sgd, {}),
        "lookahead": (optax.lookahead(optax.sgd(0.1), 2, 0.5), {"lookahead": True}),
        "lookahead_reset": (optax.lookahead(optax.adam(0.01), 3, 0.3, reset_state=True),
                            {"lookahead": True}),
        "clip_by_block_rms": (optax.clip_by_block_rms(0.02), {}),
        "clip_by_block_rms_inactive": (optax.clip_by_block_rms(1.0), {}),
        "adaptive_grad_clip": (optax.adaptive_grad_clip(0.1), {}),
        "adaptive_grad_clip_options": (optax.adaptive_grad_clip(0.02, eps=0.3, axis=0), {}),
        "zero_nans": (optax.zero_nans(), {"nan_steps": [2, 4]}),
        "zero_nans_chain_adam": (optax.chain(optax.zero_nans(), optax.adam(0.01)),
                                 {"nan_steps": [1]}),
        "keep_params_nonnegative": (optax.keep_params_nonnegative(), {}),
        "keep_params_nonnegative_sgd": (optax.chain(
            optax.sgd(0.5), optax.keep_params_nonnegative()), {}),
    }

    grad = jax.grad(loss)
    out = {}
    for name, (opt, options) in cases.items():
        is_lookahead = options.get("lookahead", False)
        params = optax.LookaheadParams.init_synced(params0) if is_lookahead else params0
        state = opt.init(params)
        init_state = leaves(state)
        steps = []
        for i in range(STEPS):
            if "set_learning_rate" in options and options["set_learning_rate"][0] == i:
                lr = state.hyperparams["learning_rate"]
                state.hyperparams["learning_rate"] = jnp.asarray(
                    options["set_learning_rate"][1], lr.dtype)
            grads = grad(params.fast if is_lookahead else params)
            if i in options.get("nan_steps", []):
                grads = with_nan(grads)
            updates, state = opt.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            step = {
                "grads": {k: enc(v) for k, v in grads.items()},
                "updates": leaves(updates),
                "params": leaves(params),
                "state": leaves(state),
            }
            if isinstance(opt, optax.MultiSteps):
                step["has_updated"] = bool(opt.has_updated(state))
            steps.append(step)
        out[name] = {"init_state": init_state, "steps": steps}
    return out


def functions(x, y, params0):
    def example_loss(p, xi, yi):
        pred = jnp.tanh(xi @ p["w"] + p["b"])
        return jnp.sum((pred - yi) ** 2) + 0.01 * jnp.sum(p["w"] ** 4)

    per_example = jax.vmap(jax.grad(example_loss), in_axes=(None, 0, 0))(params0, x, y)
    out = {"per_example_grads": {k: enc(v) for k, v in per_example.items()}}
    for name, clip in [("global_0.5", 0.5), ("global_100", 100.0)]:
        s, n = optax.per_example_global_norm_clip(per_example, clip)
        out["per_example_global_norm_clip_" + name] = {
            "sum": {k: enc(v) for k, v in s.items()}, "num_clipped": enc(n)}
    for name, uniform in [("uniform", True), ("by_size", False)]:
        s, n = optax.per_example_layer_norm_clip(per_example, 0.8, uniform=uniform)
        out["per_example_layer_norm_clip_" + name] = {
            "sum": {k: enc(v) for k, v in s.items()},
            "num_clipped": {k: enc(v) for k, v in n.items()}}
    rng = np.random.default_rng(5)
    unitwise = {}
    for name, shape, axis in [("scalar", (), None), ("vector", (4,), None),
                              ("squeezable", (1, 5), None), ("matrix", (3, 4), None),
                              ("multihead", (2, 3, 2), None), ("conv", (2, 2, 3, 2), None),
                              ("conv3d", (2, 2, 2, 2, 3), None), ("axis_1", (3, 4), 1),
                              ("axes_0_2", (2, 3, 2), (0, 2))]:
        a = jnp.asarray(rng.uniform(-1, 1, size=shape).astype(np.float32))
        unitwise[name] = {"x": enc(a), "norm": enc(optax.transforms.unitwise_norm(a, axis=axis))}
    out["unitwise_norm"] = unitwise
    new = {k: v * 2 + 1 for k, v in params0.items()}
    out["incremental_update"] = {k: enc(v) for k, v in
                                 optax.incremental_update(new, params0, 0.3).items()}
    out["periodic_update"] = {
        str(steps): [enc(l) for l in jax.tree.leaves(
            optax.periodic_update(new, params0, jnp.asarray(steps, jnp.int32), 3))]
        for steps in [0, 4, 6]
    }
    out["new"] = {k: enc(v) for k, v in new.items()}
    return out


def state_files(params0, loss):
    grad = jax.grad(loss)
    files = {}
    for name, opt in [
        ("adam", optax.adam(0.01)),
        ("chain", optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(0.01))),
    ]:
        params = params0
        state = opt.init(params)
        for _ in range(3):
            updates, state = opt.update(grad(params), state, params)
            params = optax.apply_updates(params, updates)
        path = os.path.join(OUT, f"optim_state_{name}.eqx")
        eqx.tree_serialise_leaves(path, state)
        saved = {"params": {k: enc(v) for k, v in params.items()}, "state": leaves(state)}
        after = []
        for _ in range(3):
            grads = grad(params)
            updates, state = opt.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            after.append({"grads": {k: enc(v) for k, v in grads.items()},
                          "params": {k: enc(v) for k, v in params.items()},
                          "state": leaves(state)})
        files[name] = {"file": f"optim_state_{name}.eqx", "saved": saved, "after": after}
    return files


def main():
    x, y, params0, loss = problem()
    out = {
        "jax_version": jax.__version__,
        "inputs": {"params": {k: enc(v) for k, v in params0.items()}},
        "trajectories": trajectories(params0, loss),
        "functions": functions(x, y, params0),
        "state_files": state_files(params0, loss),
    }
    with open(os.path.join(OUT, "optim_combine.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
