//! Parity of every schedule with Optax 0.2.8: `parity/goldens/optim_schedules.json`, written
//! by `parity/optim_schedules.py`. Each case's schedule is built here with the arguments the
//! script gave Optax and evaluated at the same int32 step counts; values compare under the
//! float32 rule. The bad-argument cases must panic with Optax's `ValueError` message.

use std::sync::Arc;

use equinox_core::{Array, DType};
use equinox_optim::{self as optim, DynSchedule, ExponentialDecayOptions};
use equinox_testing::golden::encoded;
use equinox_testing::panics::panic_message;
use equinox_testing::{assert_close, Golden, Tolerance};

fn exp_opts(
    transition_begin: i64,
    staircase: bool,
    end_value: Option<f64>,
) -> ExponentialDecayOptions {
    ExponentialDecayOptions {
        transition_begin,
        staircase,
        end_value,
    }
}

/// The schedule the script built under `name`.
fn build(name: &str) -> DynSchedule {
    use optim::*;
    match name {
        "constant" => Arc::new(constant_schedule(0.3)),
        "polynomial" => Arc::new(polynomial_schedule(1.0, 0.01, 2.0, 10)),
        "polynomial_begin" => Arc::new(polynomial_schedule_with_options(
            1.0,
            0.01,
            2.0,
            10,
            PolynomialScheduleOptions {
                transition_begin: 3,
            },
        )),
        "polynomial_float_power" => Arc::new(polynomial_schedule(0.5, 2.0, 0.5, 8)),
        "polynomial_power3_rising" => Arc::new(polynomial_schedule_with_options(
            0.1,
            1.0,
            3.0,
            6,
            PolynomialScheduleOptions {
                transition_begin: 1,
            },
        )),
        "polynomial_zero_steps" => Arc::new(polynomial_schedule(1.0, 0.01, 2.0, 0)),
        "polynomial_negative_steps" => Arc::new(polynomial_schedule(1.0, 0.01, 2.0, -3)),
        "polynomial_negative_begin" => Arc::new(polynomial_schedule_with_options(
            1.0,
            0.01,
            2.0,
            10,
            PolynomialScheduleOptions {
                transition_begin: -4,
            },
        )),
        "linear" => Arc::new(linear_schedule(1.0, 0.1, 8)),
        "linear_begin" => Arc::new(linear_schedule_with_options(
            0.0,
            2.0,
            5,
            PolynomialScheduleOptions {
                transition_begin: 2,
            },
        )),
        "linear_zero_steps" => Arc::new(linear_schedule(1.0, 0.1, 0)),
        "exponential_decay" => Arc::new(exponential_decay(1.0, 3, 0.5)),
        "exponential_decay_staircase" => Arc::new(exponential_decay_with_options(
            1.0,
            3,
            0.5,
            exp_opts(0, true, None),
        )),
        "exponential_decay_begin" => Arc::new(exponential_decay_with_options(
            2.0,
            4,
            0.8,
            exp_opts(5, false, None),
        )),
        "exponential_decay_end_lower" => Arc::new(exponential_decay_with_options(
            1.0,
            2,
            0.5,
            exp_opts(0, false, Some(0.1)),
        )),
        "exponential_decay_end_upper" => Arc::new(exponential_decay_with_options(
            0.1,
            3,
            2.0,
            exp_opts(0, false, Some(1.5)),
        )),
        "exponential_decay_all_options" => Arc::new(exponential_decay_with_options(
            1.0,
            2,
            0.7,
            exp_opts(3, true, Some(0.25)),
        )),
        "exponential_decay_zero_rate" => Arc::new(exponential_decay(1.0, 3, 0.0)),
        "exponential_decay_zero_steps" => Arc::new(exponential_decay(1.0, 0, 0.5)),
        "exponential_decay_negative_begin" => Arc::new(exponential_decay_with_options(
            1.0,
            3,
            0.5,
            exp_opts(-2, false, None),
        )),
        "cosine_decay" => Arc::new(cosine_decay_schedule(1.0, 10)),
        "cosine_decay_alpha" => Arc::new(cosine_decay_schedule_with_options(
            0.5,
            7,
            CosineDecayOptions {
                alpha: 0.1,
                exponent: 1.0,
            },
        )),
        "cosine_decay_exponent" => Arc::new(cosine_decay_schedule_with_options(
            2.0,
            12,
            CosineDecayOptions {
                alpha: 0.05,
                exponent: 2.0,
            },
        )),
        "warmup_cosine_decay" => Arc::new(warmup_cosine_decay_schedule(0.0, 1.0, 3, 12)),
        "warmup_cosine_decay_options" => Arc::new(warmup_cosine_decay_schedule_with_options(
            0.1,
            0.8,
            4,
            15,
            WarmupCosineDecayOptions {
                end_value: 0.05,
                exponent: 1.5,
            },
        )),
        "warmup_cosine_decay_zero_peak" => Arc::new(warmup_cosine_decay_schedule(0.5, 0.0, 2, 6)),
        "warmup_cosine_decay_no_warmup" => Arc::new(warmup_cosine_decay_schedule_with_options(
            0.0,
            1.0,
            0,
            10,
            WarmupCosineDecayOptions {
                end_value: 0.1,
                exponent: 1.0,
            },
        )),
        "piecewise_constant" => Arc::new(piecewise_constant_schedule(1.0, &[(3, 0.5), (6, 0.1)])),
        "piecewise_constant_unsorted" => Arc::new(piecewise_constant_schedule(
            2.0,
            &[(8, 0.1), (2, 0.5), (5, 3.0)],
        )),
        "piecewise_constant_none" => Arc::new(piecewise_constant_schedule(0.7, &[])),
        "piecewise_constant_zero_scale" => {
            Arc::new(piecewise_constant_schedule(1.0, &[(0, 2.0), (4, 0.0)]))
        }
        "join_schedules" => Arc::new(join_schedules(
            vec![
                Arc::new(constant_schedule(1.0)),
                Arc::new(linear_schedule(1.0, 0.0, 4)),
                Arc::new(cosine_decay_schedule(0.5, 5)),
            ],
            &[3, 7],
        )),
        "piecewise_interpolate_linear" => Arc::new(piecewise_interpolate_schedule(
            "linear",
            1.0,
            &[(4, 0.1), (8, 0.01)],
        )),
        "piecewise_interpolate_cosine" => Arc::new(piecewise_interpolate_schedule(
            "cosine",
            1.0,
            &[(4, 0.1), (8, 0.01)],
        )),
        "piecewise_interpolate_linear_unsorted" => Arc::new(piecewise_interpolate_schedule(
            "linear",
            0.5,
            &[(10, 0.5), (0, 2.0), (5, 3.0)],
        )),
        "piecewise_interpolate_cosine_none" => {
            Arc::new(piecewise_interpolate_schedule("cosine", 0.3, &[]))
        }
        "piecewise_interpolate_linear_empty" => {
            Arc::new(piecewise_interpolate_schedule("linear", 0.3, &[]))
        }
        "linear_onecycle" => Arc::new(linear_onecycle_schedule(10, 1.0)),
        "linear_onecycle_options" => Arc::new(linear_onecycle_schedule_with_options(
            20,
            0.5,
            LinearOnecycleOptions {
                pct_start: 0.25,
                pct_final: 0.75,
                div_factor: 10.0,
                final_div_factor: 100.0,
            },
        )),
        "linear_onecycle_short" => Arc::new(linear_onecycle_schedule(1, 1.0)),
        "linear_onecycle_three" => Arc::new(linear_onecycle_schedule(3, 2.0)),
        "cosine_onecycle" => Arc::new(cosine_onecycle_schedule(10, 1.0)),
        "cosine_onecycle_options" => Arc::new(cosine_onecycle_schedule_with_options(
            16,
            2.0,
            CosineOnecycleOptions {
                pct_start: 0.5,
                div_factor: 5.0,
                final_div_factor: 50.0,
            },
        )),
        "cosine_onecycle_short" => Arc::new(cosine_onecycle_schedule(1, 1.0)),
        "warmup_constant" => Arc::new(warmup_constant_schedule(0.0, 1.0, 4)),
        "warmup_constant_no_warmup" => Arc::new(warmup_constant_schedule(0.2, 1.0, 0)),
        "warmup_exponential_decay" => {
            Arc::new(warmup_exponential_decay_schedule(0.0, 1.0, 3, 2, 0.5))
        }
        "warmup_exponential_decay_options" => {
            Arc::new(warmup_exponential_decay_schedule_with_options(
                0.1,
                1.0,
                4,
                3,
                0.6,
                exp_opts(2, true, Some(0.2)),
            ))
        }
        "sgdr" => Arc::new(sgdr_schedule(&[
            SgdrCycle {
                init_value: 0.0,
                peak_value: 1.0,
                warmup_steps: 2,
                decay_steps: 6,
                ..Default::default()
            },
            SgdrCycle {
                init_value: 0.1,
                peak_value: 0.5,
                warmup_steps: 1,
                decay_steps: 5,
                end_value: 0.05,
                exponent: 2.0,
            },
            SgdrCycle {
                peak_value: 0.25,
                decay_steps: 4,
                ..Default::default()
            },
        ])),
        "sgdr_single" => Arc::new(sgdr_schedule(&[SgdrCycle {
            init_value: 0.2,
            peak_value: 1.0,
            warmup_steps: 3,
            decay_steps: 9,
            end_value: 0.1,
            ..Default::default()
        }])),
        other => panic!("no Rust schedule for golden case {other}"),
    }
}

