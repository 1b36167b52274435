//! Stateful layers against real Equinox 0.13.8 (`parity/nn_stateful.py` →
//! `parity/goldens/nn_stateful.json` and three `.eqx` files): `BatchNorm` in every mode under a
//! named vmap (outputs and state over several steps, inference, gradients, also under
//! `filter_jit`), `SpectralNorm`, `WeightNorm`, `Shared`, `Sequential` threading a `State` and a
//! split key, models with their `State` (BatchNorm, a Sequential, a Conv2d + BatchNorm block)
//! loaded from and written to Equinox's files; plus the
//! `State` API's errors.

use equinox as eqx;
use equinox_testing::{Golden, Tolerance};
use eqx::nn::{self, Layer, State, StatefulLayer};
use eqx::transforms::{AxisSpec, VmapSpec};
use eqx::{numpy as jnp, random, tree, Array, DType, Module};
use serde_json::Value;

use crate::common;
use common::golden_arrays::{self, array_of};

fn golden() -> &'static Golden {
    static G: std::sync::OnceLock<Golden> = std::sync::OnceLock::new();
    G.get_or_init(|| Golden::load("nn_stateful"))
}

const BATCH_NORM: &[&str] = &["batch_norm"];
const TWO_AXES: &[&str] = &["batch_norm_two_axes"];
const SPECTRAL: &[&str] = &["spectral_norm"];
const WEIGHT: &[&str] = &["weight_norm"];
const SHARED: &[&str] = &["shared"];
const SEQUENTIAL: &[&str] = &["sequential"];
const FILES: &[&str] = &["eqx_files"];

#[test]
fn every_golden_section_is_claimed() {
    golden().assert_claimed(&[
        BATCH_NORM, TWO_AXES, SPECTRAL, WEIGHT, SHARED, SEQUENTIAL, FILES,
    ]);
}

// ---------------------------------------------------------------------------------------------
// Reading the golden

fn arrays_of(v: &Value) -> Vec<Array> {
    v.as_array().unwrap().iter().map(array_of).collect()
}

/// Same dtype and shape, values within `tol` (exact for integers and bools).
fn check(actual: &Array, expected: &Value, tol: Tolerance, what: &str) {
    let tol = if actual.dtype().is_float() {
        tol
    } else {
        Tolerance::EXACT
    };
    golden_arrays::assert_close(actual, expected, tol, what);
}

/// Every leaf of `tree` against the stored leaves.
fn check_leaves<T: Module>(tree: &T, expected: &Value, tol: Tolerance, what: &str) {
    let leaves = tree::leaves(tree);
    let want = expected.as_array().unwrap();
    assert_eq!(leaves.len(), want.len(), "{what}: number of leaves");
    for (i, (l, w)) in leaves.iter().zip(want).enumerate() {
        check(l, w, tol, &format!("{what} leaf {i}"));
    }
}

/// Float32 results of a few operations: a few ulp, absolute near 0.
const TOL: Tolerance = Tolerance::new(2e-6, 2e-6);
/// Results of long chains (normalisation by small variances, power iterations, gradients).
const LOOSE: Tolerance = Tolerance::new(2e-5, 2e-5);

// ---------------------------------------------------------------------------------------------
// BatchNorm

/// The vmap of a training call over a batch, the state shared (not mapped in or out).
fn shared_state_spec(name: &str) -> VmapSpec {
    VmapSpec::default()
        .axis_name(name)
        .in_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]))
        .out_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]))
}

fn bn_step(bn: &nn::BatchNorm, x: &Array, s: &State) -> (Array, State) {
    eqx::filter_vmap_with(
        |x: &Array, s: &State| bn.call(x, s.clone()),
        shared_state_spec("batch"),
    )(x, s)
}

fn bn_options(case: &Value) -> nn::BatchNormOptions {
    let o = &case["options"];
    let mut opts = nn::BatchNormOptions::default();
    if let Some(m) = o.get("mode") {
        opts.mode = match m.as_str().unwrap() {
            "ema" => nn::BatchNormMode::Ema,
            "batch" => nn::BatchNormMode::Batch,
            other => panic!("mode {other}"),
        };
    }
    if let Some(m) = o.get("momentum") {
        opts.momentum = m.as_f64().unwrap();
    }
    if let Some(e) = o.get("eps") {
        opts.eps = e.as_f64().unwrap();
    }
    if let Some(a) = o.get("channelwise_affine") {
        opts.channelwise_affine = a.as_bool().unwrap();
    }
    opts
}

