//! The quickstart: a model as a plain struct, a loss batched with `vmap`, and a compiled
//! training step built from `filter_jit`, `filter_value_and_grad` and Optax's AdamW
//! (`eqx::optim`), as in the Equinox tutorial.
//!
//! It fits a small MLP to the toy regression `y = sin(2 x0) * cos(x1)` and prints the loss
//! going down. Run with `cargo run --release --example quickstart`.

use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType, Module};

/// The optimiser's state for an `Mlp`: a PyTree, so it is an ordinary argument of the step.
type OptState = <optim::AdamW<f64> as GradientTransformation>::State<Mlp>;

/// A multi-layer perceptron written by hand: the `Linear` layers' arrays are the PyTree's
/// leaves, the activation function is static structure.
#[derive(Module, Clone, Debug)]
struct Mlp {
    layers: Vec<nn::Linear>,
    activation: fn(&Array) -> Array,
}

impl Mlp {
    /// `sizes[0] -> sizes[1] -> ... -> sizes[n]`, each layer from its own key.
    fn new(sizes: &[usize], activation: fn(&Array) -> Array, key: random::Key) -> Mlp {
        let keys = random::split_vec(key, sizes.len() - 1);
        let layers = sizes
            .windows(2)
            .zip(keys)
            .map(|(io, k)| nn::Linear::new(io[0], io[1], k))
            .collect();
        Mlp { layers, activation }
    }

    /// Acts on ONE example, like an Equinox module; batches come from `vmap`.
    fn forward(&self, x: &Array) -> Array {
        let (last, hidden) = self.layers.split_last().unwrap();
        let x = hidden
            .iter()
            .fold(x.clone(), |x, l| (self.activation)(&l.forward(&x)));
        last.forward(&x)
    }
}

/// Mean squared error over a batch: `forward` mapped over the rows of `x`.
fn loss(model: &Mlp, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    (pred - y).square().mean(None)
}

fn main() {
    let [data_key, model_key] = random::split_into(random::key(0));

    // Toy regression data: 256 points in [-1, 1]^2, targets of shape (256, 1).
    let x = random::uniform(data_key, [256, 2], DType::F32, -1.0, 1.0);
    let (x0, x1) = (x.index(eqx::s![.., 0..1]), x.index(eqx::s![.., 1..2]));
    let y = (x0 * 2.0).sin() * x1.cos();

    let mut model = Mlp::new(&[2, 32, 32, 1], nn::tanh, model_key);

    // AdamW, its state initialised for the model's float arrays (here: all of its arrays).
    let optimiser = optim::adamw(0.01);
    let mut opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array, false));

    // One training step, compiled on the first call and replayed from the cache afterwards.
    let step = eqx::filter_jit(
        move |model: &Mlp, opt_state: &OptState, x: &Array, y: &Array| {
            let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
            let (updates, opt_state) = optimiser.update(&grads, opt_state, Some(model));
            (eqx::apply_updates(model, &updates), opt_state, l)
        },
    );

    let first_loss = loss(&model, &x, &y).item::<f32>();
    println!("step    0  loss {first_loss:.5}");
    let mut last_loss = first_loss;
    for i in 1..=500 {
        let (new_model, new_state, l) = step(&model, &opt_state, &x, &y);
        (model, opt_state) = (new_model, new_state);
        last_loss = l.item::<f32>();
        if i % 50 == 0 {
            println!("step {i:4}  loss {last_loss:.5}");
        }
    }
    assert!(
        last_loss < first_loss / 10.0,
        "training should cut the loss tenfold: {first_loss} -> {last_loss}"
    );
    println!("trained model:\n{}", eqx::tree_pformat(&model));
}
