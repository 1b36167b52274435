//! Selection primitives: `select_n` and `clamp`.

use super::binary::{common_dtype, elementwise_shape, nan_max, nan_min};
use super::{describe, PrimitiveRule};
use crate::array::{Array, DType, Element, ShapeDtype};
use crate::backend::cpu::elementwise::zip3_map;

/// Selection among operands by a predicate, and clamping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectOp {
    /// `select_n(which, *cases)`: element i is `cases[which[i]][i]`. `which` is bool (two
    /// cases: false picks the first) or int32; it has the cases' shape or is 0-d.
    SelectN,
    /// `clamp(lo, x, hi)` = `min(max(x, lo), hi)`; `lo` and `hi` have `x`'s shape or are 0-d.
    Clamp,
}

impl PrimitiveRule for SelectOp {
    fn name(&self) -> &'static str {
        match self {
            SelectOp::SelectN => "select_n",
            SelectOp::Clamp => "clamp",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        match self {
            SelectOp::SelectN => {
                if args.len() < 2 {
                    panic!(
                        "select_n: expected a predicate and at least one case, got {}",
                        describe(args)
                    );
                }
                let which = args[0];
                if !(which.dtype == DType::Bool || which.dtype == DType::I32) {
                    panic!(
                        "select_n: the predicate must be bool or int32, got {}",
                        describe(args)
                    );
                }
                if which.dtype == DType::Bool && args.len() > 3 {
                    panic!(
                        "select_n: a bool predicate selects between at most 2 cases, got {} cases",
                        args.len() - 1
                    );
                }
                let cases = &args[1..];
                let first = cases[0];
                if cases
                    .iter()
                    .any(|c| c.shape != first.shape || c.dtype != first.dtype)
                {
                    panic!(
                        "select_n: all cases must have the same shape and dtype, got {}",
                        describe(cases)
                    );
                }
                if which.ndim() != 0 && which.shape != first.shape {
                    panic!(
                        "select_n: the predicate must be 0-d or have the cases' shape, got {}",
                        describe(args)
                    );
                }
                vec![ShapeDtype {
                    shape: first.shape.clone(),
                    dtype: first.dtype,
                    weak_type: cases.iter().all(|c| c.weak_type),
                }]
            }
            SelectOp::Clamp => {
                super::expect_arity("clamp", args, 3);
                let x = args[1];
                common_dtype("clamp", args);
                for bound in [args[0], args[2]] {
                    if bound.ndim() != 0 && bound.shape != x.shape {
                        panic!(
                            "clamp: lo and hi must be 0-d or have x's shape, got (lo, x, hi) = ({})",
                            describe(args)
                        );
                    }
                }
                if x.ndim() == 0 {
                    elementwise_shape("clamp", args);
                }
                vec![x.clone()]
            }
        }
    }

    // The generic clamp is also instantiated for bool, where `<` on bools is what we mean.
    #[allow(clippy::bool_comparison)]
    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let n = out[0].size();
        let storage = match self {
            SelectOp::SelectN => {
                let which = args[0];
                let cases = &args[1..];
                let idx: Vec<i32> = if which.dtype() == DType::Bool {
                    which.as_slice::<bool>().iter().map(|&b| b as i32).collect()
                } else {
                    which.as_slice::<i32>().to_vec()
                };
                let last = cases.len() as i32 - 1;
                crate::with_dtype!(out[0].dtype, T => {
                    let slices: Vec<&[T]> = cases.iter().map(|c| c.as_slice::<T>()).collect();
                    let scalar = idx.len() == 1;
                    let v: Vec<T> = (0..n)
                        .map(|i| {
                            let k = if scalar { idx[0] } else { idx[i] }.clamp(0, last) as usize;
                            slices[k][i]
                        })
                        .collect();
                    T::into_storage(v)
                })
            }
            SelectOp::Clamp => crate::with_float_dtype!(out[0].dtype, T => {
                T::into_storage(zip3_map(args[0].as_slice::<T>(), args[1].as_slice::<T>(), args[2].as_slice::<T>(), n,
                    |lo, x, hi| nan_min(nan_max(x, lo), hi)))
            },
            _ => crate::with_dtype!(out[0].dtype, T => {
                T::into_storage(zip3_map(args[0].as_slice::<T>(), args[1].as_slice::<T>(), args[2].as_slice::<T>(), n,
                    |lo, x, hi| {
                        let m = if x < lo { lo } else { x };
                        if m > hi { hi } else { m }
                    }))
            })),
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }
}
