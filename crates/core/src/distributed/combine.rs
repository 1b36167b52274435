//! Element-level helpers for process groups that hold every member's value in memory: rank-order
//! reductions, stacking and rows. They work on buffers directly, without primitives, because a
//! group runs below the tracing machinery (inside a collective's evaluation).

use super::{CollectiveError, ReduceOp};
use crate::array::{Array, ArrayElement, DType, Storage};

/// Row `i` of `x`'s leading axis.
pub(crate) fn row(x: &Array, i: usize) -> Array {
    let shape = &x.shape()[1..];
    let n: usize = shape.iter().product();
    crate::with_dtype!(x.dtype(), T => {
        Array::from_slice(&x.as_slice::<T>()[i * n..(i + 1) * n], shape)
    })
}

/// The arrays (of one shape and dtype) stacked along a new leading axis.
pub(crate) fn stack(xs: &[Array]) -> Array {
    let first = &xs[0];
    let mut shape = vec![xs.len()];
    shape.extend_from_slice(first.shape());
    crate::with_dtype!(first.dtype(), T => {
        let mut out: Vec<T> = Vec::with_capacity(xs.len() * first.size());
        for x in xs {
            out.extend_from_slice(x.as_slice::<T>());
        }
        Array::from_vec(out, shape)
    })
}

/// An array of zeros shaped and typed like `x`.
pub(crate) fn zeros_like(x: &Array) -> Array {
    Array::from_storage(Storage::zeros(x.dtype(), x.size()), x.shape())
}

/// The elementwise `op` of `xs` (one shape and dtype), combined in order: `((x0 ∘ x1) ∘ x2)…`,
/// so every member that combines the same values gets the same bits.
pub(crate) fn reduce(xs: &[Array], op: ReduceOp) -> Result<Array, CollectiveError> {
    let dtype = xs[0].dtype();
    let unsupported = || {
        Err(CollectiveError::Unsupported(format!(
            "{op:?} over a process axis does not support dtype {dtype}"
        )))
    };
    macro_rules! fold {
        ($T:ty, $f:expr) => {{
            let f: fn($T, $T) -> $T = $f;
            let mut acc: Vec<$T> = xs[0].as_slice::<$T>().to_vec();
            for x in &xs[1..] {
                for (a, b) in acc.iter_mut().zip(x.as_slice::<$T>()) {
                    *a = f(*a, *b);
                }
            }
            Ok(Array::from_vec(acc, xs[0].shape()))
        }};
    }
    macro_rules! integer {
        ($T:ty) => {
            match op {
                ReduceOp::Sum => fold!($T, |a, b| a.wrapping_add(b)),
                ReduceOp::Max => fold!($T, |a, b| a.max(b)),
                ReduceOp::Min => fold!($T, |a, b| a.min(b)),
            }
        };
    }
    match dtype {
        DType::Bool => match op {
            // A boolean max is "any", a min "all"; JAX refuses psum of booleans too.
            ReduceOp::Max => fold!(bool, |a, b| a | b),
            ReduceOp::Min => fold!(bool, |a, b| a & b),
            ReduceOp::Sum => unsupported(),
        },
        DType::U8 => integer!(u8),
        DType::U16 => integer!(u16),
        DType::U32 => integer!(u32),
        DType::U64 => integer!(u64),
        DType::I8 => integer!(i8),
        DType::I16 => integer!(i16),
        DType::I32 => integer!(i32),
        DType::I64 => integer!(i64),
        DType::F32 => float(xs, op, |a: f32, b| a + b),
        DType::F64 => float(xs, op, |a: f64, b| a + b),
        DType::C64 | DType::C128 if op == ReduceOp::Sum => {
            crate::with_dtype!(dtype, T => {
                fold!(T, |a, b| T::from_c128(a.to_c128() + b.to_c128()))
            })
        }
        DType::C64 | DType::C128 => unsupported(),
        // Narrow floats: each sum is exact in f64 and rounds once to the dtype, as an add in
        // the dtype does.
        _ => {
            crate::with_dtype!(dtype, T => float(xs, op, |a: T, b| T::from_f64(a.to_f64() + b.to_f64())))
        }
    }
}

/// A floating-point fold; max and min propagate NaN, as `lax.max`/`lax.min` do.
fn float<T: ArrayElement>(
    xs: &[Array],
    op: ReduceOp,
    add: fn(T, T) -> T,
) -> Result<Array, CollectiveError> {
    let pick = |a: T, b: T, b_wins: bool| -> T {
        let (fa, fb) = (a.to_f64(), b.to_f64());
        if fa.is_nan() {
            a
        } else if fb.is_nan() || b_wins {
            b
        } else {
            a
        }
    };
    let mut acc: Vec<T> = xs[0].as_slice::<T>().to_vec();
    for x in &xs[1..] {
        for (a, &b) in acc.iter_mut().zip(x.as_slice::<T>()) {
            *a = match op {
                ReduceOp::Sum => add(*a, b),
                ReduceOp::Max => pick(*a, b, b.to_f64() > a.to_f64()),
                ReduceOp::Min => pick(*a, b, b.to_f64() < a.to_f64()),
            };
        }
    }
    Ok(Array::from_vec(acc, xs[0].shape()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_in_rank_order_and_propagates_nan_through_max() {
        let a = Array::from_vec(vec![1.0f32, f32::NAN, 2.0], [3]);
        let b = Array::from_vec(vec![2.0f32, 1.0, f32::NAN], [3]);
        let s = reduce(&[a.clone(), b.clone()], ReduceOp::Sum).unwrap();
        assert_eq!(s.to_vec::<f32>()[0], 3.0);
        let m = reduce(&[a, b], ReduceOp::Max).unwrap().to_vec::<f32>();
        assert_eq!(m[0], 2.0);
        assert!(m[1].is_nan() && m[2].is_nan());
    }

    #[test]
    fn integer_sums_wrap_and_booleans_refuse_a_sum() {
        let a = Array::from_vec(vec![i8::MAX], [1]);
        let s = reduce(&[a.clone(), a], ReduceOp::Sum).unwrap();
        assert_eq!(s.to_vec::<i8>(), vec![-2]);
        let t = Array::from_vec(vec![true, false], [2]);
        let f = Array::from_vec(vec![false, false], [2]);
        assert_eq!(
            reduce(&[t.clone(), f.clone()], ReduceOp::Max)
                .unwrap()
                .to_vec::<bool>(),
            vec![true, false]
        );
        assert!(matches!(
            reduce(&[t, f], ReduceOp::Sum),
            Err(CollectiveError::Unsupported(_))
        ));
    }

    #[test]
    fn half_sums_round_once() {
        let a = Array::from_vec(vec![half::f16::from_f32(1.0)], [1]);
        let b = Array::from_vec(vec![half::f16::from_f32(0.000_488_28)], [1]);
        let s = reduce(&[a.clone(), b.clone()], ReduceOp::Sum).unwrap();
        assert_eq!(
            s.to_vec::<half::f16>()[0],
            a.to_vec::<half::f16>()[0] + b.to_vec::<half::f16>()[0]
        );
    }

    #[test]
    fn stacks_and_takes_rows() {
        let a = Array::from_vec(vec![1i32, 2], [2]);
        let b = Array::from_vec(vec![3i32, 4], [2]);
        let s = stack(&[a, b]);
        assert_eq!(s.shape(), &[2, 2]);
        assert_eq!(row(&s, 1).to_vec::<i32>(), vec![3, 4]);
        assert_eq!(zeros_like(&s).to_vec::<i32>(), vec![0; 4]);
    }
}
