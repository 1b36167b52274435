"""Goldens for equinox-optim's schedules (issue 12): every `optax.schedules` constructor of
Optax 0.2.8, with default and non-default options, evaluated at int32 step counts (as Optax's
states hold them) over its range and beyond, plus the messages of the bad-argument errors.

Each case records the constructor's arguments (for reading; the Rust test builds the same
schedule by the case's name), the steps and the float32 values.

Run: .venv/bin/python parity/optim_schedules.py  (writes parity/goldens/optim_schedules.json)
Checked by crates/optim/tests/suite/schedules.rs.
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import optax

from golden_encoding import enc

STEPS = list(range(0, 25)) + [30, 50, 100, 1000, 100000]


def cases():
    s = optax.schedules
    return {
        "constant": s.constant_schedule(0.3),
        "polynomial": s.polynomial_schedule(1.0, 0.01, 2, 10),
        "polynomial_begin": s.polynomial_schedule(1.0, 0.01, 2, 10, transition_begin=3),
        "polynomial_float_power": s.polynomial_schedule(0.5, 2.0, 0.5, 8),
        "polynomial_power3_rising": s.polynomial_schedule(0.1, 1.0, 3, 6, transition_begin=1),
        "polynomial_zero_steps": s.polynomial_schedule(1.0, 0.01, 2, 0),
        "polynomial_negative_steps": s.polynomial_schedule(1.0, 0.01, 2, -3),
        "polynomial_negative_begin": s.polynomial_schedule(1.0, 0.01, 2, 10, transition_begin=-4),
        "linear": s.linear_schedule(1.0, 0.1, 8),
        "linear_begin": s.linear_schedule(0.0, 2.0, 5, transition_begin=2),
        "linear_zero_steps": s.linear_schedule(1.0, 0.1, 0),
        "exponential_decay": s.exponential_decay(1.0, 3, 0.5),
        "exponential_decay_staircase": s.exponential_decay(1.0, 3, 0.5, staircase=True),
        "exponential_decay_begin": s.exponential_decay(2.0, 4, 0.8, transition_begin=5),
        "exponential_decay_end_lower": s.exponential_decay(1.0, 2, 0.5, end_value=0.1),
        "exponential_decay_end_upper": s.exponential_decay(0.1, 3, 2.0, end_value=1.5),
        "exponential_decay_all_options": s.exponential_decay(
            1.0, 2, 0.7, transition_begin=3, staircase=True, end_value=0.25),
        "exponential_decay_zero_rate": s.exponential_decay(1.0, 3, 0.0),
        "exponential_decay_zero_steps": s.exponential_decay(1.0, 0, 0.5),
        "exponential_decay_negative_begin": s.exponential_decay(1.0, 3, 0.5, transition_begin=-2),
        "cosine_decay": s.cosine_decay_schedule(1.0, 10),
        "cosine_decay_alpha": s.cosine_decay_schedule(0.5, 7, alpha=0.1),
        "cosine_decay_exponent": s.cosine_decay_schedule(2.0, 12, alpha=0.05, exponent=2.0),
        "warmup_cosine_decay": s.warmup_cosine_decay_schedule(0.0, 1.0, 3, 12),
        "warmup_cosine_decay_options": s.warmup_cosine_decay_schedule(
            0.1, 0.8, 4, 15, end_value=0.05, exponent=1.5),
        "warmup_cosine_decay_zero_peak": s.warmup_cosine_decay_schedule(0.5, 0.0, 2, 6),
        "warmup_cosine_decay_no_warmup": s.warmup_cosine_decay_schedule(0.0, 1.0, 0, 10,
                                                                        end_value=0.1),
        "piecewise_constant": s.piecewise_constant_schedule(1.0, {3: 0.5, 6: 0.1}),
        "piecewise_constant_unsorted": s.piecewise_constant_schedule(2.0, {8: 0.1, 2: 0.5, 5: 3.0}),
        "piecewise_constant_none": s.piecewise_constant_schedule(0.7),
        "piecewise_constant_zero_scale": s.piecewise_constant_schedule(1.0, {0: 2.0, 4: 0.0}),
        "join_schedules": s.join_schedules(
            [s.constant_schedule(1.0), s.linear_schedule(1.0, 0.0, 4),
             s.cosine_decay_schedule(0.5, 5)], [3, 7]),
        "piecewise_interpolate_linear": s.piecewise_interpolate_schedule(
            "linear", 1.0, {4: 0.1, 8: 0.01}),
        "piecewise_interpolate_cosine": s.piecewise_interpolate_schedule(
            "cosine", 1.0, {4: 0.1, 8: 0.01}),
        "piecewise_interpolate_linear_unsorted": s.piecewise_interpolate_schedule(
            "linear", 0.5, {10: 0.5, 0: 2.0, 5: 3.0}),
        "piecewise_interpolate_cosine_none": s.piecewise_interpolate_schedule("cosine", 0.3),
        "piecewise_interpolate_linear_empty": s.piecewise_interpolate_schedule("linear", 0.3, {}),
        "linear_onecycle": s.linear_onecycle_schedule(10, 1.0),
        "linear_onecycle_options": s.linear_onecycle_schedule(
            20, 0.5, pct_start=0.25, pct_final=0.75, div_factor=10.0, final_div_factor=100.0),
        "linear_onecycle_short": s.linear_onecycle_schedule(1, 1.0),
        "linear_onecycle_three": s.linear_onecycle_schedule(3, 2.0),
        "cosine_onecycle": s.cosine_onecycle_schedule(10, 1.0),
        "cosine_onecycle_options": s.cosine_onecycle_schedule(
            16, 2.0, pct_start=0.5, div_factor=5.0, final_div_factor=50.0),
        "cosine_onecycle_short": s.cosine_onecycle_schedule(1, 1.0),
        "warmup_constant": s.warmup_constant_schedule(0.0, 1.0, 4),
        "warmup_constant_no_warmup": s.warmup_constant_schedule(0.2, 1.0, 0),
        "warmup_exponential_decay": s.warmup_exponential_decay_schedule(0.0, 1.0, 3, 2, 0.5),
        "warmup_exponential_decay_options": s.warmup_exponential_decay_schedule(
            0.1, 1.0, 4, 3, 0.6, transition_begin=2, staircase=True, end_value=0.2),
        "sgdr": s.sgdr_schedule([
            dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=6),
            dict(init_value=0.1, peak_value=0.5, warmup_steps=1, decay_steps=5,
                 end_value=0.05, exponent=2.0),
            dict(init_value=0.0, peak_value=0.25, warmup_steps=0, decay_steps=4),
        ]),
        "sgdr_single": s.sgdr_schedule([
            dict(init_value=0.2, peak_value=1.0, warmup_steps=3, decay_steps=9, end_value=0.1),
        ]),
    }


def errors():
    s = optax.schedules
    calls = {
        "cosine_decay_zero_steps": lambda: s.cosine_decay_schedule(1.0, 0),
        "cosine_decay_negative_steps": lambda: s.cosine_decay_schedule(1.0, -5),
        "warmup_cosine_decay_short": lambda: s.warmup_cosine_decay_schedule(0.0, 1.0, 5, 5),
        "piecewise_constant_negative_scale": lambda: s.piecewise_constant_schedule(
            1.0, {2: 0.5, 4: -1.0}),
        "piecewise_interpolate_bad_type": lambda: s.piecewise_interpolate_schedule(
            "quadratic", 1.0, {2: 0.5}),
        "piecewise_interpolate_negative_scale": lambda: s.piecewise_interpolate_schedule(
            "linear", 1.0, {2: -0.5}),
        "linear_onecycle_zero_steps": lambda: s.linear_onecycle_schedule(0, 1.0),
        "cosine_onecycle_zero_steps": lambda: s.cosine_onecycle_schedule(0, 1.0),
        "sgdr_zero_length_cycle": lambda: s.sgdr_schedule([
            dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=2)]),
    }
    out = {}
    for name, call in calls.items():
        try:
            call()
        except ValueError as e:
            out[name] = str(e)
        else:
            raise AssertionError(f"{name} did not raise")
    return out


def main():
    values = {}
    for name, schedule in cases().items():
        vals = [jnp.asarray(schedule(jnp.asarray(i, jnp.int32))) for i in STEPS]
        values[name] = {"steps": STEPS, "values": enc(np.stack([np.asarray(v) for v in vals]))}
    out = {
        "_meta": {"jax": jax.__version__, "optax": optax.__version__},
        "schedules": values,
        "errors": errors(),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "optim_schedules.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