/// The case's layer with its state, parameters set as the script set them.
fn bn_of(case: &Value) -> (nn::BatchNorm, State) {
    let size = case["input_size"].as_u64().unwrap() as usize;
    let (mut bn, state) =
        nn::make_with_state(nn::BatchNorm::with_options(size, "batch", bn_options(case)));
    let expected_mode = match case["mode"].as_str().unwrap() {
        "ema" => nn::BatchNormMode::Ema,
        _ => nn::BatchNormMode::Batch,
    };
    assert_eq!(bn.mode, expected_mode, "{}: mode", case["name"]);
    if !case["weight"].is_null() {
        bn.weight = Some(array_of(&case["weight"]));
        bn.bias = Some(array_of(&case["bias"]));
    } else {
        assert!(bn.weight.is_none() && bn.bias.is_none());
    }
    (bn, state)
}

#[test]
fn batch_norm_matches_equinox() {
    let g = golden();
    for case in g.section("batch_norm").iter() {
        let name = case["name"].as_str().unwrap();
        let (bn, state) = bn_of(case);
        let markers: Vec<&str> = case["markers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(
            state.markers().collect::<Vec<_>>(),
            markers,
            "{name}: markers"
        );
        check_leaves(
            &state,
            &case["init_state"],
            Tolerance::EXACT,
            &format!("{name}: initial state"),
        );
        let xs = arrays_of(&case["xs"]);
        let steps = case["outputs"].as_array().unwrap().len();

        // Eager training steps, then the same under filter_jit (where the inference flag is a
        // traced leaf, so both behaviours are computed and selected).
        let jitted = eqx::filter_jit(|bn: &nn::BatchNorm, x: &Array, s: &State| bn_step(bn, x, s));
        let (mut s, mut sj) = (state.clone(), state.clone());
        for i in 0..steps {
            let (y, s2) = bn_step(&bn, &xs[i], &s);
            check(
                &y,
                &case["outputs"][i],
                LOOSE,
                &format!("{name}: output {i}"),
            );
            check_leaves(
                &s2,
                &case["states"][i],
                LOOSE,
                &format!("{name}: state {i}"),
            );
            let (yj, sj2) = jitted(&bn, &xs[i], &sj);
            check(
                &yj,
                &case["outputs"][i],
                LOOSE,
                &format!("{name}: jitted output {i}"),
            );
            check_leaves(
                &sj2,
                &case["states"][i],
                LOOSE,
                &format!("{name}: jitted state {i}"),
            );
            (s, sj) = (s2, sj2);
        }

        // Inference: via inference_mode (eager and jitted), via the call's override, and on
        // the initial state.
        let inf = nn::inference_mode(&bn, true);
        let (y, s_after) = bn_step(&inf, &xs[steps], &s);
        check(
            &y,
            &case["inference_output"],
            LOOSE,
            &format!("{name}: inference"),
        );
        assert!(
            tree::tree_equal(&s_after, &s),
            "{name}: inference leaves the state alone"
        );
        let (yj, sj_after) = jitted(&inf, &xs[steps], &s);
        check(
            &yj,
            &case["inference_output"],
            LOOSE,
            &format!("{name}: jitted inference"),
        );
        assert!(
            tree::tree_equal(&sj_after, &s),
            "{name}: jitted inference leaves the state alone"
        );
        let (y, _) = eqx::filter_vmap_with(
            |x: &Array, st: &State| {
                let opts = nn::StatefulCallOptions {
                    inference: Some(true),
                    ..Default::default()
                };
                bn.call_with_options(x, st.clone(), opts)
            },
            shared_state_spec("batch"),
        )(&xs[steps], &s);
        check(
            &y,
            &case["override_output"],
            LOOSE,
            &format!("{name}: inference override"),
        );
        let (y, _) = bn_step(&inf, &xs[steps], &state);
        check(
            &y,
            &case["fresh_inference_output"],
            LOOSE,
            &format!("{name}: fresh inference"),
        );

        // Gradients of sum(y * ct) at the first step.
        let ct = array_of(&case["ct"]);
        let loss = |m: &nn::BatchNorm, x: &Array| (&bn_step(m, x, &state).0 * &ct).sum(None);
        let grads = &case["grads"];
        if bn.weight.is_some() {
            let (gm, gx) = eqx::filter_grad(|(m, x): &(nn::BatchNorm, Array)| loss(m, x))(&(
                bn.clone(),
                xs[0].clone(),
            ));
            check(
                gm.weight.as_ref().unwrap(),
                &grads["weight"],
                LOOSE,
                &format!("{name}: d/dweight"),
            );
            check(
                gm.bias.as_ref().unwrap(),
                &grads["bias"],
                LOOSE,
                &format!("{name}: d/dbias"),
            );
            check(&gx, &grads["x"], LOOSE, &format!("{name}: d/dx"));
        } else {
            let gx = eqx::filter_grad(|x: &Array| loss(&bn, x))(&xs[0]);
            check(&gx, &grads["x"], LOOSE, &format!("{name}: d/dx"));
        }
    }
    golden().assert_sections_read(BATCH_NORM);
}

