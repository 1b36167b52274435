//! The optimisers used as users use them: on whole Equinox models with static fields and
//! non-float leaves, inside `filter_jit` with the state as an argument, saved and loaded with
//! `tree_serialise_leaves`; and the panics for misuse.

use equinox as eqx;
use equinox_testing::panics::panic_message;
use eqx::optim::{self, GradientTransformation};
use eqx::{numpy as jnp, tree, Array, DType, Module};

#[derive(Module, Clone, Debug)]
struct Model {
    weight: Array,
    bias: Array,
    /// An integer leaf: not differentiated, not updated.
    seen: Array,
    /// Static structure.
    name: String,
}

fn model() -> Model {
    Model {
        weight: Array::from_vec(vec![0.5f32, -1.0, 0.25, 2.0, -0.75, 1.5], [2, 3]),
        bias: Array::from_vec(vec![0.1f32, -0.2], [2]),
        seen: Array::from_vec(vec![7i32], [1]),
        name: "affine".to_string(),
    }
}

fn loss(m: &Model, x: &Array) -> Array {
    let y = jnp::matmul(&m.weight, x) + &m.bias;
    y.tanh().square().sum(())
}

fn x() -> Array {
    Array::from_vec(vec![1.0f32, -2.0, 0.5], [3])
}

/// One step on `loss`, with the gradient of the float leaves only.
fn eager_step<T: GradientTransformation>(
    opt: &T,
    m: &Model,
    s: &T::State<Model>,
) -> (Model, T::State<Model>) {
    let params = eqx::filter(m, eqx::is_inexact_array);
    let grads = eqx::filter_grad(loss)(m, &x());
    let (updates, s) = opt.update(&grads, s, Some(&params));
    (optim::apply_updates(m, &updates), s)
}

#[test]
fn a_whole_model_keeps_its_static_fields_and_non_float_leaves() {
    let m = model();
    let params = eqx::filter(&m, eqx::is_inexact_array);
    let opt = optim::adam(0.1);
    let mut state = opt.init(&params);
    // count, then mu and nu for the two float leaves; the filtered-out slot has no leaf.
    assert_eq!(tree::leaves(&state).len(), 5);
    assert!(state.0.mu.seen.is_filtered_out());
    assert_eq!(state.0.mu.name, "affine");
    let mut current = m.clone();
    for _ in 0..3 {
        (current, state) = eager_step(&opt, &current, &state);
    }
    assert!(current.seen.ptr_eq(&m.seen));
    assert_eq!(current.name, "affine");
    assert!(loss(&current, &x()).item::<f32>() < loss(&m, &x()).item::<f32>());
    assert_eq!(state.0.count.item::<i32>(), 3);
    // Equinox's apply_updates and Optax's agree on float32 trees.
    let grads = eqx::filter_grad(loss)(&current, &x());
    let (updates, _) = opt.update(&grads, &state, None);
    assert!(tree::tree_equal(
        &optim::apply_updates(&current, &updates),
        &eqx::apply_updates(&current, &updates)
    ));
}

