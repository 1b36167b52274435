//! L-BFGS's preconditioning by a memory of past parameter and gradient differences
//! (`optax.scale_by_lbfgs`).

use equinox_core::lax;
use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_same_tree, check_state_tree, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{add_scale, safe_increment, tree_norm_squared, tree_vdot, zeros_like};

/// The state of [`ScaleByLbfgs`] (`optax.ScaleByLBFGSState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByLbfgsState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The previous parameters.
    pub params: P,
    /// The previous updates (gradients).
    pub updates: P,
    /// The last `memory_size` parameter differences, stacked on a leading axis (a ring
    /// buffer).
    pub diff_params_memory: P,
    /// The last `memory_size` gradient differences, likewise.
    pub diff_updates_memory: P,
    /// `1 / <diff_updates, diff_params>` for each memory slot (`float32[memory_size]`).
    pub weights_memory: Array,
}

/// L-BFGS's preconditioning ([`scale_by_lbfgs`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByLbfgs {
    /// How many past differences are kept (10).
    pub memory_size: usize,
    /// Scale the initial inverse Hessian estimate by `<dg, dp> / |dg|^2` (true).
    pub scale_init_precond: bool,
}

impl Default for ScaleByLbfgs {
    fn default() -> Self {
        ScaleByLbfgs {
            memory_size: 10,
            scale_init_precond: true,
        }
    }
}

/// Multiplies the updates by L-BFGS's estimate of the inverse Hessian, built from the last
/// `memory_size` differences of parameters and gradients by the two-loop recursion
/// (`optax.scale_by_lbfgs` with its defaults; build [`ScaleByLbfgs`] for others). Needs
/// the parameters.
pub fn scale_by_lbfgs() -> ScaleByLbfgs {
    ScaleByLbfgs::default()
}

/// Leaf `idx` (a traced-friendly `int32` scalar) of a stacked memory, for every leaf.
fn memory_slot<P: PyTree>(memory: &P, idx: &Array) -> P {
    tree::map(memory, |m| {
        let slot = lax::dynamic_slice_in_dim(m, idx, 1, 0);
        slot.reshape(m.shape()[1..].to_vec())
    })
}

/// `memory.at[idx].set(value)` for every leaf.
fn set_memory_slot<P: PyTree>(memory: &P, idx: &Array, value: &P) -> P {
    tree::map2(memory, value, |m, v| {
        let mut starts = vec![Array::scalar(0i32); m.ndim()];
        starts[0] = idx.clone();
        let mut shape = vec![1];
        shape.extend_from_slice(v.shape());
        lax::dynamic_update_slice(m, &v.astype(m.dtype()).reshape(shape), &starts)
    })
}

impl ScaleByLbfgs {
    /// The two-loop recursion (Optax's `_precondition_by_lbfgs`), unrolled over the memory
    /// in the order of Optax's scans.
    fn precondition<P: PyTree>(
        &self,
        updates: &P,
        diff_params_memory: &P,
        diff_updates_memory: &P,
        weights_memory: &Array,
        identity_scale: &Array,
        memory_idx: &Array,
    ) -> P {
        let m = self.memory_size;
        let m_arr = Array::scalar(m as i32);
        let indices: Vec<Array> = (0..m)
            .map(|k| jnp::remainder(&(memory_idx + k as i32), &m_arr))
            .collect();
        let rho = |idx: &Array| {
            lax::dynamic_slice_in_dim(weights_memory, idx, 1, 0).reshape(Vec::<usize>::new())
        };
        let mut vec = tree::map(updates, Array::clone);
        let mut alphas = vec![Array::scalar(0.0f32); m];
        for k in (0..m).rev() {
            let idx = &indices[k];
            let dwi = memory_slot(diff_params_memory, idx);
            let dui = memory_slot(diff_updates_memory, idx);
            let alpha = rho(idx) * tree_vdot(&dwi, &vec);
            let new = add_scale(&vec, &-&alpha, &dui);
            vec = tree::map2(&new, &vec, |n, v| n.astype(v.dtype()));
            alphas[k] = alpha;
        }
        let mut vec = tree::map(&vec, |v| identity_scale * v);
        for k in 0..m {
            let idx = &indices[k];
            let dwi = memory_slot(diff_params_memory, idx);
            let dui = memory_slot(diff_updates_memory, idx);
            let beta = rho(idx) * tree_vdot(&dui, &vec);
            let new = add_scale(&vec, &(&alphas[k] - &beta), &dwi);
            vec = tree::map2(&new, &vec, |n, v| n.astype(v.dtype()));
        }
        vec
    }
}