#[test]
fn batch_norm_over_two_named_axes() {
    let case = golden().section("batch_norm_two_axes").whole();
    let opts = nn::BatchNormOptions {
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    let (bn, state) = nn::make_with_state(nn::BatchNorm::with_options(2, ["outer", "inner"], opts));
    assert_eq!(format!("{:?}", bn.axis_name), r#"("outer", "inner")"#);
    let inner = |x: &Array, s: &State| {
        eqx::filter_vmap_with(
            |x: &Array, s: &State| bn.call(x, s.clone()),
            shared_state_spec("inner"),
        )(x, s)
    };
    let (y, s) =
        eqx::filter_vmap_with(inner, shared_state_spec("outer"))(&array_of(&case["x"]), &state);
    check(&y, &case["y"], LOOSE, "two axes: output");
    check_leaves(&s, &case["state"], LOOSE, "two axes: state");
    golden().assert_sections_read(TWO_AXES);
}

#[test]
fn batch_norm_defaults_and_structure() {
    let bn = nn::BatchNorm::new(3, "batch");
    // Equinox's default mode "legacy" is ema.
    assert_eq!(bn.mode, nn::BatchNormMode::Ema);
    assert_eq!(
        (bn.eps, bn.momentum, bn.channelwise_affine),
        (1e-5, 0.99, true)
    );
    assert!(!bn.inference.item::<bool>());
    // Before make_with_state the initial states are leaves of the model.
    assert_eq!(tree::leaves(&bn).len(), 6);
    let (bn, state) = nn::make_with_state(bn);
    let paths: Vec<String> = tree::leaves_with_path(&bn)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(paths, ["weight", "bias", "inference"]);
    let paths: Vec<String> = tree::leaves_with_path(&state)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(
        paths,
        [
            r#"["BatchNorm.ema_first_time_index"]"#,
            r#"["BatchNorm.ema_state_index"].0"#,
            r#"["BatchNorm.ema_state_index"].1"#
        ]
    );
    assert_eq!(
        format!("{state:?}"),
        "State(\n  BatchNorm.ema_first_time_index=bool[],\n  BatchNorm.ema_state_index=(f32[3], f32[3])\n)"
    );
    // Two models built alike share markers: each accepts the other's state.
    let (bn2, state2) = nn::make_with_state(nn::BatchNorm::new(3, "batch"));
    assert!(tree::tree_equal(&state, &state2));
    let x = jnp::ones([2, 3]);
    let (a, _) = bn_step(&bn, &x, &state2);
    let (b, _) = bn_step(&bn2, &x, &state);
    assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
    // No affine parameters, float64.
    let opts = nn::BatchNormOptions {
        channelwise_affine: false,
        dtype: DType::F64,
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    let (bn, state) = nn::make_with_state(nn::BatchNorm::with_options(2, "batch", opts));
    assert!(bn.weight.is_none());
    let (y, s) = bn_step(
        &bn,
        &Array::from_vec(vec![1.0f64, 2.0, 3.0, 6.0], [2, 2]),
        &state,
    );
    assert_eq!(y.dtype(), DType::F64);
    assert!((y.to_vec::<f64>()[0] + 1.0).abs() < 1e-4);
    assert_eq!(tree::leaves(&s)[0].item::<i32>(), 1);
}

#[test]
#[should_panic(
    expected = "nn::BatchNorm: unbound axis name: batch. The following axis names (e.g. defined by \
                vmap) are available to collective operations: []"
)]
fn batch_norm_outside_a_named_vmap_panics() {
    let (bn, state) = nn::make_with_state(nn::BatchNorm::new(2, "batch"));
    let _ = bn.call(&jnp::ones([2]), state);
}

#[test]
#[should_panic(expected = "are available to collective operations: [\"other\"]")]
fn batch_norm_inside_a_vmap_of_another_name_lists_it() {
    let (bn, state) = nn::make_with_state(nn::BatchNorm::new(2, "batch"));
    let f = eqx::filter_vmap_with(
        |x: &Array| bn.call(x, state.clone()).0,
        VmapSpec::default().axis_name("other"),
    );
    let _ = f(&jnp::ones([3, 2]));
}

#[test]
fn batch_norm_inference_needs_no_named_axis() {
    let opts = nn::BatchNormOptions {
        inference: true,
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    let (bn, state) = nn::make_with_state(nn::BatchNorm::with_options(2, "batch", opts));
    let (y, _) = bn.call(&Array::from_vec(vec![1.0f32, -2.0], [2]), state);
    // Counter 0: no debiasing; mean 0, variance 1.
    let want = [1.0 / (1.0f32 + 1e-5).sqrt(), -2.0 / (1.0f32 + 1e-5).sqrt()];
    assert_eq!(y.to_vec::<f32>(), want);
}

#[test]
#[should_panic(expected = "nn::BatchNorm: expected one example of shape (input_size=3, ...)")]
fn batch_norm_rejects_a_wrong_channel_count() {
    let (bn, state) = nn::make_with_state(nn::BatchNorm::new(3, "batch"));
    let _ = bn_step(&bn, &jnp::ones([4, 2]), &state);
}

// ---------------------------------------------------------------------------------------------
// State: a PyTree, and its errors

#[test]
fn state_jits_donates_and_serialises() {
    let opts = nn::BatchNormOptions {
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    let (bn, state) = nn::make_with_state(nn::BatchNorm::with_options(2, "batch", opts));
    let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 5.0, 0.0, -1.0], [3, 2]);
    let step =
        eqx::filter_jit_donate(|s: &State, bn: &nn::BatchNorm, x: &Array| bn_step(bn, x, s).1);
    let mut s = state.clone();
    for _ in 0..3 {
        s = step(s, &bn, &x);
    }
    let mut by_hand = state.clone();
    for _ in 0..3 {
        by_hand = bn_step(&bn, &x, &by_hand).1;
    }
    assert!(tree::tree_allclose(&s, &by_hand, 1e-6, 1e-6));
    assert_eq!(tree::leaves(&s)[0].item::<i32>(), 3);

    let path = std::env::temp_dir().join(format!("eqx-nn-stateful-{}.eqx", std::process::id()));
    eqx::tree_serialise_leaves(&path, &(bn.clone(), s.clone())).unwrap();
    let (_, fresh) = nn::make_with_state(nn::BatchNorm::with_options(2, "batch", opts));
    let (_, loaded) = eqx::tree_deserialise_leaves(&path, &(bn, fresh)).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(tree::tree_equal(&loaded, &s));
}

#[test]
#[should_panic(
    expected = "this State has no entry for the StateIndex \"SpectralNorm.uv_index\"; it was made for another model"
)]
fn a_state_from_another_model_is_refused() {
    let (_, bn_state) = nn::make_with_state(nn::BatchNorm::new(4, "batch"));
    let [k1, k2] = random::split_into(random::key(0));
    let (sn, _) = nn::make_with_state(nn::SpectralNorm::new(
        nn::Linear::new(3, 4, k1),
        "weight",
        k2,
    ));
    let _ = sn.call(&jnp::ones([3]), bn_state);
}

