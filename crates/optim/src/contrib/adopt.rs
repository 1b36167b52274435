//! ADOPT (`optax.contrib.scale_by_adopt`, `adopt`).

use std::fmt;
use std::sync::Arc;

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{cast, safe_increment, zero_count, zeros_like};
use crate::ScalarOrSchedule;
use crate::ScaleByAdamState;
use crate::ScaleByLearningRate;

/// The clipping bound of ADOPT's normalised gradient as a function of the step count.
#[derive(Clone)]
pub struct ClipValueFn(Arc<dyn Fn(&Array) -> Array + Send + Sync>);

impl ClipValueFn {
    /// The bound `f(count)`.
    pub fn new(f: impl Fn(&Array) -> Array + Send + Sync + 'static) -> ClipValueFn {
        ClipValueFn(Arc::new(f))
    }
}

impl Default for ClipValueFn {
    /// Optax's default, `count ** 0.25`.
    fn default() -> Self {
        ClipValueFn::new(|count| jnp::power(count, &Array::weak_scalar(0.25)))
    }
}

impl fmt::Debug for ClipValueFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClipValueFn(..)")
    }
}

/// The options of [`scale_by_adopt_with_options`] and [`adopt_with_options`], with Optax's
/// defaults.
#[derive(Clone, Debug)]
pub struct ScaleByAdoptOptions {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.9999).
    pub b2: f64,
    /// The floor of the second moment's root (1e-6).
    pub eps: f64,
    /// The dtype the first moment is kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
    /// Nesterov momentum (false).
    pub nesterov: bool,
    /// Clip the normalised gradient to `[-clip_value_fn(count), clip_value_fn(count)]` (true).
    pub use_clipping: bool,
    /// The clipping bound (default `count ** 0.25`).
    pub clip_value_fn: ClipValueFn,
}

impl Default for ScaleByAdoptOptions {
    fn default() -> Self {
        ScaleByAdoptOptions {
            b1: 0.9,
            b2: 0.9999,
            eps: 1e-6,
            mu_dtype: None,
            nesterov: false,
            use_clipping: true,
            clip_value_fn: ClipValueFn::default(),
        }
    }
}

/// ADOPT's rescaling ([`scale_by_adopt`]).
#[derive(Clone, Debug, Default)]
pub struct ScaleByAdopt {
    /// The options.
    pub options: ScaleByAdoptOptions,
}

/// ADOPT's rescaling (`optax.contrib.scale_by_adopt` with its defaults): the gradient
/// normalised by the previous second moment, clipped, then averaged. The state is Adam's
/// ([`ScaleByAdamState`]).
pub fn scale_by_adopt() -> ScaleByAdopt {
    ScaleByAdopt::default()
}

/// [`scale_by_adopt`] with options.
pub fn scale_by_adopt_with_options(options: ScaleByAdoptOptions) -> ScaleByAdopt {
    ScaleByAdopt { options }
}

/// `(1 - decay) * g**order + decay * t` per leaf with an array decay.
fn update_moment_array<P: PyTree>(updates: &P, moments: &P, decay: &Array, order: i32) -> P {
    tree::map2(updates, moments, |g, t| {
        (1 - decay) * jnp::integer_pow(g, order) + decay * t
    })
}

impl GradientTransformation for ScaleByAdopt {
    type State<P: PyTree> = ScaleByAdamState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdamState<P> {
        ScaleByAdamState {
            count: zero_count(),
            mu: zeros_like(params, self.options.mu_dtype),
            nu: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAdamState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdamState<P>) {
        check_state_tree("scale_by_adopt", updates, &state.nu);
        let o = &self.options;
        // The first step only fills the second moment: `b2 = 0` there, and `b1 = 1` keeps the
        // first moment at zero.
        let started = jnp::greater(&state.count, &Array::weak_scalar(0i32));
        let b2 = jnp::where_(
            &started,
            &Array::weak_scalar(o.b2),
            &Array::weak_scalar(0i32),
        );
        let b1 = jnp::where_(
            &started,
            &Array::weak_scalar(o.b1),
            &Array::weak_scalar(1i32),
        );
        let nu = update_moment_array(updates, &state.nu, &b2, 2);
        let normalise =
            |g: &Array, nu: &Array| g / jnp::maximum(&jnp::sqrt(nu), &Array::weak_scalar(o.eps));
        let mu_updates = if o.use_clipping {
            let clip_value = (o.clip_value_fn.0)(&state.count);
            tree::map2(updates, &state.nu, |g, nu| {
                jnp::clip(&normalise(g, nu), Some(&-&clip_value), Some(&clip_value))
            })
        } else {
            tree::map2(updates, &state.nu, normalise)
        };
        let mu = update_moment_array(&mu_updates, &state.mu, &b1, 1);
        let count_inc = safe_increment(&state.count);
        let updates = if o.nesterov {
            update_moment_array(&mu_updates, &mu, &b1, 1)
        } else {
            tree::map(&mu, Array::clone)
        };
        let mu = cast(mu, o.mu_dtype);
        (
            updates,
            ScaleByAdamState {
                count: count_inc,
                mu,
                nu,
            },
        )
    }
}

/// [`adopt`]'s chain.
pub type Adopt<L> = (ScaleByAdopt, ScaleByLearningRate<L>);

/// ADOPT (`optax.contrib.adopt` with its defaults: `b1 = 0.9`, `b2 = 0.9999`, `eps = 1e-6`,
/// clipping at `count ** 0.25`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, contrib, GradientTransformation};
/// let opt = contrib::adopt(0.1);
/// let mut params = vec![jnp::ones([3])];
/// let mut state = opt.init(&params);
/// for _ in 0..5 {
///     let grads = vec![&params[0] * 2.0];
///     let (u, s) = opt.update(&grads, &state, Some(&params));
///     params = optim::apply_updates(&params, &u);
///     state = s;
/// }
/// assert!(params[0].to_vec::<f32>()[0] < 1.0);
/// ```
pub fn adopt<L: ScalarOrSchedule>(learning_rate: L) -> Adopt<L> {
    adopt_with_options(learning_rate, ScaleByAdoptOptions::default())
}

/// [`adopt`] with options (`optax.contrib.adopt`).
pub fn adopt_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: ScaleByAdoptOptions,
) -> Adopt<L> {
    (
        ScaleByAdopt { options },
        learning_rate.scale_by_learning_rate(true),
    )
}
