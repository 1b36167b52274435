//! Rust operators on arrays: `+ - * / %` (numpy broadcasting, JAX promotion) and unary `-`.
//!
//! Rust scalars on either side are weakly typed like Python scalars in JAX: `f32_array * 2.0`
//! stays `f32`, `i32_array + 1` stays `i32`, and `i32_array * 2.0` becomes float.

use super::math::{add, divide, multiply, negative, remainder, subtract};
use crate::array::{Array, ArrayElement};
use num_complex::{Complex32, Complex64};
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

/// Rust scalar types usable on the right of an array operator (`x * 2.0`, `x + 1`, `x / lr`).
/// They enter as weakly typed values (a complex scalar as a weak complex: `f32_array * i`
/// is `complex64`). On the left, `f64` and `i32` are accepted (`2.0 * &x`).
pub trait Scalar: ArrayElement {}
impl Scalar for f32 {}
impl Scalar for f64 {}
impl Scalar for i32 {}
impl Scalar for i64 {}
impl Scalar for u32 {}
impl Scalar for u8 {}
impl Scalar for u16 {}
impl Scalar for u64 {}
impl Scalar for i8 {}
impl Scalar for i16 {}
impl Scalar for Complex32 {}
impl Scalar for Complex64 {}

macro_rules! array_binop {
    ($trait:ident, $method:ident, $func:ident) => {
        impl $trait<&Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                $func(self, rhs)
            }
        }
        impl $trait<Array> for Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                $func(&self, &rhs)
            }
        }
        impl $trait<&Array> for Array {
            type Output = Array;
            fn $method(self, rhs: &Array) -> Array {
                $func(&self, rhs)
            }
        }
        impl $trait<Array> for &Array {
            type Output = Array;
            fn $method(self, rhs: Array) -> Array {
                $func(self, &rhs)
            }
        }
        // One generic impl per direction keeps `(&x * 2.0).sum(0)` inferable: the output
        // type is known before the literal's type is settled.
        impl<S: Scalar> $trait<S> for &Array {
            type Output = Array;
            fn $method(self, rhs: S) -> Array {
                $func(self, &Array::weak_scalar(rhs))
            }
        }
        impl<S: Scalar> $trait<S> for Array {
            type Output = Array;
            fn $method(self, rhs: S) -> Array {
                $func(&self, &Array::weak_scalar(rhs))
            }
        }
        // Scalars on the left: only the literal default types, so that `2.0 * &x` and
        // `1 - &x` resolve without annotations.
        array_binop!(@left $trait, $method, $func, f64, i32);
    };
    (@left $trait:ident, $method:ident, $func:ident, $($s:ty),*) => {
        $(
            impl $trait<&Array> for $s {
                type Output = Array;
                fn $method(self, rhs: &Array) -> Array {
                    $func(&Array::weak_scalar(self), rhs)
                }
            }
            impl $trait<Array> for $s {
                type Output = Array;
                fn $method(self, rhs: Array) -> Array {
                    $func(&Array::weak_scalar(self), &rhs)
                }
            }
        )*
    };
}

array_binop!(Add, add, add);
array_binop!(Sub, sub, subtract);
array_binop!(Mul, mul, multiply);
array_binop!(Div, div, divide);
array_binop!(Rem, rem, remainder);

impl Neg for &Array {
    type Output = Array;
    fn neg(self) -> Array {
        negative(self)
    }
}

impl Neg for Array {
    type Output = Array;
    fn neg(self) -> Array {
        negative(&self)
    }
}