#[test]
#[should_panic(expected = "Old and new values have different structures/shapes/dtypes")]
fn setting_a_value_of_another_shape_is_refused() {
    let index = nn::StateIndex::new(jnp::zeros([3]));
    let (index, state) = nn::make_with_state(index);
    let _ = state.set(&index, jnp::zeros([4]));
}

#[test]
#[should_panic(expected = "has no initial value (it was removed by delete_init_state)")]
fn state_of_a_model_without_initial_states_is_refused() {
    let (bn, _) = nn::make_with_state(nn::BatchNorm::new(2, "batch"));
    let _ = State::new(&bn);
}

#[test]
fn state_new_substate_update_and_delete_init_state() {
    let index = nn::StateIndex::new(Array::scalar(1.0f32));
    let pair = (
        index.clone(),
        nn::StateIndex::new((jnp::zeros([2]), Array::scalar(0i32))),
    );
    let state = State::new(&pair);
    assert_eq!(state.len(), 2);
    assert_eq!(state.get(&pair.0).item::<f32>(), 1.0);
    // Unnamed indices have unique markers.
    assert_ne!(pair.0.marker, pair.1.marker);
    let stripped = nn::delete_init_state(&pair);
    assert!(stripped.0.init.is_none() && stripped.1.init.is_none());
    assert_eq!(stripped.0.marker, pair.0.marker);
    assert!(tree::leaves(&stripped).is_empty());

    let (pair, state) = nn::make_with_state(pair);
    assert_eq!(pair.0.marker, "tuple[0]");
    assert_eq!(pair.1.marker, "tuple[1]");
    let sub = state.substate(&pair.1);
    assert_eq!(sub.markers().collect::<Vec<_>>(), ["tuple[1]"]);
    let sub = sub.set(&pair.1, (jnp::ones([2]), Array::scalar(5i32)));
    let state = state.update(sub);
    assert_eq!(state.get(&pair.1).1.item::<i32>(), 5);
    assert_eq!(state.get(&pair.0).item::<f32>(), 1.0);
}

