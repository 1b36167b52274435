//! Annealed Gaussian gradient noise (`optax.add_noise`).

use equinox_core::random::{self, Key};
use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::GradientTransformation;
use crate::numerics::{safe_increment, zero_count};

/// The state of [`AddNoise`] (`optax.AddNoiseState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct AddNoiseState {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The key data (`uint32[2]`) of the key the next step splits (Optax's `rng_key`,
    /// `jax.random.key_data` of it).
    pub rng_key: Array,
}

/// Gaussian noise added to the updates ([`add_noise`]).
#[derive(Clone, Debug)]
pub struct AddNoise {
    /// The noise variance at the first step.
    pub eta: f64,
    /// The decay exponent of the variance, `eta / t^gamma`.
    pub gamma: f64,
    /// The initial key.
    pub key: Key,
}

/// Adds Gaussian noise of variance `eta / t^gamma` at step `t` to every update
/// (`optax.add_noise` with an integer `key`, a seed as `jax.random.key(seed)` makes it).
/// The noise is JAX's bit for bit: each step splits the key, then splits the sample key into
/// one key per leaf and draws `jax.random.normal` with it.
pub fn add_noise(eta: f64, gamma: f64, seed: u64) -> AddNoise {
    add_noise_with_key(eta, gamma, random::key(seed))
}

/// [`add_noise`] starting from a given key (`optax.add_noise` with a key).
pub fn add_noise_with_key(eta: f64, gamma: f64, key: Key) -> AddNoise {
    AddNoise { eta, gamma, key }
}

impl GradientTransformation for AddNoise {
    type State<P: PyTree> = AddNoiseState;

    fn init<P: PyTree>(&self, _params: &P) -> AddNoiseState {
        AddNoiseState {
            count: zero_count(),
            rng_key: self.key.data().clone(),
        }
    }

    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &AddNoiseState,
        _: Option<&P>,
    ) -> (P, AddNoiseState) {
        let count = safe_increment(&state.count);
        let variance = self.eta / jnp::power(&count, &Array::weak_scalar(self.gamma));
        // `optax.tree.add_scale` makes the scalar a (strongly typed) array.
        let standard_deviation = jnp::sqrt(&variance);
        let key = self.key.with_data(state.rng_key.clone());
        let [rng_key, sample_key] = random::split_into(key);
        let mut keys = random::split_vec(sample_key, tree::num_leaves(updates)).into_iter();
        let updates = tree::map(updates, |g| {
            let k = keys.next().expect("one key per leaf");
            g + &standard_deviation * random::normal(k, g.shape().to_vec(), g.dtype())
        });
        (
            updates,
            AddNoiseState {
                count,
                rng_key: rng_key.into_data(),
            },
        )
    }
}
