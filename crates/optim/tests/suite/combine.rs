//! Parity with Optax 0.2.8 for the combinators, clipping and constraints:
//! `parity/goldens/optim_combine.json`, written by `parity/optim_combine.py`.
//!
//! Each trajectory feeds the gradients Optax saw at each of 6 steps (some with a NaN, to
//! exercise the non-finite handling) to the same transformation here and compares every leaf
//! of the updates, of the parameters after `apply_updates` and of the new state, in Optax's
//! leaf order, under the float32 rule (counts and flags exactly). The plain functions
//! (per-example clipping, `unitwise_norm`, target updates) are compared on Optax's inputs.

use std::collections::BTreeMap;

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_optim::{self as optim, GradientTransformation, Labels, Mask};
use equinox_testing::close::Scale;
use equinox_testing::panics::panic_message;
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

use crate::common;
use common::{check_array, check_leaves, check_tree, decode, decode_tree, Params};

/// [`check_tree`] relative to `scale` (for results that come out of cancellation).
fn check_tree_at(what: &str, got: &Params, want: &Value, scale: Scale) {
    common::check_tree_with(what, got, want, |what, g, w| {
        common::check_array_with(what, g, w, scale, Tolerance::for_dtype)
    });
}

fn steps(case: &Value) -> &Vec<Value> {
    let steps = case["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 6);
    steps
}

/// Checks a trajectory leaf by leaf against Optax's: the initial state, then after each step
/// the updates, the parameters after `apply_updates` and the new state. `update(i, grads,
/// state, params)` makes step `i`'s updates and new state (it may first change the state as the
/// Python script did); `after` checks the state against the golden step beyond that.
fn check_trajectory<P: PyTree, S: PyTree>(
    name: &str,
    case: &Value,
    mut params: P,
    mut state: S,
    mut update: impl FnMut(usize, &Params, &mut S, &P) -> (P, S),
    mut after: impl FnMut(&S, &Value),
) {
    check_leaves(&format!("{name} init"), &state, &case["init_state"]);
    for (i, step) in steps(case).iter().enumerate() {
        let grads = decode_tree(&step["grads"]);
        let (updates, new_state) = update(i, &grads, &mut state, &params);
        params = optim::apply_updates(&params, &updates);
        state = new_state;
        check_leaves(
            &format!("{name} step {i} updates"),
            &updates,
            &step["updates"],
        );
        check_leaves(&format!("{name} step {i} params"), &params, &step["params"]);
        check_leaves(&format!("{name} step {i} state"), &state, &step["state"]);
        after(&state, step);
    }
}

/// A trajectory of `opt` from `params0`, with `before` run on the state before each step (to
/// change it as the Python script did) and `after` on the state and the golden step after it.
fn run_with<T: GradientTransformation>(
    name: &str,
    opt: &T,
    case: &Value,
    params0: &Params,
    mut before: impl FnMut(usize, &mut T::State<Params>),
    after: impl FnMut(&T::State<Params>, &Value),
) {
    check_trajectory(
        name,
        case,
        params0.clone(),
        opt.init(params0),
        |i, grads, state, params| {
            before(i, state);
            opt.update(grads, state, Some(params))
        },
        after,
    );
}

fn run<T: GradientTransformation>(name: &str, opt: T, case: &Value, params0: &Params) {
    run_with(name, &opt, case, params0, |_, _| {}, |_, _| {});
}

/// A MultiSteps trajectory, also checking `has_updated` after every step.
fn run_multi_steps<T: GradientTransformation, K: optim::ShouldSkipUpdate>(
    name: &str,
    opt: optim::MultiSteps<T, K>,
    case: &Value,
    params0: &Params,
) {
    run_with(
        name,
        &opt,
        case,
        params0,
        |_, _| {},
        |state, step| {
            let want = step["has_updated"].as_bool().expect("has_updated");
            assert_eq!(
                opt.has_updated(state).item::<bool>(),
                want,
                "{name}: has_updated"
            );
        },
    );
}

/// A Lookahead trajectory: its parameters are the fast and slow pair, synced at the start.
fn run_lookahead<T: GradientTransformation>(
    name: &str,
    opt: optim::Lookahead<T>,
    case: &Value,
    params0: &Params,
) {
    let params = optim::LookaheadParams::init_synced(params0);
    let state = opt.init(&params);
    check_trajectory(
        name,
        case,
        params,
        state,
        |_, grads, state, params| opt.update(grads, state, params),
        |_, _| {},
    );
}

/// Optax's `lambda x: x.ndim == 1` masks in Rust.
fn vectors() -> Mask {
    Mask::new(|_, x| x.ndim() == 1)
}

fn by_ndim() -> Labels {
    Labels::new(|_, x| if x.ndim() > 1 { "mat" } else { "vec" })
}

fn run_named(name: &str, case: &Value, p: &Params) {
    use optim::*;
    match name {
        "named_chain" => run(
            name,
            named_chain((("clip", clip_by_global_norm(0.5)), ("adam", adam(0.01)))),
            case,
            p,
        ),
        "named_chain_momentum" => run(
            name,
            named_chain((("momentum", trace(0.9)), ("lr", scale(-0.1)))),
            case,
            p,
        ),
        "partition" => run(
            name,
            partition((("mat", adam(0.01)), ("vec", sgd(0.1))), by_ndim()),
            case,
            p,
        ),
        "partition_label_tree" => run(
            name,
            partition(
                (
                    ("frozen", freeze(Mask::new(|_, _| true))),
                    ("train", adam(0.01)),
                ),
                Labels::from_leaves(["frozen", "train"]),
            ),
            case,
            p,
        ),
        "multi_transform" => run(
            name,
            multi_transform(
                (
                    (
                        "mat",
                        sgd_with_options(
                            0.1,
                            SgdOptions {
                                momentum: Some(0.9),
                                ..Default::default()
                            },
                        ),
                    ),
                    ("vec", adam(0.05)),
                ),
                by_ndim(),
            ),
            case,
            p,
        ),
        "freeze" => run(name, freeze(vectors()), case, p),
        "freeze_chain_adam" => run(name, chain((freeze(vectors()), adam(0.01))), case, p),
        "selective_transform" => run(
            name,
            selective_transform(adam(0.01), Mask::new(|_, x| x.ndim() > 1)),
            case,
            p,
        ),
        "apply_if_finite" => run(name, apply_if_finite(adam(0.01), 2), case, p),
        "apply_if_finite_no_errors" => run(name, apply_if_finite(sgd(0.1), 0), case, p),
        "multi_steps" => run_multi_steps(name, MultiSteps::new(adam(0.01), 3), case, p),
        "multi_steps_sum" => run_multi_steps(
            name,
            MultiSteps::with_options(
                sgd(0.1),
                2,
                MultiStepsOptions {
                    use_grad_mean: false,
                    ..Default::default()
                },
            ),
            case,
            p,
        ),
        "multi_steps_schedule" => run_multi_steps(
            name,
            MultiSteps::with_options(
                adam(0.01),
                EveryKSchedule::schedule(|s: &Array| s.minimum(&Array::weak_scalar(2i32)) + 1),
                MultiStepsOptions::default(),
            ),
            case,
            p,
        ),
        "multi_steps_skip_not_finite" => run_multi_steps(
            name,
            MultiSteps::with_options(
                adam(0.01),
                2,
                MultiStepsOptions {
                    use_grad_mean: true,
                    should_skip_update_fn: skip_not_finite(),
                    accumulator_dtype: DType::F32,
                },
            ),
            case,
            p,
        ),
        "multi_steps_skip_large_updates" => run_multi_steps(
            name,
            MultiSteps::with_options(
                sgd(0.1),
                2,
                MultiStepsOptions {
                    use_grad_mean: true,
                    should_skip_update_fn: skip_large_updates(0.12),
                    accumulator_dtype: DType::F32,
                },
            ),
            case,
            p,
        ),
        "apply_every" => run(name, apply_every(3), case, p),
        "apply_every_default" => run(name, chain((apply_every_default(), sgd(0.1))), case, p),
        "inject_hyperparams" => {
            // Optax keeps all of `adam`'s numeric arguments in the state, in float32, and
            // builds Adam from those float32 values (so `1 - b1` is computed from the rounded
            // `b1`). The learning rate is read as an array (it follows changes to the state
            // under `jit` too); the others as numbers, here eagerly. The learning rate is set
            // to 0.001 before step 3, as the script does.
            let opt = inject_hyperparams(
                [
                    ("learning_rate", 0.01),
                    ("b1", 0.9),
                    ("b2", 0.999),
                    ("eps", 1e-8),
                    ("eps_root", 0.0),
                ],
                |h| {
                    let number = |k: &str| f64::from(h[k].item::<f32>());
                    adam_with_options(
                        h["learning_rate"].clone(),
                        AdamOptions {
                            b1: number("b1"),
                            b2: number("b2"),
                            eps: number("eps"),
                            eps_root: number("eps_root"),
                            ..Default::default()
                        },
                    )
                },
            );
            run_with(
                name,
                &opt,
                case,
                p,
                |i, state| {
                    if i == 3 {
                        state
                            .hyperparams
                            .insert("learning_rate".into(), Array::scalar(0.001f32));
                    }
                },
                |_, _| {},
            );
        }
        "inject_hyperparams_schedule" => run(
            name,
            inject_hyperparams(
                [
                    (
                        "learning_rate",
                        Hyperparam::schedule(linear_schedule(0.1, 0.01, 4)),
                    ),
                    ("momentum", Hyperparam::Value(0.9)),
                ],
                |h| {
                    sgd_with_options(
                        h["learning_rate"].clone(),
                        SgdOptions {
                            momentum: Some(0.9),
                            ..Default::default()
                        },
                    )
                },
            ),
            case,
            p,
        ),
        "lookahead" => run_lookahead(name, lookahead(sgd(0.1), 2, 0.5), case, p),
        "lookahead_reset" => run_lookahead(
            name,
            lookahead_with_options(adam(0.01), 3, 0.3, LookaheadOptions { reset_state: true }),
            case,
            p,
        ),
        "clip_by_block_rms" => run(name, clip_by_block_rms(0.02), case, p),
        "clip_by_block_rms_inactive" => run(name, clip_by_block_rms(1.0), case, p),
        "adaptive_grad_clip" => run(name, adaptive_grad_clip(0.1), case, p),
        "adaptive_grad_clip_options" => run(
            name,
            adaptive_grad_clip_with_options(
                0.02,
                AdaptiveGradClipOptions {
                    eps: 0.3,
                    axis: Some(vec![0]),
                },
            ),
            case,
            p,
        ),
        "zero_nans" => run(name, zero_nans(), case, p),
        "zero_nans_chain_adam" => run(name, chain((zero_nans(), adam(0.01))), case, p),
        "keep_params_nonnegative" => run(name, keep_params_nonnegative(), case, p),
        "keep_params_nonnegative_sgd" => {
            run(name, chain((sgd(0.5), keep_params_nonnegative())), case, p)
        }
        other => panic!("no Rust transformation for the golden case {other:?}"),
    }
}

#[test]
fn trajectories_match_optax() {
    let g = Golden::load("optim_combine");
    let params0 = decode_tree(&g.section("inputs")["params"]);
    common::check_each_case(g.section("trajectories").entries(), |name, case| {
        run_named(name, case, &params0)
    });
    g.assert_sections_read(&["inputs", "trajectories"]);
}

/// The clipped sums add the examples' gradients over the batch with XLA's dot; elements that
/// come out of cancellation between examples differ by the summation order, so the sums are
/// compared relative to the largest element of their leaf (the counts exactly).
#[test]
fn per_example_clipping_matches_optax() {
    let g = Golden::load("optim_combine");
    let f = g.section("functions");
    let grads = decode_tree(&f["per_example_grads"]);
    for (name, clip) in [("global_0.5", 0.5), ("global_100", 100.0)] {
        let want = &f[&format!("per_example_global_norm_clip_{name}") as &str];
        let (sum, n) = optim::per_example_global_norm_clip(&grads, clip);
        check_tree_at(&format!("{name} sum"), &sum, &want["sum"], Scale::Case);
        check_array(&format!("{name} num_clipped"), &n, &want["num_clipped"]);
    }
    for (name, uniform) in [("uniform", true), ("by_size", false)] {
        let want = &f[&format!("per_example_layer_norm_clip_{name}") as &str];
        let (sum, n) = optim::per_example_layer_norm_clip_with_options(
            &grads,
            0.8,
            optim::PerExampleLayerNormClipOptions { uniform },
        );
        check_tree_at(&format!("{name} sum"), &sum, &want["sum"], Scale::Case);
        check_tree(&format!("{name} num_clipped"), &n, &want["num_clipped"]);
    }
    let (sum, _) = optim::per_example_layer_norm_clip(&grads, 0.8);
    check_tree_at(
        "default",
        &sum,
        &f["per_example_layer_norm_clip_uniform"]["sum"],
        Scale::Case,
    );
}

#[test]
fn unitwise_norm_matches_optax() {
    let g = Golden::load("optim_combine");
    let f = g.section("functions");
    let cases = f["unitwise_norm"].as_object().expect("cases");
    assert_eq!(cases.len(), 9);
    for (name, case) in cases {
        let axis: Option<Vec<i32>> = match name.as_str() {
            "axis_1" => Some(vec![1]),
            "axes_0_2" => Some(vec![0, 2]),
            _ => None,
        };
        let x = decode(&case["x"]);
        let got = optim::unitwise_norm(&x, axis.as_deref());
        check_array(&format!("unitwise_norm {name}"), &got, &case["norm"]);
    }
}

#[test]
fn target_updates_match_optax() {
    let g = Golden::load("optim_combine");
    let f = g.section("functions");
    let old = decode_tree(&g.section("inputs")["params"]);
    let new = decode_tree(&f["new"]);
    check_tree(
        "incremental_update",
        &optim::incremental_update(&new, &old, 0.3),
        &f["incremental_update"],
    );
    for steps in [0, 4, 6] {
        let got = optim::periodic_update(&new, &old, &Array::scalar(steps), 3);
        check_leaves(
            &format!("periodic_update at {steps}"),
            &got,
            &f["periodic_update"][&steps.to_string() as &str],
        );
    }
    // The inputs were used: 6 is a multiple of 3, 4 is not.
    let at4 = optim::periodic_update(&new, &old, &Array::scalar(4), 3);
    assert!(tree::tree_equal(&at4, &old));
}

#[test]
fn every_section_is_checked() {
    let g = Golden::load("optim_combine");
    g.assert_claimed(&[
        &["inputs", "trajectories"],
        &["functions"],
        &["state_files"],
    ]);
}

#[test]
fn multi_steps_refuses_k_zero() {
    let msg = panic_message(|| {
        let _ = optim::MultiSteps::new(optim::sgd(0.1), 0);
    });
    assert!(
        msg.starts_with("MultiSteps: every_k_schedule must be at least 1, got 0"),
        "{msg}"
    );
    let msg = panic_message(|| {
        let _ = optim::apply_every(0);
    });
    assert!(
        msg.starts_with("apply_every: k must be at least 1"),
        "{msg}"
    );
    let msg = panic_message(|| {
        let _ = optim::lookahead(optim::sgd(0.1), 0, 0.5);
    });
    assert_eq!(msg, "Synchronization period must be >= 1.");
}

#[test]
fn combinator_construction_errors() {
    let msg = panic_message(|| {
        let _ = optim::named_chain((("a", optim::sgd(0.1)), ("a", optim::sgd(0.2))));
    });
    assert_eq!(
        msg,
        "Named transformations must have unique names, but got ['a', 'a']"
    );
    let msg = panic_message(|| {
        let _ = optim::partition(
            (("vec", optim::sgd(0.1)), ("mat", optim::sgd(0.2))),
            by_ndim(),
        );
    });
    assert!(
        msg.contains("must be distinct and in sorted order"),
        "{msg}"
    );
    assert!(msg.contains("[\"vec\", \"mat\"]"), "{msg}");
    // A label with no transformation: Optax's message at init.
    let opt = optim::partition((("mat", optim::sgd(0.1)),), by_ndim());
    let msg = panic_message(|| {
        let _ = opt.init(&(jnp::zeros([2, 2]), jnp::zeros([2])));
    });
    assert_eq!(
        msg,
        "Some parameters have no corresponding transformation.\nParameter labels: ['mat', \
         'vec'] \nTransforms keys: ['mat'] \n"
    );
}

/// Initialises `opt` for one tree and updates with another of a different structure, then
/// with one of different shapes: each must panic, naming both trees (or, where the state only
/// holds the leaves a label or mask selects, at least saying they do not match).
fn assert_mismatch_panics<T: GradientTransformation>(name: &str, opt: &T, names_full_trees: bool) {
    let a = vec![jnp::zeros([3, 4]), jnp::zeros([4])];
    let others = [
        vec![jnp::zeros([3, 4])],
        vec![jnp::zeros([4, 3]), jnp::zeros([4])],
    ];
    // `zero_nans` keeps one flag per leaf, so only the structure is known to its state (as
    // in Optax, a state for other shapes works).
    let checked = if name == "zero_nans" { 1 } else { 2 };
    for other in others.into_iter().take(checked) {
        let state = opt.init(&a);
        let msg = panic_message(|| {
            opt.update(&other, &state, Some(&other));
        });
        assert!(msg.contains("do not match"), "{name}: {msg}");
        if names_full_trees {
            assert!(
                msg.contains(&tree::tree_pformat(&other)) && msg.contains(&tree::tree_pformat(&a)),
                "{name}: {msg}"
            );
        }
    }
}

#[test]
fn a_state_for_other_parameters_panics_naming_both_trees() {
    use optim::*;
    let momentum = SgdOptions {
        momentum: Some(0.9),
        ..Default::default()
    };
    assert_mismatch_panics("adam", &adam(0.1), true);
    assert_mismatch_panics("adamw", &adamw(0.1), true);
    assert_mismatch_panics("sgd momentum", &sgd_with_options(0.1, momentum), true);
    assert_mismatch_panics("rmsprop", &rmsprop(0.1), true);
    assert_mismatch_panics("adagrad", &adagrad(0.1), true);
    assert_mismatch_panics("lion", &lion(0.1), true);
    assert_mismatch_panics("MultiSteps", &MultiSteps::new(sgd(0.1), 2), true);
    assert_mismatch_panics("apply_every", &apply_every(2), true);
    assert_mismatch_panics("zero_nans", &zero_nans(), false);
    assert_mismatch_panics("apply_if_finite", &apply_if_finite(adam(0.1), 1), true);
    assert_mismatch_panics(
        "named_chain",
        &named_chain((("m", sgd_with_options(0.1, momentum)),)),
        true,
    );
    assert_mismatch_panics(
        "inject_hyperparams",
        &inject_hyperparams([("learning_rate", 0.1)], |h| {
            adam(h["learning_rate"].clone())
        }),
        true,
    );
    assert_mismatch_panics(
        "keep_params_nonnegative",
        &chain((adam(0.1), keep_params_nonnegative())),
        true,
    );
    assert_mismatch_panics(
        "adaptive_grad_clip",
        &chain((adaptive_grad_clip(0.1), adam(0.1))),
        true,
    );
    assert_mismatch_panics(
        "partition",
        &partition((("mat", adam(0.1)), ("vec", adam(0.1))), by_ndim()),
        false,
    );
    // A masked state only knows the leaves it masks in: a change of structure or of their
    // shapes is caught (here the matrix's).
    assert_mismatch_panics(
        "masked",
        &masked(adam(0.1), Mask::new(|_, x| x.ndim() > 1)),
        false,
    );
}

#[test]
fn stateless_transformations_check_the_parameters_they_use() {
    let a = vec![jnp::ones([2])];
    let b = vec![jnp::ones([3])];
    for (name, msg) in [
        (
            "keep_params_nonnegative",
            panic_message(|| {
                let t = optim::keep_params_nonnegative();
                t.update(&a, &t.init(&a), Some(&b));
            }),
        ),
        (
            "adaptive_grad_clip",
            panic_message(|| {
                let t = optim::adaptive_grad_clip(0.1);
                t.update(&a, &t.init(&a), Some(&b));
            }),
        ),
    ] {
        assert!(
            msg.starts_with(&format!("{name}: the updates do not match the parameters")),
            "{msg}"
        );
        assert!(
            msg.contains("[f32[2]]") && msg.contains("[f32[3]]"),
            "{msg}"
        );
    }
    let msg = panic_message(|| {
        let t = optim::keep_params_nonnegative();
        t.update(&a, &t.init(&a), None);
    });
    assert_eq!(
        msg,
        "keep_params_nonnegative: You are using a transformation that requires the current \
         value of parameters, but you are not passing `params` when calling `update`."
    );
    let opt = optim::lookahead(optim::sgd(0.1), 2, 0.5);
    let params = optim::LookaheadParams::init_synced(&a);
    let msg = panic_message(|| {
        opt.update(&b, &opt.init(&params), &params);
    });
    assert!(
        msg.starts_with("lookahead: the updates do not match the fast parameters"),
        "{msg}"
    );
}

#[test]
fn per_example_clipping_needs_a_batch_dimension() {
    let grads = vec![jnp::ones([3, 2]), jnp::ones([4])];
    let msg = panic_message(|| {
        optim::per_example_global_norm_clip(&grads, 1.0);
    });
    assert_eq!(
        msg,
        "Unlike other transforms, `per_example_global_norm_clip` expects `grads` to have a \
         batch dimension in the 0th axis."
    );
    let msg = panic_message(|| {
        optim::per_example_layer_norm_clip(&grads, 1.0);
    });
    assert!(
        msg.starts_with(
            "Unlike other transforms, `per_example_layer_norm_clip` expects `grads` to have a \
             batch dimension in the 0th axis; got shapes: "
        ),
        "{msg}"
    );
    let msg = panic_message(|| {
        optim::unitwise_norm(&jnp::ones([2, 2, 2, 2, 2, 2]), None);
    });
    assert_eq!(
        msg,
        "Expected parameter with shape in {1, 2, 3, 4, 5}, got (2, 2, 2, 2, 2, 2). Use axis \
         parameter to specify reduction axes for other shapes."
    );
}

/// Changing the learning rate in an `inject_hyperparams` state changes a jitted step without
/// recompiling: the state is an argument, the learning rate one of its leaves.
#[test]
fn an_injected_learning_rate_changes_a_jitted_step() {
    let opt = optim::inject_hyperparams([("learning_rate", 0.1)], |h| {
        optim::sgd(h["learning_rate"].clone())
    });
    let p = vec![jnp::ones([2])];
    let state = opt.init(&p);
    type State =
        optim::InjectHyperparamsState<(Option<optim::TraceState<Vec<Array>>>, optim::EmptyState)>;
    let step =
        equinox_core::transforms::Jit::new(|(g, s): &(Vec<Array>, State)| opt.update(g, s, None));
    let (u, s1) = step.call(&(p.clone(), state));
    assert_eq!(u[0].to_vec::<f32>(), vec![-0.1f32; 2]);
    assert_eq!(s1.count.item::<i32>(), 1);
    let mut changed = s1.clone();
    changed
        .hyperparams
        .insert("learning_rate".into(), Array::scalar(0.25f32));
    let (u, _) = step.call(&(p.clone(), changed));
    assert_eq!(u[0].to_vec::<f32>(), vec![-0.25f32; 2]);
    assert_eq!(step.trace_count(), 1);
}

/// A map of labels to transformations of one type gives the same trajectory as the tuple
/// form (the golden's `partition` case, with both groups Adam here: checked against a tuple).
#[test]
fn partition_by_a_map_matches_the_tuple_form() {
    let g = Golden::load("optim_combine");
    let params = decode_tree(&g.section("inputs")["params"]);
    let map: BTreeMap<String, _> = [
        ("mat".to_string(), optim::adam(0.01)),
        ("vec".to_string(), optim::adam(0.1)),
    ]
    .into_iter()
    .collect();
    let by_map = optim::partition(map, by_ndim());
    let by_tuple = optim::partition(
        (("mat", optim::adam(0.01)), ("vec", optim::adam(0.1))),
        by_ndim(),
    );
    let (mut s_map, mut s_tuple) = (by_map.init(&params), by_tuple.init(&params));
    let mut p = params.clone();
    for i in 0..3 {
        let grads = tree::map(&p, |x| x * 2.0 - 0.5);
        let (u_map, s1) = by_map.update(&grads, &s_map, Some(&p));
        let (u_tuple, s2) = by_tuple.update(&grads, &s_tuple, Some(&p));
        assert!(tree::tree_equal(&u_map, &u_tuple));
        let (l1, l2) = (tree::leaves(&s1), tree::leaves(&s2));
        assert_eq!(l1.len(), 6); // per group: the count, mu and nu of its one leaf
        assert!(l1.len() == l2.len() && l1.iter().zip(&l2).all(|(a, b)| tree::tree_equal(*a, *b)));
        if i == 0 {
            // Adam's first step moves every element by its group's learning rate.
            assert!((u_map["b"].abs().max(()).item::<f32>() - 0.1).abs() < 1e-5);
            assert!((u_map["w"].abs().max(()).item::<f32>() - 0.01).abs() < 1e-6);
        }
        p = optim::apply_updates(&p, &u_map);
        (s_map, s_tuple) = (s1, s2);
    }
}

/// Under `jit` the combinators' decisions (emit or accumulate, finite or not) depend on traced
/// values; the jitted steps give the eager steps' results.
#[test]
fn jitted_combinator_steps_match_eager_ones() {
    let g = Golden::load("optim_combine");
    let params = decode_tree(&g.section("inputs")["params"]);
    let opt = optim::apply_if_finite(optim::MultiSteps::new(optim::adam(0.01), 2), 1);
    type State = optim::ApplyIfFiniteState<
        optim::MultiStepsState<(optim::ScaleByAdamState<Params>, optim::EmptyState), Params, ()>,
    >;
    let step = equinox_core::transforms::Jit::new(|(g, s, p): &(Params, State, Params)| {
        opt.update(g, s, Some(p))
    });
    let (mut jp, mut js) = (params.clone(), opt.init(&params));
    let (mut ep, mut es) = (params.clone(), opt.init(&params));
    for i in 0..5 {
        let mut grads = tree::map(&ep, |x| x * 2.0 - 0.5);
        if i == 2 {
            grads.insert("b".into(), jnp::full([4], f32::NAN));
        }
        let (ju, s) = step.call(&(grads.clone(), js, jp.clone()));
        jp = optim::apply_updates(&jp, &ju);
        js = s;
        let (eu, s) = opt.update(&grads, &es, Some(&ep));
        ep = optim::apply_updates(&ep, &eu);
        es = s;
        assert!(tree::tree_allclose(&ju, &eu, 1e-6, 0.0), "step {i}");
        assert!(tree::tree_allclose(&js, &es, 1e-6, 0.0), "step {i}");
    }
    assert_eq!(step.trace_count(), 1);
    // Steps 1 and 4 emitted (the NaN at step 2 was skipped, not accumulated).
    assert_eq!(es.total_notfinite.item::<i32>(), 1);
    assert_eq!(es.inner_state.gradient_step.item::<i32>(), 2);
    assert!(!tree::tree_equal(&ep, &params));
}