// ---------------------------------------------------------------------------------------------
// SpectralNorm and WeightNorm

/// A layer with a rank-3 weight: `y[o] = sum_ij weight[o, i, j] * x[i, j]` (the script's
/// `Weight3`).
#[derive(Module, Clone)]
struct Weight3 {
    weight: Array,
}

impl Layer for Weight3 {
    fn forward(&self, x: &Array) -> Array {
        (&self.weight * &x.expand_dims(0)).sum(&[1usize, 2][..])
    }
}

#[derive(Module, Clone)]
#[module(transparent)]
enum Inner {
    Linear(nn::Linear),
    Weight3(Weight3),
}

impl Layer for Inner {
    fn forward(&self, x: &Array) -> Array {
        match self {
            Inner::Linear(l) => l.forward(x),
            Inner::Weight3(l) => l.forward(x),
        }
    }
}

fn inner_of(kind: &str, key: random::Key) -> Inner {
    match kind {
        "linear" => Inner::Linear(nn::Linear::new(4, 3, key)),
        _ => Inner::Weight3(Weight3 {
            weight: random::normal(key, [3, 2, 2], DType::F32),
        }),
    }
}

#[test]
fn spectral_norm_matches_equinox() {
    for case in golden().section("spectral_norm").iter() {
        let name = case["name"].as_str().unwrap();
        let keys = random::split_vec(random::key(case["seed"].as_u64().unwrap()), 3);
        let inner = inner_of(case["kind"].as_str().unwrap(), keys[0].clone());
        check_leaves(
            &inner,
            &case["inner_leaves"],
            Tolerance::EXACT,
            &format!("{name}: layer"),
        );
        let mut opts = nn::SpectralNormOptions::default();
        if let Some(n) = case["options"].get("num_power_iterations") {
            opts.num_power_iterations = n.as_u64().unwrap() as usize;
        }
        if let Some(e) = case["options"].get("eps") {
            opts.eps = e.as_f64().unwrap();
        }
        let sn = nn::SpectralNorm::with_options(inner, "weight", opts, keys[1].clone());
        let (sn, state) = nn::make_with_state(sn);
        assert_eq!(
            state.markers().collect::<Vec<_>>(),
            ["SpectralNorm.uv_index"]
        );
        check_leaves(
            &state,
            &case["init_state"],
            LOOSE,
            &format!("{name}: initial u, v"),
        );
        let xs = arrays_of(&case["xs"]);
        let steps = case["outputs"].as_array().unwrap().len();
        let mut s = state.clone();
        for i in 0..steps {
            let (y, s2) = sn.call(&xs[i], s);
            check(
                &y,
                &case["outputs"][i],
                LOOSE,
                &format!("{name}: output {i}"),
            );
            check_leaves(
                &s2,
                &case["states"][i],
                LOOSE,
                &format!("{name}: state {i}"),
            );
            s = s2;
        }
        let (y, s_inf) = nn::inference_mode(&sn, true).call(&xs[steps], s.clone());
        check(
            &y,
            &case["inference_output"],
            LOOSE,
            &format!("{name}: inference"),
        );
        assert!(tree::tree_equal(&s_inf, &s));
        // Jitted, the flag is traced: both branches run and the right one is selected.
        let jitted = eqx::filter_jit(|sn: &nn::SpectralNorm<Inner>, x: &Array, s: &State| {
            sn.call(x, s.clone())
        });
        let (y, s_j) = jitted(&nn::inference_mode(&sn, true), &xs[steps], &s);
        check(
            &y,
            &case["inference_output"],
            LOOSE,
            &format!("{name}: jitted inference"),
        );
        assert!(tree::tree_allclose(&s_j, &s, 0.0, 0.0));
        let (y, _) = jitted(&sn, &xs[0], &state);
        check(
            &y,
            &case["outputs"][0],
            LOOSE,
            &format!("{name}: jitted output 0"),
        );

        let ct = array_of(&case["ct"]);
        let (g_layer, gx) = eqx::filter_grad(|(layer, x): &(Inner, Array)| {
            let m = nn::SpectralNorm {
                layer: layer.clone(),
                ..sn.clone()
            };
            (&m.call(x, state.clone()).0 * &ct).sum(None)
        })(&(sn.layer.clone(), xs[0].clone()));
        check_leaves(
            &g_layer,
            &case["grads"]["layer"],
            LOOSE,
            &format!("{name}: d/dlayer"),
        );
        check(&gx, &case["grads"]["x"], LOOSE, &format!("{name}: d/dx"));
    }
    golden().assert_sections_read(SPECTRAL);
}

