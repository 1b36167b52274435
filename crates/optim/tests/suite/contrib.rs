//! Parity of `equinox_optim::contrib` with Optax 0.2.8's `optax.contrib`:
//! `parity/goldens/optim_contrib.json`, written by `parity/optim_contrib.py`.
//!
//! Each trajectory feeds the gradients Optax saw at each of 6 steps to the same optimiser
//! here and compares the updates, the parameters after `apply_updates` and every leaf of the
//! new state (in Optax's leaf order) under the float32 rule (1e-6 relative; counts exactly),
//! plus what the optimiser adds: schedule-free's evaluation parameters, the loss values of
//! reduce-on-plateau, the gradient calls of SAM's opaque mode. The constructors' argument
//! errors are compared with Optax's messages.

use equinox_core::tree::{self, PyTree};
use equinox_core::Array;
use equinox_optim::contrib::{self, *};
use equinox_optim::{self as optim, GradientTransformation, Mask};
use equinox_testing::close::Scale;
use equinox_testing::golden::number;
use equinox_testing::panics::panic_message;
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

use crate::common;
use common::{decode, decode_tree, Params};

/// How a case's float32 values are compared: the tolerance and what it is relative to
/// (integers always compare exactly).
#[derive(Clone, Copy)]
struct Cmp {
    scale: Scale,
    rtol: f64,
}

/// The float32 rule: 1e-6 relative to each element.
const F32: Cmp = Cmp {
    scale: Scale::Element,
    rtol: 1e-6,
};

/// SAM's outer step moves the parameters back to the cache and on, `cache - params + u`: a
/// difference of parameters, which holds their rounding (an ulp of a parameter), so it is
/// compared relative to the largest element.
const SAM: Cmp = Cmp {
    scale: Scale::Case,
    rtol: 1e-6,
};

/// XLA's float32 `pow` is not correctly rounded (`0.999f32 ** 3` comes out an ulp high), and
/// the step size of Prodigy and D-Adaptation holds `sqrt(1 - b2**t)`, where the cancellation
/// turns that ulp into about 2e-5 relative.
const PRODIGY: Cmp = Cmp {
    scale: Scale::Element,
    rtol: 5e-5,
};

/// Each Newton-Schulz step is three float32 matrix products, summed in a different order than
/// XLA's; the iteration (coefficients up to 4.1) amplifies those roundings to a few ulp of the
/// result.
const NEWTON_SCHULZ: Cmp = Cmp {
    scale: Scale::Case,
    rtol: 1e-5,
};

/// Panics unless `got` matches the golden array under `cmp` (integers exactly).
fn check_array(what: &str, got: &Array, want: &Value, cmp: Cmp) {
    common::check_array_with(what, got, want, cmp.scale, |dtype| match dtype {
        "float32" => Tolerance::rel(cmp.rtol),
        other => Tolerance::for_dtype(other),
    });
}

fn check_tree(what: &str, got: &Params, want: &Value, cmp: Cmp) {
    common::check_tree_with(what, got, want, |what, g, w| check_array(what, g, w, cmp));
}

fn check_state_leaves<S: PyTree>(what: &str, state: &S, want: &Value, cmp: Cmp) {
    common::check_leaves_with(what, state, want, |what, _, g, w| {
        check_array(what, g, w, cmp)
    });
}

/// How one update is called: plainly, or with what the optimiser needs beyond the trait.
trait Stepper {
    type T: GradientTransformation;
    fn opt(&self) -> &Self::T;
    fn step(
        &self,
        grads: &Params,
        state: &<Self::T as GradientTransformation>::State<Params>,
        params: &Params,
        golden_step: &Value,
    ) -> (Params, <Self::T as GradientTransformation>::State<Params>) {
        let _ = golden_step;
        self.opt().update(grads, state, Some(params))
    }
    /// Extra checks after a step (schedule-free's evaluation parameters).
    fn check_after(
        &self,
        _what: &str,
        _state: &<Self::T as GradientTransformation>::State<Params>,
        _params: &Params,
        _golden_step: &Value,
    ) {
    }
}

