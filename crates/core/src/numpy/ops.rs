//! Rust operators on arrays: `+ - * / %` (numpy broadcasting, JAX promotion) and unary `-`.
//!
//! Rust scalars on either side are weakly typed like Python scalars in JAX: `f32_array * 2.0`
//! stays `f32`, `i32_array + 1` stays `i32`, and `i32_array * 2.0` becomes float.

use super::math::{add, divide, multiply, negative, remainder, subtract};
use crate::array::Array;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

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
        array_binop!(@scalar $trait, $method, $func, f32, f64, i32, i64, u32, u8);
    };
    (@scalar $trait:ident, $method:ident, $func:ident, $($s:ty),*) => {
        $(
            impl $trait<$s> for &Array {
                type Output = Array;
                fn $method(self, rhs: $s) -> Array {
                    $func(self, &Array::weak_scalar(rhs))
                }
            }
            impl $trait<$s> for Array {
                type Output = Array;
                fn $method(self, rhs: $s) -> Array {
                    $func(&self, &Array::weak_scalar(rhs))
                }
            }
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
