//! Stochastic gradient descent and its variants: SGD (with momentum or Nesterov momentum),
//! noisy SGD, sign SGD, Polyak SGD, optimistic gradient descent, Rprop.

use equinox_core::random::{self, Key};
use equinox_core::tree::PyTree;
use equinox_core::{Array, DType};

use super::{scaled, ScaleByLearningRate, Scaled};
use crate::base::{EmptyState, GradientTransformation};
use crate::schedule::ScalarOrSchedule;
use crate::transform::{
    scale, AddNoise, PolyakVariant, Scale, ScaleByOptimisticGradient, ScaleByPolyak, ScaleByRprop,
    ScaleBySign, Trace,
};

/// [`sgd`]'s chain: optional momentum, then the learning rate.
pub type Sgd<L> = (Option<Trace>, ScaleByLearningRate<L>);

/// The options of [`sgd_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SgdOptions {
    /// The momentum decay, or `None` for none (the default).
    pub momentum: Option<f64>,
    /// Nesterov momentum (false).
    pub nesterov: bool,
    /// The dtype of the momentum accumulator (default: the parameters').
    pub accumulator_dtype: Option<DType>,
}

/// Stochastic gradient descent: `-learning_rate * g` (`optax.sgd` with its defaults).
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation};
///
/// // Minimise sum((p - 3)^2) by hand-written gradients.
/// let opt = optim::sgd(0.25);
/// let mut params = vec![jnp::zeros([2])];
/// let mut state = opt.init(&params);
/// for _ in 0..20 {
///     let grads = vec![(&params[0] - 3.0) * 2.0];
///     let (updates, s) = opt.update(&grads, &state, Some(&params));
///     params = optim::apply_updates(&params, &updates);
///     state = s;
/// }
/// assert!((params[0].to_vec::<f32>()[0] - 3.0).abs() < 1e-4);
/// ```
pub fn sgd<L: ScalarOrSchedule>(learning_rate: L) -> Sgd<L> {
    sgd_with_options(learning_rate, SgdOptions::default())
}

/// [`sgd`] with momentum or Nesterov momentum (`optax.sgd`):
/// `sgd_with_options(0.1, SgdOptions { momentum: Some(0.9), nesterov: true,
/// ..Default::default() })`.
pub fn sgd_with_options<L: ScalarOrSchedule>(learning_rate: L, options: SgdOptions) -> Sgd<L> {
    let momentum = options.momentum.map(|decay| Trace {
        decay,
        nesterov: options.nesterov,
        accumulator_dtype: options.accumulator_dtype,
    });
    (momentum, learning_rate.scale_by_learning_rate(true))
}

/// [`noisy_sgd`]'s chain.
pub type NoisySgd<L> = Scaled<AddNoise, L>;

/// The options of [`noisy_sgd_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct NoisySgdOptions {
    /// The noise variance at the first step (0.01).
    pub eta: f64,
    /// The decay exponent of the variance (0.55).
    pub gamma: f64,
    /// The initial key (`jax.random.key(0)`, Optax's default seed).
    pub key: Key,
}

impl Default for NoisySgdOptions {
    fn default() -> Self {
        NoisySgdOptions {
            eta: 0.01,
            gamma: 0.55,
            key: random::key(0),
        }
    }
}

/// SGD with annealed Gaussian gradient noise (`optax.noisy_sgd` with its defaults, key 0).
pub fn noisy_sgd<L: ScalarOrSchedule>(learning_rate: L) -> NoisySgd<L> {
    noisy_sgd_with_options(learning_rate, NoisySgdOptions::default())
}

/// [`noisy_sgd`] with options (`optax.noisy_sgd`).
pub fn noisy_sgd_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: NoisySgdOptions,
) -> NoisySgd<L> {
    scaled(
        AddNoise {
            eta: options.eta,
            gamma: options.gamma,
            key: options.key,
        },
        learning_rate,
    )
}

/// [`sign_sgd`]'s chain.
pub type SignSgd<L> = Scaled<ScaleBySign, L>;

/// SGD on the signs of the gradients (`optax.sign_sgd`).
pub fn sign_sgd<L: ScalarOrSchedule>(learning_rate: L) -> SignSgd<L> {
    scaled(ScaleBySign, learning_rate)
}

/// [`optimistic_gradient_descent`]'s chain.
pub type OptimisticGradientDescent<L> = Scaled<ScaleByOptimisticGradient, L>;

/// The options of [`optimistic_gradient_descent_with_options`] (`alpha = beta = 1`).
pub type OptimisticGradientDescentOptions = ScaleByOptimisticGradient;

/// Optimistic gradient descent, for saddle-point problems
/// (`optax.optimistic_gradient_descent` with its defaults).
pub fn optimistic_gradient_descent<L: ScalarOrSchedule>(
    learning_rate: L,
) -> OptimisticGradientDescent<L> {
    optimistic_gradient_descent_with_options(
        learning_rate,
        OptimisticGradientDescentOptions::default(),
    )
}

/// [`optimistic_gradient_descent`] with options (`optax.optimistic_gradient_descent`).
pub fn optimistic_gradient_descent_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: OptimisticGradientDescentOptions,
) -> OptimisticGradientDescent<L> {
    scaled(options, learning_rate)
}

