//! The quickstart: a model as a plain struct, a loss batched with `vmap`, and a compiled SGD
//! training step built from `filter_jit` and `filter_value_and_grad`, as in Equinox.
//!
//! It fits a small MLP to the toy regression `y = sin(2 x0) * cos(x1)` and prints the loss
//! going down. Run with `cargo run --release --example quickstart`.

use equinox as eqx;
use eqx::{nn, random, Array, DType, Module};

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

    // One SGD step, compiled on the first call and replayed from the cache afterwards.
    let learning_rate = 0.1;
    let step = eqx::filter_jit(move |model: &Mlp, x: &Array, y: &Array| {
        let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
        let model = eqx::tree::map2(model, &grads, |p, g| p - g * learning_rate);
        (model, l)
    });

    let first_loss = loss(&model, &x, &y).item::<f32>();
    println!("step    0  loss {first_loss:.5}");
    let mut last_loss = first_loss;
    for i in 1..=500 {
        let (new_model, l) = step(&model, &x, &y);
        model = new_model;
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
