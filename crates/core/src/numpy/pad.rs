//! `jnp.pad` with every mode of `jax.numpy.pad` (JAX 0.10.2): [`pad`] for constant padding and
//! [`pad_with`] taking [`PadOptions`].
//!
//! Each mode is built as JAX's `_pad_*` helpers build it, one axis after another and from the
//! same lax-level pieces (`lax.pad`, slices, reversals, `repeat`, concatenation, reductions,
//! sorting), so values match JAX's (the corners of a multi-axis pad see the axes padded before
//! them) and gradients flow back to the elements each padding value came from.

use super::creation::zeros_dtype;
use super::joining::repeat;
use super::manipulation::flip;
use super::math::{floor, isnan, round, where_};
use super::promotion::{convert, to_inexact};
use super::reductions::{any, max_keepdims, mean_keepdims, min_keepdims};
use super::sorting::sort;
use crate::array::{Array, DType};
use crate::lax;

/// Whether [`PadMode::Reflect`] and [`PadMode::Symmetric`] reflect the values themselves
/// (`"even"`, JAX's default) or reflect them through the edge value (`"odd"`: each padded
/// value is `2 * edge - mirrored`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReflectType {
    /// `reflect_type="even"` (the default): the mirrored values unchanged.
    #[default]
    Even,
    /// `reflect_type="odd"`: the mirrored values reflected through the edge value.
    Odd,
}

/// The `mode` of `jnp.pad`, with the keyword arguments that mode reads.
///
/// Per-axis lists (`ConstantPairs`, `end_values`, `stat_length`) hold one `(before, after)`
/// pair for every axis, or a single pair used for all axes, as `pad_width` does.
#[derive(Clone, Debug, PartialEq)]
pub enum PadMode {
    /// `mode="constant", constant_values=v` (the default, with `0.0`): the value is converted
    /// to the array's dtype as JAX converts it (a float truncates toward zero for integers).
    Constant(f64),
    /// `mode="constant"` with `(before, after)` constants per axis. Axes are padded in
    /// order, so the corners take the value of the later axis.
    ConstantPairs(Vec<(f64, f64)>),
    /// `mode="edge"`: the edge value repeated.
    Edge,
    /// `mode="reflect"`: mirrored without repeating the edge (`[1, 2, 3]` padded by 2 before
    /// gives `[3, 2, 1, 2, 3]`); wider pads keep reflecting.
    Reflect {
        /// `reflect_type` (default [`ReflectType::Even`]).
        reflect_type: ReflectType,
    },
    /// `mode="symmetric"`: mirrored including the edge (`[1, 2, 3]` padded by 2 before gives
    /// `[2, 1, 1, 2, 3]`); wider pads keep reflecting.
    Symmetric {
        /// `reflect_type` (default [`ReflectType::Even`]).
        reflect_type: ReflectType,
    },
    /// `mode="wrap"`: the array repeated periodically.
    Wrap,
    /// `mode="linear_ramp"`: a ramp from the end value to the edge value (the edge excluded),
    /// computed in the array's inexact dtype and floored for integer arrays, as JAX's
    /// `linspace` does.
    LinearRamp {
        /// `end_values`: `(before, after)` per axis or one pair for all (JAX's default is
        /// `0`, i.e. `vec![(0.0, 0.0)]`).
        end_values: Vec<(f64, f64)>,
    },
    /// `mode="maximum"`: the maximum along the axis (of the first/last `stat_length` elements).
    Maximum {
        /// `stat_length`: how many elements next to each edge the statistic reads (`None`:
        /// the whole axis). Lengths longer than the axis are clipped; zero panics.
        stat_length: Option<Vec<(usize, usize)>>,
    },
    /// `mode="minimum"`: the minimum along the axis.
    Minimum {
        /// `stat_length`, as for [`PadMode::Maximum`].
        stat_length: Option<Vec<(usize, usize)>>,
    },
    /// `mode="mean"`: the mean along the axis, rounded half to even for integer arrays.
    Mean {
        /// `stat_length`, as for [`PadMode::Maximum`].
        stat_length: Option<Vec<(usize, usize)>>,
    },
    /// `mode="median"`: the median along the axis (the midpoint of the middle two for an even
    /// count; NaN if the values hold one), rounded half to even for integer arrays.
    Median {
        /// `stat_length`, as for [`PadMode::Maximum`].
        stat_length: Option<Vec<(usize, usize)>>,
    },
    /// `mode="empty"`: JAX's `empty` is `zeros`, so this pads with zeros.
    Empty,
}

