//! `lax.reduce_window`, `select_and_scatter_add`, and the `max_pool`/`avg_pool` helpers that
//! Equinox's pooling layers are made of.

use super::conv::{padtype_to_pads, PaddingSpec};
use crate::array::Array;
use crate::prims::binary::BinaryOp;
use crate::prims::conv::dilate_dim;
use crate::prims::layout::Axes;
use crate::prims::rules::py_tuple;
use crate::prims::window::WindowOp;
pub use crate::prims::window::WindowReduceKind;
use crate::prims::{bind1, ops};

fn resolve_pads(
    op: &str,
    shape: &[usize],
    window: &[usize],
    strides: &[usize],
    window_dilation: &[usize],
    padding: PaddingSpec,
) -> Vec<(i64, i64)> {
    if window.len() != shape.len() {
        panic!(
            "{op}: reduce_window got the wrong number of window_dimensions for operand: got \
             operand shape {} with window_dimensions {}",
            py_tuple(shape),
            py_tuple(window)
        );
    }
    if strides.len() != window.len() {
        panic!(
            "{op}: reduce_window got inconsistent window_strides and window_dimensions: got \
             window_strides {} and window_dimensions {}",
            py_tuple(strides),
            py_tuple(window)
        );
    }
    let dilated: Vec<usize> = window
        .iter()
        .zip(window_dilation)
        .map(|(&w, &d)| dilate_dim(w, d))
        .collect();
    padtype_to_pads(shape, &dilated, strides, &padding)
}

/// Options of [`reduce_window_with_options`]; the defaults are JAX's.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReduceWindowOptions<'a> {
    /// Input dilation per axis (`None`, the default: 1 each); the holes hold the identity.
    pub base_dilation: Option<&'a [usize]>,
    /// Window dilation per axis (`None`, the default: 1 each).
    pub window_dilation: Option<&'a [usize]>,
}

/// Reduces each window of `x` with `kind` (`jax.lax.reduce_window` with `lax.max`, `lax.min`
/// or `lax.add` and their identities as the initial value). Padding positions hold the
/// identity. [`reduce_window_with_options`] dilates the input or the window.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::arange(6.0).reshape([2, 3]);
/// let m = lax::reduce_window(&x, lax::WindowReduceKind::Max, &[1, 2], &[1, 1], "VALID");
/// assert_eq!(m.to_vec::<f32>(), vec![1.0, 2.0, 4.0, 5.0]);
/// ```
pub fn reduce_window(
    x: &Array,
    kind: WindowReduceKind,
    window_dimensions: &[usize],
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    reduce_window_with_options(
        x,
        kind,
        window_dimensions,
        window_strides,
        padding,
        ReduceWindowOptions::default(),
    )
}

/// [`reduce_window`] over a dilated input or with a dilated window (see
/// [`ReduceWindowOptions`]).
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::arange(5.0);
/// let options = lax::ReduceWindowOptions { window_dilation: Some(&[2]), ..Default::default() };
/// let s = lax::reduce_window_with_options(
///     &x,
///     lax::WindowReduceKind::Sum,
///     &[2],
///     &[1],
///     "VALID",
///     options,
/// );
/// assert_eq!(s.to_vec::<f32>(), vec![2.0, 4.0, 6.0]); // x[i] + x[i + 2]
/// ```
pub fn reduce_window_with_options(
    x: &Array,
    kind: WindowReduceKind,
    window_dimensions: &[usize],
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    options: ReduceWindowOptions,
) -> Array {
    let ReduceWindowOptions {
        base_dilation,
        window_dilation,
    } = options;
    let ones = vec![1usize; x.ndim()];
    let base_dilation = base_dilation.unwrap_or(&ones);
    let window_dilation = window_dilation.unwrap_or(&ones);
    let padding = resolve_pads(
        "reduce_window",
        x.shape(),
        window_dimensions,
        window_strides,
        window_dilation,
        padding.into(),
    );
    bind1(
        WindowOp::ReduceWindow {
            kind,
            window_dimensions: Axes::from_slice(window_dimensions),
            window_strides: Axes::from_slice(window_strides),
            padding: padding.into_iter().collect(),
            base_dilation: Axes::from_slice(base_dilation),
            window_dilation: Axes::from_slice(window_dilation),
        },
        &[x],
    )
}