#[test]
fn schedules_follow_optax() {
    let g = Golden::load("optim_schedules");
    for (name, case) in g.section("schedules").entries() {
        let schedule = build(name);
        let want = encoded(&case["values"]);
        assert_eq!(want.dtype, "float32", "{name}");
        let got: Vec<f64> = case["steps"]
            .as_array()
            .expect("a list of steps")
            .iter()
            .map(|s| {
                let step = s.as_i64().expect("an integer step") as i32;
                let v = schedule(&Array::scalar(step));
                assert_eq!(v.shape(), &[] as &[usize], "{name} at {step}: a scalar");
                // A constant comes back as a weakly typed scalar (Optax's Python float),
                // which `jnp.asarray` makes float32.
                let v = if v.weak_type() {
                    v.astype(DType::F32)
                } else {
                    v
                };
                assert_eq!(v.dtype(), DType::F32, "{name} at {step}: float32");
                v.item::<f32>() as f64
            })
            .collect();
        assert_close(name, &got, &want.data, Tolerance::F32);
    }
    g.assert_sections_read(&["schedules"]);
}

/// Runs `f`, which must panic, and returns its message.
#[test]
fn bad_arguments_panic_with_optax_messages() {
    use optim::*;
    let g = Golden::load("optim_schedules");
    for (name, want) in g.section("errors").entries() {
        let want = want.as_str().expect("a message");
        let got = panic_message(|| match name {
            "cosine_decay_zero_steps" => drop(cosine_decay_schedule(1.0, 0)),
            "cosine_decay_negative_steps" => drop(cosine_decay_schedule(1.0, -5)),
            "warmup_cosine_decay_short" => drop(warmup_cosine_decay_schedule(0.0, 1.0, 5, 5)),
            "piecewise_constant_negative_scale" => {
                drop(piecewise_constant_schedule(1.0, &[(2, 0.5), (4, -1.0)]))
            }
            "piecewise_interpolate_bad_type" => drop(piecewise_interpolate_schedule(
                "quadratic",
                1.0,
                &[(2, 0.5)],
            )),
            "piecewise_interpolate_negative_scale" => {
                drop(piecewise_interpolate_schedule("linear", 1.0, &[(2, -0.5)]))
            }
            "linear_onecycle_zero_steps" => drop(linear_onecycle_schedule(0, 1.0)),
            "cosine_onecycle_zero_steps" => drop(cosine_onecycle_schedule(0, 1.0)),
            "sgdr_zero_length_cycle" => drop(sgdr_schedule(&[SgdrCycle {
                peak_value: 1.0,
                warmup_steps: 2,
                decay_steps: 2,
                ..Default::default()
            }])),
            other => panic!("no Rust call for golden error case {other}"),
        });
        assert_eq!(got, want, "{name}");
    }
    g.assert_sections_read(&["errors"]);
}

/// Schedules work on traced counts too: under `filter_jit` (as inside an optimiser step) the
/// values are the eager ones.
#[test]
fn schedules_trace_under_jit() {
    use equinox_core::transforms::jit;
    let s = optim::piecewise_interpolate_schedule("cosine", 1.0, &[(4, 0.1), (8, 0.01)]);
    let jitted = jit(|c: &Array| s(c));
    for step in [0, 3, 5, 9] {
        let c = Array::scalar(step);
        assert_eq!(jitted(&c).item::<f32>(), s(&c).item::<f32>(), "step {step}");
    }
}