impl Default for PadMode {
    /// `mode="constant"` with `constant_values=0`.
    fn default() -> PadMode {
        PadMode::Constant(0.0)
    }
}

/// The optional settings of [`pad_with`], with `jnp.pad`'s defaults from [`Default`]:
/// constant padding with zeros.
///
/// ```
/// use equinox_core::numpy::{PadMode, PadOptions, ReflectType};
/// let opts = PadOptions {
///     mode: PadMode::Reflect { reflect_type: ReflectType::Odd },
/// };
/// assert_eq!(PadOptions::default().mode, PadMode::Constant(0.0));
/// # let _ = opts;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PadOptions {
    /// The padding mode and its arguments (default `Constant(0.0)`).
    pub mode: PadMode,
}

impl From<PadMode> for PadOptions {
    /// Options with the given mode.
    fn from(mode: PadMode) -> PadOptions {
        PadOptions { mode }
    }
}

/// `jnp.pad(x, pad_width, mode="constant", constant_values=value)`: `(before, after)` elements
/// of `value` around each axis. `pad_width` has one pair per axis, or a single pair for all.
/// [`pad_with`] gives the other modes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::ones([1, 2]);
/// let y = jnp::pad(&x, &[(0, 1), (1, 0)], 0.0);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
/// ```
///
/// # Panics
/// If `pad_width` has neither one pair nor one per axis.
pub fn pad(x: &Array, pad_width: &[(usize, usize)], value: f64) -> Array {
    pad_with(x, pad_width, PadMode::Constant(value).into())
}

/// `jnp.pad(x, pad_width, mode=..., **kwargs)`: pads `(before, after)` elements around each
/// axis as `options.mode` says. `pad_width` has one pair per axis, or a single pair for all.
/// The result has `x`'s dtype; a 0-d array comes back unchanged, as in JAX.
///
/// ```
/// use equinox_core::numpy::{self as jnp, PadMode, PadOptions, ReflectType};
/// use equinox_core::Array;
/// let x = Array::from_vec(vec![1, 2, 3], [3]);
/// let reflect = PadOptions { mode: PadMode::Reflect { reflect_type: ReflectType::Even } };
/// assert_eq!(jnp::pad_with(&x, &[(2, 1)], reflect).to_vec::<i32>(), vec![3, 2, 1, 2, 3, 2]);
/// let wrap = jnp::pad_with(&x, &[(4, 0)], PadMode::Wrap.into());
/// assert_eq!(wrap.to_vec::<i32>(), vec![3, 1, 2, 3, 1, 2, 3]);
/// // The mean of the first two and of the last one, rounded half to even for integers.
/// let mean = PadMode::Mean { stat_length: Some(vec![(2, 1)]) };
/// assert_eq!(jnp::pad_with(&x, &[(1, 1)], mean.into()).to_vec::<i32>(), vec![2, 1, 2, 3, 3]);
/// ```
///
/// # Panics
/// If `pad_width` (or a per-axis list of the mode) has neither one pair nor one per axis; if
/// an axis of size 0 is padded with `Edge`, `Reflect`, `Symmetric` or `Wrap`; if the array has
/// an axis of size 0 with `LinearRamp`, `Maximum`, `Minimum` or `Median` (JAX raises for
/// these too); if a `stat_length` is 0.
pub fn pad_with(x: &Array, pad_width: &[(usize, usize)], options: PadOptions) -> Array {
    let widths = pairs(x, pad_width, "pad_width");
    if x.ndim() == 0 {
        return x.clone();
    }
    match &options.mode {
        PadMode::Constant(v) => {
            let config: Vec<(i64, i64, i64)> = widths
                .iter()
                .map(|&(a, b)| (a as i64, b as i64, 0))
                .collect();
            lax::pad(x, &constant(*v, x), &config)
        }
        PadMode::ConstantPairs(values) => {
            pad_constant_pairs(x, &widths, &pairs(x, values, "constant_values"))
        }
        PadMode::Edge => pad_edge(x, &widths),
        PadMode::Wrap => pad_wrap(x, &widths),
        PadMode::Reflect { reflect_type } => pad_reflect(x, &widths, false, *reflect_type),
        PadMode::Symmetric { reflect_type } => pad_reflect(x, &widths, true, *reflect_type),
        PadMode::LinearRamp { end_values } => {
            pad_linear_ramp(x, &widths, &pairs(x, end_values, "end_values"))
        }
        PadMode::Maximum { stat_length } => pad_stats(x, &widths, stat_length, Stat::Maximum),
        PadMode::Minimum { stat_length } => pad_stats(x, &widths, stat_length, Stat::Minimum),
        PadMode::Mean { stat_length } => pad_stats(x, &widths, stat_length, Stat::Mean),
        PadMode::Median { stat_length } => pad_stats(x, &widths, stat_length, Stat::Median),
        PadMode::Empty => pad_empty(x, &widths),
    }
}

