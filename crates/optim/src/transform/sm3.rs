//! SM3's memory-efficient adaptive rescaling (`optax.scale_by_sm3`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{update_moment, zeros_like};

/// The state of [`ScaleBySm3`] (`optax.ScaleBySM3State`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleBySm3State<P> {
    /// For each present parameter leaf (in leaf order), one accumulator per axis: a vector
    /// of that axis's length (Optax's per-leaf lists).
    pub mu: Vec<Vec<Array>>,
    /// The momentum of the rescaled updates.
    pub nu: P,
}

/// SM3's rescaling ([`scale_by_sm3`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleBySm3 {
    /// Decay of the momentum (0.9).
    pub b1: f64,
    /// Decay of the accumulators; 1 sums them, as SM3 does (1).
    pub b2: f64,
    /// Added inside the root (1e-8).
    pub eps: f64,
}

impl Default for ScaleBySm3 {
    fn default() -> Self {
        ScaleBySm3 {
            b1: 0.9,
            b2: 1.0,
            eps: 1e-8,
        }
    }
}

/// Adagrad-like rescaling that keeps one accumulator per axis of each parameter, not per
/// element, covering an element by the minimum over its axes (`optax.scale_by_sm3` with its
/// defaults; build [`ScaleBySm3`] for others).
pub fn scale_by_sm3() -> ScaleBySm3 {
    ScaleBySm3::default()
}

/// The shape `[1, .., shape[axis], .., 1]`.
fn expanded_shape(shape: &[usize], axis: usize) -> Vec<usize> {
    (0..shape.len())
        .map(|i| if i == axis { shape[axis] } else { 1 })
        .collect()
}

impl GradientTransformation for ScaleBySm3 {
    type State<P: PyTree> = ScaleBySm3State<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleBySm3State<P> {
        let mu = tree::leaves(params)
            .into_iter()
            .map(|p| {
                p.shape()
                    .iter()
                    .map(|&n| jnp::zeros_dtype([n], p.dtype()))
                    .collect()
            })
            .collect();
        ScaleBySm3State {
            mu,
            nu: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleBySm3State<P>,
        _: Option<&P>,
    ) -> (P, ScaleBySm3State<P>) {
        check_state_tree("scale_by_sm3", updates, &state.nu);
        let (c0, c1) = (if self.b2 != 1.0 { 1.0 - self.b2 } else { 1.0 }, self.b2);
        let mut mu_in = state.mu.iter();
        let mut new_mu = Vec::with_capacity(state.mu.len());
        let scaled = tree::map(updates, |g| {
            let v = mu_in.next().expect("one accumulator list per leaf");
            assert!(
                g.ndim() >= 1,
                "scale_by_sm3: scalar leaves have no axes to accumulate over (shape {:?})",
                g.shape()
            );
            let v: Vec<Array> = v
                .iter()
                .enumerate()
                .map(|(i, a)| a.reshape(expanded_shape(g.shape(), i)))
                .collect();
            let g2 = jnp::integer_pow(g, 2);
            let accum = if g.ndim() < 2 {
                c0 * &g2 + c1 * &v[0]
            } else {
                let min = v[1..].iter().fold(v[0].clone(), |acc, x| acc.minimum(x));
                c0 * &g2 + c1 * &min
            };
            let inv_sqrt = jnp::where_(
                &jnp::greater(&accum, &Array::weak_scalar(0i32)),
                &jnp::rsqrt(&(&accum + self.eps)),
                &Array::weak_scalar(0.0f64),
            );
            new_mu.push(if g.ndim() < 2 {
                vec![accum.clone()]
            } else {
                (0..g.ndim())
                    .map(|i| {
                        let others: Vec<i32> =
                            (0..g.ndim() as i32).filter(|&a| a != i as i32).collect();
                        jnp::max(&accum, others)
                    })
                    .collect()
            });
            g * inv_sqrt
        });
        let nu = update_moment(&scaled, &state.nu, self.b1, 1);
        let updates = tree::map(&nu, Array::clone);
        (updates, ScaleBySm3State { mu: new_mu, nu })
    }
}