struct Plain<T>(T);
impl<T: GradientTransformation> Stepper for Plain<T> {
    type T = T;
    fn opt(&self) -> &T {
        &self.0
    }
}

/// A schedule-free optimiser: also compares `schedule_free_eval_params` at every step.
struct Eval<T>(T);
impl<T: GradientTransformation, L: Hyperparameter> Stepper for Eval<ScheduleFree<T, L>> {
    type T = ScheduleFree<T, L>;
    fn opt(&self) -> &Self::T {
        &self.0
    }
    fn check_after(
        &self,
        what: &str,
        state: &ScheduleFreeState<T::State<Params>, Params>,
        params: &Params,
        golden_step: &Value,
    ) {
        let eval = schedule_free_eval_params(state, params);
        check_tree(
            &format!("{what} eval_params"),
            &eval,
            &golden_step["eval_params"],
            F32,
        );
    }
}

/// A transformation that takes the loss value: fed the golden's.
struct WithValue<T>(T);
impl<T: UpdateWithValue> Stepper for WithValue<T> {
    type T = T;
    fn opt(&self) -> &T {
        &self.0
    }
    fn step(
        &self,
        grads: &Params,
        state: &T::State<Params>,
        params: &Params,
        golden_step: &Value,
    ) -> (Params, T::State<Params>) {
        let value = Array::scalar(number(&golden_step["value"]) as f32);
        self.0.update_with_value(grads, state, Some(params), &value)
    }
}

/// SAM in opaque mode: `grad_fn` checks it is asked at the adversarial parameters Optax's was
/// asked at, then answers with the gradients JAX computed there.
struct Opaque<O, A>(Sam<O, A>);
impl<O: GradientTransformation, A: GradientTransformation> Stepper for Opaque<O, A> {
    type T = Sam<O, A>;
    fn opt(&self) -> &Self::T {
        &self.0
    }
    fn step(
        &self,
        grads: &Params,
        state: &SamState<O::State<Params>, A::State<Params>, Params>,
        params: &Params,
        golden_step: &Value,
    ) -> (Params, SamState<O::State<Params>, A::State<Params>, Params>) {
        let calls = golden_step["grad_fn_calls"].as_array().expect("calls");
        let mut n = 0;
        let out = self.0.update_opaque(grads, state, Some(params), |p, i| {
            let call = &calls[n];
            n += 1;
            assert_eq!(i as f64, number(&call["index"]), "grad_fn index");
            check_tree("grad_fn params", p, &call["params"], F32);
            decode_tree(&call["grads"])
        });
        assert_eq!(n, calls.len(), "grad_fn calls");
        out
    }
}