#[test]
#[should_panic(expected = "nn::SpectralNorm: `weight` must be at least two-dimensional")]
fn spectral_norm_needs_a_matrix() {
    #[derive(Module, Clone)]
    struct Scale {
        weight: Array,
    }
    impl Layer for Scale {
        fn forward(&self, x: &Array) -> Array {
            x * &self.weight
        }
    }
    let _ = nn::SpectralNorm::new(
        Scale {
            weight: jnp::ones([3]),
        },
        "weight",
        random::key(0),
    );
}

#[test]
fn weight_norm_matches_equinox() {
    for case in golden().section("weight_norm").iter() {
        let name = case["name"].as_str().unwrap();
        let [k1, _] = random::split_into(random::key(case["seed"].as_u64().unwrap()));
        let inner = inner_of(case["kind"].as_str().unwrap(), k1);
        check_leaves(
            &inner,
            &case["inner_leaves"],
            Tolerance::EXACT,
            &format!("{name}: layer"),
        );
        let axis = case["axis"].as_i64().map(|a| a as isize);
        let wn = nn::WeightNorm::with_options(inner, "weight", axis);
        check(&wn.g, &case["g"], TOL, &format!("{name}: g"));
        let x = array_of(&case["x"]);
        check(&wn.forward(&x), &case["y"], TOL, &format!("{name}: output"));
        let moved = eqx::tree_at(
            |m: &mut nn::WeightNorm<Inner>| &mut m.g,
            &wn,
            &(&wn.g * 1.5) + 0.25,
        );
        check(
            &moved.forward(&x),
            &case["y_moved_g"],
            TOL,
            &format!("{name}: output, moved g"),
        );
        let ct = array_of(&case["ct"]);
        let (gm, gx) = eqx::filter_grad(|(m, x): &(nn::WeightNorm<Inner>, Array)| {
            (&m.forward(x) * &ct).sum(None)
        })(&(moved, x));
        check_leaves(
            &gm,
            &case["grads"]["model"],
            LOOSE,
            &format!("{name}: d/dmodel"),
        );
        check(&gx, &case["grads"]["x"], LOOSE, &format!("{name}: d/dx"));
    }
    golden().assert_sections_read(WEIGHT);
}

// ---------------------------------------------------------------------------------------------
// Shared

#[test]
fn shared_ties_weights_as_equinox_does() {
    let case = golden().section("shared").whole();
    type Pair = (nn::Linear, nn::Linear);
    let keys = random::split_vec(random::key(11), 3);
    let pair: Pair = (
        nn::Linear::new(3, 3, keys[0].clone()),
        nn::Linear::new(3, 3, keys[1].clone()),
    );
    check_leaves(
        &pair,
        &case["pair_leaves"],
        Tolerance::EXACT,
        "shared: layers",
    );
    let shared = nn::Shared::new(
        pair,
        |p: &mut Pair| &mut p.1.weight,
        |p: &Pair| p.0.weight.clone(),
    );
    // The tied weight appears once.
    check_leaves(&shared, &case["leaves"], Tolerance::EXACT, "shared: leaves");
    let f = |s: &nn::Shared<Pair, Array>, x: &Array| {
        let (a, b) = s.call();
        b.forward(&jnp::tanh(&a.forward(x)))
    };
    let x = array_of(&case["x"]);
    check(&f(&shared, &x), &case["y"], TOL, "shared: output");
    let grads = eqx::filter_grad(|s: &nn::Shared<Pair, Array>| {
        let y = f(s, &x);
        (&y * &y).sum(None)
    })(&shared);
    check_leaves(&grads, &case["grads"], LOOSE, "shared: gradients");
    golden().assert_sections_read(SHARED);
}