/// One `(before, after)` pair per axis from a list of one pair or one per axis.
fn pairs<T: Copy>(x: &Array, given: &[(T, T)], name: &str) -> Vec<(T, T)> {
    let nd = x.ndim();
    match given.len() {
        1 => vec![given[0]; nd],
        n if n == nd => given.to_vec(),
        n => panic!(
            "pad: {name} with nd={nd} has unsupported shape ({n}, 2); expected 1 or {nd} \
             (before, after) pairs for an array of shape {}",
            x.shape_obj()
        ),
    }
}

/// `value` as a 0-d array of `x`'s dtype (JAX's `_convert_element_type(constant_values, ...)`).
fn constant(value: f64, x: &Array) -> Array {
    convert(&Array::scalar(value), x.dtype(), false)
}

/// `lax.slice_in_dim(x, start, limit, axis=axis)`.
fn slice_axis(x: &Array, start: usize, limit: usize, axis: usize) -> Array {
    lax::slice_in_dim(x, start, limit, 1, axis)
}

/// Concatenates along `axis`, leaving out empty pieces (JAX concatenates them; the values
/// and gradients are the same).
fn join(parts: &[Array], axis: usize) -> Array {
    let refs: Vec<&Array> = parts.iter().filter(|p| p.shape()[axis] > 0).collect();
    match refs.len() {
        0 => parts[0].clone(),
        1 => refs[0].clone(),
        _ => lax::concatenate(&refs, axis),
    }
}

/// JAX's `_check_no_padding`: an empty axis can only be "padded" by nothing.
fn check_no_padding(x: &Array, axis: usize, width: (usize, usize), mode: &str) {
    if width.0 > 0 || width.1 > 0 {
        panic!(
            "pad: cannot apply '{mode}' padding to empty axis {axis} of an array of shape {}",
            x.shape_obj()
        );
    }
}

/// `_pad_constant` with per-axis `(before, after)` values: one `lax.pad` per side.
fn pad_constant_pairs(x: &Array, widths: &[(usize, usize)], values: &[(f64, f64)]) -> Array {
    let nd = x.ndim();
    let mut out = x.clone();
    for (i, (&(lo, hi), &(vlo, vhi))) in widths.iter().zip(values).enumerate() {
        let mut config = vec![(0i64, 0i64, 0i64); nd];
        if lo != 0 {
            config[i] = (lo as i64, 0, 0);
            out = lax::pad(&out, &constant(vlo, x), &config);
        }
        if hi != 0 {
            config[i] = (0, hi as i64, 0);
            out = lax::pad(&out, &constant(vhi, x), &config);
        }
    }
    out
}

/// `_pad_edge`: the first and last slices repeated.
fn pad_edge(x: &Array, widths: &[(usize, usize)]) -> Array {
    let mut out = x.clone();
    for (i, &(lo, hi)) in widths.iter().enumerate() {
        let n = out.shape()[i];
        if n == 0 {
            check_no_padding(&out, i, (lo, hi), "edge");
            continue;
        }
        if lo == 0 && hi == 0 {
            continue;
        }
        let before = repeat(&slice_axis(&out, 0, 1, i), lo, Some(i as isize));
        let after = repeat(&slice_axis(&out, n - 1, n, i), hi, Some(i as isize));
        out = join(&[before, out.clone(), after], i);
    }
    out
}

/// `_pad_wrap`: whole copies of the axis plus the remainders from the other end.
fn pad_wrap(x: &Array, widths: &[(usize, usize)]) -> Array {
    let mut out = x.clone();
    for (i, &(lo, hi)) in widths.iter().enumerate() {
        let size = out.shape()[i];
        if size == 0 {
            check_no_padding(&out, i, (lo, hi), "wrap");
            continue;
        }
        if lo == 0 && hi == 0 {
            continue;
        }
        let (left_repeats, left_remainder) = (lo / size, lo % size);
        let (right_repeats, right_remainder) = (hi / size, hi % size);
        let mut parts = Vec::new();
        if left_remainder > 0 {
            parts.push(slice_axis(&out, size - left_remainder, size, i));
        }
        parts.extend(std::iter::repeat_n(
            out.clone(),
            left_repeats + right_repeats + 1,
        ));
        if right_remainder > 0 {
            parts.push(slice_axis(&out, 0, right_remainder, i));
        }
        out = join(&parts, i);
    }
    out
}