/// [`rprop`]'s chain: Rprop's steps, negated.
pub type Rprop = (ScaleByRprop, Scale);

/// The options of [`rprop_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RpropOptions {
    /// The factor the step shrinks by when the gradient changes sign (0.5).
    pub eta_minus: f64,
    /// The factor the step grows by when it keeps its sign (1.2).
    pub eta_plus: f64,
    /// The smallest step size (1e-6).
    pub min_step_size: f64,
    /// The largest step size (50).
    pub max_step_size: f64,
}

impl Default for RpropOptions {
    fn default() -> Self {
        RpropOptions {
            eta_minus: 0.5,
            eta_plus: 1.2,
            min_step_size: 1e-6,
            max_step_size: 50.0,
        }
    }
}

/// Rprop, resilient backpropagation (`optax.rprop` with its defaults); the learning rate is
/// the initial step size.
pub fn rprop(learning_rate: f64) -> Rprop {
    rprop_with_options(learning_rate, RpropOptions::default())
}

/// [`rprop`] with options (`optax.rprop`).
pub fn rprop_with_options(learning_rate: f64, options: RpropOptions) -> Rprop {
    (
        ScaleByRprop {
            learning_rate,
            eta_minus: options.eta_minus,
            eta_plus: options.eta_plus,
            min_step_size: options.min_step_size,
            max_step_size: options.max_step_size,
        },
        scale(-1.0),
    )
}

/// SGD with the Polyak step size ([`polyak_sgd`]): Optax's `chain(sgd(scaling),
/// scale_by_polyak(..))`, whose update needs the objective's value.
pub struct PolyakSgd<L: ScalarOrSchedule> {
    /// `sgd(scaling)`.
    pub sgd: Sgd<L>,
    /// The Polyak step size.
    pub polyak: ScaleByPolyak,
}

/// The options of [`polyak_sgd_with_options`], with Optax's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct PolyakSgdOptions<L = f64> {
    /// The largest step size (1).
    pub max_learning_rate: f64,
    /// A global factor, a constant or a schedule (1).
    pub scaling: L,
    /// A lower bound on the objective (0).
    pub f_min: f64,
    /// Added to the squared gradient norm (0).
    pub eps: f64,
    /// `sps` or `sps+` (`sps`).
    pub variant: PolyakVariant,
}

impl Default for PolyakSgdOptions {
    fn default() -> Self {
        PolyakSgdOptions {
            max_learning_rate: 1.0,
            scaling: 1.0,
            f_min: 0.0,
            eps: 0.0,
            variant: PolyakVariant::Sps,
        }
    }
}

/// SGD with the Polyak step size (`optax.polyak_sgd` with its defaults). Step with
/// [`PolyakSgd::update_with_value`], giving the objective's value at the current
/// parameters:
///
/// ```
/// use equinox_core::{transforms::value_and_grad, Array};
/// use equinox_optim::{self as optim, GradientTransformation};
/// let f = |x: &Array| x.square().sum(());
/// let opt = optim::polyak_sgd();
/// let mut x = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// let mut state = opt.init(&x);
/// let (value, grad) = value_and_grad(f)(&x);
/// let (updates, s) = opt.update_with_value(&grad, &state, Some(&x), &value);
/// x = optim::apply_updates(&x, &updates);
/// state = s;
/// assert_eq!(f(&x).item::<f32>(), 3.5); // Optax's documented first step
/// ```
pub fn polyak_sgd() -> PolyakSgd<f64> {
    polyak_sgd_with_options(PolyakSgdOptions::default())
}

/// [`polyak_sgd`] with options (`optax.polyak_sgd`).
pub fn polyak_sgd_with_options<L: ScalarOrSchedule>(options: PolyakSgdOptions<L>) -> PolyakSgd<L> {
    PolyakSgd {
        sgd: super::sgd(options.scaling),
        polyak: ScaleByPolyak {
            f_min: options.f_min,
            max_learning_rate: options.max_learning_rate,
            eps: options.eps,
            variant: options.variant,
        },
    }
}

impl<L: ScalarOrSchedule> PolyakSgd<L> {
    /// `update` with the objective's value at the current parameters (Optax's
    /// `update(grads, state, params, value=value)`).
    pub fn update_with_value<P: PyTree>(
        &self,
        updates: &P,
        state: &<Self as GradientTransformation>::State<P>,
        params: Option<&P>,
        value: &Array,
    ) -> (P, <Self as GradientTransformation>::State<P>) {
        let (u, s0) = self.sgd.update(updates, &state.0, params);
        let (u, s1) = self.polyak.update_with_value(&u, &state.1, params, value);
        (u, (s0, s1))
    }
}

impl<L: ScalarOrSchedule> GradientTransformation for PolyakSgd<L> {
    type State<P: PyTree> = (<Sgd<L> as GradientTransformation>::State<P>, EmptyState);

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        (self.sgd.init(params), EmptyState {})
    }

    #[track_caller]
    fn update<P: PyTree>(&self, _: &P, _: &Self::State<P>, _: Option<&P>) -> (P, Self::State<P>) {
        panic!(
            "polyak_sgd: update() missing required keyword argument: 'value'; call \
             `update_with_value` with the objective's value at the current parameters"
        )
    }
}
