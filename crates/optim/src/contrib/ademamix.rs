//! AdEMAMix and its simplified form (`optax.contrib.scale_by_ademamix`, `ademamix`,
//! `scale_by_simplified_ademamix`, `simplified_ademamix`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use super::hyper::{update_moment_hyper, Hyperparameter};
use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, safe_increment, update_moment, update_moment_per_elem_norm, zero_count,
    zeros_like,
};
use crate::ScalarOrSchedule;
use crate::ScaleByLearningRate;
use crate::{AddDecayedWeights, Mask};

/// The state of [`ScaleByAdemamix`] (`optax.contrib.ScaleByAdemamixState`), leaves in Optax's
/// order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByAdemamixState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The count the `b3` and `alpha` schedules read.
    pub count_m2: Array,
    /// The fast moving average of the gradients.
    pub m1: P,
    /// The slow moving average of the gradients.
    pub m2: P,
    /// The second moment.
    pub nu: P,
}

/// The options of [`scale_by_ademamix_with_options`], with Optax's defaults; `b3` and `alpha`
/// are constants or schedules.
#[derive(Clone, Debug)]
pub struct ScaleByAdemamixOptions<B3 = f64, A = f64> {
    /// Decay of the fast average (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.999).
    pub b2: f64,
    /// Decay of the slow average (0.9999).
    pub b3: B3,
    /// The weight of the slow average (6.0 for `scale_by_ademamix`, 5.0 for `ademamix`).
    pub alpha: A,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// The dtype the moments are kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
}

impl Default for ScaleByAdemamixOptions {
    fn default() -> Self {
        ScaleByAdemamixOptions {
            b1: 0.9,
            b2: 0.999,
            b3: 0.9999,
            alpha: 6.0,
            eps: 1e-8,
            eps_root: 0.0,
            mu_dtype: None,
        }
    }
}

/// AdEMAMix's rescaling ([`scale_by_ademamix`]).
#[derive(Clone, Debug)]
pub struct ScaleByAdemamix<B3 = f64, A = f64> {
    /// The options.
    pub options: ScaleByAdemamixOptions<B3, A>,
}

impl Default for ScaleByAdemamix {
    fn default() -> Self {
        ScaleByAdemamix {
            options: ScaleByAdemamixOptions::default(),
        }
    }
}

/// AdEMAMix's rescaling, `(m1_hat + alpha * m2) / (sqrt(nu_hat + eps_root) + eps)` with a fast
/// and a slow average of the gradients (`optax.contrib.scale_by_ademamix` with its defaults).
pub fn scale_by_ademamix() -> ScaleByAdemamix {
    ScaleByAdemamix::default()
}

/// [`scale_by_ademamix`] with options.
pub fn scale_by_ademamix_with_options<B3: Hyperparameter, A: Hyperparameter>(
    options: ScaleByAdemamixOptions<B3, A>,
) -> ScaleByAdemamix<B3, A> {
    ScaleByAdemamix { options }
}

