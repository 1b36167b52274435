//! Distance over gradients (`optax.scale_by_distance_over_gradients`, DoG).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_same_tree, check_state_tree, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::cast;

/// The state of [`ScaleByDistanceOverGradients`]
/// (`optax.ScaleByDistanceOverGradientsState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByDistanceOverGradientsState<P> {
    /// The largest distance from the initial parameters so far (a scalar per leaf).
    pub max_dist: P,
    /// The running sum of squared gradients (shape `[1]` per leaf).
    pub grad_sum_of_squares: P,
    /// The initial parameters.
    pub init_params: P,
}

/// DoG's learning-rate-free rescaling ([`scale_by_distance_over_gradients`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByDistanceOverGradients {
    /// The initial distance, relative to `1 + norm(params)` (1e-6).
    pub reps_rel: f64,
    /// Added inside the root (1e-8).
    pub eps: f64,
    /// The dtype the initial parameters are kept in (float32).
    pub param_dtype: DType,
    /// A factor on the step (1).
    pub global_scale: f64,
}

impl Default for ScaleByDistanceOverGradients {
    fn default() -> Self {
        ScaleByDistanceOverGradients {
            reps_rel: 1e-6,
            eps: 1e-8,
            param_dtype: DType::F32,
            global_scale: 1.0,
        }
    }
}

/// Scales each leaf's updates by `max distance travelled / sqrt(sum of squared gradients)`
/// (`optax.scale_by_distance_over_gradients` with its defaults; build
/// [`ScaleByDistanceOverGradients`] for others). Needs the parameters.
pub fn scale_by_distance_over_gradients() -> ScaleByDistanceOverGradients {
    ScaleByDistanceOverGradients::default()
}

/// `sqrt(sum((x - y)^2))`.
fn l2(x: &Array, y: Option<&Array>) -> Array {
    let d = match y {
        Some(y) => x - y,
        None => x - 0.0,
    };
    jnp::sqrt(&jnp::sum(&d.square(), ()))
}

impl GradientTransformation for ScaleByDistanceOverGradients {
    type State<P: PyTree> = ScaleByDistanceOverGradientsState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByDistanceOverGradientsState<P> {
        ScaleByDistanceOverGradientsState {
            max_dist: tree::map(params, |x| self.reps_rel * (1 + l2(x, None))),
            grad_sum_of_squares: tree::map(params, |_| jnp::zeros([1])),
            init_params: cast(tree::map(params, Array::clone), Some(self.param_dtype)),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByDistanceOverGradientsState<P>,
        params: Option<&P>,
    ) -> (P, ScaleByDistanceOverGradientsState<P>) {
        let op = "scale_by_distance_over_gradients";
        let params = params.unwrap_or_else(|| panic!("{op}: {NO_PARAMS_MSG}"));
        check_state_tree(op, updates, &state.init_params);
        check_same_tree(op, "the updates", updates, "the parameters", params);
        let max_dist = tree::map_n(&[&state.max_dist, params, &state.init_params], |a| {
            a[0].maximum(&l2(a[1], Some(a[2])))
        });
        let g_sos = tree::map2(&state.grad_sum_of_squares, updates, |s, g| {
            s + jnp::sum(&g.square(), ())
        });
        let new_updates = tree::map_n(&[updates, &max_dist, &g_sos], |a| {
            let eta = self.global_scale * (a[1] / jnp::sqrt(&(a[2] + self.eps)));
            eta * a[0]
        });
        (
            new_updates,
            ScaleByDistanceOverGradientsState {
                max_dist,
                grad_sum_of_squares: g_sos,
                init_params: tree::map(&state.init_params, Array::clone),
            },
        )
    }
}
