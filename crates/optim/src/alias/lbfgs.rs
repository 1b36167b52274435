//! L-BFGS with its zoom line search.

use equinox_core::tree::PyTree;
use equinox_core::Array;

use super::ScaleByLearningRate;
use crate::base::{Either, GradientTransformation};
use crate::schedule::ScalarOrSchedule;
use crate::transform::{scale, InitialGuessStrategy, Scale, ScaleByLbfgs, ScaleByZoomLinesearch};

/// The options of [`lbfgs_with_options`], with Optax's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct LbfgsOptions<L = f64> {
    /// A learning rate, or `None` (the default) to take the line search's step as it is.
    pub learning_rate: Option<L>,
    /// How many past differences are kept (10).
    pub memory_size: usize,
    /// Scale the initial inverse Hessian estimate (true).
    pub scale_init_precond: bool,
    /// The line search, or `None` for none (default: the zoom line search with 20 steps
    /// and a first trial step of 1).
    pub linesearch: Option<ScaleByZoomLinesearch>,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            learning_rate: None,
            memory_size: 10,
            scale_init_precond: true,
            linesearch: Some(ScaleByZoomLinesearch {
                initial_guess_strategy: InitialGuessStrategy::One,
                ..crate::transform::scale_by_zoom_linesearch(20)
            }),
        }
    }
}

/// L-BFGS (`optax.lbfgs`): Optax's chain of [`ScaleByLbfgs`](crate::ScaleByLbfgs), the
/// learning rate (or `scale(-1)`) and the line search. With a line search, step with
/// [`Lbfgs::update_with_value_and_grad`]; without one the plain `update` works.
pub struct Lbfgs<L: ScalarOrSchedule = f64> {
    /// The preconditioning.
    pub lbfgs: ScaleByLbfgs,
    /// `scale(-1)` without a learning rate, else the negated learning rate.
    pub scaling: Either<Scale, ScaleByLearningRate<L>>,
    /// The line search, if any.
    pub linesearch: Option<ScaleByZoomLinesearch>,
}

/// L-BFGS with Optax's defaults (`optax.lbfgs()`): memory 10, a zoom line search of at
/// most 20 steps starting from step size 1.
///
/// ```
/// use equinox_core::{transforms::value_and_grad, Array};
/// use equinox_optim::{self as optim, GradientTransformation};
/// // A quadratic bowl centred on (1, -2).
/// let f = |x: &Array| (x - Array::from_vec(vec![1.0f32, -2.0], [2])).square().sum(());
/// let opt = optim::lbfgs();
/// let mut x = Array::from_vec(vec![0.0f32, 0.0], [2]);
/// let mut state = opt.init(&x);
/// for _ in 0..5 {
///     let (value, grad) = value_and_grad(f)(&x);
///     let (updates, s) =
///         opt.update_with_value_and_grad(&grad, &state, &x, &value, &grad, value_and_grad(f));
///     x = optim::apply_updates(&x, &updates);
///     state = s;
/// }
/// assert!(f(&x).item::<f32>() < 1e-8);
/// ```
pub fn lbfgs() -> Lbfgs {
    lbfgs_with_options(LbfgsOptions::default())
}

/// [`lbfgs`] with options (`optax.lbfgs`).
pub fn lbfgs_with_options<L: ScalarOrSchedule>(options: LbfgsOptions<L>) -> Lbfgs<L> {
    Lbfgs {
        lbfgs: ScaleByLbfgs {
            memory_size: options.memory_size,
            scale_init_precond: options.scale_init_precond,
        },
        scaling: match options.learning_rate {
            None => Either::Left(scale(-1.0)),
            Some(lr) => Either::Right(lr.scale_by_learning_rate(true)),
        },
        linesearch: options.linesearch,
    }
}

impl<L: ScalarOrSchedule> Lbfgs<L> {
    /// `update` with the objective (Optax's `update(grads, state, params, value=value,
    /// grad=grad, value_fn=value_fn)`): `value` and `grad` at `params`, and
    /// `value_and_grad_fn` to evaluate both at the line search's trial points (e.g.
    /// `equinox_core::transforms::value_and_grad(loss)`).
    #[track_caller]
    pub fn update_with_value_and_grad<P: PyTree>(
        &self,
        updates: &P,
        state: &<Self as GradientTransformation>::State<P>,
        params: &P,
        value: &Array,
        grad: &P,
        value_and_grad_fn: impl FnMut(&P) -> (Array, P),
    ) -> (P, <Self as GradientTransformation>::State<P>) {
        let (u, s0) = self.lbfgs.update(updates, &state.0, Some(params));
        let (u, s1) = self.scaling.update(&u, &state.1, Some(params));
        let (u, s2) = match (&self.linesearch, &state.2) {
            (Some(ls), Some(ls_state)) => {
                let (u, s) = ls.update_with_value_and_grad(
                    &u,
                    ls_state,
                    params,
                    value,
                    grad,
                    value_and_grad_fn,
                );
                (u, Some(s))
            }
            (None, None) => (u, None),
            _ => panic!("lbfgs: the state was initialised for another line search setting"),
        };
        (u, (s0, s1, s2))
    }
}

impl<L: ScalarOrSchedule> GradientTransformation for Lbfgs<L> {
    type State<P: PyTree> = (
        <ScaleByLbfgs as GradientTransformation>::State<P>,
        <Either<Scale, ScaleByLearningRate<L>> as GradientTransformation>::State<P>,
        Option<<ScaleByZoomLinesearch as GradientTransformation>::State<P>>,
    );

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        (
            self.lbfgs.init(params),
            self.scaling.init(params),
            self.linesearch.as_ref().map(|ls| ls.init(params)),
        )
    }

    /// The step without a line search; with one, use
    /// [`Lbfgs::update_with_value_and_grad`].
    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        assert!(
            self.linesearch.is_none(),
            "lbfgs: update() missing required keyword arguments: 'value', 'grad' and \
             'value_fn' (the line search needs them); call `update_with_value_and_grad`"
        );
        let (u, s0) = self.lbfgs.update(updates, &state.0, params);
        let (u, s1) = self.scaling.update(&u, &state.1, params);
        (u, (s0, s1, None))
    }
}