impl<B3: Hyperparameter, A: Hyperparameter> GradientTransformation for ScaleByAdemamix<B3, A> {
    type State<P: PyTree> = ScaleByAdemamixState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdemamixState<P> {
        let mu_dtype = self.options.mu_dtype;
        ScaleByAdemamixState {
            count: zero_count(),
            count_m2: zero_count(),
            m1: zeros_like(params, mu_dtype),
            m2: zeros_like(params, mu_dtype),
            nu: zeros_like(params, mu_dtype),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAdemamixState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdemamixState<P>) {
        check_state_tree("scale_by_ademamix", updates, &state.nu);
        let o = &self.options;
        let b3 = o.b3.value_at(&state.count_m2);
        let alpha = o.alpha.value_at(&state.count_m2).to_array();
        let m1 = update_moment(updates, &state.m1, o.b1, 1);
        let m2 = update_moment_hyper(updates, &state.m2, &b3, 1);
        let nu = update_moment_per_elem_norm(updates, &state.nu, o.b2, 2);
        let count_inc = safe_increment(&state.count);
        let count_m2_inc = safe_increment(&state.count_m2);
        let m1_hat = bias_correction(&m1, o.b1, &count_inc);
        let nu_hat = bias_correction(&nu, o.b2, &count_inc);
        let updates = tree::map_n(&[&m1_hat, &m2, &nu_hat], |l| {
            (l[0] + &alpha * l[1]) / (jnp::sqrt(&(l[2] + o.eps_root)) + o.eps)
        });
        (
            updates,
            ScaleByAdemamixState {
                count: count_inc,
                count_m2: count_m2_inc,
                m1,
                m2,
                nu,
            },
        )
    }
}

/// [`ademamix`]'s chain.
pub type Ademamix<L, B3 = f64, A = f64> = (
    ScaleByAdemamix<B3, A>,
    AddDecayedWeights,
    ScaleByLearningRate<L>,
);

/// The options of [`ademamix_with_options`], with Optax's defaults (`alpha = 5.0` here).
#[derive(Clone, Debug)]
pub struct AdemamixOptions<B3 = f64, A = f64> {
    /// The rescaling's options.
    pub ademamix: ScaleByAdemamixOptions<B3, A>,
    /// The weight decay (0).
    pub weight_decay: f64,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for AdemamixOptions {
    fn default() -> Self {
        AdemamixOptions {
            ademamix: ScaleByAdemamixOptions {
                alpha: 5.0,
                ..Default::default()
            },
            weight_decay: 0.0,
            mask: None,
        }
    }
}

/// AdEMAMix (`optax.contrib.ademamix` with its defaults: `b1 = 0.9`, `b2 = 0.999`,
/// `b3 = 0.9999`, `alpha = 5`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{contrib, GradientTransformation};
/// let opt = contrib::ademamix(0.01);
/// let params = vec![jnp::ones([2])];
/// let state = opt.init(&params);
/// let (u, state) = opt.update(&params, &state, Some(&params));
/// // The first step is Adam's plus alpha times the slow average's first step.
/// assert!((u[0].to_vec::<f32>()[0] + 0.01 * (1.0 + 5.0 * 1e-4)).abs() < 1e-7);
/// assert_eq!(state.0.count_m2.item::<i32>(), 1);
/// ```
pub fn ademamix<L: ScalarOrSchedule>(learning_rate: L) -> Ademamix<L> {
    ademamix_with_options(learning_rate, AdemamixOptions::default())
}

/// [`ademamix`] with options (`optax.contrib.ademamix`).
pub fn ademamix_with_options<L: ScalarOrSchedule, B3: Hyperparameter, A: Hyperparameter>(
    learning_rate: L,
    options: AdemamixOptions<B3, A>,
) -> Ademamix<L, B3, A> {
    (
        ScaleByAdemamix {
            options: options.ademamix,
        },
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.mask,
        },
        learning_rate.scale_by_learning_rate(true),
    )
}

/// The state of [`ScaleBySimplifiedAdemamix`]
/// (`optax.contrib.ScaleBySimplifiedAdEMAMixState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleBySimplifiedAdemamixState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub t: Array,
    /// The accumulated gradients, `g + b1 * m`.
    pub m: P,
    /// The second moment.
    pub n: P,
}

/// The options of [`scale_by_simplified_ademamix_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct ScaleBySimplifiedAdemamixOptions<A = f64> {
    /// Decay of the accumulated gradients (0.99).
    pub b1: f64,
    /// Decay of the second moment (0.95).
    pub b2: f64,
    /// The weight of the current gradient, a constant or a schedule (0).
    pub alpha: A,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
}

impl Default for ScaleBySimplifiedAdemamixOptions {
    fn default() -> Self {
        ScaleBySimplifiedAdemamixOptions {
            b1: 0.99,
            b2: 0.95,
            alpha: 0.0,
            eps: 1e-8,
            eps_root: 0.0,
        }
    }
}

/// The simplified AdEMAMix rescaling ([`scale_by_simplified_ademamix`]).
#[derive(Clone, Debug)]
pub struct ScaleBySimplifiedAdemamix<A = f64> {
    /// The options.
    pub options: ScaleBySimplifiedAdemamixOptions<A>,
}