#[test]
fn a_jitted_step_takes_the_state_as_an_argument() {
    // A schedule too: under jit the count it reads is traced.
    let opt = optim::adam(optim::warmup_cosine_decay_schedule_with_options(
        0.0,
        0.1,
        2,
        8,
        optim::WarmupCosineDecayOptions {
            end_value: 0.01,
            exponent: 1.0,
        },
    ));
    let m = model();
    let state = opt.init(&eqx::filter(&m, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        |m: &Model,
         s: &(optim::ScaleByAdamState<Model>, optim::ScaleByScheduleState),
         x: &Array| {
            let grads = eqx::filter_grad(loss)(m, x);
            let (updates, s) = opt.update(&grads, s, None);
            (optim::apply_updates(m, &updates), s)
        },
    );
    let (mut jm, mut js) = (m.clone(), state.clone());
    let (mut em, mut es) = (m, state);
    for _ in 0..4 {
        (jm, js) = step(&jm, &js, &x());
        let grads = eqx::filter_grad(loss)(&em, &x());
        let (updates, s) = opt.update(&grads, &es, None);
        em = optim::apply_updates(&em, &updates);
        es = s;
    }
    assert_eq!(js.1.count.item::<i32>(), 4);
    assert_eq!(js.0.count.item::<i32>(), 4);
    assert!(tree::tree_allclose(&jm, &em, 1e-6, 1e-7), "{jm:?}\n{em:?}");
    assert!(tree::tree_allclose(&js, &es, 1e-6, 1e-7));
}

#[test]
fn a_state_saves_and_loads_with_tree_serialise_leaves() {
    let m = model();
    let params = eqx::filter(&m, eqx::is_inexact_array);
    let opt = optim::adamw(0.1);
    let state = opt.init(&params);
    let (_, state) = eager_step(&opt, &m, &state);
    let dir = std::env::temp_dir().join(format!("equinox-optim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.eqx");
    eqx::tree_serialise_leaves(&path, &state).unwrap();
    let fresh = opt.init(&params);
    let loaded = eqx::tree_deserialise_leaves(&path, &fresh).unwrap();
    assert!(tree::tree_equal(&loaded, &state));
    assert_eq!(loaded.0.count.item::<i32>(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_state_for_other_shapes_panics_naming_both_trees() {
    let opt = optim::adam(0.1);
    let state = opt.init(&(jnp::zeros([3, 4]), jnp::zeros([4])));
    let msg = panic_message(|| {
        opt.update(&(jnp::zeros([4, 3]), jnp::zeros([4])), &state, None);
    });
    assert!(msg.starts_with("scale_by_adam: "), "{msg}");
    assert!(msg.contains("the leaf at `.0` has shape [4, 3]"), "{msg}");
    assert!(msg.contains("the updates: (f32[4,3], f32[4])"), "{msg}");
    assert!(
        msg.contains("the tree the state was initialised with: (f32[3,4], f32[4])"),
        "{msg}"
    );
}

#[test]
fn a_state_for_another_structure_panics_naming_both_trees() {
    let opt = optim::sgd_with_options(
        0.1,
        optim::SgdOptions {
            momentum: Some(0.9),
            ..Default::default()
        },
    );
    let state = opt.init(&vec![jnp::zeros([2]), jnp::zeros([2])]);
    let msg = panic_message(|| {
        opt.update(&vec![jnp::zeros([2])], &state, None);
    });
    assert!(msg.starts_with("trace: "), "{msg}");
    assert!(msg.contains("structures differ"), "{msg}");
    assert!(msg.contains("[f32[2]]"), "{msg}");
    assert!(msg.contains("[f32[2], f32[2]]"), "{msg}");
}

#[test]
fn apply_updates_checks_the_trees() {
    let msg = panic_message(|| {
        optim::apply_updates(&(jnp::zeros([2]),), &(jnp::zeros([3]),));
    });
    assert!(
        msg.starts_with("apply_updates: the updates do not match the parameters"),
        "{msg}"
    );
    assert!(
        msg.contains("(f32[3],)") && msg.contains("(f32[2],)"),
        "{msg}"
    );
}

#[test]
fn weight_decay_without_params_panics_with_optaxs_message() {
    let opt = optim::adamw(0.1);
    let p = vec![jnp::ones([2])];
    let state = opt.init(&p);
    let msg = panic_message(|| {
        opt.update(&p, &state, None);
    });
    assert_eq!(
        msg,
        "add_decayed_weights: You are using a transformation that requires the current value \
         of parameters, but you are not passing `params` when calling `update`."
    );
}

#[test]
fn counts_saturate() {
    let opt = optim::scale_by_adam();
    let p = vec![jnp::ones([2])];
    let mut state = opt.init(&p);
    state.count = Array::scalar(i32::MAX);
    let (_, state) = opt.update(&p, &state, None);
    assert_eq!(state.count.item::<i32>(), i32::MAX);
    assert_eq!(
        optim::safe_increment(&Array::scalar(1.5f32)).item::<f32>(),
        2.5
    );
    let msg = panic_message(|| {
        optim::safe_increment(&Array::scalar(true));
    });
    assert!(
        msg.starts_with("Cannot safely increment count with dtype bool"),
        "{msg}"
    );
}

#[test]
fn mu_dtype_keeps_the_first_moment_in_that_dtype() {
    let opt = optim::scale_by_adam_with_options(optim::ScaleByAdamOptions {
        mu_dtype: Some(DType::BF16),
        ..Default::default()
    });
    let p = vec![jnp::ones([2])];
    let state = opt.init(&p);
    assert_eq!(state.mu[0].dtype(), DType::BF16);
    let (u, state) = opt.update(&p, &state, None);
    assert_eq!(state.mu[0].dtype(), DType::BF16);
    assert_eq!(state.nu[0].dtype(), DType::F32);
    assert_eq!(u[0].dtype(), DType::F32);
}

#[test]
fn apply_updates_keeps_each_parameters_dtype() {
    let p = (jnp::ones([2]).astype(DType::F16), jnp::ones([2]));
    let u = (jnp::full([2], 0.5f32), jnp::full([2], 0.5f32));
    let new = optim::apply_updates(&p, &u);
    assert_eq!(new.0.dtype(), DType::F16);
    assert_eq!(new.0.to_vec::<f32>(), vec![1.5, 1.5]);
}

#[test]
fn a_state_prints_like_optaxs_named_tuples() {
    let opt = optim::adam(0.1);
    let state = opt.init(&vec![jnp::zeros([2])]);
    assert_eq!(
        tree::tree_pformat(&state),
        "(ScaleByAdamState(count=i32[], mu=[f32[2]], nu=[f32[2]]), EmptyState())"
    );
}