#[test]
#[should_panic(expected = "Every node being shared together must have the same pytree structure")]
fn shared_nodes_must_match() {
    type Pair = (nn::Linear, nn::Linear);
    let pair: Pair = (
        nn::Linear::new(3, 2, random::key(0)),
        nn::Linear::new(2, 3, random::key(1)),
    );
    let _ = nn::Shared::new(
        pair,
        |p: &mut Pair| &mut p.1.weight,
        |p: &Pair| p.0.weight.clone(),
    );
}

// ---------------------------------------------------------------------------------------------
// Sequential

/// The script's `Noise`: `x + scale * normal(key)`, a layer that uses its key but no state.
#[derive(Module, Clone)]
struct Noise {
    scale: f64,
}

impl StatefulLayer for Noise {
    fn is_stateful(&self) -> bool {
        false
    }

    fn call(&self, x: &Array, state: State, key: Option<random::Key>) -> (Array, State) {
        let key = key.expect("Noise needs a key");
        (
            x + &(&random::normal(key, x.shape(), x.dtype()) * self.scale),
            state,
        )
    }
}

nn::layer_enum! {
    #[derive(Clone)]
    enum Block {
        Linear(nn::Linear),
        BatchNorm(nn::BatchNorm),
        Lambda(nn::Lambda),
        Noise(Noise),
        Dropout(nn::Dropout),
        Conv(nn::Conv),
    }
}

