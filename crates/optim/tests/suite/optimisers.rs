//! Behaviour of the optimisers of issue 12's part "optimisers" beyond the parity goldens:
//! misuse panics with Optax's messages, and the extra-argument updates.

use equinox_core::transforms::value_and_grad;
use equinox_core::{numpy as jnp, Array};
use equinox_optim::{self as optim, GradientTransformation};
use equinox_testing::panics::panic_message;

const NO_PARAMS: &str = "You are using a transformation that requires the current value of \
    parameters, but you are not passing `params` when calling `update`.";

fn params() -> Vec<Array> {
    vec![Array::from_vec(vec![1.0f32, -2.0, 3.0], [3])]
}

/// A named misuse that should panic.
type Misuse = (&'static str, Box<dyn Fn() + std::panic::RefUnwindSafe>);

#[test]
fn transformations_needing_params_say_so() {
    let cases: Vec<Misuse> = vec![
        (
            "scale_by_trust_ratio",
            Box::new(|| {
                let t = optim::scale_by_trust_ratio();
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
        (
            "scale_by_param_block_norm",
            Box::new(|| {
                let t = optim::scale_by_param_block_norm();
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
        (
            "scale_by_param_block_rms",
            Box::new(|| {
                let t = optim::scale_by_param_block_rms();
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
        (
            "scale_by_novograd",
            Box::new(|| {
                let t = optim::novograd(0.1);
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
        (
            "scale_by_factored_rms",
            Box::new(|| {
                let t = optim::adafactor();
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
        (
            "scale_by_lbfgs",
            Box::new(|| {
                let t = optim::scale_by_lbfgs();
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
        (
            "scale_by_distance_over_gradients",
            Box::new(|| {
                let t = optim::scale_by_distance_over_gradients();
                let _ = t.update(&params(), &t.init(&params()), None);
            }),
        ),
    ];
    for (op, f) in cases {
        let msg = panic_message(&*f);
        assert_eq!(msg, format!("{op}: {NO_PARAMS}"), "{op}");
    }
}

#[test]
fn polyak_needs_the_value() {
    let msg = panic_message(|| {
        let opt = optim::polyak_sgd();
        let _ = opt.update(&params(), &opt.init(&params()), Some(&params()));
    });
    assert!(msg.starts_with("polyak_sgd: update() missing required keyword argument: 'value'"));
    let msg = panic_message(|| {
        let t = optim::scale_by_polyak();
        let _ = t.update(&params(), &t.init(&params()), None);
    });
    assert!(msg.starts_with("scale_by_polyak: update() missing required keyword argument"));
}

#[test]
fn polyak_step_is_the_gap_over_the_squared_gradient_norm() {
    // f(x) = sum(x^2): value 14, gradient 2x with squared norm 56, so the step is 14/56 and
    // x moves to x - x/2 (Optax's documented first step: f = 3.5).
    let f = |x: &Array| x.square().sum(());
    let x = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
    let opt = optim::polyak_sgd();
    let (value, grad) = value_and_grad(f)(&x);
    let (updates, _) = opt.update_with_value(&grad, &opt.init(&x), Some(&x), &value);
    assert_eq!(updates.to_vec::<f32>(), vec![-0.5, -1.0, -1.5]);
    // A zero gradient gives a zero step, not a division by zero.
    let zero = jnp::zeros([3]);
    let (updates, _) = opt.update_with_value(&zero, &opt.init(&x), Some(&x), &value);
    assert_eq!(updates.to_vec::<f32>(), vec![0.0; 3]);
}

#[test]
fn lbfgs_with_a_line_search_needs_the_objective() {
    let msg = panic_message(|| {
        let opt = optim::lbfgs();
        let _ = opt.update(&params(), &opt.init(&params()), Some(&params()));
    });
    assert!(msg.starts_with("lbfgs: update() missing required keyword arguments"));
    // Without a line search the plain update works.
    let opt = optim::lbfgs_with_options(optim::LbfgsOptions {
        linesearch: None,
        ..Default::default()
    });
    let p = params();
    let (u, s) = opt.update(&p, &opt.init(&p), Some(&p));
    assert_eq!(s.0.count.item::<i32>(), 1);
    // The first step is -g scaled to at most unit norm.
    let norm = (u[0].square().sum(())).sqrt().item::<f32>();
    assert!((norm - 1.0).abs() < 1e-6, "{norm}");
}

#[test]
fn lbfgs_minimises_a_quadratic_in_a_few_steps() {
    let target = Array::from_vec(vec![1.0f32, -2.0, 0.5], [3]);
    let scales = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
    let f = |x: &Array| ((x - &target).square() * &scales).sum(());
    let opt = optim::lbfgs();
    let mut x = jnp::zeros([3]);
    let mut state = opt.init(&x);
    // Optax reaches 9e-9 after 5 steps and exactly 0 after 7 on this problem.
    for _ in 0..8 {
        let (value, grad) = value_and_grad(f)(&x);
        let (u, s) =
            opt.update_with_value_and_grad(&grad, &state, &x, &value, &grad, value_and_grad(f));
        x = optim::apply_updates(&x, &u);
        state = s;
    }
    assert!(f(&x).item::<f32>() < 1e-10, "{}", f(&x).item::<f32>());
}

#[test]
fn sm3_rejects_scalar_leaves() {
    let msg = panic_message(|| {
        let t = optim::scale_by_sm3();
        let p = vec![Array::scalar(1.0f32)];
        let _ = t.update(&p, &t.init(&p), None);
    });
    assert_eq!(
        msg,
        "scale_by_sm3: scalar leaves have no axes to accumulate over (shape [])"
    );
}

#[test]
fn stateless_checks_the_number_of_leaves() {
    let msg = panic_message(|| {
        let t = optim::stateless(|g: Vec<Array>, _| g[..1].to_vec());
        let u = (jnp::ones([2]), jnp::ones([3]));
        let _ = t.update(&u, &t.init(&u), None);
    });
    assert_eq!(
        msg,
        "stateless: the function returned 1 leaves for 2 update leaves"
    );
}

#[test]
fn the_noise_is_jax_keyed_and_advances() {
    // The state holds the key data; each step splits it, so two steps draw different noise
    // and the same seed gives the same noise.
    let t = optim::add_noise(1.0, 0.0, 7);
    let g = vec![jnp::zeros([4])];
    let s0 = t.init(&g);
    assert_eq!(s0.rng_key.to_vec::<u32>(), vec![0, 7]);
    let (u1, s1) = t.update(&g, &s0, None);
    let (u2, _) = t.update(&g, &s1, None);
    assert_ne!(u1[0].to_vec::<f32>(), u2[0].to_vec::<f32>());
    let (again, _) = t.update(&g, &t.init(&g), None);
    assert_eq!(u1[0].to_vec::<f32>(), again[0].to_vec::<f32>());
}