impl GradientTransformation for ScaleByLbfgs {
    type State<P: PyTree> = ScaleByLbfgsState<P>;

    #[track_caller]
    fn init<P: PyTree>(&self, params: &P) -> ScaleByLbfgsState<P> {
        assert!(
            self.memory_size >= 1,
            "scale_by_lbfgs: memory_size must be >= 1"
        );
        let stacked = tree::map(params, |p| {
            let mut shape = vec![self.memory_size];
            shape.extend_from_slice(p.shape());
            jnp::zeros_dtype(shape, p.dtype())
        });
        ScaleByLbfgsState {
            count: Array::scalar(0i32),
            params: zeros_like(params, None),
            updates: zeros_like(params, None),
            diff_params_memory: tree::map(&stacked, Array::clone),
            diff_updates_memory: stacked,
            weights_memory: jnp::zeros([self.memory_size]),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByLbfgsState<P>,
        params: Option<&P>,
    ) -> (P, ScaleByLbfgsState<P>) {
        let op = "scale_by_lbfgs";
        let params = params.unwrap_or_else(|| panic!("{op}: {NO_PARAMS_MSG}"));
        check_state_tree(op, updates, &state.updates);
        check_same_tree(op, "the updates", updates, "the parameters", params);
        let m = Array::scalar(self.memory_size as i32);
        let memory_idx = jnp::remainder(&state.count, &m);
        let prev_memory_idx = jnp::remainder(&(&state.count - 1), &m);
        let diff_params = tree::map2(params, &state.params, |a, b| a - b);
        let diff_updates = tree::map2(updates, &state.updates, |a, b| a - b);
        let vdot_diff = tree_vdot(&diff_updates, &diff_params);
        let zero = Array::weak_scalar(0.0f64);
        let weight = jnp::where_(&jnp::equal(&vdot_diff, &zero), &zero, &(1.0 / &vdot_diff));
        let started = jnp::greater(&state.count, &Array::weak_scalar(0i32));
        let keep_if_started = |x: &Array| jnp::where_(&started, x, &jnp::zeros_like(x));
        let diff_params = tree::map(&diff_params, keep_if_started);
        let diff_updates = tree::map(&diff_updates, keep_if_started);
        let weight = keep_if_started(&weight);
        let diff_params_memory =
            set_memory_slot(&state.diff_params_memory, &prev_memory_idx, &diff_params);
        let diff_updates_memory =
            set_memory_slot(&state.diff_updates_memory, &prev_memory_idx, &diff_updates);
        let weights_memory = lax::dynamic_update_slice(
            &state.weights_memory,
            &weight.astype(state.weights_memory.dtype()).reshape([1]),
            std::slice::from_ref(&prev_memory_idx),
        );
        let identity_scale = if self.scale_init_precond {
            let numerator = tree_vdot(&diff_updates, &diff_params);
            let denominator = tree_norm_squared(&diff_updates);
            let scale = jnp::where_(
                &jnp::greater(&denominator, &zero),
                &(numerator / &denominator),
                &Array::weak_scalar(1.0f64),
            );
            let update_norm = jnp::sqrt(&tree_norm_squared(updates));
            let capped_inv_norm = Array::weak_scalar(1.0f64).minimum(&(1.0 / update_norm));
            jnp::where_(&started, &scale, &capped_inv_norm)
        } else {
            Array::weak_scalar(1.0f64)
        };
        let precond = self.precondition(
            updates,
            &diff_params_memory,
            &diff_updates_memory,
            &weights_memory,
            &identity_scale,
            &memory_idx,
        );
        let new_state = ScaleByLbfgsState {
            count: safe_increment(&state.count),
            params: tree::map(params, Array::clone),
            updates: tree::map(updates, Array::clone),
            diff_params_memory,
            diff_updates_memory,
            weights_memory,
        };
        (precond, new_state)
    }
}