/// Scatters `source` (one value per window) onto the first maximum of each window of
/// `operand`, summing where windows overlap: the gradient of max pooling
/// (`select_and_scatter_add` with `select = ge`).
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![1.0f32, 3.0, 2.0, 3.0], [4]);
/// let g = Array::from_vec(vec![10.0f32, 20.0, 30.0], [3]);
/// let out = lax::select_and_scatter_add(&g, &x, &[2], &[1], "VALID");
/// assert_eq!(out.to_vec::<f32>(), vec![0.0, 30.0, 0.0, 30.0]);
/// ```
pub fn select_and_scatter_add(
    source: &Array,
    operand: &Array,
    window_dimensions: &[usize],
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    let ones = vec![1usize; operand.ndim()];
    let padding = resolve_pads(
        "select_and_scatter_add",
        operand.shape(),
        window_dimensions,
        window_strides,
        &ones,
        padding.into(),
    );
    bind1(
        WindowOp::SelectAndScatterAdd {
            window_dimensions: Axes::from_slice(window_dimensions),
            window_strides: Axes::from_slice(window_strides),
            padding: padding.into_iter().collect(),
        },
        &[source, operand],
    )
}

/// Window parameters for the trailing `kernel_size.len()` axes, with window 1 elsewhere.
fn pool_params(
    op: &str,
    x: &Array,
    kernel_size: &[usize],
    strides: &[usize],
    padding: PaddingSpec,
) -> (Vec<usize>, Vec<usize>, Vec<(i64, i64)>) {
    let k = kernel_size.len();
    if k > x.ndim() || strides.len() != k {
        panic!(
            "{op}: kernel_size {kernel_size:?} and strides {strides:?} must have the same \
             length, at most the rank of the input of shape {}",
            x.shape_obj()
        );
    }
    let lead = x.ndim() - k;
    let pads = padtype_to_pads(&x.shape()[lead..], kernel_size, strides, &padding);
    if pads.len() != k {
        panic!("{op}: padding {pads:?} needs one (low, high) pair per pooled axis ({k})");
    }
    let window = std::iter::repeat_n(1, lead)
        .chain(kernel_size.iter().copied())
        .collect();
    let stride = std::iter::repeat_n(1, lead)
        .chain(strides.iter().copied())
        .collect();
    let pad = std::iter::repeat_n((0, 0), lead).chain(pads).collect();
    (window, stride, pad)
}

/// Max pooling over the trailing `kernel_size.len()` axes of `x` (Equinox's `MaxPool1d/2d/3d`
/// on a `(channels, spatial...)` input; leading axes such as batch and channels are kept).
/// Padding never wins the maximum.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::arange(16.0).reshape([1, 4, 4]); // C H W
/// let y = lax::max_pool(&x, &[2, 2], &[2, 2], "VALID");
/// assert_eq!(y.to_vec::<f32>(), vec![5.0, 7.0, 13.0, 15.0]);
/// ```
pub fn max_pool(
    x: &Array,
    kernel_size: &[usize],
    strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    let (w, s, p) = pool_params("max_pool", x, kernel_size, strides, padding.into());
    reduce_window(x, WindowReduceKind::Max, &w, &s, p)
}

/// Average pooling over the trailing `kernel_size.len()` axes: the window sum divided by the
/// window size, padding counting as zeros (Equinox's `AvgPool1d/2d/3d`). Integer inputs give
/// floats.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::arange(4.0).reshape([1, 4]);
/// let y = lax::avg_pool(&x, &[2], &[2], "VALID");
/// assert_eq!(y.to_vec::<f32>(), vec![0.5, 2.5]);
/// ```
pub fn avg_pool(
    x: &Array,
    kernel_size: &[usize],
    strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    let (w, s, p) = pool_params("avg_pool", x, kernel_size, strides, padding.into());
    let sum = reduce_window(x, WindowReduceKind::Sum, &w, &s, p);
    let count: usize = kernel_size.iter().product();
    let count = Array::weak_scalar(count as f64);
    // `jnp.divide`: both sides go to float, and the weak count takes the sum's dtype.
    ops::binary(
        BinaryOp::Div,
        &ops::to_inexact(&sum),
        &ops::to_inexact(&count),
        "divide",
    )
}