/// `_pad_symmetric_or_reflect`: each side is built by reflecting at most `size - offset`
/// elements at a time off the growing array, so wide pads keep reflecting (as numpy does).
fn pad_reflect(
    x: &Array,
    widths: &[(usize, usize)],
    symmetric: bool,
    reflect_type: ReflectType,
) -> Array {
    let mode = if symmetric { "symmetric" } else { "reflect" };
    let mut out = x.clone();
    for (i, &(lo, hi)) in widths.iter().enumerate() {
        let size = out.shape()[i];
        if size == 0 {
            check_no_padding(&out, i, (lo, hi), mode);
            continue;
        }
        if lo == 0 && hi == 0 {
            continue;
        }
        let offset = usize::from(!symmetric && size > 1);
        for (mut padding, before) in [(lo, true), (hi, false)] {
            let len = out.shape()[i];
            let mut edge = if before {
                slice_axis(&out, 0, 1, i)
            } else {
                slice_axis(&out, len - 1, len, i)
            };
            while padding > 0 {
                let curr = padding.min(size - offset);
                padding -= curr;
                let len = out.shape()[i];
                let (start, stop) = if before {
                    (offset, offset + curr)
                } else {
                    // JAX's `array[-(curr + offset):-1]` (reflect) or `[-(curr + offset):]`.
                    let stop = if symmetric || size == 1 { len } else { len - 1 };
                    (len - (curr + offset), stop)
                };
                let mut piece = flip(&slice_axis(&out, start, stop, i), i);
                if reflect_type == ReflectType::Odd {
                    piece = 2 * &edge - &piece;
                    if size > 1 {
                        let m = piece.shape()[i];
                        edge = if before {
                            slice_axis(&piece, 0, 1, i)
                        } else {
                            slice_axis(&piece, m - 1, m, i)
                        };
                    }
                }
                out = if before {
                    join(&[piece, out], i)
                } else {
                    join(&[out, piece], i)
                };
            }
        }
    }
    out
}

/// JAX's `jnp.linspace(start, stop, num, endpoint=False, dtype=x.dtype, axis=axis)` with a
/// scalar `start` and `stop` of size 1 along `axis`: `num` values along `axis`.
fn ramp(x: &Array, start: f64, stop: &Array, num: usize, axis: usize) -> Array {
    let dtype = x.dtype();
    // `to_inexact_dtype`: the computation runs in float (float64 for int64).
    let comp = match dtype {
        d if d.is_float() => d,
        DType::I64 | DType::U64 => DType::F64,
        _ => DType::F32,
    };
    let start = convert(&Array::scalar(start), comp, false);
    let stop = convert(stop, comp, false);
    let out = if num == 1 {
        let shape = stop.shape_obj().clone();
        start.broadcast_to(shape)
    } else {
        let mut shape = vec![1; x.ndim()];
        shape[axis] = num;
        // JAX computes `start * (1 - iota / num) + stop * (iota / num)`. XLA's simplifier
        // (whose results JAX returns) turns the division by the constant `num` into a
        // multiplication by its reciprocal, and `stop * (iota * recip)` into
        // `(stop * recip) * iota`; the same roundings give the same bits.
        let one = convert(&Array::scalar(1.0), comp, false);
        let recip = one / convert(&Array::scalar(num as f64), comp, false);
        let iota = lax::broadcasted_iota(comp, shape, axis);
        let step = &iota * &recip;
        &start * (1 - &step) + (&stop * &recip) * &iota
    };
    let out = if dtype.is_integer() { floor(&out) } else { out };
    convert(&out, dtype, x.weak_type())
}

/// `_pad_linear_ramp`: ramps from the end values to (not including) the edge values.
fn pad_linear_ramp(x: &Array, widths: &[(usize, usize)], end_values: &[(f64, f64)]) -> Array {
    if x.shape().contains(&0) {
        panic!(
            "pad: cannot apply 'linear_ramp' padding to an array of shape {} with an empty axis",
            x.shape_obj()
        );
    }
    let mut out = x.clone();
    for (i, (&(lo, hi), &(end_lo, end_hi))) in widths.iter().zip(end_values).enumerate() {
        if lo == 0 && hi == 0 {
            continue;
        }
        let n = out.shape()[i];
        let mut parts = Vec::with_capacity(3);
        if lo > 0 {
            parts.push(ramp(&out, end_lo, &slice_axis(&out, 0, 1, i), lo, i));
        }
        parts.push(out.clone());
        if hi > 0 {
            let after = ramp(&out, end_hi, &slice_axis(&out, n - 1, n, i), hi, i);
            parts.push(flip(&after, i));
        }
        out = join(&parts, i);
    }
    out
}