fn run<S: Stepper>(name: &str, stepper: S, case: &Value, params0: &Params, scale: Cmp) {
    let opt = stepper.opt();
    let mut params = params0.clone();
    let mut state = opt.init(&params);
    check_state_leaves(&format!("{name} init"), &state, &case["init_state"], scale);
    let steps = case["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 6);
    for (i, step) in steps.iter().enumerate() {
        let what = format!("{name} step {i}");
        let grads = decode_tree(&step["grads"]);
        let (updates, new_state) = stepper.step(&grads, &state, &params, step);
        params = optim::apply_updates(&params, &updates);
        state = new_state;
        check_tree(
            &format!("{what} updates"),
            &updates,
            &step["updates"],
            scale,
        );
        check_tree(&format!("{what} params"), &params, &step["params"], scale);
        check_state_leaves(&format!("{what} state"), &state, &step["state"], scale);
        stepper.check_after(&what, &state, &params, step);
    }
}

fn matrices() -> Mask {
    Mask::new(|_, x| x.ndim() > 1)
}

fn run_named(name: &str, case: &Value, p: &Params) {
    let el = F32;
    match name {
        "schedule_free_sgd" => run(name, Eval(schedule_free_sgd(0.1)), case, p, el),
        "schedule_free_sgd_options" => run(
            name,
            Eval(schedule_free_sgd_with_options(
                0.1,
                ScheduleFreeSgdOptions {
                    warmup_steps: Some(2),
                    weight_decay: Some(0.01),
                    schedule_free: ScheduleFreeOptions {
                        b1: 0.8,
                        weight_lr_power: 1.0,
                        ..Default::default()
                    },
                },
            )),
            case,
            p,
            el,
        ),
        "schedule_free_adamw" => run(name, Eval(schedule_free_adamw(0.0025)), case, p, el),
        "schedule_free_adamw_options" => run(
            name,
            Eval(schedule_free_adamw_with_options(
                0.01,
                ScheduleFreeAdamWOptions {
                    warmup_steps: Some(3),
                    b2: 0.99,
                    eps: 1e-6,
                    weight_decay: 0.1,
                    schedule_free: ScheduleFreeOptions {
                        b1: 0.95,
                        ..Default::default()
                    },
                },
            )),
            case,
            p,
            el,
        ),
        "schedule_free_adam" => run(
            name,
            Eval(schedule_free(
                optim::adam_with_options(
                    0.01,
                    optim::AdamOptions {
                        b1: 0.0,
                        ..Default::default()
                    },
                ),
                0.01,
            )),
            case,
            p,
            el,
        ),
        "schedule_free_adam_schedule" => run(
            name,
            Eval(schedule_free_with_options(
                optim::adam_with_options(
                    optim::linear_schedule(0.0, 0.02, 3),
                    optim::AdamOptions {
                        b1: 0.0,
                        ..Default::default()
                    },
                ),
                optim::linear_schedule(0.0, 0.02, 3),
                ScheduleFreeOptions {
                    b1: 0.7,
                    weight_lr_power: 3.0,
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "scale_by_adopt" => run(name, Plain(scale_by_adopt()), case, p, el),
        "adopt" => run(name, Plain(adopt(0.01)), case, p, el),
        "adopt_options" => run(
            name,
            Plain(adopt_with_options(
                0.01,
                ScaleByAdoptOptions {
                    b1: 0.8,
                    b2: 0.99,
                    eps: 1e-4,
                    nesterov: true,
                    use_clipping: false,
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "adopt_clip_value_fn" => run(
            name,
            Plain(adopt_with_options(
                0.01,
                ScaleByAdoptOptions {
                    clip_value_fn: ClipValueFn::new(|c| {
                        0.5 * equinox_core::numpy::power(&(c + 1), &Array::weak_scalar(0.5))
                    }),
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "scale_by_ademamix" => run(name, Plain(scale_by_ademamix()), case, p, el),
        "ademamix" => run(name, Plain(ademamix(0.01)), case, p, el),
        "ademamix_options" => run(
            name,
            Plain(ademamix_with_options(
                0.01,
                AdemamixOptions {
                    ademamix: ScaleByAdemamixOptions {
                        b1: 0.8,
                        b2: 0.99,
                        b3: 0.95,
                        alpha: 3.0,
                        eps: 1e-6,
                        eps_root: 1e-8,
                        mu_dtype: None,
                    },
                    weight_decay: 0.1,
                    mask: Some(matrices()),
                },
            )),
            case,
            p,
            el,
        ),
        "ademamix_schedules" => run(
            name,
            Plain(ademamix_with_options(
                0.01,
                AdemamixOptions {
                    ademamix: ScaleByAdemamixOptions {
                        b1: 0.9,
                        b2: 0.999,
                        b3: optim::linear_schedule(0.9, 0.999, 4),
                        alpha: optim::linear_schedule(0.0, 5.0, 4),
                        eps: 1e-8,
                        eps_root: 0.0,
                        mu_dtype: None,
                    },
                    weight_decay: 0.0,
                    mask: None,
                },
            )),
            case,
            p,
            el,
        ),
        "scale_by_simplified_ademamix" => {
            run(name, Plain(scale_by_simplified_ademamix()), case, p, el)
        }
        "simplified_ademamix" => run(name, Plain(simplified_ademamix(0.01)), case, p, el),
        "simplified_ademamix_options" => run(
            name,
            Plain(simplified_ademamix_with_options(
                0.01,
                SimplifiedAdemamixOptions {
                    ademamix: ScaleBySimplifiedAdemamixOptions {
                        b1: 0.9,
                        b2: 0.99,
                        alpha: optim::linear_schedule(0.0, 2.0, 4),
                        eps: 1e-6,
                        eps_root: 1e-8,
                    },
                    weight_decay: 0.1,
                    mask: None,
                },
            )),
            case,
            p,
            el,
        ),
        "prodigy" => run(name, Plain(prodigy(1.0)), case, p, PRODIGY),
        "prodigy_options" => run(
            name,
            Plain(prodigy_with_options(
                0.5,
                ProdigyOptions {
                    betas: (0.8, 0.99),
                    beta3: Some(0.9),
                    eps: 1e-6,
                    estim_lr0: 1e-4,
                    estim_lr_coef: 2.0,
                    weight_decay: 0.01,
                    safeguard_warmup: true,
                },
            )),
            case,
            p,
            PRODIGY,
        ),
        "prodigy_schedule" => run(
            name,
            Plain(prodigy(optim::linear_schedule(1.0, 0.5, 4))),
            case,
            p,
            PRODIGY,
        ),
        "dadapt_adamw" => run(name, Plain(dadapt_adamw(1.0)), case, p, PRODIGY),
        "dadapt_adamw_options" => run(
            name,
            Plain(dadapt_adamw_with_options(
                optim::linear_schedule(1.0, 0.5, 4),
                DAdaptAdamWOptions {
                    betas: (0.8, 0.99),
                    eps: 1e-6,
                    estim_lr0: 1e-4,
                    weight_decay: 0.01,
                },
            )),
            case,
            p,
            PRODIGY,
        ),
        "mechanize_adam" => run(name, Plain(mechanize(optim::adam(0.01))), case, p, el),
        "mechanize_sgd_options" => run(
            name,
            Plain(mechanize_with_options(
                optim::sgd(0.1),
                MechanizeOptions {
                    weight_decay: 0.0,
                    eps: 1e-6,
                    s_init: 1e-4,
                    num_betas: 4,
                },
            )),
            case,
            p,
            el,
        ),
        "sam" => run(
            name,
            Plain(sam(optim::sgd(0.1), (normalize(), optim::sgd(0.05)))),
            case,
            p,
            SAM,
        ),
        "sam_options" => run(
            name,
            Plain(sam_with_options(
                optim::adam(0.01),
                (normalize(), optim::adam(0.05)),
                SamOptions {
                    sync_period: 3,
                    reset_state: false,
                    opaque_mode: false,
                },
            )),
            case,
            p,
            SAM,
        ),
        "sam_opaque" => run(
            name,
            Opaque(sam_with_options(
                optim::sgd(0.1),
                (normalize(), optim::sgd(0.05)),
                SamOptions {
                    opaque_mode: true,
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "sam_opaque_options" => run(
            name,
            Opaque(sam_with_options(
                optim::adam(0.01),
                (normalize(), optim::adam(0.05)),
                SamOptions {
                    sync_period: 3,
                    reset_state: false,
                    opaque_mode: true,
                },
            )),
            case,
            p,
            el,
        ),
        "reduce_on_plateau" => run(name, WithValue(reduce_on_plateau()), case, p, el),
        "reduce_on_plateau_options" => run(
            name,
            WithValue((
                optim::sgd(0.1),
                reduce_on_plateau_with_options(ReduceOnPlateauOptions {
                    factor: 0.5,
                    patience: 1,
                    rtol: 0.0,
                    atol: 1e-3,
                    cooldown: 1,
                    min_scale: 0.3,
                    ..Default::default()
                }),
            )),
            case,
            p,
            el,
        ),
        "reduce_on_plateau_accumulation" => run(
            name,
            WithValue((
                optim::adam(0.01),
                reduce_on_plateau_with_options(ReduceOnPlateauOptions {
                    factor: 0.5,
                    patience: 1,
                    accumulation_size: 2,
                    ..Default::default()
                }),
            )),
            case,
            p,
            el,
        ),
        other => run_muon(other, case, p),
    }
}

fn run_muon(name: &str, case: &Value, p: &Params) {
    let el = NEWTON_SCHULZ;
    match name {
        "muon" => run(name, Plain(muon(0.01)), case, p, el),
        "muon_options" => run(
            name,
            Plain(muon_with_options(
                0.01,
                MuonOptions {
                    ns_steps: 3,
                    beta: 0.9,
                    eps: 1e-6,
                    weight_decay: 0.1,
                    nesterov: false,
                    adam_b1: 0.8,
                    adam_b2: 0.99,
                    adam_eps_root: 1e-8,
                    adam_weight_decay: 0.01,
                    adam_learning_rate: Some(0.005),
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "muon_dion_aol_adaptive" => run(
            name,
            Plain(muon_with_options(
                0.01,
                MuonOptions {
                    ns_coeffs: NsCoeffs::preset("dion"),
                    preconditioning: Preconditioning::from_name("aol"),
                    adaptive: true,
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "muon_schatten_consistent_rms" => run(
            name,
            Plain(muon_with_options(
                0.01,
                MuonOptions {
                    ns_coeffs: NsCoeffs::PerStep(vec![[3.0, -3.2, 1.2], [3.4445, -4.7750, 2.0315]]),
                    ns_steps: 2,
                    preconditioning: Preconditioning::Schatten,
                    consistent_rms: Some(0.2),
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        "muon_dimension_numbers" => run(
            name,
            Plain(muon_with_options(
                0.01,
                MuonOptions {
                    // {"b": None, "w": MuonDimensionNumbers(1, 0)}.
                    muon_weight_dimension_numbers: Some(WeightDimensionNumbers::new(|path, _| {
                        (path.to_string().contains("w")).then(|| MuonDimensionNumbers::new(1, 0))
                    })),
                    ..Default::default()
                },
            )),
            case,
            p,
            el,
        ),
        other => panic!("no Rust optimiser for the golden case {other:?}"),
    }
}

#[test]
fn newton_schulz_matches_optax() {
    let g = Golden::load("optim_contrib");
    for (name, case) in g.section("newton_schulz").entries() {
        let x = decode(&case["x"]);
        let coeffs = decode(&case["coeffs"]);
        let dims = match name {
            "batched" => Some(MuonDimensionNumbers::new(1, 2)),
            "conv_multi_axis" => Some(MuonDimensionNumbers {
                reduction_axis: vec![0, 1],
                output_axis: vec![-1],
            }),
            "transposed_axes" => Some(MuonDimensionNumbers::new(1, 0)),
            _ => None,
        };
        let pre = Preconditioning::from_name(case["preconditioning"].as_str().expect("a name"));
        let got = orthogonalize_via_newton_schulz(
            &x,
            &coeffs,
            number(&case["ns_steps"]) as usize,
            pre,
            number(&case["eps"]),
            dims.as_ref(),
        );
        check_array(
            &format!("newton_schulz {name}"),
            &got,
            &case["result"],
            NEWTON_SCHULZ,
        );
    }
    g.assert_sections_read(&["newton_schulz"]);
}

#[test]
fn trajectories_match_optax() {
    let g = Golden::load("optim_contrib");
    let params0 = decode_tree(&g.section("inputs")["params"]);
    let only = std::env::var("CONTRIB_CASE").ok();
    common::check_each_case(
        g.section("trajectories")
            .entries()
            .filter(|(name, _)| only.as_deref().is_none_or(|o| name.starts_with(o))),
        |name, case| run_named(name, case, &params0),
    );
    if only.is_none() {
        g.assert_sections_read(&["inputs", "trajectories"]);
    }
}

#[test]
fn argument_errors_match_optax() {
    let g = Golden::load("optim_contrib");
    let errors = g.section("errors");
    let want = |k: &str| errors.get(k).as_str().expect("a message").to_string();
    let plateau = |o: ReduceOnPlateauOptions| {
        panic_message(move || {
            reduce_on_plateau_with_options(o);
        })
    };
    assert_eq!(
        plateau(ReduceOnPlateauOptions {
            factor: 1.5,
            ..Default::default()
        }),
        want("reduce_on_plateau_factor")
    );
    assert_eq!(
        plateau(ReduceOnPlateauOptions {
            rtol: -1.0,
            ..Default::default()
        }),
        want("reduce_on_plateau_negative_tol")
    );
    assert_eq!(
        plateau(ReduceOnPlateauOptions {
            rtol: 0.0,
            atol: 0.0,
            ..Default::default()
        }),
        want("reduce_on_plateau_zero_tol")
    );
    assert_eq!(
        plateau(ReduceOnPlateauOptions {
            rtol: 2.0,
            ..Default::default()
        }),
        want("reduce_on_plateau_rtol_above_one")
    );
    assert_eq!(
        panic_message(|| {
            sam_with_options(
                optim::sgd(0.1),
                optim::sgd(0.1),
                SamOptions {
                    sync_period: 0,
                    ..Default::default()
                },
            );
        }),
        want("sam_sync_period")
    );
    check_muon_errors(&|k| want(k));
    g.assert_sections_read(&["errors"]);
}

fn check_muon_errors(want: &dyn Fn(&str) -> String) {
    assert_eq!(
        panic_message(|| {
            NsCoeffs::preset("fast");
        }),
        want("muon_preset")
    );
    let standard = NsCoeffs::default().to_array();
    let ones = |shape: &[usize]| equinox_core::numpy::ones(shape.to_vec());
    let ns = |x: Array, c: &Array| {
        panic_message(|| {
            orthogonalize_via_newton_schulz(&x, c, 5, Preconditioning::Frobenius, 1e-8, None);
        })
    };
    assert_eq!(ns(ones(&[2, 2, 2]), &standard), want("newton_schulz_rank"));
    assert_eq!(ns(ones(&[2, 2]), &ones(&[4])), want("newton_schulz_coeffs"));
    let with_dims = |x: Array, dims: MuonDimensionNumbers| {
        panic_message(|| {
            orthogonalize_via_newton_schulz(
                &x,
                &standard,
                5,
                Preconditioning::Frobenius,
                1e-8,
                Some(&dims),
            );
        })
    };
    assert_eq!(
        with_dims(ones(&[2, 3, 4]), MuonDimensionNumbers::new(0, -3)),
        want("newton_schulz_axes_overlap")
    );
    assert_eq!(
        with_dims(ones(&[3]), MuonDimensionNumbers::default()),
        want("newton_schulz_rank_1")
    );
    assert_eq!(
        panic_message(|| {
            Preconditioning::from_name("newton");
        }),
        want("newton_schulz_preconditioning")
    );
}

/// Reduce-on-plateau needs the loss: the plain `update` says so instead of guessing.
#[test]
fn reduce_on_plateau_without_value_panics() {
    let params = vec![equinox_core::numpy::ones([2])];
    let opt = contrib::reduce_on_plateau();
    let state = opt.init(&params);
    let msg = panic_message(|| {
        opt.update(&params, &state, Some(&params));
    });
    assert!(msg.contains("update_with_value"), "{msg}");
}

/// Runs `opt` for the golden's first steps eagerly and inside `filter_jit` (the state an
/// argument, so every state leaf is traced) and checks both agree: nothing in the contrib
/// optimisers reads a traced value on the host.
fn jit_agrees_with_eager<T: GradientTransformation>(name: &str, opt: T) {
    let g = Golden::load("optim_contrib");
    let params0 = decode_tree(&g.section("inputs")["params"]);
    let case = &g.section("trajectories").get("adopt")["steps"];
    let step = equinox::filter_jit(|p: &Params, s: &T::State<Params>, grads: &Params| {
        let (u, s) = opt.update(grads, s, Some(p));
        (optim::apply_updates(p, &u), s)
    });
    let (mut jp, mut js) = (params0.clone(), opt.init(&params0));
    let (mut ep, mut es) = (params0.clone(), opt.init(&params0));
    for golden_step in case.as_array().expect("steps").iter().take(4) {
        let grads = decode_tree(&golden_step["grads"]);
        (jp, js) = step(&jp, &js, &grads);
        let (u, s) = opt.update(&grads, &es, Some(&ep));
        ep = optim::apply_updates(&ep, &u);
        es = s;
    }
    assert!(
        tree::tree_allclose(&jp, &ep, 1e-6, 1e-9),
        "{name}: params {jp:?}\n{ep:?}"
    );
    assert!(tree::tree_allclose(&js, &es, 1e-6, 1e-9), "{name}: state");
}

#[test]
fn contrib_optimisers_run_inside_filter_jit() {
    jit_agrees_with_eager("schedule_free_adamw", schedule_free_adamw(0.01));
    jit_agrees_with_eager(
        "schedule_free_sgd warmup",
        schedule_free_sgd_with_options(
            0.1,
            ScheduleFreeSgdOptions {
                warmup_steps: Some(2),
                ..Default::default()
            },
        ),
    );
    jit_agrees_with_eager("muon", muon(0.01));
    jit_agrees_with_eager(
        "muon aol dion",
        muon_with_options(
            0.01,
            MuonOptions {
                ns_coeffs: NsCoeffs::preset("dion"),
                preconditioning: Preconditioning::Aol,
                ..Default::default()
            },
        ),
    );
    jit_agrees_with_eager("prodigy", prodigy(1.0));
    jit_agrees_with_eager("dadapt_adamw", dadapt_adamw(1.0));
    jit_agrees_with_eager("mechanize", mechanize(optim::adam(0.01)));
    jit_agrees_with_eager("adopt", adopt(0.01));
    jit_agrees_with_eager("ademamix", ademamix(0.01));
    jit_agrees_with_eager("sam", sam(optim::sgd(0.1), (normalize(), optim::sgd(0.05))));
}

/// Six plateau steps inside `filter_jit` with the loss value traced, against the same eagerly;
/// returns the scales.
fn plateau_scales<T: UpdateWithValue>(
    opt: T,
    scale: impl Fn(&T::State<Vec<Array>>) -> f32,
) -> Vec<f32> {
    let params = vec![Array::from_vec(vec![1.0f32, -2.0], [2])];
    let step = equinox::filter_jit(|p: &Vec<Array>, s: &T::State<Vec<Array>>, v: &Array| {
        let (u, s) = opt.update_with_value(p, s, Some(p), v);
        (optim::apply_updates(p, &u), s)
    });
    let (mut jp, mut js) = (params.clone(), opt.init(&params));
    let (mut ep, mut es) = (params.clone(), opt.init(&params));
    let mut scales = Vec::new();
    for loss in [1.0f32, 1.0, 1.0, 0.5, 0.5, 0.5] {
        let v = Array::scalar(loss);
        (jp, js) = step(&jp, &js, &v);
        let (u, s) = opt.update_with_value(&ep, &es, Some(&ep), &v);
        ep = optim::apply_updates(&ep, &u);
        es = s;
        scales.push(scale(&js));
    }
    assert!(tree::tree_allclose(&jp, &ep, 1e-6, 1e-9));
    assert!(tree::tree_allclose(&js, &es, 1e-6, 1e-9));
    scales
}

/// Reduce-on-plateau inside `filter_jit` with the loss value traced: the plateau logic is
/// array arithmetic, not host control flow.
#[test]
fn reduce_on_plateau_runs_inside_filter_jit() {
    let opt = (
        optim::sgd(0.1),
        reduce_on_plateau_with_options(ReduceOnPlateauOptions {
            patience: 1,
            factor: 0.5,
            cooldown: 1,
            ..Default::default()
        }),
    );
    let scales = plateau_scales(opt, |s| s.1.scale.item::<f32>());
    // The second 1.0 is a plateau: the scale halves and a cooldown step follows (the third
    // 1.0 does not count); 0.5 improves; the next 0.5 is a plateau again.
    assert_eq!(scales, vec![1.0, 0.5, 0.5, 0.5, 0.25, 0.25]);
}