impl Default for ScaleBySimplifiedAdemamix {
    fn default() -> Self {
        ScaleBySimplifiedAdemamix {
            options: ScaleBySimplifiedAdemamixOptions::default(),
        }
    }
}

/// The simplified AdEMAMix rescaling, `(m + alpha * g) / (sqrt(n_hat + eps_root) + eps)` with
/// `m = g + b1 * m` (`optax.contrib.scale_by_simplified_ademamix` with its defaults).
pub fn scale_by_simplified_ademamix() -> ScaleBySimplifiedAdemamix {
    ScaleBySimplifiedAdemamix::default()
}

/// [`scale_by_simplified_ademamix`] with options.
pub fn scale_by_simplified_ademamix_with_options<A: Hyperparameter>(
    options: ScaleBySimplifiedAdemamixOptions<A>,
) -> ScaleBySimplifiedAdemamix<A> {
    ScaleBySimplifiedAdemamix { options }
}

impl<A: Hyperparameter> GradientTransformation for ScaleBySimplifiedAdemamix<A> {
    type State<P: PyTree> = ScaleBySimplifiedAdemamixState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleBySimplifiedAdemamixState<P> {
        ScaleBySimplifiedAdemamixState {
            t: zero_count(),
            m: zeros_like(params, None),
            n: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleBySimplifiedAdemamixState<P>,
        _: Option<&P>,
    ) -> (P, ScaleBySimplifiedAdemamixState<P>) {
        check_state_tree("scale_by_simplified_ademamix", updates, &state.n);
        let o = &self.options;
        let alpha = o.alpha.value_at(&state.t).to_array();
        let m = tree::map2(updates, &state.m, |g, m| g + o.b1 * m);
        // `lerp(b2, g*g, n) = g*g + b2 * (n - g*g)`.
        let n = tree::map2(updates, &state.n, |g, n| {
            let g2 = g * g;
            &g2 + o.b2 * (n - &g2)
        });
        let t = safe_increment(&state.t);
        let n_hat = bias_correction(&n, o.b2, &t);
        let u = tree::map_n(&[&m, updates, &n_hat], |l| {
            (l[0] + &alpha * l[1]) / (jnp::sqrt(&(l[2] + o.eps_root)) + o.eps)
        });
        (u, ScaleBySimplifiedAdemamixState { t, m, n })
    }
}

/// [`simplified_ademamix`]'s chain.
pub type SimplifiedAdemamix<L, A = f64> = (
    ScaleBySimplifiedAdemamix<A>,
    AddDecayedWeights,
    ScaleByLearningRate<L>,
);

/// The options of [`simplified_ademamix_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct SimplifiedAdemamixOptions<A = f64> {
    /// The rescaling's options.
    pub ademamix: ScaleBySimplifiedAdemamixOptions<A>,
    /// The weight decay (0).
    pub weight_decay: f64,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for SimplifiedAdemamixOptions {
    fn default() -> Self {
        SimplifiedAdemamixOptions {
            ademamix: ScaleBySimplifiedAdemamixOptions::default(),
            weight_decay: 0.0,
            mask: None,
        }
    }
}

/// Simplified AdEMAMix (`optax.contrib.simplified_ademamix` with its defaults).
pub fn simplified_ademamix<L: ScalarOrSchedule>(learning_rate: L) -> SimplifiedAdemamix<L> {
    simplified_ademamix_with_options(learning_rate, SimplifiedAdemamixOptions::default())
}

/// [`simplified_ademamix`] with options (`optax.contrib.simplified_ademamix`).
pub fn simplified_ademamix_with_options<L: ScalarOrSchedule, A: Hyperparameter>(
    learning_rate: L,
    options: SimplifiedAdemamixOptions<A>,
) -> SimplifiedAdemamix<L, A> {
    (
        ScaleBySimplifiedAdemamix {
            options: options.ademamix,
        },
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.mask,
        },
        learning_rate.scale_by_learning_rate(true),
    )
}
