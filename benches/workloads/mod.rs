//! The models and losses the Rust benchmarks share (each bench uses some of them).
#![allow(dead_code)]

use equinox as eqx;
use eqx::{nn, random, Array, Module};

/// Mean softmax cross-entropy of the MLP's logits against integer labels.
pub fn xent(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    let classes = logits.shape()[1];
    -(logits.log_softmax(-1) * y.one_hot(classes))
        .sum(-1)
        .mean(None)
}

/// The tutorial's CNN, on one example of shape (1, 28, 28).
#[derive(Module, Clone)]
pub struct Cnn {
    conv: nn::Conv,
    pool: nn::Pool,
    linear1: nn::Linear,
    linear2: nn::Linear,
    linear3: nn::Linear,
}

impl Cnn {
    /// `key1, key2, key3, key4 = jax.random.split(key, 4)`, one per layer with parameters.
    pub fn new(key: random::Key) -> Cnn {
        let [k1, k2, k3, k4] = random::split_into(key);
        Cnn {
            conv: nn::Conv2d::new(1, 3, 4, k1),
            pool: nn::MaxPool2d::new(2),
            linear1: nn::Linear::new(1728, 512, k2),
            linear2: nn::Linear::new(512, 64, k3),
            linear3: nn::Linear::new(64, 10, k4),
        }
    }

    /// Log-probabilities of the ten classes.
    pub fn forward(&self, x: &Array) -> Array {
        let x = self.conv.forward(x);
        let x = nn::relu(&self.pool.forward(&x)).ravel();
        let x = nn::sigmoid(&self.linear1.forward(&x));
        let x = nn::relu(&self.linear2.forward(&x));
        self.linear3.forward(&x).log_softmax(-1)
    }
}

/// The tutorial's `cross_entropy`: minus the mean log-probability of the true labels.
pub fn cross_entropy(model: &Cnn, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    -pred.take_along_axis(&y.expand_dims(1), 1).mean(None)
}
