//! Clipping (`optax.clip`, `clip_by_global_norm`, `clip_by_block_rms`,
//! `adaptive_grad_clip`, `per_example_global_norm_clip`, `per_example_layer_norm_clip`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};

use crate::base::{require_params, zip_map, EmptyState, GradientTransformation};

/// Clips every update element to `[-max_delta, max_delta]` ([`clip`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip {
    /// The bound.
    pub max_delta: f64,
}

/// Clips every update element to `[-max_delta, max_delta]` (`optax.clip`). No state.
pub fn clip(max_delta: f64) -> Clip {
    Clip { max_delta }
}

impl GradientTransformation for Clip {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let lo = Array::weak_scalar(-self.max_delta);
        let hi = Array::weak_scalar(self.max_delta);
        (
            tree::map(updates, |g| jnp::clip(g, Some(&lo), Some(&hi))),
            *state,
        )
    }
}

/// Rescales the updates to global norm `max_norm` when theirs is larger
/// ([`clip_by_global_norm`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipByGlobalNorm {
    /// The largest global norm let through.
    pub max_norm: f64,
}

/// Where the [`global_norm`](crate::global_norm) of the updates is at least `max_norm`,
/// scales them all by `max_norm / norm` (`optax.clip_by_global_norm`). No state.
pub fn clip_by_global_norm(max_norm: f64) -> ClipByGlobalNorm {
    ClipByGlobalNorm { max_norm }
}

impl GradientTransformation for ClipByGlobalNorm {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let g_norm = crate::numerics::global_norm(updates);
        let trigger = jnp::less(&g_norm, &Array::weak_scalar(self.max_norm));
        let updates = tree::map(updates, |t| {
            let clipped = (t / g_norm.astype(t.dtype())) * self.max_norm;
            jnp::where_(&trigger, t, &clipped)
        });
        (updates, *state)
    }
}

/// Scales each update leaf down to root-mean-square `threshold` when its RMS is larger
/// ([`clip_by_block_rms`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipByBlockRms {
    /// The largest RMS let through.
    pub threshold: f64,
}

/// Divides each update leaf by `max(1, rms(u) / threshold)`, so no leaf's root mean square
/// exceeds `threshold` (`optax.clip_by_block_rms`). No state.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::{clip_by_block_rms, GradientTransformation};
/// let g = vec![Array::from_vec(vec![3.0f32, -3.0], [2])];
/// let t = clip_by_block_rms(1.5);
/// let (u, _) = t.update(&g, &t.init(&g), None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![1.5, -1.5]);
/// ```
pub fn clip_by_block_rms(threshold: f64) -> ClipByBlockRms {
    ClipByBlockRms { threshold }
}

impl GradientTransformation for ClipByBlockRms {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let updates = tree::map(updates, |u| {
            let rms = jnp::sqrt(&jnp::mean(&(u * u), ()));
            let clip_denom = (rms / self.threshold).maximum(&Array::weak_scalar(1.0));
            u / clip_denom
        });
        (updates, *state)
    }
}

/// Optax's message when a leaf's norm has no default reduction axes.
fn unitwise_shape_error(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    format!(
        "Expected parameter with shape in {{1, 2, 3, 4, 5}}, got {shape}. Use axis parameter \
         to specify reduction axes for other shapes."
    )
}

/// The L2 norm of each "unit" of `x`, broadcast to `x`'s shape
/// (`optax.transforms.unitwise_norm`): over `axis` when given, else over the whole of a
/// scalar or vector (or anything that squeezes to one), the input axis 0 of a linear layer
/// (2 or 3 dimensions), and all but the output axis of a convolution kernel (4 or 5, HWIO).
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::unitwise_norm;
/// let w = Array::from_vec(vec![3.0f32, 0.0, 4.0, 1.0], [2, 2]);
/// assert_eq!(unitwise_norm(&w, None).to_vec::<f32>(), vec![5.0, 1.0, 5.0, 1.0]);
/// ```
///
/// # Panics
/// With no `axis`, for 6 or more dimensions (Optax's message).
#[track_caller]
pub fn unitwise_norm(x: &Array, axis: Option<&[i32]>) -> Array {
    let sq = x * x;
    let squared_norm = match axis {
        Some(axes) => jnp::sum_keepdims(&sq, axes),
        None => {
            let squeezed = x.shape().iter().filter(|&&d| d != 1).count();
            if squeezed <= 1 {
                jnp::sum_keepdims(&sq, ())
            } else {
                match x.ndim() {
                    2 | 3 => jnp::sum_keepdims(&sq, [0]),
                    4 => jnp::sum_keepdims(&sq, [0, 1, 2]),
                    5 => jnp::sum_keepdims(&sq, [0, 1, 2, 3]),
                    _ => panic!("{}", unitwise_shape_error(x.shape())),
                }
            }
        }
    };
    jnp::broadcast_to(&jnp::sqrt(&squared_norm), x.shape())
}

