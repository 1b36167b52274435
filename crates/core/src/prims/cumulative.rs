//! Cumulative (scan) primitives: `cumsum`, `cumprod`, `cummax`, `cummin`.

use super::binary::{nan_max, nan_min};
use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{Array, DType, Element, FloatElement, IntElement, ShapeDtype, Storage};
use crate::backend::cpu::scan::scan_axis;

/// What a cumulative primitive combines with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CumulativeKind {
    /// Running sum (integers wrap; float16/bfloat16 accumulate in float32).
    Sum,
    /// Running product.
    Prod,
    /// Running maximum (NaN propagates).
    Max,
    /// Running minimum (NaN propagates).
    Min,
}

/// `cumsum[axis, reverse]` and friends: an inclusive scan along `axis`, from the end when
/// `reverse`. The output has the operand's shape and dtype. Numeric dtypes only (`cummax` and
/// `cummin` also take bool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CumulativeOp {
    /// The combining operation.
    pub kind: CumulativeKind,
    /// The axis to scan along.
    pub axis: usize,
    /// Scan from the last element to the first.
    pub reverse: bool,
}

impl PrimitiveRule for CumulativeOp {
    fn name(&self) -> &'static str {
        match self.kind {
            CumulativeKind::Sum => "cumsum",
            CumulativeKind::Prod => "cumprod",
            CumulativeKind::Max => "cummax",
            CumulativeKind::Min => "cummin",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 1);
        let x = args[0];
        let d = x.dtype;
        let ok = match self.kind {
            CumulativeKind::Sum | CumulativeKind::Prod => d.is_float() || d.is_integer(),
            CumulativeKind::Max | CumulativeKind::Min => true,
        };
        if !ok {
            panic!(
                "{}: got {} but expected a numeric (integer or floating-point) operand",
                self.name(),
                describe(args)
            );
        }
        if self.axis >= x.ndim() {
            panic!(
                "{}: axis {} is out of range for operand {}",
                self.name(),
                self.axis,
                describe(args)
            );
        }
        vec![x.clone()]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let shape = x.shape();
        let outer: usize = shape[..self.axis].iter().product();
        let len = shape[self.axis];
        let inner: usize = shape[self.axis + 1..].iter().product();
        let (kind, rev) = (self.kind, self.reverse);
        let storage: Storage = crate::with_float_dtype!(x.dtype(), T => {
            let v = x.as_slice::<T>();
            let r: Vec<T> = if T::DTYPE == DType::F64 || T::DTYPE == DType::F32 {
                float_scan(kind, v, outer, len, inner, rev)
            } else {
                // Half types accumulate in float32 and round each output once, as XLA does.
                let wide: Vec<f32> = v.iter().map(|e| e.to_f32()).collect();
                float_scan(kind, &wide, outer, len, inner, rev)
                    .into_iter()
                    .map(T::from_f32)
                    .collect()
            };
            T::into_storage(r)
        }, _ => crate::with_int_dtype!(x.dtype(), T => {
            T::into_storage(int_scan::<T>(kind, x.as_slice::<T>(), outer, len, inner, rev))
        }, _ => {
            let v = x.as_slice::<bool>();
            let r: Vec<bool> = match kind {
                CumulativeKind::Max => scan_axis(v, outer, len, inner, rev, |a, b| a | b),
                CumulativeKind::Min => scan_axis(v, outer, len, inner, rev, |a, b| a & b),
                k => unreachable!("abstract_eval rejects {k:?} on bool"),
            };
            bool::into_storage(r)
        }));
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }
}

fn float_scan<T: num_traits::Float>(
    kind: CumulativeKind,
    v: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    rev: bool,
) -> Vec<T> {
    match kind {
        CumulativeKind::Sum => scan_axis(v, outer, len, inner, rev, |a, b| a + b),
        CumulativeKind::Prod => scan_axis(v, outer, len, inner, rev, |a, b| a * b),
        CumulativeKind::Max => scan_axis(v, outer, len, inner, rev, nan_max),
        CumulativeKind::Min => scan_axis(v, outer, len, inner, rev, nan_min),
    }
}

fn int_scan<T: IntElement>(
    kind: CumulativeKind,
    v: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    rev: bool,
) -> Vec<T> {
    match kind {
        CumulativeKind::Sum => {
            scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.wrapping_add(&b))
        }
        CumulativeKind::Prod => {
            scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.wrapping_mul(&b))
        }
        CumulativeKind::Max => scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.max(b)),
        CumulativeKind::Min => scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.min(b)),
    }
}
