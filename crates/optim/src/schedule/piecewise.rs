//! Piecewise schedules: constant pieces (`optax.piecewise_constant_schedule`) and pieces
//! interpolated between boundaries (`optax.piecewise_interpolate_schedule`).

use equinox_core::{numpy as jnp, s, Array, DType};

/// The `(boundary, scale)` pairs sorted as Python sorts a dict's items, by boundary. A later
/// pair with the same boundary replaces an earlier one, as a later key does in a dict literal.
fn dict_items(boundaries_and_scales: &[(i64, f64)]) -> Vec<(i64, f64)> {
    let mut items: Vec<(i64, f64)> = Vec::new();
    for &(boundary, scale) in boundaries_and_scales {
        match items.iter_mut().find(|(b, _)| *b == boundary) {
            Some(item) => item.1 = scale,
            None => items.push((boundary, scale)),
        }
    }
    items.sort_by_key(|&(b, _)| b);
    items
}

/// `init_value`, multiplied by `scale` from each `(boundary, scale)` step on
/// (`optax.piecewise_constant_schedule`; Optax's `{step: scale}` dict becomes a slice of
/// pairs, in any order).
///
/// ```
/// use equinox_optim::{piecewise_constant_schedule, Schedule};
/// let s = piecewise_constant_schedule(1.0, &[(100, 0.1), (200, 0.1)]);
/// assert_eq!(s.at(50), 1.0);
/// assert!((s.at(150) - 0.1).abs() < 1e-7);
/// assert!((s.at(250) - 0.01).abs() < 1e-7);
/// ```
///
/// # Panics
/// If a scale is negative (Optax's `ValueError` message).
#[track_caller]
pub fn piecewise_constant_schedule(
    init_value: f64,
    boundaries_and_scales: &[(i64, f64)],
) -> impl Fn(&Array) -> Array + Clone + Send + Sync + use<> {
    let items = dict_items(boundaries_and_scales);
    if !items.iter().all(|&(_, s)| s >= 0.0) {
        panic!("`piecewise_constant_schedule` expects non-negative scale factors");
    }
    move |count: &Array| {
        let mut v = Array::weak_scalar(init_value);
        for &(threshold, scale) in &items {
            let indicator = jnp::maximum(
                &Array::weak_scalar(0.0f64),
                &jnp::sign(&(Array::weak_scalar(threshold) - count)),
            );
            v = &v * &indicator + (1 - &indicator) * scale * &v;
        }
        v
    }
}

/// How [`piecewise_interpolate_schedule`] moves between the values at two boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Interpolation {
    /// `(end - start) * pct + start`.
    Linear,
    /// `end + (start - end) / 2 * (cos(pi * pct) + 1)`.
    Cosine,
}

impl Interpolation {
    fn apply(self, start: &Array, end: &Array, pct: &Array) -> Array {
        match self {
            Interpolation::Linear => (end - start) * pct + start,
            Interpolation::Cosine => {
                let cos = jnp::cos(&(std::f64::consts::PI * pct));
                end + (start - end) / 2.0 * (cos + 1)
            }
        }
    }
}

/// A schedule that moves from value to value between boundaries, linearly or along a
/// half cosine (`optax.piecewise_interpolate_schedule`). The value at a boundary is
/// `init_value` times the scales of all boundaries up to it (the scales accumulate); before
/// the first boundary it moves from `init_value`, counting from step 0; after the last it
/// stays at the last value.
///
/// `interpolate_type` is `"linear"` or `"cosine"`, as in Optax; `boundaries_and_scales` is
/// Optax's `{step: scale}` dict as pairs in any order (empty for none).
///
/// ```
/// use equinox_optim::{piecewise_interpolate_schedule, Schedule};
/// let s = piecewise_interpolate_schedule("linear", 1.0, &[(4, 0.1), (8, 0.01)]);
/// assert_eq!(s.at(0), 1.0);
/// assert!((s.at(2) - 0.55).abs() < 1e-7);
/// assert!((s.at(6) - 0.0505).abs() < 1e-7);
/// assert!((s.at(10) - 0.001).abs() < 1e-9);
/// ```
///
/// # Panics
/// If `interpolate_type` is neither, or a scale is negative (Optax's `ValueError` messages).
#[track_caller]
pub fn piecewise_interpolate_schedule(
    interpolate_type: &str,
    init_value: f64,
    boundaries_and_scales: &[(i64, f64)],
) -> impl Fn(&Array) -> Array + Clone + Send + Sync + use<> {
    let interpolation = match interpolate_type {
        "linear" => Interpolation::Linear,
        "cosine" => Interpolation::Cosine,
        _ => panic!("`interpolate_type` must be either 'cosine' or 'linear'"),
    };
    let items = dict_items(boundaries_and_scales);
    if !items.iter().all(|&(_, s)| s >= 0.0) {
        panic!("`piecewise_interpolate_schedule` expects non-negative scale factors");
    }
    // Optax stacks `(0,) + boundaries` (int32) and `(init_value,) + scales` (float32).
    let bounds: Vec<i32> = std::iter::once(0)
        .chain(items.iter().map(|&(b, _)| b as i32))
        .collect();
    let factors: Vec<f32> = std::iter::once(init_value as f32)
        .chain(items.iter().map(|&(_, s)| s as f32))
        .collect();
    move |count: &Array| {
        let n = bounds.len();
        // The running products in float32, by the same cumulative product as Optax's.
        let values = jnp::cumprod(&Array::from_vec(factors.clone(), [n]), 0);
        let last = Array::scalar(bounds[n - 1]);
        let after = jnp::less_equal(&last, count).astype(DType::F32) * values.index(s![-1]);
        if n == 1 {
            // No interval: Optax's dot over zero intervals adds a float32 zero.
            return after + Array::scalar(0.0f32);
        }
        let lo = Array::from_vec(bounds[..n - 1].to_vec(), [n - 1]);
        let hi = Array::from_vec(bounds[1..].to_vec(), [n - 1]);
        let interval_sizes = jnp::maximum(&(&hi - &lo), &Array::weak_scalar(1i32));
        let indicator = jnp::logical_and(&jnp::less_equal(&lo, count), &jnp::less(count, &hi));
        let pct = jnp::divide(&(count - &lo), &interval_sizes);
        let start = values.index(s![..-1]);
        let end = values.index(s![1..]);
        let interpolated = interpolation.apply(&start, &end, &pct);
        jnp::dot(&indicator.astype(DType::F32), &interpolated) + after
    }
}