/// `grad` where `g_norm < max_norm`, else `grad * max_norm / max(g_norm, div_eps)`
/// (`optax.transforms.unitwise_clip`, `div_eps = 1e-6`).
///
/// # Panics
/// If the three shapes differ.
#[track_caller]
pub fn unitwise_clip(g_norm: &Array, max_norm: &Array, grad: &Array, div_eps: f64) -> Array {
    if g_norm.shape() != max_norm.shape() || g_norm.shape() != grad.shape() {
        panic!(
            "unitwise_clip: the norms, the largest norms and the gradient must have equal \
             shapes, got {:?}, {:?} and {:?}",
            g_norm.shape(),
            max_norm.shape(),
            grad.shape()
        );
    }
    let clipped = grad * (max_norm / g_norm.maximum(&Array::weak_scalar(div_eps)));
    jnp::where_(&jnp::less(g_norm, max_norm), grad, &clipped)
}

/// The options of [`adaptive_grad_clip_with_options`], with Optax's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveGradClipOptions {
    /// The smallest parameter norm the clipping is relative to (1e-3).
    pub eps: f64,
    /// The axes of the unit-wise norms (default: [`unitwise_norm`]'s choice by rank).
    pub axis: Option<Vec<i32>>,
}

impl Default for AdaptiveGradClipOptions {
    fn default() -> Self {
        AdaptiveGradClipOptions {
            eps: 1e-3,
            axis: None,
        }
    }
}

/// Adaptive gradient clipping ([`adaptive_grad_clip`]).
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveGradClip {
    /// The largest ratio of gradient norm to parameter norm.
    pub clipping: f64,
    /// The options.
    pub options: AdaptiveGradClipOptions,
}

/// Clips each unit's gradient to norm `clipping * max(|unit's parameters|, eps)`, norms
/// taken unit-wise ([`unitwise_norm`]) (`optax.adaptive_grad_clip`, Brock et al. 2021, with
/// its defaults). Needs the parameters.
pub fn adaptive_grad_clip(clipping: f64) -> AdaptiveGradClip {
    adaptive_grad_clip_with_options(clipping, AdaptiveGradClipOptions::default())
}

/// [`adaptive_grad_clip`] with options (Optax's `eps` and `axis`).
pub fn adaptive_grad_clip_with_options(
    clipping: f64,
    options: AdaptiveGradClipOptions,
) -> AdaptiveGradClip {
    AdaptiveGradClip { clipping, options }
}

impl GradientTransformation for AdaptiveGradClip {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &EmptyState,
        params: Option<&P>,
    ) -> (P, EmptyState) {
        let params = require_params("adaptive_grad_clip", updates, params);
        let axis = self.options.axis.as_deref();
        let updates = zip_map(updates, params, |_, g, p| {
            if g.is_filtered_out() || p.is_filtered_out() {
                return g.clone();
            }
            let g_norm = unitwise_norm(g, axis);
            let p_norm = unitwise_norm(p, axis);
            let max_norm = self.clipping * p_norm.maximum(&Array::weak_scalar(self.options.eps));
            unitwise_clip(&g_norm, &max_norm, g, 1e-6)
        });
        (updates, *state)
    }
}

/// Panics with Optax's message unless every leaf has the same leading (batch) dimension.
#[track_caller]
fn check_batch_dim<P: PyTree>(op: &str, grads: &P, with_shapes: bool) {
    let leaves = tree::leaves(grads);
    let batch = leaves.first().and_then(|g| g.shape().first().copied());
    let ok = batch.is_some() && leaves.iter().all(|g| g.shape().first().copied() == batch);
    if !ok {
        let mut msg = format!(
            "Unlike other transforms, `{op}` expects `grads` to have a batch dimension in the \
             0th axis"
        );
        if with_shapes {
            msg.push_str(&format!("; got shapes: {}", tree::tree_pformat(grads)));
        }
        panic!("{msg}.");
    }
}

