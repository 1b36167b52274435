//! `filter_eval_shape` and `filter_make_jaxpr`.

use crate::jaxpr::ClosedJaxpr;
use crate::transforms::{eval_shape, make_jaxpr};
use crate::Module;

/// `eqx.filter_eval_shape`: the output of `f` with element-less leaves carrying each output's
/// shape and dtype, computed without running anything (see [`eval_shape`]). Useful to build a
/// model's structure without initialising it.
pub fn filter_eval_shape<T: Module, R: Module>(f: impl FnOnce(&T) -> R, x: &T) -> R {
    eval_shape(f, x)
}

/// `eqx.filter_make_jaxpr`: the staged program of `f` for the array leaves of `x` (non-array
/// fields are static and do not appear).
pub fn filter_make_jaxpr<T: Module, R: Module>(f: impl Fn(&T) -> R, x: &T) -> ClosedJaxpr {
    make_jaxpr(f)(x)
}