/// The statistic of a `maximum` / `minimum` / `mean` / `median` pad.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stat {
    Maximum,
    Minimum,
    Mean,
    Median,
}

impl Stat {
    fn name(self) -> &'static str {
        match self {
            Stat::Maximum => "maximum",
            Stat::Minimum => "minimum",
            Stat::Mean => "mean",
            Stat::Median => "median",
        }
    }

    /// The statistic along `axis`, keeping it as size 1.
    fn along(self, x: &Array, axis: usize) -> Array {
        match self {
            Stat::Maximum => max_keepdims(x, axis),
            Stat::Minimum => min_keepdims(x, axis),
            Stat::Mean => mean_keepdims(x, axis),
            Stat::Median => median_keepdims(x, axis),
        }
    }
}

/// `jnp.median(x, axis=axis, keepdims=True)`: `quantile(x, 0.5, method="midpoint")`, which
/// sorts along the axis and averages the two middle elements (one when the count is odd).
fn median_keepdims(x: &Array, axis: usize) -> Array {
    let mut a = to_inexact(x);
    if x.dtype().is_float() {
        // A NaN anywhere along the axis makes that median NaN.
        let has_nan = any(&isnan(&a), axis).expand_dims(axis);
        a = where_(&has_nan, &Array::weak_scalar(f64::NAN), &a);
    }
    let a = sort(&a, axis);
    let n = a.shape()[axis];
    let (low, high) = ((n - 1) / 2, n / 2);
    let low = slice_axis(&a, low, low + 1, axis);
    let high = slice_axis(&a, high, high + 1, axis);
    (low + high) * 0.5
}

/// `_pad_stats`: the statistic of the whole axis, or of `stat_length` elements next to each
/// edge, repeated; rounded half to even for integer arrays.
fn pad_stats(
    x: &Array,
    widths: &[(usize, usize)],
    stat_length: &Option<Vec<(usize, usize)>>,
    stat: Stat,
) -> Array {
    let lengths = stat_length.as_ref().map(|l| pairs(x, l, "stat_length"));
    if let Some(l) = &lengths
        && l.iter().any(|&(a, b)| a == 0 || b == 0)
    {
        panic!("pad: stat_length of 0 yields no value for padding");
    }
    if stat != Stat::Mean && x.shape().contains(&0) {
        panic!(
            "pad: cannot apply '{}' padding to an array of shape {} with an empty axis \
             (the statistic of no elements)",
            stat.name(),
            x.shape_obj()
        );
    }
    let mut out = x.clone();
    for (i, &(lo, hi)) in widths.iter().enumerate() {
        if lo == 0 && hi == 0 {
            continue;
        }
        let (before, after) = match &lengths {
            None => {
                let s = stat.along(&out, i);
                (s.clone(), s)
            }
            Some(l) => {
                let n = out.shape()[i];
                let (lb, la) = (l[i].0.min(n), l[i].1.min(n));
                (
                    stat.along(&slice_axis(&out, 0, lb, i), i),
                    stat.along(&slice_axis(&out, n - la, n, i), i),
                )
            }
        };
        let finish = |s: Array| {
            let s = if x.dtype().is_integer() { round(&s) } else { s };
            convert(&s, x.dtype(), x.weak_type())
        };
        let before = repeat(&finish(before), lo, Some(i as isize));
        let after = repeat(&finish(after), hi, Some(i as isize));
        out = join(&[before, out.clone(), after], i);
    }
    out
}

/// `_pad_empty`: JAX's `empty` is `zeros`.
fn pad_empty(x: &Array, widths: &[(usize, usize)]) -> Array {
    let mut out = x.clone();
    for (i, &(lo, hi)) in widths.iter().enumerate() {
        if lo == 0 && hi == 0 {
            continue;
        }
        let block = |w: usize| {
            let mut shape = out.shape().to_vec();
            shape[i] = w;
            zeros_dtype(shape, x.dtype()).with_weak_type(x.weak_type())
        };
        out = join(&[block(lo), out.clone(), block(hi)], i);
    }
    out
}
