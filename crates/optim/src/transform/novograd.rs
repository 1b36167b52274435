//! NovoGrad's rescaling by layer-wise second moments (`optax.scale_by_novograd`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_same_tree, check_state_tree, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{cast, safe_increment, zero_count, zeros_like};

/// The state of [`ScaleByNovograd`] (`optax.ScaleByNovogradState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByNovogradState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The first moment of the normalised gradients.
    pub mu: P,
    /// The second moment of each leaf's gradient norm (a scalar per leaf).
    pub nu: P,
}

/// NovoGrad's rescaling ([`scale_by_novograd`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByNovograd {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.25).
    pub b2: f64,
    /// Added to the root of the second moment (1e-8; [`novograd`](crate::novograd) uses
    /// 1e-6).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// Weight decay added to the normalised gradients (0).
    pub weight_decay: f64,
    /// The dtype the first moment is kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
}

impl Default for ScaleByNovograd {
    fn default() -> Self {
        ScaleByNovograd {
            b1: 0.9,
            b2: 0.25,
            eps: 1e-8,
            eps_root: 0.0,
            weight_decay: 0.0,
            mu_dtype: None,
        }
    }
}

/// Normalises each leaf's gradient by the running second moment of its norm, adds weight
/// decay and keeps momentum (`optax.scale_by_novograd` with its defaults; build
/// [`ScaleByNovograd`] for others). Needs the parameters.
pub fn scale_by_novograd() -> ScaleByNovograd {
    ScaleByNovograd::default()
}

impl GradientTransformation for ScaleByNovograd {
    type State<P: PyTree> = ScaleByNovogradState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByNovogradState<P> {
        ScaleByNovogradState {
            count: zero_count(),
            mu: zeros_like(params, self.mu_dtype),
            nu: tree::map(params, |p| jnp::zeros_dtype((), p.dtype())),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByNovogradState<P>,
        params: Option<&P>,
    ) -> (P, ScaleByNovogradState<P>) {
        let params = params.unwrap_or_else(|| panic!("scale_by_novograd: {NO_PARAMS_MSG}"));
        check_state_tree("scale_by_novograd", updates, &state.mu);
        check_same_tree(
            "scale_by_novograd",
            "the updates",
            updates,
            "the parameters",
            params,
        );
        let count = safe_increment(&state.count);
        // Optax's `lax.cond(count == 1, init, update)`, as a select so it also traces.
        let first = jnp::equal(&count, &Array::weak_scalar(1i32));
        let nu = tree::map2(updates, &state.nu, |g, n| {
            let norm_sq = jnp::integer_pow(&jnp::sqrt(&jnp::sum(&(g * g), ())), 2);
            let initial = norm_sq.astype(n.dtype());
            let decayed = (1.0 - self.b2) * &norm_sq + self.b2 * n;
            jnp::where_(&first, &initial, &decayed)
        });
        let normalised = tree::map_n(&[updates, params, &nu], |a| {
            a[0] / (jnp::sqrt(&(a[2] + self.eps_root)) + self.eps) + self.weight_decay * a[1]
        });
        let mu = tree::map2(&state.mu, &normalised, |m, u| {
            jnp::where_(&first, u, &(self.b1 * m + u))
        });
        let mu = cast(mu, self.mu_dtype);
        let updates = tree::map(&mu, Array::clone);
        (updates, ScaleByNovogradState { count, mu, nu })
    }
}