fn sequential_model(seed: u64) -> nn::Sequential<Block> {
    let [k1, k2] = random::split_into(random::key(seed));
    let opts = nn::BatchNormOptions {
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    nn::Sequential::new([
        Block::from(nn::Linear::new(3, 4, k1)),
        Block::from(nn::BatchNorm::with_options(4, "batch", opts)),
        Block::from(nn::Lambda::new(nn::relu)),
        Block::from(Noise { scale: 0.1 }),
        Block::from(nn::Linear::new(4, 2, k2)),
    ])
}

#[test]
fn sequential_threads_state_and_keys_as_equinox_does() {
    let case = golden().section("sequential").whole();
    let (seq, state) = nn::make_with_state(sequential_model(21));
    let markers: Vec<&str> = case["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(state.markers().collect::<Vec<_>>(), markers);
    check_leaves(
        &seq,
        &case["leaves"],
        Tolerance::EXACT,
        "sequential: parameters",
    );
    assert!(seq.is_stateful());
    assert!(!seq.layers[0].is_stateful() && seq.layers[1].is_stateful());
    let xs = arrays_of(&case["xs"]);
    let keys: Vec<random::Key> = arrays_of(&case["keys"])
        .into_iter()
        .map(random::Key::from_data)
        .collect();
    let mut s = state;
    for (i, (x, k)) in xs.iter().zip(&keys).enumerate() {
        let (y, s2) = eqx::filter_vmap_with(
            |x: &Array, st: &State| seq.call(x, st.clone(), Some(k.clone())),
            shared_state_spec("batch"),
        )(x, &s);
        check(
            &y,
            &case["outputs"][i],
            LOOSE,
            &format!("sequential: output {i}"),
        );
        check_leaves(
            &s2,
            &case["states"][i],
            LOOSE,
            &format!("sequential: state {i}"),
        );
        s = s2;
    }
    // Without stateful layers: a key only.
    let plain = nn::Sequential::new([0, 2, 3, 4].map(|i| seq[i].clone()));
    assert!(!plain.is_stateful());
    let x0 = xs[0].slice_axis0(0);
    let y = plain.forward_with_key(&x0, Some(keys[0].clone()));
    check(&y, &case["plain_output"], TOL, "sequential: key only");
    let dropping = nn::Sequential::new([
        seq[0].clone(),
        Block::from(nn::Dropout::with_options(0.5, false)),
        seq[4].clone(),
    ]);
    let y = dropping.forward_with_key(&xs[0].slice_axis0(1), Some(keys[1].clone()));
    check(
        &y,
        &case["dropout_output"],
        TOL,
        "sequential: dropout's key",
    );
    golden().assert_sections_read(SEQUENTIAL);
}

trait Row {
    fn slice_axis0(&self, i: usize) -> Array;
}

impl Row for Array {
    fn slice_axis0(&self, i: usize) -> Array {
        eqx::lax::slice_in_dim(self, i, i + 1, 1, 0).squeeze(0)
    }
}

// ---------------------------------------------------------------------------------------------
// .eqx files of models with their State

fn golden_file(name: &str) -> std::path::PathBuf {
    equinox_testing::golden::goldens_dir().join(name)
}

/// Loads `(model, state)` from Equinox's file into `like`, and writes it back byte for byte.
fn load_and_rewrite<T: Module + Clone>(file: &str, like: &(T, State)) -> (T, State) {
    let path = golden_file(file);
    let loaded = eqx::tree_deserialise_leaves(&path, like).unwrap();
    let mut bytes = Vec::new();
    eqx::serialisation::tree_serialise_leaves_to(&mut bytes, &loaded).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(&path).unwrap(),
        "{file}: written back byte for byte"
    );
    loaded
}

#[test]
fn models_with_state_load_from_and_write_to_equinox_files() {
    let files = golden().section("eqx_files");

    let case = files.get("bn");
    let opts = nn::BatchNormOptions {
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    let like = nn::make_with_state(nn::BatchNorm::with_options(3, "batch", opts));
    let (bn, state) = load_and_rewrite(case["file"].as_str().unwrap(), &like);
    assert_eq!(tree::leaves(&state)[0].item::<i32>(), 2);
    let x = array_of(&case["x"]);
    let (y, s) = bn_step(&bn, &x, &state);
    check(&y, &case["y_train"], LOOSE, "bn file: training output");
    check_leaves(&s, &case["state_after"], LOOSE, "bn file: state after");
    let (y, _) = bn_step(&nn::inference_mode(&bn, true), &x, &state);
    check(&y, &case["y_inference"], LOOSE, "bn file: inference output");

    let case = files.get("seq");
    let [k1, _] = random::split_into(random::key(33));
    let opts = nn::BatchNormOptions {
        mode: nn::BatchNormMode::Ema,
        ..Default::default()
    };
    let like = nn::make_with_state(nn::Sequential::new([
        Block::from(nn::Linear::new(2, 3, k1)),
        Block::from(nn::BatchNorm::with_options(3, "batch", opts)),
        Block::from(nn::Lambda::new(nn::relu)),
    ]));
    let (seq, state) = load_and_rewrite(case["file"].as_str().unwrap(), &like);
    assert!(
        !tree::leaves(&state)[0].item::<bool>(),
        "two steps were taken"
    );
    let (y, s) = eqx::filter_vmap_with(
        |x: &Array, st: &State| seq.call(x, st.clone(), None),
        shared_state_spec("batch"),
    )(&array_of(&case["x"]), &state);
    check(&y, &case["y_train"], LOOSE, "seq file: training output");
    check_leaves(&s, &case["state_after"], LOOSE, "seq file: state after");

    // Conv2d (padding 1, no bias) + BatchNorm + ReLU, built from another key: the file's
    // weights replace it, so the outputs below hold only if the convolution's kernel loaded.
    let case = files.get("conv");
    let conv_opts = nn::ConvOptions {
        padding: 1.into(),
        use_bias: false,
        ..Default::default()
    };
    let bn_opts = nn::BatchNormOptions {
        mode: nn::BatchNormMode::Batch,
        ..Default::default()
    };
    let like = nn::make_with_state(nn::Sequential::new([
        Block::from(nn::Conv2d::with_options(2, 4, 3, conv_opts, random::key(0))),
        Block::from(nn::BatchNorm::with_options(4, "batch", bn_opts)),
        Block::from(nn::Lambda::new(nn::relu)),
    ]));
    let (conv, state) = load_and_rewrite(case["file"].as_str().unwrap(), &like);
    let x = array_of(&case["x"]);
    let run = |model: &nn::Sequential<Block>| {
        eqx::filter_vmap_with(
            |x: &Array, st: &State| model.call(x, st.clone(), None),
            shared_state_spec("batch"),
        )(&x, &state)
    };
    let (y, s) = run(&conv);
    check(&y, &case["y_train"], LOOSE, "conv file: training output");
    check_leaves(&s, &case["state_after"], LOOSE, "conv file: state after");
    let (y, _) = run(&nn::inference_mode(&conv, true));
    check(
        &y,
        &case["y_inference"],
        LOOSE,
        "conv file: inference output",
    );
    golden().assert_sections_read(FILES);
}