/// Per-example global norms: the L2 norm over all leaves of each slice along axis 0.
fn per_example_norms<P: PyTree>(grads: &P) -> Array {
    let sum_of_squares =
        tree::leaves(grads)
            .into_iter()
            .fold(Array::weak_scalar(0i32), |acc, g| {
                let sq = g.square();
                let axes: Vec<i32> = (1..g.ndim() as i32).collect();
                let per_example = if axes.is_empty() {
                    sq
                } else {
                    jnp::sum(&sq, axes)
                };
                acc + per_example
            });
    jnp::sqrt(&sum_of_squares)
}

/// Clips each example's gradient (a slice along axis 0 of every leaf) to global norm
/// `l2_norm_clip` and sums them over the batch; also returns how many were clipped, an
/// `int32` scalar (`optax.per_example_global_norm_clip`, as in DP-SGD).
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::per_example_global_norm_clip;
/// let grads = vec![Array::from_vec(vec![3.0f32, 4.0, 0.3, 0.4], [2, 2])];
/// let (sum, clipped) = per_example_global_norm_clip(&grads, 1.0);
/// assert_eq!(clipped.item::<i32>(), 1);
/// assert!((sum[0].to_vec::<f32>()[0] - 0.9).abs() < 1e-6); // 3/5 + 0.3
/// ```
///
/// # Panics
/// If a leaf has no leading dimension or the leaves' leading dimensions differ (Optax's
/// message).
#[track_caller]
pub fn per_example_global_norm_clip<P: PyTree>(grads: &P, l2_norm_clip: f64) -> (P, Array) {
    check_batch_dim("per_example_global_norm_clip", grads, false);
    let norms = per_example_norms(grads);
    let ratio = (l2_norm_clip / norms).minimum(&Array::weak_scalar(1.0));
    let multipliers = jnp::where_(&jnp::isnan(&ratio), &Array::weak_scalar(1.0), &ratio);
    let num_clipped = jnp::sum(&jnp::less(&multipliers, &Array::weak_scalar(1.0)), ());
    let clipped_sum = tree::map(grads, |g| jnp::tensordot(&multipliers, g, 1usize));
    (clipped_sum, num_clipped)
}

/// The options of [`per_example_layer_norm_clip_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerExampleLayerNormClipOptions {
    /// Split the global clip norm equally between the leaves (true), or in proportion to
    /// their sizes.
    pub uniform: bool,
}

impl Default for PerExampleLayerNormClipOptions {
    fn default() -> Self {
        PerExampleLayerNormClipOptions { uniform: true }
    }
}

/// [`per_example_global_norm_clip`] leaf by leaf, each leaf clipped to its share of
/// `global_l2_norm_clip` (`optax.per_example_layer_norm_clip` with its defaults: equal
/// shares, `global / sqrt(number of leaves)`). Returns the clipped sums and, per leaf, how
/// many examples were clipped.
#[track_caller]
pub fn per_example_layer_norm_clip<P: PyTree>(grads: &P, global_l2_norm_clip: f64) -> (P, P) {
    per_example_layer_norm_clip_with_options(
        grads,
        global_l2_norm_clip,
        PerExampleLayerNormClipOptions::default(),
    )
}

/// [`per_example_layer_norm_clip`] with options: `uniform: false` gives each leaf the share
/// `global * sqrt(leaf size / total size)` (sizes per example).
///
/// # Panics
/// If a leaf has no leading dimension or the leaves' leading dimensions differ (Optax's
/// message).
#[track_caller]
pub fn per_example_layer_norm_clip_with_options<P: PyTree>(
    grads: &P,
    global_l2_norm_clip: f64,
    options: PerExampleLayerNormClipOptions,
) -> (P, P) {
    check_batch_dim("per_example_layer_norm_clip", grads, true);
    let leaves = tree::leaves(grads);
    let example_size = |g: &Array| g.shape()[1..].iter().product::<usize>();
    let total: usize = leaves.iter().map(|g| example_size(g)).sum();
    let num_layers = leaves.len();
    let mut counts = Vec::with_capacity(num_layers);
    let sums = tree::map(grads, |g| {
        let clip = if options.uniform {
            global_l2_norm_clip * (1.0 / num_layers as f64).powf(0.5)
        } else {
            global_l2_norm_clip * (example_size(g) as f64 / total as f64).powf(0.5)
        };
        let (sum, n) = per_example_global_norm_clip(g, clip);
        counts.push(n);
        sum
    });
    let mut counts = counts.into_iter();
    let num_clipped = tree::map(grads, |_| counts.next().expect("one count per leaf"));
    (sums, num_clipped)
}
